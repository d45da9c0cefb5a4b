"""``gis-app report NAME --region CODE --year YYYY -o FILE.xlsx|.csv``."""

from __future__ import annotations

from pathlib import Path

import click

from gis_app.analysis.commands import refusing_bad_input
from gis_app.analysis.context import build_context
from gis_app.config import Settings
from gis_app.db import session_scope
from gis_app.reports.excel import write_csv
from gis_app.reports.excel import write_xlsx
from gis_app.reports.tables import REPORTS
from gis_app.reports.tables import build_report
from gis_app.reports.tables import report_as_of

__all__ = ["report"]


@click.command("report")
@click.argument("name", type=click.Choice(sorted(REPORTS)))
@click.option("--region", "region_code", required=True, help="12位行政区划代码")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="统计年度")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出文件 (.xlsx, 单表报告也可 .csv)",
)
@click.pass_obj
@refusing_bad_input
def report(settings: Settings, name: str, region_code: str, year: int, output: Path) -> None:
    """Write report NAME of a region and year to an Excel (or CSV) file."""
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise click.BadParameter("输出文件应为 .xlsx 或 .csv", param_hint="-o")
    title, builders = REPORTS[name]
    if suffix == ".csv" and len(builders) > 1:
        singles = ", ".join(n for n, (_, b) in sorted(REPORTS.items()) if len(b) == 1)
        raise click.BadParameter(
            f"{name} 含 {len(builders)} 张表, 只能导出为 .xlsx (可导出 CSV 的报告: {singles})",
            param_hint="-o",
        )
    if not output.parent.is_dir():
        raise click.BadParameter(f"目录不存在: {output.parent}", param_hint="-o")
    with session_scope(settings) as session:
        ctx = build_context(session, settings, as_of=report_as_of(year), region_code=region_code)
        tables = build_report(session, ctx, name)
        subtitle = f"{ctx.region.name if ctx.region else ''} {region_code} {year}年度"
        if suffix == ".csv":
            write_csv(tables[0], output)
        else:
            write_xlsx(tables, output, subtitle=subtitle)
    rows = sum(len(t.rows) for t in tables)
    click.echo(f"{title}: {len(tables)} 张表, {rows} 行 -> {output}")
