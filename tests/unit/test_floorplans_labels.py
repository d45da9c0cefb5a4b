"""Label parsing (number, name, use, subtype) and floor titles, from real label strings."""

from __future__ import annotations

import re

import pytest

from floorplans.labels import _LATIN_LETTER
from floorplans.labels import _TITLE_DASH
from floorplans.labels import _TITLE_HINT
from floorplans.labels import _USE_RULES
from floorplans.labels import classify_use
from floorplans.labels import floor_title_candidates
from floorplans.labels import number_from_layer
from floorplans.labels import parse_floor_title
from floorplans.labels import parse_label


@pytest.mark.parametrize(
    ("text", "number", "name", "use", "subtype"),
    [
        ("301 局长办公室", "301", "局长办公室", "办公室", "领导办公室"),
        ("301室", "301", None, None, None),
        ("局长办公室(301)", "301", "局长办公室", "办公室", "领导办公室"),
        ("办公室301", "301", "办公室", "办公室", "一般办公室"),
        ("B101 会议室", "B101", "会议室", "服务用房", "会议室"),
        ("3-05 财务科", "3-05", "财务科", "办公室", "一般办公室"),
        ("E14-274", "E14-274", None, None, None),
        ("Office 2.14", "2.14", "Office", "办公室", "一般办公室"),
        ("会议室", None, "会议室", "服务用房", "会议室"),
        ("卫生间", None, "卫生间", "服务用房", "卫生间"),
        ("男卫", None, "男卫", "服务用房", "卫生间"),
        ("女卫", None, "女卫", "服务用房", "卫生间"),
        ("WC", None, "WC", "服务用房", "卫生间"),
        ("走廊", None, "走廊", "公共交通", "走廊"),
        ("Corridor", None, "Corridor", "公共交通", "走廊"),
        ("1#楼梯", None, "1#楼梯", "公共交通", "楼梯间"),
        ("配电室", None, "配电室", "设备用房", "变配电室"),
        ("电梯机房", None, "电梯机房", "设备用房", "电梯机房"),
        ("强电井", None, "强电井", "公共交通", "管道井"),
        ("弱电机房", None, "弱电机房", "设备用房", "弱电机房"),
        ("食堂", None, "食堂", "附属用房", "食堂"),
        ("档案室 205", "205", "档案室", "服务用房", "档案室"),
        ("Meeting Room 3.1", "3.1", "Meeting Room", "服务用房", "会议室"),
        ("G01-02", "G01-02", None, None, None),
        ("书记办公室", None, "书记办公室", "办公室", "领导办公室"),
        ("卫生室", None, "卫生室", "服务用房", "医务室"),
        ("实验室", None, "实验室", "技术业务用房", "技术业务用房"),
        ("Fællesrum", None, "Fællesrum", None, None),
        ("Bedroom", None, "Bedroom", None, None),
        ("302 办公室 25.30㎡", "302", "办公室", "办公室", "一般办公室"),
        ("3-001-001 办公室", "3-001-001", "办公室", "办公室", "一般办公室"),
        ("No. 12", "12", None, None, None),
        ("NO 7室", "7", None, None, None),
        ("会议室 30㎡", None, "会议室", "服务用房", "会议室"),
    ],
)
def test_label_parsing(text, number, name, use, subtype):
    parsed = parse_label(text)
    assert (parsed.number, parsed.name, parsed.use, parsed.subtype) == (number, name, use, subtype)
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "area"),
    [("60 m2", 60.0), ("25.30㎡", 25.3), ("S=18.5", 18.5), ("面积：12平方米", 12.0)],
)
def test_area_notes_are_not_room_names(text, area):
    parsed = parse_label(text)
    assert (parsed.area_m2, parsed.number, parsed.name) == (area, None, None)


@pytest.mark.parametrize(
    ("text", "number", "name", "area"),
    [
        ("办公室 25.30 m2", None, "办公室", 25.3),
        ("局长办公室25.30m²", None, "局长办公室", 25.3),
        ("301 办公室 S=18.5m2", "301", "办公室", 18.5),
        ("会议室 面积:45.20平方米", None, "会议室", 45.2),
        ("Office 2.14 12.5 sqm", "2.14", "Office", 12.5),
    ],
)
def test_area_after_the_name_is_kept_apart_from_number_and_name(text, number, name, area):
    """A surveyor's area note never becomes the room number ("m2") or part of the name."""
    parsed = parse_label(text)
    assert (parsed.number, parsed.name, parsed.area_m2) == (number, name, area)


def test_multiline_label_from_mtext():
    parsed = parse_label("301\n局长办公室")
    assert (parsed.number, parsed.name, parsed.subtype) == ("301", "局长办公室", "领导办公室")


@pytest.mark.parametrize(
    ("layer", "number"),
    [("E14-274", "E14-274"), ("E15-305F", "E15-305F"), ("RM$301", "301"), ("0", None),
     ("Offices", None), ("Walls", None), ("1", None)],
)  # fmt: skip
def test_room_numbers_in_layer_names(layer, number):
    assert number_from_layer(layer) == number


@pytest.mark.parametrize(
    ("text", "name", "ordinal"),
    [
        ("一层平面图", "一层", 1.0),
        ("二层平面图", "二层", 2.0),
        ("三层平面布置图", "三层", 3.0),
        ("十二层平面图", "十二层", 12.0),
        ("3F", "3F", 3.0),
        ("F3", "F3", 3.0),
        ("B1", "B1", -1.0),
        ("B2F", "B2F", -2.0),
        ("-1F", "-1F", -1.0),
        ("地下一层", "地下一层", -1.0),
        ("地下二层平面图", "地下二层", -2.0),
        ("负一层", "负一层", -1.0),
        ("首层平面图", "首层", 1.0),
        ("夹层", "夹层", 1.5),
        ("二层夹层平面图", "二层夹层", 2.5),
        ("Level 2", "Level 2", 2.0),
        ("Ground Floor Plan", "Ground Floor", 1.0),
        ("屋顶层平面图", "屋顶层", None),
        ("-1", "-1", -1.0),
        ("（-2）", "-2", -2.0),
        ("：-3", "-3", -3.0),
        ("( -1F)", "-1F", -1.0),
    ],
)
def test_floor_titles(text, name, ordinal):
    title = parse_floor_title(text)
    assert title is not None
    assert (title.name, title.ordinal) == (name, ordinal)


@pytest.mark.parametrize(
    "text",
    [
        "B101",
        "301",
        "3-05",
        "办公室",
        "E14-274",
        "会议室",
        "Office 2.14",
        "3-001-001 办公室",
        "- 1",
    ],
)
def test_room_labels_are_not_floor_titles(text):
    assert parse_floor_title(text) is None


TITLE_TEST_TEXTS = [
    "3-001-001 办公室",
    "三层平面图",
    "-1",
    "办公室",
    "（-2）",
    " \n-3F",
    "301\n会议室",
    "B1",
    "会议室-2",
    "走廊",
    "Office",
    "2-",
    "-",
]


@pytest.mark.parametrize(
    "texts",
    [
        TITLE_TEST_TEXTS,
        TITLE_TEST_TEXTS[::-1],
        ["3-001-001 办公室"] * 3,
        ["办公室"],
        ["-1"],
        [],
        ["a\x00-1", "办公室", "-2"],  # a text holding the separator: every text is looked at
    ],
)
def test_floor_title_candidates_are_the_texts_past_the_first_test(texts):
    """The texts parse_floor_title would look at past its hint-or-dash test, found at once."""
    expected = [
        i for i, text in enumerate(texts) if _TITLE_HINT.search(text) or _TITLE_DASH.match(text)
    ]
    found = floor_title_candidates(texts)
    if any("\x00" in text for text in texts):
        assert found == list(range(len(texts)))
    else:
        assert found == expected
    assert [i for i in found if parse_floor_title(texts[i])] == [
        i for i, text in enumerate(texts) if parse_floor_title(text)
    ]


def test_roof_title_is_flagged():
    title = parse_floor_title("屋顶层平面图")
    assert title is not None and title.roof


@pytest.mark.parametrize(
    ("name", "subtype"),
    [
        ("ſtore", "储藏室"),  # long s: case folding makes it an s
        ("\u212aitchen", "食堂"),  # Kelvin sign for K
        ("L\u0130FT", "电梯井"),  # dotted capital I
        ("toılet", "卫生间"),  # dotless i
        ("大Office", "一般办公室"),
        ("Officer", None),
    ],
)
def test_latin_keywords_case_insensitively_and_as_whole_words(name, subtype):
    assert classify_use(name)[1] == subtype


def test_chinese_keywords_are_caseless_and_latin_ones_start_with_a_letter():
    """classify_use tests Chinese keywords as plain substrings, which finds what the patterns'
    case folding would only while each of their characters matches itself alone; and it skips
    the Latin patterns for names without a letter _LATIN_LETTER finds, which is right only while
    every Latin keyword starts with such a letter."""
    chinese = {char for _, _, words, _ in _USE_RULES for word in words for char in word}
    pattern = re.compile(f"[{re.escape(''.join(sorted(chinese)))}]", re.IGNORECASE)
    every_char = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    assert set(pattern.findall(every_char)) == chinese
    for *_, source in _USE_RULES:
        if source is not None:
            words = source.removeprefix("(?<![A-Za-z])(?:").removesuffix(")(?![A-Za-z])")
            assert all(_LATIN_LETTER.match(word) for word in words.split("|"))
