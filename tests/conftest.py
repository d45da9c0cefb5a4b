"""Fixtures: one throwaway PostGIS cluster per test session, started by the app's own code.

* ``pg_cluster`` — the session's private cluster (temporary folder, no fsync).
* ``template_db`` — a database migrated once; every other database is cloned from it.
* ``db_session`` — a Session on a shared migrated database, inside a transaction that is rolled
  back after the test (code under test may commit: it commits a savepoint).
* ``database_url`` / ``settings`` — a fresh database cloned per test (about 0.1 s), for CLI,
  subprocess and web tests that need real commits.

A missing PostgreSQL or PostGIS fails the suite with a clear message; it never skips.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gis_app.cluster import ClusterError
from gis_app.cluster import LocalCluster
from gis_app.config import Settings
from gis_app.db import upgrade_schema

TEMPLATE_DB = "gis_template"
SHARED_DB = "gis_shared"
_clone_counter = itertools.count()


def _cluster_base() -> Path:
    """A folder the ``postgres`` user can enter (pytest's own temp folders are 0700)."""
    base = Path(tempfile.mkdtemp(prefix="gis-app-test-", dir="/tmp"))
    base.chmod(0o755)
    return base


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[LocalCluster]:
    base = _cluster_base()
    cluster = LocalCluster(base_dir=base, port=54400 + os.getpid() % 500, durable=False)
    try:
        cluster.ensure_running()
    except ClusterError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(
            f"PostgreSQL/PostGIS is required for the test suite and could not start: {exc}. "
            "Run the README's test command (make test), which installs it.",
            pytrace=False,
        )
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(pg_cluster: LocalCluster) -> str:
    try:
        pg_cluster.ensure_database(TEMPLATE_DB)
    except ClusterError as exc:
        pytest.fail(f"PostGIS is required for the test suite: {exc}", pytrace=False)
    engine = create_engine(pg_cluster.url(TEMPLATE_DB))
    upgrade_schema(engine)
    engine.dispose()
    return TEMPLATE_DB


@pytest.fixture(scope="session")
def shared_engine(pg_cluster: LocalCluster, template_db: str):  # noqa: ANN201
    pg_cluster.ensure_database(SHARED_DB, template=template_db)
    engine = create_engine(pg_cluster.url(SHARED_DB))
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(shared_engine) -> Iterator[Session]:  # noqa: ANN001
    """A Session whose every commit is a savepoint of one transaction rolled back afterwards."""
    connection = shared_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def database_url(pg_cluster: LocalCluster, template_db: str) -> Iterator[str]:
    """A fresh migrated database for this test alone, dropped afterwards."""
    name = f"gis_t{os.getpid()}_{next(_clone_counter)}"
    pg_cluster.ensure_database(name, template=template_db)
    try:
        yield pg_cluster.url(name)
    finally:
        from gis_app.db import get_engine

        get_engine(pg_cluster.url(name)).dispose()
        get_engine.cache_clear()
        pg_cluster.drop_database(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-key",
        testing=True,
    )


@pytest.fixture(scope="session")
def demo_settings(
    pg_cluster: LocalCluster, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A database loaded once per session by `gis-app demo --no-serve` (the sample city through
    the real import commands); tests must only read it."""
    from click.testing import CliRunner

    from gis_app.cli import root
    from gis_app.db import get_engine

    name = f"gis_demo{os.getpid()}"
    pg_cluster.ensure_database(name, template=template_db)
    url = pg_cluster.url(name)
    settings = Settings(
        database_url=url,
        var_dir=Path(tmp_path_factory.mktemp("demo")) / "var",
        secret_key="test-secret-key",
        testing=True,
    )
    settings.var_dir.mkdir(parents=True)
    result = CliRunner().invoke(root, ["demo", "--no-serve"], obj=settings)
    assert result.exit_code == 0, result.output
    try:
        yield settings
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def demo_manifest(demo_settings: Settings) -> dict:
    import json

    return json.loads((demo_settings.var_dir / "sample" / "manifest.json").read_text("utf-8"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    import ezdxf
    import shapely

    return [f"GEOS (shapely) {shapely.geos_version_string}, ezdxf {ezdxf.__version__}"]
