"""``gis-app regions|footprints|roster import``: the registry imports on the command line.

Exit codes: 0 = imported (warnings allowed); 1 = data errors, printed row by row, and nothing
written (with ``--partial``: the good rows were written); 2 = unusable input or arguments, one
line. Every change is audited under ``--as USER`` (default: the OS user).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path

import click

from gis_app.config import Settings
from gis_app.db import session_scope
from gis_app.registry import Tally
from gis_app.report import ImportReport
from survey_import.tabular import InputRefused

__all__ = ["footprints", "regions", "roster"]

EXIT_DATA_ERRORS = 1
EXIT_UNUSABLE = 2


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


_as_option = click.option(
    "--as",
    "actor",
    default=None,
    metavar="USER",
    help="记入审计日志的操作人 (默认: 当前系统用户)",
)
_format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="报告格式",
)
_partial_option = click.option(
    "--partial", is_flag=True, help="有错误时仍导入无误的行 (默认: 有任何错误则不写入)"
)


def _refuse(message: str) -> None:
    click.echo(f"gis-app: {message}", err=True)
    raise click.exceptions.Exit(EXIT_UNUSABLE)


def _finish(
    what: str,
    report: ImportReport,
    tally: Tally,
    *,
    rows: int,
    written: bool,
    output_format: str,
) -> None:
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "import": what,
                    "rows": rows,
                    "written": written,
                    "changes": tally.to_dict(),
                    "report": report.to_dict(),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for line in report.lines():
            click.echo(line)
        if written:
            click.echo(f"{what}: {rows} 行, {tally.line()}")
        else:
            click.echo(
                f"{what}: {len(report.errors)} 处错误, 未写入任何数据 "
                "(改正后重新导入, 或用 --partial 只导入无误的行)"
            )
    if report.has_errors:
        raise click.exceptions.Exit(EXIT_DATA_ERRORS)


def _run_import(settings: Settings, what: str, output_format: str, importer: Callable) -> None:
    """Run one import in one session; roll back whatever it did when it wrote nothing."""
    try:
        with session_scope(settings) as session:
            result = importer(session)
            if not result.written:
                session.rollback()
    except InputRefused as exc:
        _refuse(str(exc))
        return
    _finish(
        what,
        result.report,
        result.tally,
        rows=result.rows,
        written=result.written,
        output_format=output_format,
    )


# -- regions ---------------------------------------------------------------------------------


@click.group()
def regions() -> None:
    """行政区划 (region tree, 12-digit statistical codes)."""


@regions.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@_partial_option
@_as_option
@_format_option
@click.pass_obj
def regions_import(
    settings: Settings, path: Path, partial: bool, actor: str | None, output_format: str
) -> None:
    """导入区划 CSV (代码,名称,级别,上级代码)."""
    from survey_import.regions import import_regions

    who = actor or _default_actor()
    _run_import(
        settings,
        "区划",
        output_format,
        lambda session: import_regions(session, path, actor=who, partial=partial),
    )


# -- footprints ------------------------------------------------------------------------------


@click.group()
def footprints() -> None:
    """院落与楼栋轮廓 (compound and building footprints)."""


@footprints.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["compound", "building"]),
    default=None,
    help="院落 (compound) 或楼栋 (building); 默认按属性列判断",
)
@click.option("--crs", default=None, metavar="EPSG:XXXX", help="坐标系, 覆盖或补充文件声明的")
@click.option("--name-field", default=None, metavar="F", help="名称所在的属性列")
@click.option("--code-field", default=None, metavar="F", help="编码所在的属性列")
@click.option("--layer", default=None, metavar="L", help="图层名 (GeoPackage/DXF 多图层时)")
@click.option("--region", default=None, metavar="CODE", help="属性中无行政区划代码时使用")
@_partial_option
@_as_option
@_format_option
@click.pass_obj
def footprints_import(
    settings: Settings,
    path: Path,
    kind: str | None,
    crs: str | None,
    name_field: str | None,
    code_field: str | None,
    layer: str | None,
    region: str | None,
    partial: bool,
    actor: str | None,
    output_format: str,
) -> None:
    """导入院落或楼栋轮廓 (GeoJSON, Shapefile/.zip, GeoPackage, DXF)."""
    from survey_import.footprints import FootprintOptions
    from survey_import.footprints import import_footprints

    options = FootprintOptions(
        kind=kind,
        crs=crs,
        name_field=name_field,
        code_field=code_field,
        layer=layer,
        region_code=region,
    )
    who = actor or _default_actor()
    _run_import(
        settings,
        "轮廓",
        output_format,
        lambda session: import_footprints(session, path, options, actor=who, partial=partial),
    )


# -- roster ----------------------------------------------------------------------------------


@click.group()
def roster() -> None:
    """单位与人员名册, 房间使用与入驻 (agencies, people, room use, occupancy)."""


@roster.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@_partial_option
@_as_option
@_format_option
@click.pass_obj
def roster_import(
    settings: Settings, path: Path, partial: bool, actor: str | None, output_format: str
) -> None:
    """导入名册 xlsx (单位/人员/房间/入驻记录 各表) 或单表 CSV."""
    from survey_import.roster import import_roster

    who = actor or _default_actor()
    _run_import(
        settings,
        "名册",
        output_format,
        lambda session: import_roster(session, path, actor=who, partial=partial),
    )
