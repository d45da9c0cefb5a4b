"""The import rules of ARCHITECTURE.md, checked by walking every module's imports.

| folder        | may import (project-internal)                                              |
| gis_app/      | the kernel only; only app.py and cli.py import feature packages and web/   |
| floorplans/   | nothing but the small shared value types (gis_app.vocab, gis_app.report)   |
| survey_import/| floorplans, the gis_app kernel                                             |
| layers/       | the gis_app kernel                                                         |
| web/          | everything above                                                           |
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gis_app", "floorplans", "survey_import", "layers", "web")
COMPOSITION_ROOTS = {"gis_app/app.py", "gis_app/cli.py"}
SHARED_VALUE_TYPES = {"gis_app.vocab", "gis_app.report"}

ALLOWED = {
    "gis_app": {"gis_app"},
    "floorplans": {"floorplans"},
    "survey_import": {"survey_import", "floorplans", "gis_app"},
    "layers": {"layers", "gis_app"},
    "web": {"web", "layers", "gis_app", "survey_import", "floorplans"},
}


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _project_imports(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in PACKAGES]
    return found


def _violations(relative: str, source: str) -> list[str]:
    package = relative.split("/")[0]
    if relative in COMPOSITION_ROOTS or relative.startswith("gis_app/migrations/"):
        return []
    out = []
    for lineno, name in _project_imports(source):
        top = name.split(".")[0]
        if package == "floorplans" and top == "gis_app":
            if name not in SHARED_VALUE_TYPES:
                out.append(f"{relative}:{lineno} imports {name} (floorplans is pure)")
            continue
        if top not in ALLOWED[package]:
            out.append(f"{relative}:{lineno} imports {name}")
    return out


def test_the_walker_sees_the_modules():
    assert any(p.name == "models.py" for p in _modules())


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_keeps_the_import_rules(path):
    source = path.read_text(encoding="utf-8")
    assert _violations(path.relative_to(ROOT).as_posix(), source) == []


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("floorplans/x.py", "from gis_app.db import Base\n", "imports gis_app.db"),
        ("floorplans/x.py", "import survey_import.pipeline\n", "imports survey_import.pipeline"),
        ("gis_app/analysis.py", "from web import views\n", "imports web"),
        ("layers/rooms.py", "from survey_import import load\n", "imports survey_import"),
    ],
)
def test_a_violation_is_caught(relative, source, expected):
    (violation,) = _violations(relative, source)
    assert expected in violation


def test_allowed_imports_pass():
    assert _violations("floorplans/x.py", "from gis_app.report import ImportReport\n") == []
    assert _violations("gis_app/cli.py", "from web import create\n") == []
