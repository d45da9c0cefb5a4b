"""``gis-app survey ...``: import a surveyed DXF drawing (dry run or into a draft survey batch).

Exit codes are part of the interface: 0 imported (warnings allowed), 1 the drawing has errors
(report still printed, nothing written), 2 unusable input or arguments (one line on stderr; with
``--format json`` also a JSON report on stdout). Whatever the file, no traceback reaches the user:
unexpected failures are logged at DEBUG (``gis-app -vv``) and summarised in one line.
"""

from __future__ import annotations

import codecs
import dataclasses
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import click

from gis_app.report import ImportReport
from survey_import.dxf_units import normalise_unit
from survey_import.profiles import ProfileError
from survey_import.profiles import available_profiles
from survey_import.profiles import load_profile

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from gis_app.config import Settings
    from survey_import.load import FloorContext
    from survey_import.pipeline import SurveyOptions
    from survey_import.pipeline import SurveyResult

__all__ = ["survey"]

LOGGER = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_DRAWING_ERRORS = 1
EXIT_UNUSABLE = 2


OVERLAP_MAX_BYTES = 100 * 1024 * 1024
"""Drawings up to this size are read in a forked child while the database opens (about a
second saved). Beyond it they are read in-process first: the second is a few per cent of such
an import, and two processes at the reader's peak would cost about 250 MB more (a 200 MB
drawing: 1.8 GB instead of 1.6 GB)."""


class _Unusable(Exception):
    """Input or arguments the command cannot work with (exit 2)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[_Unusable], tuple[str, str]]:
        return type(self), (self.code, self.message)  # it crosses from the analysis child


REVIEW_COMMANDS = {
    "batches": "List survey batches, newest first, with who has confirmed.",
    "show": "Show a batch: its file, georeference, confirmations and the per-room diff.",
    "confirm": "Confirm a draft batch for one party; the third confirmation makes it live.",
    "reject": "Reject a draft batch: it never goes live.",
    "export": (
        "Write the floor's live rooms as DXF (mm) with room IDs in XDATA, for the next survey."
    ),
    "history": "Show the floor's rooms as they were on a date.",
}
"""The review commands (``review_commands.py``) with their one-line help: they need the ORM and
the DXF writer, so they are imported only when one of them runs (``survey import`` and
``survey --help`` start without them)."""


class SurveyGroup(click.Group):
    """``survey``: ``import`` is defined here, the review commands are loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *REVIEW_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in REVIEW_COMMANDS and cmd_name not in self.commands:
            from survey_import.review_commands import register

            register(self)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from gis_app.cli import format_lazy_commands  # loaded already when run as gis-app

        format_lazy_commands(self, ctx, formatter, REVIEW_COMMANDS)


@click.group("survey", cls=SurveyGroup)
def survey() -> None:
    """测绘图纸导入 (survey drawings: DXF floor plans)."""


@survey.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--dry-run", is_flag=True, help="只读取和检查图纸，不写数据库。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式。",
)
@click.option("--profile", help=f"图层配置：{', '.join(available_profiles())} 或 .toml 文件路径。")
@click.option("--room-layer", "room_layers", multiple=True, help="房间图层（通配符，可重复）。")
@click.option("--label-layer", "label_layers", multiple=True, help="标注图层（通配符，可重复）。")
@click.option("--units", help="图纸单位（mm/cm/m/in/ft），覆盖图纸声明和自动推断。")
@click.option("--encoding", help="文字编码（如 gbk、big5、cp932），覆盖 $DWGCODEPAGE。")
@click.option("--building", "building_ref", help="楼栋 ID 或编码（写入数据库时必填）。")
@click.option("--floor", "floor_name", help="楼层名称（如 3F、B1）；图中有多个楼层时可省略。")
@click.option("--as", "actor", help="操作人（默认当前系统用户）。")
@click.pass_context
def import_command(
    ctx: click.Context,
    path: Path,
    dry_run: bool,
    fmt: str,
    profile: str | None,
    room_layers: tuple[str, ...],
    label_layers: tuple[str, ...],
    units: str | None,
    encoding: str | None,
    building_ref: str | None,
    floor_name: str | None,
    actor: str | None,
) -> None:
    """Import the DXF drawing PATH (导入测绘 DXF 图纸)."""
    from survey_import.pipeline import SurveyOptions
    from survey_import.pipeline import paused_gc

    # The whole command without the cyclic collector: it is short-lived, and once a drawing is
    # read every full collection walks its millions of objects (importing the database side
    # after reading a 200 MB drawing took 6 s of collections). Reading and building pause it
    # for every caller; this covers the rest of the command too.
    with paused_gc():
        logging.getLogger("ezdxf").setLevel(
            logging.DEBUG if LOGGER.isEnabledFor(logging.DEBUG) else logging.ERROR
        )
        settings = ctx.obj
        opened: _OpenedDatabase | Exception | None = None
        try:
            _check_arguments(path, dry_run, profile, units, encoding, building_ref)
            options = SurveyOptions(
                profile=profile,
                room_layers=room_layers,
                label_layers=label_layers,
                units=units,
                encoding=encoding,
            )
            if dry_run or path.stat().st_size > OVERLAP_MAX_BYTES:
                result = _analyse_with_progress(path, options, fmt)
            else:
                if settings is None:
                    from gis_app.config import Settings

                    settings = Settings.from_env()
                result, opened = _analyse_while_opening_database(
                    path, options, fmt, settings, building_ref, floor_name
                )
        except _Unusable as exc:
            _fail_unusable(fmt, exc.code, exc.message)
            return
        try:
            _report_and_load(ctx, settings, opened, result, dry_run, fmt, path, building_ref,
                             floor_name, actor)  # fmt: skip
        finally:
            if isinstance(opened, _OpenedDatabase):
                opened.close()


def _report_and_load(
    ctx: click.Context,
    settings: Settings,
    opened: _OpenedDatabase | Exception | None,
    result: SurveyResult,
    dry_run: bool,
    fmt: str,
    path: Path,
    building_ref: str | None,
    floor_name: str | None,
    actor: str | None,
) -> None:
    """Print what was read; unless it is a dry run or the drawing has errors, store it.

    When storing, what was read is rendered (text, or the JSON contract) while the database
    takes the rooms (the load's ``meanwhile``): rendering 10,000 rooms costs 7 ms as text and
    45 ms as JSON, time the COPY spends waiting for the server anyway."""
    from survey_import.pipeline import result_to_contract

    def render() -> str:
        if fmt == "json":
            return json.dumps(result_to_contract(result), ensure_ascii=False)
        return _text_report(result)

    has_errors = result.report.has_errors
    if dry_run or has_errors:
        click.echo(render())
        if has_errors:
            if not dry_run:
                click.echo(
                    "图纸有错误，未写入数据库 (drawing has errors; nothing stored).", err=True
                )
            ctx.exit(EXIT_DRAWING_ERRORS)
        return

    if isinstance(opened, Exception):
        if fmt == "text":
            click.echo(render())
        raise opened
    rendered: list[str] = []
    try:
        outcome = _load(
            settings,
            opened,
            result,
            building_ref,
            floor_name,
            path,
            actor,
            meanwhile=lambda: rendered.append(render()),
        )
    except _Unusable as exc:
        if fmt == "text":
            click.echo(rendered[0] if rendered else render())
        _fail_unusable(fmt, exc.code, exc.message)
        return
    (output,) = rendered  # made while the rooms were stored, before the commit
    if fmt == "json":
        load = json.dumps(_outcome_to_dict(outcome), ensure_ascii=False, default=str)
        click.echo(_json_with(output, "load", load))
    else:
        click.echo(output)
        click.echo(f"\n{outcome.message}")
        for line in outcome.report.lines():
            click.echo(f"  {line}")


def _json_with(document: str, key: str, value: str) -> str:
    """The JSON object ``document`` with ``key``: ``value`` (JSON text) added last, as
    ``json.dumps`` would have written it."""
    return f"{document[:-1]}, {json.dumps(key)}: {value}}}"


def _check_arguments(
    path: Path,
    dry_run: bool,
    profile: str | None,
    units: str | None,
    encoding: str | None,
    building_ref: str | None,
) -> None:
    if units is not None:
        try:
            normalise_unit(units)
        except ValueError as exc:
            raise _Unusable("BAD_UNITS", str(exc)) from exc
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise _Unusable("BAD_ENCODING", f"未知的字符编码 --encoding {encoding}") from exc
    if profile is not None:
        try:
            load_profile(profile)
        except ProfileError as exc:
            raise _Unusable("BAD_PROFILE", str(exc)) from exc
    if not dry_run and not building_ref:
        raise _Unusable(
            "BUILDING_REQUIRED",
            "写入数据库需要 --building（楼栋 ID 或编码），或使用 --dry-run 只做检查",
        )
    if not path.exists():
        raise _Unusable("FILE_NOT_FOUND", f"文件不存在：{path}")
    if not path.is_file():
        raise _Unusable("NOT_A_FILE", f"不是文件：{path}")


def _analyse_with_progress(path: Path, options: SurveyOptions, fmt: str) -> SurveyResult:
    show = sys.stderr.isatty()
    try:
        if not show:
            return _analyse(path, options)
        with click.progressbar(
            length=1000, label="读取图纸", file=sys.stderr, show_eta=False
        ) as bar:
            state = {"done": 0}

            def progress(fraction: float) -> None:
                target = int(min(max(fraction, 0.0), 1.0) * 1000)
                if target > state["done"]:
                    bar.update(target - state["done"])
                    state["done"] = target

            return _analyse(path, dataclasses.replace(options, progress=progress))
    except KeyboardInterrupt:
        raise _Unusable("INTERRUPTED", "已中断 (interrupted)") from None


def _analyse_while_opening_database(
    path: Path,
    options: SurveyOptions,
    fmt: str,
    settings: Settings,
    building_ref: str | None,
    floor_name: str | None,
) -> tuple[SurveyResult, _OpenedDatabase | Exception]:
    """Analyse the drawing in a forked child while this process opens the database.

    The database side (SQLAlchemy, GeoAlchemy2, the models, pyproj, the connection and schema
    check, perhaps starting the private cluster) takes about a second and the drawing none of
    it, so on two cores the two overlap (see :mod:`survey_import.handoff`); the load's
    transaction begins then too and reads the floor's context ahead. The opened database is
    returned, or the failure to open it, to be raised where loading would have met it: a
    drawing with errors still gets its report and exit 1 first, as without the overlap.
    """
    from survey_import.handoff import AnalysisChild
    from survey_import.handoff import ChildFailed

    opened: _OpenedDatabase | Exception | None = None
    try:
        try:
            with AnalysisChild.start(lambda: _analyse_with_progress(path, options, fmt)) as child:
                opened = _open_database(settings)
                if isinstance(opened, _OpenedDatabase):
                    opened.read_ahead(building_ref, floor_name, path)
                return child.result(), opened
        except BaseException:
            if isinstance(opened, _OpenedDatabase):
                opened.close()
            raise
    except KeyboardInterrupt:
        raise _Unusable("INTERRUPTED", "已中断 (interrupted)") from None
    except ChildFailed as exc:
        if exc.killed:
            raise _Unusable("OUT_OF_MEMORY", f"{path.name}: {exc}") from exc
        raise _Unusable("INTERNAL_ERROR", f"{path.name}: {exc}") from exc


def _open_database(settings: Settings) -> _OpenedDatabase | Exception:
    """Import the database side of the load and open the database; or the failure."""
    try:
        from sqlalchemy.orm import configure_mappers

        from gis_app.db import open_database
        from survey_import import load  # noqa: F401 - imported now, while the child reads

        engine = open_database(settings)
        configure_mappers()
    except Exception as exc:  # noqa: BLE001 - raised again where the load would meet it
        return exc
    return _OpenedDatabase(engine)


class _OpenedDatabase:
    """The database opened while the child reads the drawing, and the load's session, begun
    then too: what the load will read of the floor is read ahead in its transaction."""

    def __init__(self, engine: Engine) -> None:
        from gis_app.db import new_session

        self.session = new_session(engine)
        self.ahead: tuple[int, FloorContext] | Exception | None = None

    def read_ahead(self, building_ref: str | None, floor_name: str | None, path: Path) -> None:
        """Read the floor's context (:func:`survey_import.load.read_floor_context`) when the
        command names the floor by its storey; a failure is kept for the load to raise."""
        from survey_import.dxf_read import file_sha256
        from survey_import.load import floor_ordinal
        from survey_import.load import read_floor_context
        from survey_import.load import resolve_building

        name = floor_name.strip() if floor_name else None
        ordinal = floor_ordinal(name) if name else None
        if building_ref is None or name is None or ordinal is None:
            return  # the drawing's floor title decides: read when the result is in
        try:
            building_id = resolve_building(self.session, building_ref)
            # the file is hashed here too (~4 ms, while the child still builds) so that the
            # query for a batch this very file made is not left for after the hand-over
            context = read_floor_context(
                self.session, building_id, name, ordinal, path, file_sha256(path)
            )
            self.ahead = (building_id, context)
        except Exception as exc:  # noqa: BLE001 - raised again where the load would meet it
            self.ahead = exc

    def close(self) -> None:
        """End the session; a transaction the load did not commit is rolled back."""
        self.session.close()


def _analyse(path: Path, options: SurveyOptions) -> SurveyResult:
    from survey_import.dxf_sniff import UnreadableDrawing
    from survey_import.pipeline import analyse_survey

    try:
        return analyse_survey(path, options)
    except UnreadableDrawing as exc:
        raise _Unusable(exc.code, exc.message) from exc
    except (ValueError, ProfileError) as exc:
        LOGGER.debug("survey import rejected its input", exc_info=True)
        raise _Unusable("BAD_INPUT", f"{path.name}: {exc}") from exc
    except MemoryError as exc:
        raise _Unusable("OUT_OF_MEMORY", f"{path.name}: 内存不足，图纸过大") from exc
    except RecursionError as exc:
        LOGGER.debug("recursion while reading", exc_info=True)
        raise _Unusable("DXF_TOO_DEEP", f"{path.name}: 图纸结构嵌套过深，无法读取") from exc
    except Exception as exc:  # noqa: BLE001 - never a traceback; the log keeps it
        LOGGER.debug("unexpected failure importing %s", path, exc_info=True)
        raise _Unusable(
            "INTERNAL_ERROR",
            f"{path.name}: 读取图纸时发生内部错误（{type(exc).__name__}: {exc}）；"
            "用 gis-app -vv 查看详情",
        ) from exc


def _fail_unusable(fmt: str, code: str, message: str) -> None:
    from survey_import.pipeline import report_to_contract

    click.echo(f"gis-app survey import: {message}", err=True)
    if fmt == "json":
        report = ImportReport()
        report.error(code, message)
        click.echo(json.dumps({"report": report_to_contract(report)}, ensure_ascii=False))
    raise click.exceptions.Exit(EXIT_UNUSABLE)


def _load(
    settings: Settings,
    opened: _OpenedDatabase | None,
    result: SurveyResult,
    building_ref: str | None,
    floor_name: str | None,
    path: Path,
    actor: str | None,
    meanwhile: Callable[[], object],
) -> Any:
    """Store the result as a draft survey batch in one transaction (all or nothing), doing
    ``meanwhile`` while the rooms go in: before the commit, so that failing there stores
    nothing."""
    from gis_app.db import committed
    from gis_app.db import session_scope
    from survey_import.load import LoadError
    from survey_import.load import load_survey
    from survey_import.load import resolve_building

    assert building_ref is not None  # checked by _check_arguments
    transaction = session_scope(settings) if opened is None else committed(opened.session)
    ahead = None if opened is None else opened.ahead
    try:
        with transaction as session:
            if isinstance(ahead, Exception):
                raise ahead
            building_id, context = ahead or (resolve_building(session, building_ref), None)
            return load_survey(
                session,
                result,
                building_id=building_id,
                floor_name=floor_name,
                source_path=path,
                actor=actor or _current_user(),
                context=context,
                meanwhile=meanwhile,
            )
    except LoadError as exc:
        raise _Unusable("LOAD_REJECTED", str(exc)) from exc


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return os.environ.get("USER", "unknown")


def _outcome_to_dict(outcome: Any) -> dict[str, Any]:
    from survey_import.pipeline import report_to_contract

    return {
        "batch_id": outcome.batch_id,
        "created": outcome.created,
        "status": str(outcome.status),
        "building_id": outcome.building_id,
        "floor_name": outcome.floor_name,
        "rooms": outcome.rooms,
        "changes": dict(outcome.changes),
        "message": outcome.message,
        "report": report_to_contract(outcome.report),
    }


def _text_report(result: SurveyResult) -> str:
    """What was read: the source, every floor's rooms, the report (echoed in one write: an
    echo per room cost ~0.1 s on a 10,000-room floor)."""
    from survey_import.pipeline import source_to_contract

    src = source_to_contract(result.source)
    units = src["units"]
    out = [
        f"文件 {src['file']}  sha256 {src['sha256'][:12]}…",
        f"DXF {src['dxf_version'] or '未知版本'}  编码 {src['encoding'] or '-'}"
        f"  单位 {units['used']}"
        f"（声明 {units['declared'] or '无'}{'，推断' if units['inferred'] else ''}）",
    ]
    for floor in result.floors:
        total = sum(room.area_m2 for room in floor.rooms)
        out.append(
            f"\n楼层 {floor.name or '（未命名）'}：{len(floor.rooms)} 个房间，合计 {total:.2f} m²"
        )
        for room in floor.rooms:
            label = " ".join(x for x in (room.number, room.name) if x) or "（无标注）"
            use = f" [{room.use}]" if room.use else ""
            out.append(f"  {label}{use}  {room.area_m2:.2f} m²  图层 {room.layer}")
    lines = result.report.lines()
    if lines:
        out.append("\n报告 (report):")
        out.extend(f"  {line}" for line in lines)
    return "\n".join(out)
