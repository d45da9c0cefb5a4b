"""The planner's and manager's work lists: findings and idle rooms of a region, within a scope.

Findings come from :func:`gis_app.analysis.run.compute_findings` evaluated for the region today
(fast enough per region; nothing is stored by looking). Each row is kept only when the user's
scope allows its region or agency, and carries the room, floor and building it is about so the
tables link to the floor plan.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import RULE_TITLES
from gis_app.analysis.context import Context
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.entitlement import agency_entitlements
from gis_app.analysis.models import Scenario
from gis_app.analysis.run import compute_findings
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from gis_app.visibility import agency_visible
from gis_app.visibility import person_visible
from gis_app.visibility import room_visible
from layers.sql import current_occupancy

__all__ = [
    "OVER_STANDARD_RULES",
    "agency_figures",
    "finding_rows",
    "findings_by_kind",
    "idle_rooms",
    "move_rows",
    "scenarios_in",
    "visible_findings",
]

OVER_STANDARD_RULES = (3, 4, 5, 6)
"""Leader suites, shared offices, in-suite toilets and agency entitlement: the 超标 rules."""


def visible_findings(session: Session, ctx: Context, scope: Scope) -> list[FindingDraft]:
    """Every finding of ``ctx`` whose region or agency the scope allows."""
    return [
        f
        for f in compute_findings(session, ctx)
        if scope.everything or scope.allows(f.region_code, f.agency_id)
    ]


def _room_places(session: Session, room_ids: set[int]) -> dict[int, tuple[int, int]]:
    if not room_ids:
        return {}
    rows = session.execute(
        select(Room.id, Room.floor_id, Floor.building_id)
        .join(Floor, Floor.id == Room.floor_id)
        .where(Room.id.in_(sorted(room_ids)))
    ).all()
    return {r.id: (r.floor_id, r.building_id) for r in rows}


def _first_room(finding: FindingDraft) -> int | None:
    if finding.room_id is not None:
        return finding.room_id
    rooms = finding.evidence.get("rooms") or []
    return rooms[0].get("room_id") if rooms and isinstance(rooms[0], dict) else None


def finding_rows(session: Session, findings: list[FindingDraft]) -> list[dict[str, Any]]:
    """Findings as table rows, each with the room/floor/building it links to (if any)."""
    firsts = {f_id for f in findings if (f_id := _first_room(f)) is not None}
    places = _room_places(session, firsts)
    names = dict(
        session.execute(
            select(Agency.id, Agency.name).where(
                Agency.id.in_(sorted({f.agency_id for f in findings if f.agency_id}))
            )
        ).all()
    )
    rows = []
    for f in findings:
        room_id = _first_room(f)
        floor_id, building_id = places.get(room_id, (None, f.building_id))
        person = f.evidence.get("person") or {}
        rows.append(
            {
                "rule": f.rule,
                "rule_title": RULE_TITLES.get(f.rule, ""),
                "kind": f.kind,
                "severity": f.severity,
                "subject": f.subject,
                "message": f.message,
                "person": person.get("name"),
                "agency_id": f.agency_id,
                "agency": names.get(f.agency_id) or person.get("agency"),
                "area_m2": f.area_m2,
                "limit_m2": f.limit_m2,
                "excess_m2": f.excess_m2,
                "room_id": room_id if floor_id is not None else None,
                "floor_id": floor_id,
                "building_id": building_id,
                "evidence": f.evidence,
            }
        )
    return rows


def findings_by_kind(findings: list[FindingDraft]) -> list[dict[str, Any]]:
    counts = Counter((f.rule, f.kind) for f in findings)
    return [
        {"rule": rule, "kind": kind, "title": RULE_TITLES.get(rule, ""), "count": n}
        for (rule, kind), n in sorted(counts.items())
    ]


def idle_rooms(
    session: Session, scope: Scope, ctx: Context, flagged: set[int]
) -> list[dict[str, Any]]:
    """Rooms standing idle in the region: marked 闲置, or an office in use with nobody in it.

    ``idle_since`` is the status date for 闲置 rooms, else the day the last occupant left;
    ``flagged`` (room ids of rule-13 findings) says which have passed the threshold.
    """
    today = ctx.as_of
    occupied = exists(
        select(Occupancy.id).where(Occupancy.room_id == Room.id, current_occupancy(today))
    )
    last_left = (
        select(func.max(Occupancy.valid_to))
        .where(Occupancy.room_id == Room.id, Occupancy.valid_to <= today)
        .scalar_subquery()
    )
    # in the region by the agency's region, else the compound's (as the analysis decides)
    in_region = func.coalesce(Agency.region_code, Compound.region_code, "").like(ctx.pattern)
    rows = session.execute(
        select(
            Room.id,
            Room.number,
            Room.name,
            Room.use_category,
            Room.use_subtype,
            Room.status,
            Room.status_since,
            Room.usable_area_m2,
            Room.floor_id,
            Floor.name.label("floor"),
            Floor.building_id,
            Building.name.label("building"),
            Room.agency_id,
            Agency.name.label("agency"),
            last_left.label("last_left"),
        )
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .outerjoin(Agency, Agency.id == Room.agency_id)
        .where(
            Room.retired_at.is_(None),
            room_visible(scope),
            ~occupied,
            or_(Room.status == "闲置", and_(Room.status == "在用", Room.use_category == "办公室")),
            in_region,
            true() if ctx.agency is None else Room.agency_id == ctx.agency.id,
        )
        .order_by(Agency.name, Building.name, Floor.ordinal, Room.number)
    ).all()
    out = []
    for r in rows:
        since: dt.date | None = r.status_since if r.status == "闲置" else None
        if since is None:
            since = r.last_left
        elif r.last_left is not None and r.status != "闲置":
            since = max(since, r.last_left)
        out.append(
            {
                "room_id": r.id,
                "number": r.number,
                "name": r.name,
                "use": r.use_subtype or r.use_category,
                "status": r.status,
                "area_m2": round(r.usable_area_m2, 2),
                "floor_id": r.floor_id,
                "floor": r.floor,
                "building_id": r.building_id,
                "building": r.building,
                "agency_id": r.agency_id,
                "agency": r.agency,
                "idle_since": since.isoformat() if since else None,
                "days_idle": (today - since).days if since else None,
                "flagged": r.id in flagged,
            }
        )
    return out


def agency_figures(session: Session, ctx: Context, scope: Scope) -> list[dict[str, Any]]:
    """Entitled against actual use per agency in the region that the scope shows."""
    shown = set(session.scalars(select(Agency.id).where(agency_visible(scope))))
    rows = []
    for ent in agency_entitlements(session, ctx):
        if ent.agency_id not in shown:
            continue
        rows.append(
            {
                "agency_id": ent.agency_id,
                "name": ent.name,
                "approved_staff": ent.approved_staff,
                "actual_headcount": ent.actual_headcount,
                "office_entitled": round(ent.office.entitled, 2),
                "office_actual": round(ent.office.actual, 2),
                "basic_entitled": round(ent.basic.entitled, 2),
                "basic_actual": round(ent.basic.actual, 2),
                "basic_excess": round(ent.basic.excess, 2),
                "idle_m2": round(ent.idle, 2),
            }
        )
    return rows


def scenarios_in(session: Session, region_codes: set[str], limit: int = 100) -> list[Scenario]:
    """The newest reallocation scenarios of the regions a user may choose."""
    return list(
        session.scalars(
            select(Scenario)
            .where(Scenario.region_code.in_(sorted(region_codes)))
            .order_by(Scenario.id.desc())
            .limit(limit)
        )
    )


def move_rows(session: Session, scenario: Scenario, scope: Scope) -> list[dict[str, Any]]:
    """A scenario's moves with the names of the room, person and agencies, linked to the plan;
    people outside the scope are not named."""
    rooms = {
        r.id: r
        for r in session.execute(
            select(Room.id, Room.number, Room.floor_id, Floor.name.label("floor"),
                   Floor.building_id, Building.name.label("building"))
            .join(Floor, Floor.id == Room.floor_id)
            .join(Building, Building.id == Floor.building_id)
            .where(Room.id.in_([m.room_id for m in scenario.moves]))
        )
    }  # fmt: skip
    agency_ids = {m.agency_id for m in scenario.moves} | {
        m.from_agency_id for m in scenario.moves if m.from_agency_id
    }
    agencies = dict(
        session.execute(
            select(Agency.id, Agency.name).where(Agency.id.in_(sorted(agency_ids)))
        ).all()
    )
    person_ids = [m.person_id for m in scenario.moves if m.person_id]
    people = dict(
        session.execute(
            select(Person.id, Person.name).where(Person.id.in_(person_ids), person_visible(scope))
        ).all()
    )
    out = []
    for m in scenario.moves:
        room = rooms.get(m.room_id)
        out.append(
            {
                "seq": m.seq,
                "kind": m.kind,
                "person": people.get(m.person_id) if m.person_id else None,
                "agency": agencies.get(m.agency_id),
                "from_agency": agencies.get(m.from_agency_id) if m.from_agency_id else None,
                "room_id": m.room_id,
                "room": room.number if room else str(m.room_id),
                "floor_id": room.floor_id if room else None,
                "floor": room.floor if room else None,
                "building_id": room.building_id if room else None,
                "building": room.building if room else None,
                "area_m2": round(m.room_area_m2, 2),
                "need_m2": round(m.need_m2, 2),
                "same_compound": m.same_compound,
                "distance_m": None if m.distance_m is None else round(m.distance_m),
                "reason": m.reason,
            }
        )
    return out
