"""What the dashboards and the planner show: the newest stored analysis run covering a region.

Looking never computes: a visit reads the run's stored findings and the per-agency figures kept
in its summary, so every figure on a page is the figure of one dated, attributable run. Rows are
kept only when they lie in the chosen region and the user's scope allows them (a run over a
wider region may hold more than the user may see).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.accounts import region_prefix
from gis_app.analysis.models import Finding
from gis_app.standards.models import StandardVersion
from layers.findings import covering_run

__all__ = ["StoredRun", "stored_run"]


@dataclass(frozen=True)
class StoredRun:
    """One stored run as a region's pages show it: when, by whom, under which standard, and
    the findings and agency figures of the region that the user may see."""

    run_id: int
    as_of: dt.date
    started_at: dt.datetime
    actor: str
    standard: str | None
    findings: list[Finding]
    agencies: list[dict[str, Any]]
    has_agency_figures: bool
    """False for runs stored before runs kept their agencies' figures."""


def stored_run(
    session: Session,
    *,
    region_code: str,
    region_level: str,
    agency_id: int | None,
    scope: Scope,
) -> StoredRun | None:
    """The newest run covering the region (and ``agency_id`` when the user holds only that
    agency), cut to the region and the scope; ``None`` when no run covers it."""
    run = covering_run(session, region_code, agency_id)
    if run is None:
        return None
    prefix = region_prefix(region_code, region_level)
    findings = [
        f
        for f in session.scalars(
            select(Finding)
            .where(
                Finding.run_id == run.id,
                # a finding about no place (the standard's own tables) belongs to every region
                or_(Finding.region_code.startswith(prefix), Finding.region_code.is_(None)),
            )
            .order_by(Finding.rule, Finding.kind, Finding.id)
        )
        if scope.everything or scope.allows(f.region_code, f.agency_id)
    ]
    agencies = [
        a
        for a in (run.summary or {}).get("agencies", [])
        if (a.get("region_code") or "").startswith(prefix)
        and (scope.everything or scope.allows(a.get("region_code"), a.get("agency_id")))
    ]
    version = session.get(StandardVersion, run.standard_version_id)
    return StoredRun(
        run_id=run.id,
        as_of=run.as_of,
        started_at=run.started_at,
        actor=run.actor,
        standard=version.code if version else None,
        findings=findings,
        agencies=agencies,
        has_agency_figures="agencies" in (run.summary or {}),
    )
