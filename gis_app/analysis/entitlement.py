"""Rule 6 and 7: what each agency is entitled to (核定) against what it uses.

A = Σ 编制 per rank × 表3 limit (notes 1/2 applied), B = Σ 编制 × service index,
D = equipment ratio × (A + B); basic = A + B + D; total building area = basic / K + C with K by the
agency's buildings (高层 60 %, 多层 65 %) and C the ancillary caps (§1.8): the canteen when the
agency has one, the car park, bicycle and e-bike parking by its spaces, guard rooms by its guards.
SQL aggregates the rooms and staff (province scale); the formula is applied per agency row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app.analysis.context import Context
from gis_app.analysis.context import FindingDraft
from gis_app.analysis.context import evidence
from gis_app.analysis.context import r2
from gis_app.analysis.sql import PRELUDE
from gis_app.analysis.sql import without_jit

__all__ = [
    "ANCILLARY_LABELS",
    "AgencyEntitlement",
    "Component",
    "agency_entitlements",
    "ancillary_caps",
    "check_entitlement",
]

_SQL = """
, staff AS (
    SELECT a.id AS agency_id, s.key AS rank, s.value::int AS n
    FROM agency_scope a, jsonb_each_text(coalesce(a.approved_staff, '{}'::jsonb)) s
    WHERE s.value ~ '^[0-9]+$'
),
ent_a AS (
    SELECT st.agency_id, sum(st.n) AS staff, sum(st.n * rl.limit_m2) AS a_m2,
        coalesce(bool_or(rl.limit_m2 IS NULL AND st.n > 0), false) AS missing,
        jsonb_agg(jsonb_build_object('rank', st.rank, 'effective_rank', rl.eff_rank,
            'count', st.n, 'limit', rl.limit_m2) ORDER BY st.rank) FILTER (WHERE st.n > 0)
            AS by_rank
    FROM staff st
    LEFT JOIN rank_limit rl ON rl.agency_id = st.agency_id AND rl.rank = st.rank
    GROUP BY st.agency_id
),
actual AS (
    SELECT r.agency_id, count(*) AS rooms,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE r.use_category = '办公室'), 0) AS office,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE r.use_category = '服务用房'), 0) AS service,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE r.use_category = '设备用房'), 0) AS equipment,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE r.use_category = '附属用房'), 0) AS ancillary,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE r.use_category = '技术业务用房'), 0)
            AS technical,
        coalesce(sum(r.usable_area_m2) FILTER (WHERE b.is_high_rise
            AND r.use_category IN ('办公室', '服务用房', '设备用房')), 0) AS high_rise_basic,
        coalesce(sum(r.usable_area_m2) FILTER (
            WHERE (r.status = '闲置' OR (r.status = '在用' AND r.use_category = '办公室'))
              AND NOT EXISTS (SELECT 1 FROM occ WHERE occ.room_id = r.id)), 0) AS idle,
        coalesce(bool_or(r.use_subtype = '食堂'), false) AS has_canteen
    FROM room r
    JOIN floor f ON f.id = r.floor_id
    JOIN building b ON b.id = f.building_id
    WHERE r.retired_at IS NULL AND r.agency_id IN (SELECT id FROM agency_scope)
    GROUP BY r.agency_id
)
SELECT a.id, a.name, a.category, a.kind, a.level_name, a.region_code, a.province_code,
    a.actual_headcount, a.parking_spaces, a.bicycle_spaces, a.ebike_spaces, a.guards,
    coalesce(e.staff, 0) AS staff, coalesce(e.a_m2, 0) AS a_m2,
    coalesce(e.missing, false) AS missing, e.by_rank, si.m2_per_person AS service_index,
    coalesce(ac.rooms, 0) AS rooms, coalesce(ac.office, 0) AS office,
    coalesce(ac.service, 0) AS service, coalesce(ac.equipment, 0) AS equipment,
    coalesce(ac.ancillary, 0) AS ancillary, coalesce(ac.technical, 0) AS technical,
    coalesce(ac.high_rise_basic, 0) AS high_rise_basic, coalesce(ac.idle, 0) AS idle,
    coalesce(ac.has_canteen, false) AS has_canteen
FROM agency_scope a
LEFT JOIN ent_a e ON e.agency_id = a.id
LEFT JOIN actual ac ON ac.agency_id = a.id
LEFT JOIN LATERAL (
    SELECT si.m2_per_person FROM standard_service_index si
    WHERE si.version_id = :vid AND si.category = a.category
      AND (si.province_code IS NULL OR si.province_code = a.province_code)
      AND si.min_staff <= coalesce(e.staff, 0)
    ORDER BY si.province_code IS NULL, si.min_staff DESC
    LIMIT 1
) si ON true
ORDER BY a.region_code, a.id
"""


@dataclass(frozen=True)
class Component:
    """One line of the 核定 table: entitled, actual, excess, excess ratio."""

    entitled: float
    actual: float

    @property
    def excess(self) -> float:
        return max(0.0, self.actual - self.entitled)

    @property
    def over(self) -> bool:
        return round(self.actual - self.entitled, 2) > 0

    @property
    def ratio(self) -> float | None:
        """超标比例: excess / entitled (None when nothing is entitled)."""
        return self.excess / self.entitled if self.entitled > 0 else None

    def figures(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "entitled": r2(self.entitled),
            "actual": r2(self.actual),
            "excess": r2(self.excess),
            "excess_ratio": None if ratio is None else round(ratio, 4),
        }


@dataclass(frozen=True)
class AgencyEntitlement:
    agency_id: int
    name: str
    category: str
    kind: str | None
    region_code: str
    province_code: str
    approved_staff: int
    actual_headcount: int | None
    staff_by_rank: list[dict[str, Any]]
    missing_ranks: bool
    service_index: float | None
    k: float
    high_rise: bool
    ancillary: dict[str, float]
    """C by part (canteen, parking, bicycle, ebike, guard), 建筑面积 m²."""
    rooms: int
    office: Component
    service: Component
    equipment: Component
    ancillary_usable: float
    technical_usable: float
    idle: float

    @property
    def basic(self) -> Component:
        return Component(
            self.office.entitled + self.service.entitled + self.equipment.entitled,
            self.office.actual + self.service.actual + self.equipment.actual,
        )

    @property
    def ancillary_cap(self) -> float:
        """C = Σ of the ancillary caps."""
        return sum(self.ancillary.values())

    @property
    def building_entitled(self) -> float:
        """核定总建筑面积 = (A + B + D) / K + C."""
        return self.basic.entitled / self.k + self.ancillary_cap

    @property
    def vacancies(self) -> int | None:
        if self.actual_headcount is None:
            return None
        return self.approved_staff - self.actual_headcount

    def figures(self) -> dict[str, Any]:
        return {
            "approved_staff": self.approved_staff,
            "actual_headcount": self.actual_headcount,
            "vacancies": self.vacancies,
            "service_index": self.service_index,
            "k": self.k,
            "office": self.office.figures(),
            "service": self.service.figures(),
            "equipment": self.equipment.figures(),
            "basic": self.basic.figures(),
            "ancillary_cap": r2(self.ancillary_cap),
            "ancillary": {part: r2(value) for part, value in self.ancillary.items()},
            "building_entitled": r2(self.building_entitled),
            "idle": r2(self.idle),
        }


ANCILLARY_LABELS = {
    "canteen": "食堂",
    "parking": "汽车库",
    "bicycle": "自行车库",
    "ebike": "电动车摩托车库",
    "guard": "警卫用房",
}
"""The parts of C, in the order the reports show them."""


def _tiered(count: int, first: float, rate_first: float, rate_beyond: float) -> float:
    return rate_first * min(count, first) + rate_beyond * max(count - first, 0)


def ancillary_caps(
    caps: dict[str, Any],
    *,
    staff: int,
    has_canteen: bool,
    parking: int | None,
    bicycles: int | None,
    ebikes: int | None,
    guards: int | None,
) -> dict[str, float]:
    """C by part (§1.8). A part whose count is unknown (or no canteen) is 0: nothing entitled."""
    canteen = _tiered(
        staff,
        float(caps.get("canteen_first_staff", 100)),
        float(caps.get("canteen_per_person_first", 3.7)),
        float(caps.get("canteen_per_person_beyond", 2.6)),
    )
    return {
        "canteen": canteen if has_canteen else 0.0,
        "parking": _tiered(
            parking or 0,
            float(caps.get("parking_first_spaces", 200)),
            float(caps.get("parking_per_space_first", 40.0)),
            float(caps.get("parking_per_space_beyond", 38.0)),
        ),
        "bicycle": float(caps.get("bicycle_per_space", 1.8)) * (bicycles or 0),
        "ebike": float(caps.get("ebike_per_space", 2.5)) * (ebikes or 0),
        "guard": float(caps.get("guard_per_person", 25.0)) * (guards or 0),
    }


def agency_entitlements(session: Session, ctx: Context) -> list[AgencyEntitlement]:
    """Entitlement and actual use of every agency in scope."""
    without_jit(session)
    version = ctx.version
    out = []
    for row in session.execute(text(PRELUDE + _SQL), ctx.params()).mappings():
        staff = int(row["staff"])
        index = row["service_index"]
        a_m2 = float(row["a_m2"])
        b_m2 = staff * float(index or 0)
        d_m2 = version.equipment_ratio * (a_m2 + b_m2)
        basic_actual = row["office"] + row["service"] + row["equipment"]
        high_rise = basic_actual > 0 and row["high_rise_basic"] * 2 > basic_actual
        out.append(
            AgencyEntitlement(
                agency_id=row["id"],
                name=row["name"],
                category=row["category"],
                kind=row["kind"],
                region_code=row["region_code"],
                province_code=row["province_code"],
                approved_staff=staff,
                actual_headcount=row["actual_headcount"],
                staff_by_rank=row["by_rank"] or [],
                missing_ranks=row["missing"],
                service_index=index,
                k=version.k_high_rise if high_rise else version.k_multi_storey,
                high_rise=high_rise,
                ancillary=ancillary_caps(
                    version.ancillary,
                    staff=staff,
                    has_canteen=row["has_canteen"],
                    parking=row["parking_spaces"],
                    bicycles=row["bicycle_spaces"],
                    ebikes=row["ebike_spaces"],
                    guards=row["guards"],
                ),
                rooms=row["rooms"],
                office=Component(a_m2, float(row["office"])),
                service=Component(b_m2, float(row["service"])),
                equipment=Component(d_m2, float(row["equipment"])),
                ancillary_usable=float(row["ancillary"]),
                technical_usable=float(row["technical"]),
                idle=float(row["idle"]),
            )
        )
    return out


_LABELS = {
    "office": "办公室",
    "service": "服务用房",
    "equipment": "设备用房",
    "basic": "基本办公用房",
}


def check_entitlement(session: Session, ctx: Context) -> list[FindingDraft]:
    """Rule 6: an agency over its 核定 for any of 办公室/服务/设备/基本 (all shown);
    rule 7: an agency using space with no 编制 on record; rule 1: 编制 ranks outside its row."""
    out = []
    for ent in agency_entitlements(session, ctx):
        common = {
            "subject": "agency",
            "agency_id": ent.agency_id,
            "region_code": ent.region_code,
            "province_code": ent.province_code,
        }
        if ent.missing_ranks:
            unknown = [r["rank"] for r in ent.staff_by_rank if r["limit"] is None]
            out.append(
                FindingDraft(
                    rule=1,
                    kind="approved_staff_rank_unknown",
                    severity="data",
                    message=f"{ent.name} 编制中的职级 {'、'.join(unknown)} 不在{ent.category}级机关"
                    "的标准表中, 核定面积不完整",
                    figures={"ranks": unknown},
                    evidence=evidence(ctx, 1, agency=ent.name),
                    **common,
                )
            )
        if ent.approved_staff == 0:
            if ent.rooms:
                out.append(
                    FindingDraft(
                        rule=7,
                        kind="no_approved_staff",
                        severity="data",
                        message=f"{ent.name} 使用 {ent.rooms} 间房屋, "
                        "但没有编制定员记录, 无法核定面积",
                        figures={"rooms": ent.rooms, "actual_headcount": ent.actual_headcount},
                        evidence=evidence(ctx, 7, agency=ent.name),
                        **common,
                    )
                )
            continue
        parts = {
            "office": ent.office,
            "service": ent.service,
            "equipment": ent.equipment,
            "basic": ent.basic,
        }
        over = [key for key, part in parts.items() if part.over]
        if not over:
            continue
        worst = ent.basic if ent.basic.over else parts[over[0]]
        text_parts = "、".join(
            f"{_LABELS[k]}超标 {parts[k].excess:.2f} m² ({parts[k].ratio:.1%})"
            if parts[k].ratio is not None
            else f"{_LABELS[k]}超标 {parts[k].excess:.2f} m²"
            for k in over
        )
        out.append(
            FindingDraft(
                rule=6,
                kind="entitlement_exceeded",
                severity="violation",
                message=f"{ent.name} 超过核定面积: {text_parts}",
                area_m2=worst.actual,
                limit_m2=worst.entitled,
                excess_m2=worst.excess,
                figures=ent.figures() | {"over": over},
                evidence=evidence(
                    ctx,
                    6,
                    agency=ent.name,
                    staff_by_rank=ent.staff_by_rank,
                    formula=f"A + B + D; D = {ctx.version.equipment_ratio:.2f} × (A + B); "
                    "S = (A + B + D) / K + C; "
                    "C = 食堂 + 汽车库 + 自行车库 + 电动车摩托车库 + 警卫用房",
                ),
                **common,
            )
        )
    return out
