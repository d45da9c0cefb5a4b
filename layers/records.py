"""The records shown beside the map: a building with its floors, a room card, the data extent.

Read-only services taking a Session and plain arguments, so views stay thin and tests call
them directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.config import Settings
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room
from gis_app.registry import building_plan_status
from gis_app.visibility import building_visible
from gis_app.visibility import compound_visible
from gis_app.visibility import person_visible
from gis_app.visibility import region_visible
from gis_app.visibility import room_visible
from layers.base import BBox
from layers.base import FeatureNotFound
from layers.findings import room_findings
from layers.findings import room_versions
from layers.rooms import current_occupants

__all__ = [
    "building_summary",
    "compound_extent",
    "data_extent",
    "expected_floor_name",
    "room_card",
    "room_record",
    "visible_building_ids",
    "visible_buildings",
    "visible_regions",
]


def expected_floor_name(ordinal: int) -> str:
    """How a floor listed in the building record is named when no plan names it.

    >>> [expected_floor_name(o) for o in (-2, -1, 1, 12)]
    ['B2', 'B1', '1F', '12F']
    """
    return f"B{-ordinal}" if ordinal < 0 else f"{ordinal}F"


def data_extent(session: Session, scope: Scope) -> BBox | None:
    """The lon/lat box around the compound and building outlines the scope shows, ``None`` when
    there is none."""
    boxes = (
        select(func.ST_Extent(Compound.geom).label("box"))
        .where(compound_visible(scope))
        .union_all(
            select(func.ST_Extent(Building.footprint).label("box")).where(building_visible(scope))
        )
    )
    box = boxes.subquery()
    row = session.execute(
        select(
            func.min(func.ST_XMin(box.c.box)),
            func.min(func.ST_YMin(box.c.box)),
            func.max(func.ST_XMax(box.c.box)),
            func.max(func.ST_YMax(box.c.box)),
        )
    ).one()
    if row[0] is None:
        return None
    return BBox(*(float(v) for v in row))


def building_summary(session: Session, building_id: int, scope: Scope) -> dict[str, Any]:
    """A building, its compound and every floor by ordinal, including floors with no plan yet.

    Floors come from two sources: floor rows (with their live room count and area) and the
    building's ``floors_above``/``floors_below``; a listed floor without rooms has
    ``has_plan`` false so the page can say it has not been imported.
    """
    building = session.scalar(
        select(Building).where(Building.id == building_id, building_visible(scope))
    )
    if building is None:  # missing, or outside the user's jurisdiction: the same answer
        raise FeatureNotFound("building_not_found", f"no building {building_id}", id=building_id)
    rows = session.execute(
        select(
            Floor.id,
            Floor.name,
            Floor.ordinal,
            func.count(Room.id).label("room_count"),
            func.coalesce(func.sum(Room.usable_area_m2), 0.0).label("usable_area_m2"),
        )
        .outerjoin(
            Room, (Room.floor_id == Floor.id) & Room.retired_at.is_(None) & room_visible(scope)
        )
        .where(Floor.building_id == building_id)
        .group_by(Floor.id)
    ).all()
    placement = {f.floor_id: f for f in building_plan_status(session, building_id).floors}
    floors = [
        {
            "id": row.id,
            "name": row.name,
            "ordinal": row.ordinal,
            "room_count": row.room_count,
            "usable_area_m2": round(row.usable_area_m2, 2),
            "has_plan": row.room_count > 0,
            "placement": placement[row.id].verdict if row.id in placement else None,
            "share_inside": placement[row.id].share_inside if row.id in placement else None,
        }
        for row in rows
    ]
    known = {round(f["ordinal"]) for f in floors}
    listed = [-n for n in range(1, (building.floors_below or 0) + 1)]
    listed += list(range(1, (building.floors_above or 0) + 1))
    floors += [
        {
            "id": None,
            "name": expected_floor_name(ordinal),
            "ordinal": float(ordinal),
            "room_count": 0,
            "usable_area_m2": 0.0,
            "has_plan": False,
        }
        for ordinal in listed
        if ordinal not in known
    ]
    floors.sort(key=lambda f: f["ordinal"])
    compound = building.compound
    return {
        "id": building.id,
        "name": building.name,
        "code": building.code,
        "compound_id": building.compound_id,
        "compound_name": compound.name if compound else None,
        "address": compound.address if compound else None,
        "floors_above": building.floors_above,
        "floors_below": building.floors_below,
        "is_high_rise": building.is_high_rise,
        "year_built": building.year_built,
        "use_class": building.use_class,
        "tenure": building.tenure,
        "floors": floors,
        "usable_area_m2": round(sum(f["usable_area_m2"] for f in floors), 2),
    }


def room_card(
    session: Session, room_id: int, scope: Scope, today: dt.date | None = None
) -> dict[str, Any]:
    """Everything the room card shows: identity, use, status, area and how it was measured,
    the using agency, who sits there now and who sat there before."""
    today = today or dt.date.today()
    row = session.execute(
        select(
            Room,
            Floor,
            Building,
            Agency.name.label("agency_name"),
            func.coalesce(Agency.region_code, Compound.region_code).label("region_code"),
        )
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .outerjoin(Agency, Agency.id == Room.agency_id)
        .where(Room.id == room_id, room_visible(scope))
    ).one_or_none()
    if row is None:
        raise FeatureNotFound("room_not_found", f"no room {room_id}", id=room_id)
    room, floor, building = row.Room, row.Floor, row.Building
    history = session.execute(
        select(
            Person.name,
            Person.rank,
            Person.position,
            Occupancy.valid_from,
            Occupancy.valid_to,
        )
        .join(Person, Person.id == Occupancy.person_id)
        .where(Occupancy.room_id == room_id, person_visible(scope))
        .order_by(Occupancy.valid_from.desc(), Person.name)
    ).all()
    return {
        "id": room.id,
        "number": room.number,
        "name": room.name,
        "use_category": room.use_category,
        "use_subtype": room.use_subtype,
        "approved_use": room.approved_use,
        "status": room.status,
        "status_since": _iso(room.status_since),
        "usable_area_m2": round(room.usable_area_m2, 2),
        "area_rule": room.area_rule,
        "deductions_m2": round(room.deductions_m2 or 0.0, 2),
        "label_raw": room.label_raw,
        "retired": room.retired_at is not None,
        "agency_id": room.agency_id,
        "agency_name": row.agency_name,
        "region_code": row.region_code,
        "floor_id": floor.id,
        "floor_name": floor.name,
        "building_id": building.id,
        "building_name": building.name,
        "occupants": current_occupants(session, [room.id], today, scope).get(room.id, []),
        "history": [
            {
                "name": h.name,
                "rank": h.rank,
                "position": h.position,
                "valid_from": _iso(h.valid_from),
                "valid_to": _iso(h.valid_to),
            }
            for h in history
        ],
    }


def room_record(session: Session, settings: Settings, room_id: int, scope: Scope) -> dict[str, Any]:
    """The room card with its findings (of the room and of its occupants, with their figures
    and evidence) and its confirmed survey versions: what the card beside the plan shows."""
    card = room_card(session, room_id, scope)
    card["findings"] = room_findings(
        session,
        settings,
        room_id=room_id,
        region_code=card["region_code"],
        agency_id=card["agency_id"],
        occupant_ids=[o["id"] for o in card["occupants"]],
        scope=scope,
    )
    card["versions"] = room_versions(session, room_id)
    return card


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def visible_regions(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """The divisions a user may choose for reports, dashboards and plans, by code.

    A user scoped to agencies only gets the regions of those agencies (to see their figures).
    """
    condition = region_visible(scope, Region.code)
    if scope.agency_ids:
        condition = condition | Region.code.in_(
            select(Agency.region_code).where(Agency.id.in_(sorted(scope.agency_ids)))
        )
    rows = session.execute(
        select(Region.code, Region.name, Region.level).where(condition).order_by(Region.code)
    ).all()
    return [{"code": r.code, "name": r.name, "level": r.level} for r in rows]


def compound_extent(session: Session, compound_id: int, scope: Scope) -> BBox | None:
    """The lon/lat box of one compound the scope shows (for jumping to it from a search)."""
    row = session.execute(
        select(
            func.ST_XMin(func.ST_Extent(Compound.geom)),
            func.ST_YMin(func.ST_Extent(Compound.geom)),
            func.ST_XMax(func.ST_Extent(Compound.geom)),
            func.ST_YMax(func.ST_Extent(Compound.geom)),
        ).where(Compound.id == compound_id, compound_visible(scope))
    ).one()
    if row[0] is None:
        raise FeatureNotFound("compound_not_found", f"no compound {compound_id}", id=compound_id)
    return BBox(*(float(v) for v in row))


def visible_buildings(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """The buildings a user may survey or review, by compound and name."""
    rows = session.execute(
        select(Building.id, Building.name, Compound.name.label("compound"))
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .where(building_visible(scope))
        .order_by(Compound.name, Building.name)
    ).all()
    return [{"id": r.id, "name": r.name, "compound": r.compound} for r in rows]


def visible_building_ids(session: Session, scope: Scope, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Building.id).where(Building.id.in_(sorted(ids)), building_visible(scope))
        )
    )
