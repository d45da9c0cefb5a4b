"""Registry services: audited saves, codes, plan status of a building, who holds rooms."""

from __future__ import annotations

import datetime as dt

import pytest
from geoalchemy2.shape import from_shape
from shapely import affinity
from shapely.geometry import MultiPolygon
from sqlalchemy import func
from sqlalchemy import select

from gis_app import registry
from gis_app.models import Agency
from gis_app.models import AuditLog
from gis_app.models import Floor
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room
from gis_app.vocab import RegionLevel
from tests.importers import registry_data as data


def test_save_audits_only_what_changed_and_nothing_when_nothing_did(db_session):
    values = {"code": "110000000000", "gb_code": "110000", "name": "北京市", "level": "省",
              "province_code": "11"}  # fmt: skip
    region, outcome = registry.save(db_session, Region, None, values, actor="a", entity="region")
    assert outcome == "created"
    _, outcome = registry.save(db_session, Region, region, values, actor="b", entity="region")
    assert outcome == "unchanged"
    _, outcome = registry.save(
        db_session, Region, region, {**values, "name": "北京"}, actor="c", entity="region"
    )
    assert outcome == "updated"
    entries = db_session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.actor, e.action) for e in entries] == [("a", "create"), ("c", "update")]
    assert (entries[1].before, entries[1].after) == ({"name": "北京市"}, {"name": "北京"})
    assert entries[1].entity_id == "110000000000" and entries[1].province_code == "11"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y43", None),
        ("91110000600037341L", None),
        ("91110000600037341X", "校验位错误: 末位应为 L"),
        ("9111000060003734", "应为18位"),
        ("9111000060003734IL", "非法字符 I"),
    ],
)
def test_credit_codes_are_checked_by_the_gb_32100_check_digit(code, problem):
    found = registry.credit_code_problem(code)
    assert (found is None) if problem is None else (problem in found)


def test_region_codes_say_their_level_and_parent():
    assert registry.region_level_of_code("370102001000") is RegionLevel.TOWNSHIP
    assert registry.region_level_of_code("370102001001") is RegionLevel.VILLAGE
    assert registry.region_level_of_code("3701") is None
    assert registry.region_parent_code("370102001000") == "370102000000"
    assert registry.region_parent_code("370100000000") == "370000000000"
    assert registry.region_is_ancestor("370100000000", "370102001000")
    assert not registry.region_is_ancestor("370200000000", "370102001000")


def test_gauss_kruger_zone_from_longitude():
    assert registry.gk_zone_epsg(117.02) == 4548
    assert registry.gk_zone_epsg(117.02, zone_prefix=True) == 4527
    assert registry.gk_zone_epsg(102.0) == 4543
    with pytest.raises(ValueError):
        registry.gk_zone_epsg(10.0)


def test_plan_status_lists_missing_unplaced_fitting_and_misplaced_floors(db_session):
    building = data.seed_building(db_session)  # floors 3F and 5F drawn, 5 floors above ground
    footprint = data.to_lonlat(data.gk_box(20, 20, 60, 20))
    floors = {f.name: f for f in db_session.scalars(select(Floor))}
    inside = data.to_lonlat(data.gk_box(25, 25, 10, 10))
    outside = affinity.translate(inside, xoff=0.01)  # about 900 m east
    for number, shape in (("301", inside), ("302", inside)):
        room = db_session.scalar(select(Room).where(Room.number == number))
        room.map_geom = from_shape(MultiPolygon([shape]), srid=4490)
    floors["3F"].georef = {"method": "similarity"}
    room = db_session.scalar(select(Room).where(Room.number == "501"))
    room.map_geom = from_shape(MultiPolygon([outside]), srid=4490)
    db_session.flush()
    assert footprint.contains(inside)
    status = registry.building_plan_status(db_session, building.id)
    by_name = {f.name: f for f in status.floors}
    assert by_name["3F"].verdict == "吻合" and by_name["3F"].share_inside == pytest.approx(1.0)
    assert by_name["3F"].rooms == 4 and by_name["3F"].rooms_on_map == 2
    assert by_name["5F"].verdict == "超出轮廓" and by_name["5F"].share_inside == 0.0
    assert status.missing_floors == ("1F", "2F", "4F")
    with pytest.raises(LookupError):
        registry.building_plan_status(db_session, -1)


def test_people_holding_rooms_by_status(db_session):
    building = data.seed_building(db_session)
    agency = Agency(name="某局", category="市", region_code=data.CITY, province_code="37")
    db_session.add(agency)
    db_session.flush()
    rooms = {r.number: r for r in db_session.scalars(select(Room))}
    people = []
    for name, status in (("甲", "在职"), ("乙", "调离")):
        person = Person(agency_id=agency.id, name=name, rank="局(处)级以下", status=status,
                        province_code="37")  # fmt: skip
        db_session.add(person)
        people.append(person)
    db_session.flush()
    registry.start_occupancy(db_session, people[0], rooms["301"], dt.date(2024, 1, 1), actor="t")
    registry.start_occupancy(db_session, people[1], rooms["302"], dt.date(2020, 1, 1), actor="t")
    (transferred,) = registry.people_holding_rooms(db_session, status="调离")
    assert transferred.name == "乙" and transferred.rooms[0].building_code == building.code
    (occupancy,) = registry.open_occupancies(db_session, people[1])
    registry.end_occupancy(db_session, occupancy, dt.date(2019, 1, 1), "调离", actor="t")
    assert occupancy.valid_to == dt.date(2020, 1, 1)  # never before it began
    assert registry.people_holding_rooms(db_session, status="调离") == []
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 3
