"""The report tables, built from the database with the official Chinese column headers.

A :class:`Table` is plain data (title, headers, rows, totals) so the same table goes to Excel,
CSV or the web. Tables follow rule 15: keyed by 12-digit codes, each level's own agencies kept
apart from the levels below ("本级" vs "含下级"). Areas are exact here and rounded by the writer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app.analysis.checks import LEDGER_USES
from gis_app.analysis.checks import PROVINCE_LEADERS
from gis_app.analysis.checks import SUITE_CTES
from gis_app.analysis.checks import check_ledgers
from gis_app.analysis.checks import check_title
from gis_app.analysis.checks import ledger_totals
from gis_app.analysis.context import PREFIX_LENGTH
from gis_app.analysis.context import Context
from gis_app.analysis.entitlement import ANCILLARY_LABELS
from gis_app.analysis.entitlement import agency_entitlements
from gis_app.analysis.run import compute_findings
from gis_app.analysis.sql import PRELUDE
from gis_app.analysis.sql import without_jit
from gis_app.ranks import RANKS

__all__ = ["REPORTS", "Table", "build_report", "report_as_of"]


@dataclass
class Table:
    name: str
    """Sheet name (≤ 31 characters)."""
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[Any] | None = None
    """A 合计 row (None where a total means nothing)."""
    area_columns: frozenset[int] = frozenset()
    """Column indexes holding m² (written with 2 decimals)."""


def _sum(rows: list[list[Any]], index: int) -> float:
    return sum(float(r[index] or 0) for r in rows)


def _totals(rows: list[list[Any]], width: int, columns: set[int] | frozenset[int]) -> list[Any]:
    out: list[Any] = ["合计"] + [None] * (width - 1)
    for i in columns:
        out[i] = _sum(rows, i)
    return out


# -- 行政区划信息 -------------------------------------------------------------------------------


def region_table(session: Session, ctx: Context) -> Table:
    rows = session.execute(
        text(
            "SELECT code, name, level, parent_code FROM region "
            "WHERE code LIKE :pattern ORDER BY code"
        ),
        {"pattern": ctx.pattern},
    ).all()
    table = Table(
        "行政区划信息", "行政区划信息", ["序号", "名称", "级别", "代码(12位)", "上级代码"]
    )
    table.rows = [[i, r.name, r.level, r.code, r.parent_code] for i, r in enumerate(rows, 1)]
    return table


# -- 办公用房信息 and the roll-up -----------------------------------------------------------------

OFFICE_HEADERS = [
    "序号", "行政区划代码", "单位名称", "单位类别", "单位性质", "编制人数", "实际人数",
    "办公室使用面积", "服务用房使用面积", "设备用房使用面积", "基本办公用房使用面积",
    "核定基本办公用房使用面积", "超标面积", "超标比例", "核定总建筑面积", "空置使用面积",
    "技术业务用房使用面积", "附属用房使用面积", "核定附属用房建筑面积",
    *(f"其中{label}" for label in ANCILLARY_LABELS.values()),
]  # fmt: skip
"""The 核定 columns end with C (附属用房, 建筑面积) and its parts (§1.8)."""


def office_space_table(session: Session, ctx: Context) -> Table:
    """One row per 使用单位: actual 使用面积 by group, 核定, excess (§4.2)."""
    table = Table(
        "办公用房信息", "办公用房信息", OFFICE_HEADERS,
        area_columns=frozenset({7, 8, 9, 10, 11, 12, *range(14, len(OFFICE_HEADERS))}),
    )  # fmt: skip
    for i, ent in enumerate(agency_entitlements(session, ctx), 1):
        basic = ent.basic
        table.rows.append([
            i, ent.region_code, ent.name, ent.category, ent.kind, ent.approved_staff,
            ent.actual_headcount, ent.office.actual, ent.service.actual, ent.equipment.actual,
            basic.actual, basic.entitled, basic.excess,
            None if basic.ratio is None else round(basic.ratio, 4),
            ent.building_entitled, ent.idle, ent.technical_usable, ent.ancillary_usable,
            ent.ancillary_cap, *(ent.ancillary[part] for part in ANCILLARY_LABELS),
        ])  # fmt: skip
    table.totals = _totals(table.rows, len(OFFICE_HEADERS), {5, 6} | set(table.area_columns))
    return table


def rollup_table(session: Session, ctx: Context) -> Table:
    """Every division of the scope with its own level's totals and the totals with all levels
    below it (逐级汇总); 本级 and 含下级 are separate columns, never mixed."""
    ents = agency_entitlements(session, ctx)
    regions = session.execute(
        text("SELECT code, name, level FROM region WHERE code LIKE :pattern ORDER BY code"),
        {"pattern": ctx.pattern},
    ).all()
    headers = [
        "代码(12位)", "名称", "级别", "本级单位数", "本级编制人数", "本级基本办公用房使用面积",
        "本级核定面积", "本级超标面积", "含下级单位数", "含下级编制人数",
        "含下级基本办公用房使用面积", "含下级超标面积",
    ]  # fmt: skip
    table = Table(
        "逐级汇总", "办公用房信息逐级汇总", headers, area_columns=frozenset({5, 6, 7, 10, 11})
    )
    for region in regions:
        prefix = region.code[: PREFIX_LENGTH.get(region.level, 12)]
        own = [e for e in ents if e.region_code == region.code]
        below = [e for e in ents if e.region_code.startswith(prefix)]
        table.rows.append([
            region.code, region.name, region.level, len(own), sum(e.approved_staff for e in own),
            sum(e.basic.actual for e in own), sum(e.basic.entitled for e in own),
            sum(e.basic.excess for e in own), len(below), sum(e.approved_staff for e in below),
            sum(e.basic.actual for e in below), sum(e.basic.excess for e in below),
        ])  # fmt: skip
    return table


# -- 技术业务用房信息 -----------------------------------------------------------------------------

_TECHNICAL = (
    PRELUDE
    + """
SELECT b.id, b.name AS building, b.use_class, b.title_record, b.year_built, c.address,
    coalesce(a.name, '') AS agency, coalesce(a.region_code, c.region_code) AS region_code,
    sum(r.usable_area_m2) AS usable,
    (SELECT sum(ST_Area(fl.outline_plan)) FROM floor fl WHERE fl.building_id = b.id) AS gross
FROM scoped_room r
JOIN floor f ON f.id = r.floor_id
JOIN building b ON b.id = f.building_id
LEFT JOIN compound c ON c.id = b.compound_id
LEFT JOIN agency a ON a.id = r.agency_id
WHERE r.use_category = '技术业务用房' OR b.use_class = '技术业务'
GROUP BY b.id, b.name, b.use_class, b.title_record, b.year_built, c.address, a.name,
    a.region_code, c.region_code
ORDER BY region_code, agency, b.id
"""
)


def technical_table(session: Session, ctx: Context) -> Table:
    """技术业务用房 per building and using agency: usable area measured, gross area from the
    drawn floor outlines (建筑面积, never added to usable area)."""
    headers = [
        "序号",
        "行政区划代码",
        "单位名称",
        "地址坐落",
        "楼栋",
        "建设年代",
        "技术业务用房使用面积",
        "已测绘楼层建筑面积",
        "批准文件/权属证明",
    ]
    table = Table("技术业务用房信息", "技术业务用房信息", headers, area_columns=frozenset({6, 7}))
    for i, r in enumerate(session.execute(text(_TECHNICAL), ctx.params()).mappings(), 1):
        table.rows.append(
            [
                i,
                r["region_code"],
                r["agency"],
                r["address"],
                r["building"],
                r["year_built"],
                r["usable"],
                r["gross"],
                r["title_record"],
            ]
        )
    table.totals = _totals(table.rows, len(headers), {6})
    return table


# -- leaders' offices: the annual table and the inspection record ---------------------------------

_LEADER_SUITES = (
    SUITE_CTES
    + """
, office_count AS (
    SELECT person_id, count(*) AS offices FROM person_rooms
    WHERE use_category = '办公室' GROUP BY person_id
)
SELECT c.*, c.office + c.rest + c.meeting + c.toilet_counted AS total, sp.status,
    sp.status_date, coalesce(oc.offices, 0) AS offices
FROM counted c
JOIN scoped_person sp ON sp.id = c.id
LEFT JOIN office_count oc ON oc.person_id = c.id
WHERE c.rank <> ALL(:lowest_ranks)
ORDER BY sp.region_code, c.agency_name, c.limit_m2 DESC NULLS LAST, c.id
"""
)

LEADER_HEADERS = [
    "序号", "姓名", "单位", "在职情况", "级别", "职务", "地址及房号", "办公室", "休息室", "卫生间",
    "会议室", "合计", "标准", "超标", "是否多处占用", "备注",
]  # fmt: skip


def _address(rooms: list[dict[str, Any]]) -> str:
    first = rooms[0] if rooms else {}
    numbers = "、".join(str(r.get("number") or r.get("name") or "") for r in rooms)
    return f"{first.get('address') or ''}{first.get('building') or ''}{numbers}"


def _leader_rows(session: Session, ctx: Context, *, top_only: bool) -> list[list[Any]]:
    lowest = [ranks[-1] for ranks in RANKS.values()]
    rows = []
    params = ctx.params(province_leaders=list(PROVINCE_LEADERS), lowest_ranks=lowest)
    for r in session.execute(text(PRELUDE + _LEADER_SUITES), params).mappings():
        if top_only and not str(r["eff_rank"] or "").endswith(("正职", "副职")):
            continue
        limit = r["limit_m2"]
        excess = None if limit is None else max(0.0, r["total"] - limit)
        remark = []
        if r["status"] != "在职":
            remark.append(f"已{r['status']}({r['status_date'] or '日期未登记'})未腾退")
        if r["toilet"] and not r["toilet_eligible"]:
            remark.append("卫生间不符合配置条件")
        if r["remap_note"]:
            remark.append(f"按表3{r['remap_note']}执行{r['eff_rank']}标准")
        rows.append([
            len(rows) + 1, r["name"], r["agency_name"], r["status"], r["rank"], r["position"],
            _address(r["rooms"]), r["office"], r["rest"], r["toilet"], r["meeting"], r["total"],
            limit, excess, "是" if r["offices"] > 1 else "否", "; ".join(remark) or None,
        ])  # fmt: skip
    return rows


def _leader_table(session: Session, ctx: Context, name: str, title: str, top_only: bool) -> Table:
    table = Table(name, title, LEADER_HEADERS, area_columns=frozenset({7, 8, 9, 10, 11, 12, 13}))
    table.rows = _leader_rows(session, ctx, top_only=top_only)
    table.totals = _totals(table.rows, len(LEADER_HEADERS), {7, 8, 9, 10, 11, 13})
    return table


def leader_offices_table(session: Session, ctx: Context) -> Table:
    """领导干部办公室信息: the 正职/副职 of each level (the annual 备案 list)."""
    return _leader_table(session, ctx, "领导干部办公室信息", "领导干部办公室信息", True)


def inspection_table(session: Session, ctx: Context) -> Table:
    """领导干部办公用房配备使用情况现场检查记录表 (the 连云区 form): every 领导干部 with a suite."""
    title = "领导干部办公用房配备使用情况现场检查记录表"
    return _leader_table(session, ctx, "现场检查记录表", title, False)


# -- lists from the findings -------------------------------------------------------------------

_IDLE_LIST = (
    PRELUDE
    + """
SELECT sr.*, c.address,
    CASE WHEN sr.status = '闲置' THEN coalesce(sr.status_since, le.d)
         ELSE greatest(le.d, sr.status_since) END AS idle_since
FROM scoped_room sr
LEFT JOIN compound c ON c.id = sr.compound_id
LEFT JOIN LATERAL (SELECT max(o.valid_to) AS d FROM occupancy o
                   WHERE o.room_id = sr.id AND o.valid_to <= :as_of) le ON true
WHERE NOT sr.occupied
  AND (sr.status = '闲置' OR (sr.status = '在用' AND sr.use_category = '办公室'))
ORDER BY sr.region, sr.agency_name, sr.building_name, sr.floor_name, sr.number
"""
)


def idle_table(session: Session, ctx: Context) -> Table:
    """Every idle room (short ones too, flagged or not) with how long it has been idle."""
    headers = [
        "序号",
        "单位",
        "地址",
        "楼栋",
        "楼层",
        "房间号",
        "用途",
        "使用面积",
        "状态",
        "闲置起始日期",
        "闲置天数",
        "是否达到调剂期限",
    ]
    table = Table("闲置房间清单", "闲置办公用房清单", headers, area_columns=frozenset({7}))
    for r in session.execute(text(_IDLE_LIST), ctx.params()).mappings():
        since = r["idle_since"]
        due = None
        if since is not None:
            months = (ctx.as_of.year - since.year) * 12 + ctx.as_of.month - since.month
            months -= ctx.as_of.day < since.day
            due = "是" if months >= ctx.idle_threshold_months else "否"
        table.rows.append([
            len(table.rows) + 1, r["agency_name"], r["address"], r["building_name"],
            r["floor_name"], r["number"], r["use_subtype"] or r["use_category"],
            r["usable_area_m2"], r["status"], since, None if since is None
            else (ctx.as_of - since).days, due,
        ])  # fmt: skip
    table.totals = _totals(table.rows, len(headers), {7})
    return table


def over_standard_table(session: Session, ctx: Context) -> Table:
    """超标清单: people over their limit, shared offices, agencies over their 核定."""
    headers = [
        "序号",
        "类型",
        "对象",
        "单位",
        "级别",
        "使用面积",
        "标准",
        "超标面积",
        "说明",
        "依据",
        "标准版本",
    ]
    table = Table("超标清单", "办公用房超标清单", headers, area_columns=frozenset({5, 6, 7}))
    kinds = {3: "个人办公室", 4: "合用办公室", 5: "办公室内卫生间", 6: "单位核定面积"}
    for f in compute_findings(session, ctx):
        if f.rule not in kinds:
            continue
        ev = f.evidence
        who = ev.get("person") or {}
        subject = who.get("name") or ev.get("agency") or (ev.get("rooms") or [{}])[0].get("number")
        table.rows.append([
            len(table.rows) + 1, kinds[f.rule], subject, who.get("agency") or ev.get("agency"),
            who.get("rank"), f.area_m2, f.limit_m2, f.excess_m2, f.message,
            f"规则{f.rule} {ev['rule_title']}", ev["standard"]["document"],
        ])  # fmt: skip
    table.totals = _totals(table.rows, len(headers), {7})
    return table


_PUBLICITY = (
    PRELUDE
    + """
SELECT sr.agency_name, sr.building_name, sr.floor_name, sr.number, sr.use_subtype,
    sr.use_category, sr.usable_area_m2,
    (SELECT string_agg(p.name, '、' ORDER BY p.name) FROM occ JOIN person p ON p.id = occ.person_id
     WHERE occ.room_id = sr.id) AS occupants
FROM scoped_room sr
WHERE sr.agency_id IS NOT NULL AND sr.use_category IN ('办公室', '服务用房', '设备用房')
ORDER BY sr.region, sr.agency_name, sr.building_name, sr.floor_name, sr.number
"""
)


def publicity_table(session: Session, ctx: Context) -> Table:
    """The annual internal 公示 of room allocation (Art. 19)."""
    headers = ["序号", "单位", "楼栋", "楼层", "房间号", "用途", "使用面积", "使用人"]
    table = Table("办公用房公示", "办公用房分配使用情况公示", headers, area_columns=frozenset({6}))
    for r in session.execute(text(_PUBLICITY), ctx.params()).mappings():
        table.rows.append(
            [
                len(table.rows) + 1,
                r["agency_name"],
                r["building_name"],
                r["floor_name"],
                r["number"],
                r["use_subtype"] or r["use_category"],
                r["usable_area_m2"],
                r["occupants"],
            ]
        )
    table.totals = _totals(table.rows, len(headers), {6})
    return table


_LEASES = (
    PRELUDE
    + """
, current AS (
    SELECT DISTINCT ON (l.room_id) l.* FROM room_lease l
    WHERE l.start_date <= :as_of ORDER BY l.room_id, l.start_date DESC
),
counted AS (SELECT room_id, count(*) AS contracts FROM room_lease GROUP BY room_id)
SELECT sr.agency_name, sr.building_name, sr.floor_name, sr.number, sr.usable_area_m2,
    sr.status, c.address, cur.counterparty, cur.counterparty_kind, cur.start_date,
    cur.end_date, cur.approval_ref, coalesce(n.contracts, 0) AS contracts
FROM scoped_room sr
LEFT JOIN compound c ON c.id = sr.compound_id
LEFT JOIN current cur ON cur.room_id = sr.id
LEFT JOIN counted n ON n.room_id = sr.id
WHERE sr.status IN ('出租', '出借', '被占用')
   OR (cur.room_id IS NOT NULL AND (cur.end_date IS NULL OR cur.end_date >= :as_of))
ORDER BY sr.region, sr.agency_name, sr.building_name, sr.floor_name, sr.number
"""
)


def lease_table(session: Session, ctx: Context) -> Table:
    """出租出借清单: every room leased, lent or used by another party, with its contract."""
    headers = [
        "序号", "单位", "地址", "楼栋", "楼层", "房间号", "使用面积", "使用状态", "承租(借用)方",
        "承租方性质", "合同起始日期", "合同到期日期", "批准文号", "合同数", "到期未收回",
    ]  # fmt: skip
    table = Table("出租出借清单", "办公用房出租出借清单", headers, area_columns=frozenset({6}))
    for r in session.execute(text(_LEASES), ctx.params()).mappings():
        end = r["end_date"]
        expired = r["status"] in ("出租", "出借") and end is not None and end < ctx.as_of
        table.rows.append([
            len(table.rows) + 1, r["agency_name"], r["address"], r["building_name"],
            r["floor_name"], r["number"], r["usable_area_m2"], r["status"], r["counterparty"],
            r["counterparty_kind"], r["start_date"], end, r["approval_ref"], r["contracts"],
            "是" if expired else "否",
        ])  # fmt: skip
    table.totals = _totals(table.rows, len(headers), {6})
    return table


# -- inventory reconciliation (管理办法 Art. 6): 账实, 账证, 账账 -----------------------------


def ledger_rooms_table(session: Session, ctx: Context) -> Table:
    """账实相符: register rows without a surveyed room and surveyed rooms the register lacks."""
    headers = ["序号", "核对结果", "楼栋编码", "楼栋", "楼层", "房间号", "单位", "使用面积", "说明"]
    table = Table("账实核对", "房间台账与实测核对(账实相符)", headers, area_columns=frozenset({7}))
    for f in check_ledgers(session, ctx):
        if f.kind == "ledger_totals_differ":
            continue
        ev = f.evidence
        place = ev.get("ledger") or (ev.get("rooms") or [{}])[0]
        table.rows.append([
            len(table.rows) + 1,
            "台账有、实测无" if f.kind == "ledger_room_not_surveyed" else "实测有、台账无",
            place.get("building_code"), place.get("building"), place.get("floor"),
            place.get("number"), ev.get("agency"), f.area_m2, f.message,
        ])  # fmt: skip
    table.totals = _totals(table.rows, len(headers), {7})
    return table


def ledger_titles_table(session: Session, ctx: Context) -> Table:
    """账证相符: compounds and buildings without a title record or registered to someone other
    than the 机关事务管理部门 without an exception code."""
    headers = ["序号", "对象", "名称", "权属证明", "权属人", "例外情形", "问题", "说明"]
    table = Table("账证核对", "权属登记核对(账证相符)", headers)
    labels = {
        "no_land_title": "无土地/不动产权证",
        "no_title_record": "无权属登记",
        "lease_without_agreement": "无租(借)用协议",
        "title_not_bureau": "未登记在机关事务管理部门",
    }
    for f in check_title(session, ctx):
        table.rows.append([
            len(table.rows) + 1, "院落" if f.subject == "compound" else "楼栋",
            f.evidence.get("name"), f.figures.get("title"), f.figures.get("title_holder"),
            f.figures.get("title_exception"), labels.get(f.kind, f.kind), f.message,
        ])  # fmt: skip
    return table


def ledger_totals_table(session: Session, ctx: Context) -> Table:
    """账账相符: each agency's reported sub-ledger totals against the surveyed rooms (agencies
    that reported no totals are not listed: there is nothing to compare)."""
    headers = [
        "序号",
        "单位",
        "用途",
        "分台账上报使用面积",
        "实测使用面积",
        "差额",
        "房间数",
        "是否相符",
    ]
    table = Table(
        "账账核对", "分台账与总台账核对(账账相符)", headers, area_columns=frozenset({3, 4, 5})
    )
    for agency in ledger_totals(session, ctx):
        for use in (str(u) for u in LEDGER_USES):
            part = agency["by_use"].get(use)
            if part is None:
                continue
            table.rows.append([
                len(table.rows) + 1, agency["name"], use, part["reported"], part["surveyed"],
                part["difference"], part["rooms"], "否" if part["differs"] else "是",
            ])  # fmt: skip
    table.totals = _totals(table.rows, len(headers), {3, 4})
    return table


Builder = Callable[[Session, Context], Table]

REPORTS: dict[str, tuple[str, tuple[Builder, ...]]] = {
    "annual": (
        "年度统计报告",
        (region_table, office_space_table, rollup_table, technical_table, leader_offices_table),
    ),
    "regions": ("行政区划信息", (region_table,)),
    "office-space": ("办公用房信息", (office_space_table,)),
    "rollup": ("逐级汇总", (rollup_table,)),
    "technical": ("技术业务用房信息", (technical_table,)),
    "leader-offices": ("领导干部办公室信息", (leader_offices_table,)),
    "inspection": ("现场检查记录表", (inspection_table,)),
    "idle": ("闲置房间清单", (idle_table,)),
    "over-standard": ("超标清单", (over_standard_table,)),
    "publicity": ("办公用房公示", (publicity_table,)),
    "leases": ("出租出借清单", (lease_table,)),
    "ledger": (
        "清查盘点核对",
        (ledger_rooms_table, ledger_titles_table, ledger_totals_table),
    ),
}
"""Report name → (Chinese title, the tables it holds). 办公用房建设项目信息 is not offered: the
registry holds no construction projects (the national form asks for it only where data exists).
The inventory reconciliation (账实/账证/账账) is not one of the five national tables, so it is its
own report (``ledger``) rather than a sheet of ``annual``."""


def build_report(session: Session, ctx: Context, name: str) -> list[Table]:
    without_jit(session)
    return [builder(session, ctx) for builder in REPORTS[name][1]]


def report_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """A year's report describes 31 December, or today for the current year."""
    today = today or dt.date.today()
    return min(dt.date(year, 12, 31), today)
