#!/usr/bin/env bash
# The README's two commands:  ./run.sh demo   and   ./run.sh test
# Installs `make` when a fresh machine lacks it, then hands over to the Makefile, which installs
# whatever else is missing (PostGIS, Node/npm, Chromium for tests, the Python packages).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v make >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null
fi
case "${1:-}" in
  demo|test|serve|lint) exec make --no-print-directory "$@" ;;
  *) echo "usage: ./run.sh demo | test | serve | lint" >&2; exit 2 ;;
esac
