"""A tiny city for the web tests, inserted with the models: one compound, two buildings,
floors with and without plans, rooms in both frames, people and their occupancy history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from shapely import affinity
from shapely.geometry import MultiPolygon
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import RoleGrant
from gis_app.accounts import create_user
from gis_app.models import MAP_SRID
from gis_app.models import PLAN_SRID
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room

PROVINCE = "37"
ORIGIN = (117.02, 36.66)
"""Lon/lat of the plan origin of building 1 (Jinan, in CGCS2000)."""
DEGREES_PER_METRE = 1e-5
SCRIPT_NAME = "<script>alert(1)</script>"
PASSWORD = "correct-horse-7"
LIXIA = "370102000000"
QINGSHI = "370124000000"
OTHER_ORIGIN = (117.5, 36.3)
"""Where 青石县's compound lies: far outside every bounding box the tests of 历下区 use."""


@dataclass
class City:
    compound_id: int
    building_id: int
    empty_building_id: int
    floor_1f_id: int
    floor_3f_id: int
    floor_b1_id: int
    office_id: int
    meeting_id: int
    script_room_id: int
    agency_id: int
    edu_agency_id: int = 0
    edu_person_id: int = 0
    qs_compound_id: int = 0
    qs_building_id: int = 0
    qs_floor_id: int = 0
    qs_room_id: int = 0
    qs_agency_id: int = 0
    qs_person_id: int = 0


def plan_to_map(geom):  # noqa: ANN001, ANN201
    """A plain similarity standing in for the georeference: 1 m = 1e-5 degree."""
    scaled = affinity.scale(geom, DEGREES_PER_METRE, DEGREES_PER_METRE, origin=(0, 0))
    return affinity.translate(scaled, *ORIGIN)


def _multi(geom):  # noqa: ANN001, ANN201
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def add_room(session: Session, floor: Floor, number: str, rect: tuple, **fields) -> Room:  # noqa: ANN003
    plan = box(*rect)
    room = Room(
        floor=floor,
        number=number,
        plan_geom=from_shape(_multi(plan), srid=PLAN_SRID),
        map_geom=from_shape(_multi(plan_to_map(plan)), srid=MAP_SRID),
        usable_area_m2=plan.area,
        area_rule="inner_outline",
        province_code=PROVINCE,
        **fields,
    )
    session.add(room)
    return room


def insert_city(session: Session) -> City:
    city_region = Region(
        code="370100000000", gb_code="370100", name="济南市", level="市", province_code=PROVINCE
    )
    region = Region(
        code=LIXIA,
        gb_code="370102",
        name="历下区",
        level="县",
        parent_code=city_region.code,
        province_code=PROVINCE,
    )
    other = Region(
        code=QINGSHI,
        gb_code="370124",
        name="青石县",
        level="县",
        parent_code=city_region.code,
        province_code=PROVINCE,
    )
    agency = Agency(name="市财政局", category="市", region_code=region.code, province_code=PROVINCE)
    compound = Compound(
        name="市级机关一号院",
        address="历下区泉城路 1 号",
        region_code=LIXIA,
        geom=from_shape(_multi(plan_to_map(box(-20, -20, 120, 60))), srid=MAP_SRID),
        province_code=PROVINCE,
    )
    main = Building(
        compound=compound,
        name="1号办公楼",
        footprint=from_shape(_multi(plan_to_map(box(0, 0, 40, 12))), srid=MAP_SRID),
        floors_above=5,
        floors_below=1,
        province_code=PROVINCE,
    )
    empty = Building(
        compound=compound,
        name="2号楼",
        footprint=from_shape(_multi(plan_to_map(box(60, 0, 90, 20))), srid=MAP_SRID),
        floors_above=3,
        floors_below=0,
        province_code=PROVINCE,
    )
    session.add(city_region)
    session.flush()
    session.add_all([region, other])
    session.flush()
    session.add_all([agency, compound, main, empty])
    f1 = Floor(building=main, name="1F", ordinal=1, province_code=PROVINCE)
    f3 = Floor(building=main, name="3F", ordinal=3, province_code=PROVINCE)
    b1 = Floor(building=main, name="B1", ordinal=-1, province_code=PROVINCE)
    session.add_all([f1, f3, b1])
    office = add_room(
        session,
        f1,
        "101",
        (0, 0, 6, 4),
        name="局长办公室",
        use_category="办公室",
        use_subtype="领导办公室",
        agency=agency,
    )
    meeting = add_room(
        session,
        f1,
        "102",
        (6, 0, 14, 4),
        name="会议室",
        use_category="服务用房",
        use_subtype="会议室",
        agency=agency,
    )
    add_room(
        session,
        f1,
        "103",
        (14, 0, 17, 4),
        name="卫生间",
        use_category="服务用房",
        use_subtype="卫生间",
    )
    script_room = add_room(
        session,
        f3,
        "301",
        (0, 0, 5, 4),
        name=SCRIPT_NAME,
        use_category="办公室",
        status="闲置",
        agency=agency,
    )
    add_room(session, f3, "302", (5, 0, 10, 4), name="档案室", use_category="服务用房")
    zhang = Person(
        agency=agency, name="张三", position="局长", rank="正局(处)级", province_code=PROVINCE
    )
    li = Person(
        agency=agency, name="李四", position="副局长", rank="副局(处)级", province_code=PROVINCE
    )
    session.add_all([zhang, li])
    session.add_all(
        [
            Occupancy(
                person=zhang, room=office, valid_from=dt.date(2022, 3, 1), province_code=PROVINCE
            ),
            Occupancy(
                person=li,
                room=office,
                valid_from=dt.date(2019, 1, 1),
                valid_to=dt.date(2022, 3, 1),
                province_code=PROVINCE,
            ),
        ]
    )
    edu = Agency(name="历下区教育局", category="县", region_code=LIXIA, province_code=PROVINCE)
    zhao = Person(agency=edu, name="赵六", position="科员", rank="科员", province_code=PROVINCE)
    session.add_all([edu, zhao])
    qs = _insert_qingshi(session)
    session.commit()
    return City(
        compound_id=compound.id,
        building_id=main.id,
        empty_building_id=empty.id,
        floor_1f_id=f1.id,
        floor_3f_id=f3.id,
        floor_b1_id=b1.id,
        office_id=office.id,
        meeting_id=meeting.id,
        script_room_id=script_room.id,
        agency_id=agency.id,
        edu_agency_id=edu.id,
        edu_person_id=zhao.id,
        **{key: row.id for key, row in qs.items()},
    )


def _insert_qingshi(session: Session) -> dict:
    """Another county with its own compound, building, floor, room, agency and person."""

    def there(geom):  # noqa: ANN001, ANN202
        return affinity.translate(
            affinity.scale(geom, DEGREES_PER_METRE, DEGREES_PER_METRE, origin=(0, 0)),
            *OTHER_ORIGIN,
        )

    agency = Agency(name="青石县财政局", category="县", region_code=QINGSHI, province_code=PROVINCE)
    compound = Compound(
        name="青石县政府大院",
        address="青石县人民路 9 号",
        region_code=QINGSHI,
        geom=from_shape(_multi(there(box(-10, -10, 50, 40))), srid=MAP_SRID),
        province_code=PROVINCE,
    )
    building = Building(
        compound=compound,
        name="县政府主楼",
        footprint=from_shape(_multi(there(box(0, 0, 30, 12))), srid=MAP_SRID),
        floors_above=3,
        province_code=PROVINCE,
    )
    floor = Floor(building=building, name="2F", ordinal=2, province_code=PROVINCE)
    plan = box(0, 0, 7, 5)
    room = Room(
        floor=floor,
        number="201",
        name="县长办公室",
        use_category="办公室",
        agency=agency,
        plan_geom=from_shape(_multi(plan), srid=PLAN_SRID),
        map_geom=from_shape(_multi(there(plan)), srid=MAP_SRID),
        usable_area_m2=plan.area,
        area_rule="inner_outline",
        province_code=PROVINCE,
    )
    person = Person(
        agency=agency, name="钱七", position="县长", rank="县级正职", province_code=PROVINCE
    )
    occupancy = Occupancy(
        person=person, room=room, valid_from=dt.date(2021, 1, 1), province_code=PROVINCE
    )
    session.add_all([agency, compound, building, floor, room, person, occupancy])
    session.flush()
    return {
        "qs_compound_id": compound,
        "qs_building_id": building,
        "qs_floor_id": floor,
        "qs_room_id": room,
        "qs_agency_id": agency,
        "qs_person_id": person,
    }


USERS: dict[str, tuple[str, str | None, str]] = {
    "admin": ("admin", None, ""),
    "lixia": ("bureau_manager", LIXIA, ""),
    "qingshi": ("bureau_manager", QINGSHI, ""),
    "caizheng": ("agency_manager", None, "市财政局"),
    "planner": ("planner", LIXIA, ""),
    "surveyor": ("surveyor", LIXIA, ""),
    "locked": ("surveyor", LIXIA, ""),
}
"""username -> (role, region, agency name): one login per role, and one per county."""


def insert_users(session: Session) -> None:
    for username, (role, region, agency_name) in USERS.items():
        agency_id = (
            session.scalar(select(Agency.id).where(Agency.name == agency_name))
            if agency_name
            else None
        )
        create_user(
            session,
            username=username,
            display_name=username,
            password=PASSWORD,
            grants=[RoleGrant(role, region_code=region, agency_id=agency_id)],
            actor="test",
        )
    session.commit()


def insert_grid_floor(
    session: Session, building_id: int, name: str, ordinal: float, rooms: int
) -> int:
    """A floor of ``rooms`` 6 m x 4 m offices on a grid (for load and label tests)."""
    floor = Floor(building_id=building_id, name=name, ordinal=ordinal, province_code=PROVINCE)
    session.add(floor)
    per_row = 20
    for i in range(rooms):
        x, y = (i % per_row) * 6.0, (i // per_row) * 5.0
        add_room(
            session,
            floor,
            f"{int(ordinal)}{i + 1:02d}",
            (x, y, x + 6, y + 4),
            use_category=("办公室", "服务用房", "设备用房")[i % 3],
        )
    session.commit()
    return floor.id


def seat_over_standard_leader(session: Session, city: City, floor_id: int) -> int:
    """王五, a 副局(处)级 of 市财政局 (limit 18 m² in a 市 agency), in the first 24 m² room of
    ``floor_id``, now 市财政局's: a leader 6.00 m² over standard. Returns the room's id."""
    room = session.scalars(
        select(Room).where(Room.floor_id == floor_id).order_by(Room.number, Room.id)
    ).first()
    assert room is not None, floor_id
    room.agency_id = city.agency_id
    wang = Person(
        agency_id=city.agency_id,
        name="王五",
        position="副局长",
        rank="副局(处)级",
        province_code=PROVINCE,
    )
    session.add(wang)
    session.add(
        Occupancy(person=wang, room=room, valid_from=dt.date(2023, 1, 1), province_code=PROVINCE)
    )
    session.commit()
    return room.id


def insert_city_with_leader(session: Session) -> City:
    """The city and its users, plus 4F (three grid rooms) with 王五 over standard in 401."""
    city = insert_city(session)
    insert_users(session)
    floor_id = insert_grid_floor(session, city.building_id, "4F", 4, rooms=3)
    seat_over_standard_leader(session, city, floor_id)
    return city
