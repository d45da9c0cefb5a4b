"""CSRF protection for every form and every script that writes: a per-session token.

The token lives in the (signed) session and goes out in each page's ``<meta name="csrf-token">``
and in every form as a hidden ``csrf_token`` field. Any request that may change something
(POST, PUT, PATCH, DELETE) must send it back, as that field or as the ``X-CSRF-Token`` header;
otherwise it is refused with 400 before the view runs. Comparison is constant-time.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask
from flask import request
from flask import session
from markupsafe import Markup
from markupsafe import escape
from werkzeug.exceptions import BadRequest

from web.i18n import translate

__all__ = ["FIELD", "HEADER", "csrf_field", "csrf_token", "init_app", "new_token"]

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def new_token() -> str:
    """A fresh token (on login, so a token seen before the login is worthless after it)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def csrf_token() -> str:
    return session.get(SESSION_KEY) or new_token()


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token())}">')


def _check() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise BadRequest(translate("csrf_failed"))


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=csrf_field)
