"""The ``gis-app`` command line: one group per domain, calling the same services as the web.

The root group reads ``Settings`` once (or takes the one a test passes as ``obj``) and hands it
to every command through ``ctx.obj``. Known failures (database down, bad configuration, bad
input) end in one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

import click

from gis_app.config import ConfigError
from gis_app.config import Settings
from gis_app.vocab import USER_ROLES

__all__ = ["main", "root"]

LOGGER = logging.getLogger(__name__)

EXIT_USAGE = 2
"""Unusable input, arguments or environment (click uses 2 for usage errors too)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports a process ended by SIGINT."""


def _is_known_failure(exc: Exception) -> bool:
    """A failure with a message a user can act on: bad configuration, the cluster, the database.

    ``gis_app.cluster`` and ``gis_app.db`` (SQLAlchemy with it) are imported only by the
    commands that use them, so their failures are looked up there only once they are loaded:
    before, none of them can have been raised (and every command starts ~5 ms sooner).
    """
    known: tuple[type[Exception], ...] = (ConfigError,)
    cluster_module = sys.modules.get("gis_app.cluster")
    if cluster_module is not None:
        known += (cluster_module.ClusterError,)
    db_module = sys.modules.get("gis_app.db")
    if db_module is not None:
        known += (db_module.DatabaseUnavailable, db_module.SchemaOutOfDate)
    return isinstance(exc, known)


class GisAppGroup(click.Group):
    """A group that turns the known failures of any sub-command into one line and exit 2 (and
    Ctrl-C into one line and exit 130), and loads the feature packages' commands on first use
    (see ``FEATURE_COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *FEATURE_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in FEATURE_COMMANDS:
            command = _load_feature_command(cmd_name)
            self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        summaries = {name: summary for name, (_, summary) in FEATURE_COMMANDS.items()}
        format_lazy_commands(self, ctx, formatter, summaries)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1 (drawing errors)
            click.echo("gis-app: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            if not _is_known_failure(exc):
                raise
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
    from gis_app.db import open_database

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
    from gis_app.db import local_cluster
    from gis_app.db import open_database

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
    from gis_app.db import local_cluster
    from gis_app.db import open_database

    _require_embedded(settings, "start")
    open_database(settings)
    click.echo(f"private cluster running on {local_cluster(settings).socket_dir}")


@db.command("stop")
@click.pass_obj
def db_stop(settings: Settings) -> None:
    """Stop the private cluster."""
    from gis_app.db import local_cluster

    _require_embedded(settings, "stop")
    stopped = local_cluster(settings).stop()
    click.echo("stopped" if stopped else "was not running")


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Create PostGIS and bring the schema to the newest migration."""
    from gis_app.db import check_reachable
    from gis_app.db import current_revision
    from gis_app.db import get_engine
    from gis_app.db import open_database
    from gis_app.db import upgrade_schema

    if settings.embedded:
        engine = open_database(settings)  # the embedded database upgrades itself on open
    else:
        engine = get_engine(settings.database_url or "")
        check_reachable(engine)
        upgrade_schema(engine)
    click.echo(f"schema at {current_revision(engine)}")


def _require_embedded(settings: Settings, verb: str) -> None:
    if not settings.embedded:
        raise click.UsageError(
            f"GIS_APP_DATABASE_URL is set: `db {verb}` manages only the private cluster"
        )


# -- users -----------------------------------------------------------------------------------


@root.group()
def users() -> None:
    """Manage logins, roles and their jurisdiction."""


@users.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Display name (e.g. 张三).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(sorted(USER_ROLES)),
    help="Role; repeat for several.",
)
@click.option("--region", "region_code", help="12-digit region code of the jurisdiction.")
@click.option("--agency", "agency_id", type=int, help="Agency id of the jurisdiction.")
@click.option("--password", help="Password (default: generated and printed once).")
@click.option("--as", "actor", default=None, help="Who does this (for the audit log).")
@click.pass_obj
def users_add(
    settings: Settings,
    username: str,
    display_name: str,
    roles: tuple[str, ...],
    region_code: str | None,
    agency_id: int | None,
    password: str | None,
    actor: str | None,
) -> None:
    """Add a user with one or more roles within a region and/or an agency."""
    from gis_app import accounts
    from gis_app.db import session_scope

    secret = password or accounts.generate_password()
    grants = [accounts.RoleGrant(role, region_code, agency_id) for role in roles]
    try:
        with session_scope(settings) as session:
            accounts.create_user(
                session,
                username=username,
                display_name=display_name,
                password=secret,
                grants=grants,
                actor=actor or _os_user(),
            )
    except accounts.AccountError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"added {username}" + ("" if password else f" with password {secret}"))


@users.command("list")
@click.pass_obj
def users_list(settings: Settings) -> None:
    """List users with their roles and jurisdictions."""
    from gis_app import accounts
    from gis_app.db import session_scope

    with session_scope(settings) as session:
        for user in accounts.list_users(session):
            grants = ", ".join(
                r.role
                + (f"@{r.region_code}" if r.region_code else "")
                + (f"#agency{r.agency_id}" if r.agency_id else "")
                for r in user.roles
            )
            state = "active" if user.active else "disabled"
            click.echo(f"{user.username:20} {state:9} {user.display_name:12} {grants}")


@users.command("disable")
@click.argument("username")
@click.option("--as", "actor", default=None, help="Who does this (for the audit log).")
@click.pass_obj
def users_disable(settings: Settings, username: str, actor: str | None) -> None:
    """Disable a login (kept for the audit trail, never deleted)."""
    from gis_app import accounts
    from gis_app.db import session_scope

    try:
        with session_scope(settings) as session:
            accounts.disable_user(session, username, actor=actor or _os_user())
    except accounts.AccountError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"disabled {username}")


def _os_user() -> str:
    import getpass

    return getpass.getuser()


# -- feature command groups (only the CLI and app.py import the feature packages) ------------

FEATURE_COMMANDS = {
    "regions": (
        "survey_import.registry_commands:regions",
        "行政区划 (region tree, 12-digit statistical codes).",
    ),
    "footprints": (
        "survey_import.registry_commands:footprints",
        "院落与楼栋轮廓 (compound and building footprints).",
    ),
    "roster": (
        "survey_import.registry_commands:roster",
        "单位与人员名册, 房间使用与入驻 (agencies, people, room use, occupancy).",
    ),
    "survey": ("survey_import.commands:survey", "测绘图纸导入 (survey drawings: DXF floor plans)."),
    "analyze": (
        "gis_app.analysis.commands:analyze",
        "Check every rule of the standard and store the findings (one analysis run).",
    ),
    "standards": (
        "gis_app.analysis.commands:standards",
        "Show and edit the office-space standards (every edit is audited).",
    ),
    "plan": (
        "gis_app.analysis.plan_commands:plan",
        "Reallocation (调剂) scenarios: idle rooms matched to who is short of space.",
    ),
    "report": (
        "gis_app.reports.commands:report",
        "Write report NAME of a region and year to an Excel (or CSV) file.",
    ),
    "serve": (
        "web.commands:serve",
        "Serve the map UI (threaded development server; put a reverse proxy in front).",
    ),
}
"""Commands of the feature packages (where each is, and the first paragraph of its help),
imported only when used: a command then loads only the libraries it needs (a survey dry run
needs no database driver, Flask or openpyxl), and ``gis-app --help`` none of them (2 s)."""


def _load_feature_command(name: str) -> click.Command:
    import importlib

    module_name, _, attribute = FEATURE_COMMANDS[name][0].partition(":")
    command: click.Command = getattr(importlib.import_module(module_name), attribute)
    return command


def format_lazy_commands(
    group: click.Group,
    ctx: click.Context,
    formatter: click.HelpFormatter,
    summaries: dict[str, str],
) -> None:
    """The "Commands" section of a group whose commands are loaded on first use: one not yet
    loaded is described by a stand-in carrying its summary (``summaries``)."""
    names = group.list_commands(ctx)
    limit = formatter.width - 6 - max(len(name) for name in names)
    rows = []
    for name in names:
        command = group.commands.get(name) or click.Command(name, help=summaries[name])
        if not command.hidden:
            rows.append((name, command.get_short_help_str(limit)))
    with formatter.section("Commands"):
        formatter.write_dl(rows)


# -- demo ------------------------------------------------------------------------------------

DEMO_ROLES = (
    ("surveyor", "demo-surveyor", "测绘员 张工", "region"),
    ("agency_manager", "demo-agency", "市财政局 办公室主任", "agency"),
    ("bureau_manager", "demo-bureau", "市机关事务管理局 王科长", "region"),
    ("planner", "demo-planner", "规划调剂 李工", "region"),
    ("admin", "demo-admin", "系统管理员", None),
)
DEMO_CITY = "371800000000"
DEMO_AGENCY = "明湖市财政局"
SURVEY_PARTIES = (
    ("surveyor", "测绘员 张工"),
    ("agency", "使用单位 李处长"),
    ("bureau", "机管局 王科长"),
)


@root.command()
@click.option("--serve/--no-serve", default=True, help="Serve the web UI afterwards.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Reference date of the sample's history (default today).",
)
@click.pass_context
def demo(ctx: click.Context, serve: bool, as_of: object) -> None:
    """Start the private database, load the sample city through the import commands, serve.

    The sample (明湖市: compounds, buildings, surveyed floors as DXF, a roster of 300+ people)
    is generated into var/sample, loaded only once and analysed, so the map and the planner
    show its findings; later runs reuse it.
    """
    settings: Settings = ctx.obj
    from sqlalchemy import func
    from sqlalchemy import select

    from gis_app import models
    from gis_app.db import session_scope

    with session_scope(settings) as session:
        loaded = session.scalar(select(func.count()).select_from(models.Compound))
    if loaded:
        click.echo(f"sample data already loaded ({loaded} compounds): reusing it")
    else:
        _load_sample(settings, as_of.date() if as_of else None)  # type: ignore[attr-defined]
    for line in _demo_logins(settings):
        click.echo(line)
    if serve:
        ctx.invoke(root.get_command(ctx, "serve"))  # type: ignore[arg-type]


def _load_sample(settings: Settings, as_of: object) -> None:
    """Generate the sample files and feed them to the same commands a user would run."""
    import hashlib
    import shutil

    from sqlalchemy import select

    from gis_app import models
    from gis_app import sampledata
    from gis_app.db import session_scope

    out = settings.var_dir / "sample"
    shutil.rmtree(out, ignore_errors=True)
    manifest = sampledata.generate(out, as_of=as_of)  # type: ignore[arg-type]
    click.echo(f"sample city generated in {out} (as of {manifest['as_of']})")
    _run(settings, "regions", "import", str(out / "regions.csv"), "--as", "demo")
    _run(settings, "footprints", "import", str(out / "compounds.geojson"), "--as", "demo")
    _run(settings, "footprints", "import", str(out / "buildings.gpkg"), "--as", "demo")
    with click.progressbar(manifest["floors"], label="surveyed floors", file=sys.stderr) as floors:
        for floor in floors:
            path = out / floor["file"]
            _run(
                settings,
                "survey",
                "import",
                str(path),
                "--building",
                floor["building"],
                "--floor",
                floor["floor"],
                "--as",
                SURVEY_PARTIES[0][1],
            )
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            with session_scope(settings) as session:
                batch_id = session.scalar(
                    select(models.SurveyBatch.id)
                    .join(models.Building, models.Building.id == models.SurveyBatch.building_id)
                    .where(
                        models.SurveyBatch.sha256 == sha256,
                        models.Building.code == floor["building"],
                    )
                    .order_by(models.SurveyBatch.id.desc())
                )
            for party, person in SURVEY_PARTIES:
                _run(settings, "survey", "confirm", str(batch_id), "--party", party, "--as", person)
    _run(settings, "roster", "import", str(out / "roster.xlsx"), "--as", "demo")
    _run(settings, "analyze", "--as-of", manifest["as_of"], "--no-list")
    _create_demo_users(settings)


def _run(settings: Settings, *args: str) -> None:
    """Invoke a gis-app command in this process; a failure stops the demo with its exit code."""
    import contextlib
    import io

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = root.main(list(args), prog_name="gis-app", obj=settings, standalone_mode=False)
    if code not in (None, 0):
        click.echo(captured.getvalue(), err=True)
        raise click.ClickException(f"`gis-app {' '.join(args[:2])}` failed with exit code {code}")
    LOGGER.info("gis-app %s: ok", " ".join(args[:2]))


def _create_demo_users(settings: Settings) -> None:
    """One login per role, passwords kept in var/demo-logins.txt (readable by root only)."""
    from sqlalchemy import select

    from gis_app import accounts
    from gis_app import models
    from gis_app.db import session_scope

    lines = []
    with session_scope(settings) as session:
        agency_id = session.scalar(
            select(models.Agency.id).where(models.Agency.name == DEMO_AGENCY)
        )
        for role, username, display_name, jurisdiction in DEMO_ROLES:
            password = accounts.generate_password()
            grant = accounts.RoleGrant(
                role,
                region_code=DEMO_CITY if jurisdiction == "region" else None,
                agency_id=agency_id if jurisdiction == "agency" else None,
            )
            accounts.create_user(
                session,
                username=username,
                display_name=display_name,
                password=password,
                grants=[grant],
                actor="demo",
            )
            lines.append(f"{USER_ROLES[role]:10} {username:15} {password}")
    logins = settings.var_dir / "demo-logins.txt"
    logins.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logins.chmod(0o600)


def _demo_logins(settings: Settings) -> list[str]:
    logins = settings.var_dir / "demo-logins.txt"
    if not logins.is_file():
        return []
    return ["demo logins (role, user, password):", *logins.read_text(encoding="utf-8").splitlines()]


def main() -> NoReturn:
    """Console-script entry point: a last guard so no command ever ends in a traceback."""
    # numpy's OpenBLAS starts a thread per core when imported, and they spin ~30 ms of CPU,
    # in a survey import while its forked reader needs that core; the commands' linear algebra
    # is a few small fits, which OpenBLAS runs on one thread anyway
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        root.main(prog_name="gis-app", standalone_mode=True)
    except SystemExit as exc:
        _leave(exc.code)
    except KeyboardInterrupt:
        click.echo("gis-app: interrupted", err=True)
        _leave(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the user gets one line; the log has the rest
        LOGGER.debug("unexpected failure", exc_info=True)
        click.echo(f"gis-app: internal error: {type(exc).__name__}: {exc}", err=True)
        _leave(70)
    _leave(0)


def _leave(code: int | str | None) -> NoReturn:
    """End the process once the command is done, without the interpreter's teardown.

    Tearing down SQLAlchemy, GeoAlchemy2, ezdxf, pyproj and shapely module by module took
    0.4-0.5 s after a survey import had finished, time the user waited for nothing. By now the
    command has committed or rolled back; output and log handlers are flushed here; the kernel
    closes the files and the idle database connection (PostgreSQL takes that as a normal
    disconnect). Nothing in the project registers ``atexit`` work that this would skip.
    """
    if isinstance(code, str):  # sys.exit("message"): print it as the interpreter would
        click.echo(code, err=True)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing to save
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    main()
