"""The region tree from a CSV: 12-digit statistical codes (统计用区划代码), names, levels, parents.

A row is checked against the code's own structure: the zero padding says the level (省 = 2
significant digits, 市 = 4, 县 = 6, 乡 = 9, 村 = 12), the GB/T 2260 code is the first six
digits, and the parent must be a higher division whose code is a prefix of the child's. A
6-digit GB/T 2260 code is accepted and padded to 12 digits (reported as a fix). The parent may
be omitted: it is then the nearest existing ancestor by code. Nothing is written when any row
is wrong, unless ``partial`` is asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.models import Region
from gis_app.registry import Tally
from gis_app.registry import region_is_ancestor
from gis_app.registry import region_level_of_code
from gis_app.registry import save
from gis_app.report import ImportReport
from gis_app.vocab import RegionLevel
from survey_import.tabular import Columns
from survey_import.tabular import InputRefused
from survey_import.tabular import Row
from survey_import.tabular import read_csv

__all__ = ["REGION_COLUMNS", "RegionCode", "RegionImport", "import_regions"]

LOGGER = logging.getLogger(__name__)


class RegionCode(StrEnum):
    BAD_CODE = "region-bad-code"
    BAD_LEVEL = "region-bad-level"
    LEVEL_MISMATCH = "region-level-mismatch"
    NO_NAME = "region-no-name"
    DUPLICATE = "region-duplicate"
    UNKNOWN_PARENT = "region-unknown-parent"
    BAD_PARENT = "region-bad-parent"
    PADDED = "region-code-padded"
    PARENT_DERIVED = "region-parent-derived"


REGION_COLUMNS = Columns(
    {
        "code": ("代码", "区划代码", "行政区划代码", "统计用区划代码", "code", "region_code"),
        "name": ("名称", "区划名称", "行政区划名称", "name"),
        "level": ("级别", "层级", "区划级别", "level"),
        "parent": ("上级代码", "上级区划代码", "父级代码", "parent_code", "parent"),
    },
    required=("code", "name"),
)

_LEVELS = {
    "省": RegionLevel.PROVINCE,
    "省级": RegionLevel.PROVINCE,
    "province": RegionLevel.PROVINCE,
    "市": RegionLevel.CITY,
    "市级": RegionLevel.CITY,
    "地级": RegionLevel.CITY,
    "city": RegionLevel.CITY,
    "prefecture": RegionLevel.CITY,
    "县": RegionLevel.COUNTY,
    "县级": RegionLevel.COUNTY,
    "区县": RegionLevel.COUNTY,
    "county": RegionLevel.COUNTY,
    "乡": RegionLevel.TOWNSHIP,
    "乡级": RegionLevel.TOWNSHIP,
    "乡镇": RegionLevel.TOWNSHIP,
    "镇": RegionLevel.TOWNSHIP,
    "街道": RegionLevel.TOWNSHIP,
    "township": RegionLevel.TOWNSHIP,
    "村": RegionLevel.VILLAGE,
    "村级": RegionLevel.VILLAGE,
    "社区": RegionLevel.VILLAGE,
    "village": RegionLevel.VILLAGE,
}


@dataclass
class RegionImport:
    report: ImportReport
    tally: Tally
    rows: int
    written: bool


@dataclass
class _Candidate:
    row: Row
    code: str
    name: str
    level: RegionLevel
    parent: str | None


def _code_of(row: Row, report: ImportReport) -> str | None:
    raw = (row.text("code") or "").replace(" ", "")
    if raw.isdigit() and len(raw) in (6, 9):
        padded = raw.ljust(12, "0")
        report.fix(
            RegionCode.PADDED,
            f"{row.where('代码')}: {raw} 补零为12位统计用区划代码 {padded}",
            row=row.number,
        )
        raw = padded
    if len(raw) != 12 or not raw.isdigit() or region_level_of_code(raw) is None:
        report.error(
            RegionCode.BAD_CODE,
            f"{row.where('代码')}: 「{row.text('code') or ''}」不是12位区划代码",
            row=row.number,
        )
        return None
    return raw


def _check_row(row: Row, report: ImportReport) -> _Candidate | None:
    errors_before = len(report.errors)
    code = _code_of(row, report)
    name = row.text("name")
    if not name:
        report.error(RegionCode.NO_NAME, f"{row.where('名称')}: 名称为空", row=row.number)
    level = None
    if code is not None:
        level = region_level_of_code(code)
        written = row.text("level")
        if written:
            stated = _LEVELS.get(written.lower())
            if stated is None:
                report.error(
                    RegionCode.BAD_LEVEL,
                    f"{row.where('级别')}: 「{written}」不是区划级别 (省/市/县/乡/村)",
                    row=row.number,
                )
            elif stated != level:
                report.error(
                    RegionCode.LEVEL_MISMATCH,
                    f"{row.where('级别')}: 代码 {code} 是{level}级, 但级别写作「{written}」",
                    row=row.number,
                )
    parent = (row.text("parent") or "").replace(" ", "") or None
    if parent is not None and parent.isdigit() and len(parent) in (6, 9):
        parent = parent.ljust(12, "0")
    if len(report.errors) > errors_before or code is None or level is None or not name:
        return None
    return _Candidate(row, code, name, level, parent)


def import_regions(
    session: Session, path: Path, *, actor: str, partial: bool = False
) -> RegionImport:
    """Read, check and (when clean, or ``partial``) upsert the regions of a CSV file."""
    if not path.is_file():
        raise InputRefused(f"{path}: 文件不存在")
    rows, _ = read_csv(path, "区划").records(REGION_COLUMNS)
    report = ImportReport()
    candidates: list[_Candidate] = []
    seen: dict[str, int] = {}
    for row in rows:
        candidate = _check_row(row, report)
        if candidate is None:
            continue
        if candidate.code in seen:
            report.error(
                RegionCode.DUPLICATE,
                f"{row.where('代码')}: 代码 {candidate.code} 与第{seen[candidate.code]}行重复",
                row=row.number,
            )
            continue
        seen[candidate.code] = row.number
        candidates.append(candidate)

    known = set(session.scalars(select(Region.code)))
    in_file = {c.code: c for c in candidates}
    good: list[_Candidate] = []
    accepted: set[str] = set()
    for candidate in sorted(candidates, key=lambda c: _LEVELS_ORDER.index(c.level)):
        if not _parent_ok(candidate, known, in_file, report):
            continue
        if candidate.parent is not None and candidate.parent not in known | accepted:
            report.error(
                RegionCode.UNKNOWN_PARENT,
                f"{candidate.row.where('上级代码')}: 上级 {candidate.parent} 所在行有误, "
                "本行不能导入",
                row=candidate.row.number,
            )
            continue
        good.append(candidate)
        accepted.add(candidate.code)

    tally = Tally()
    written = not report.has_errors or partial
    if written:
        for candidate in good:
            save(
                session,
                Region,
                session.get(Region, candidate.code),
                {
                    "code": candidate.code,
                    "gb_code": candidate.code[:6],
                    "name": candidate.name,
                    "level": str(candidate.level),
                    "parent_code": candidate.parent,
                    "province_code": candidate.code[:2],
                },
                actor=actor,
                entity="region",
                tally=tally,
            )
    return RegionImport(report, tally, len(rows), written)


_LEVELS_ORDER = (
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
)


def _parent_ok(
    candidate: _Candidate, known: set[str], in_file: dict[str, _Candidate], report: ImportReport
) -> bool:
    row = candidate.row
    if candidate.level is RegionLevel.PROVINCE:
        if candidate.parent:
            report.error(
                RegionCode.BAD_PARENT,
                f"{row.where('上级代码')}: 省级区划 {candidate.code} 不应有上级",
                row=row.number,
            )
            return False
        return True
    if candidate.parent is None:
        ancestors = sorted(
            (c for c in known | set(in_file) if region_is_ancestor(c, candidate.code)),
            key=lambda c: len(c.rstrip("0")),
        )
        if not ancestors:
            report.error(
                RegionCode.UNKNOWN_PARENT,
                f"{row.where('上级代码')}: 找不到 {candidate.code} 的上级区划 "
                "(请在文件中列出上级, 或先导入上级区划)",
                row=row.number,
            )
            return False
        candidate.parent = ancestors[-1]
        report.note(
            RegionCode.PARENT_DERIVED,
            f"{row.where()}: 上级按代码推定为 {candidate.parent}",
            row=row.number,
        )
        return True
    if candidate.parent not in known and candidate.parent not in in_file:
        report.error(
            RegionCode.UNKNOWN_PARENT,
            f"{row.where('上级代码')}: 上级代码 {candidate.parent} 不存在 (文件和数据库中均无)",
            row=row.number,
        )
        return False
    if not region_is_ancestor(candidate.parent, candidate.code):
        report.error(
            RegionCode.BAD_PARENT,
            f"{row.where('上级代码')}: {candidate.parent} 不是 {candidate.code} 的上级 "
            "(上级代码应是本代码的前缀)",
            row=row.number,
        )
        return False
    return True
