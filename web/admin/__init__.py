"""Administration (admins only, guarded once for the whole blueprint): users and their roles."""

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

from gis_app.accounts import ROLES
from gis_app.accounts import AccountError
from gis_app.accounts import RoleGrant
from gis_app.accounts import create_user
from gis_app.accounts import disable_user
from gis_app.accounts import list_users
from web.auth import has_role
from web.database import get_session
from web.i18n import translate

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not has_role("admin"):
        raise Forbidden(translate("forbidden_role"))


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "admin/users.html", users=list_users(get_session()), roles=ROLES, error=error
    ), status


@bp.get("/users")
def users() -> tuple[str, int]:
    return _page()


@bp.post("/users")
def add_user() -> Response | tuple[str, int]:
    form = request.form
    agency = form.get("agency_id", "").strip()
    if agency and not (agency.isascii() and agency.isdigit() and int(agency) < 2**31):
        return _page(translate("bad_agency_id"), 400)
    grant = RoleGrant(
        form.get("role", ""),
        region_code=form.get("region_code", "").strip() or None,
        agency_id=int(agency) if agency else None,
    )
    session = get_session()
    try:
        user = create_user(
            session,
            username=form.get("username", ""),
            display_name=form.get("display_name", "").strip(),
            password=form.get("password", ""),
            grants=[grant],
            actor=g.user.username,
        )
    except AccountError as exc:
        session.rollback()
        return _page(str(exc), 400)
    session.commit()
    flash(translate("user_added", name=user.username))
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>/disable")
def disable(username: str) -> Response | tuple[str, int]:
    session = get_session()
    if username == g.user.username:
        return _page(translate("cannot_disable_self"), 400)
    try:
        disable_user(session, username, actor=g.user.username)
    except AccountError as exc:
        session.rollback()
        return _page(str(exc), 404)
    session.commit()
    flash(translate("user_disabled", name=username))
    return redirect(url_for("admin.users"))
