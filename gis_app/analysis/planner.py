"""Reallocation (调剂): match who is short of space to idle rooms, show the effect, then apply.

Demand comes first from serving people with no office, then from agencies whose office area is
below their entitlement (A). Supply is idle office rooms in the region. A candidate is chosen in
PostGIS: the same compound as the agency's main site first, then the nearest building (metres
on the ellipsoid), then the closest fit of area without exceeding the need, so a move never
creates an over-standard finding. The effect on every finding is computed by making the moves
inside a savepoint, analysing, and rolling back: nothing moves until the scenario is applied.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app import audit
from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import Context
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.context import r2
from gis_app.analysis.entitlement import agency_entitlements
from gis_app.analysis.models import Scenario
from gis_app.analysis.models import ScenarioMove
from gis_app.analysis.run import compute_findings
from gis_app.analysis.sql import PRELUDE
from gis_app.analysis.sql import without_jit
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room

__all__ = ["apply_scenario", "plan_reallocation"]

LOGGER = logging.getLogger(__name__)
FIT_TOLERANCE = 0.005
"""A room may exceed the need by rounding noise only (< 0.01 m² once rounded)."""

_HOMELESS = """
SELECT sp.id, sp.name, sp.agency_id, sp.agency_name, sp.rank, sp.limit_m2
FROM scoped_person sp
WHERE sp.status = '在职' AND sp.limit_m2 IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM person_rooms pr
                  WHERE pr.person_id = sp.id AND pr.use_category = '办公室')
ORDER BY sp.agency_id, sp.limit_m2 DESC, sp.id
"""

_CANDIDATE = """
WITH anchor AS (
    SELECT b.compound_id, ST_Centroid(ST_Collect(b.footprint)) AS pt
    FROM room r JOIN floor f ON f.id = r.floor_id JOIN building b ON b.id = f.building_id
    WHERE r.agency_id = :agency_id AND r.retired_at IS NULL AND b.footprint IS NOT NULL
    GROUP BY b.compound_id
    ORDER BY sum(r.usable_area_m2) DESC
    LIMIT 1
)
SELECT r.id, r.usable_area_m2 AS area, r.agency_id, b.compound_id,
    coalesce(b.compound_id = (SELECT compound_id FROM anchor), false) AS same_compound,
    ST_Distance(ST_Centroid(b.footprint)::geography, (SELECT pt FROM anchor)::geography)
        AS distance_m
FROM room r
JOIN floor f ON f.id = r.floor_id
JOIN building b ON b.id = f.building_id
LEFT JOIN compound c ON c.id = b.compound_id
LEFT JOIN agency ra ON ra.id = r.agency_id
WHERE r.retired_at IS NULL AND r.use_category = '办公室' AND r.status IN ('在用', '闲置')
  AND NOT EXISTS (SELECT 1 FROM occupancy o WHERE o.room_id = r.id AND o.valid_from <= :as_of
                  AND (o.valid_to IS NULL OR o.valid_to > :as_of))
  AND coalesce(ra.region_code, c.region_code, '') LIKE :pattern
  AND NOT (r.id = ANY(:taken))
  AND NOT (:other_agencies_only AND r.agency_id IS NOT DISTINCT FROM :agency_id)
  AND r.usable_area_m2 <= :need + :tolerance
ORDER BY same_compound DESC, distance_m ASC NULLS LAST, :need - r.usable_area_m2, r.id
LIMIT 1
"""


def _candidate(
    session: Session, ctx: Context, agency_id: int, need: float, taken: list[int], *, kind: str
) -> Any:
    """The best idle room for an agency's need; an agency short of space is only offered
    rooms of others (its own idle rooms already count in its actual area)."""
    return (
        session.execute(
            text(_CANDIDATE),
            {
                "agency_id": agency_id,
                "need": need,
                "taken": taken,
                "as_of": ctx.as_of,
                "pattern": ctx.pattern,
                "tolerance": FIT_TOLERANCE,
                "other_agencies_only": kind == "room_to_agency",
            },
        )
        .mappings()
        .first()
    )


def _reason(candidate: Any, need: float) -> str:
    where = (
        "同一院落"
        if candidate["same_compound"]
        else (
            f"距离 {candidate['distance_m']:.0f} m"
            if candidate["distance_m"] is not None
            else "无院落位置"
        )
    )
    return f"{where}; 面积 {candidate['area']:.2f} m², 需求 {need:.2f} m²"


def _propose(session: Session, ctx: Context, province: str) -> list[ScenarioMove]:
    moves: list[ScenarioMove] = []
    taken: list[int] = []

    def add(kind: str, agency_id: int, person_id: int | None, need: float) -> bool:
        candidate = _candidate(session, ctx, agency_id, need, taken, kind=kind)
        if candidate is None:
            return False
        taken.append(candidate["id"])
        moves.append(ScenarioMove(
            seq=len(moves) + 1, kind=kind, agency_id=agency_id, person_id=person_id,
            room_id=candidate["id"], from_agency_id=candidate["agency_id"],
            room_area_m2=candidate["area"], need_m2=need,
            same_compound=candidate["same_compound"], distance_m=candidate["distance_m"],
            reason=_reason(candidate, need), province_code=province,
        ))  # fmt: skip
        return True

    housed: dict[int, float] = {}
    for person in session.execute(text(PRELUDE + _HOMELESS), ctx.params()).mappings():
        if add("person_to_room", person["agency_id"], person["id"], person["limit_m2"]):
            housed[person["agency_id"]] = (
                housed.get(person["agency_id"], 0) + moves[-1].room_area_m2
            )
    for ent in agency_entitlements(session, ctx):
        short = ent.office.entitled - ent.office.actual - housed.get(ent.agency_id, 0)
        while short > FIT_TOLERANCE and add("room_to_agency", ent.agency_id, None, short):
            short -= moves[-1].room_area_m2
    return moves


def _make_moves(session: Session, moves: list[ScenarioMove], on: dt.date, actor: str | None):
    """Occupancies and room assignments for the moves (audited when ``actor`` is given)."""
    for move in moves:
        room = session.get(Room, move.room_id)
        assert room is not None
        before = {
            "agency_id": room.agency_id,
            "status": room.status,
            "status_since": room.status_since,
        }
        room.agency_id = move.agency_id
        room.status = "在用"
        room.status_since = on
        if actor:
            audit.record(
                session,
                actor=actor,
                action="reallocate",
                entity="room",
                entity_id=room.id,
                before=before,
                after={
                    "agency_id": move.agency_id,
                    "status": "在用",
                    "status_since": on,
                    "scenario": move.scenario_id,
                },
                province_code=room.province_code,
            )
        if move.person_id is not None:
            occupancy = Occupancy(
                person_id=move.person_id,
                room_id=room.id,
                valid_from=on,
                province_code=room.province_code,
            )
            session.add(occupancy)
            session.flush()
            if actor:
                audit.record(
                    session,
                    actor=actor,
                    action="create",
                    entity="occupancy",
                    entity_id=occupancy.id,
                    before=None,
                    after={
                        "person_id": move.person_id,
                        "room_id": room.id,
                        "valid_from": on,
                        "scenario": move.scenario_id,
                    },
                    province_code=room.province_code,
                )
    session.flush()


def _describe(d: FindingDraft) -> dict[str, Any]:
    return {"rule": d.rule, "kind": d.kind, "message": d.message, "figures": d.figures}


def _effect(before: list[FindingDraft], after: list[FindingDraft]) -> dict[str, Any]:
    old = {d.key: d for d in before}
    new = {d.key: d for d in after}
    return {
        "before": len(before),
        "after": len(after),
        "resolved": [_describe(old[k]) for k in old if k not in new],
        "added": [_describe(new[k]) for k in new if k not in old],
        "changed": [
            {"kind": new[k].kind, "before": old[k].figures, "after": new[k].figures,
             "message": new[k].message}
            for k in new if k in old and new[k].figures != old[k].figures
        ],
    }  # fmt: skip


def plan_reallocation(session: Session, ctx: Context, *, name: str, actor: str) -> Scenario:
    """Propose the moves for ``ctx``'s region and store them with their effect (no move made)."""
    if ctx.region is None:
        raise AnalysisError("调剂方案需要指定行政区划 (--region)")
    without_jit(session)
    province = ctx.region.province_code
    moves = _propose(session, ctx, province)
    before = compute_findings(session, ctx)
    savepoint = session.begin_nested()
    try:
        _make_moves(session, moves, ctx.as_of, actor=None)
        after = compute_findings(session, ctx)
    finally:
        savepoint.rollback()
    scenario = Scenario(
        name=name, region_code=ctx.region.code, as_of=ctx.as_of, created_by=actor,
        standard_version_id=ctx.version.id, province_code=province,
        summary={
            "moves": len(moves),
            "people_housed": sum(m.kind == "person_to_room" for m in moves),
            "rooms_to_agencies": sum(m.kind == "room_to_agency" for m in moves),
            "area_m2": r2(sum(m.room_area_m2 for m in moves)),
        },
        effect=_effect(before, after),
    )  # fmt: skip
    session.add(scenario)
    session.flush()
    for move in moves:
        move.scenario_id = scenario.id
        session.add(move)
    session.flush()
    LOGGER.info("scenario %d: %d moves", scenario.id, len(moves))
    return scenario


def apply_scenario(
    session: Session, scenario_id: int, *, actor: str, on: dt.date | None = None
) -> Scenario:
    """Make a draft scenario's moves as occupancy changes, refusing if any room was taken or
    any person got an office since it was planned (then nothing changes)."""
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise AnalysisError(f"调剂方案 {scenario_id} 不存在")
    if scenario.status != "draft":
        raise AnalysisError(f"调剂方案 {scenario_id} 已于 {scenario.applied_at:%Y-%m-%d} 执行")
    on = on or dt.date.today()
    for move in scenario.moves:
        busy = session.scalar(
            select(func.count())
            .select_from(Occupancy)
            .where(
                Occupancy.room_id == move.room_id,
                Occupancy.valid_from <= on,
                (Occupancy.valid_to.is_(None)) | (Occupancy.valid_to > on),
            )
        )
        room = session.get(Room, move.room_id)
        if (
            busy
            or room is None
            or room.retired_at is not None
            or room.status not in ("在用", "闲置")
        ):
            raise AnalysisError(f"房间 {move.room_id} 已不再闲置: 请重新生成调剂方案")
        if move.person_id is not None:
            person = session.get(Person, move.person_id)
            if person is None or person.status != "在职":
                raise AnalysisError(f"人员 {move.person_id} 已不在职: 请重新生成调剂方案")
    _make_moves(session, list(scenario.moves), on, actor=actor)
    scenario.status = "applied"
    scenario.applied_by = actor
    scenario.applied_at = dt.datetime.now(dt.UTC)
    session.flush()
    return scenario
