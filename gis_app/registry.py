"""Registry services: regions, agencies, compounds, buildings, people, room use and occupancy.

Importers decide *what* a row means; these services write it. Every write goes through
:func:`save`, which changes only the fields whose value differs and puts exactly those fields,
before and after, into the audit log, so importing the same data twice writes nothing at all.
Outline changes are kept the same way (WKT in the audit log, see ``gis_app.audit``).

Services take a Session and plain values and never commit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from geoalchemy2.shape import to_shape
from pyproj import Geod
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app import audit
from gis_app.models import MAP_SRID
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room
from gis_app.vocab import OccupantStatus
from gis_app.vocab import RegionLevel

__all__ = [
    "CGCS2000_GEOD",
    "BuildingPlanStatus",
    "FloorPlanStatus",
    "HeldRoom",
    "PersonHolding",
    "Tally",
    "best_overlap",
    "building_plan_status",
    "containing_compound",
    "credit_code_check_char",
    "credit_code_problem",
    "end_occupancy",
    "find_rooms",
    "geodesic_area_m2",
    "gk_zone_epsg",
    "open_occupancies",
    "people_holding_rooms",
    "region_level_of_code",
    "region_parent_code",
    "save",
    "start_occupancy",
    "to_multipolygon",
]

CGCS2000_GEOD = Geod(a=6378137.0, rf=298.257222101)
"""The CGCS2000 ellipsoid: areas of compounds and buildings are measured on it."""

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"

Model = TypeVar("Model")


# -- the one write path ----------------------------------------------------------------------


@dataclass
class Tally:
    """How many rows of each entity an import created, updated or left as they were."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, entity: str, outcome: str) -> None:
        self.counts[(entity, outcome)] += 1

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != UNCHANGED)

    def to_dict(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (entity, outcome), n in sorted(self.counts.items()):
            out.setdefault(entity, {})[outcome] = n
        return out

    def line(self) -> str:
        names = {CREATED: "新增", UPDATED: "更新", UNCHANGED: "未变", "ended": "结束"}
        parts = []
        for entity, outcomes in self.to_dict().items():
            inner = ", ".join(f"{names.get(k, k)} {v}" for k, v in outcomes.items())
            parts.append(f"{entity}: {inner}")
        return "; ".join(parts) or "无变化"


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, BaseGeometry):
        if old is None:
            return False
        old_shape = to_shape(old) if isinstance(old, WKBElement) else old
        return bool(
            shapely.normalize(old_shape).equals_exact(shapely.normalize(new), tolerance=1e-9)
        )
    if isinstance(new, float) and isinstance(old, int | float) and not isinstance(old, bool):
        return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-6)
    return old == new


def _stored(value: Any) -> Any:
    if isinstance(value, BaseGeometry):
        return from_shape(value, srid=MAP_SRID)
    return value


def save(
    session: Session,
    model: type[Model],
    existing: Model | None,
    values: dict[str, Any],
    *,
    actor: str,
    entity: str,
    tally: Tally | None = None,
) -> tuple[Model, str]:
    """Create ``model(**values)`` or bring ``existing`` to ``values``, auditing what changed.

    Geometry values are shapely shapes in EPSG:4490. Returns the row and
    ``"created"``/``"updated"``/``"unchanged"``.
    """
    if existing is None:
        row = model(**{k: _stored(v) for k, v in values.items()})
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity=entity,
            entity_id=_key(row),
            before=None,
            after={k: v for k, v in values.items() if v is not None},
            province_code=getattr(row, "province_code", None),
        )
        outcome = CREATED
    else:
        row = existing
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, value in values.items():
            old = getattr(row, name)
            if _same(old, value):
                continue
            before[name] = old
            after[name] = value
            setattr(row, name, _stored(value))
        if after:
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="update",
                entity=entity,
                entity_id=_key(row),
                before=before,
                after=after,
                province_code=getattr(row, "province_code", None),
            )
            outcome = UPDATED
        else:
            outcome = UNCHANGED
    if tally is not None:
        tally.add(entity, outcome)
    return row, outcome


def _key(row: object) -> object:
    return getattr(row, "id", None) or getattr(row, "code", None)


# -- codes -----------------------------------------------------------------------------------

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    pairs = zip(first17, _CREDIT_WEIGHTS, strict=True)
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in pairs)
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """What is wrong with a 统一社会信用代码 (GB 32100), or None when it is valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位, 实为{len(code)}位"
    bad = sorted({c for c in code if c not in _CREDIT_ALPHABET})
    if bad:
        return f"统一社会信用代码含非法字符 {''.join(bad)} (不用 I、O、S、V、Z)"
    if not code[8:17].isalnum():
        return "统一社会信用代码的组织机构代码部分无效"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误: 末位应为 {expected}, 实为 {code[17]}"
    return None


def region_level_of_code(code: str) -> RegionLevel | None:
    """The level a 12-digit statistical code denotes by its zero padding."""
    if not re.fullmatch(r"\d{12}", code) or code[:2] == "00":
        return None
    if code[2:] == "0" * 10:
        return RegionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return RegionLevel.CITY
    if code[6:] == "0" * 6:
        return RegionLevel.COUNTY
    if code[9:] == "000":
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


_PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


def region_parent_code(code: str) -> str | None:
    """The code of the division one level up, by the code's structure (None for a province)."""
    level = region_level_of_code(code)
    if level is None or level is RegionLevel.PROVINCE:
        return None
    order = list(_PREFIX_LENGTH)
    parent_level = order[order.index(level) - 1]
    keep = _PREFIX_LENGTH[parent_level]
    return code[:keep].ljust(12, "0")


def region_is_ancestor(ancestor: str, code: str) -> bool:
    """Whether ``ancestor`` is a higher division containing ``code`` (by code prefix)."""
    level = region_level_of_code(ancestor)
    if level is None or ancestor == code:
        return False
    keep = _PREFIX_LENGTH[level]
    return code[:keep] == ancestor[:keep]


# -- geometry --------------------------------------------------------------------------------


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygonal part of a shape as a MultiPolygon (None when there is none)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    for g in getattr(geom, "geoms", []):
        if isinstance(g, MultiPolygon):
            polys.extend(g.geoms)
    return MultiPolygon(polys) if polys else None


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area in m² of a lon/lat shape on the CGCS2000 ellipsoid, to two decimals."""
    area, _ = CGCS2000_GEOD.geometry_area_perimeter(geom)
    return round(abs(area), 2)


def gk_zone_epsg(lon: float, *, zone_prefix: bool = False) -> int:
    """The CGCS2000 3° Gauss-Krüger EPSG code for a longitude (CM variant unless prefixed)."""
    zone = round(lon / 3.0)
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon:.3f} is outside China's 3° zones 25..45")
    return (4513 if zone_prefix else 4534) + zone - 25


def _ewkb(geom: BaseGeometry) -> bytes:
    """A shape as EWKB bytes in EPSG:4490, for a bound query parameter."""
    return shapely.to_wkb(shapely.set_srid(geom, MAP_SRID), include_srid=True)


def containing_compound(session: Session, geom: BaseGeometry) -> Compound | None:
    """The compound that contains a building outline, or the one that holds most of it.

    A compound holding less than half of the building is no match: that is a neighbour.
    """
    row = session.execute(
        text(
            """
            SELECT c.id,
                   ST_Contains(c.geom, g.geom) AS contains,
                   ST_Area(geography(ST_Intersection(c.geom, g.geom)))
                       / NULLIF(ST_Area(geography(g.geom)), 0) AS share
            FROM compound c, (SELECT ST_GeomFromEWKB(:g) AS geom) g
            WHERE c.geom && g.geom AND ST_Intersects(c.geom, g.geom)
            ORDER BY contains DESC, share DESC NULLS LAST
            LIMIT 1
            """
        ),
        {"g": _ewkb(geom)},
    ).first()
    if row is None or not (row.contains or (row.share or 0) >= 0.5):
        return None
    return session.get(Compound, row.id)


def best_overlap(
    session: Session, model: type[Compound] | type[Building], geom: BaseGeometry, *, min_iou: float
) -> tuple[Any, float] | None:
    """The existing compound/building whose outline overlaps ``geom`` most (intersection over
    union on the ellipsoid), when that reaches ``min_iou``: how a re-import without codes or
    names finds the row it updates."""
    table = model.__tablename__
    column = "geom" if model is Compound else "footprint"
    row = session.execute(
        text(
            f"""
            SELECT t.id,
                   ST_Area(geography(ST_Intersection(t.{column}, g.geom)))
                     / NULLIF(ST_Area(geography(ST_Union(t.{column}, g.geom))), 0) AS iou
            FROM {table} t, (SELECT ST_GeomFromEWKB(:g) AS geom) g
            WHERE t.{column} && g.geom AND ST_Intersects(t.{column}, g.geom)
            ORDER BY iou DESC NULLS LAST
            LIMIT 1
            """  # noqa: S608 - table and column come from the two models above, not from input
        ),
        {"g": _ewkb(geom)},
    ).first()
    if row is None or (row.iou or 0) < min_iou:
        return None
    return session.get(model, row.id), float(row.iou)


# -- rooms and occupancy ---------------------------------------------------------------------


def find_rooms(session: Session, building: Building, number: str) -> list[Room]:
    """Live rooms of a building with this number (more than one means the number is ambiguous)."""
    return list(
        session.scalars(
            select(Room)
            .join(Floor, Room.floor_id == Floor.id)
            .where(Floor.building_id == building.id, Room.number == number)
            .where(Room.retired_at.is_(None))
            .order_by(Floor.ordinal, Room.id)
        )
    )


def open_occupancies(session: Session, person: Person) -> list[Occupancy]:
    return list(
        session.scalars(
            select(Occupancy)
            .where(Occupancy.person_id == person.id, Occupancy.valid_to.is_(None))
            .order_by(Occupancy.id)
        )
    )


def start_occupancy(
    session: Session,
    person: Person,
    room: Room,
    since: dt.date,
    *,
    actor: str,
    tally: Tally | None = None,
    until: dt.date | None = None,
    end_reason: str | None = None,
) -> Occupancy:
    occupancy, _ = save(
        session,
        Occupancy,
        None,
        {
            "person_id": person.id,
            "room_id": room.id,
            "valid_from": since,
            "valid_to": until,
            "end_reason": end_reason,
            "province_code": room.province_code,
        },
        actor=actor,
        entity="occupancy",
        tally=tally,
    )
    return occupancy


def end_occupancy(
    session: Session,
    occupancy: Occupancy,
    until: dt.date,
    reason: str,
    *,
    actor: str,
    tally: Tally | None = None,
) -> None:
    """Close an occupancy (never delete it: the room's history needs it)."""
    until = max(until, occupancy.valid_from)
    save(
        session,
        Occupancy,
        occupancy,
        {"valid_to": until, "end_reason": reason},
        actor=actor,
        entity="occupancy",
    )
    if tally is not None:
        tally.add("occupancy", "ended")


@dataclass(frozen=True)
class HeldRoom:
    room_id: int
    building_code: str | None
    building_name: str
    floor_name: str
    room_number: str | None
    since: dt.date


@dataclass(frozen=True)
class PersonHolding:
    """A person with the rooms they hold now (open occupancies)."""

    person_id: int
    name: str
    agency: str
    position: str | None
    rank: str
    status: str
    status_date: dt.date | None
    rooms: tuple[HeldRoom, ...]


def people_holding_rooms(
    session: Session, status: str | OccupantStatus | None = None
) -> list[PersonHolding]:
    """Everyone who holds a room now, optionally only those of one 在职情况.

    ``status="退休"`` lists the retired who have not vacated their office: retirement never
    ends an occupancy by itself, so they stay visible here until the room is taken back.
    """
    stmt = (
        select(Person, Agency.name, Occupancy, Room, Floor, Building)
        .join(Agency, Person.agency_id == Agency.id)
        .join(Occupancy, Occupancy.person_id == Person.id)
        .join(Room, Occupancy.room_id == Room.id)
        .join(Floor, Room.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .where(Occupancy.valid_to.is_(None))
        .order_by(Agency.name, Person.name, Person.id, Building.code, Room.number)
    )
    if status is not None:
        stmt = stmt.where(Person.status == str(OccupantStatus(status)))
    grouped: dict[int, tuple[Person, str, list[HeldRoom]]] = {}
    for person, agency_name, occ, room, floor, building in session.execute(stmt):
        entry = grouped.setdefault(person.id, (person, agency_name, []))
        entry[2].append(
            HeldRoom(room.id, building.code, building.name, floor.name, room.number, occ.valid_from)
        )
    return [
        PersonHolding(
            p.id, p.name, agency, p.position, p.rank, p.status, p.status_date, tuple(rooms)
        )
        for p, agency, rooms in grouped.values()
    ]


# -- floor plans on their building -----------------------------------------------------------


@dataclass(frozen=True)
class FloorPlanStatus:
    floor_id: int
    name: str
    ordinal: float
    rooms: int
    rooms_on_map: int
    georeferenced: bool
    share_inside: float | None
    """Share of the floor's rooms' map area that lies inside the building footprint."""
    verdict: str


@dataclass(frozen=True)
class BuildingPlanStatus:
    building_id: int
    code: str | None
    name: str
    has_footprint: bool
    floors: tuple[FloorPlanStatus, ...]
    missing_floors: tuple[str, ...]
    """Floors the building should have (地上/地下层数) that have no plan yet."""


def _floor_label(ordinal: int) -> str:
    return f"{ordinal}F" if ordinal > 0 else f"B{-ordinal}"


def building_plan_status(
    session: Session, building_id: int, *, fit_threshold: float = 0.95
) -> BuildingPlanStatus:
    """Which floors have plans, which are placed on the map, and whether they fit the footprint.

    A floor fits when at least ``fit_threshold`` of its rooms' map area (on the ellipsoid) lies
    inside the footprint; less means the georeference or the footprint is wrong.
    """
    building = session.get(Building, building_id)
    if building is None:
        raise LookupError(f"楼栋 {building_id} 不存在")
    rows = session.execute(
        text(
            """
            SELECT f.id, f.name, f.ordinal, f.georef IS NOT NULL AS georeferenced,
                   count(r.id) AS rooms,
                   count(r.map_geom) AS rooms_on_map,
                   sum(ST_Area(geography(r.map_geom))) AS map_area,
                   sum(ST_Area(geography(ST_Intersection(r.map_geom, b.footprint)))) AS inside
            FROM floor f
            JOIN building b ON b.id = f.building_id
            LEFT JOIN room r ON r.floor_id = f.id AND r.retired_at IS NULL
            WHERE f.building_id = :bid
            GROUP BY f.id, f.name, f.ordinal, f.georef
            ORDER BY f.ordinal
            """
        ),
        {"bid": building_id},
    ).all()
    has_footprint = building.footprint is not None
    floors = []
    for row in rows:
        share = None
        if row.map_area and has_footprint:
            share = min(1.0, float(row.inside or 0.0) / float(row.map_area))
        if row.rooms == 0:
            verdict = "无平面图"
        elif row.rooms_on_map == 0:
            verdict = "未配准"
        elif not has_footprint:
            verdict = "无楼栋轮廓"
        elif share is not None and share >= fit_threshold:
            verdict = "吻合"
        else:
            verdict = "超出轮廓"
        floors.append(
            FloorPlanStatus(
                row.id,
                row.name,
                float(row.ordinal),
                int(row.rooms),
                int(row.rooms_on_map),
                bool(row.georeferenced),
                None if share is None else round(share, 4),
                verdict,
            )
        )
    with_plans = {round(f.ordinal) for f in floors if f.rooms > 0}
    expected = [*range(1, (building.floors_above or 0) + 1)]
    expected += [-n for n in range(1, (building.floors_below or 0) + 1)]
    missing = tuple(_floor_label(n) for n in sorted(expected) if n not in with_plans)
    return BuildingPlanStatus(
        building.id, building.code, building.name, has_footprint, tuple(floors), missing
    )


# -- small lookups used by the importers -----------------------------------------------------


def region_exists(session: Session, code: str) -> bool:
    return session.get(Region, code) is not None


def agencies_named(session: Session, name: str) -> list[Agency]:
    return list(session.scalars(select(Agency).where(Agency.name == name).order_by(Agency.id)))
