"""Roster import: agencies, people, room use, occupancy and history; row-by-row refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import select

from gis_app.cli import root
from gis_app.db import session_scope
from gis_app.models import Agency
from gis_app.models import AuditLog
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from gis_app.registry import people_holding_rooms
from survey_import.roster import RosterCode
from survey_import.roster import import_roster
from survey_import.roster import split_room_numbers
from tests.importers import registry_data as data

TODAY = dt.date(2025, 3, 1)


@pytest.fixture
def building(db_session):
    return data.seed_building(db_session)


def _import(session, path, **kwargs):
    return import_roster(session, path, actor="人事处", today=TODAY, **kwargs)


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _rooms_of(session, name, *, open_only=True):
    stmt = (
        select(Room.number)
        .join(Occupancy, Occupancy.room_id == Room.id)
        .join(Person, Occupancy.person_id == Person.id)
        .where(Person.name == name)
        .order_by(Room.number)
    )
    if open_only:
        stmt = stmt.where(Occupancy.valid_to.is_(None))
    return list(session.scalars(stmt))


def test_a_full_roster_links_agencies_people_and_rooms(db_session, building, tmp_path):
    result = _import(db_session, data.full_roster(tmp_path / "roster.xlsx"))
    assert not result.report.has_errors, result.report.lines()
    finance = db_session.scalar(select(Agency).where(Agency.name == "济南市财政局"))
    assert finance.parent.name == "济南市人民政府"
    assert finance.category == "市" and finance.level_name == "正局级"
    assert finance.approved_staff == {"正局(处)级": 1, "副局(处)级": 3, "局(处)级以下": 25}
    assert finance.actual_headcount == 30
    zhao = db_session.scalar(select(Person).where(Person.name == "赵科员"))
    assert zhao.rank == "局(处)级以下"  # 科员 written loosely, normalised for a 市 agency
    assert _rooms_of(db_session, "张市长") == ["501", "502", "503"]  # the leader's suite
    shared = db_session.scalar(select(Room).where(Room.number == "302"))
    assert len([o for o in shared.occupancies if o.valid_to is None]) == 2  # a shared office
    idle = db_session.scalar(select(Room).where(Room.number == "304"))
    assert (idle.status, idle.status_since, idle.agency.name) == (
        "闲置",
        dt.date(2023, 7, 1),
        "济南市财政局",
    )
    assert idle.approved_use == "办公室"
    past = db_session.scalar(select(Occupancy).where(Occupancy.room_id == idle.id))
    assert (past.valid_from, past.valid_to) == (dt.date(2018, 3, 1), dt.date(2022, 1, 10))
    li_since = db_session.scalar(
        select(Occupancy.valid_from)
        .join(Person)
        .where(Person.name == "李局长", Occupancy.valid_to.is_(None))
    )
    assert li_since == dt.date(2022, 1, 10)


def test_a_retired_person_still_holding_a_room_stays_visible(db_session, building, tmp_path):
    _import(db_session, data.full_roster(tmp_path / "roster.xlsx"))
    retired = people_holding_rooms(db_session, status="退休")
    assert [(p.name, p.status_date, [r.room_number for r in p.rooms]) for p in retired] == [
        ("钱老局长", dt.date(2024, 6, 30), ["303"])
    ]
    everyone = people_holding_rooms(db_session)
    assert {p.name for p in everyone} == {"张市长", "李局长", "王科员", "赵科员", "钱老局长"}


def test_importing_the_same_roster_twice_changes_nothing(db_session, building, tmp_path):
    path = data.full_roster(tmp_path / "roster.xlsx")
    first = _import(db_session, path)
    audit_rows = _count(db_session, AuditLog)
    assert first.tally.changed > 0 and audit_rows >= first.tally.changed
    second = _import(db_session, path)
    assert not second.report.has_errors
    assert second.tally.changed == 0, second.tally.to_dict()
    assert _count(db_session, AuditLog) == audit_rows


def test_moves_end_the_old_occupancy_and_vacating_after_retirement_is_recorded(
    db_session, building, tmp_path
):
    _import(db_session, data.full_roster(tmp_path / "roster.xlsx"))
    people = [list(p) for p in data.PEOPLE]
    people[2][10:13] = ["LD01", "304", "2024-09-01"]  # 王科员 moves to 304
    people[4][10:13] = [None, None, None]  # 钱老局长 has handed his office back
    result = _import(db_session, data.full_roster(tmp_path / "r2.xlsx", people=people))
    assert not result.report.has_errors, result.report.lines()
    assert _rooms_of(db_session, "王科员") == ["304"]
    ended = db_session.scalars(
        select(Occupancy).join(Person).where(Occupancy.valid_to.is_not(None)).order_by(Person.name)
    ).all()
    reasons = {(o.person.name, o.room.number): (o.valid_to, o.end_reason) for o in ended}
    assert reasons[("王科员", "302")] == (dt.date(2024, 9, 1), "搬迁")
    assert reasons[("钱老局长", "303")] == (TODAY, "退休")
    assert people_holding_rooms(db_session, status="退休") == []
    assert RosterCode.OCCUPANCY_ENDED in result.report.codes()


def test_a_roster_with_one_bad_row_changes_nothing_and_names_the_row(
    db_session, building, tmp_path
):
    people = [list(p) for p in data.PEOPLE]
    people[1][3] = "县级正职"  # a rank of the county row, not of a 市 agency
    result = _import(db_session, data.full_roster(tmp_path / "roster.xlsx", people=people))
    assert not result.written
    error, dependant = result.report.errors
    assert error.code == RosterCode.UNKNOWN_RANK
    assert error.data == {"sheet": "人员", "row": 3, "column": "职级"}
    assert "人员表第3行「职级」列" in error.message and "正局(处)级" in error.message
    assert dependant.code == RosterCode.DEPENDS_ON_BAD_ROW  # his history row goes with it
    assert "人员表第3行有误" in dependant.message
    assert _count(db_session, Agency) == 0 and _count(db_session, Person) == 0
    assert _count(db_session, AuditLog) == 0


@pytest.mark.parametrize(
    ("sheet", "index", "column", "value", "code", "row"),
    [
        ("agencies", 1, 1, "11370100MB0000002X", RosterCode.BAD_CREDIT_CODE, 3),
        ("agencies", 1, 2, "379900000000", RosterCode.UNKNOWN_REGION, 3),
        ("agencies", 1, 3, "街道", RosterCode.BAD_CATEGORY, 3),
        ("people", 0, 1, "济南市教育局", RosterCode.UNKNOWN_AGENCY, 2),
        ("people", 3, 0, "王科员", RosterCode.DUPLICATE, 4),
        ("people", 1, 11, "399", RosterCode.UNKNOWN_ROOM, 3),
        ("people", 1, 10, "LD99", RosterCode.UNKNOWN_BUILDING, 3),
        ("people", 1, 5, "去年", RosterCode.BAD_VALUE, 3),
        ("rooms", 0, 4, "借出去了", RosterCode.BAD_VALUE, 2),
        ("history", 0, 0, "孙某", RosterCode.UNKNOWN_PERSON, 2),
    ],
)
def test_bad_values_are_reported_with_sheet_row_and_column(
    db_session, building, tmp_path, sheet, index, column, value, code, row
):
    rows = [list(r) for r in getattr(data, sheet.upper())]
    rows[index][column] = value
    result = _import(db_session, data.full_roster(tmp_path / "roster.xlsx", **{sheet: rows}))
    assert code in {e.code for e in result.report.errors}, result.report.lines()
    assert row in {e.data["row"] for e in result.report.errors if e.code == code}
    assert not result.written
    assert _count(db_session, Person) == 0


def test_approved_staff_of_a_rank_outside_the_category_is_refused(db_session, building, tmp_path):
    header = [*data.AGENCY_HEADER, "编制数-县级正职"]
    rows = [[*data.AGENCIES[0], 1], [*data.AGENCIES[1], None]]
    path = data.write_roster(tmp_path / "a.xlsx", {"单位": [header, *rows]})
    result = _import(db_session, path)
    error, dependant = result.report.errors  # the bureau's parent is the rejected government
    assert dependant.code == RosterCode.DEPENDS_ON_BAD_ROW
    assert error.code == RosterCode.UNKNOWN_RANK and error.data["column"] == "编制数-县级正职"


def test_partial_writes_only_the_good_rows_and_their_dependants_are_skipped(
    db_session, building, tmp_path
):
    agencies = [list(a) for a in data.AGENCIES]
    agencies[1][1] = "11370100MB0000002X"  # the finance bureau's code is wrong
    result = _import(
        db_session, data.full_roster(tmp_path / "r.xlsx", agencies=agencies), partial=True
    )
    assert result.written
    assert {a.name for a in db_session.scalars(select(Agency))} == {"济南市人民政府"}
    assert [p.name for p in db_session.scalars(select(Person))] == ["张市长"]
    dependants = [e for e in result.report.errors if e.code == RosterCode.DEPENDS_ON_BAD_ROW]
    assert {e.data["sheet"] for e in dependants} == {"人员", "房间", "入驻记录"}


def test_english_headers_in_a_csv(db_session, building, tmp_path):
    _import(db_session, data.full_roster(tmp_path / "roster.xlsx"))
    path = tmp_path / "people.csv"
    path.write_text(
        "name,agency,position,rank,status,status_date,building,rooms,since\n"
        "周处长,济南市财政局,处长,正处级,serving,,LD01,304,2025-02-01\n",
        encoding="utf-8",
    )
    result = _import(db_session, path)
    assert not result.report.has_errors, result.report.lines()
    zhou = db_session.scalar(select(Person).where(Person.name == "周处长"))
    assert zhou.rank == "正局(处)级"
    assert _rooms_of(db_session, "周处长") == ["304"]


def test_room_numbers_split_on_the_separators_forms_use():
    assert split_room_numbers("501、502，503; 504 505") == ["501", "502", "503", "504", "505"]


def _cli(settings, *args):
    return CliRunner().invoke(root, ["roster", "import", *args], obj=settings)


def test_cli_imports_audits_the_actor_and_is_idempotent(settings, tmp_path):
    with session_scope(settings) as session:
        data.seed_building(session)
    path = data.full_roster(tmp_path / "roster.xlsx")
    first = _cli(settings, str(path), "--as", "人事处张三")
    assert first.exit_code == 0, first.output
    second = _cli(settings, str(path), "--format", "json")
    assert second.exit_code == 0
    body = json.loads(second.output)
    assert body["written"] and all(set(v) == {"unchanged"} for v in body["changes"].values())
    with session_scope(settings) as session:
        actors = set(session.scalars(select(AuditLog.actor)))
    assert actors == {"人事处张三"}


def test_cli_bad_row_exits_1_and_writes_nothing(settings, tmp_path):
    with session_scope(settings) as session:
        data.seed_building(session)
    people = [list(p) for p in data.PEOPLE]
    people[4][1] = "不存在的单位"
    result = _cli(settings, str(data.full_roster(tmp_path / "r.xlsx", people=people)))
    assert result.exit_code == 1
    assert "人员表第6行「单位」列: 单位「不存在的单位」不存在" in result.output
    assert "未写入任何数据" in result.output
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_cli_unusable_file_exits_2_with_one_line(settings, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    result = _cli(settings, str(path))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "不是可读的 xlsx" in result.output
