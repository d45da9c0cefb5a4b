"""Findings and survey history beside a room: what the checks found about it, on what figures.

A room card reads the newest *stored* analysis run whose scope covers the room (its region,
and its agency when the run was limited to one), so opening a card costs one indexed query.
Only when no run covers it are the checks evaluated on the fly, for the room's agency in the
room's region (the narrowest scope the analysis knows), and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import PREFIX_LENGTH
from gis_app.analysis.context import RULE_TITLES
from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.context import build_context
from gis_app.analysis.models import AnalysisRun
from gis_app.analysis.models import Finding
from gis_app.analysis.run import compute_findings
from gis_app.config import Settings
from gis_app.models import Region
from gis_app.models import RoomVersion
from gis_app.models import SurveyBatch
from gis_app.standards.models import StandardVersion

__all__ = ["RUNS_SEARCHED", "covering_run", "room_findings", "room_versions"]

LOGGER = logging.getLogger(__name__)

RUNS_SEARCHED = 500
"""How many of the newest runs are searched for one covering a room (runs are few per year)."""


def covering_run(
    session: Session, region_code: str | None, agency_id: int | None
) -> AnalysisRun | None:
    """The newest stored run whose region subtree holds ``region_code`` and that was not
    limited to another agency."""
    rows = session.execute(
        select(AnalysisRun, Region.level)
        .outerjoin(Region, Region.code == AnalysisRun.region_code)
        .where(or_(AnalysisRun.agency_id.is_(None), AnalysisRun.agency_id == agency_id))
        .order_by(AnalysisRun.as_of.desc(), AnalysisRun.id.desc())
        .limit(RUNS_SEARCHED)
    ).all()
    for run, level in rows:
        if run.region_code is None:
            return run
        prefix = run.region_code[: PREFIX_LENGTH.get(level or "", 12)]
        if region_code is not None and region_code.startswith(prefix):
            return run
    return None


def _about_room(evidence: dict[str, Any], room_id: int) -> bool:
    rooms = evidence.get("rooms") or []
    return any(isinstance(r, dict) and r.get("room_id") == room_id for r in rooms)


def _row(f: Finding | FindingDraft, about: str, as_of: dt.date) -> dict[str, Any]:
    """A finding as the card shows it: rule, figures, the standard and the evidence rooms."""
    evidence = f.evidence or {}
    person = evidence.get("person") or {}
    standard = evidence.get("standard") or {}
    return {
        "rule": f.rule,
        "rule_title": RULE_TITLES.get(f.rule, ""),
        "kind": f.kind,
        "severity": f.severity,
        "about": about,
        "message": f.message,
        "person": person.get("name"),
        "area_m2": _r2(f.area_m2),
        "limit_m2": _r2(f.limit_m2),
        "excess_m2": _r2(f.excess_m2),
        "figures": f.figures or {},
        "standard": standard.get("code"),
        "standard_document": standard.get("document"),
        "as_of": as_of.isoformat(),
        "rooms": [
            {"number": r.get("number"), "building": r.get("building"), "area": r.get("area")}
            for r in evidence.get("rooms") or []
            if isinstance(r, dict)
        ],
    }


def _r2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def room_findings(
    session: Session,
    settings: Settings,
    *,
    room_id: int,
    region_code: str | None,
    agency_id: int | None,
    occupant_ids: list[int],
    scope: Scope,
) -> dict[str, Any]:
    """The findings about the room or the people in it that ``scope`` may see, and where they
    come from (``source``: a stored run, a computation now, or none possible)."""
    run = covering_run(session, region_code, agency_id)
    if run is not None:
        about_room = Finding.evidence["rooms"].contains([{"room_id": room_id}])
        stored = session.scalars(
            select(Finding)
            .where(
                Finding.run_id == run.id,
                or_(
                    Finding.room_id == room_id,
                    about_room,
                    Finding.person_id.in_(occupant_ids),
                ),
            )
            .order_by(Finding.rule, Finding.id)
        ).all()
        version = session.get(StandardVersion, run.standard_version_id)
        found: list[Finding | FindingDraft] = list(stored)
        source = {
            "kind": "stored",
            "run_id": run.id,
            "as_of": run.as_of.isoformat(),
            "standard": version.code if version else None,
        }
        as_of = run.as_of
    else:
        if region_code is None:
            return {"source": {"kind": "none"}, "findings": []}
        try:
            ctx = build_context(session, settings, region_code=region_code, agency_id=agency_id)
        except AnalysisError as exc:
            LOGGER.info("no findings for room %d: %s", room_id, exc)
            return {"source": {"kind": "none"}, "findings": []}
        found = [
            d
            for d in compute_findings(session, ctx)
            if d.room_id == room_id
            or _about_room(d.evidence, room_id)
            or (d.person_id is not None and d.person_id in occupant_ids)
        ]
        source = {"kind": "computed", "as_of": ctx.as_of.isoformat(), "standard": ctx.version.code}
        as_of = ctx.as_of
    rows = [
        _row(f, "room" if f.room_id == room_id or _about_room(f.evidence, room_id) else "person",
             as_of)
        for f in found
        if scope.everything or scope.allows(f.region_code, f.agency_id)
    ]  # fmt: skip
    return {"source": source, "findings": rows}


def room_versions(session: Session, room_id: int) -> list[dict[str, Any]]:
    """The room's confirmed survey versions, newest first, with the batch each came from."""
    rows = session.execute(
        select(
            RoomVersion.valid_from,
            RoomVersion.valid_to,
            RoomVersion.number,
            RoomVersion.name,
            RoomVersion.usable_area_m2,
            RoomVersion.area_rule,
            RoomVersion.survey_batch_id,
            SurveyBatch.file_name,
            SurveyBatch.decided_at,
        )
        .outerjoin(SurveyBatch, SurveyBatch.id == RoomVersion.survey_batch_id)
        .where(RoomVersion.room_id == room_id)
        .order_by(RoomVersion.valid_from.desc(), RoomVersion.id.desc())
    ).all()
    return [
        {
            "valid_from": r.valid_from.date().isoformat(),
            "valid_to": r.valid_to.date().isoformat() if r.valid_to else None,
            "number": r.number,
            "name": r.name,
            "usable_area_m2": round(r.usable_area_m2, 2),
            "area_rule": r.area_rule,
            "batch_id": r.survey_batch_id,
            "file_name": r.file_name,
            "confirmed_on": r.decided_at.date().isoformat() if r.decided_at else None,
        }
        for r in rows
    ]
