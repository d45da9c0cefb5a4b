"""The planner's screen: idle rooms and over-standard findings as filterable tables linked to the
floor plans, and reallocation scenarios (build, see the effect, apply).

Findings (and which idle rooms are due for reallocation) come from the newest stored analysis
run covering the region; the idle rooms themselves are today's rooms, read live."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from gis_app.analysis.context import AnalysisError
from gis_app.analysis.models import Scenario
from gis_app.analysis.planner import apply_scenario
from gis_app.analysis.planner import plan_reallocation
from layers.base import FeatureNotFound
from layers.worklists import OVER_STANDARD_RULES
from layers.worklists import finding_rows
from layers.worklists import idle_rooms
from layers.worklists import move_rows
from layers.worklists import scenarios_in
from web.auth import current_scope
from web.auth import has_role
from web.dashboard import ANALYSIS_ROLES
from web.dashboard import run_facts
from web.database import get_session
from web.errors import integer_arg
from web.i18n import translate
from web.scoped import analysis_context
from web.scoped import choose_region
from web.scoped import regions_for_user
from web.scoped import stored_analysis

__all__ = ["bp"]

bp = Blueprint("planner", __name__, url_prefix="/planner")

PLANNING_ROLES = ("planner", "bureau_manager", "admin")


@bp.before_request
def _planners_only() -> None:
    if not has_role(*PLANNING_ROLES):
        raise Forbidden(translate("forbidden_role"))


@bp.get("/")
def index() -> str:
    region = choose_region()
    if region is None:
        return render_template("planner/index.html", region=None)
    session = get_session()
    scope = current_scope()
    ctx = analysis_context(region)
    stored = stored_analysis(region)
    findings = stored.findings if stored is not None else []
    flagged = {f.room_id for f in findings if f.rule == 13 and f.room_id is not None}
    idle = idle_rooms(session, scope, ctx, flagged)

    agency_filter = integer_arg("agency")
    min_area = request.args.get("min_area", "").strip()
    only_flagged = request.args.get("flagged") == "1"
    kind = request.args.get("kind", "").strip()
    rule = integer_arg("rule")
    if agency_filter is not None:
        idle = [r for r in idle if r["agency_id"] == agency_filter]
        findings = [f for f in findings if f.agency_id == agency_filter]
    if min_area:
        try:
            threshold = float(min_area)
        except ValueError:
            threshold = 0.0
        idle = [r for r in idle if r["area_m2"] >= threshold]
    if only_flagged:
        idle = [r for r in idle if r["flagged"]]
    if kind:
        findings = [f for f in findings if f.kind == kind]
    elif rule is not None:
        findings = [f for f in findings if f.rule == rule]
    else:
        findings = [f for f in findings if f.rule in OVER_STANDARD_RULES]
    agencies = sorted({(r["agency_id"], r["agency"]) for r in idle if r["agency_id"]}, key=str)
    return render_template(
        "planner/index.html",
        region=region,
        regions=regions_for_user(),
        idle=idle,
        idle_total=round(sum(r["area_m2"] for r in idle), 2),
        findings=finding_rows(session, findings),
        agencies=agencies,
        filters={
            "agency": agency_filter,
            "min_area": min_area,
            "flagged": only_flagged,
            "kind": kind,
            "rule": rule,
        },
        scenarios=scenarios_in(session, {r["code"] for r in regions_for_user()}),
        as_of=ctx.as_of,
        run=run_facts(stored),
        can_analyse=has_role(*ANALYSIS_ROLES),
    )


@bp.post("/scenarios")
def create_scenario() -> Response:
    region = choose_region()
    if region is None:
        raise FeatureNotFound("region_not_found", "no region", region="")
    name = request.form.get("name", "").strip()[:200] or translate(
        "scenario_default_name", region=region["name"]
    )
    session = get_session()
    try:
        scenario = plan_reallocation(
            session, analysis_context(region), name=name, actor=g.user.username
        )
    except AnalysisError as exc:
        session.rollback()
        flash(str(exc))
        return redirect(url_for("planner.index", region=region["code"]))
    session.commit()
    return redirect(url_for("planner.scenario", scenario_id=scenario.id))


def _visible_scenario(scenario_id: int) -> Scenario:
    scenario = get_session().get(Scenario, scenario_id)
    codes = {r["code"] for r in regions_for_user()}
    if scenario is None or scenario.region_code not in codes:
        raise FeatureNotFound("scenario_not_found", f"no scenario {scenario_id}", id=scenario_id)
    return scenario


@bp.get("/scenarios/<id:scenario_id>")
def scenario(scenario_id: int) -> str:
    found = _visible_scenario(scenario_id)
    return render_template(
        "planner/scenario.html",
        scenario=found,
        moves=move_rows(get_session(), found, current_scope()),
    )


@bp.post("/scenarios/<id:scenario_id>/apply")
def apply(scenario_id: int) -> Response:
    found = _visible_scenario(scenario_id)
    session = get_session()
    try:
        apply_scenario(session, found.id, actor=g.user.username)
    except AnalysisError as exc:
        session.rollback()
        flash(str(exc))
    else:
        session.commit()
        flash(translate("scenario_applied", id=found.id))
    return redirect(url_for("planner.scenario", scenario_id=found.id))
