"""Login, logout and the guard in front of every other page and API.

Every request except the login page and static files needs a logged-in user: a page redirects
to the login page (and back afterwards), an ``/api`` call or a ``/tiles`` tile gets 401. The
user, their roles and their :class:`~gis_app.accounts.Scope` are loaded once per request into
``g``; views pass ``g.scope`` to the services so nothing outside the user's jurisdiction is
ever read.

Sessions expire after ``Settings.session_minutes`` without a request. Failed logins are
counted by :func:`gis_app.accounts.authenticate`, which locks the account for a while.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.exceptions import Forbidden
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from gis_app.accounts import ROLES
from gis_app.accounts import LoginRefused
from gis_app.accounts import Scope
from gis_app.accounts import authenticate
from gis_app.accounts import scope_of
from gis_app.models import AppUser
from web.csrf import new_token
from web.database import get_session
from web.errors import wants_machine_answer
from web.i18n import translate

__all__ = ["bp", "current_scope", "has_role", "init_app", "require_roles"]

LOGGER = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "vendor.vendor"})
ASSET_ENDPOINTS = frozenset({"static", "vendor.vendor"})
"""Files for anyone: no user is loaded for them (three queries less per script or style a page
loads) and fetching one does not count as activity that keeps a session alive."""
USER_KEY = "uid"
SEEN_KEY = "seen"


def current_scope() -> Scope:
    """The logged-in user's jurisdiction (the guard guarantees one on every private view)."""
    return g.scope


def has_role(*roles: str) -> bool:
    return bool(g.get("roles", frozenset()) & set(roles))


def require_roles(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only users holding one of ``roles`` (admins always) may call the view; others get 403."""
    allowed = set(roles) | {"admin"}

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not has_role(*allowed):
                raise Forbidden(translate("forbidden_role"))
            return view(*args, **kwargs)

        return guarded

    return decorate


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, not ``//host``) may follow a login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def _load_user() -> None:
    g.user = None
    g.roles = frozenset()
    user_id = session.get(USER_KEY)
    if user_id is None:
        return
    minutes = current_app.config["GIS_SETTINGS"].session_minutes
    now = time.time()
    if now - float(session.get(SEEN_KEY, 0)) > minutes * 60:
        session.clear()
        g.session_expired = True
        return
    user = get_session().get(AppUser, user_id)
    if user is None or not user.active:
        session.clear()
        return
    session[SEEN_KEY] = now
    session.permanent = True
    g.user = user
    g.roles = frozenset(grant.role for grant in user.roles)
    g.scope = scope_of(get_session(), user)


def _guard() -> Response | None:
    if request.endpoint in ASSET_ENDPOINTS:
        return None
    _load_user()
    if g.user is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    expired = g.get("session_expired", False)
    if wants_machine_answer():
        raise Unauthorized(translate("session_expired" if expired else "login_required"))
    if expired:
        flash(translate("session_expired"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    target = _safe_next(request.values.get("next"))
    if g.user is not None and request.method == "GET":
        return redirect(target or url_for("map.index"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        db = get_session()
        try:
            user = authenticate(db, username, password)
        except LoginRefused as exc:
            db.commit()  # the failure count and any lock must be kept
            LOGGER.info("login refused for %r: %s", username, exc.reason)
            error = translate("login_locked" if exc.reason == "locked" else "login_failed")
        else:
            db.commit()
            session.clear()  # no fixation: a new session, a new CSRF token
            session[USER_KEY] = user.id
            session[SEEN_KEY] = time.time()
            session.permanent = True
            new_token()
            LOGGER.info("user %s logged in", user.username)
            return redirect(target or url_for("map.index"))
    status = 401 if error else 200
    return render_template(
        "auth/login.html", error=error, username=username, next=target or ""
    ), status


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash(translate("logged_out"))
    return redirect(url_for("auth.login"))


def _template_context() -> dict[str, Any]:
    user = g.get("user")
    if user is None:
        return {"current_user": None, "role_names": []}
    names = [translate(f"role.{role}") for role in ROLES if role in g.roles]
    return {"current_user": user, "role_names": names}


def init_app(app: Flask) -> None:
    app.before_request(_guard)
    app.context_processor(_template_context)
    app.jinja_env.globals.update(has_role=has_role)
    app.register_blueprint(bp)
