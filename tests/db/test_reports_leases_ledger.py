"""The 出租出借 list, the inventory reconciliation workbook (账实/账证/账账) and C in the
office-space table, with hand-checked figures."""

from __future__ import annotations

import datetime as dt

import openpyxl

from gis_app import models
from gis_app.analysis.context import build_context
from gis_app.config import Settings
from gis_app.reports.excel import write_xlsx
from gis_app.reports.tables import build_report
from tests.db.analysis_world import AS_OF
from tests.db.analysis_world import PROVINCE
from tests.db.analysis_world import World


def _ctx(session):
    return build_context(session, Settings(), as_of=AS_OF, region_code="371800000000")


def _city(world: World) -> dict:
    compound = world.compound("市直机关大院", 117.152, 36.658, title_holder="明湖市财政局")
    site = world.building("2号楼", compound, 117.152, 36.658)
    bureau = world.agency("明湖市机关事务管理局", "市", staff={"局(处)级以下": 10})
    bureau.reported_areas = {"服务用房": 30.0}
    bureau.parking_spaces, bureau.guards = 100, 4
    leased = world.room(site, "101", 3.6, 6.0, agency=bureau, status="出租")  # 21.6
    lent = world.room(site, "102", 3.0, 4.0, agency=bureau, status="出借")  # 12
    archive = world.room(site, "103", 5.0, 5.0, use="服务用房", subtype="档案室", agency=bureau)
    for room, start, end, who in (
        (leased, dt.date(2025, 5, 1), dt.date(2026, 4, 30), "明湖市鑫源商贸有限公司"),
        (lent, dt.date(2025, 1, 1), dt.date(2027, 12, 31), "明湖市老年大学"),
    ):
        world.add(
            models.RoomLease(
                room_id=room.id,
                kind=room.status,
                counterparty=who,
                start_date=start,
                end_date=end,
                province_code=PROVINCE,
            )
        )
    for number, room in (("101", leased), ("102", lent), ("199", None)):
        world.add(
            models.RoomLedgerEntry(
                building_id=site.id,
                floor_name="1F",
                number=number,
                room_id=room.id if room else None,
                agency_id=bureau.id,
                status="在用",
                province_code=PROVINCE,
            )
        )
    return {"archive": archive, "bureau": bureau}


def test_the_lease_list_shows_counterparty_contract_and_area(db_session, tmp_path):
    _city(World(db_session))
    (table,) = build_report(db_session, _ctx(db_session), "leases")
    rows = [dict(zip(table.headers, r, strict=True)) for r in table.rows]
    assert [(r["房间号"], r["承租(借用)方"], r["使用面积"]) for r in rows] == [
        ("101", "明湖市鑫源商贸有限公司", 21.6),
        ("102", "明湖市老年大学", 12.0),
    ]
    assert rows[0]["合同起始日期"] == dt.date(2025, 5, 1)
    assert rows[0]["合同到期日期"] == dt.date(2026, 4, 30)
    assert (rows[0]["到期未收回"], rows[1]["到期未收回"]) == ("是", "否")
    assert table.totals[table.headers.index("使用面积")] == 33.6


def test_the_ledger_workbook_has_the_three_reconciliations(db_session, tmp_path):
    _city(World(db_session))
    tables = build_report(db_session, _ctx(db_session), "ledger")
    path = tmp_path / "ledger.xlsx"
    write_xlsx(tables, path, subtitle="明湖市 2026年度")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["账实核对", "账证核对", "账账核对"]

    rooms = [list(r) for r in book["账实核对"].iter_rows(min_row=3, values_only=True)]
    assert [(r[1], r[5]) for r in rooms[:-1]] == [
        ("台账有、实测无", "199"),
        ("实测有、台账无", "103"),
    ]
    assert rooms[-1][7] == 25.0  # the 合计 of the areas: only 103 has a surveyed area

    titles = [list(r) for r in book["账证核对"].iter_rows(min_row=3, values_only=True)]
    assert [(r[1], r[2], r[4], r[6]) for r in titles] == [
        ("院落", "市直机关大院", "明湖市财政局", "未登记在机关事务管理部门")
    ]

    totals = [list(r) for r in book["账账核对"].iter_rows(min_row=3, values_only=True)]
    assert totals[0][1:] == ["明湖市机关事务管理局", "服务用房", 30.0, 25.0, -5.0, 1, "否"]


def test_the_office_space_table_shows_c_by_part(db_session):
    _city(World(db_session))
    (table,) = build_report(db_session, _ctx(db_session), "office-space")
    assert table.headers[-6:] == [
        "核定附属用房建筑面积",
        "其中食堂",
        "其中汽车库",
        "其中自行车库",
        "其中电动车摩托车库",
        "其中警卫用房",
    ]
    (row,) = table.rows
    # 100 spaces × 40 m² + 4 guards × 25 m²; no canteen, no bicycle or e-bike counts
    assert row[-6:] == [4100.0, 0.0, 4000.0, 0.0, 0.0, 100.0]
    assert 17 in table.area_columns and len(table.headers) - 1 in table.area_columns
