"""The ``gis-app`` command line: one group per domain, calling the same services as the web.

The root group reads ``Settings`` once (or takes the one a test passes as ``obj``) and hands it
to every command through ``ctx.obj``. Known failures (database down, bad configuration, bad
input) end in one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import logging
import sys

import click

from gis_app.cluster import ClusterError
from gis_app.config import ConfigError
from gis_app.config import Settings
from gis_app.db import DatabaseUnavailable
from gis_app.db import SchemaOutOfDate
from gis_app.db import local_cluster
from gis_app.db import open_database
from gis_app.db import upgrade_schema

__all__ = ["main", "root"]

LOGGER = logging.getLogger(__name__)

EXIT_USAGE = 2
"""Unusable input, arguments or environment (click uses 2 for usage errors too)."""

KNOWN_FAILURES = (ClusterError, ConfigError, DatabaseUnavailable, SchemaOutOfDate)


class GisAppGroup(click.Group):
    """A group that turns the known failures of any sub-command into one line and exit 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KNOWN_FAILURES as exc:
            click.echo(f"gis-app: {exc}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=GisAppGroup)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def root(ctx: click.Context, verbose: int) -> None:
    """办公用房一张图 (Office Space GIS): survey import, registry, analysis and the map UI."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if ctx.obj is None:
        try:
            ctx.obj = Settings.from_env()
        except ConfigError as exc:
            click.echo(f"gis-app: {exc}", err=True)
            ctx.exit(EXIT_USAGE)


# -- config ----------------------------------------------------------------------------------


@root.group()
def config() -> None:
    """Show and check the configuration."""


@config.command("check")
@click.pass_obj
def config_check(settings: Settings) -> None:
    """Print the live settings (secrets masked) and check the database can be reached."""
    for key, value in settings.describe().items():
        click.echo(f"{key:24} {value}")
    open_database(settings)
    click.echo("database                 ok")


# -- db --------------------------------------------------------------------------------------


@root.group()
def db() -> None:
    """Manage the database (the private cluster under var/, or the server of the URL)."""


@db.command("status")
@click.pass_obj
def db_status(settings: Settings) -> None:
    """Say where the database is and whether it runs."""
    if not settings.embedded:
        click.echo(f"external database: {settings.describe()['database_url']}")
        open_database(settings)
        click.echo("reachable, schema up to date")
        return
    for key, value in local_cluster(settings).status().items():
        click.echo(f"{key:12} {value}")


@db.command("start")
@click.pass_obj
def db_start(settings: Settings) -> None:
    """Create and start the private cluster (no-op when it runs or a URL is set)."""
    _require_embedded(settings, "start")
    open_database(settings)
    click.echo(f"private cluster running on {local_cluster(settings).socket_dir}")


@db.command("stop")
@click.pass_obj
def db_stop(settings: Settings) -> None:
    """Stop the private cluster."""
    _require_embedded(settings, "stop")
    stopped = local_cluster(settings).stop()
    click.echo("stopped" if stopped else "was not running")


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Create PostGIS and bring the schema to the newest migration."""
    if settings.embedded:
        engine = open_database(settings)  # the embedded database upgrades itself on open
    else:
        from gis_app.db import check_reachable
        from gis_app.db import get_engine

        engine = get_engine(settings.database_url or "")
        check_reachable(engine)
        upgrade_schema(engine)
    from gis_app.db import current_revision

    click.echo(f"schema at {current_revision(engine)}")


def _require_embedded(settings: Settings, verb: str) -> None:
    if not settings.embedded:
        raise click.UsageError(
            f"GIS_APP_DATABASE_URL is set: `db {verb}` manages only the private cluster"
        )


# -- feature command groups (only the CLI and app.py import the feature packages) ------------


def _register_feature_commands(group: click.Group) -> None:
    """Add each feature package's command group (imported here, never from the kernel)."""


_register_feature_commands(root)


def main() -> None:
    """Console-script entry point: a last guard so no command ever ends in a traceback."""
    try:
        root.main(prog_name="gis-app", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("gis-app: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the user gets one line; the log has the rest
        LOGGER.debug("unexpected failure", exc_info=True)
        click.echo(f"gis-app: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
