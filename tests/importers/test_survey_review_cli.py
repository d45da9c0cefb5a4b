"""The survey CLI end to end on a fresh database: import, three confirmations, history, export;
and a failure in the middle of a load or a go-live leaves every table as it was."""

from __future__ import annotations

import dataclasses
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text

from gis_app import models
from gis_app.cli import root
from gis_app.db import session_scope
from survey_import import commands as commands_module
from survey_import import load as load_module
from survey_import import pipeline as pipeline_module
from survey_import import review as review_module
from survey_import.review import confirm_batch
from tests.importers.survey_helpers import SECOND_SURVEY
from tests.importers.survey_helpers import add_building
from tests.importers.survey_helpers import load_plan
from tests.importers.survey_helpers import write_plan

TABLES = (
    "floor",
    "room",
    "room_version",
    "survey_batch",
    "survey_room",
    "survey_confirmation",
    "occupancy",
    "audit_log",
)


def _counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    finally:
        engine.dispose()


def _building_id(settings) -> int:  # noqa: ANN001
    with session_scope(settings) as session:
        return add_building(session).id


def _run(settings, *args: str):  # noqa: ANN001, ANN202
    return CliRunner().invoke(root, ["survey", *args], obj=settings)


def test_import_three_confirmations_history_and_export(settings, tmp_path):
    building = str(_building_id(settings))
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(settings, "import", str(plan), "--building", building, "--floor", "3F")
    assert result.exit_code == 0, result.output
    assert "草稿" in result.output

    listing = _run(settings, "batches", "--status", "draft")
    assert listing.exit_code == 0 and "3F" in listing.output
    batch = listing.output.split()[0]

    for party, actor in (("surveyor", "张工"), ("agency", "李处长")):
        step = _run(settings, "confirm", batch, "--party", party, "--as", actor)
        assert step.exit_code == 0, step.output
        assert "/3" in step.output
    same = _run(settings, "confirm", batch, "--party", "bureau", "--as", "张工")
    assert same.exit_code == 2 and "不同人员" in same.output
    last = _run(
        settings, "confirm", batch, "--party", "bureau", "--as", "王科长", "--comment", "核实无误"
    )
    assert last.exit_code == 0, last.output
    assert "已生效" in last.output

    shown = _run(settings, "show", batch)
    assert "confirmed" in shown.output and "24.00 m²" in shown.output and "王科长" in shown.output

    today = _run(settings, "history", "--building", building, "--floor", "3F", "--at", "2999-01-01")
    assert today.exit_code == 0 and "4 间" in today.output and "301" in today.output
    before = _run(
        settings, "history", "--building", building, "--floor", "3F", "--at", "2000-01-01"
    )
    assert "0 间" in before.output

    out = tmp_path / "export.dxf"
    exported = _run(settings, "export", "--building", building, "--floor", "3F", "-o", str(out))
    assert exported.exit_code == 0 and out.is_file()
    again = _run(settings, "import", str(out), "--building", building, "--floor", "3F")
    assert again.exit_code == 0, again.output
    shown = _run(settings, "show", "--format", "json", str(int(batch) + 1))
    assert '"change": "added"' not in shown.output and '"change": "unchanged"' in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("confirm", "999", "--party", "surveyor", "--as", "张工"), "999"),
        (("confirm", "1", "--party", "mayor", "--as", "张工"), "mayor"),
        (("history", "--building", "1", "--floor", "9F", "--at", "2024-01-01"), "9F"),
        (("history", "--building", "1", "--floor", "3F", "--at", "yesterday"), "yesterday"),
        (("export", "--building", "1", "--floor", "9F", "-o", "x.dxf"), "9F"),
    ],
)
def test_refusals_are_one_line_and_exit_2(settings, args, message):
    result = _run(settings, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def _live_floor(settings, tmp_path) -> int:  # noqa: ANN001
    building = _building_id(settings)
    with session_scope(settings) as session:
        batch_id = load_plan(session, write_plan(tmp_path / "v1.dxf"), building).batch_id
        confirm_batch(session, batch_id, "surveyor", "张工")
        confirm_batch(session, batch_id, "agency", "李处长")
        confirm_batch(session, batch_id, "bureau", "王科长")
    return building


def test_a_failure_in_the_middle_of_a_load_leaves_the_database_as_it_was(
    settings, database_url, tmp_path, monkeypatch
):
    building = _live_floor(settings, tmp_path)
    before = _counts(database_url)
    real_row = load_module._draft_row
    calls = {"n": 0}

    def failing_row(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_row(*args, **kwargs)

    monkeypatch.setattr(load_module, "_draft_row", failing_row)
    with pytest.raises(RuntimeError, match="disk full"), session_scope(settings) as session:
        load_plan(session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building)
    assert calls["n"] == 3
    assert _counts(database_url) == before


def test_a_failure_while_going_live_leaves_the_database_as_it_was(
    settings, database_url, tmp_path, monkeypatch
):
    building = _live_floor(settings, tmp_path)
    with session_scope(settings) as session:
        batch_id = load_plan(session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building)
        batch_id = batch_id.batch_id
        confirm_batch(session, batch_id, "surveyor", "张工")
        confirm_batch(session, batch_id, "agency", "李处长")
    before = _counts(database_url)

    def failing_floor(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("connection lost")

    monkeypatch.setattr(review_module, "_update_floor", failing_floor)
    result = _run(settings, "confirm", str(batch_id), "--party", "bureau", "--as", "王科长")
    assert result.exit_code != 0
    assert _counts(database_url) == before


def test_the_building_can_be_named_by_its_code(settings, tmp_path):
    with session_scope(settings) as session:
        building = add_building(session)
        building.code = "B07"
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(settings, "import", str(plan), "--building", "B07", "--floor", "3F")
    assert result.exit_code == 0, result.output
    unknown = _run(settings, "import", str(plan), "--building", "B99", "--floor", "3F")
    assert unknown.exit_code == 2
    assert "楼栋编码 B99 不存在" in unknown.output


def test_a_file_that_is_not_a_dxf_changes_nothing(settings, tmp_path):
    building = str(_building_id(settings))
    before = _counts(settings.database_url)
    junk = tmp_path / "plan.dxf"
    junk.write_bytes(b"%PDF-1.7\n this is a scanned drawing, not a DXF\n")
    result = _run(settings, "import", str(junk), "--building", building, "--floor", "3F")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert _counts(settings.database_url) == before


class _RolledBack(Exception):
    """Raised to leave a session scope without committing."""


def _draft(session, batch_id: int) -> list[tuple]:  # noqa: ANN001
    rows = session.execute(
        text(
            "SELECT matched_room_id, change, number, name, usable_area_m2, "
            "ST_AsText(plan_geom), ST_AsText(map_geom), source_handles "
            "FROM survey_room WHERE batch_id = :batch ORDER BY id"
        ),
        {"batch": batch_id},
    )
    return [tuple(row) for row in rows]


def test_the_floor_read_ahead_stores_what_a_load_reading_it_after_stores(
    settings, database_url, tmp_path, monkeypatch
):
    """The CLI reads the floor's context (building, live rooms, base batch) in the load's
    transaction while the child reads the drawing; a re-survey of a live floor is then paired,
    diffed and stored exactly as by a load that reads the context when the rooms are in."""
    building = _live_floor(settings, tmp_path)
    plan = write_plan(tmp_path / "v2.dxf", SECOND_SURVEY)
    with pytest.raises(_RolledBack), session_scope(settings) as session:
        expected = load_plan(session, plan, building)
        expected_rows = _draft(session, expected.batch_id)
        expected_diff = session.get(models.SurveyBatch, expected.batch_id).diff_summary
        raise _RolledBack
    reads, given = [], []
    real_read, real_load = load_module.read_floor_context, load_module.load_floor_plan

    def read(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        reads.append(os.getpid())
        return real_read(*args, **kwargs)

    def load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        given.append(kwargs["context"])
        return real_load(*args, **kwargs)

    monkeypatch.setattr(load_module, "read_floor_context", read)
    monkeypatch.setattr(load_module, "load_floor_plan", load)
    result = _run(settings, "import", str(plan), "--building", str(building), "--floor", "3F")
    assert result.exit_code == 0, result.output
    # read once, ahead, by the command, and handed to the load, which did not read it again
    assert reads == [os.getpid()]
    assert len(given) == 1 and given[0].floor_name == "3F" and len(given[0].live) == 4
    with session_scope(settings) as session:
        batch = session.scalar(select(models.SurveyBatch).order_by(models.SurveyBatch.id.desc()))
        assert batch.diff_summary == expected_diff
        assert batch.diff_summary["counts"]["removed"] == 1
        assert _draft(session, batch.id) == expected_rows


def test_a_building_that_is_not_there_is_refused_after_the_drawing_errors(
    settings, tmp_path, monkeypatch
):
    """The read-ahead meets the unknown building first, but the drawing's errors are reported
    first (exit 1), as when the drawing was read before the database was asked; and the
    read-ahead's transaction is not left open."""
    record = tmp_path / "pid"
    plan = write_plan(tmp_path / "3f.dxf")
    unknown = _run(settings, "import", str(plan), "--building", "999999", "--floor", "3F")
    assert unknown.exit_code == 2, unknown.output
    assert "999999" in unknown.output
    monkeypatch.setattr(pipeline_module, "build_floor_plans", _build_in(record, error="墙线自相交"))
    flawed = _run(settings, "import", str(plan), "--building", "999999", "--floor", "3F")
    assert flawed.exit_code == 1, flawed.output
    assert "墙线自相交" in flawed.output and "999999" not in flawed.output
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            open_transactions = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert open_transactions == 0


def test_the_json_of_an_import_is_the_dry_run_document_with_the_load_last(settings, tmp_path):
    """The document is rendered while the rows are stored and the load added to its text."""
    import json

    building = str(_building_id(settings))
    plan = write_plan(tmp_path / "3f.dxf")
    dry = _run(settings, "import", str(plan), "--dry-run", "--format", "json")
    stored = _run(settings, "import", str(plan), "--building", building, "--floor", "3F",
                  "--format", "json")  # fmt: skip
    assert stored.exit_code == 0, stored.output
    document = json.loads(stored.output)
    assert list(document)[-1] == "load" and document["load"]["created"]
    assert {k: v for k, v in document.items() if k != "load"} == json.loads(dry.output)


def test_the_same_file_again_prints_what_was_read_and_changes_nothing(settings, tmp_path):
    building = str(_building_id(settings))
    plan = write_plan(tmp_path / "3f.dxf")
    first = _run(settings, "import", str(plan), "--building", building, "--floor", "3F")
    before = _counts(settings.database_url)
    again = _run(settings, "import", str(plan), "--building", building, "--floor", "3F")
    assert again.exit_code == 0, again.output
    read = first.output.split("\n\n已建立")[0]  # what was read, as the first import said it
    assert again.output.startswith(read + "\n\n同一文件已导入")
    assert "同一文件已导入" in again.output
    assert _counts(settings.database_url) == before


def test_a_failure_rendering_the_output_stores_nothing(
    settings, database_url, tmp_path, monkeypatch
):
    building = str(_building_id(settings))
    before = _counts(database_url)

    def broken(result):  # noqa: ANN001, ANN202
        raise RuntimeError("terminal on fire")

    monkeypatch.setattr(commands_module, "_text_report", broken)
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(settings, "import", str(plan), "--building", building, "--floor", "3F")
    assert result.exit_code != 0
    assert _counts(database_url) == before


DATABASE_DOWN = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
"""Nothing listens on port 1: connecting fails at once."""


def _build_in(record, *, error: str | None = None):  # noqa: ANN001, ANN202
    """``build_floor_plans`` that notes the process it runs in (and may report an error)."""
    real = pipeline_module.build_floor_plans

    def build(drawing, **kwargs):  # noqa: ANN001, ANN003, ANN202
        floors = real(drawing, **kwargs)
        record.write_text(str(os.getpid()))
        if error:
            kwargs["report"].error("TEST_ERROR", error)
        return floors

    return build


def test_a_database_import_reads_the_drawing_in_a_child_process(
    settings, database_url, tmp_path, monkeypatch
):
    """The drawing is analysed in a forked child while the command opens the database; what
    arrives is stored as if read in-process. A dry run has no database to wait for, and a huge
    drawing's memory matters more than the second: no child for either."""
    building = str(_building_id(settings))
    record = tmp_path / "pid"
    monkeypatch.setattr(pipeline_module, "build_floor_plans", _build_in(record))
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(settings, "import", str(plan), "--building", building, "--floor", "3F")
    assert result.exit_code == 0, result.output
    assert int(record.read_text()) != os.getpid()
    assert _counts(database_url)["survey_room"] == 4

    dry = _run(settings, "import", str(plan), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert int(record.read_text()) == os.getpid()

    # a drawing too big for two processes at once is read first, then stored, in-process
    monkeypatch.setattr(commands_module, "OVERLAP_MAX_BYTES", plan.stat().st_size - 1)
    big = write_plan(tmp_path / "big.dxf", SECOND_SURVEY)
    stored = _run(settings, "import", str(big), "--building", building, "--floor", "3F")
    assert stored.exit_code == 0, stored.output
    assert int(record.read_text()) == os.getpid()
    assert _counts(database_url)["survey_batch"] == 2


def test_drawing_errors_are_reported_before_a_database_that_is_down(
    settings, tmp_path, monkeypatch
):
    """Exit 1 with the report, as when the drawing was read first and the database opened after."""
    record = tmp_path / "pid"
    monkeypatch.setattr(pipeline_module, "build_floor_plans", _build_in(record, error="墙线自相交"))
    down = dataclasses.replace(settings, database_url=DATABASE_DOWN)
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(down, "import", str(plan), "--building", "1", "--floor", "3F")
    assert result.exit_code == 1, result.output
    assert "墙线自相交" in result.output and "未写入数据库" in result.output


def test_a_database_that_is_down_is_one_line_and_exit_2(settings, tmp_path):
    down = dataclasses.replace(settings, database_url=DATABASE_DOWN)
    plan = write_plan(tmp_path / "3f.dxf")
    result = _run(down, "import", str(plan), "--building", "1", "--floor", "3F")
    assert result.exit_code == 2, result.output
    assert "cannot connect" in result.output and "Traceback" not in result.output


def test_a_real_gis_app_process_stores_the_import_and_says_so_in_json(settings, tmp_path):
    """The console entry point as users run it: the forked reader, the hand-over and the quick
    exit, in a process of its own."""
    import json
    import subprocess
    import sys

    building = str(_building_id(settings))
    plan = write_plan(tmp_path / "3f.dxf")
    env = {
        **os.environ,
        "GIS_APP_DATABASE_URL": settings.database_url,
        "GIS_APP_VAR_DIR": str(settings.var_dir),
        "GIS_APP_SECRET_KEY": "test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "gis_app.cli", "survey", "import", str(plan), "--format", "json",
         "--building", building, "--floor", "3F", "--as", "张工"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["load"]["created"] and document["load"]["rooms"] == 4
    assert len(document["floors"][0]["rooms"]) == 4
    assert _counts(settings.database_url)["survey_room"] == 4
