"""Dashboards per region and agency: entitled against actual area, idle area, findings by kind.

Every figure comes from the newest stored analysis run covering the region (a visit computes
nothing); the page says when and by whom it was computed, and users who may run the analysis
re-run it for their scope with one button.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from gis_app.analysis.run import run_analysis
from layers.base import FeatureNotFound
from layers.runs import StoredRun
from layers.worklists import findings_by_kind
from web.auth import has_role
from web.auth import require_roles
from web.database import get_session
from web.errors import integer_arg
from web.i18n import translate
from web.scoped import analysis_context
from web.scoped import choose_region
from web.scoped import regions_for_user
from web.scoped import stored_analysis

__all__ = ["ANALYSIS_ROLES", "bp", "run_facts"]

bp = Blueprint("dashboard", __name__)

ANALYSIS_ROLES = ("planner", "bureau_manager", "admin")
"""Who may (re-)run the analysis of their jurisdiction: those who act on its findings."""

RETURN_PAGES = {"dashboard": "dashboard.index", "planner": "planner.index"}
"""Where the re-run button may send the user back to (nothing else: no open redirect)."""


def run_facts(stored: StoredRun | None) -> dict | None:
    """When, by whom and under which standard the shown run was computed, for the page."""
    if stored is None:
        return None
    return {
        "id": stored.run_id,
        "as_of": stored.as_of.isoformat(),
        "at": stored.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        "actor": stored.actor,
        "standard": stored.standard or "",
        "has_agency_figures": stored.has_agency_figures,
    }


@bp.get("/dashboard")
def index() -> str:
    region = choose_region()
    if region is None:
        return render_template("dashboard/index.html", region=None, regions=[], page={})
    stored = stored_analysis(region)
    common = {
        "region": region,
        "regions": regions_for_user(),
        "run": run_facts(stored),
        "can_analyse": has_role(*ANALYSIS_ROLES),
    }
    if stored is None:
        return render_template("dashboard/index.html", page={}, **common)
    agencies = stored.agencies
    findings = stored.findings
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
        agency=agency,
        agencies=agencies,
        kinds=kinds,
        totals=totals,
        page=page,
        **common,
    )


@bp.post("/dashboard/analysis")
@require_roles(*ANALYSIS_ROLES)
def rerun() -> Response:
    """Run every check for the chosen region (within the user's scope), store it, go back."""
    region = choose_region()
    if region is None:
        raise FeatureNotFound("region_not_found", "no region", region="")
    session = get_session()
    run = run_analysis(session, analysis_context(region), actor=g.user.username)
    session.commit()
    flash(translate("analysis_done", run=run.id, count=run.summary["findings"]))
    back = RETURN_PAGES.get(request.form.get("back", ""), "dashboard.index")
    return redirect(url_for(back, region=region["code"]))
