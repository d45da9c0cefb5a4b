"""Rule 11 (contracts: expiry, renewal, use by enterprises), rule 14 (账实/账证/账账 and the
exception codes) and C broken down, on small worlds whose figures are checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from gis_app import models
from gis_app.analysis.entitlement import ancillary_caps
from gis_app.standards.tables import ANCILLARY_2014
from tests.db.analysis_world import PROVINCE
from tests.db.analysis_world import World
from tests.db.test_analysis_rules import findings
from tests.db.test_analysis_rules import only


@pytest.fixture
def world(db_session):
    return World(db_session)


@pytest.fixture
def site(world):
    compound = world.compound("市直机关大院", 117.152, 36.658)
    return world.building("2号楼", compound, 117.152, 36.658)


@pytest.fixture
def bureau(world):
    return world.agency("明湖市机关事务管理局", "市", staff={"局(处)级以下": 5})


def contract(world, room, start, end, *, who="明湖市鑫源商贸有限公司", kind="企业", status="出租"):
    return world.add(
        models.RoomLease(
            room_id=room.id,
            kind=status if status in ("出租", "出借") else None,
            counterparty=who,
            counterparty_kind=kind,
            start_date=start,
            end_date=end,
            province_code=PROVINCE,
        )
    )


# -- rule 11 ---------------------------------------------------------------------------------


def test_a_lease_past_its_end_date_must_have_been_taken_back(world, site, bureau):
    room = world.room(site, "101", 3.6, 6.0, agency=bureau, status="出租")  # 21.6 m²
    contract(world, room, dt.date(2025, 5, 1), dt.date(2026, 4, 30))

    found = findings(world.session)
    leased = only(found, "leased_out")
    assert leased.figures["counterparty"] == "明湖市鑫源商贸有限公司"
    assert (leased.figures["contract_start"], leased.figures["contract_end"]) == (
        "2025-05-01",
        "2026-04-30",
    )
    assert leased.figures["counterparty_kind"] == "企业"
    expired = only(found, "lease_expired_not_recovered")
    assert expired.rule == 11 and expired.room_id == room.id
    assert expired.figures["area"] == 21.6
    assert expired.figures["days_overdue"] == 61  # 31 days of May + 30 of June
    assert "已逾期 61 天" in expired.message
    assert expired.evidence["contract"]["end"] == "2026-04-30"
    assert [f.kind for f in found] == ["leased_out", "lease_expired_not_recovered"]

    # On its last day the contract still runs
    assert [f.kind for f in findings(world.session, as_of=dt.date(2026, 4, 30))] == ["leased_out"]


def test_a_renewal_is_forbidden_and_carries_both_contracts(world, site, bureau):
    room = world.room(site, "102", 3.0, 6.0, agency=bureau, status="出借")
    contract(world, room, dt.date(2024, 1, 1), dt.date(2024, 12, 31), status="出借")
    contract(world, room, dt.date(2025, 1, 1), dt.date(2026, 12, 31), status="出借")

    found = findings(world.session)
    renewed = only(found, "lease_renewed")
    assert renewed.figures["previous_start"] == "2024-01-01"
    assert renewed.figures["previous_end"] == "2024-12-31"
    assert renewed.figures["contract_start"] == "2025-01-01"
    assert renewed.figures["contracts"] == 2 and renewed.figures["area"] == 18.0
    assert [c["start"] for c in renewed.evidence["contracts"]] == ["2024-01-01", "2025-01-01"]
    assert only(found, "lent_out").figures["contract_end"] == "2026-12-31"
    assert {f.kind for f in found} == {"lent_out", "lease_renewed"}


def test_an_old_renewal_of_a_room_taken_back_is_history(world, site, bureau):
    room = world.room(site, "103", 3.0, 6.0, use="服务用房", subtype="会议室", agency=bureau)
    contract(world, room, dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    contract(world, room, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert findings(world.session) == []


def test_an_enterprise_using_a_room_registered_as_in_use_is_cleared_out(world, site, bureau):
    room = world.room(site, "104", 3.0, 3.0, agency=bureau)  # 在用, 9 m²
    world.occupy(world.person(bureau, "甲", "局(处)级以下"), room)
    contract(world, room, dt.date(2025, 7, 1), None, who="明湖市某物业服务中心", kind="非预算单位")

    used = only(findings(world.session), "used_by_enterprise")
    assert used.rule == 11 and used.room_id == room.id
    assert used.figures["counterparty_kind"] == "非预算单位" and used.figures["area"] == 9.0
    assert used.figures["contract_end"] is None

    lease = world.session.get(models.RoomLease, used.evidence["contract"]["id"])
    lease.counterparty_kind = "机关事业单位"
    world.session.flush()
    assert findings(world.session) == []


# -- rule 14: 账证相符 and the exception codes ----------------------------------------------


def test_an_exception_code_allows_another_registrant_and_a_filing_stands_for_a_title(world):
    vertical = world.compound("海关大院", 117.15, 36.66, title_holder="明湖海关")
    vertical.title_exception = "垂管"
    filed = world.compound("老干部活动中心", 117.16, 36.66, land_title=None)
    filed.title_exception = "备案"
    bare = world.compound("财政局大院", 117.17, 36.66, title_holder="明湖市财政局")
    owned = world.building("财政局办公楼", bare, 117.17, 36.66)
    owned.title_holder = "明湖市财政局"
    rented = world.building("租用写字楼", bare, 117.17, 36.66, tenure="租用", title_record="租1号")
    rented.title_holder = "明湖置业有限公司"
    world.session.flush()

    found = findings(world.session)
    wrong = sorted((f.subject, f.compound_id, f.building_id) for f in found)
    assert wrong == [("building", bare.id, owned.id), ("compound", bare.id, None)]
    assert {f.kind for f in found} == {"title_not_bureau"}
    assert all(f.figures["title_exception"] is None for f in found)

    owned.title_exception = "涉密"
    bare.title_exception = "派出"
    world.session.flush()
    assert findings(world.session) == []


# -- rule 14: 账实相符 -----------------------------------------------------------------------


def ledger(world, building, number, floor="1F", room=None, agency=None, status="在用"):
    return world.add(
        models.RoomLedgerEntry(
            building_id=building.id,
            floor_name=floor,
            number=number,
            room_id=room.id if room else None,
            agency_id=agency.id if agency else None,
            status=status,
            province_code=PROVINCE,
        )
    )


def test_register_rows_and_surveyed_rooms_are_reconciled(world, site, bureau):
    staff = {"局(处)级以下": 10}
    bureau.approved_staff = staff
    registered = world.room(site, "101", 4.0, 5.0, use="服务用房", subtype="档案室", agency=bureau)
    missing = world.room(site, "102", 3.0, 4.0, use="服务用房", subtype="储藏室", agency=bureau)
    ledger(world, site, "101", room=registered, agency=bureau)
    ledger(world, site, "199", agency=bureau)  # floor 1F is surveyed: no such room
    ledger(world, site, "301", floor="3F", agency=bureau)  # floor 3F has no survey yet
    other = world.building("3号楼", None, 117.153, 36.659, title_record="鲁(2016)第2号")
    world.room(other, "501", 3.0, 3.0, use="服务用房", subtype="档案室", agency=bureau)

    found = findings(world.session)
    not_surveyed = sorted(
        (f for f in found if f.kind == "ledger_room_not_surveyed"),
        key=lambda f: f.figures["number"],
    )
    assert [(f.figures["number"], f.figures["floor_surveyed"]) for f in not_surveyed] == [
        ("199", True),
        ("301", False),
    ]
    assert not_surveyed[0].building_id == site.id and not_surveyed[0].room_id is None
    assert "该楼层已实测" in not_surveyed[0].message
    assert not_surveyed[1].evidence["ledger"]["floor"] == "3F"
    unregistered = only(found, "room_not_in_ledger")
    assert unregistered.room_id == missing.id and unregistered.figures["area"] == 12.0
    # 3号楼 has no register at all: its rooms are not reconciled
    assert {f.kind for f in found} == {"ledger_room_not_surveyed", "room_not_in_ledger"}

    # A room retired by a later survey leaves its register row without a room
    registered.retired_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    world.session.flush()
    numbers = [f.figures["number"] for f in findings(world.session) if f.rule == 14]
    assert sorted(numbers) == ["101", "102", "199", "301"]


# -- rule 14: 账账相符 -----------------------------------------------------------------------


def ledger_findings(session):
    return [f for f in findings(session) if f.rule == 14]


def test_an_agencys_reported_totals_are_compared_with_its_surveyed_rooms(world, site, bureau):
    bureau.approved_staff = {"局(处)级以下": 10}
    world.room(site, "101", 4.0, 5.0, agency=bureau)  # office 20
    world.room(site, "102", 3.0, 4.0, agency=bureau)  # office 12
    world.room(site, "103", 3.0, 3.0, use="服务用房", subtype="档案室", agency=bureau)  # 9
    bureau.reported_areas = {"办公室": 32.0, "服务用房": 10.0}
    world.session.flush()

    finding = only(ledger_findings(world.session), "ledger_totals_differ")
    assert finding.rule == 14 and finding.agency_id == bureau.id
    assert finding.figures["differs"] == ["服务用房"]
    assert finding.figures["by_use"]["服务用房"] == {
        "reported": 10.0,
        "surveyed": 9.0,
        "difference": -1.0,
        "rooms": 1,
        "differs": True,
    }
    assert finding.figures["by_use"]["办公室"]["differs"] is False
    assert (finding.area_m2, finding.limit_m2) == (9.0, 10.0)

    # Rounding each room to 0.01 m² may move a total by 0.005 per room (+ 0.01): 9.01 agrees
    bureau.reported_areas = {"办公室": 32.0, "服务用房": 9.01}
    world.session.flush()
    assert ledger_findings(world.session) == []
    bureau.reported_areas = {"服务用房": 9.02}
    world.session.flush()
    assert only(ledger_findings(world.session), "ledger_totals_differ").figures["differs"] == [
        "服务用房"
    ]

    bureau.reported_areas = None  # nothing reported: nothing to compare
    world.session.flush()
    assert ledger_findings(world.session) == []


# -- rule 6: C broken down -------------------------------------------------------------------


def test_ancillary_caps_per_part():
    caps = ancillary_caps(
        ANCILLARY_2014, staff=150, has_canteen=True, parking=250, bicycles=10, ebikes=4, guards=2
    )
    assert caps == {
        "canteen": pytest.approx(3.7 * 100 + 2.6 * 50),  # 500
        "parking": pytest.approx(40 * 200 + 38 * 50),  # 9900
        "bicycle": pytest.approx(18.0),
        "ebike": pytest.approx(10.0),
        "guard": pytest.approx(50.0),
    }
    none = ancillary_caps(
        ANCILLARY_2014, staff=150, has_canteen=False, parking=None, bicycles=None, ebikes=None,
        guards=None,
    )  # fmt: skip
    assert sum(none.values()) == 0


def test_the_entitlement_finding_shows_c_by_part(world, site):
    gov = world.agency("湖滨区人民政府", staff={"科级以下": 1})
    gov.parking_spaces, gov.bicycle_spaces, gov.ebike_spaces, gov.guards = 250, 10, 4, 2
    world.room(site, "101", 4.0, 5.0, agency=gov)  # office 20 > A = 9

    figures = only(findings(world.session), "entitlement_exceeded").figures
    # A 9 + B 7 + D 1.44 = 17.44; C = 9900 + 18 + 10 + 50 = 9978
    assert figures["basic"]["entitled"] == 17.44
    assert figures["ancillary"] == {
        "canteen": 0.0,
        "parking": 9900.0,
        "bicycle": 18.0,
        "ebike": 10.0,
        "guard": 50.0,
    }
    assert figures["ancillary_cap"] == 9978.0
    assert figures["building_entitled"] == round(17.44 / 0.65 + 9978, 2) == 10004.83
