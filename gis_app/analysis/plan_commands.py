"""``gis-app plan create|show|apply``: reallocation scenarios from the command line."""

from __future__ import annotations

import datetime as dt

import click

from gis_app.analysis.commands import DATE
from gis_app.analysis.commands import actor_name
from gis_app.analysis.commands import refusing_bad_input
from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import build_context
from gis_app.analysis.models import Scenario
from gis_app.analysis.planner import apply_scenario
from gis_app.analysis.planner import plan_reallocation
from gis_app.config import Settings
from gis_app.db import session_scope

__all__ = ["plan"]


@click.group("plan")
def plan() -> None:
    """Reallocation (调剂) scenarios: idle rooms matched to who is short of space."""


def _show(scenario: Scenario) -> None:
    summary, effect = scenario.summary, scenario.effect
    click.echo(
        f"方案 #{scenario.id} {scenario.name} [{scenario.status}] {scenario.region_code} "
        f"{scenario.as_of}: {summary['moves']} 项调整, {summary['area_m2']:.2f} m²"
    )
    for move in scenario.moves:
        who = f"人员 {move.person_id}" if move.person_id else f"单位 {move.agency_id}"
        click.echo(f"  {move.seq}. 房间 {move.room_id} -> {who}: {move.reason}")
    click.echo(
        f"问题 {effect['before']} -> {effect['after']}: 消除 {len(effect['resolved'])}, "
        f"新增 {len(effect['added'])}, 变化 {len(effect['changed'])}"
    )
    for item in effect["resolved"]:
        click.echo(f"  消除 [{item['kind']}] {item['message']}")
    for item in effect["added"]:
        click.echo(f"  新增 [{item['kind']}] {item['message']}")


@plan.command("create")
@click.option("--region", "region_code", required=True, help="12位行政区划代码")
@click.option("--name", default="调剂方案", show_default=True)
@click.option("--as-of", type=DATE, help="按哪一天的状态 (默认今天)")
@click.pass_obj
@refusing_bad_input
def plan_create(settings: Settings, region_code: str, name: str, as_of: dt.datetime | None) -> None:
    """Propose moves for a region and show their effect on the findings (nothing moves)."""
    with session_scope(settings) as session:
        ctx = build_context(
            session, settings, region_code=region_code, as_of=as_of.date() if as_of else None
        )
        _show(plan_reallocation(session, ctx, name=name, actor=actor_name()))


@plan.command("show")
@click.argument("scenario_id", type=int)
@click.pass_obj
@refusing_bad_input
def plan_show(settings: Settings, scenario_id: int) -> None:
    """Print a scenario, its moves and its effect."""
    with session_scope(settings) as session:
        scenario = session.get(Scenario, scenario_id)
        if scenario is None:
            raise AnalysisError(f"调剂方案 {scenario_id} 不存在")
        _show(scenario)


@plan.command("apply")
@click.argument("scenario_id", type=int)
@click.option("--on", type=DATE, help="调整生效日期 (默认今天)")
@click.pass_obj
@refusing_bad_input
def plan_apply(settings: Settings, scenario_id: int, on: dt.datetime | None) -> None:
    """Make a scenario's moves: occupancies and room assignments, audited."""
    with session_scope(settings) as session:
        scenario = apply_scenario(
            session, scenario_id, actor=actor_name(), on=on.date() if on else None
        )
        click.echo(f"方案 #{scenario.id} 已执行: {len(scenario.moves)} 项调整")
