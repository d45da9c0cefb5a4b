"""`survey import`: the JSON contract of the dry run, exit codes, and no database on dry runs."""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest
from click.testing import CliRunner

from gis_app.cli import FEATURE_COMMANDS
from gis_app.cli import _load_feature_command
from survey_import import review_commands
from survey_import.commands import REVIEW_COMMANDS
from survey_import.commands import survey
from survey_import.pipeline import paused_gc

UNITS_TO_M = {"mm": 0.001, "cm": 0.01, "m": 1.0, "in": 0.0254, "ft": 0.3048}


def _office(tmp_path: Path) -> Path:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (6000, 0), (6000, 4000), (0, 4000)], close=True)
    msp.add_text("301 局长办公室", height=300).set_placement((3000, 2000))
    msp.add_lwpolyline(
        [(6000, 0, 0), (10000, 0, 0), (10000, 4000, 0), (6000, 4000, 0.3)], format="xyb", close=True
    )
    msp.add_text("会议室", height=300).set_placement((8000, 2000))
    path = tmp_path / "office.dxf"
    doc.saveas(path)
    return path


def _run(*args: str):
    return CliRunner().invoke(survey, ["import", *args], catch_exceptions=False)


def _check_contract(doc: dict, path: Path) -> None:
    assert set(doc) == {"source", "floors", "report"}
    src = doc["source"]
    assert set(src) == {"file", "sha256", "dxf_version", "encoding", "units"}
    assert src["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    units = src["units"]
    assert set(units) == {"declared", "used", "inferred", "factor_to_m"}
    assert isinstance(units["inferred"], bool)
    assert math.isclose(units["factor_to_m"], UNITS_TO_M[units["used"]])
    for floor in doc["floors"]:
        assert set(floor) == {"name", "rooms"}
        for room in floor["rooms"]:
            assert set(room) == {
                "number", "name", "use", "layer", "area_m2", "handles", "label_count", "centroid"
            }  # fmt: skip
            assert isinstance(room["layer"], str) and isinstance(room["label_count"], int)
            assert all(isinstance(h, str) for h in room["handles"])
            assert len(room["centroid"]) == 2 and all(math.isfinite(c) for c in room["centroid"])
            assert math.isfinite(room["area_m2"]) and room["area_m2"] >= 0
    for key in ("errors", "warnings", "fixes"):
        for entry in doc["report"][key]:
            assert set(entry) == {"code", "message", "handle"}
            assert isinstance(entry["code"], str) and entry["message"]


def test_dry_run_json_keeps_the_contract(tmp_path: Path) -> None:
    path = _office(tmp_path)
    result = _run(str(path), "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _check_contract(doc, path)
    assert doc["source"]["units"] == {
        "declared": "mm", "used": "mm", "inferred": False, "factor_to_m": 0.001
    }  # fmt: skip
    rooms = {r["name"]: r for f in doc["floors"] for r in f["rooms"]}
    office = rooms["局长办公室"]
    assert office["number"] == "301" and office["area_m2"] == 24.0
    assert office["label_count"] == 1 and office["centroid"] == [3000.0, 2000.0]
    assert rooms["会议室"]["area_m2"] > 16.0  # the bulge adds an exact arc segment
    assert doc["report"]["errors"] == []


def test_units_option_is_used(tmp_path: Path) -> None:
    result = _run(str(_office(tmp_path)), "--dry-run", "--format", "json", "--units", "cm")
    doc = json.loads(result.stdout)
    assert doc["source"]["units"]["used"] == "cm" and doc["source"]["units"]["inferred"] is False


def test_text_format_shows_rooms_with_two_decimals(tmp_path: Path) -> None:
    result = _run(str(_office(tmp_path)), "--dry-run")
    assert result.exit_code == 0
    assert "24.00 m²" in result.stdout and "局长办公室" in result.stdout


def test_not_a_dxf_exits_2_with_one_clear_line_and_a_json_report(tmp_path: Path) -> None:
    path = tmp_path / "notes.dxf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n")
    result = _run(str(path), "--dry-run", "--format", "json")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "不是 DXF" in result.stderr
    assert json.loads(result.stdout)["report"]["errors"][0]["code"] == "NOT_A_DXF"


def test_dwg_is_told_to_save_as_dxf(tmp_path: Path) -> None:
    path = tmp_path / "plan.dwg"
    path.write_bytes(b"AC1027" + bytes(300))
    result = _run(str(path), "--dry-run")
    assert result.exit_code == 2 and "DWG" in result.stderr and "DXF" in result.stderr
    assert "Traceback" not in result.output


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    path = _office(tmp_path)
    cases = [
        ([str(tmp_path / "missing.dxf"), "--dry-run"], "不存在"),
        ([str(path), "--dry-run", "--units", "furlong"], "furlong"),
        ([str(path), "--dry-run", "--encoding", "klingon"], "klingon"),
        ([str(path), "--dry-run", "--profile", "nope"], "nope"),
        ([str(path)], "--building"),
    ]
    for args, needle in cases:
        result = _run(*args)
        assert result.exit_code == 2, args
        assert needle in result.stderr


def test_truncated_file_never_gives_a_traceback(tmp_path: Path) -> None:
    data = _office(tmp_path).read_bytes()
    for share in (0.1, 0.35, 0.6, 0.9):
        cut = tmp_path / f"cut{share}.dxf"
        cut.write_bytes(data[: int(len(data) * share)])
        result = _run(str(cut), "--dry-run", "--format", "json")
        assert result.exit_code in (0, 1, 2)
        if result.exit_code == 2:
            assert result.stderr.strip()
        else:
            doc = json.loads(result.stdout)
            _check_contract(doc, cut)
            assert doc["report"]["errors"] or doc["report"]["warnings"] or doc["report"]["fixes"]


def test_dry_run_never_touches_the_database(tmp_path: Path) -> None:
    path = _office(tmp_path)
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from survey_import.commands import survey\n"
        f"r = CliRunner().invoke(survey, ['import', {str(path)!r}, '--dry-run'])\n"
        "assert r.exit_code == 0, r.output\n"
        "loaded = [m for m in ('gis_app.db', 'gis_app.cluster', 'psycopg', 'sqlalchemy')"
        " if m in sys.modules]\n"
        "print(','.join(loaded) or 'none')\n"
    )
    env = dict(os.environ, GIS_APP_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "none"


def _modules_after(args: list[str]) -> tuple[str, set[str]]:
    """Run ``gis-app ARGS`` in a fresh interpreter: its output and the modules it imported."""
    script = (
        "import sys\n"
        "from gis_app.cli import root\n"
        f"root.main({args!r}, prog_name='gis-app', standalone_mode=False)\n"
        "print('MODULES', *sorted(sys.modules))\n"
    )
    env = dict(os.environ, GIS_APP_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    text, _, modules = out.stdout.rpartition("MODULES ")
    return text, set(modules.split())


DATABASE_AND_REVIEW = {
    "sqlalchemy",
    "geoalchemy2",
    "gis_app.db",
    "gis_app.models",
    "survey_import.review",
    "survey_import.review_commands",
    "survey_import.writeback",
}


def test_survey_help_lists_every_command_without_importing_them() -> None:
    text, modules = _modules_after(["survey", "--help"])
    for name in ("import", *REVIEW_COMMANDS):
        assert f"  {name} " in text
    assert "Confirm a draft batch for one party" in text
    assert not modules & (DATABASE_AND_REVIEW | {"ezdxf", "shapely", "survey_import.pipeline"})


def test_a_dry_run_imports_neither_the_database_nor_the_review_side(tmp_path: Path) -> None:
    text, modules = _modules_after(["survey", "import", str(_office(tmp_path)), "--dry-run"])
    assert "局长办公室" in text
    assert "survey_import.pipeline" in modules
    assert not modules & DATABASE_AND_REVIEW


def test_the_command_side_of_a_database_import_does_without_ezdxf(tmp_path: Path) -> None:
    """The command opens the database (and imports the load) while a forked child reads the
    drawing: ezdxf, ~0.1 s to import, is the child's business only (this database is down)."""
    args = ["survey", "import", str(_office(tmp_path)), "--building", "1", "--floor", "3F"]
    text, modules = _modules_after(args)
    assert "局长办公室" in text
    assert {"survey_import.load", "gis_app.db", "survey_import.writeback"} <= modules
    assert "ezdxf" not in modules


def test_the_listed_review_help_is_the_commands_own() -> None:
    assert {c.name: c.help for c in review_commands.REVIEW_COMMANDS} == REVIEW_COMMANDS


def test_the_root_help_lists_every_feature_command_without_importing_one() -> None:
    text, modules = _modules_after(["--help"])
    for name in FEATURE_COMMANDS:
        assert f"  {name} " in text
    assert "测绘图纸导入" in text
    features = {target.partition(":")[0] for target, _ in FEATURE_COMMANDS.values()}
    assert not modules & (features | {"sqlalchemy", "ezdxf", "flask", "openpyxl"})


def test_the_listed_feature_help_is_the_commands_own() -> None:
    for name, (_, summary) in FEATURE_COMMANDS.items():
        assert _load_feature_command(name).help.split("\n\n")[0] == summary, name


def test_paused_gc_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_the_pause_made_is_not_left_young_for_one_big_collection() -> None:
    """Left in the youngest generation, 50,000 objects made while paused would all be walked
    by the first collection after it (0.34 s after reading the 10,000-room drawing)."""
    gc.collect()
    before = gc.get_stats()[0]["collections"]
    with paused_gc():
        kept = [[i] for i in range(50_000)]
    assert gc.get_stats()[0]["collections"] == before  # no collection right after the pause
    assert len(kept) == 50_000 and gc.isenabled()
