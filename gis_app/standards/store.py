"""Reading and editing the standard tables. Every edit is validated and audited.

Validation encodes rules 2 and 17 of standards.md §7: the 乡级 row is a province's own and may
not exceed the 县级副职 limit; a value that is the 1999 figure where 2014 differs (or a 1999 K)
is refused unless the admin insists, and then the analysis flags it (rule 17). Nothing commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app import audit
from gis_app.ranks import ranks_for
from gis_app.standards.models import ServiceIndex
from gis_app.standards.models import StandardLimit
from gis_app.standards.models import StandardVersion
from gis_app.standards.tables import LIMITS_2014
from gis_app.standards.tables import TOWNSHIP_CEILING_RANK
from gis_app.vocab import AgencyCategory

__all__ = [
    "LegacyMatch",
    "StandardsError",
    "active_version",
    "legacy_matches",
    "limit_table",
    "set_k",
    "set_limit",
    "set_service_index",
    "version_by_code",
]

LOGGER = logging.getLogger(__name__)
LEGACY_CODE = "1999"


class StandardsError(ValueError):
    """An edit or lookup that cannot be done; the message says why, in Chinese."""


@dataclass(frozen=True)
class LegacyMatch:
    """A value of the active version that is the 1999 figure (rule 17)."""

    what: str
    category: str | None
    rank: str | None
    province_code: str | None
    value: float
    legacy_value: float


def active_version(session: Session) -> StandardVersion:
    version = session.scalar(select(StandardVersion).where(StandardVersion.active))
    if version is None:
        raise StandardsError("没有启用的标准版本 (no active standard version): 请运行 db upgrade")
    return version


def version_by_code(session: Session, code: str) -> StandardVersion:
    version = session.scalar(select(StandardVersion).where(StandardVersion.code == code))
    if version is None:
        raise StandardsError(f"标准版本 {code!r} 不存在")
    return version


def limit_table(
    session: Session, version: StandardVersion, province_code: str | None = None
) -> dict[tuple[str, str], float]:
    """(category, rank) → m² of a version, with a province's own rows over the national ones."""
    rows = session.scalars(
        select(StandardLimit).where(StandardLimit.version_id == version.id)
    ).all()
    out: dict[tuple[str, str], float] = {}
    for row in sorted(rows, key=lambda r: r.province_code is not None):
        if row.province_code in (None, province_code):
            out[(row.category, row.rank)] = row.limit_m2
    return out


def _legacy_limits(session: Session) -> dict[tuple[str, str], float]:
    legacy = session.scalar(select(StandardVersion).where(StandardVersion.code == LEGACY_CODE))
    return {} if legacy is None else limit_table(session, legacy)


def _find_limit(
    session: Session, version: StandardVersion, category: str, rank: str, province: str | None
) -> StandardLimit | None:
    query = select(StandardLimit).where(
        StandardLimit.version_id == version.id,
        StandardLimit.category == category,
        StandardLimit.rank == rank,
    )
    if province is None:
        query = query.where(StandardLimit.province_code.is_(None))
    else:
        query = query.where(StandardLimit.province_code == province)
    return session.scalar(query)


def _check_province(code: str | None) -> str | None:
    if code is None:
        return None
    if len(code) != 2 or not code.isdigit():
        raise StandardsError(f"省级代码应为两位数字 (如 37): {code!r}")
    return code


def set_limit(
    session: Session,
    *,
    category: str,
    rank: str,
    limit_m2: float,
    actor: str,
    province_code: str | None = None,
    version: StandardVersion | None = None,
    allow_legacy: bool = False,
) -> StandardLimit:
    """Set one 表3 value (the 乡级 row per province). Refuses bad ranks, a 乡级 value above
    县级副职, a 乡级 value without a province, and a 1999 figure (unless ``allow_legacy``)."""
    try:
        cat = AgencyCategory(category)
    except ValueError:
        raise StandardsError(f"单位类别应为 中央/省/市/县/乡: {category!r}") from None
    if rank not in ranks_for(cat):
        raise StandardsError(f"职级 {rank!r} 不属于{cat}级机关 (可选: {'、'.join(ranks_for(cat))})")
    if not limit_m2 > 0:
        raise StandardsError(f"面积标准应大于 0: {limit_m2}")
    province = _check_province(province_code)
    version = version or active_version(session)
    if cat == AgencyCategory.TOWNSHIP:
        if province is None:
            raise StandardsError("乡级标准由各省规定: 请指定省级代码 (--province)")
        ceiling = limit_table(session, version, province).get(TOWNSHIP_CEILING_RANK)
        if ceiling is not None and limit_m2 > ceiling:
            raise StandardsError(
                f"乡级标准原则上不得超过县级副职 ({ceiling:.2f} m²): {limit_m2:.2f} m²"
            )
    elif province is not None:
        raise StandardsError(f"{cat}级机关的标准全国统一, 只有乡级可按省设定")
    legacy = _legacy_limits(session).get((str(cat), rank))
    current = _find_limit(session, version, str(cat), rank, None)
    if (
        version.active
        and legacy is not None
        and abs(limit_m2 - legacy) < 1e-9
        and (current is None or abs(current.limit_m2 - legacy) > 1e-9)
        and not allow_legacy
    ):
        raise StandardsError(
            f"{rank} {limit_m2:.2f} m² 是1999年标准(已废止)的数值; 2014年标准为 "
            f"{current.limit_m2 if current else '—'} m²。确需使用请加 --allow-legacy"
        )
    row = _find_limit(session, version, str(cat), rank, province) or StandardLimit(
        version_id=version.id, category=str(cat), rank=rank, province_code=province
    )
    _save_audited(
        session,
        row,
        "limit_m2",
        float(limit_m2),
        actor=actor,
        version=version,
        extra={"category": str(cat), "rank": rank, "allow_legacy": allow_legacy},
    )
    return row


def _save_audited(
    session: Session,
    row: StandardLimit | ServiceIndex,
    field: str,
    value: float,
    *,
    actor: str,
    version: StandardVersion,
    extra: dict[str, object],
) -> None:
    """Write one value of a standard row (new or existing) and its audit entry."""
    before = None if row.id is None else {field: getattr(row, field)}
    setattr(row, field, value)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create" if before is None else "update",
        entity=row.__tablename__,
        entity_id=row.id,
        before=before,
        after={"version": version.code, "province_code": row.province_code, **extra, field: value},
        province_code=row.province_code,
    )


def set_service_index(
    session: Session,
    *,
    category: str,
    m2_per_person: float,
    actor: str,
    province_code: str | None = None,
    min_staff: int = 0,
    version: StandardVersion | None = None,
) -> ServiceIndex:
    """Set the 服务用房 m² per 编制 for a category (and staff band), nationally or per province."""
    try:
        cat = AgencyCategory(category)
    except ValueError:
        raise StandardsError(f"单位类别应为 中央/省/市/县/乡: {category!r}") from None
    if not 0 < m2_per_person <= 20:
        raise StandardsError(f"服务用房指标应在 0-20 m²/人 之间: {m2_per_person}")
    if min_staff < 0:
        raise StandardsError(f"编制人数下限不能为负: {min_staff}")
    province = _check_province(province_code)
    version = version or active_version(session)
    query = select(ServiceIndex).where(
        ServiceIndex.version_id == version.id,
        ServiceIndex.category == str(cat),
        ServiceIndex.min_staff == min_staff,
    )
    query = query.where(
        ServiceIndex.province_code.is_(None)
        if province is None
        else ServiceIndex.province_code == province
    )
    row = session.scalar(query) or ServiceIndex(
        version_id=version.id, category=str(cat), province_code=province, min_staff=min_staff
    )
    _save_audited(
        session,
        row,
        "m2_per_person",
        float(m2_per_person),
        actor=actor,
        version=version,
        extra={"category": str(cat), "min_staff": min_staff},
    )
    return row


def set_k(
    session: Session,
    *,
    k_multi_storey: float,
    k_high_rise: float,
    actor: str,
    version: StandardVersion | None = None,
    allow_legacy: bool = False,
) -> StandardVersion:
    """Set the usable-area coefficients K. The 1999 pair (60 % / 57 %) is refused (rule 17)."""
    for name, value in (("多层", k_multi_storey), ("高层", k_high_rise)):
        if not 0.3 <= value <= 1:
            raise StandardsError(f"{name}系数K应在 0.30-1.00 之间: {value}")
    version = version or active_version(session)
    legacy = session.scalar(select(StandardVersion).where(StandardVersion.code == LEGACY_CODE))
    if (
        version.active
        and legacy is not None
        and not allow_legacy
        and (
            abs(k_multi_storey - legacy.k_multi_storey) < 1e-9
            or abs(k_high_rise - legacy.k_high_rise) < 1e-9
        )
    ):
        raise StandardsError(
            f"K = {k_multi_storey:.0%}/{k_high_rise:.0%} 含1999年标准的系数 "
            f"({legacy.k_multi_storey:.0%}/{legacy.k_high_rise:.0%}); 2014年标准为 65%/60%"
        )
    before = {"k_multi_storey": version.k_multi_storey, "k_high_rise": version.k_high_rise}
    version.k_multi_storey = float(k_multi_storey)
    version.k_high_rise = float(k_high_rise)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="standard_version",
        entity_id=version.id,
        before=before,
        after={
            "k_multi_storey": k_multi_storey,
            "k_high_rise": k_high_rise,
            "allow_legacy": allow_legacy,
        },
        province_code=None,
    )
    return version


def legacy_matches(session: Session, version: StandardVersion) -> list[LegacyMatch]:
    """Values of ``version`` equal to the 1999 figure where the 1999 and built-in differ."""
    legacy_version = session.scalar(
        select(StandardVersion).where(StandardVersion.code == LEGACY_CODE)
    )
    if legacy_version is None or legacy_version.id == version.id:
        return []
    legacy = limit_table(session, legacy_version)
    out: list[LegacyMatch] = []
    rows = session.scalars(
        select(StandardLimit).where(StandardLimit.version_id == version.id)
    ).all()
    for row in rows:
        old = legacy.get((row.category, row.rank))
        builtin = LIMITS_2014.get((row.category, row.rank))
        if old is None or abs(row.limit_m2 - old) > 1e-9:
            continue
        if builtin is not None and abs(builtin - old) < 1e-9:
            continue
        out.append(
            LegacyMatch("limit", row.category, row.rank, row.province_code, row.limit_m2, old)
        )
    for what, value, old in (
        ("k_multi_storey", version.k_multi_storey, legacy_version.k_multi_storey),
        ("k_high_rise", version.k_high_rise, legacy_version.k_high_rise),
    ):
        if abs(value - old) < 1e-9:
            out.append(LegacyMatch(what, None, None, None, value, old))
    return out
