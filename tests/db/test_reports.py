"""The exported workbooks: sheets, official headers, totals, formula injection defused, CLI."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from gis_app.analysis.context import build_context
from gis_app.cli import root
from gis_app.config import Settings
from gis_app.db import get_engine
from gis_app.reports.excel import escape_cell
from gis_app.reports.excel import write_csv
from gis_app.reports.excel import write_xlsx
from gis_app.reports.tables import build_report
from gis_app.reports.tables import report_as_of
from tests.db.analysis_world import AS_OF
from tests.db.analysis_world import World
from tests.db.analysis_world import months_before


def populate(world: World) -> dict:
    """A county government (head over standard, an idle room) and a city bureau."""
    compound = world.compound("区政府大院", 117.113, 36.688)
    site = world.building("区政府办公楼", compound, 117.113, 36.688)
    gov = world.agency("湖滨区人民政府", staff={"县级正职": 1, "科级以下": 4}, headcount=4)
    head = world.person(gov, "张三", "县级正职", position="区长")
    world.occupy(
        head,
        world.room(site, "301", 6.5, 4.0, subtype="领导办公室", agency=gov),
        world.room(site, "302", 4.0, 2.0, use="服务用房", subtype="休息室", agency=gov),
    )
    world.room(
        site, "201", 3.0, 6.0, agency=gov, status="闲置", status_since=months_before(AS_OF, 7)
    )
    bureau = world.agency('=HYPERLINK("x")局', "市", staff={"正局(处)级": 1})
    chief = world.person(bureau, "+李四", "正局(处)级", position="局长")
    world.occupy(chief, world.room(site, "401", 4.0, 5.0, subtype="领导办公室", agency=bureau))
    return {"gov": gov, "bureau": bureau}


def _sheet_rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_escape_cell_defuses_formulas_only_in_text():
    assert escape_cell("=1+1") == "'=1+1"
    assert escape_cell("+86") == "'+86"
    assert escape_cell("-x") == "'-x"
    assert escape_cell("@SUM(A1)") == "'@SUM(A1)"
    assert escape_cell("明湖") == "明湖"
    assert escape_cell(-4.0) == -4.0


def test_the_annual_workbook_has_the_official_sheets_headers_and_totals(db_session, tmp_path):
    world = World(db_session)
    populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371800000000")
    path = tmp_path / "annual.xlsx"
    write_xlsx(build_report(db_session, ctx, "annual"), path, subtitle="明湖市 2026年度")

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "行政区划信息",
        "办公用房信息",
        "逐级汇总",
        "技术业务用房信息",
        "领导干部办公室信息",
    ]

    regions = _sheet_rows(book["行政区划信息"])
    assert regions[1] == ["序号", "名称", "级别", "代码(12位)", "上级代码"]
    assert [r[3] for r in regions[2:]] == ["371800000000", "371802000000", "371821000000"]

    office = _sheet_rows(book["办公用房信息"])
    headers = office[1]
    assert headers[:5] == ["序号", "行政区划代码", "单位名称", "单位类别", "单位性质"]
    assert "核定基本办公用房使用面积" in headers and "超标比例" in headers
    rows = {r[2]: dict(zip(headers, r, strict=True)) for r in office[2:-1]}
    gov = rows["湖滨区人民政府"]
    assert gov["办公室使用面积"] == 44.0  # 26 + 18 (idle office)
    assert gov["服务用房使用面积"] == 8.0
    # A = 30 + 36 = 66, B = 5 × 7 = 35, D = 9.09
    assert gov["核定基本办公用房使用面积"] == 110.09
    assert gov["空置使用面积"] == 18.0
    assert '\'=HYPERLINK("x")局' in rows  # formula defused, text kept
    totals = office[-1]
    assert totals[0] == "合计"
    assert totals[headers.index("办公室使用面积")] == 64.0
    assert totals[headers.index("编制人数")] == 6

    rollup = _sheet_rows(book["逐级汇总"])
    by_code = {r[0]: dict(zip(rollup[1], r, strict=True)) for r in rollup[2:]}
    city, county = by_code["371800000000"], by_code["371802000000"]
    assert (city["本级单位数"], city["含下级单位数"]) == (1, 2)
    assert city["本级基本办公用房使用面积"] == 20.0
    assert county["本级基本办公用房使用面积"] == 52.0
    assert city["含下级基本办公用房使用面积"] == 72.0

    leaders = _sheet_rows(book["领导干部办公室信息"])
    assert leaders[1][:7] == ["序号", "姓名", "单位", "在职情况", "级别", "职务", "地址及房号"]
    (row,) = [dict(zip(leaders[1], r, strict=True)) for r in leaders[2:-1]]
    assert (row["姓名"], row["办公室"], row["休息室"], row["合计"]) == ("张三", 26.0, 8.0, 34.0)
    assert (row["标准"], row["超标"]) == (30.0, 4.0)


def test_the_inspection_record_lists_every_leader_with_standard_and_excess(db_session, tmp_path):
    world = World(db_session)
    populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371800000000")
    path = tmp_path / "inspection.xlsx"
    write_xlsx(build_report(db_session, ctx, "inspection"), path, subtitle="2026")

    sheet = openpyxl.load_workbook(path)["现场检查记录表"]
    rows = _sheet_rows(sheet)
    assert rows[0][0].startswith("领导干部办公用房配备使用情况现场检查记录表")
    assert rows[1][6:14] == [
        "地址及房号",
        "办公室",
        "休息室",
        "卫生间",
        "会议室",
        "合计",
        "标准",
        "超标",
    ]
    names = [r[1] for r in rows[2:-1]]
    assert sorted(names) == ["'+李四", "张三"]
    chief = next(r for r in rows[2:-1] if r[1] == "'+李四")
    assert (chief[11], chief[12], chief[13]) == (20.0, 24.0, 0.0)
    assert rows[-1][0] == "合计" and rows[-1][13] == 4.0
    assert sheet.cell(row=3, column=8).number_format == "0.00"


def test_idle_and_over_standard_lists(db_session, tmp_path):
    world = World(db_session)
    populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371800000000")
    (idle,) = build_report(db_session, ctx, "idle")
    (row,) = idle.rows
    assert row[5] == "201" and row[7] == 18.0 and row[9] == months_before(AS_OF, 7)
    assert row[11] == "是"
    (over,) = build_report(db_session, ctx, "over-standard")
    kinds = sorted(r[1] for r in over.rows)
    assert kinds == ["个人办公室"]
    assert over.rows[0][7] == pytest.approx(4.0)
    assert over.rows[0][10] == "发改投资〔2014〕2674号"

    path = tmp_path / "idle.csv"
    write_csv(idle, path)
    with path.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][0:3] == ["序号", "单位", "地址"]
    assert lines[1][7] == "18.00"
    assert lines[-1][0] == "合计"


def test_report_year_means_31_december_or_today():
    assert report_as_of(2025, today=dt.date(2026, 3, 1)) == dt.date(2025, 12, 31)
    assert report_as_of(2026, today=dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)


def test_the_report_command_writes_the_workbook(settings, tmp_path):
    with Session(get_engine(settings.database_url)) as session:
        populate(World(session))
        session.commit()
    out = tmp_path / "annual.xlsx"
    runner = CliRunner()
    result = runner.invoke(
        root,
        ["report", "annual", "--region", "371800000000", "--year", "2025", "-o", str(out)],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    assert "年度统计报告: 5 张表" in result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "行政区划信息"

    refused = runner.invoke(
        root,
        [
            "report",
            "annual",
            "--region",
            "371800000000",
            "--year",
            "2025",
            "-o",
            str(tmp_path / "a.csv"),
        ],
        obj=settings,
    )
    assert refused.exit_code == 2 and "只能导出为 .xlsx" in refused.output

    unknown = runner.invoke(
        root,
        [
            "report",
            "idle",
            "--region",
            "999999999999",
            "--year",
            "2025",
            "-o",
            str(tmp_path / "i.csv"),
        ],
        obj=settings,
    )
    assert unknown.exit_code == 2
    assert "行政区划代码 999999999999 不存在" in unknown.output
    assert not (tmp_path / "i.csv").exists()
