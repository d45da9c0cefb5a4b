"""The roster's 房间 sheet as the room register with lease contracts, the 单位 sheet's ancillary
counts and reported totals, and the footprints' 权属人/例外情形: Chinese and English headers,
row-by-row refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Room
from gis_app.models import RoomLease
from gis_app.models import RoomLedgerEntry
from survey_import.footprints import FootprintCode
from survey_import.footprints import FootprintOptions
from survey_import.footprints import import_footprints
from survey_import.roster import RosterCode
from survey_import.roster import import_roster
from tests.importers import registry_data as data

TODAY = dt.date(2025, 3, 1)
CONTRACT_HEADER = ["承租方", "承租方性质", "合同起始日期", "合同到期日期", "批准文号"]
NO_CONTRACT = [None] * len(CONTRACT_HEADER)


@pytest.fixture
def building(db_session):
    return data.seed_building(db_session)


def _import(session, path, **kwargs):
    return import_roster(session, path, actor="人事处", today=TODAY, **kwargs)


def _roster(path, rooms, *, agency_extra=None, agencies=None):
    header = data.AGENCY_HEADER + list(agency_extra or [])
    sheets = {
        "单位": [header, *(agencies or data.AGENCIES)],
        "房间": [data.ROOM_HEADER + CONTRACT_HEADER, *rooms],
    }
    return data.write_roster(path, sheets)


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


ROOMS = [
    ["LD01", "3F", "301", "济南市财政局", "在用", "2022-01-10", "办公室", *NO_CONTRACT],
    ["LD01", "3F", "303", "济南市财政局", "出租", "2024-01-01", "办公室",
     "济南泉城商贸有限公司", "企业", "2024-01-01", "2024-12-31", "济政字〔2023〕8号"],
    ["LD01", "3F", "399", "济南市财政局", "在用", None, "办公室", *NO_CONTRACT],
]  # fmt: skip


def test_the_register_keeps_every_row_and_the_contract_of_a_leased_room(
    db_session, building, tmp_path
):
    result = _import(db_session, _roster(tmp_path / "r.xlsx", ROOMS))
    assert not result.report.has_errors, result.report.lines()
    (warning,) = [w for w in result.report.warnings if w.code == RosterCode.ROOM_NOT_SURVEYED]
    assert warning.data == {"sheet": "房间", "row": 4}
    assert "399" in warning.message and "账实不符" in warning.message

    entries = {e.number: e for e in db_session.scalars(select(RoomLedgerEntry))}
    assert set(entries) == {"301", "303", "399"}
    assert entries["399"].room_id is None and entries["399"].floor_name == "3F"
    assert entries["303"].room.number == "303" and entries["303"].status == "出租"
    assert entries["301"].building_id == building.id
    assert entries["301"].agency_id == db_session.scalar(
        select(Agency.id).where(Agency.name == "济南市财政局")
    )

    (lease,) = db_session.scalars(select(RoomLease))
    assert (lease.room.number, lease.kind, lease.counterparty, lease.counterparty_kind) == (
        "303",
        "出租",
        "济南泉城商贸有限公司",
        "企业",
    )
    assert (lease.start_date, lease.end_date) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert lease.approval_ref == "济政字〔2023〕8号"
    assert lease.room.status == "出租"

    again = _import(db_session, _roster(tmp_path / "r.xlsx", ROOMS))
    assert again.tally.changed == 0, again.tally.to_dict()


def test_english_headers_in_a_csv_and_the_counterparty_kind_from_its_name(
    db_session, building, tmp_path
):
    _import(db_session, data.full_roster(tmp_path / "roster.xlsx"))
    path = tmp_path / "rooms.csv"
    path.write_text(
        "building,floor,number,agency,status,counterparty,contract_start,contract_end,approval\n"
        "LD01,3F,304,济南市财政局,lent,济南某某酒店,2025/01/01,2025年12月31日,\n",
        encoding="utf-8",
    )
    result = _import(db_session, path)
    assert not result.report.has_errors, result.report.lines()
    assert RosterCode.COUNTERPARTY_KIND_FROM_NAME in result.report.codes()
    (lease,) = db_session.scalars(select(RoomLease))
    assert (lease.kind, lease.counterparty_kind, lease.end_date) == (
        "出借",
        "企业",
        dt.date(2025, 12, 31),
    )
    assert lease.approval_ref is None


@pytest.mark.parametrize(
    ("column", "value", "header", "code"),
    [
        (9, "明年", "合同起始日期", RosterCode.BAD_VALUE),
        (10, "2024-13-01", "合同到期日期", RosterCode.BAD_VALUE),
        (10, "2023-06-30", "合同到期日期", RosterCode.BAD_VALUE),  # before the start
        (9, None, "合同起始日期", RosterCode.MISSING),
        (8, "国企", "承租方性质", RosterCode.BAD_VALUE),
        (7, None, "承租方", RosterCode.MISSING),  # dates without a counterparty
    ],
)
def test_bad_contract_cells_are_reported_row_by_row_and_nothing_is_written(
    db_session, building, tmp_path, column, value, header, code
):
    rooms = [list(r) for r in ROOMS]
    rooms[1][column] = value
    result = _import(db_session, _roster(tmp_path / "r.xlsx", rooms))
    assert not result.written
    (error,) = result.report.errors
    assert error.code == code
    assert error.data == {"sheet": "房间", "row": 3, "column": header}
    assert f"房间表第3行「{header}」列" in error.message
    assert _count(db_session, RoomLease) == 0 and _count(db_session, RoomLedgerEntry) == 0


def test_two_bad_dates_on_two_rows_are_both_named(db_session, building, tmp_path):
    rooms = [list(r) for r in ROOMS[:2]]
    rooms[0][7:11] = ["某公司", "企业", "2024-02-30", None]
    rooms[1][10] = "去年底"
    result = _import(db_session, _roster(tmp_path / "r.xlsx", rooms))
    places = sorted((e.data["row"], e.data["column"]) for e in result.report.errors)
    assert places == [(2, "合同起始日期"), (3, "合同到期日期")]


def test_a_room_on_several_rows_is_its_contract_history(db_session, building, tmp_path):
    renewal = ["LD01", "3F", "303", "济南市财政局", "出租", "2025-01-01", "办公室",
               "济南泉城商贸有限公司", "企业", "2025-01-01", "2025-12-31", None]  # fmt: skip
    earlier = list(ROOMS[1])
    earlier[4] = "在用"  # the earlier row's status does not count: the latest contract's does
    result = _import(db_session, _roster(tmp_path / "r.xlsx", [renewal, earlier]))
    assert not result.report.has_errors, result.report.lines()
    leases = db_session.scalars(select(RoomLease).order_by(RoomLease.start_date)).all()
    assert [lease.start_date.year for lease in leases] == [2024, 2025]
    room = db_session.scalar(select(Room).where(Room.number == "303"))
    assert (room.status, room.status_since) == ("出租", dt.date(2025, 1, 1))
    assert _count(db_session, RoomLedgerEntry) == 1

    twice = _import(db_session, _roster(tmp_path / "d.xlsx", [ROOMS[0], ROOMS[0]]))
    (error,) = twice.report.errors
    assert (error.code, error.data["row"]) == (RosterCode.DUPLICATE, 3)


def test_a_contract_needs_a_surveyed_room(db_session, building, tmp_path):
    rooms = [["LD01", "3F", "398", "济南市财政局", "出租", None, "办公室",
              "某公司", "企业", "2024-01-01", "2024-12-31", None]]  # fmt: skip
    result = _import(db_session, _roster(tmp_path / "r.xlsx", rooms))
    (error,) = result.report.errors
    assert error.code == RosterCode.UNKNOWN_ROOM and error.data["column"] == "承租方"


AGENCY_EXTRA = ["车位数", "自行车位数", "电动车位数", "警卫人数", "办公室面积", "服务用房面积"]


def test_agency_counts_and_reported_totals(db_session, building, tmp_path):
    agencies = [
        [*data.AGENCIES[0], 120, 80, 40, 6, "812.40", None],
        [*data.AGENCIES[1], None, None, None, None, None, None],
    ]
    path = _roster(tmp_path / "r.xlsx", ROOMS[:1], agency_extra=AGENCY_EXTRA, agencies=agencies)
    result = _import(db_session, path)
    assert not result.report.has_errors, result.report.lines()
    gov = db_session.scalar(select(Agency).where(Agency.name == "济南市人民政府"))
    assert (gov.parking_spaces, gov.bicycle_spaces, gov.ebike_spaces, gov.guards) == (
        120,
        80,
        40,
        6,
    )
    assert gov.reported_areas == {"办公室": 812.4}
    finance = db_session.scalar(select(Agency).where(Agency.name == "济南市财政局"))
    assert finance.parking_spaces is None and finance.reported_areas is None


def test_english_agency_columns_and_bad_counts(db_session, building, tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text(
        "name,credit_code,region,category,parking_spaces,guards,office_area,service_area\n"
        f"济南市人民政府,{data.credit_code(1)},{data.CITY},市,二十,2,100,abc\n",
        encoding="utf-8",
    )
    result = _import(db_session, path)
    places = sorted((e.data["column"], e.code) for e in result.report.errors)
    assert places == [("服务用房面积", RosterCode.BAD_VALUE), ("车位数", RosterCode.BAD_VALUE)]
    assert not result.written

    path.write_text(
        "name,credit_code,region,category,parking_spaces,guards,office_area\n"
        f"济南市人民政府,{data.credit_code(1)},{data.CITY},市,20,2,100\n",
        encoding="utf-8",
    )
    assert not _import(db_session, path).report.has_errors
    gov = db_session.scalar(select(Agency))
    assert (gov.parking_spaces, gov.guards, gov.reported_areas) == (20, 2, {"办公室": 100.0})


# -- footprints: 权属人 and 例外情形 ----------------------------------------------------------


def _footprints(session, path, **options):
    return import_footprints(session, path, FootprintOptions(**options), actor="测绘员")


def _compounds_with(path, extra):
    collection = json.loads(data.write_compounds_geojson(path).read_text(encoding="utf-8"))
    for feature, props in zip(collection["features"], extra, strict=False):
        feature["properties"].update(props)
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def test_title_holder_and_exception_of_compounds_and_buildings(db_session, tmp_path):
    data.seed_regions(db_session)
    compounds = _compounds_with(
        tmp_path / "c.geojson",
        [{"权属人": "济南海关", "例外情形": "垂直管理"}, {"权属人": "济南市机关事务管理局"}],
    )
    result = _footprints(db_session, compounds)
    assert not result.report.has_errors, result.report.lines()
    stored = {c.code: c for c in db_session.scalars(select(Compound))}
    assert (stored["YL01"].title_holder, stored["YL01"].title_exception) == ("济南海关", "垂管")
    assert stored["YL02"].title_exception is None

    frame = data.buildings_frame()
    frame["title_holder"] = ["济南市财政局", None, None]
    frame["title_exception"] = ["涉密", None, "filed"]
    frame.to_file(tmp_path / "b.gpkg", layer="buildings", driver="GPKG")
    result = _footprints(db_session, tmp_path / "b.gpkg")
    assert not result.report.has_errors, result.report.lines()
    buildings = {b.code: b for b in db_session.scalars(select(Building))}
    assert (buildings["LD01"].title_holder, buildings["LD01"].title_exception) == (
        "济南市财政局",
        "涉密",
    )
    assert buildings["LD03"].title_exception == "备案"


def test_an_unknown_exception_is_refused_with_its_feature(db_session, tmp_path):
    data.seed_regions(db_session)
    compounds = _compounds_with(tmp_path / "c.geojson", [{"例外情形": "特批"}])
    result = _footprints(db_session, compounds)
    (error,) = result.report.errors
    assert error.code == FootprintCode.BAD_VALUE and error.data == {"row": 1}
    assert "特批" in error.message and "垂管/派出/参公/涉密/备案" in error.message
    assert not result.written and _count(db_session, Compound) == 0
