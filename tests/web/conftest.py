"""Web fixtures: apps on real PostGIS databases holding the tiny city of ``cityfixture``.

The read-only page and API tests share one city database and app per module (pages never
write); tests that change data or need other settings build their own from ``settings``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gis_app.accounts import RoleGrant
from gis_app.accounts import create_user
from gis_app.app import create_app
from gis_app.cluster import LocalCluster
from gis_app.config import Settings
from gis_app.db import get_engine
from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city
from tests.web.cityfixture import insert_users
from tests.web.htmltools import csrf_token

DEFAULT_USER = "lixia"
"""The bureau manager of 历下区, the county holding the tiny city's compound."""


def insert_into(url: str, fill) -> object:  # noqa: ANN001 - fill(session) -> anything
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return fill(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def city_database(
    request: pytest.FixtureRequest, pg_cluster: LocalCluster, template_db: str
) -> Iterator[tuple[str, City]]:
    name = f"gis_web{os.getpid()}_{request.module.__name__.rsplit('.', 1)[-1]}"[:63]
    pg_cluster.ensure_database(name, template=template_db)
    url = pg_cluster.url(name)
    try:
        city = insert_into(url, insert_city)
        insert_into(url, insert_users)
        yield url, city
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        pg_cluster.drop_database(name)


@pytest.fixture(scope="module")
def city(city_database: tuple[str, City]) -> City:
    return city_database[1]


@pytest.fixture(scope="module")
def city_settings(
    city_database: tuple[str, City], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        database_url=city_database[0],
        var_dir=Path(tmp_path_factory.mktemp("var")),
        secret_key="test-secret-key",
        testing=True,
    )


@pytest.fixture(scope="module")
def app(city_settings: Settings) -> Flask:
    return create_app(city_settings)


_SESSIONS: dict[tuple[int, str], str] = {}
"""Session cookies of logged-in users per app: a password hash is checked once per module."""


def login(client: FlaskClient, username: str, password: str = PASSWORD):  # noqa: ANN201
    """Log in through the login form (CSRF token and all); the response of the POST."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )


def logged_in(app: Flask, username: str) -> FlaskClient:
    """A fresh client holding ``username``'s session."""
    client = app.test_client()
    key = (id(app), username)
    if key not in _SESSIONS:
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        _SESSIONS[key] = client.get_cookie("session").value
    else:
        client.set_cookie("session", _SESSIONS[key])
    return client


def post_form(client: FlaskClient, url: str, data: dict | None = None, **kwargs):  # noqa: ANN003, ANN201
    """POST a form with the CSRF token of the client's session."""
    page = client.get("/search")
    if page.status_code != 200:
        page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A fresh client per test, logged in as the bureau manager of 历下区."""
    return logged_in(app, DEFAULT_USER)


@pytest.fixture
def empty_client(settings: Settings) -> FlaskClient:
    """An app on a migrated database holding nothing but an administrator."""

    def admin_only(session: Session) -> None:
        create_user(
            session,
            username="admin",
            display_name="admin",
            password=PASSWORD,
            grants=[RoleGrant("admin")],
            actor="test",
        )
        session.commit()

    insert_into(settings.database_url, admin_only)
    return logged_in(create_app(settings), "admin")
