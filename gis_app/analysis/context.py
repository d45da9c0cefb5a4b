"""What one analysis evaluates: scope (region subtree, agency), date, standard, policy switches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.orm import Session

from gis_app.config import Settings
from gis_app.models import Agency
from gis_app.models import Region
from gis_app.standards.models import StandardVersion
from gis_app.standards.store import active_version

__all__ = [
    "PREFIX_LENGTH",
    "RULE_TITLES",
    "AnalysisError",
    "Context",
    "FindingDraft",
    "build_context",
    "evidence",
    "r2",
    "region_prefix",
]

PREFIX_LENGTH = {"省": 2, "市": 4, "县": 6, "乡": 9, "村": 12}
"""Digits of a 12-digit statistical code that name a division and everything below it."""


class AnalysisError(ValueError):
    """Bad scope or input for an analysis; the message names what is wrong."""


def region_prefix(region: Region) -> str:
    return region.code[: PREFIX_LENGTH.get(region.level, 12)]


@dataclass(frozen=True)
class Context:
    as_of: dt.date
    version: StandardVersion
    region: Region | None
    agency: Agency | None
    toilet_inside_limit: bool
    idle_threshold_months: int

    @property
    def pattern(self) -> str:
        return (region_prefix(self.region) if self.region else "") + "%"

    def params(self, **extra: Any) -> dict[str, Any]:
        return {
            "vid": self.version.id,
            "as_of": self.as_of,
            "pattern": self.pattern,
            "agency_id": self.agency.id if self.agency else None,
            "toilet_inside": self.toilet_inside_limit,
            "toilet_cap": self.version.toilet_cap_m2,
            "idle_months": self.idle_threshold_months,
            **extra,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "region": self.region.code if self.region else None,
            "agency_id": self.agency.id if self.agency else None,
            "standard": self.version.code,
            "toilet_inside_limit": self.toilet_inside_limit,
            "idle_threshold_months": self.idle_threshold_months,
        }


@dataclass
class FindingDraft:
    """A finding before it is stored: one breach of rule ``rule`` with figures and evidence."""

    rule: int
    kind: str
    severity: str
    subject: str
    message: str
    province_code: str
    person_id: int | None = None
    room_id: int | None = None
    agency_id: int | None = None
    building_id: int | None = None
    compound_id: int | None = None
    region_code: str | None = None
    area_m2: float | None = None
    limit_m2: float | None = None
    excess_m2: float | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[Any, ...]:
        """What the finding is about, independent of its figures (to compare two runs)."""
        return (
            self.rule,
            self.kind,
            self.subject,
            self.person_id,
            self.room_id,
            self.agency_id,
            self.building_id,
            self.compound_id,
        )


def build_context(
    session: Session,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    region_code: str | None = None,
    agency_id: int | None = None,
) -> Context:
    """Resolve the scope, refusing an unknown region or agency with a clear message."""
    region = None
    if region_code is not None:
        region = session.get(Region, region_code)
        if region is None:
            raise AnalysisError(f"行政区划代码 {region_code} 不存在 (unknown region code)")
    agency = None
    if agency_id is not None:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise AnalysisError(f"单位 {agency_id} 不存在 (unknown agency id)")
    return Context(
        as_of=as_of or dt.date.today(),
        version=active_version(session),
        region=region,
        agency=agency,
        toilet_inside_limit=settings.toilet_inside_limit,
        idle_threshold_months=settings.idle_threshold_months,
    )


RULE_TITLES: dict[int, str] = {
    1: "单位类别与职级",
    2: "面积标准表",
    3: "领导干部办公室超标",
    4: "合用办公室超标",
    5: "办公室内卫生间",
    6: "核定面积",
    7: "编制定员",
    8: "面积计算口径",
    9: "一人一处办公室",
    10: "退休、调离人员腾退",
    11: "出租、出借",
    12: "改变使用功能",
    13: "闲置",
    14: "权属与台账",
    15: "年度统计报告",
    16: "地理数据",
    17: "1999年标准防误用",
}


def r2(value: Any) -> float | None:
    """An area as shown: 2 decimals (computation stays exact)."""
    return None if value is None else round(float(value) + 0.0, 2)


def _standard(ctx: Context) -> dict[str, Any]:
    return {"code": ctx.version.code, "document": ctx.version.document}


def evidence(ctx: Context, rule: int, **parts: Any) -> dict[str, Any]:
    return {"rule": rule, "rule_title": RULE_TITLES[rule], "standard": _standard(ctx), **parts}
