"""Region tree import: 12-digit codes, levels, parents, refusals, idempotence, audit."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import select

from gis_app.cli import root
from gis_app.db import session_scope
from gis_app.models import AuditLog
from gis_app.models import Region
from survey_import.regions import RegionCode
from survey_import.regions import import_regions

GOOD = (
    "代码,名称,级别,上级代码\n"
    "370000000000,山东省,省,\n"
    "370100000000,济南市,市,370000000000\n"
    "370102000000,历下区,县,370100000000\n"
    "370102001000,解放路街道,乡,370102000000\n"
    "370102001001,甲社区,村,370102001000\n"
)


def _csv(tmp_path, text, name="regions.csv"):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def _run(settings, *args):
    return CliRunner().invoke(root, list(args), obj=settings, catch_exceptions=False)


def test_the_tree_is_imported_with_gb_codes_and_parents(db_session, tmp_path):
    result = import_regions(db_session, _csv(tmp_path, GOOD), actor="tester")
    assert not result.report.has_errors
    district = db_session.get(Region, "370102000000")
    assert (district.gb_code, district.level, district.parent_code) == (
        "370102",
        "县",
        "370100000000",
    )
    assert db_session.get(Region, "370102001001").parent.name == "解放路街道"
    assert result.tally.to_dict() == {"region": {"created": 5}}


def test_parents_are_derived_from_the_code_and_six_digit_codes_padded(db_session, tmp_path):
    text = "code,name,level\n370000,山东省,province\n370100,济南市,city\n370102,历下区,county\n"
    result = import_regions(db_session, _csv(tmp_path, text), actor="tester")
    assert not result.report.has_errors
    assert RegionCode.PADDED in result.report.codes()
    assert db_session.get(Region, "370102000000").parent_code == "370100000000"


def test_level_contradicting_the_code_and_unknown_parent_are_row_errors(db_session, tmp_path):
    text = (
        "代码,名称,级别,上级代码\n"
        "370000000000,山东省,省,\n"
        "370100000000,济南市,县,370000000000\n"
        "370102000000,历下区,县,379900000000\n"
        "37010200,坏代码,县,\n"
    )
    result = import_regions(db_session, _csv(tmp_path, text), actor="tester")
    by_row = {e.data["row"]: e.code for e in result.report.errors}
    assert by_row == {
        3: RegionCode.LEVEL_MISMATCH,
        4: RegionCode.UNKNOWN_PARENT,
        5: RegionCode.BAD_CODE,
    }
    assert not result.written
    assert db_session.scalar(select(func.count()).select_from(Region)) == 0


def test_cli_import_twice_changes_nothing_the_second_time(settings, tmp_path):
    path = _csv(tmp_path, GOOD)
    first = _run(settings, "regions", "import", str(path), "--as", "王测绘")
    assert first.exit_code == 0, first.output
    assert "新增 5" in first.output
    second = _run(settings, "regions", "import", str(path))
    assert second.exit_code == 0
    assert "未变 5" in second.output
    with session_scope(settings) as session:
        actors = session.scalars(select(AuditLog.actor).where(AuditLog.entity == "region")).all()
    assert actors == ["王测绘"] * 5


def test_cli_errors_exit_1_and_write_nothing_unless_partial(settings, tmp_path):
    path = _csv(tmp_path, GOOD + "370102009000,错误街道,村,370102000000\n")
    result = _run(settings, "regions", "import", str(path))
    assert result.exit_code == 1
    assert "区划表第7行「级别」列" in result.output
    assert "未写入任何数据" in result.output
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 0
    partial = _run(settings, "regions", "import", str(path), "--partial")
    assert partial.exit_code == 1
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 5


def test_cli_missing_file_and_missing_columns_exit_2_with_one_line(settings, tmp_path):
    missing = _run(settings, "regions", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2
    bad = _run(settings, "regions", "import", str(_csv(tmp_path, "a,b\n1,2\n")))
    assert bad.exit_code == 2
    assert "缺少必需的列: 代码、名称" in bad.output
    assert "Traceback" not in bad.output
