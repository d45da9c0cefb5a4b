"""The rank vocabulary per agency category (2014 standard, 表3, including the 乡 row)."""

from __future__ import annotations

import pytest

from gis_app.ranks import RANKS
from gis_app.ranks import category_of
from gis_app.ranks import is_leader_rank
from gis_app.ranks import normalize_rank
from gis_app.ranks import rank_order
from gis_app.ranks import ranks_for
from gis_app.vocab import AgencyCategory


def test_each_category_has_its_own_row():
    assert ranks_for("中央") == (
        "部级正职",
        "部级副职",
        "正司(局)级",
        "副司(局)级",
        "处级",
        "处级以下",
    )
    assert "正处级" in ranks_for("省") and "副处级" in ranks_for("省")
    assert "正处级" not in ranks_for("中央")  # the central row has a single 处级
    assert ranks_for("乡") == ("乡级正职", "乡级副职", "乡级以下")
    assert set(RANKS) == set(AgencyCategory)


@pytest.mark.parametrize(
    ("category", "raw", "expected"),
    [
        ("市", "正局（处）级", "正局(处)级"),
        ("市", "正局处级", "正局(处)级"),
        ("市", "正处级", "正局(处)级"),
        ("市", "科员", "局(处)级以下"),
        ("县", " 副科 ", "副科级"),
        ("中央", "副部级", "部级副职"),
        ("中央", "正处级", "处级"),
        ("省", "正厅级", "正厅(局)级"),
        ("乡", "乡镇正职", "乡级正职"),
        ("县", "市级正职", None),
        ("乡", "正科级", None),
        ("县", "", None),
        ("县", None, None),
    ],
)
def test_loose_spellings_are_normalised_within_the_category_only(category, raw, expected):
    assert normalize_rank(category, raw) == expected


def test_categories_as_forms_write_them():
    assert category_of("市级机关") is AgencyCategory.CITY
    assert category_of(" 县级 ") is AgencyCategory.COUNTY
    assert category_of("township") is AgencyCategory.TOWNSHIP
    assert category_of("街道") is None


def test_order_and_leaders():
    assert rank_order("县", "县级正职") == 0 and rank_order("县", "科级以下") == 4
    with pytest.raises(ValueError):
        rank_order("县", "处级")
    assert is_leader_rank("市", "市级副职") and not is_leader_rank("市", "正局(处)级")
