"""Room labels and floor titles: number, name, use category and storey from what surveyors write.

Chinese survey drawings label rooms as "301 局长办公室", "301室", "会议室", "男卫"; English ones as
"Office 2.14" or "G01-02"; numbers also hide in layer names ("E14-274"). This module turns such
text into a :class:`ParsedLabel` and maps names to the ``gis_app.vocab`` room-use vocabulary.
It never invents: a text it cannot read keeps ``number``/``use`` as None and its raw text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from functools import lru_cache

import numpy as np

from gis_app.vocab import RoomUse

__all__ = [
    "FloorTitle",
    "ParsedLabel",
    "classify_use",
    "floor_title_candidates",
    "number_from_layer",
    "parse_floor_title",
    "parse_label",
]


@dataclass(slots=True)
class ParsedLabel:
    """What one label says. ``area_m2`` is set for area notes such as "25.3㎡".

    Nobody changes one once made (:func:`parse_label` hands the same one to every label with
    that text), yet it is not a frozen dataclass: one is made per distinct label, and a frozen
    one is built through object.__setattr__ field by field (~3x the cost).
    """

    text: str
    number: str | None = None
    name: str | None = None
    use: RoomUse | None = None
    subtype: str | None = None
    area_m2: float | None = None


UseRule = tuple[RoomUse, str | None, tuple[str, ...], str | None]
"""A use, its subtype, its Chinese keywords (substrings) and the pattern source of its Latin
ones (whole words, case-insensitive; None when it has none)."""


def _rule(use: RoomUse, subtype: str | None, words: tuple[str, ...]) -> UseRule:
    """A rule's Chinese keywords apart from its Latin ones, which share one pair of word-boundary
    tests (whether a rule matches does not depend on the order of its alternatives).

    No Chinese keyword has a case (what the Latin patterns' case folding would match of it is
    itself), so a substring test finds what a case-insensitive pattern would; the Latin patterns
    are compiled only when a name has a letter they could match (:func:`_latin_rules`).
    """
    latin = [word for word in words if word.isascii()]
    source = rf"(?<![A-Za-z])(?:{'|'.join(latin)})(?![A-Za-z])" if latin else None
    return use, subtype, tuple(word for word in words if not word.isascii()), source


# Ordered: the first rule that matches wins, so specific names come before generic ones
# (电梯机房 before 电梯, 弱电井 before 弱电, 会议室 before 办公).
_USE_RULES: tuple[UseRule, ...] = tuple(
    _rule(use, subtype, words)
    for use, subtype, words in (
        (
            RoomUse.CIRCULATION,
            "管道井",
            ("管道井", "管井", "风井", "强电井", "弱电井", "水井", "shaft", "riser"),
        ),
        (RoomUse.EQUIPMENT, "电梯机房", ("电梯机房",)),
        (
            RoomUse.CIRCULATION,
            "电梯厅",
            ("电梯厅", "电梯前室", "候梯厅", "lift lobby", "elevator lobby"),
        ),
        (RoomUse.CIRCULATION, "电梯井", ("电梯", "lift", "lifts", "elevator", "elevators")),
        (
            RoomUse.CIRCULATION,
            "楼梯间",
            ("楼梯", "楼梯间", "stair", "stairs", "staircase", "stairwell"),
        ),
        (
            RoomUse.CIRCULATION,
            "走廊",
            (
                "走廊",
                "走道",
                "过道",
                "连廊",
                "廊道",
                "corridor",
                "hallway",
                "passage",
                "circulation",
            ),
        ),
        (
            RoomUse.CIRCULATION,
            "门厅",
            ("门厅", "大厅", "大堂", "前厅", "lobby", "foyer", "entrance", "entry", "hall"),
        ),
        (
            RoomUse.EQUIPMENT,
            "变配电室",
            (
                "变配电",
                "配电",
                "变电",
                "高压室",
                "低压室",
                "electrical",
                "switch room",
                "substation",
            ),
        ),
        (RoomUse.EQUIPMENT, "水泵房", ("水泵", "泵房", "pump", "pumps")),
        (RoomUse.EQUIPMENT, "水箱间", ("水箱",)),
        (RoomUse.EQUIPMENT, "中水处理间", ("中水",)),
        (RoomUse.EQUIPMENT, "锅炉房", ("锅炉", "boiler")),
        (
            RoomUse.EQUIPMENT,
            "空调机房",
            ("空调机房", "空调", "风机房", "新风机房", "hvac", "ahu", "plant room", "plant"),
        ),
        (RoomUse.EQUIPMENT, "通信机房", ("通信", "电话机房", "telecom")),
        (RoomUse.EQUIPMENT, "弱电机房", ("弱电", "智能化", "消防控制", "监控室", "安防")),
        (
            RoomUse.SERVICE,
            "机关信息网络用房",
            (
                "网络机房",
                "信息中心",
                "数据中心",
                "服务器",
                "机房",
                "server",
                "servers",
                "data center",
                "it room",
            ),
        ),
        (
            RoomUse.SERVICE,
            "卫生间",
            (
                "卫生间",
                "厕所",
                "男卫",
                "女卫",
                "男厕",
                "女厕",
                "洗手间",
                "盥洗",
                "无障碍卫",
                "公卫",
                "wc",
                "toilet",
                "toilets",
                "lavatory",
                "restroom",
                "restrooms",
                "bathroom",
                "washroom",
                "wcs",
            ),
        ),
        (RoomUse.SERVICE, "医务室", ("医务", "卫生室", "保健室", "medical", "first aid")),
        (
            RoomUse.SERVICE,
            "会议室",
            (
                "会议",
                "报告厅",
                "多功能厅",
                "会商",
                "视频会",
                "meeting",
                "meeting room",
                "meeting rooms",
                "conference",
                "boardroom",
            ),
        ),
        (RoomUse.SERVICE, "接待室", ("接待", "会客", "reception")),
        (RoomUse.SERVICE, "档案室", ("档案", "archive", "archives")),
        (RoomUse.SERVICE, "图书资料室", ("资料", "图书", "阅览", "library", "reading room")),
        (RoomUse.SERVICE, "机要保密室", ("机要", "保密")),
        (RoomUse.SERVICE, "文印室", ("文印", "打印", "复印", "印刷", "print", "copy", "copy room")),
        (RoomUse.SERVICE, "收发室", ("收发", "邮件", "mail", "post room")),
        (RoomUse.SERVICE, "值班室", ("值班", "duty")),
        (
            RoomUse.SERVICE,
            "储藏室",
            (
                "储藏",
                "储物",
                "库房",
                "仓库",
                "杂物",
                "贮藏",
                "storage",
                "store",
                "storeroom",
                "stores",
            ),
        ),
        (
            RoomUse.SERVICE,
            "物业及工勤人员用房",
            ("物业", "保洁", "工勤", "清洁", "cleaner", "cleaners", "janitor"),
        ),
        (RoomUse.SERVICE, "开水间", ("开水", "茶水", "pantry", "tea", "coffee", "kitchenette")),
        (RoomUse.SERVICE, "休息室", ("休息", "lounge", "rest room")),
        (
            RoomUse.ANCILLARY,
            "食堂",
            ("食堂", "餐厅", "厨房", "canteen", "kitchen", "dining", "cafeteria"),
        ),
        (RoomUse.ANCILLARY, "停车库", ("车库", "停车", "garage", "parking")),
        (RoomUse.ANCILLARY, "警卫用房", ("警卫", "门卫", "传达", "security", "guard")),
        (RoomUse.ANCILLARY, "人防设施", ("人防",)),
        (
            RoomUse.TECHNICAL,
            "技术业务用房",
            (
                "实验",
                "化验",
                "检测",
                "检验",
                "技术业务",
                "lab",
                "labs",
                "laboratory",
                "laboratories",
                "workshop",
            ),
        ),
        (
            RoomUse.OFFICE,
            "领导办公室",
            (
                "局长",
                "厅长",
                "部长",
                "书记",
                "主任办",
                "市长",
                "县长",
                "区长",
                "省长",
                "镇长",
                "乡长",
                "主席",
                "院长",
                "检察长",
                "巡视员",
                "领导",
                "director",
            ),
        ),
        (RoomUse.OFFICE, "一般办公室", ("办公", "科室", "office", "offices", "study")),
    )
)

_OFFICE_SUFFIX = re.compile(r"(科|处|股|室|组|部)$")
"""Sections are named after their unit (财务科, 综合处): such a name is an office."""

_AREA_NOTE = re.compile(
    r"^(?:(?:S|A|面积|使用面积|area)\s*[=:：]?\s*)?(\d+(?:\.\d+)?)\s*(?:m2|m²|㎡|平方米|平米|sqm|sq\.?\s*m)$",
    re.IGNORECASE,
)
_AREA_PREFIXED = re.compile(r"^(?:S|面积|使用面积|area)\s*[=:：]\s*(\d+(?:\.\d+)?)$", re.IGNORECASE)
_AREA_NOTE_ENDS = frozenset("2²㎡米mM")
"""Last characters of the units an area note ends with; other labels skip the pattern."""

_NUMBER = r"[A-Za-z]{0,3}-?\d+(?:[-./]\d+)*[A-Za-z]{0,2}"
"""Room numbers: 301, B101, 3-05, E14-274, 2.14, G01-02, E15-305F, 12a."""
_NUMBER_ONLY = re.compile(rf"^(?:No\.?\s*|#|NO\.?\s*)?({_NUMBER})(?:室|号|号房|房)?$")
_NUMBER_FIRST = re.compile(rf"^({_NUMBER})(?:室|号)?[\s:：、._-]+(.+)$")
_NUMBER_GLUED = re.compile(r"^([A-Za-z]{0,2}\d{2,5}[A-Za-z]?)(?:室|号)?([\u4e00-\u9fff].*)$")
_NUMBER_LAST = re.compile(rf"^(.+?)[\s:：#]+(?:No\.?\s*)?({_NUMBER})$")
_NUMBER_GLUED_LAST = re.compile(rf"^([\u4e00-\u9fff]+?)({_NUMBER})(?:室|号)?$")
_NUMBER_BRACKETED = re.compile(rf"^(.+?)\s*[（(]\s*({_NUMBER})\s*[)）]$")
_NUMBER_TOKEN = re.compile(_NUMBER)
_TRAILING_AREA = re.compile(
    r"(?:\s+|(?<=(?-i:[\u4e00-\u9fff])))(?:(?:S|A|面积|使用面积|area)\s*[=:：]?\s*)?"
    r"(\d+(?:\.\d+)?)\s*(?:m2|m²|㎡|平方米|平米|sqm|sq\.?\s*m)$",
    re.IGNORECASE,
)
"""An area note after the name ("局长办公室 25.30㎡", "办公室 S=18.5m2"): kept apart, never
mistaken for a room number. (No Chinese character has a case: the class is compiled without
case folding, which would take longer than all the other patterns.)"""
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_LATIN_LETTER = re.compile("[a-z]", re.IGNORECASE)
"""What the first letter of a Latin keyword can match: A-Z, a-z and the four other letters
case folding ties to them (İ, ı, ſ and the Kelvin sign). A name without one names no Latin
keyword."""
_LAYER_NUMBER = re.compile(rf"(?:RM[$_-]?|ROOM[_-]?|房间[_-]?)?({_NUMBER})", re.IGNORECASE)


@lru_cache(maxsize=4096)
def classify_use(name: str) -> tuple[RoomUse | None, str | None]:
    """Use category and subtype for a room name, or (None, None) when the name does not say.

    >>> classify_use("局长办公室")
    (<RoomUse.OFFICE: '办公室'>, '领导办公室')
    >>> classify_use("男卫")
    (<RoomUse.SERVICE: '服务用房'>, '卫生间')
    """
    text = name.strip()
    if not text:
        return None, None
    latin = _latin_rules() if _LATIN_LETTER.search(text) else None
    for index, (use, subtype, words, _) in enumerate(_USE_RULES):
        if any(word in text for word in words):
            return use, subtype
        if latin is not None and (pattern := latin[index]) is not None and pattern.search(text):
            return use, subtype
    if _OFFICE_SUFFIX.search(text) and _CJK_RUN.search(text):
        return RoomUse.OFFICE, "一般办公室"
    return None, None


@cache
def _latin_rules() -> tuple[re.Pattern[str] | None, ...]:
    """The rules' Latin patterns, compiled when a name first needs them (Chinese drawings may
    never: compiling them took ~5 ms of every start)."""
    return tuple(
        None if source is None else re.compile(source, re.IGNORECASE) for *_, source in _USE_RULES
    )


def _is_number(token: str) -> bool:
    """Whether a token found case-insensitively is a room number as written (a case-insensitive
    match also lets through look-alikes such as the Kelvin sign for K)."""
    return _NUMBER_TOKEN.fullmatch(token) is not None


@lru_cache(maxsize=8192)
def parse_label(text: str) -> ParsedLabel:
    """Split a label into number, name, use category and subtype (cached: surveys repeat
    labels such as "办公室" and "卫生间" hundreds of times).

    >>> p = parse_label("301 局长办公室")
    >>> (p.number, p.name, p.use.value, p.subtype)
    ('301', '局长办公室', '办公室', '领导办公室')
    >>> p = parse_label("Office 2.14")
    >>> (p.number, p.name, p.use.value)
    ('2.14', 'Office', '办公室')
    >>> parse_label("25.30㎡").area_m2
    25.3
    """
    raw = text
    clean = " ".join(text.split())  # the ideographic space U+3000 is whitespace to split()
    if not clean:
        return ParsedLabel(raw)
    area = (clean[-1] in _AREA_NOTE_ENDS and _AREA_NOTE.match(clean)) or (
        ("=" in clean or ":" in clean or "：" in clean) and _AREA_PREFIXED.match(clean)
    )
    if area:
        return ParsedLabel(raw, area_m2=float(area.group(1)))
    area_m2: float | None = None
    if clean[-1] in _AREA_NOTE_ENDS and (trailing_area := _TRAILING_AREA.search(clean)):
        area_m2 = float(trailing_area.group(1))
        clean = clean[: trailing_area.start()].strip()
    number: str | None = None
    name: str | None = clean
    # A bare number has no space but after "No" (this test spares most labels a slow pattern).
    if (" " not in clean or clean[:2] in ("No", "NO")) and (m := _NUMBER_ONLY.match(clean)):
        number, name = m.group(1), None
    elif m := _NUMBER_FIRST.match(clean):
        number, name = m[1], m[2].strip()
    elif m := _NUMBER_GLUED.match(clean):
        number, name = m.group(1), m.group(2).strip()
    elif m := _NUMBER_BRACKETED.match(clean):
        name, number = m.group(1).strip(), m.group(2)
    elif m := _NUMBER_LAST.match(clean):
        name, number = m.group(1).strip(), m.group(2)
    elif m := _NUMBER_GLUED_LAST.match(clean):
        name, number = m.group(1), m.group(2)
    use, subtype = classify_use(name) if name else (None, None)
    return ParsedLabel(raw, number, name or None, use, subtype, area_m2)


@lru_cache(maxsize=4096)
def number_from_layer(layer: str) -> str | None:
    """A room number encoded as a layer name ("E14-274", "RM-301"), else None (cached: asked
    for every room without a numbered label).

    >>> number_from_layer("E14-274"), number_from_layer("Offices"), number_from_layer("0")
    ('E14-274', None, None)
    """
    name = layer.strip()
    m = _LAYER_NUMBER.fullmatch(name)
    if not m:
        return None
    token = m.group(1)
    # A bare small integer ("0", "1") is a layer index, not a room number.
    if token.isdigit() and len(token) < 3:
        return None
    return token if _is_number(token) else None


# ---------------------------------------------------------------------------------------------
# Floor titles

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUM = r"[零〇一二两三四五六七八九十百]+"
_EN_ORDINALS = {
    "ground": 1,
    "first": 2,
    "second": 3,
    "third": 4,
    "fourth": 5,
    "fifth": 6,
    "sixth": 7,
    "seventh": 8,
    "eighth": 9,
    "ninth": 10,
    "tenth": 11,
}


def _cn_int(text: str) -> int | None:
    """Chinese numeral up to 999 → int ("十二" → 12, "二十" → 20, "一百零一" → 101)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class FloorTitle:
    """A floor title found in a text: the storey name as drawn and its ordinal.

    The ordinal is None where the title names a floor but not its place ("标准层", "屋顶层"
    on its own); roof floors get ``roof=True`` so the builder can put them above the others.
    """

    name: str
    ordinal: float | None
    roof: bool = False


_TITLE_SUFFIX = re.compile(r"\s*(?:建筑)?(?:平面布置图|平面图|布置图|plan|平面)\s*$", re.IGNORECASE)
_TITLE_BRACKETS = re.compile(r"^[（(【\[]|[)）】\]]$")
_TITLE_HINT = re.compile(r"[层楼屋顶夹地负bfglmrBFGLMR]")
"""Every storey name has one of these (层, 楼, B1, 3F, L2, G, M, RF, ...) ..."""
_TITLE_DASH = re.compile(r"[\s（(【\[:：_]*-")
"""... or starts with a minus ("-1"): most room labels have neither, so they skip the patterns."""
_TEXT_SEPARATOR = "\x00"
"""Joins texts for the floor-title pre-test: no title class or dash holds it."""
_DASH_AT_TEXT_START = re.compile(_TEXT_SEPARATOR + _TITLE_DASH.pattern)
_ROOF = re.compile(r"屋顶层?|屋面层?|顶层|机房层|屋顶机房层?|rf|roof|roof level|roof floor")
_PLAIN_STOREY = re.compile(r"标准层|设备层|架空层")
_GROUND = re.compile(r"首层|底层|一楼|地面层|g|gf|g/f|ground|ground floor|ground level|level g")
_MEZZANINE = re.compile(r"夹层|mezzanine|^m$")
_MEZZANINE_SUFFIX = re.compile(r"夹层$|\s*mezzanine$")
_BASEMENT_CN = re.compile(rf"(?:地下|负)({_CN_NUM}|\d+)(?:层|楼)?")
_BASEMENT = re.compile(r"(?:b|-)(\d{1,2})f?|basement\s*(\d{1,2})|(\d{1,2})b")
_STOREY_CN = re.compile(rf"第?({_CN_NUM}|\d{{1,3}})(?:层|楼)")
_STOREY_F = re.compile(r"(\d{1,3})\s*(?:f|/f|fl|floor|th floor|st floor|nd floor|rd floor)")
_STOREY_L = re.compile(r"(?:f|l|level|floor|storey)\s*(\d{1,3})")
_STOREY_WORD = re.compile(r"(\w+)\s+floor")


def floor_title_candidates(texts: Sequence[str]) -> list[int]:
    """The indexes, in order, of the texts :func:`parse_floor_title` looks at past its first
    test (a hint character or a leading dash): two searches over the texts joined, where a test
    per text cost more than the rest of a room label's floor-title check."""
    joined = _TEXT_SEPARATOR.join(texts)
    if joined.count(_TEXT_SEPARATOR) != max(len(texts) - 1, 0):  # a text holds the separator
        return list(range(len(texts)))
    # Where each text ends in the joined string, its separator included.
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    hits = [m.start() for m in _TITLE_HINT.finditer(joined)]
    joined = _TEXT_SEPARATOR + joined  # so the first text's start matches as the others' do
    hits += [m.start() for m in _DASH_AT_TEXT_START.finditer(joined)]
    return sorted(set(np.searchsorted(ends, hits, side="right").tolist()))


def parse_floor_title(text: str) -> FloorTitle | None:
    """Recognise a floor title ("三层平面图", "3F", "B1", "地下一层", "首层", "Level 2", "夹层").

    Room numbers are not titles: "B101" and "301" return None.

    >>> parse_floor_title("三层平面图")
    FloorTitle(name='三层', ordinal=3.0, roof=False)
    >>> parse_floor_title("地下一层").ordinal, parse_floor_title("B1").ordinal
    (-1.0, -1.0)
    >>> parse_floor_title("B101") is None
    True
    """
    if not _TITLE_HINT.search(text) and not _TITLE_DASH.match(text):
        return None
    clean = " ".join(text.replace("\u3000", " ").split())
    clean = _TITLE_BRACKETS.sub("", clean).strip()
    if not clean or len(clean) > 30:
        return None
    has_suffix = bool(_TITLE_SUFFIX.search(clean))
    core = _TITLE_SUFFIX.sub("", clean).strip(" :：_").rstrip("-")
    if not core:
        return None
    ordinal = _storey_ordinal(core)
    if ordinal is None:
        return None
    value, roof = ordinal
    if value is None and not roof and not has_suffix and core not in {"标准层", "设备层", "架空层"}:
        return None
    return FloorTitle(core, value, roof)


def _storey_ordinal(core: str) -> tuple[float | None, bool] | None:
    """(ordinal, roof) for a storey name without the 平面图 suffix, or None when it is not one."""
    low = core.lower()
    if _ROOF.fullmatch(low):
        return None, True
    if _PLAIN_STOREY.fullmatch(core):
        return None, False
    if _GROUND.fullmatch(low):
        return 1.0, False
    mezz = 0.5 if _MEZZANINE.search(low) else 0.0
    if low in {"夹层", "mezzanine", "m"}:
        return 1.5, False
    base = _MEZZANINE_SUFFIX.sub("", core).strip() or core
    # Basements: 地下一层, 负一层, 地下1层, B1, B1F, -1F, Basement 1, B
    if m := _BASEMENT_CN.fullmatch(base):
        n = _cn_int(m.group(1))
        return (-float(n), False) if n else None
    if m := _BASEMENT.fullmatch(base.lower()):
        n = int(next(g for g in m.groups() if g))
        return (-float(n) - mezz if mezz else -float(n), False) if n else None
    if base.lower() in {"basement", "地下室", "b"}:
        return -1.0, False
    # Above ground: 三层, 第三层, 3层, 3F, F3, L3, Level 2, 3楼, 3/F
    if m := _STOREY_CN.fullmatch(base):
        n = _cn_int(m.group(1))
        return (float(n) + mezz, False) if n else None
    if m := _STOREY_F.fullmatch(base.lower()):
        n = int(m.group(1))
        return (float(n) + mezz, False) if n else None
    if m := _STOREY_L.fullmatch(base.lower()):
        n = int(m.group(1))
        return (float(n) + mezz, False) if n else (1.0, False)
    if m := _STOREY_WORD.fullmatch(base.lower()):
        if m.group(1) in _EN_ORDINALS:
            return float(_EN_ORDINALS[m.group(1)]) + mezz, False
    return None
