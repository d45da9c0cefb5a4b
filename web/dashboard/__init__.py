"""Dashboards per region and agency: entitled against actual area, idle area, findings by kind."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint
from flask import render_template

from layers.base import FeatureNotFound
from layers.worklists import agency_figures
from layers.worklists import findings_by_kind
from layers.worklists import visible_findings
from web.auth import current_scope
from web.database import get_session
from web.errors import integer_arg
from web.i18n import translate
from web.scoped import analysis_context
from web.scoped import choose_region
from web.scoped import regions_for_user

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
def index() -> str:
    region = choose_region()
    if region is None:
        return render_template("dashboard/index.html", region=None, regions=[], page={})
    ctx = analysis_context(region)
    session = get_session()
    scope = current_scope()
    agencies = agency_figures(session, ctx, scope)
    findings = visible_findings(session, ctx, scope)
    agency_id = integer_arg("agency")
    agency = None
    if agency_id is not None:
        agency = next((a for a in agencies if a["agency_id"] == agency_id), None)
        if agency is None:
            raise FeatureNotFound("agency_not_found", f"no agency {agency_id}", id=agency_id)
        agencies = [agency]
        findings = [f for f in findings if f.agency_id == agency_id]
    kinds = findings_by_kind(findings)
    totals = {
        "basic_entitled": round(sum(a["basic_entitled"] for a in agencies), 2),
        "basic_actual": round(sum(a["basic_actual"] for a in agencies), 2),
        "basic_excess": round(sum(max(a["basic_excess"], 0) for a in agencies), 2),
        "idle_m2": round(sum(a["idle_m2"] for a in agencies), 2),
        "findings": len(findings),
    }
    page = {
        "agencies": [
            {
                "name": a["name"],
                "entitled": a["basic_entitled"],
                "actual": a["basic_actual"],
                "idle": a["idle_m2"],
                "excess": max(a["basic_excess"], 0.0),
            }
            for a in agencies
        ],
        "severities": [
            {"severity": severity, "label": translate(f"severity.{severity}"), "count": count}
            for severity, count in sorted(Counter(f.severity for f in findings).items())
        ],
        "kinds": [{"label": f"{k['rule']} {k['title']}", "count": k["count"]} for k in kinds],
    }
    return render_template(
        "dashboard/index.html",
        region=region,
        regions=regions_for_user(),
        agency=agency,
        agencies=agencies,
        kinds=kinds,
        totals=totals,
        as_of=ctx.as_of,
        page=page,
    )
