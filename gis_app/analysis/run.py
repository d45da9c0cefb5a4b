"""An analysis run: every check over one scope and date, stored with its summary."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from gis_app.analysis.checks import CHECKS
from gis_app.analysis.context import Context
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.context import r2
from gis_app.analysis.entitlement import agency_entitlements
from gis_app.analysis.models import AnalysisRun
from gis_app.analysis.models import Finding
from gis_app.analysis.sql import without_jit

__all__ = ["agency_summary", "compute_findings", "run_analysis", "summarize"]

LOGGER = logging.getLogger(__name__)


def compute_findings(session: Session, ctx: Context) -> list[FindingDraft]:
    """Every finding of every rule, without storing anything."""
    without_jit(session)
    drafts: list[FindingDraft] = []
    for check in CHECKS:
        found = check(session, ctx)
        LOGGER.debug("%s: %d findings", check.__name__, len(found))
        drafts.extend(found)
    return drafts


def summarize(drafts: list[FindingDraft]) -> dict[str, Any]:
    by_kind = Counter(f"{d.rule}:{d.kind}" for d in drafts)
    excess_people = sum(d.excess_m2 or 0 for d in drafts if d.rule in (3, 4))
    idle_area = sum(d.area_m2 or 0 for d in drafts if d.kind == "idle_room_flagged")
    return {
        "findings": len(drafts),
        "by_rule": dict(sorted(Counter(d.rule for d in drafts).items())),
        "by_kind": dict(sorted(by_kind.items(), key=lambda kv: (int(kv[0].split(":")[0]), kv[0]))),
        "by_severity": dict(Counter(d.severity for d in drafts)),
        "office_excess_m2": r2(excess_people),
        "idle_flagged_m2": r2(idle_area),
    }


def agency_summary(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Entitled against actual area per agency, kept with the run so dashboards read the
    figures the findings were based on instead of recomputing them."""
    return [
        {
            "agency_id": ent.agency_id,
            "name": ent.name,
            "region_code": ent.region_code,
            "approved_staff": ent.approved_staff,
            "actual_headcount": ent.actual_headcount,
            "office_entitled": r2(ent.office.entitled),
            "office_actual": r2(ent.office.actual),
            "basic_entitled": r2(ent.basic.entitled),
            "basic_actual": r2(ent.basic.actual),
            "basic_excess": r2(ent.basic.excess),
            "idle_m2": r2(ent.idle),
        }
        for ent in agency_entitlements(session, ctx)
    ]


def run_analysis(session: Session, ctx: Context, *, actor: str) -> AnalysisRun:
    """Compute and store the findings of ``ctx`` as one run (the caller commits)."""
    drafts = compute_findings(session, ctx)
    run = AnalysisRun(
        as_of=ctx.as_of,
        region_code=ctx.region.code if ctx.region else None,
        agency_id=ctx.agency.id if ctx.agency else None,
        standard_version_id=ctx.version.id,
        parameters=ctx.describe(),
        summary=summarize(drafts) | {"agencies": agency_summary(session, ctx)},
        actor=actor,
        province_code=ctx.region.province_code if ctx.region else None,
    )
    session.add(run)
    session.flush()
    session.add_all(
        Finding(
            run_id=run.id,
            standard_version_id=ctx.version.id,
            as_of=ctx.as_of,
            rule=d.rule,
            kind=d.kind,
            severity=d.severity,
            subject=d.subject,
            person_id=d.person_id,
            room_id=d.room_id,
            agency_id=d.agency_id,
            building_id=d.building_id,
            compound_id=d.compound_id,
            region_code=d.region_code,
            area_m2=d.area_m2,
            limit_m2=d.limit_m2,
            excess_m2=d.excess_m2,
            message=d.message,
            figures=d.figures,
            evidence=d.evidence,
            province_code=d.province_code,
        )
        for d in drafts
    )
    session.flush()
    LOGGER.info("analysis run %d: %d findings", run.id, len(drafts))
    return run
