"""The rank (职级) vocabulary of the 2014 standard's 表3, one row per agency category.

The rows differ by level: the central row has a single 处级, the provincial row splits 正处/副处,
the city row speaks of 局(处), the county row of 科, and the township row (乡级, set per province)
has only 正职/副职/以下. A rank is therefore valid only together with a category. The area limits
themselves live with the standards tables; this module only names the ranks and checks them.

Rosters write ranks loosely ("正处", "副部级", "科员", full-width brackets): :func:`normalize_rank`
maps the common spellings onto the canonical names and refuses anything ambiguous.
"""

from __future__ import annotations

import re

from gis_app.vocab import AgencyCategory

__all__ = [
    "LEADER_RANKS",
    "RANKS",
    "category_of",
    "is_leader_rank",
    "normalize_rank",
    "rank_order",
    "ranks_for",
]

RANKS: dict[AgencyCategory, tuple[str, ...]] = {
    AgencyCategory.CENTRAL: (
        "部级正职",
        "部级副职",
        "正司(局)级",
        "副司(局)级",
        "处级",
        "处级以下",
    ),
    AgencyCategory.PROVINCE: (
        "省级正职",
        "省级副职",
        "正厅(局)级",
        "副厅(局)级",
        "正处级",
        "副处级",
        "处级以下",
    ),
    AgencyCategory.CITY: (
        "市级正职",
        "市级副职",
        "正局(处)级",
        "副局(处)级",
        "局(处)级以下",
    ),
    AgencyCategory.COUNTY: (
        "县级正职",
        "县级副职",
        "正科级",
        "副科级",
        "科级以下",
    ),
    AgencyCategory.TOWNSHIP: (
        "乡级正职",
        "乡级副职",
        "乡级以下",
    ),
}
"""Canonical rank names per category, most senior first (the order of 表3)."""

LEADER_RANKS: dict[AgencyCategory, frozenset[str]] = {
    category: frozenset(r for r in ranks if r.endswith(("正职", "副职")))
    for category, ranks in RANKS.items()
}
"""The 正职/副职 ranks: the level's leaders (their suites may hold a rest room, §1.4)."""

_ALIASES: dict[AgencyCategory, dict[str, str]] = {
    AgencyCategory.CENTRAL: {
        "正部级": "部级正职",
        "部级正职": "部级正职",
        "副部级": "部级副职",
        "正司级": "正司(局)级",
        "正局级": "正司(局)级",
        "正司局级": "正司(局)级",
        "副司级": "副司(局)级",
        "副局级": "副司(局)级",
        "副司局级": "副司(局)级",
        "正处级": "处级",
        "副处级": "处级",
        "处级干部": "处级",
        "科级": "处级以下",
        "正科级": "处级以下",
        "副科级": "处级以下",
        "科员": "处级以下",
        "办事员": "处级以下",
    },
    AgencyCategory.PROVINCE: {
        "正省级": "省级正职",
        "省部级正职": "省级正职",
        "副省级": "省级副职",
        "省部级副职": "省级副职",
        "正厅级": "正厅(局)级",
        "正局级": "正厅(局)级",
        "正厅局级": "正厅(局)级",
        "副厅级": "副厅(局)级",
        "副局级": "副厅(局)级",
        "副厅局级": "副厅(局)级",
        "正处": "正处级",
        "副处": "副处级",
        "科级": "处级以下",
        "正科级": "处级以下",
        "副科级": "处级以下",
        "科员": "处级以下",
        "办事员": "处级以下",
    },
    AgencyCategory.CITY: {
        "正局级": "正局(处)级",
        "正处级": "正局(处)级",
        "正局处级": "正局(处)级",
        "副局级": "副局(处)级",
        "副处级": "副局(处)级",
        "副局处级": "副局(处)级",
        "局级以下": "局(处)级以下",
        "处级以下": "局(处)级以下",
        "局处级以下": "局(处)级以下",
        "正科级": "局(处)级以下",
        "副科级": "局(处)级以下",
        "科员": "局(处)级以下",
        "办事员": "局(处)级以下",
    },
    AgencyCategory.COUNTY: {
        "正科": "正科级",
        "副科": "副科级",
        "科员": "科级以下",
        "办事员": "科级以下",
    },
    AgencyCategory.TOWNSHIP: {
        "乡镇正职": "乡级正职",
        "镇级正职": "乡级正职",
        "乡镇副职": "乡级副职",
        "镇级副职": "乡级副职",
        "乡镇以下": "乡级以下",
        "一般干部": "乡级以下",
    },
}
"""Unambiguous spellings seen in rosters. A 正处级 in a county agency is its 县级正职 in some
places and not in others, so cross-level spellings are accepted only where the row names them."""

_CATEGORY_SPELLINGS = {
    "中央": AgencyCategory.CENTRAL,
    "中央级": AgencyCategory.CENTRAL,
    "中央机关": AgencyCategory.CENTRAL,
    "省": AgencyCategory.PROVINCE,
    "省级": AgencyCategory.PROVINCE,
    "省级机关": AgencyCategory.PROVINCE,
    "省直": AgencyCategory.PROVINCE,
    "市": AgencyCategory.CITY,
    "市级": AgencyCategory.CITY,
    "市级机关": AgencyCategory.CITY,
    "市直": AgencyCategory.CITY,
    "地市级": AgencyCategory.CITY,
    "县": AgencyCategory.COUNTY,
    "县级": AgencyCategory.COUNTY,
    "县级机关": AgencyCategory.COUNTY,
    "县直": AgencyCategory.COUNTY,
    "区县级": AgencyCategory.COUNTY,
    "乡": AgencyCategory.TOWNSHIP,
    "乡级": AgencyCategory.TOWNSHIP,
    "乡镇": AgencyCategory.TOWNSHIP,
    "乡级机关": AgencyCategory.TOWNSHIP,
    "乡镇级": AgencyCategory.TOWNSHIP,
    "central": AgencyCategory.CENTRAL,
    "province": AgencyCategory.PROVINCE,
    "provincial": AgencyCategory.PROVINCE,
    "city": AgencyCategory.CITY,
    "county": AgencyCategory.COUNTY,
    "township": AgencyCategory.TOWNSHIP,
}

_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "\u3000": " "})


def _clean(raw: str) -> str:
    return re.sub(r"\s+", "", raw.translate(_FULLWIDTH))


def category_of(raw: str | None) -> AgencyCategory | None:
    """The agency category written as 中央/省/市/县/乡 (or 市级, 县级机关, city ...), else None."""
    if raw is None:
        return None
    return _CATEGORY_SPELLINGS.get(_clean(str(raw)).lower())


def ranks_for(category: AgencyCategory | str) -> tuple[str, ...]:
    """The canonical ranks of a category's row, most senior first."""
    return RANKS[AgencyCategory(category)]


def normalize_rank(category: AgencyCategory | str, raw: str | None) -> str | None:
    """The canonical rank for ``raw`` in ``category``'s row, or None when it is not one."""
    if raw is None:
        return None
    cat = AgencyCategory(category)
    text = _clean(str(raw))
    if not text:
        return None
    if text in RANKS[cat]:
        return text
    alias = _ALIASES[cat].get(text)
    if alias:
        return alias
    # "正局（处）级" written without the brackets: compare with the brackets stripped
    bare = text.replace("(", "").replace(")", "")
    for rank in RANKS[cat]:
        if rank.replace("(", "").replace(")", "") == bare:
            return rank
    return None


def rank_order(category: AgencyCategory | str, rank: str) -> int:
    """0 for the most senior rank of the row; raises ValueError for a rank not in the row."""
    return RANKS[AgencyCategory(category)].index(rank)


def is_leader_rank(category: AgencyCategory | str, rank: str) -> bool:
    return rank in LEADER_RANKS[AgencyCategory(category)]
