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

from gis_app.app import create_app
from gis_app.cluster import LocalCluster
from gis_app.config import Settings
from gis_app.db import get_engine
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city


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
        yield url, insert_into(url, insert_city)
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


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A fresh client (and cookie jar) per test on the module's app."""
    return app.test_client()


@pytest.fixture
def empty_client(settings: Settings) -> FlaskClient:
    """An app on a migrated database holding nothing."""
    return create_app(settings).test_client()
