"""The checker rules of standards.md §7, each a SQL query that returns only the breaches.

Every check takes a :class:`Context` and returns :class:`FindingDraft` values whose ``figures``
are rounded to 2 decimals for people and whose ``evidence`` names the rooms, people, the rule and
the standard version. Comparisons are made on exact sums; a breach must be at least 0.01 m²
after rounding, so float noise never becomes a finding.

Kinds reuse the names of the sample data's ``deliberate_cases`` where they mean the same thing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app.analysis.context import Context
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.context import evidence
from gis_app.analysis.context import r2
from gis_app.analysis.entitlement import check_entitlement
from gis_app.analysis.sql import PRELUDE
from gis_app.standards.store import legacy_matches
from gis_app.vocab import RoomUse

__all__ = [
    "CHECKS",
    "LEDGER_USES",
    "PROVINCE_LEADERS",
    "SUITE_CTES",
    "gk3_zone",
    "ledger_tolerance",
]

LOGGER = logging.getLogger(__name__)

PROVINCE_LEADERS = ("部级正职", "部级副职", "省级正职", "省级副职")


def _rows(session: Session, ctx: Context, sql: str, **extra: Any) -> list[Any]:
    return list(session.execute(text(PRELUDE + sql), ctx.params(**extra)).mappings())


def _person_ref(row: Any) -> dict[str, Any]:
    return {
        "person_id": row["id"],
        "name": row["name"],
        "agency": row["agency_name"],
        "position": row["position"],
        "rank": row["rank"],
        "effective_rank": row["eff_rank"],
        "effective_category": row["eff_category"],
        "remap_note": row["remap_note"],
        "limit": r2(row["limit_m2"]),
    }


def _person_subject(row: Any) -> dict[str, Any]:
    """The subject columns of a finding about the person of ``row``."""
    return {
        "subject": "person",
        "person_id": row["id"],
        "agency_id": row["agency_id"],
        "building_id": row["building_id"],
        "compound_id": row["compound_id"],
        "region_code": row["region_code"],
        "province_code": row["province_code"],
    }


# -- rules 3 and 5: a leader's suite -----------------------------------------------------------

SUITE_CTES = """
, suite AS (
    SELECT pr.* FROM person_rooms pr JOIN scoped_person sp ON sp.id = pr.person_id
    WHERE pr.part IS NOT NULL AND pr.n = 1
      AND (sp.concurrent_agency_id IS NULL
           OR pr.room_agency_id IS DISTINCT FROM sp.concurrent_agency_id)
),
suite_sum AS (
    SELECT person_id,
        coalesce(sum(area) FILTER (WHERE part = 'office'), 0) AS office,
        coalesce(sum(area) FILTER (WHERE part = 'rest'), 0) AS rest,
        coalesce(sum(area) FILTER (WHERE part = 'toilet'), 0) AS toilet,
        coalesce(sum(area) FILTER (WHERE part = 'meeting'), 0) AS meeting,
        count(*) FILTER (WHERE part = 'office') AS offices,
        jsonb_agg(ref ORDER BY room_id) AS rooms,
        min(building_id) AS building_id, min(compound_id) AS compound_id
    FROM suite GROUP BY person_id
),
judged AS (
    SELECT sp.id, sp.name, sp.position, sp.rank, sp.agency_id, sp.agency_name, sp.region_code,
        sp.province_code, sp.eff_category, sp.eff_rank, sp.remap_note, sp.limit_m2,
        s.office, s.rest, s.toilet, s.meeting, s.rooms, s.building_id, s.compound_id,
        (sp.eff_rank = ANY(:province_leaders)
         OR (sp.agency_category = '省' AND sp.eff_category = '省'
             AND sp.eff_rank = '正厅(局)级')
         OR (sp.eff_rank IN ('市级正职', '县级正职') AND sp.agency_kind IN ('党委', '政府'))
        ) AS toilet_eligible
    FROM suite_sum s JOIN scoped_person sp ON sp.id = s.person_id
    WHERE s.offices > 0
),
counted AS (
    SELECT j.*,
        CASE WHEN j.toilet_eligible AND NOT :toilet_inside
             THEN greatest(j.toilet - :toilet_cap, 0) ELSE j.toilet END AS toilet_counted
    FROM judged j
)
"""
"""People with a private suite (office + rest room + toilet + private meeting room) and what
counts against their limit. Parameters: the context's plus ``:province_leaders``."""

_SUITES = (
    SUITE_CTES
    + """
SELECT c.*, c.office + c.rest + c.meeting + c.toilet_counted AS total
FROM counted c
WHERE (c.limit_m2 IS NOT NULL
       AND round((c.office + c.rest + c.meeting + c.toilet_counted - c.limit_m2)::numeric, 2) > 0)
   OR (c.toilet > 0
       AND (NOT c.toilet_eligible OR round((c.toilet - :toilet_cap)::numeric, 2) > 0))
ORDER BY c.id
"""
)


def check_suites(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 3 (suite area over the 表3 limit) and rule 5 (in-suite toilet not allowed or > 6 m²)."""
    out: list[FindingDraft] = []
    cap = ctx.version.toilet_cap_m2
    for row in _rows(session, ctx, _SUITES, province_leaders=list(PROVINCE_LEADERS)):
        who = _person_ref(row)
        parts = {
            "office": r2(row["office"]),
            "rest_room": r2(row["rest"]),
            "toilet": r2(row["toilet"]),
            "meeting_room": r2(row["meeting"]),
            "total_toilet_excluded": r2(row["office"] + row["rest"] + row["meeting"]),
        }
        common = _person_subject(row)
        limit = row["limit_m2"]
        total = row["total"]
        if limit is not None and round(total - limit, 2) > 0:
            excess = total - limit
            figures = {
                **parts,
                "total": r2(total),
                "total_all_rooms": r2(row["office"] + row["rest"] + row["meeting"] + row["toilet"]),
                "toilet_counted": r2(row["toilet_counted"]),
                "toilet_eligible": row["toilet_eligible"],
                "toilet_inside_limit": ctx.toilet_inside_limit,
                "limit": r2(limit),
                "excess": r2(excess),
            }
            out.append(
                FindingDraft(
                    rule=3,
                    kind="leader_over_standard",
                    severity="violation",
                    message=(
                        f"{row['name']}({row['agency_name']}, {row['rank']}) 办公用房使用面积 "
                        f"{total:.2f} m², 超过标准 {limit:.2f} m², 超标 {excess:.2f} m²"
                    ),
                    area_m2=total,
                    limit_m2=limit,
                    excess_m2=excess,
                    figures=figures,
                    evidence=evidence(ctx, 3, person=who, rooms=row["rooms"]),
                    **common,
                )
            )
        toilet = row["toilet"]
        if toilet > 0 and (not row["toilet_eligible"] or round(toilet - cap, 2) > 0):
            eligible = row["toilet_eligible"]
            excess = toilet if not eligible else toilet - cap
            reason = (
                "职级不允许在办公室内配置卫生间" if not eligible else f"卫生间超过 {cap:.2f} m²"
            )
            out.append(
                FindingDraft(
                    rule=5,
                    kind="toilet_not_eligible" if not eligible else "toilet_over_cap",
                    severity="violation",
                    message=f"{row['name']}({row['agency_name']}, {row['rank']}) {reason}: "
                    f"卫生间 {toilet:.2f} m²",
                    area_m2=toilet,
                    limit_m2=cap if eligible else 0.0,
                    excess_m2=excess,
                    figures={
                        **parts,
                        "total": r2(total),
                        "limit": r2(limit),
                        "toilet_eligible": eligible,
                        "toilet_cap": r2(cap),
                        "toilet_excess": r2(excess),
                        "excess": r2(max(0.0, total - limit)) if limit is not None else None,
                    },
                    evidence=evidence(ctx, 5, person=who, rooms=row["rooms"]),
                    **common,
                )
            )
    return out


# -- rule 4: shared offices --------------------------------------------------------------------

_SHARED = """
SELECT pr.room_id, min(pr.area) AS area, count(*) AS n, sum(sp.limit_m2) AS sum_limits,
    min(pr.building_id) AS building_id, min(pr.compound_id) AS compound_id,
    min(pr.room_agency_id) AS room_agency_id, (array_agg(pr.ref))[1] AS room,
    min(sp.province_code) AS province_code, min(sp.region_code) AS region_code,
    jsonb_agg(jsonb_build_object('person_id', sp.id, 'name', sp.name, 'agency', sp.agency_name,
        'rank', sp.rank, 'effective_rank', sp.eff_rank, 'limit', sp.limit_m2) ORDER BY sp.id)
        AS occupants
FROM person_rooms pr JOIN scoped_person sp ON sp.id = pr.person_id
WHERE pr.use_category = '办公室' AND pr.n >= 2
GROUP BY pr.room_id
HAVING count(*) = min(pr.n) AND NOT bool_or(sp.limit_m2 IS NULL)
   AND round((min(pr.area) - sum(sp.limit_m2))::numeric, 2) > 0
ORDER BY pr.room_id
"""


def check_shared_offices(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 4: a shared office larger than the sum of its occupants' limits."""
    out = []
    for row in _rows(session, ctx, _SHARED):
        area, limits, n = row["area"], row["sum_limits"], row["n"]
        excess = area - limits
        room = row["room"]
        out.append(
            FindingDraft(
                rule=4,
                kind="shared_office_over",
                severity="violation",
                subject="room",
                message=(
                    f"{room['building']} {room['number'] or ''} 合用办公室 {area:.2f} m², {n} 人, "
                    f"标准合计 {limits:.2f} m², 超标 {excess:.2f} m²"
                ),
                room_id=row["room_id"],
                agency_id=row["room_agency_id"],
                building_id=row["building_id"],
                compound_id=row["compound_id"],
                region_code=row["region_code"],
                province_code=row["province_code"],
                area_m2=area,
                limit_m2=limits,
                excess_m2=excess,
                figures={
                    "area": r2(area),
                    "occupants": n,
                    "sum_of_limits": r2(limits),
                    "per_person": r2(area / n),
                    "excess": r2(excess),
                },
                evidence=evidence(ctx, 4, rooms=[room], people=row["occupants"]),
            )
        )
    return out


# -- rule 9: one office per leader -------------------------------------------------------------

_OFFICES = """
, concurrent AS (
    SELECT pr.person_id, count(*) FILTER (WHERE pr.use_category = '办公室') AS offices,
        coalesce(sum(pr.area) FILTER (WHERE pr.use_category = '办公室'), 0) AS office_area,
        jsonb_agg(pr.ref ORDER BY pr.room_id) AS rooms
    FROM person_rooms pr JOIN scoped_person sp ON sp.id = pr.person_id
    WHERE sp.concurrent_agency_id IS NOT NULL AND pr.room_agency_id = sp.concurrent_agency_id
    GROUP BY pr.person_id
),
offices AS (
    SELECT pr.person_id, count(*) AS offices, sum(pr.area) AS area,
        jsonb_agg(pr.ref ORDER BY pr.room_id) AS rooms,
        min(pr.building_id) AS building_id, min(pr.compound_id) AS compound_id
    FROM person_rooms pr WHERE pr.use_category = '办公室'
    GROUP BY pr.person_id
)
SELECT sp.id, sp.name, sp.position, sp.rank, sp.agency_id, sp.agency_name, sp.region_code,
    sp.province_code, sp.eff_category, sp.eff_rank, sp.remap_note, sp.limit_m2,
    sp.concurrent_approved, sp.concurrent_end_date, sp.concurrent_post,
    ca.name AS concurrent_agency,
    coalesce(o.offices, 0) AS offices, coalesce(o.area, 0) AS area, o.rooms,
    o.building_id, o.compound_id,
    c.person_id IS NOT NULL AS holds_concurrent, coalesce(c.offices, 0) AS concurrent_offices,
    c.office_area AS concurrent_area, c.rooms AS concurrent_rooms,
    (sp.concurrent_end_date + interval '2 months')::date AS vacate_by
FROM scoped_person sp
LEFT JOIN offices o ON o.person_id = sp.id
LEFT JOIN concurrent c ON c.person_id = sp.id
LEFT JOIN agency ca ON ca.id = sp.concurrent_agency_id
WHERE coalesce(o.offices, 0) >= 2
   OR (c.person_id IS NOT NULL AND sp.concurrent_end_date IS NOT NULL
       AND (sp.concurrent_end_date + interval '2 months')::date < :as_of)
ORDER BY sp.id
"""


def check_offices(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 9: more than one office, a second office without an approved concurrent post or not
    smaller than the standard, three or more, and a concurrent post ended over 2 months ago."""
    out = []
    for row in _rows(session, ctx, _OFFICES):
        rooms = row["rooms"] or []
        figures: dict[str, Any] = {
            "offices": row["offices"],
            "areas": [room["area"] for room in rooms],
            "total": r2(row["area"]),
            "limit": r2(row["limit_m2"]),
            "concurrent_agency": row["concurrent_agency"],
            "concurrent_approved": row["concurrent_approved"]
            if row["concurrent_agency"] or row["concurrent_post"]
            else None,
        }
        ended = row["holds_concurrent"] and row["vacate_by"] is not None
        ended = ended and row["vacate_by"] < ctx.as_of
        name = f"{row['name']}({row['agency_name']}, {row['rank']})"
        excess = None
        if ended:
            overdue = (ctx.as_of - row["vacate_by"]).days
            figures |= {
                "concurrent_end": row["concurrent_end_date"].isoformat(),
                "vacate_by": row["vacate_by"].isoformat(),
                "days_overdue": overdue,
            }
            rooms = rooms or (row["concurrent_rooms"] or [])
            kind = "concurrent_post_ended_office_held"
            message = (
                f"{name} 兼职({row['concurrent_agency']})已于 {row['concurrent_end_date']} 终止, "
                f"应于 {row['vacate_by']} 前腾退兼职单位办公室, 已逾期 {overdue} 天"
            )
        elif row["offices"] >= 3:
            kind = "too_many_offices"
            message = f"{name} 占用 {row['offices']} 处办公室 (不得安排三处以上)"
        elif row["concurrent_approved"] and row["concurrent_offices"] == 1 and row["offices"] == 2:
            limit = row["limit_m2"]
            second = row["concurrent_area"]
            if limit is None or round(second - limit, 2) < 0:
                continue
            kind = "concurrent_office_not_smaller"
            excess = second - limit
            figures["concurrent_office_area"] = r2(second)
            message = (
                f"{name} 兼职单位办公室 {second:.2f} m² 不小于标准 {limit:.2f} m² "
                "(兼职单位另行配备的办公室应小于标准)"
            )
        else:
            kind = "second_office_without_approval"
            message = f"{name} 占用 {row['offices']} 处办公室, 无经批准的兼职"
        out.append(
            FindingDraft(
                rule=9,
                kind=kind,
                severity="violation",
                message=message,
                area_m2=row["area"],
                limit_m2=row["limit_m2"],
                excess_m2=excess,
                figures=figures,
                evidence=evidence(
                    ctx,
                    9,
                    person=_person_ref(row),
                    rooms=rooms,
                    concurrent_post=row["concurrent_post"],
                ),
                **_person_subject(row),
            )
        )
    return out


# -- rule 10: retired or transferred, still holding rooms ------------------------------------

_LEFT = """
, held AS (
    SELECT person_id, jsonb_agg(ref ORDER BY room_id) AS rooms, sum(area) AS area,
        coalesce(sum(area) FILTER (WHERE use_category = '办公室'), 0) AS office_area,
        min(building_id) AS building_id, min(compound_id) AS compound_id
    FROM person_rooms GROUP BY person_id
)
SELECT sp.id, sp.name, sp.position, sp.rank, sp.agency_id, sp.agency_name, sp.region_code,
    sp.province_code, sp.eff_category, sp.eff_rank, sp.remap_note, sp.limit_m2, sp.status,
    sp.status_date, (sp.status_date + interval '1 month')::date AS vacate_by,
    h.rooms, h.area, h.office_area, h.building_id, h.compound_id
FROM scoped_person sp JOIN held h ON h.person_id = sp.id
WHERE sp.status IN ('退休', '调离')
  AND (sp.status_date IS NULL OR (sp.status_date + interval '1 month')::date < :as_of)
ORDER BY sp.id
"""


def check_departed(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 10: a retired or transferred person still holds rooms a month after the change."""
    out = []
    for row in _rows(session, ctx, _LEFT):
        retired = row["status"] == "退休"
        figures: dict[str, Any] = {
            "status": row["status"],
            "status_date": row["status_date"].isoformat() if row["status_date"] else None,
            "office": r2(row["office_area"]),
            "rooms_area": r2(row["area"]),
        }
        if row["vacate_by"] is not None:
            overdue = (ctx.as_of - row["vacate_by"]).days
            figures |= {"vacate_by": row["vacate_by"].isoformat(), "days_overdue": overdue}
            when = f"应于 {row['vacate_by']} 前收回, 已逾期 {overdue} 天"
        else:
            when = "未登记退休/调离日期, 无法确定腾退期限"
        out.append(
            FindingDraft(
                rule=10,
                kind="retired_still_holding_office"
                if retired
                else "transferred_still_holding_office",
                severity="violation" if row["vacate_by"] is not None else "data",
                message=f"{row['name']}({row['agency_name']}) 已{row['status']}, 仍占用办公用房 "
                f"{row['area']:.2f} m², {when}",
                area_m2=row["area"],
                figures=figures,
                evidence=evidence(ctx, 10, person=_person_ref(row), rooms=row["rooms"]),
                **_person_subject(row),
            )
        )
    return out


# -- room rules: 11 leasing, 12 change of use, 13 idle, 8 measurement -------------------------


def _room_finding(
    ctx: Context,
    row: Any,
    rule: int,
    kind: str,
    severity: str,
    message: str,
    figures: dict[str, Any],
) -> FindingDraft:
    return FindingDraft(
        rule=rule,
        kind=kind,
        severity=severity,
        subject="room",
        message=message,
        room_id=row["id"],
        agency_id=row["agency_id"],
        building_id=row["building_id"],
        compound_id=row["compound_id"],
        region_code=row["region"],
        province_code=row["province_code"],
        area_m2=row["usable_area_m2"],
        figures={"area": r2(row["usable_area_m2"]), **figures},
        evidence=evidence(ctx, rule, rooms=[row["ref"]], agency=row["agency_name"]),
    )


def _room_label(row: Any) -> str:
    return f"{row['building_name']} {row['floor_name']} {row['number'] or row['name'] or ''}"


_LEASED_KINDS = {"出租": "leased_out", "出借": "lent_out", "被占用": "occupied_by_others"}
_CLEARED_OUT = ("企业", "非预算单位")
"""Counterparties whose use of office space is always cleared out (2013 clean-up rules)."""

_LEASED = """
, contracts AS (
    SELECT l.room_id, count(*) AS n,
        jsonb_agg(jsonb_build_object('id', l.id, 'counterparty', l.counterparty,
            'counterparty_kind', l.counterparty_kind, 'kind', l.kind, 'start', l.start_date,
            'end', l.end_date, 'approval_ref', l.approval_ref) ORDER BY l.start_date) AS contracts
    FROM room_lease l GROUP BY l.room_id
)
SELECT sr.*, c.contracts FROM scoped_room sr LEFT JOIN contracts c ON c.room_id = sr.id
WHERE sr.status = ANY(:statuses) OR c.room_id IS NOT NULL
ORDER BY sr.id
"""


def _contract(raw: dict[str, Any]) -> dict[str, Any]:
    """A contract of the evidence JSON with its dates as dates."""
    out = dict(raw)
    for key in ("start", "end"):
        out[key] = dt.date.fromisoformat(raw[key]) if raw.get(key) else None
    return out


def _contract_figures(contract: dict[str, Any] | None) -> dict[str, Any]:
    if contract is None:
        return {"counterparty": None, "contract_start": None, "contract_end": None}
    return {
        "counterparty": contract["counterparty"],
        "counterparty_kind": contract["counterparty_kind"],
        "contract_start": contract["start"].isoformat(),
        "contract_end": contract["end"].isoformat() if contract["end"] else None,
        "approval_ref": contract["approval_ref"],
    }


def _lease_finding(
    ctx: Context,
    row: Any,
    kind: str,
    message: str,
    figures: dict[str, Any],
    shown: int | None,
) -> FindingDraft:
    """A rule-11 finding whose evidence holds every contract of the room and the one judged
    (``shown``: its index in date order)."""
    finding = _room_finding(ctx, row, 11, kind, "violation", message, figures)
    finding.evidence["contracts"] = row["contracts"] or []
    if shown is not None:
        finding.evidence["contract"] = row["contracts"][shown]
    return finding


def check_leased(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 11: rooms leased or lent out, or used by an enterprise or non-budget unit; a
    contract past its end whose room was not taken back (收回 at expiry); a renewal (a later
    contract for the same room: renewal is forbidden). Evidence carries the contracts."""
    out = []
    for row in _rows(session, ctx, _LEASED, statuses=list(_LEASED_KINDS)):
        contracts = [_contract(c) for c in row["contracts"] or []]
        started = [c for c in contracts if c["start"] <= ctx.as_of]
        current = started[-1] if started else None
        shown = len(started) - 1 if started else None
        label = f"{_room_label(row)} ({row['agency_name'] or '无使用单位'})"
        leased = row["status"] in _LEASED_KINDS
        running = current is not None and (current["end"] is None or current["end"] >= ctx.as_of)
        if leased:
            since = row["status_since"]
            who = f", {current['counterparty']}" if current else ""
            out.append(
                _lease_finding(
                    ctx,
                    row,
                    _LEASED_KINDS[row["status"]],
                    f"{label} 状态为{row['status']}{who}"
                    f"{f', 自 {since} 起' if since else ''}: 不得出租、出借办公用房",
                    {
                        "status": row["status"],
                        "status_date": since.isoformat() if since else None,
                        **_contract_figures(current),
                    },
                    shown,
                )
            )
        if row["status"] in ("出租", "出借") and current is not None and not running:
            end = current["end"]
            overdue = (ctx.as_of - end).days
            out.append(
                _lease_finding(
                    ctx,
                    row,
                    "lease_expired_not_recovered",
                    f"{label} {row['status']}给{current['counterparty']}的合同已于 {end} 到期, "
                    f"仍未收回, 已逾期 {overdue} 天",
                    {
                        "status": row["status"],
                        **_contract_figures(current),
                        "days_overdue": overdue,
                    },
                    shown,
                )
            )
        renewal = contracts[-1] if len(contracts) > 1 else None
        renewal_runs = renewal is not None and (
            renewal["end"] is None or renewal["end"] >= ctx.as_of
        )
        if renewal is not None and (leased or renewal_runs):
            previous = contracts[-2]
            out.append(
                _lease_finding(
                    ctx,
                    row,
                    "lease_renewed",
                    f"{label} 与{renewal['counterparty']}续签合同 ({renewal['start']} 起), "
                    f"前一合同 {previous['start']} 至 {previous['end'] or '未定'}: "
                    "出租、出借到期应收回, 不得续租(借)",
                    {
                        **_contract_figures(renewal),
                        "previous_start": previous["start"].isoformat(),
                        "previous_end": previous["end"].isoformat() if previous["end"] else None,
                        "contracts": len(contracts),
                    },
                    len(contracts) - 1,
                )
            )
        if not leased and running and current["counterparty_kind"] in _CLEARED_OUT:
            out.append(
                _lease_finding(
                    ctx,
                    row,
                    "used_by_enterprise",
                    f"{label} 由{current['counterparty_kind']}「{current['counterparty']}」使用 "
                    f"(状态登记为{row['status']}): 企业、非预算单位占用办公用房应清理腾退",
                    {"status": row["status"], **_contract_figures(current)},
                    shown,
                )
            )
    return out


_CHANGED = """
SELECT * FROM scoped_room
WHERE use_category IS NOT NULL AND (
    (use_category = '办公室' AND (use_class = '技术业务' OR approved_use = '技术业务用房'))
    OR (approved_use IS NOT NULL AND approved_use = ANY(:categories)
        AND approved_use <> use_category)
    OR (approved_use IS NOT NULL AND NOT approved_use = ANY(:categories)
        AND approved_use <> coalesce(use_subtype, '')))
ORDER BY id
"""


def check_change_of_use(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 12: a room used otherwise than approved; technical rooms used as offices."""
    out = []
    for row in _rows(session, ctx, _CHANGED, categories=[str(u) for u in RoomUse]):
        actual = row["use_subtype"] or row["use_category"]
        technical = row["use_category"] == "办公室" and (
            row["use_class"] == "技术业务" or row["approved_use"] == "技术业务用房"
        )
        if technical:
            out.append(
                _room_finding(
                    ctx,
                    row,
                    12,
                    "technical_used_as_office",
                    "violation",
                    f"{_room_label(row)} 技术业务用房被用作办公室 (变相建设办公用房)",
                    {
                        "approved_use": row["approved_use"],
                        "actual_use": actual,
                        "building_use": row["use_class"],
                    },
                )
            )
            continue
        out.append(
            _room_finding(
                ctx,
                row,
                12,
                "change_of_use",
                "violation",
                f"{_room_label(row)} 核定用途为{row['approved_use']}, 实际为{actual}, "
                "未经批准改变使用功能",
                {"approved_use": row["approved_use"], "actual_use": actual},
            )
        )
    return out


_IDLE = """
, idle AS (
    SELECT sr.*,
        CASE WHEN sr.status = '闲置' THEN coalesce(sr.status_since, last_end.d)
             ELSE greatest(last_end.d, sr.status_since) END AS idle_since
    FROM scoped_room sr
    LEFT JOIN LATERAL (
        SELECT max(o.valid_to) AS d FROM occupancy o
        WHERE o.room_id = sr.id AND o.valid_to <= :as_of
    ) last_end ON true
    WHERE NOT sr.occupied
      AND (sr.status = '闲置' OR (sr.status = '在用' AND sr.use_category = '办公室'))
)
SELECT idle.*, (idle.idle_since + make_interval(months => :idle_months))::date AS flag_from
FROM idle
WHERE idle.idle_since IS NULL
   OR (idle.idle_since + make_interval(months => :idle_months))::date <= :as_of
ORDER BY idle.id
"""


def check_idle(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 13: office or service space idle for the threshold (6 months by default) or longer.
    A room marked 闲置 is idle since its status date; an office 在用 with nobody in it since the
    later of its last occupant leaving and its (re)assignment."""
    out = []
    for row in _rows(session, ctx, _IDLE):
        since = row["idle_since"]
        if since is None:
            out.append(
                _room_finding(
                    ctx,
                    row,
                    13,
                    "idle_since_unknown",
                    "data",
                    f"{_room_label(row)} 无人使用, 无法从状态日期或入驻记录确定闲置起始时间",
                    {"status": row["status"], "idle_since": None},
                )
            )
            continue
        days = (ctx.as_of - since).days
        out.append(
            _room_finding(
                ctx,
                row,
                13,
                "idle_room_flagged",
                "violation",
                f"{_room_label(row)} ({row['agency_name'] or '无使用单位'}) 自 {since} 起闲置 "
                f"{days} 天, 已达 {ctx.idle_threshold_months} 个月, 应调剂使用",
                {
                    "status": row["status"],
                    "idle_since": since.isoformat(),
                    "days_idle": days,
                    "threshold_months": ctx.idle_threshold_months,
                },
            )
        )
    return out


_MEASURE = """
SELECT * FROM scoped_room
WHERE (use_category IS NULL AND (agency_id IS NOT NULL OR occupied))
   OR (use_category = '公共交通' AND occupied)
ORDER BY id
"""


def check_measurement(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 8: a room that cannot be counted (no use category) or a corridor used as an office."""
    out = []
    for row in _rows(session, ctx, _MEASURE):
        if row["use_category"] is None:
            out.append(
                _room_finding(
                    ctx,
                    row,
                    8,
                    "unclassified_room",
                    "data",
                    f"{_room_label(row)} 未确定房间性质, 无法计入办公室/服务/设备用房面积",
                    {"use": None},
                )
            )
        else:
            out.append(
                _room_finding(
                    ctx,
                    row,
                    8,
                    "circulation_room_occupied",
                    "violation",
                    f"{_room_label(row)} 为{row['use_subtype'] or '公共交通'}, 不计入基本办公用房, "
                    "却有人员使用",
                    {"use": row["use_category"], "subtype": row["use_subtype"]},
                )
            )
    return out


# -- rules 1, 2: ranks and limits ---------------------------------------------------------------

_NO_LIMIT = """
SELECT sp.id, sp.name, sp.position, sp.rank, sp.agency_id, sp.agency_name, sp.region_code,
    sp.province_code, sp.agency_category, sp.eff_category, sp.eff_rank, sp.remap_note,
    sp.limit_m2
FROM scoped_person sp
WHERE sp.limit_m2 IS NULL AND sp.status = '在职'
ORDER BY sp.id
"""


def check_ranks(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 1: a person whose rank is not in the (remapped) row of the agency's category;
    rule 2: a province with 乡级 agencies but no 乡级 row of its own."""
    out = []
    township: dict[str, list[Any]] = {}
    for row in _rows(session, ctx, _NO_LIMIT):
        if row["eff_category"] == "乡":
            township.setdefault(row["province_code"], []).append(row)
            continue
        out.append(
            FindingDraft(
                rule=1,
                kind="rank_not_in_row",
                severity="data",
                subject="person",
                message=f"{row['name']}({row['agency_name']}) 职级 {row['rank']!r} 不在"
                f"{row['eff_category']}级机关的标准表中, 无法核定办公室面积",
                person_id=row["id"],
                agency_id=row["agency_id"],
                region_code=row["region_code"],
                province_code=row["province_code"],
                figures={"rank": row["rank"], "category": row["eff_category"]},
                evidence=evidence(ctx, 1, person=_person_ref(row)),
            )
        )
    for province, rows in sorted(township.items()):
        out.append(
            FindingDraft(
                rule=2,
                kind="township_row_missing",
                severity="data",
                subject="standard",
                message=f"省 {province} 未设定乡级机关办公室面积标准, "
                f"{len(rows)} 名乡级人员无法核定",
                province_code=province,
                figures={"people": len(rows)},
                evidence=evidence(ctx, 2, people=[_person_ref(r) for r in rows[:50]]),
            )
        )
    return out


def check_legacy(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 17: values of the active standard that are the 1999 figures."""
    out = []
    province = ctx.region.province_code if ctx.region else "00"
    for match in legacy_matches(session, ctx.version):
        what = f"{match.category} {match.rank}" if match.rank else match.what
        out.append(
            FindingDraft(
                rule=17,
                kind="legacy_value",
                severity="warning",
                subject="standard",
                message=f"标准 {ctx.version.code} 中 {what} = {match.value:g} "
                "与1999年标准(已废止)相同",
                province_code=match.province_code or province,
                figures={
                    "what": match.what,
                    "category": match.category,
                    "rank": match.rank,
                    "value": match.value,
                    "legacy_value": match.legacy_value,
                },
                evidence=evidence(ctx, 17),
            )
        )
    return out


# -- rule 14: title; rule 16: geodata -----------------------------------------------------------

_NOT_BUREAU = "{0}.title_holder IS NOT NULL AND {0}.title_holder NOT LIKE '%机关事务%'"

_TITLE = f"""
SELECT * FROM (
SELECT 'compound' AS subject, c.id, c.name, NULL::varchar AS tenure, c.land_title AS title,
    c.title_holder, c.title_exception, c.region_code, c.province_code, c.area_m2 AS area,
    NULL::integer AS compound_id,
    c.land_title IS NULL AND c.title_exception IS DISTINCT FROM '备案' AS missing,
    {_NOT_BUREAU.format("c")} AND c.title_exception IS NULL AS not_bureau
FROM compound c
WHERE coalesce(c.region_code, '') LIKE :pattern AND CAST(:agency_id AS integer) IS NULL
UNION ALL
SELECT 'building', b.id, b.name, b.tenure, b.title_record, b.title_holder, b.title_exception,
    c.region_code, b.province_code, b.footprint_area_m2, b.compound_id,
    b.title_record IS NULL AND b.title_exception IS DISTINCT FROM '备案'
        AND (b.tenure IN ('租用', '借用') OR (b.compound_id IS NULL OR c.land_title IS NULL)),
    b.tenure = '自有' AND {_NOT_BUREAU.format("b")} AND b.title_exception IS NULL
FROM building b LEFT JOIN compound c ON c.id = b.compound_id
WHERE coalesce(c.region_code, '') LIKE :pattern AND CAST(:agency_id AS integer) IS NULL
) t
WHERE t.missing OR t.not_bureau
ORDER BY 1, 2
"""


def _title_kind(row: Any) -> tuple[str, str, str]:
    """(kind, severity, message) of a missing title record."""
    if row["subject"] == "compound":
        return "no_land_title", "violation", f"院落 {row['name']} 无土地/不动产权证"
    if row["tenure"] in ("租用", "借用"):
        return (
            "lease_without_agreement",
            "warning",
            f"楼栋 {row['name']} 为{row['tenure']}, 无租(借)用协议记录",
        )
    return "no_title_record", "violation", f"楼栋 {row['name']} 及其院落均无权属登记"


def check_title(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 14 (账证相符): land without a title record, a rented or borrowed building without
    its agreement, a building with no title at all (权属备案 stands in for a lost certificate);
    a title registered to someone other than the 机关事务管理部门 without an exception code
    (垂管/派出/参公/涉密/备案)."""
    out = []
    for row in _rows(session, ctx, _TITLE):
        subject = row["subject"]
        what = "院落" if subject == "compound" else "楼栋"
        ids = (
            {"compound_id": row["id"]}
            if subject == "compound"
            else {"building_id": row["id"], "compound_id": row["compound_id"]}
        )
        problems = []
        if row["missing"]:
            problems.append(_title_kind(row))
        if row["not_bureau"]:
            problems.append(
                (
                    "title_not_bureau",
                    "warning",
                    f"{what} {row['name']} 权属人为 {row['title_holder']}, 应登记在机关事务管理部门"
                    "(垂管/派出/参公、涉密或权属备案等例外须登记例外情形)",
                )
            )
        for kind, severity, message in problems:
            out.append(
                FindingDraft(
                    rule=14,
                    kind=kind,
                    severity=severity,
                    subject=subject,
                    message=message,
                    region_code=row["region_code"],
                    province_code=row["province_code"],
                    area_m2=row["area"],
                    figures={
                        "tenure": row["tenure"],
                        "title": row["title"],
                        "title_holder": row["title_holder"],
                        "title_exception": row["title_exception"],
                    },
                    evidence=evidence(ctx, 14, name=row["name"]),
                    **ids,
                )
            )
    return out


def _floor_norm(expr: str) -> str:
    """A floor name as the roster importer compares it: 3F, 3层, 3楼 and 3 are one floor."""
    return f"regexp_replace(upper(replace(replace({expr}, '层', ''), '楼', '')), 'F$', '')"


_LEDGER_ROWS = f"""
SELECT l.id, l.building_id, l.floor_name, l.number, l.status, l.agency_id, l.room_id,
    l.province_code, b.name AS building_name, b.code AS building_code, b.compound_id,
    a.name AS agency_name, coalesce(a.region_code, c.region_code) AS region,
    EXISTS (SELECT 1 FROM floor f JOIN room r ON r.floor_id = f.id
            WHERE f.building_id = l.building_id AND r.retired_at IS NULL
              AND (l.floor_name IS NULL
                   OR {_floor_norm("f.name")} = {_floor_norm("l.floor_name")})) AS floor_surveyed
FROM room_ledger l
JOIN building b ON b.id = l.building_id
LEFT JOIN compound c ON c.id = b.compound_id
LEFT JOIN agency a ON a.id = l.agency_id
WHERE coalesce(a.region_code, c.region_code, '') LIKE :pattern
  AND (CAST(:agency_id AS integer) IS NULL OR l.agency_id = CAST(:agency_id AS integer))
  AND NOT EXISTS (
      SELECT 1 FROM room r JOIN floor f ON f.id = r.floor_id
      WHERE r.retired_at IS NULL
        AND (r.id = l.room_id OR (f.building_id = l.building_id AND r.number = l.number)))
ORDER BY b.code, l.floor_name, l.number
"""

_UNREGISTERED = """
SELECT sr.* FROM scoped_room sr
WHERE sr.number IS NOT NULL
  AND EXISTS (SELECT 1 FROM room_ledger l WHERE l.building_id = sr.building_id)
  AND NOT EXISTS (
      SELECT 1 FROM room_ledger l
      WHERE l.room_id = sr.id OR (l.building_id = sr.building_id AND l.number = sr.number))
ORDER BY sr.id
"""

_LEDGER_TOTALS = """
SELECT a.id, a.name, a.region_code, a.province_code, a.reported_areas, u.use,
    count(r.id) AS rooms, coalesce(sum(r.usable_area_m2), 0) AS surveyed
FROM agency_scope a
CROSS JOIN unnest(CAST(:uses AS varchar[])) AS u(use)
LEFT JOIN room r ON r.agency_id = a.id AND r.retired_at IS NULL AND r.use_category = u.use
WHERE a.reported_areas IS NOT NULL AND a.reported_areas ? u.use
GROUP BY a.id, a.name, a.region_code, a.province_code, a.reported_areas, u.use
ORDER BY a.id, u.use
"""

LEDGER_USES = (RoomUse.OFFICE, RoomUse.SERVICE, RoomUse.EQUIPMENT)
"""The 使用面积 totals an agency reports in its sub-ledger (附属/技术业务 are 建筑面积)."""


def ledger_tolerance(rooms: int) -> float:
    """How far a reported total may be from the survey: each room's area is written with two
    decimals, so rounding moves a sum by up to 0.005 m² per room (plus the total's own 0.01)."""
    return 0.01 + 0.005 * rooms


def ledger_totals(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """账账相符 per agency that reported totals: by use, reported vs surveyed 使用面积."""
    out: dict[int, dict[str, Any]] = {}
    for row in _rows(session, ctx, _LEDGER_TOTALS, uses=[str(u) for u in LEDGER_USES]):
        agency = out.setdefault(
            row["id"],
            {
                "agency_id": row["id"],
                "name": row["name"],
                "region_code": row["region_code"],
                "province_code": row["province_code"],
                "by_use": {},
            },
        )
        reported = float(row["reported_areas"][row["use"]])
        surveyed = float(row["surveyed"])
        agency["by_use"][row["use"]] = {
            "reported": r2(reported),
            "surveyed": r2(surveyed),
            "difference": r2(surveyed - reported),
            "rooms": row["rooms"],
            "differs": abs(surveyed - reported) > ledger_tolerance(row["rooms"]),
        }
    return list(out.values())


def check_ledgers(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 14, the inventory reconciliation (管理办法 Art. 6). 账实相符: a register row with no
    surveyed room, a surveyed numbered room the register lacks (only in buildings the register
    covers at all). 账账相符: an agency's reported totals by use against its surveyed rooms
    (agencies that reported none are not compared)."""
    out = []
    for row in _rows(session, ctx, _LEDGER_ROWS):
        place = f"{row['building_name']} {row['floor_name'] or ''} {row['number']}"
        reason = (
            "该楼层已实测, 平面图中没有此房间"
            if row["floor_surveyed"]
            else "该楼层尚未实测(无平面图)"
        )
        out.append(
            FindingDraft(
                rule=14,
                kind="ledger_room_not_surveyed",
                severity="warning",
                subject="room",
                message=f"账实不符: 房间台账中的 {place} ({row['agency_name'] or '无使用单位'}) "
                f"{reason}",
                room_id=row["room_id"],
                agency_id=row["agency_id"],
                building_id=row["building_id"],
                compound_id=row["compound_id"],
                region_code=row["region"],
                province_code=row["province_code"],
                figures={
                    "building": row["building_code"],
                    "floor": row["floor_name"],
                    "number": row["number"],
                    "status": row["status"],
                    "floor_surveyed": row["floor_surveyed"],
                },
                evidence=evidence(
                    ctx,
                    14,
                    ledger={
                        "ledger_id": row["id"],
                        "building": row["building_name"],
                        "building_code": row["building_code"],
                        "floor": row["floor_name"],
                        "number": row["number"],
                        "status": row["status"],
                    },
                    agency=row["agency_name"],
                ),
            )
        )
    for row in _rows(session, ctx, _UNREGISTERED):
        out.append(
            _room_finding(
                ctx,
                row,
                14,
                "room_not_in_ledger",
                "warning",
                f"账实不符: 实测房间 {_room_label(row)} 不在房间台账中",
                {"building": row["building_code"], "number": row["number"]},
            )
        )
    for agency in ledger_totals(session, ctx):
        parts = agency["by_use"]
        differing = [use for use, part in parts.items() if part["differs"]]
        if not differing:
            continue
        text_parts = "、".join(
            f"{use} 上报 {parts[use]['reported']:.2f} m², 实测 {parts[use]['surveyed']:.2f} m²"
            for use in differing
        )
        out.append(
            FindingDraft(
                rule=14,
                kind="ledger_totals_differ",
                severity="warning",
                subject="agency",
                message=f"账账不符: {agency['name']} {text_parts}",
                agency_id=agency["agency_id"],
                region_code=agency["region_code"],
                province_code=agency["province_code"],
                area_m2=sum(parts[u]["surveyed"] for u in differing),
                limit_m2=sum(parts[u]["reported"] for u in differing),
                figures={"by_use": parts, "differs": differing},
                evidence=evidence(ctx, 14, agency=agency["name"]),
            )
        )
    return out


_GEODATA = """
SELECT 'compound' AS subject, c.id, c.name, c.province_code, c.region_code,
    ST_X(ST_Centroid(c.geom)) AS lon, ST_Y(ST_Centroid(c.geom)) AS lat
FROM compound c
WHERE c.geom IS NOT NULL AND coalesce(c.region_code, '') LIKE :pattern
  AND CAST(:agency_id AS integer) IS NULL
  AND NOT ST_Within(c.geom, ST_MakeEnvelope(73, 3, 136, 54, 4490))
UNION ALL
SELECT 'building', b.id, b.name, b.province_code, c.region_code,
    ST_X(ST_Centroid(b.footprint)), ST_Y(ST_Centroid(b.footprint))
FROM building b LEFT JOIN compound c ON c.id = b.compound_id
WHERE b.footprint IS NOT NULL AND coalesce(c.region_code, '') LIKE :pattern
  AND CAST(:agency_id AS integer) IS NULL
  AND NOT ST_Within(b.footprint, ST_MakeEnvelope(73, 3, 136, 54, 4490))
ORDER BY 1, 2
"""


def check_geodata(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 16: outlines stored in EPSG:4490 must lie in China (73-136°E, 3-54°N); outside
    means swapped axes or projected metres stored as degrees."""
    out = []
    for row in _rows(session, ctx, _GEODATA):
        ids = (
            {"compound_id": row["id"]}
            if row["subject"] == "compound"
            else {"building_id": row["id"]}
        )
        out.append(
            FindingDraft(
                rule=16,
                kind="geometry_out_of_range",
                severity="data",
                subject=row["subject"],
                message=f"{row['name']} 的坐标 ({row['lon']:.4f}, {row['lat']:.4f}) 不在中国范围内 "
                "(CGCS2000 经度/纬度), 可能坐标轴颠倒或坐标系错误",
                region_code=row["region_code"],
                province_code=row["province_code"],
                figures={"lon": row["lon"], "lat": row["lat"]},
                evidence=evidence(ctx, 16, name=row["name"]),
                **ids,
            )
        )
    return out


def gk3_zone(lon: float) -> tuple[int, int, int]:
    """3° Gauss-Krüger zone of a longitude: (zone, EPSG with zone prefix, EPSG of the CM form)."""
    zone = round(lon / 3)
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon} is outside the CGCS2000 3° zones 25-45 (75-135°E)")
    return zone, 4513 + zone - 25, 4534 + zone - 25


CHECKS: tuple[Callable[[Session, Context], list[FindingDraft]], ...] = (
    check_ranks,
    check_suites,
    check_shared_offices,
    check_entitlement,
    check_measurement,
    check_offices,
    check_departed,
    check_leased,
    check_change_of_use,
    check_idle,
    check_title,
    check_ledgers,
    check_geodata,
    check_legacy,
)
"""Every check, in rule order (rule 15, the annual reports, is :mod:`gis_app.reports`)."""
