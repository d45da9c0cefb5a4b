"""The Flask application factory: a table of contents of ``register_*`` steps.

No app exists at import time; ``create_app(settings)`` builds one for the settings given
(tests pass their own). Start-up fails loudly when the database cannot be reached or the
front-end assets are not installed, instead of serving broken pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path

from flask import Flask

from gis_app.config import Settings
from gis_app.db import open_database
from web import assets
from web import auth
from web import converters
from web import csrf
from web import database
from web import delivery
from web import errors
from web import i18n
from web.admin import bp as admin_bp
from web.api import bp as api_bp
from web.dashboard import bp as dashboard_bp
from web.map import bp as map_bp
from web.planner import bp as planner_bp
from web.reports import bp as reports_bp
from web.search import bp as search_bp
from web.survey import bp as survey_bp
from web.survey.work import MAX_UPLOAD_BYTES

__all__ = ["create_app"]

LOGGER = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings if settings is not None else Settings.from_env()
    app = Flask(
        "web",
        root_path=str(WEB_DIR),
        template_folder="templates",
        static_folder="static",
    )
    register_config(app, settings)
    register_assets(app)
    register_database(app, settings)
    register_i18n(app, settings)
    register_security(app)
    register_routing(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_config(app: Flask, settings: Settings) -> None:
    app.config.update(
        GIS_SETTINGS=settings,
        TESTING=settings.testing,
        SECRET_KEY=_secret_key(settings),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_REFRESH_EACH_REQUEST=True,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES + 1024 * 1024,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]


def register_assets(app: Flask) -> None:
    assets.init_app(app)
    delivery.init_app(app)


def register_database(app: Flask, settings: Settings) -> None:
    database.init_app(app, open_database(settings))


def register_i18n(app: Flask, settings: Settings) -> None:
    i18n.init_app(app, settings.language)


def register_security(app: Flask) -> None:
    """Login guard first (every later step sees ``g.user`` and ``g.scope``), then CSRF."""
    auth.init_app(app)
    csrf.init_app(app)


def register_routing(app: Flask) -> None:
    converters.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(map_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(planner_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def _secret_key(settings: Settings) -> str:
    """The configured key, else one generated once and kept in ``var/secret_key`` (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.var_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    LOGGER.info("generated a secret key in %s", path)
    return key
