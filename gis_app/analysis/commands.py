"""``gis-app analyze``, ``gis-app standards ...`` and ``gis-app plan ...``.

Each command opens one session, calls the services and commits once. Bad input (an unknown
region, a rank outside its row, a 1999 figure) ends in one clear line and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from gis_app.analysis.context import RULE_TITLES
from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import build_context
from gis_app.analysis.run import run_analysis
from gis_app.config import Settings
from gis_app.db import session_scope
from gis_app.ranks import RANKS
from gis_app.standards.store import StandardsError
from gis_app.standards.store import active_version
from gis_app.standards.store import limit_table
from gis_app.standards.store import set_k
from gis_app.standards.store import set_limit
from gis_app.standards.store import set_service_index
from gis_app.standards.store import version_by_code

__all__ = ["register"]

LOGGER = logging.getLogger(__name__)
DATE = click.DateTime(formats=["%Y-%m-%d"])
EXIT_BAD_INPUT = 2


def actor_name() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def refusing_bad_input(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the services' input errors into one line on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (AnalysisError, StandardsError) as exc:
            click.echo(f"gis-app: {exc}", err=True)
            raise SystemExit(EXIT_BAD_INPUT) from None

    return wrapper


def _as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@click.command("analyze")
@click.option("--region", "region_code", help="12位行政区划代码: 只分析该区划及其下级")
@click.option("--agency", "agency_id", type=int, help="只分析一个单位 (单位 id)")
@click.option("--as-of", type=DATE, help="按哪一天的状态分析 (默认今天), YYYY-MM-DD")
@click.option("--list/--no-list", "show", default=True, help="逐条列出发现的问题")
@click.pass_obj
@refusing_bad_input
def analyze(
    settings: Settings,
    region_code: str | None,
    agency_id: int | None,
    as_of: dt.datetime | None,
    show: bool,
) -> None:
    """Check every rule of the standard and store the findings (one analysis run)."""
    with session_scope(settings) as session:
        ctx = build_context(
            session, settings, as_of=_as_date(as_of), region_code=region_code, agency_id=agency_id
        )
        run = run_analysis(session, ctx, actor=actor_name())
        summary = run.summary
        click.echo(
            f"分析 #{run.id}: {ctx.as_of} 标准 {ctx.version.code} ({ctx.version.document}), "
            f"范围 {region_code or '全部'}{f' 单位 {agency_id}' if agency_id else ''}"
        )
        click.echo(f"发现问题 {summary['findings']} 项")
        for rule, count in summary["by_rule"].items():
            click.echo(f"  规则 {int(rule):2d} {RULE_TITLES[int(rule)]}: {count}")
        click.echo(f"人员办公室超标面积合计 {summary['office_excess_m2']:.2f} m²")
        click.echo(
            f"闲置超过 {ctx.idle_threshold_months} 个月的面积 {summary['idle_flagged_m2']:.2f} m²"
        )
        if show:
            for finding in sorted(run.findings, key=lambda f: (f.rule, f.kind, f.id)):
                click.echo(f"  [{finding.rule}:{finding.kind}] {finding.message}")


# -- standards -------------------------------------------------------------------------------


@click.group("standards")
def standards() -> None:
    """Show and edit the office-space standards (every edit is audited)."""


@standards.command("show")
@click.option("--version", "code", help="标准版本 (默认启用的版本)")
@click.option("--province", help="两位省级代码: 显示该省的乡级标准和服务用房指标")
@click.pass_obj
@refusing_bad_input
def standards_show(settings: Settings, code: str | None, province: str | None) -> None:
    """Print the 表3 limits, K and the service index of a version."""
    with session_scope(settings) as session:
        version = version_by_code(session, code) if code else active_version(session)
        state = "启用" if version.active else "仅用于识别旧数据"
        click.echo(f"{version.title} {version.document} [{version.code}, {state}]")
        click.echo(
            f"K: 多层 {version.k_multi_storey:.0%}, 高层 {version.k_high_rise:.0%}; "
            f"设备用房 {version.equipment_ratio:.0%}; 卫生间上限 {version.toilet_cap_m2:.2f} m²"
        )
        limits = limit_table(session, version, province)
        for category, ranks in RANKS.items():
            values = [
                f"{r} {limits[(str(category), r)]:g}" for r in ranks if (str(category), r) in limits
            ]
            click.echo(f"{category}: {'、'.join(values) if values else '未设定'}")


@standards.command("set-limit")
@click.argument("category")
@click.argument("rank")
@click.argument("limit_m2", type=float)
@click.option("--province", help="两位省级代码 (乡级标准必填)")
@click.option("--allow-legacy", is_flag=True, help="确认使用与1999年标准相同的数值")
@click.pass_obj
@refusing_bad_input
def standards_set_limit(
    settings: Settings,
    category: str,
    rank: str,
    limit_m2: float,
    province: str | None,
    allow_legacy: bool,
) -> None:
    """Set CATEGORY's RANK limit to LIMIT_M2 m² (乡级: per province)."""
    with session_scope(settings) as session:
        row = set_limit(
            session,
            category=category,
            rank=rank,
            limit_m2=limit_m2,
            province_code=province,
            actor=actor_name(),
            allow_legacy=allow_legacy,
        )
        click.echo(
            f"{row.category} {row.rank} = {row.limit_m2:.2f} m²"
            f"{f' (省 {row.province_code})' if row.province_code else ''}"
        )


@standards.command("set-service-index")
@click.argument("category")
@click.argument("m2_per_person", type=float)
@click.option("--province", help="两位省级代码 (不填为全国)")
@click.option("--min-staff", type=int, default=0, show_default=True, help="编制人数下限")
@click.pass_obj
@refusing_bad_input
def standards_set_service_index(
    settings: Settings, category: str, m2_per_person: float, province: str | None, min_staff: int
) -> None:
    """Set the 服务用房 index of CATEGORY to M2_PER_PERSON m² per 编制."""
    with session_scope(settings) as session:
        row = set_service_index(
            session,
            category=category,
            m2_per_person=m2_per_person,
            province_code=province,
            min_staff=min_staff,
            actor=actor_name(),
        )
        click.echo(
            f"{row.category} 服务用房 {row.m2_per_person:.2f} m²/人 (编制 ≥ {row.min_staff})"
        )


@standards.command("set-k")
@click.argument("multi_storey", type=float)
@click.argument("high_rise", type=float)
@click.option("--allow-legacy", is_flag=True, help="确认使用1999年标准的系数")
@click.pass_obj
@refusing_bad_input
def standards_set_k(
    settings: Settings, multi_storey: float, high_rise: float, allow_legacy: bool
) -> None:
    """Set the usable-area coefficients K (e.g. 0.65 0.60)."""
    with session_scope(settings) as session:
        version = set_k(
            session,
            k_multi_storey=multi_storey,
            k_high_rise=high_rise,
            actor=actor_name(),
            allow_legacy=allow_legacy,
        )
        click.echo(f"K: 多层 {version.k_multi_storey:.0%}, 高层 {version.k_high_rise:.0%}")


def register(group: click.Group) -> None:
    """Attach the analysis, standards and planning commands to the root group."""
    from gis_app.analysis.plan_commands import plan

    group.add_command(analyze)
    group.add_command(standards)
    group.add_command(plan)
