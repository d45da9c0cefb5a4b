"""Database access in one place: engine, sessions, the declarative base, schema upgrades.

With ``GIS_APP_DATABASE_URL`` unset the app uses its private cluster (``gis_app.cluster``),
starting it when needed and keeping its schema at the newest migration. With the URL set it
uses that server and never starts one; the schema is then upgraded only by
``gis-app db upgrade`` (a web process never migrates a shared database by itself).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from gis_app.cluster import ClusterError
from gis_app.cluster import LocalCluster
from gis_app.config import Settings

__all__ = [
    "Base",
    "DatabaseUnavailable",
    "SchemaOutOfDate",
    "current_revision",
    "get_engine",
    "head_revision",
    "local_cluster",
    "open_database",
    "session_scope",
    "upgrade_schema",
]

LOGGER = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every model."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message is one line a user can act on."""


class SchemaOutOfDate(RuntimeError):
    """The database schema is behind the code; ``gis-app db upgrade`` fixes it."""


def local_cluster(settings: Settings) -> LocalCluster:
    return LocalCluster(base_dir=settings.var_dir, port=settings.pg_port, pg_bin=settings.pg_bin)


@functools.cache
def get_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL and process."""
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def open_database(settings: Settings) -> Engine:
    """An engine for the configured database, ready to use: reachable and at the newest schema.

    Embedded: starts the private cluster, creates the database and upgrades it when needed.
    External: only checks, and says what to do when the server is down or the schema is old.
    """
    if settings.embedded:
        cluster = local_cluster(settings)
        try:
            cluster.ensure_running()
            cluster.ensure_database(settings.db_name)
        except ClusterError as exc:
            raise DatabaseUnavailable(f"private PostgreSQL cluster: {exc}") from exc
        engine = get_engine(cluster.url(settings.db_name))
        if current_revision(engine) != head_revision():
            upgrade_schema(engine)
        return engine
    engine = get_engine(settings.database_url or "")
    check_reachable(engine)
    revision = current_revision(engine)
    if revision != head_revision():
        raise SchemaOutOfDate(
            f"database schema is at {revision or 'nothing'}, code needs {head_revision()}: "
            "run `gis-app db upgrade`"
        )
    return engine


def check_reachable(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session for one command or request: committed once at the end, rolled back on error."""
    engine = open_database(settings)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(engine: Engine):  # noqa: ANN202 - alembic's Config is untyped here
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations (PostGIS is created by the first one)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)
