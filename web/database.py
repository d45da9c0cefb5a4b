"""One SQLAlchemy Session per request, opened on first use and closed at teardown.

Nothing is committed here: a view whose service writes commits once, at the end of its work;
whatever a request left uncommitted is rolled back when the session closes.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

__all__ = ["get_session", "init_app"]

EXTENSION = "gis_app.sessionmaker"


def get_session() -> Session:
    """The request's session."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions[EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
