"""The built-in standard tables: 2014 values of 表3, the 1999 legacy figures, the remapping."""

from __future__ import annotations

import pytest

from gis_app.ranks import RANKS
from gis_app.standards.tables import LIMITS_1999
from gis_app.standards.tables import LIMITS_2014
from gis_app.standards.tables import REMAPS_2014
from gis_app.standards.tables import SERVICE_INDEX_2014
from gis_app.standards.tables import VERSION_1999
from gis_app.standards.tables import VERSION_2014
from gis_app.standards.tables import normalize_level


@pytest.mark.parametrize(
    ("category", "rank", "limit"),
    [
        ("中央", "部级正职", 54), ("中央", "处级", 12), ("中央", "处级以下", 9),
        ("省", "正厅(局)级", 30), ("省", "副处级", 12), ("市", "市级正职", 42),
        ("市", "正局(处)级", 24), ("县", "县级正职", 30), ("县", "县级副职", 24),
        ("县", "副科级", 12), ("县", "科级以下", 9),
    ],
)  # fmt: skip
def test_2014_limits(category, rank, limit):
    assert LIMITS_2014[(category, rank)] == limit


def test_every_rank_of_the_four_national_rows_has_a_2014_and_a_1999_value():
    for category, ranks in RANKS.items():
        if category == "乡":
            assert not any(c == "乡" for c, _ in LIMITS_2014)  # set per province
            continue
        for rank in ranks:
            assert (str(category), rank) in LIMITS_2014
            assert (str(category), rank) in LIMITS_1999


def test_1999_figures_are_the_legacy_ones():
    assert LIMITS_1999[("市", "市级正职")] == 32 and LIMITS_1999[("县", "县级正职")] == 20
    assert LIMITS_1999[("中央", "处级以下")] == 6
    assert (VERSION_1999.k_multi_storey, VERSION_1999.k_high_rise) == (0.60, 0.57)
    assert (VERSION_2014.k_multi_storey, VERSION_2014.k_high_rise) == (0.65, 0.60)
    assert VERSION_2014.equipment_ratio == 0.09 and VERSION_2014.toilet_cap_m2 == 6


def test_service_index_stays_within_the_confirmed_central_and_provincial_range():
    assert 7 <= SERVICE_INDEX_2014["中央"] <= 9 and 7 <= SERVICE_INDEX_2014["省"] <= 9
    assert SERVICE_INDEX_2014["乡"] <= SERVICE_INDEX_2014["县"]


def test_every_remap_points_at_a_real_rank_of_a_real_row():
    for rule in REMAPS_2014:
        assert rule.scope in ("unit", "parent")
        for source, (category, rank) in rule.ranks.items():
            assert source in RANKS[rule.category]  # type: ignore[index]
            assert rank in RANKS[category]  # type: ignore[index]


def test_level_names_are_normalised_like_the_sql():
    assert normalize_level(" 正司（局）级 ") == "正司(局)级"
    assert normalize_level("") is None and normalize_level(None) is None
