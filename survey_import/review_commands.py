"""``gis-app survey batches|show|confirm|reject|export|history``: the review side of surveys.

The commands are attached to the ``survey`` group (``survey_import.commands``) when one of them
is first used. Each opens one session scope (committed at the end, rolled back on any error),
calls a service, and prints the result; a refused decision or a bad argument is one line on
stderr and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gis_app.config import Settings
from gis_app.db import session_scope
from survey_import.review import PARTY_NAMES
from survey_import.review import Party
from survey_import.review import ReviewError
from survey_import.review import ReviewOutcome
from survey_import.review import batch_diff
from survey_import.review import confirm_batch
from survey_import.review import find_floor
from survey_import.review import floor_as_of
from survey_import.review import get_batch
from survey_import.review import list_batches
from survey_import.review import reject_batch
from survey_import.writeback import WritebackError
from survey_import.writeback import export_floor_dxf

__all__ = ["REVIEW_COMMANDS", "register"]

EXIT_REFUSED = 2
CHANGE_NAMES = {
    "added": "新增",
    "removed": "删除",
    "reshaped": "形状变化",
    "renumbered": "编号变化",
    "unchanged": "未变",
}
PARTY_CHOICE = click.Choice([p.value for p in Party])


def _refuse(exc: Exception) -> None:
    click.echo(f"gis-app: {exc}", err=True)
    raise click.exceptions.Exit(EXIT_REFUSED)


def _parse_when(value: str | None, *, end_of_day: bool) -> dt.datetime | None:
    """A date (YYYY-MM-DD) or an ISO timestamp, in local time when no zone is given."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            clock = dt.time.max if end_of_day else dt.time.min
            return dt.datetime.combine(day, clock).astimezone()
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or ISO time") from None
    return moment if moment.tzinfo else moment.astimezone()


def _area(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} m²"


@click.command("batches")
@click.option("--building", "building_id", type=int, help="Only this building's batches.")
@click.option("--status", help="draft, confirmed, rejected or superseded.")
@click.pass_obj
def batches(settings: Settings, building_id: int | None, status: str | None) -> None:
    """List survey batches, newest first, with who has confirmed."""
    try:
        with session_scope(settings) as session:
            rows = list_batches(session, building_id=building_id, status=status)
            if not rows:
                click.echo("没有测绘批次 (no survey batches)")
            for batch in rows:
                decided = {c.party: c.decision for c in batch.confirmations}
                parties = " ".join(f"{p.value}:{decided.get(p.value, '-')}" for p in Party)
                counts = (batch.diff_summary or {}).get("counts", {})
                changes = " ".join(f"{k}={v}" for k, v in counts.items() if v)
                click.echo(
                    f"{batch.id:>5}  {batch.status:<10} 楼栋 {batch.building_id} "
                    f"{batch.floor_name or '?':<6} {batch.file_name}  {parties}  {changes}"
                )
    except ReviewError as exc:
        _refuse(exc)


def _batch_json(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.id,
        "status": batch.status,
        "building_id": batch.building_id,
        "floor_id": batch.floor_id,
        "floor_name": batch.floor_name,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "created_by": batch.created_by,
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
        "decided_at": batch.decided_at.isoformat() if batch.decided_at else None,
        "confirmations": [
            {
                "party": c.party,
                "actor": c.actor,
                "decision": c.decision,
                "comment": c.comment,
                "decided_at": c.decided_at.isoformat() if c.decided_at else None,
            }
            for c in sorted(batch.confirmations, key=lambda c: c.id)
        ],
        "georef": (batch.report or {}).get("georef"),
        "diff": batch_diff(batch),
        "rooms": [
            {
                "change": r.change,
                "room_id": r.matched_room_id,
                "number": r.number,
                "name": r.name,
                "use_category": r.use_category,
                "usable_area_m2": None if r.usable_area_m2 is None else round(r.usable_area_m2, 2),
                "derived": r.derived,
            }
            for r in sorted(batch.rooms, key=lambda r: r.id)
        ],
    }


@click.command("show")
@click.argument("batch_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def show(settings: Settings, batch_id: int, fmt: str) -> None:
    """Show a batch: its file, georeference, confirmations and the per-room diff."""
    try:
        with session_scope(settings) as session:
            data = _batch_json(get_batch(session, batch_id))
    except ReviewError as exc:
        _refuse(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"测绘批次 {data['id']}  状态 {data['status']}  楼栋 {data['building_id']} "
        f"楼层 {data['floor_name']}  文件 {data['file_name']}"
    )
    click.echo(f"导入 {data['created_by']} {data['created_at']}")
    georef = data["georef"] or {}
    click.echo(f"地理配准 {georef.get('method', '无 (none)')}  {georef.get('summary', '')}")
    for c in data["confirmations"]:
        comment = f"  “{c['comment']}”" if c["comment"] else ""
        click.echo(
            f"  {PARTY_NAMES[Party(c['party'])]} {c['decision']} {c['actor']} "
            f"{c['decided_at']}{comment}"
        )
    for room in data["rooms"]:
        rid = room["room_id"] if room["room_id"] is not None else "-"
        click.echo(
            f"  {CHANGE_NAMES.get(room['change'], room['change']):<5} id={rid:<6} "
            f"{room['number'] or '':<8} {room['name'] or '':<12} {_area(room['usable_area_m2'])}"
            + ("  (由墙线生成，待确认)" if room["derived"] else "")
        )


def _print_outcome(outcome: ReviewOutcome) -> None:
    click.echo(outcome.message)
    if outcome.live is not None:
        for ended in outcome.live.ended_occupancies:
            click.echo(
                f"  房间 {ended.room_number or ended.room_id} 已删除："
                f"{ended.person_name} 的使用记录已结束，请重新安排 (occupancy ended)"
            )
        for older in outcome.live.superseded_batches:
            click.echo(f"  批次 {older} 已被取代 (superseded)")


def _decide(
    settings: Settings,
    service: Callable[..., ReviewOutcome],
    batch_id: int,
    party: str,
    actor: str,
    comment: str | None,
    at: str | None,
) -> None:
    when = _parse_when(at, end_of_day=False)
    try:
        with session_scope(settings) as session:
            outcome = service(session, batch_id, party, actor, comment, at=when)
    except ReviewError as exc:
        _refuse(exc)
        return
    _print_outcome(outcome)


@click.command("confirm")
@click.argument("batch_id", type=int)
@click.option("--party", required=True, type=PARTY_CHOICE, help="surveyor, agency or bureau.")
@click.option("--as", "actor", required=True, help="Who confirms (name or user).")
@click.option("--comment", help="Remark recorded with the confirmation.")
@click.option("--at", "at", help="Backdate the decision (YYYY-MM-DD or ISO time).")
@click.pass_obj
def confirm(
    settings: Settings, batch_id: int, party: str, actor: str, comment: str | None, at: str | None
) -> None:
    """Confirm a draft batch for one party; the third confirmation makes it live."""
    _decide(settings, confirm_batch, batch_id, party, actor, comment, at)


@click.command("reject")
@click.argument("batch_id", type=int)
@click.option("--party", required=True, type=PARTY_CHOICE, help="surveyor, agency or bureau.")
@click.option("--as", "actor", required=True, help="Who rejects (name or user).")
@click.option("--comment", required=True, help="Why: the surveyor needs to know what to fix.")
@click.option("--at", "at", help="Backdate the decision (YYYY-MM-DD or ISO time).")
@click.pass_obj
def reject(
    settings: Settings, batch_id: int, party: str, actor: str, comment: str, at: str | None
) -> None:
    """Reject a draft batch: it never goes live."""
    _decide(settings, reject_batch, batch_id, party, actor, comment, at)


@click.command("export")
@click.option("--building", "building_id", type=int, required=True)
@click.option("--floor", "floor_name", required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def export(settings: Settings, building_id: int, floor_name: str, output: Path) -> None:
    """Write the floor's live rooms as DXF (mm) with room IDs in XDATA, for the next survey."""
    try:
        with session_scope(settings) as session:
            floor = find_floor(session, building_id, floor_name)
            outcome = export_floor_dxf(session, floor.id, output)
    except (ReviewError, WritebackError) as exc:
        _refuse(exc)
        return
    click.echo(f"已导出 {outcome.rooms} 间房到 {outcome.path} (room IDs in XDATA OFFICE_GIS)")


@click.command("history")
@click.option("--building", "building_id", type=int, required=True)
@click.option("--floor", "floor_name", required=True)
@click.option("--at", "at", required=True, help="Date (end of that day) or ISO time.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def history(settings: Settings, building_id: int, floor_name: str, at: str, fmt: str) -> None:
    """Show the floor's rooms as they were on a date."""
    when = _parse_when(at, end_of_day=True)
    assert when is not None
    try:
        with session_scope(settings) as session:
            floor = find_floor(session, building_id, floor_name)
            versions = floor_as_of(session, floor.id, when)
            rows = [
                {
                    "room_id": v.room_id,
                    "number": v.number,
                    "name": v.name,
                    "usable_area_m2": round(v.usable_area_m2, 2),
                    "survey_batch_id": v.survey_batch_id,
                    "valid_from": v.valid_from.isoformat(),
                    "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                }
                for v in versions
            ]
    except ReviewError as exc:
        _refuse(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    total = sum(r["usable_area_m2"] for r in rows)
    click.echo(f"楼栋 {building_id} 楼层 {floor_name} 于 {at}：{len(rows)} 间，共 {total:.2f} m²")
    for r in rows:
        click.echo(
            f"  id={r['room_id']:<6} {r['number'] or '':<8} {r['name'] or '':<12} "
            f"{_area(r['usable_area_m2'])}  批次 {r['survey_batch_id']}"
        )


REVIEW_COMMANDS = (batches, show, confirm, reject, export, history)


def register(group: click.Group) -> None:
    """Attach the review commands to the ``survey`` group."""
    for command in REVIEW_COMMANDS:
        group.add_command(command)
