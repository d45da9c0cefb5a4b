"""Database access in one place: engine, sessions, the declarative base, schema upgrades.

With ``GIS_APP_DATABASE_URL`` unset the app uses its private cluster (``gis_app.cluster``),
starting it when needed and keeping its schema at the newest migration. With the URL set it
uses that server and never starts one; the schema is then upgraded only by
``gis-app db upgrade`` (a web process never migrates a shared database by itself).
"""

from __future__ import annotations

import ast
import functools
import logging
import re
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
    "committed",
    "current_revision",
    "get_engine",
    "head_revision",
    "local_cluster",
    "new_session",
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
    revision = current_revision(engine)  # also the reachability check: one connection
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
        raise _unavailable(engine, exc) from None


def _unavailable(engine: Engine, exc: OperationalError) -> DatabaseUnavailable:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return DatabaseUnavailable(
        f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {reason}"
    )


@contextmanager
def session_scope(settings: Settings, engine: Engine | None = None) -> Iterator[Session]:
    """A session for one command or request: committed once at the end, rolled back on error.

    ``engine``: what :func:`open_database` already returned for ``settings`` (a command that
    opened the database early), so that its checks are not made twice."""
    with committed(new_session(engine or open_database(settings))) as session:
        yield session


def new_session(engine: Engine) -> Session:
    """A session on ``engine`` whose objects stay readable after the commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)()


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """``session`` committed at the end of the block, rolled back on error, closed either way
    (a command that began its session before it knew it would write: ``survey import``)."""
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


@functools.cache
def head_revision() -> str:
    """The newest migration, from the scripts' ``revision``/``down_revision`` assignments.

    Every command that opens the database asks; Alembic would import itself and every migration
    for it (~0.2 s of a command's start-up), where reading four small files takes a millisecond.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values = _module_constants(script)
        revisions.add(values["revision"])
        down = values.get("down_revision")
        parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    assert len(heads) == 1, f"migrations must have one head, found {sorted(heads)}"
    return heads.pop()


_REVISION_ASSIGNMENT = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE
)
"""A module-level ``revision = "0005"`` or ``down_revision: str | None = "0004"`` line."""


def _module_constants(path: Path) -> dict[str, object]:
    """The first top-level ``revision`` and ``down_revision`` assignments (literals) of a
    migration script. A regular expression, not ``ast.parse``: parsing the scripts cost ~27 ms
    of CPU in a fresh process, where the two lines of each are all that is wanted."""
    found: dict[str, object] = {}
    for name, value in _REVISION_ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
        found.setdefault(name, ast.literal_eval(value))
    return found


def current_revision(engine: Engine) -> str | None:
    """The schema's migration as Alembic recorded it (None for an empty database), asked with a
    plain query: Alembic's migration context costs more to import than the database to answer."""
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT to_regclass('alembic_version')")) is None:
                return None
            versions = conn.scalars(text("SELECT version_num FROM alembic_version")).all()
    except OperationalError as exc:
        raise _unavailable(engine, exc) from None
    return " ".join(sorted(versions)) or None


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations (PostGIS is created by the first one)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)
