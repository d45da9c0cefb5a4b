"""Survey screens: a surveyor uploads a DXF, checks rooms, findings, units, layers, the
georeference and the per-room diff, and submits a draft batch; the agency and the bureau
confirm or reject it with a comment (三方确认: the surveyor's own confirmation is the submit)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import NotFound

from gis_app.models import SurveyBatch
from layers.base import FeatureNotFound
from layers.records import building_summary
from layers.records import visible_building_ids
from layers.records import visible_buildings
from layers.styles import ROOM_USE_COLOURS
from survey_import.dxf_sniff import UnreadableDrawing
from survey_import.dxf_units import UNIT_FACTORS
from survey_import.profiles import available_profiles
from survey_import.review import PARTY_NAMES
from survey_import.review import Party
from survey_import.review import ReviewError
from survey_import.review import batch_diff
from survey_import.review import confirm_batch
from survey_import.review import list_batches
from survey_import.review import reject_batch
from web.auth import current_scope
from web.auth import has_role
from web.database import get_session
from web.i18n import translate
from web.survey.work import MAX_UPLOAD_BYTES
from web.survey.work import Upload
from web.survey.work import UploadError
from web.survey.work import analyse
from web.survey.work import batch_svg
from web.survey.work import control_transform
from web.survey.work import describe_fit
from web.survey.work import find_upload
from web.survey.work import options_from
from web.survey.work import plan_features
from web.survey.work import report_entries
from web.survey.work import store_upload
from web.survey.work import trial_load

__all__ = ["bp"]

bp = Blueprint("survey", __name__, url_prefix="/survey")

SURVEY_ROLES = ("surveyor", "agency_manager", "bureau_manager", "admin")
PARTY_OF_ROLE = {"surveyor": Party.SURVEYOR, "agency_manager": Party.AGENCY,
                 "bureau_manager": Party.BUREAU}  # fmt: skip
OPTION_KEYS = ("units", "profile", "room_layer", "label_layer", "floor")


@bp.before_request
def _survey_roles_only() -> None:
    if not has_role(*SURVEY_ROLES):
        raise Forbidden(translate("forbidden_role"))


def _var_dir():  # noqa: ANN202
    return current_app.config["GIS_SETTINGS"].var_dir


def _parties() -> list[Party]:
    if has_role("admin"):
        return list(Party)
    return [party for role, party in PARTY_OF_ROLE.items() if role in g.roles]


@bp.get("/")
def index() -> str:
    session = get_session()
    scope = current_scope()
    batches = list_batches(session)
    shown = visible_building_ids(session, scope, {b.building_id for b in batches})
    batches = [b for b in batches if b.building_id in shown][:200]
    can_upload = has_role("surveyor", "admin")
    return render_template(
        "survey/index.html",
        batches=batches,
        buildings=visible_buildings(session, scope) if can_upload else [],
        can_upload=can_upload,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        party_names=PARTY_NAMES,
    )


@bp.post("/uploads")
def upload() -> Response | tuple[str, int]:
    if not has_role("surveyor", "admin"):
        raise Forbidden(translate("forbidden_role"))
    building_id = integer_arg_form("building_id")
    building_summary(get_session(), building_id, current_scope())  # 404 outside the scope
    file = request.files.get("drawing")
    floor = request.form.get("floor", "").strip()[:20]
    if file is None or not file.filename:
        flash(translate("choose_a_file"))
        return redirect(url_for("survey.index"))
    try:
        stored = store_upload(
            _var_dir(),
            file.stream,
            file_name=file.filename,
            building_id=building_id,
            floor=floor,
            uploader_id=g.user.id,
        )
    except UploadError as exc:
        flash(str(exc))
        return redirect(url_for("survey.index"))
    return redirect(url_for("survey.preview", sha256=stored.sha256, floor=floor or None))


def integer_arg_form(name: str) -> int:
    raw = request.form.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) < 2**31:
        raise FeatureNotFound("building_not_found", f"no building {raw}", id=raw)
    return int(raw)


def _own_upload(sha256: str) -> Upload:
    found = find_upload(_var_dir(), sha256)
    if found is None or not (found.uploader_id == g.user.id or has_role("admin")):
        raise NotFound()
    building_summary(get_session(), found.building_id, current_scope())
    return found


def _options() -> dict[str, str]:
    return {k: (request.values.get(k) or "").strip() for k in OPTION_KEYS}


@bp.get("/uploads/<sha256>")
def preview(sha256: str) -> str | tuple[str, int]:
    found = _own_upload(sha256)
    chosen = _options()
    chosen["floor"] = chosen["floor"] or found.floor
    building = building_summary(get_session(), found.building_id, current_scope())
    context: dict[str, Any] = {
        "upload": found,
        "building": building,
        "chosen": chosen,
        "units": list(UNIT_FACTORS),
        "profiles": available_profiles(),
    }
    try:
        result = analyse(found, options_from(chosen))
    except (UploadError, ValueError, UnreadableDrawing) as exc:
        return render_template("survey/preview.html", error=str(exc), **context), 400
    floors = plan_features(result)
    names = [f["name"] for f in floors]
    floor_index = _floor_index(names, chosen["floor"])
    diff = trial_load(
        get_session(),
        found,
        result,
        floor=chosen["floor"],
        transform=None,
        actor=g.user.username,
        keep=False,
    )
    source = result.source
    page = {
        "floors": floors,
        "floor_index": floor_index,
        "georef_url": url_for("survey.georef", sha256=found.sha256),
        "buildings_url": url_for("api.layer", name="buildings"),
        "building_id": found.building_id,
        "base_map_url": current_app.config["GIS_SETTINGS"].base_map_url,
        "colours": _use_colours(),
    }
    return render_template(
        "survey/preview.html",
        error=None,
        result=result,
        units_info=source.units,
        layers=sorted(result.drawing.layers)[:200],
        room_layers=result.room_layers or (),
        entries=report_entries(result),
        floor_names=names,
        floor_index=floor_index,
        room_count=result.room_count,
        diff=diff,
        page=page,
        **context,
    )


def _use_colours() -> dict[str, str]:
    return dict(ROOM_USE_COLOURS)


def _floor_index(names: list[str | None], wanted: str) -> int:
    for i, name in enumerate(names):
        if wanted and name == wanted:
            return i
    return 0


@bp.post("/uploads/<sha256>/georef")
def georef(sha256: str) -> Response | tuple[Response, int]:
    """``{"points": [[plan_x, plan_y, lon, lat], ...], "method": "auto|similarity|affine"}``."""
    found = _own_upload(sha256)
    body = request.get_json(silent=True) or {}
    try:
        transform = control_transform(_json_points(body), body.get("method", "auto"))
        if transform is None:
            raise UploadError(translate("georef_need_points"))
        result = analyse(found, options_from(body.get("options") or {}))
        floors = [f.name for f in result.floors]
        index = _floor_index(floors, str((body.get("options") or {}).get("floor") or ""))
        return jsonify(describe_fit(transform, result, index))
    except (UploadError, ValueError, UnreadableDrawing) as exc:
        return jsonify({"error": {"code": "georef", "status": 400, "message": str(exc)}}), 400


def _json_points(body: dict[str, Any]) -> str:
    return json.dumps(body.get("points") or [])


@bp.post("/uploads/<sha256>/submit")
def submit(sha256: str) -> Response:
    found = _own_upload(sha256)
    chosen = _options()
    session = get_session()
    back = url_for("survey.preview", sha256=sha256, **{k: v for k, v in chosen.items() if v})
    try:
        transform = control_transform(request.form.get("control_points"))
        result = analyse(found, options_from(chosen))
    except (UploadError, ValueError, UnreadableDrawing) as exc:
        flash(str(exc))
        return redirect(back)
    loaded = trial_load(
        session,
        found,
        result,
        floor=chosen["floor"] or found.floor,
        transform=transform,
        actor=g.user.username,
        keep=True,
    )
    if "error" in loaded:
        session.rollback()
        flash(loaded["error"])
        return redirect(back)
    if loaded["created"]:
        try:
            confirm_batch(
                session,
                loaded["batch_id"],
                Party.SURVEYOR.value,
                g.user.username,
                request.form.get("comment", "").strip()[:1000] or None,
            )
        except ReviewError as exc:
            session.rollback()
            flash(str(exc))
            return redirect(back)
    session.commit()
    flash(loaded["message"])
    return redirect(url_for("survey.batch", batch_id=loaded["batch_id"]))


def _visible_batch(batch_id: int) -> SurveyBatch:
    session = get_session()
    batch = session.get(SurveyBatch, batch_id)
    if batch is None or not visible_building_ids(session, current_scope(), {batch.building_id}):
        raise FeatureNotFound("batch_not_found", f"no batch {batch_id}", id=batch_id)
    return batch


@bp.get("/batches/<id:batch_id>")
def batch(batch_id: int) -> str:
    found = _visible_batch(batch_id)
    building = building_summary(get_session(), found.building_id, current_scope())
    decided = {c.party for c in found.confirmations}
    return render_template(
        "survey/batch.html",
        batch=found,
        building=building,
        svg=batch_svg(found),
        diff=batch_diff(found),
        report=found.report or {},
        parties=[p for p in _parties() if p.value not in decided],
        party_names=PARTY_NAMES,
    )


@bp.post("/batches/<id:batch_id>/decision")
def decide(batch_id: int) -> Response:
    found = _visible_batch(batch_id)
    allowed = {p.value for p in _parties()}
    party = request.form.get("party", "")
    if party not in allowed:
        raise Forbidden(translate("forbidden_party"))
    decision = request.form.get("decision")
    comment = request.form.get("comment", "").strip()[:1000] or None
    session = get_session()
    try:
        if decision == "confirm":
            outcome = confirm_batch(session, found.id, party, g.user.username, comment)
        elif decision == "reject":
            if not comment:
                raise ReviewError(translate("reject_needs_comment"))
            outcome = reject_batch(session, found.id, party, g.user.username, comment)
        else:
            raise ReviewError(translate("bad_decision"))
    except ReviewError as exc:
        session.rollback()
        flash(str(exc))
    else:
        session.commit()
        flash(outcome.message)
    return redirect(url_for("survey.batch", batch_id=found.id))
