# 办公用房一张图 — the two commands of the README, and what they need.
#
#   make demo   install what is missing, start the private PostGIS cluster under var/,
#               load the sample city through the real importers, serve http://127.0.0.1:5000
#   make test   install what is missing (Chromium too) and run the whole test suite
#
# Each step leaves a stamp and is skipped when nothing changed, so a second run is fast.
# Works as root or as a user with sudo on Debian/Ubuntu.

SHELL := /bin/bash
# The distribution's Python 3.11+ when there is one: Debian and Ubuntu build it with PGO and LTO,
# while a default pyenv or source build found first on PATH runs the survey import ~10-15 %
# slower (CPU time, measured). Otherwise whatever python3 is on PATH.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys; print(sys.executable if sys.version_info >= (3, 11) else "python3")' 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_ENV := DEBIAN_FRONTEND=noninteractive
PYTEST_ARGS ?=

.PHONY: demo test serve system-deps browser-deps python-deps test-python-deps bytecode assets lint \
	clean-demo

demo: system-deps python-deps bytecode assets
	$(BIN)/gis-app demo

serve: system-deps python-deps bytecode assets
	$(BIN)/gis-app serve

test: system-deps browser-deps test-python-deps bytecode assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: test-python-deps
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# -- system packages (apt) --------------------------------------------------------------------

var/.apt-updated:
	@mkdir -p var
	$(SUDO) $(APT_ENV) apt-get update -qq
	@touch $@

system-deps:
	@missing=""; \
	ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing="$$missing postgresql postgresql-postgis"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	$(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(MAKE) --no-print-directory var/.apt-updated && \
	  $(SUDO) $(APT_ENV) apt-get install -y -qq $$missing >/dev/null; \
	fi

# Chromium for the browser tests, and a CJK font so their screenshots show the Chinese UI.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	  echo "installing: chromium"; \
	  $(MAKE) --no-print-directory var/.apt-updated && \
	  ( $(SUDO) $(APT_ENV) apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    $(SUDO) $(APT_ENV) apt-get install -y -qq chromium-browser >/dev/null ); \
	fi
	@if ! fc-list 2>/dev/null | grep -qi -e "wenquanyi" -e "noto sans cjk"; then \
	  echo "installing: fonts-wqy-zenhei"; \
	  $(MAKE) --no-print-directory var/.apt-updated && \
	  $(SUDO) $(APT_ENV) apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	fi

# -- Python ------------------------------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-test.txt
	@touch $@

python-deps: $(VENV)/.installed

test-python-deps: $(VENV)/.installed-test

# The project's own modules compiled ahead, as pip does for installed packages: with
# PYTHONDONTWRITEBYTECODE set (some shells and containers set it) every command would compile
# them again, ~60 ms of each `gis-app` run. Only changed files are compiled; run every time.
PACKAGES := gis_app floorplans layers survey_import web
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q -x node_modules $(PACKAGES)

# -- front-end assets (npm registry; served locally, never from a CDN) -----------------------

web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

assets: web/node_modules/.installed

clean-demo:
	-$(BIN)/gis-app db stop
	rm -rf var
