"""The built-in standard tables, as plain data: what a fresh database is seeded with.

Two versions are shipped. ``2014`` (发改投资〔2014〕2674号) is the one the checks use. ``1999``
(计投资〔1999〕2250号) is kept only so that values copied from it can be recognised and refused:
many web pages still print the 1999 figures under a 2014 title (standards.md §1.9, rule 17).

The limit rows are keyed by the rank names of :mod:`gis_app.ranks` (表3 of the 2014 standard),
so the 1999 values are written against the same ranks (its 处级 covered 正处 and 副处).
Nothing here touches the database; the migration and the tests read these constants.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis_app.ranks import RANKS
from gis_app.vocab import AgencyCategory

__all__ = [
    "ANCILLARY_2014",
    "BuiltinVersion",
    "LIMITS_1999",
    "LIMITS_2014",
    "REMAPS_2014",
    "RemapRule",
    "SERVICE_INDEX_2014",
    "TOWNSHIP_CEILING_RANK",
    "VERSION_1999",
    "VERSION_2014",
    "normalize_level",
]

C = AgencyCategory.CENTRAL
P = AgencyCategory.PROVINCE
M = AgencyCategory.CITY
X = AgencyCategory.COUNTY
T = AgencyCategory.TOWNSHIP


@dataclass(frozen=True)
class BuiltinVersion:
    code: str
    title: str
    document: str
    active: bool
    k_multi_storey: float
    k_high_rise: float
    equipment_ratio: float
    toilet_cap_m2: float


VERSION_2014 = BuiltinVersion(
    code="2014",
    title="党政机关办公用房建设标准",
    document="发改投资〔2014〕2674号",
    active=True,
    k_multi_storey=0.65,
    k_high_rise=0.60,
    equipment_ratio=0.09,
    toilet_cap_m2=6.0,
)
VERSION_1999 = BuiltinVersion(
    code="1999",
    title="党政机关办公用房建设标准(1999,已废止)",
    document="计投资〔1999〕2250号",
    active=False,
    k_multi_storey=0.60,
    k_high_rise=0.57,
    equipment_ratio=0.09,
    toilet_cap_m2=6.0,
)

_VALUES_2014: dict[AgencyCategory, tuple[float, ...]] = {
    C: (54, 42, 24, 18, 12, 9),
    P: (54, 42, 30, 24, 18, 12, 9),
    M: (42, 30, 24, 18, 9),
    X: (30, 24, 18, 12, 9),
}
"""表3 of 2014, in the order of :data:`gis_app.ranks.RANKS`. The 乡 row is set per province."""

_VALUES_1999: dict[AgencyCategory, tuple[float, ...]] = {
    C: (54, 42, 24, 18, 9, 6),
    P: (54, 42, 24, 18, 12, 12, 6),
    M: (32, 18, 12, 12, 6),
    X: (20, 12, 9, 9, 6),
}
"""The 1999 limits on the same ranks (中央 处级 is 9 in [S22] and 12 in [S3]; 9 is kept
because 12 is also the 2014 value and could never be told apart)."""


def _rows(values: dict[AgencyCategory, tuple[float, ...]]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for category, limits in values.items():
        ranks = RANKS[category]
        assert len(ranks) == len(limits), category
        out.update({(str(category), rank): float(v) for rank, v in zip(ranks, limits, strict=True)})
    return out


LIMITS_2014: dict[tuple[str, str], float] = _rows(_VALUES_2014)
"""(category, rank) → m² per person, 2014."""
LIMITS_1999: dict[tuple[str, str], float] = _rows(_VALUES_1999)
"""(category, rank) → m² per person, 1999 (legacy, for recognising old data only)."""

TOWNSHIP_CEILING_RANK = (str(X), "县级副职")
"""The 乡级 row is set by each province, 原则上不得超过县级副职 (≤ 24 m²)."""

SERVICE_INDEX_2014: dict[str, float] = {
    str(C): 9.0,
    str(P): 9.0,
    str(M): 8.0,
    str(X): 7.0,
    str(T): 7.0,
}
"""服务用房 m² per 编制 (第十二条). Only 中央/省 7-9 is confirmed; the 市/县/乡 values and the
staff bands are not, so the upper figure is shipped as one band and each province can set its own
(standards.md §1.5). A lower index makes the checks stricter, so a guess errs on the kind side."""

ANCILLARY_2014: dict[str, float] = {
    "canteen_first_staff": 100,
    "canteen_per_person_first": 3.7,
    "canteen_per_person_beyond": 2.6,
    "parking_first_spaces": 200,
    "parking_per_space_first": 40.0,
    "parking_per_space_beyond": 38.0,
    "bicycle_per_space": 1.8,
    "ebike_per_space": 2.5,
    "guard_per_person": 25.0,
}
"""附属用房 building-area caps that make up C (§1.8): the canteen per 编制 (3.7 m² up to 100,
2.6 beyond), the car park per space (40 m² up to 200 spaces, 38 beyond), bicycles 1.8 and
e-bikes/motorbikes 2.5 m² per space, guard rooms 25 m² per guard. The counts (spaces, guards)
are the agency's own, from the roster's 单位 sheet; 人防设施 follow the 人防 rules (no cap)."""


@dataclass(frozen=True)
class RemapRule:
    """One line of the note-1/note-2 remapping: a rank of a unit looked up in another row.

    ``scope`` says whose 机构级别 is matched: the unit's own (``unit``) or its parent's
    (``parent``: the 组成部门 of a 副省级 city).
    """

    note: str
    category: str
    level_names: tuple[str, ...]
    scope: str
    ranks: dict[str, tuple[str, str]]


REMAPS_2014: tuple[RemapRule, ...] = (
    # 注1: 副省级城市 and 副部级单位 are led at 副省(部) level; their 组成部门 use 厅(局) limits.
    RemapRule(
        "注1",
        str(M),
        ("副省级",),
        "unit",
        {"市级正职": (str(P), "省级副职"), "市级副职": (str(P), "正厅(局)级")},
    ),
    RemapRule(
        "注1",
        str(M),
        ("副省级",),
        "parent",
        {
            "正局(处)级": (str(P), "正厅(局)级"),
            "副局(处)级": (str(P), "副厅(局)级"),
            "局(处)级以下": (str(P), "处级以下"),
        },
    ),
    RemapRule(
        "注1",
        str(C),
        ("副部级",),
        "unit",
        {"部级正职": (str(C), "部级副职"), "部级副职": (str(C), "正司(局)级")},
    ),
    RemapRule(
        "注1",
        str(P),
        ("副部级", "副省级"),
        "unit",
        {"省级正职": (str(P), "省级副职"), "省级副职": (str(P), "正厅(局)级")},
    ),
    # 注1, one level down: 副市(厅)级 and 副县(处)级 units.
    RemapRule(
        "注1",
        str(M),
        ("副厅级", "副市级", "副地级"),
        "unit",
        {"市级正职": (str(M), "市级副职"), "市级副职": (str(M), "正局(处)级")},
    ),
    RemapRule(
        "注1",
        str(X),
        ("副县级", "副处级"),
        "unit",
        {"县级正职": (str(X), "县级副职"), "县级副职": (str(X), "正科级")},
    ),
    RemapRule(
        "注1",
        str(T),
        ("副县级", "副处级"),
        "unit",
        {"乡级正职": (str(X), "县级副职"), "乡级副职": (str(X), "正科级")},
    ),
    # 注2: 派出机构 and 事业单位 below their level's row use the row one level down.
    RemapRule(
        "注2",
        str(C),
        ("正司级", "正局级", "正司(局)级", "副司级", "副局级", "副司(局)级", "司局级"),
        "unit",
        {
            "正司(局)级": (str(P), "正厅(局)级"),
            "副司(局)级": (str(P), "副厅(局)级"),
            "处级": (str(P), "正处级"),
            "处级以下": (str(P), "处级以下"),
        },
    ),
    RemapRule(
        "注2",
        str(C),
        ("处级", "正处级", "副处级"),
        "unit",
        {"处级": (str(M), "正局(处)级"), "处级以下": (str(M), "局(处)级以下")},
    ),
    RemapRule(
        "注2",
        str(P),
        ("处级", "正处级", "副处级"),
        "unit",
        {
            "正处级": (str(M), "正局(处)级"),
            "副处级": (str(M), "副局(处)级"),
            "处级以下": (str(M), "局(处)级以下"),
        },
    ),
    RemapRule(
        "注2", str(P), ("科级", "正科级", "副科级"), "unit", {"处级以下": (str(X), "科级以下")}
    ),
    RemapRule(
        "注2", str(M), ("科级", "正科级", "副科级"), "unit", {"局(处)级以下": (str(X), "科级以下")}
    ),
)
"""The remapping of 表3's notes 1 and 2 as data (editable per version). A person of a remapped
unit whose rank is written directly in the target row (e.g. 正科级 in a 科级 unit of a province)
is looked up there as written: 处级以下 alone cannot tell a 正科 from a 科员."""

_FULLWIDTH = str.maketrans({"（": "(", "）": ")"})


def normalize_level(raw: str | None) -> str | None:
    """A 机构级别 as compared with the remap rules: half-width brackets, no spaces."""
    if raw is None:
        return None
    text = "".join(str(raw).translate(_FULLWIDTH).split())
    return text or None
