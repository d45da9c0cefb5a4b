"""Sample data for the demo and the end-to-end tests: a small fictional city, written as files.

Why files and not rows: the demo must go through the real importers (``gis-app regions import``,
``footprints import``, ``survey import``, ``roster import``), so this module only WRITES the
kind of files a 机关事务管理局 receives from its surveyors and personnel offices. Everything is
deterministic for a given ``(as_of, seed)``; every date is relative to ``as_of``.

The city: 明湖市 (fictional, code 371800, in 山东省 370000), east of Jinan, lon 117.10-117.20 E,
lat 36.64-36.70 N, with 湖滨区 371802, 泉山区 371803 and 青石县 371821. CGCS2000 throughout.

File formats (importers are written against these; keep them exact)
-------------------------------------------------------------------
``regions.csv``
    UTF-8 with BOM. Header ``代码,名称,级别,上级代码``: 12-digit statistical codes, 级别 one of
    省/市/县/乡 (``RegionLevel``), 上级代码 empty for the province.
``compounds.geojson``
    FeatureCollection, lon/lat in EPSG:4490, with the member
    ``"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}``.
    Properties: ``编码`` (C01..), ``名称``, ``地址``, ``行政区划代码`` (12 digits),
    ``不动产权证号``.
``buildings.gpkg``
    GeoPackage, one layer ``buildings``, EPSG:4548 (CGCS2000 3-degree Gauss-Kruger CM 117E,
    x = easting, y = northing). Columns ``编码`` (B01..), ``名称``, ``院落编码``, ``地上层数``,
    ``地下层数``, ``建成年代``, ``建筑物分类`` (办公/技术业务/附属), ``权属`` (自有/租用),
    ``权属证明`` (不动产权证号, or the lease agreement of a rented building).
    Some floors of a building are deliberately not drawn (plans missing); B08 has none.
``floors/<building code>_<floor name>.dxf``
    DXF R2018, ``$INSUNITS`` = 4 (mm), floor names as drawn ("B1", "1F", "2F", ...). Drawn in the
    building's local frame: origin at the footprint's local SW corner, x along the long axis;
    the map footprint is this frame rotated counter-clockwise about the origin and translated,
    so aligning minimum rotated rectangles (smallest rotation wins ties) places the plan.
    Layers: ``墙体`` (outer wall outline = the footprint in mm, a closed LWPOLYLINE, plus wall
    LINEs), ``房间`` (closed LWPOLYLINE inner-wall outlines of every room, corridors included;
    one room has a bulge arc edge), ``房间名称`` (TEXT middle-center with alignment point, or
    MTEXT with formatting codes such as ``{\\fSimSun|b0;301}\\P局长办公室``; "<number> <name>"
    or just "<name>"), ``柱子`` (a small closed ring: a free-standing column), ``图名``
    (title such as "三层平面图", below the outline).
    Rooms without a number (走廊, 楼梯间, 门厅, public 卫生间, 停车库) are common space: they have
    no row in the room register and no agency.
``roster.xlsx``
    Sheet ``单位``: 单位名称, 统一社会信用代码 (GB 32100, valid check digit), 行政区划代码,
    单位类别 (中央/省/市/县/乡), 单位性质 (党委/人大/政府/政协/监察/法院/检察/群团/参公), 机构级别,
    上级单位 (a 单位名称 of this sheet, or empty), 实有人数, then ``编制数-<rank>`` for the ranks
    of the 市 row and of the 县 row of the 2014 table (empty where the rank is not the agency's),
    then 车位数, 自行车位数, 电动车位数, 警卫人数 (the counts behind the ancillary caps C; filled
    for the agencies that run a compound's car park and guard, empty elsewhere).
    Sheet ``人员``: 姓名, 单位, 职务, 职级, 在职情况 (在职/退休/调离), 状态日期 (retirement or
    transfer date, empty when 在职), 兼职单位, 兼职职务, 兼职批准 (是/否, empty without a post),
    兼职终止日期, 楼栋 (building code), 房间号 (several joined by "、": a leader's suite or a
    second office), 入驻日期. Names are unique.
    Sheet ``房间`` (the room register, 房间台账): 楼栋, 楼层, 房间号, 使用单位, 使用状态
    (``RoomStatus``), 状态日期, 核定用途 (a ``RoomUse`` value), 承租方, 承租方性质, 合同起始日期,
    合同到期日期, 批准文号 (the contract of a leased room; empty elsewhere): one row per numbered
    room of every drawn floor, except one archive room the register omits (a deliberate case).
    Sheet ``入驻记录``: ended occupancies: 姓名, 单位, 楼栋, 房间号, 起始日期, 终止日期; the
    interval is [起始日期, 终止日期) and a move starts the next occupancy on the 终止日期.
``manifest.json``
    What was generated and what the analysis must find (``deliberate_cases``), with figures
    computed from the drawn geometry. Everything not listed there is within the standard.
"""

from __future__ import annotations

import calendar
import csv
import json
import logging
import math
import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import ezdxf
import geopandas as gpd
import openpyxl
from ezdxf.enums import TextEntityAlignment
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import Polygon

from gis_app.vocab import AgencyCategory
from gis_app.vocab import BuildingUse
from gis_app.vocab import OccupantStatus
from gis_app.vocab import RegionLevel
from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse
from gis_app.vocab import Tenure

__all__ = ["CITY_BBOX", "RANK_LIMITS", "credit_code_check_char", "generate"]

LOGGER = logging.getLogger(__name__)

CITY_BBOX = (117.10, 36.64, 117.20, 36.70)
"""lon/lat bounds of 明湖市 (min lon, min lat, max lon, max lat)."""

PLAN_CRS = "EPSG:4548"
MAP_CRS = "EPSG:4490"

CITY = AgencyCategory.CITY
COUNTY = AgencyCategory.COUNTY

RANK_LIMITS: dict[AgencyCategory, dict[str, int]] = {
    CITY: {"市级正职": 42, "市级副职": 30, "正局(处)级": 24, "副局(处)级": 18, "局(处)级以下": 9},
    COUNTY: {"县级正职": 30, "县级副职": 24, "正科级": 18, "副科级": 12, "科级以下": 9},
}
"""The 2014 table (表3) rows the sample uses, in m² per person; used to size rooms within it."""

WALL = 200
OUTER = 300
MIN_FILLER = 2400
MAX_FILLER = 7200

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """GB 32100 check character of a unified social credit code's first 17 characters."""
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def _org_code(body8: str) -> str:
    """GB 11714 organisation code (8 digits + check), the 主体标识码 inside a credit code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(ch) * w for ch, w in zip(body8, weights, strict=True)) % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def _months_before(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 - months, 12)
    year = day.year + years
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------------------------------------
# The registry: regions, agencies, compounds, buildings
# ---------------------------------------------------------------------------------------------

REGIONS: tuple[tuple[str, str, RegionLevel, str], ...] = (
    ("370000000000", "山东省", RegionLevel.PROVINCE, ""),
    ("371800000000", "明湖市", RegionLevel.CITY, "370000000000"),
    ("371802000000", "湖滨区", RegionLevel.COUNTY, "371800000000"),
    ("371803000000", "泉山区", RegionLevel.COUNTY, "371800000000"),
    ("371821000000", "青石县", RegionLevel.COUNTY, "371800000000"),
    ("371802001000", "湖滨街道", RegionLevel.TOWNSHIP, "371802000000"),
    ("371802002000", "明湖街道", RegionLevel.TOWNSHIP, "371802000000"),
    ("371803001000", "泉山街道", RegionLevel.TOWNSHIP, "371803000000"),
    ("371803002000", "文昌街道", RegionLevel.TOWNSHIP, "371803000000"),
    ("371821100000", "青石镇", RegionLevel.TOWNSHIP, "371821000000"),
    ("371821200000", "柳河乡", RegionLevel.TOWNSHIP, "371821000000"),
)


@dataclass(frozen=True)
class AgencyDef:
    key: str
    name: str
    category: AgencyCategory
    kind: str
    level: str
    parent: str | None
    region: str
    leaders: tuple[tuple[str, str, str], ...]
    """(person key, 职务, 职级) of the agency's leaders, head first."""


_LEADERS = {
    "sw": "sw_shuji:书记:市级正职 sw_fsj:副书记:市级副职 sw_msz:常委、秘书长:市级副职",
    "szf": "szf_sz:市长:市级正职 szf_cw:常务副市长:市级副职 szf_f1:副市长:市级副职 "
    "szf_f2:副市长:市级副职",
    "swb": "swb_zr:主任:正局(处)级 swb_f1:副主任:副局(处)级 swb_f2:副主任:副局(处)级",
    "szb": "szb_zr:主任:正局(处)级 szb_f1:副主任:副局(处)级 szb_f2:副主任:副局(处)级",
    "jw": "jw_zr:常务副书记:正局(处)级 jw_f1:副书记:副局(处)级 jw_f2:副主任:副局(处)级",
    "rd": "rd_zr:主任:市级正职 rd_f1:副主任:市级副职 rd_f2:副主任:市级副职 "
    "rd_msz:秘书长:正局(处)级",
    "fgw": "fgw_zr:主任:正局(处)级 fgw_f1:副主任:副局(处)级 fgw_f2:副主任:副局(处)级",
    "cz": "cz_jz:局长:正局(处)级 cz_f1:副局长:副局(处)级 cz_f2:副局长:副局(处)级 "
    "cz_f3:副局长:副局(处)级",
    "zr": "zr_jz:局长:正局(处)级 zr_f1:副局长:副局(处)级 zr_f2:副局长:副局(处)级",
    "jg": "jg_jz:局长:正局(处)级 jg_f1:副局长:副局(处)级 jg_f2:副局长:副局(处)级",
    "hb": "hb_qz:区长:县级正职 hb_f1:常务副区长:县级副职 hb_f2:副区长:县级副职 "
    "hb_f3:副区长:县级副职",
    "qs": "qs_qz:区长:县级正职 qs_f1:副区长:县级副职 qs_f2:副区长:县级副职",
    "qx": "qx_xz:县长:县级正职 qx_f1:副县长:县级副职 qx_f2:副县长:县级副职",
}
"""Leaders per agency as "key:职务:职级", head first; the keys place them on the floors."""

_AGENCY_ROWS = (
    ("sw", "中共明湖市委员会", CITY, "党委", "正厅级", None, "371800000000"),
    ("szf", "明湖市人民政府", CITY, "政府", "正厅级", None, "371800000000"),
    ("swb", "中共明湖市委办公室", CITY, "党委", "正处级", "sw", "371800000000"),
    ("szb", "明湖市人民政府办公室", CITY, "政府", "正处级", "szf", "371800000000"),
    ("jw", "明湖市纪委监委", CITY, "监察", "正处级", "sw", "371800000000"),
    ("rd", "明湖市人大常委会", CITY, "人大", "正厅级", None, "371800000000"),
    ("fgw", "明湖市发展和改革委员会", CITY, "政府", "正处级", "szf", "371800000000"),
    ("cz", "明湖市财政局", CITY, "政府", "正处级", "szf", "371800000000"),
    ("zr", "明湖市自然资源和规划局", CITY, "政府", "正处级", "szf", "371800000000"),
    ("jg", "明湖市机关事务管理局", CITY, "政府", "正处级", "szf", "371800000000"),
    ("hb", "湖滨区人民政府", COUNTY, "政府", "正处级", "szf", "371802000000"),
    ("qs", "泉山区人民政府", COUNTY, "政府", "正处级", "szf", "371803000000"),
    ("qx", "青石县人民政府", COUNTY, "政府", "正处级", "szf", "371821000000"),
)

AGENCIES: tuple[AgencyDef, ...] = tuple(
    AgencyDef(*row, tuple(tuple(item.split(":")) for item in _LEADERS[row[0]].split()))
    for row in _AGENCY_ROWS
)
AGENCY_BY_KEY = {a.key: a for a in AGENCIES}


@dataclass(frozen=True)
class CompoundDef:
    code: str
    name: str
    address: str
    region: str
    title_no: str
    center: tuple[float, float]
    """lon/lat of the local origin of ``outline`` (metres east/north in EPSG:4548)."""
    outline: tuple[tuple[float, float], ...]


# fmt: off
COMPOUNDS: tuple[CompoundDef, ...] = (
    CompoundDef("C01", "市委市政府大院", "明湖市湖滨区湖滨路1号", "371802001000",
                "鲁(2016)明湖市不动产权第0000101号", (117.125, 36.672),
                ((-110, -95), (110, -95), (110, 55), (25, 100), (-110, 90))),
    CompoundDef("C02", "市直机关综合办公区", "明湖市泉山区文昌大道88号", "371803002000",
                "鲁(2018)明湖市不动产权第0002318号", (117.152, 36.658),
                ((-95, -60), (95, -60), (95, 70), (-95, 70))),
    CompoundDef("C03", "湖滨区政府大院", "明湖市湖滨区明湖路26号", "371802002000",
                "鲁(2017)明湖市不动产权第0001426号", (117.113, 36.688),
                ((-80, -70), (85, -70), (85, 20), (20, 20), (20, 75), (-80, 75))),
    CompoundDef("C04", "泉山区政府大院", "明湖市泉山区泉山路9号", "371803001000",
                "鲁(2015)明湖市不动产权第0000877号", (117.171, 36.649),
                ((-60, -50), (70, -50), (70, 55), (-60, 55))),
    CompoundDef("C05", "青石县政府大院", "明湖市青石县青石镇人民路1号", "371821100000",
                "鲁(2019)青石县不动产权第0000321号", (117.189, 36.691),
                ((-70, -55), (40, -60), (75, 0), (45, 60), (-70, 55))),
)
# fmt: on
COMPOUND_BY_CODE = {c.code: c for c in COMPOUNDS}


@dataclass(frozen=True)
class BuildingDef:
    code: str
    name: str
    compound: str
    floors_above: int
    floors_below: int
    year: int
    use: BuildingUse
    tenure: Tenure
    offset: tuple[float, float]
    """Local origin in metres east/north of the compound's centre (EPSG:4548)."""
    rotation: float
    """Degrees counter-clockwise from the local x axis to the map."""
    length: int
    """mm along x (main wing for the L-shaped one)."""
    south: int = 6000
    corridor: int = 2400
    north: int = 5400
    wing: int = 0
    """mm the L-shaped building's wing reaches north of the main wing (0: a rectangle)."""

    @property
    def depth(self) -> int:
        return OUTER + self.south + WALL + self.corridor + WALL + self.north + OUTER

    def outline_mm(self) -> list[tuple[int, int]]:
        """The outer wall outline in the local frame, counter-clockwise."""
        length, depth = self.length, self.depth
        if not self.wing:
            return [(0, 0), (length, 0), (length, depth), (0, depth)]
        wing_x = length - depth
        top = depth + self.wing
        return [(0, 0), (length, 0), (length, top), (wing_x, top), (wing_x, depth), (0, depth)]


_OWN, _LEASED, _OFFICE = Tenure.OWNED, Tenure.LEASED, BuildingUse.OFFICE
# fmt: off
BUILDINGS: tuple[BuildingDef, ...] = (
    # code, name, compound, floors above/below, year, use, tenure, offset, rotation, length
    BuildingDef("B01", "1号办公楼", "C01", 7, 1, 1998, _OFFICE, _OWN, (-85.0, -55.0), 8.0, 36000),
    BuildingDef("B02", "2号办公楼", "C01", 12, 1, 2009, _OFFICE, _OWN, (-80.0, 10.0), 8.0, 33600),
    BuildingDef("B03", "1号楼", "C02", 5, 0, 2004, _OFFICE, _OWN, (-70.0, -45.0), 15.0, 33600),
    BuildingDef("B04", "2号楼", "C02", 4, 0, 2012, _OFFICE, _LEASED, (5.0, -5.0), 15.0, 30000),
    BuildingDef("B05", "区政府办公楼", "C03", 5, 0, 2001, _OFFICE, _OWN, (-45.0, -62.0), 22.0,
                36000, south=6500, wing=15000),
    BuildingDef("B06", "区政府办公楼", "C04", 4, 0, 1995, _OFFICE, _OWN, (-40.0, -25.0), 0.0,
                30000),
    BuildingDef("B07", "县政府办公楼", "C05", 4, 0, 2006, _OFFICE, _OWN, (-50.0, -35.0), 5.0,
                32400),
    BuildingDef("B08", "机关食堂", "C01", 2, 0, 2003, BuildingUse.ANCILLARY, _OWN, (40.0, -70.0),
                8.0, 30000, south=5400, north=4800),
)
# fmt: on
BUILDING_BY_CODE = {b.code: b for b in BUILDINGS}


# ---------------------------------------------------------------------------------------------
# People and rooms as they are being laid out
# ---------------------------------------------------------------------------------------------


@dataclass
class Person:
    agency: str
    rank: str
    position: str
    key: str = ""
    name: str = ""
    status: OccupantStatus = OccupantStatus.SERVING
    status_date: date | None = None
    concurrent_agency: str | None = None
    concurrent_position: str = ""
    concurrent_approved: bool | None = None
    concurrent_end: date | None = None
    building: str = ""
    rooms: list[str] = field(default_factory=list)
    since: date | None = None

    @property
    def limit(self) -> int:
        return RANK_LIMITS[AGENCY_BY_KEY[self.agency].category][self.rank]


@dataclass
class RoomSpec:
    name: str
    use: RoomUse
    subtype: str
    agency: str | None = None
    numbered: bool = True
    occupants: list[Person] = field(default_factory=list)
    status: RoomStatus = RoomStatus.IN_USE
    status_date: date | None = None
    rounded: bool = False
    column: bool = False
    tag: str = ""
    """Key of a deliberate case this room belongs to (also used to find it again)."""


@dataclass
class Bay:
    width: int
    parts: list[tuple[int | None, RoomSpec]]
    """Rooms stacked across the strip's depth: (depth in mm, or None for the rest)."""


@dataclass
class DrawnRoom:
    spec: RoomSpec
    number: str | None
    vertices: list[tuple[int, int, float]]
    area: float
    label_at: tuple[float, float]
    building: str = ""
    floor: str = ""

    @property
    def label(self) -> str:
        return f"{self.number} {self.spec.name}" if self.number else self.spec.name


@dataclass(frozen=True)
class Strip:
    """A row of rooms: origin, length along its axis, depth across it."""

    x0: int
    y0: int
    length: int
    depth: int
    along_y: bool = False

    def rect(self, offset: int, width: int, d0: int, depth: int) -> list[tuple[int, int]]:
        if self.along_y:
            x, y = self.x0 + d0, self.y0 + offset
            return [(x, y), (x + depth, y), (x + depth, y + width), (x, y + width)]
        x, y = self.x0 + offset, self.y0 + d0
        return [(x, y), (x + width, y), (x + width, y + depth), (x, y + depth)]


def _segment_area(bulge: float, chord: float) -> float:
    """Area between a chord and its arc (DXF bulge = tan(angle / 4))."""
    theta = 4 * math.atan(abs(bulge))
    radius = chord / (2 * math.sin(theta / 2))
    return radius * radius / 2 * (theta - math.sin(theta))


def polygon_area_mm2(vertices: list[tuple[float, float, float]]) -> float:
    """Signed-free area (mm²) of a closed bulged polyline: shoelace plus arc segments."""
    total = 0.0
    arcs = 0.0
    count = len(vertices)
    for i, (x1, y1, bulge) in enumerate(vertices):
        x2, y2, _ = vertices[(i + 1) % count]
        total += x1 * y2 - x2 * y1
        if bulge:
            arcs += math.copysign(_segment_area(bulge, math.hypot(x2 - x1, y2 - y1)), bulge)
    return abs(total / 2 + arcs)


_CN_DIGITS = "零一二三四五六七八九十"


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + _CN_DIGITS[n - 10]
    return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")


def _floor_title(floor: str) -> str:
    if floor.startswith("B"):
        return f"地下{_cn_number(int(floor[1:]))}层平面图"
    return f"{_cn_number(int(floor[:-1]))}层平面图"


def _floor_ordinal(floor: str) -> int:
    return -int(floor[1:]) if floor.startswith("B") else int(floor[:-1])


_STAFF_PATTERNS: dict[AgencyCategory, tuple[tuple[str, ...], ...]] = {
    CITY: (
        ("局(处)级以下",) * 2,
        ("局(处)级以下",) * 3,
        ("局(处)级以下",) * 3,
        ("局(处)级以下",) * 4,
    ),
    COUNTY: (
        ("科级以下",) * 2,
        ("科级以下",) * 3,
        ("正科级",),
        ("副科级", "科级以下"),
        ("正科级", "科级以下"),
    ),
}
_STAFF_POSITIONS = {
    "局(处)级以下": ("科长", "副科长", "一级主任科员", "二级主任科员", "一级科员", "科员"),
    "正科级": ("科长", "主任"),
    "副科级": ("副科长", "副主任"),
    "科级以下": ("科员", "办事员", "四级主任科员", "一级科员"),
}
_FILL_FACTORS = (0.8, 0.84, 0.88, 0.92)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍红鹏辉宇浩凯健俊帆旭宁琳晨欣雪梅婷颖倩博"
    "文斌志建国成亮东海波晓春燕林峰鑫蕾佳慧瑞琦岩松涵睿泽昊然怡璐倩萌朝阳光振庆德胜利永刚"
)


class _Layout:
    """Lays out every drawn floor, creating the people who sit in its offices."""

    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.people: list[Person] = []
        self.named: dict[str, Person] = {}
        self.floors: list[
            tuple[BuildingDef, str, list[DrawnRoom], list[list[tuple[int, int]]]]
        ] = []
        for agency in AGENCIES:
            for key, position, rank in agency.leaders:
                self.named[key] = self._new_person(agency.key, rank, position, key)

    def _new_person(self, agency: str, rank: str, position: str, key: str = "") -> Person:
        person = Person(agency=agency, rank=rank, position=position, key=key)
        self.people.append(person)
        return person

    # -- bays ------------------------------------------------------------------------------
    def office(
        self, width: int, agency: str, occupants: list[Person], name: str = "办公室", tag: str = ""
    ) -> Bay:
        spec = RoomSpec(name, RoomUse.OFFICE, "一般办公室", agency, occupants=occupants, tag=tag)
        if any(p.key for p in occupants) and name != "办公室":
            spec.subtype = "领导办公室"
        return Bay(width, [(None, spec)])

    def leader(self, key: str, depth: int, width: int | None = None, tag: str = "") -> Bay:
        person = self.named[key]
        if width is None:
            width = max(2400, int(person.limit * 0.9 * 1e6 / depth) // 100 * 100)
        name = f"{person.position.split('、')[-1]}办公室"
        return self.office(width, person.agency, [person], name, tag)

    def leaders(self, agency: str, depth: int, skip: tuple[str, ...] = ()) -> list[Bay]:
        keys = [k for k, _, _ in AGENCY_BY_KEY[agency].leaders if k not in skip]
        return [self.leader(k, depth) for k in keys]

    def service(
        self,
        width: int,
        name: str,
        agency: str | None,
        use: RoomUse = RoomUse.SERVICE,
        numbered: bool = True,
        **extra: Any,
    ) -> Bay:
        return Bay(width, [(None, RoomSpec(name, use, name, agency, numbered=numbered, **extra))])

    def circulation(self, width: int, name: str = "楼梯间") -> Bay:
        return self.service(width, name, None, RoomUse.CIRCULATION, numbered=False)

    def public_wc(self, width: int = 3000) -> Bay:
        return self.service(width, "卫生间", None, numbered=False)

    def staff_bay(self, agency: str, depth: int) -> tuple[Bay, tuple[str, ...]]:
        category = AGENCY_BY_KEY[agency].category
        ranks = self.rng.choice(_STAFF_PATTERNS[category])
        factor = self.rng.choice(_FILL_FACTORS)
        total = sum(RANK_LIMITS[category][r] for r in ranks)
        width = max(MIN_FILLER, int(total * factor * 1e6 / depth) // 100 * 100)
        return Bay(width, [(None, RoomSpec("办公室", RoomUse.OFFICE, "一般办公室", agency))]), ranks

    def _filler(self, width: int, agency: str | None, filler: str) -> list[Bay]:
        """Service rooms that take up what is left of a strip (split when too wide)."""
        count = max(1, math.ceil((width + WALL) / (MAX_FILLER + WALL)))
        each = (width - WALL * (count - 1)) // count
        widths = [each] * (count - 1) + [width - WALL * (count - 1) - each * (count - 1)]
        bays = []
        for w in widths:
            if filler == "停车库":
                bays.append(self.service(w, "停车库", None, RoomUse.ANCILLARY, numbered=False))
                continue
            if w >= 6000:
                name = "会议室"
            else:
                name = self.rng.choice(("档案室", "接待室", "文印室", "储藏室", "值班室"))
            bays.append(self.service(w, name, agency))
        return bays

    def fill_strip(
        self,
        strip: Strip,
        head: list[Bay],
        tail: list[Bay],
        agency: str | None,
        filler: str = "service",
    ) -> list[Bay]:
        """Head bays, then staff offices of ``agency`` while they fit, a filler, then tail bays."""
        used = sum(b.width + WALL for b in head + tail)
        middle: list[Bay] = []
        while agency is not None:
            bay, ranks = self.staff_bay(agency, strip.depth)
            if used + bay.width + WALL + MIN_FILLER > strip.length:
                break
            spec = bay.parts[0][1]
            spec.occupants = [
                self._new_person(agency, r, self.rng.choice(_STAFF_POSITIONS[r])) for r in ranks
            ]
            middle.append(bay)
            used += bay.width + WALL
        rest = strip.length - used
        if rest < MIN_FILLER:
            raise ValueError(f"strip too short for its fixed rooms: {rest} mm left")
        fill = self._filler(rest, agency, filler)
        return head + middle + fill + tail

    # -- drawing ---------------------------------------------------------------------------
    def draw(
        self,
        building: BuildingDef,
        floor: str,
        strips: list[tuple[Strip, list[Bay]]],
        corridor: list[tuple[int, int]],
        corridor_label: tuple[float, float],
    ) -> None:
        rooms: list[DrawnRoom] = []
        columns: list[list[tuple[int, int]]] = []
        prefix = floor if floor.startswith("B") else floor[:-1]
        counter = 0
        for strip, bays in strips:
            offset = 0
            for bay in bays:
                d0 = 0
                known = sum(d for d, _ in bay.parts if d is not None)
                free = strip.depth - known - WALL * (len(bay.parts) - 1)
                for depth, spec in bay.parts:
                    d = free if depth is None else depth
                    ring = strip.rect(offset, bay.width, d0, d)
                    number = None
                    if spec.numbered:
                        counter += 1
                        number = f"{prefix}{counter:02d}"
                    rooms.append(self._room(spec, number, ring, strip, building, floor, columns))
                    d0 += d + WALL
                offset += bay.width + WALL
            if offset - WALL != strip.length:
                raise ValueError(f"{building.code} {floor}: bays do not fill the strip")
        corridor_spec = RoomSpec("走廊", RoomUse.CIRCULATION, "走廊", numbered=False)
        area = polygon_area_mm2([(x, y, 0.0) for x, y in corridor]) / 1e6
        rooms.append(
            DrawnRoom(
                corridor_spec,
                None,
                [(x, y, 0.0) for x, y in corridor],
                area,
                corridor_label,
                building.code,
                floor,
            )
        )
        self.floors.append((building, floor, rooms, columns))

    def _room(
        self,
        spec: RoomSpec,
        number: str | None,
        ring: list[tuple[int, int]],
        strip: Strip,
        building: BuildingDef,
        floor: str,
        columns: list[list[tuple[int, int]]],
    ) -> DrawnRoom:
        vertices = [(x, y, 0.0) for x, y in ring]
        (x0, y0), (x1, _), (_, y1) = ring[0], ring[1], ring[2]
        label = ((x0 + x1) / 2, (y0 + y1) / 2)
        if spec.rounded:
            if strip.along_y:
                raise ValueError("rounded rooms are drawn on strips along x only")
            sagitta = 1200
            chord = y1 - y0
            vertices = [
                (x0, y0, 0.0),
                (x1 - sagitta, y0, 2 * sagitta / chord),
                (x1 - sagitta, y1, 0.0),
                (x0, y1, 0.0),
            ]
            label = ((x0 + x1 - sagitta) / 2, (y0 + y1) / 2)
        if spec.column:
            cx, cy = x0 + 1500, y0 + 1500
            columns.append([(cx, cy), (cx + 600, cy), (cx + 600, cy + 600), (cx, cy + 600)])
        area = polygon_area_mm2(vertices) / 1e6
        return DrawnRoom(spec, number, vertices, area, label, building.code, floor)


def _standard_strips(b: BuildingDef) -> tuple[Strip, Strip, list[tuple[int, int]], tuple]:
    inner = b.length - 2 * OUTER
    south = Strip(OUTER, OUTER, inner, b.south)
    yc0 = OUTER + b.south + WALL
    yc1 = yc0 + b.corridor
    north = Strip(OUTER, yc1 + WALL, inner, b.north)
    corridor = [(OUTER, yc0), (OUTER + inner, yc0), (OUTER + inner, yc1), (OUTER, yc1)]
    return south, north, corridor, (b.length / 2, (yc0 + yc1) / 2)


def _l_strips(b: BuildingDef) -> tuple[Strip, Strip, Strip, Strip, list[tuple[int, int]], tuple]:
    """Strips of the L-shaped building: main wing along x, wing along y at the east end."""
    depth = b.depth
    wing_x = b.length - depth
    yc0 = OUTER + b.south + WALL
    yc1 = yc0 + b.corridor
    top = depth + b.wing - OUTER
    xw0 = wing_x + OUTER + b.north + WALL
    xw1 = xw0 + b.corridor
    south = Strip(OUTER, OUTER, b.length - 2 * OUTER, b.south)
    north = Strip(OUTER, yc1 + WALL, xw0 - WALL - OUTER, b.north)
    wing_w = Strip(wing_x + OUTER, depth, top - depth, b.north, along_y=True)
    wing_e = Strip(xw1 + WALL, yc0, top - yc0, b.length - OUTER - xw1 - WALL, along_y=True)
    corridor = [(OUTER, yc0), (xw1, yc0), (xw1, top), (xw0, top), (xw0, yc1), (OUTER, yc1)]
    return south, north, wing_w, wing_e, corridor, ((OUTER + xw0) / 2, (yc0 + yc1) / 2)


def _lay_out(rng: random.Random, as_of: date) -> _Layout:
    """Every drawn floor of the sample, with the deliberate cases placed on purpose."""
    lay = _Layout(rng, as_of)
    n = lay.named
    stair = lay.circulation

    def rect_floor(
        code: str,
        floor: str,
        south_bays: list[Bay] | None = None,
        south_fill: str | None = None,
        north_bays: list[Bay] | None = None,
        north_fill: str | None = None,
        north_head: list[Bay] | None = None,
        filler: str = "service",
    ) -> None:
        b = BUILDING_BY_CODE[code]
        south, north, corridor, label = _standard_strips(b)
        s_bays = lay.fill_strip(south, south_bays or [], [], south_fill, filler)
        head = north_head if north_head is not None else [stair(3000), lay.public_wc()]
        n_bays = lay.fill_strip(north, head + (north_bays or []), [stair(3000)], north_fill, filler)
        lay.draw(b, floor, [(south, s_bays), (north, n_bays)], corridor, label)

    def suite(
        person: Person,
        office_w: int,
        rest_w: int,
        parts: list[tuple[int | None, str]],
        tag: str,
        depth: int,
    ) -> list[Bay]:
        """A leader's suite: the office bay and a bay split into rest room/toilet/store."""
        office = lay.leader(person.key, depth, office_w, tag)
        split: list[tuple[int | None, RoomSpec]] = []
        for part_depth, name in parts:
            if name == "储藏室":
                split.append((part_depth, RoomSpec(name, RoomUse.SERVICE, name, person.agency)))
            else:
                split.append(
                    (
                        part_depth,
                        RoomSpec(
                            name, RoomUse.SERVICE, name, person.agency, occupants=[person], tag=tag
                        ),
                    )
                )
        return [office, Bay(rest_w, split)]

    def second_office(person: Person, agency: str, tag: str) -> Bay:
        """A small second office (3000 x 2800 = 8.40 m²) with a store behind it."""
        spec = RoomSpec("办公室", RoomUse.OFFICE, "领导办公室", agency, occupants=[person], tag=tag)
        return Bay(
            3000, [(2800, spec), (None, RoomSpec("储藏室", RoomUse.SERVICE, "储藏室", agency))]
        )

    # B01 市委楼 (B1 + 1F-5F drawn; 6F, 7F not drawn)
    rect_floor(
        "B01",
        "B1",
        south_bays=[
            lay.service(4200, "配电室", "swb", RoomUse.EQUIPMENT),
            lay.service(3600, "水泵房", "jw", RoomUse.EQUIPMENT),
        ],
        north_head=[stair(3000)],
        filler="停车库",
    )
    rect_floor(
        "B01",
        "1F",
        south_bays=[stair(6000, "门厅"), lay.service(3000, "收发室", "swb")],
        south_fill="swb",
        north_fill="swb",
    )
    rect_floor("B01", "2F", south_bays=lay.leaders("swb", 6000), south_fill="swb", north_fill="swb")
    rect_floor("B01", "3F", south_bays=lay.leaders("jw", 6000), south_fill="jw", north_fill="jw")
    rect_floor("B01", "4F", south_fill="swb", north_fill="jw")
    rect_floor(
        "B01",
        "5F",
        south_bays=suite(n["sw_shuji"], 6000, 2000, [(None, "休息室")], "over_city", 6000)
        + lay.leaders("sw", 6000, skip=("sw_shuji",)),
        south_fill="swb",
        north_fill="swb",
    )

    # B02 市政府楼 (high-rise, 1F-6F drawn of 12)
    rect_floor(
        "B02",
        "1F",
        south_bays=[
            stair(6000, "门厅"),
            lay.service(8400, "会议室", "szb", rounded=True, column=True, tag="rounded_room"),
        ],
        south_fill="szb",
        north_bays=[lay.service(3600, "配电室", "szb", RoomUse.EQUIPMENT)],
        north_fill="szb",
    )
    rect_floor("B02", "2F", south_bays=lay.leaders("szb", 6000), south_fill="szb", north_fill="szb")
    rect_floor(
        "B02",
        "3F",
        south_bays=[lay.leader("fgw_f2", 6000)],
        south_fill="fgw",
        north_bays=[
            lay.leader("fgw_zr", 5400, 2800, "approved_concurrent"),
            lay.leader("fgw_f1", 5400, 3000, "transferred"),
        ],
        north_fill="fgw",
    )
    rect_floor("B02", "4F", south_fill="fgw", north_fill="fgw")
    rect_floor(
        "B02",
        "5F",
        south_fill="szb",
        north_bays=[second_office(n["fgw_zr"], "szb", "approved_concurrent")],
        north_fill="szb",
    )
    rect_floor(
        "B02",
        "6F",
        south_bays=suite(
            n["szf_sz"], 5000, 2000, [(3300, "休息室"), (None, "卫生间")], "toilet_eligible", 6000
        )
        + suite(
            n["szf_f1"], 3600, 2000, [(3400, "休息室"), (None, "储藏室")], "within_standard", 6000
        )
        + lay.leaders("szf", 6000, skip=("szf_sz", "szf_f1")),
        south_fill="szb",
        north_fill="szb",
    )

    # B03 市直机关 1号楼: 财政局 and 自然资源和规划局 (1F-4F drawn of 5)
    rect_floor(
        "B03",
        "1F",
        south_bays=[stair(6000, "门厅"), lay.service(3600, "接待室", "zr")],
        south_fill="zr",
        north_bays=[second_office(n["cz_jz"], "cz", "second_office")],
        north_fill="cz",
    )
    idle_long = lay.office(3000, "zr", [], tag="idle_long")
    shared_ok = lay.office(4200, "zr", [], tag="shared_within")
    rect_floor(
        "B03",
        "2F",
        south_bays=lay.leaders("zr", 6000, skip=("zr_jz",)) + [shared_ok],
        south_fill="zr",
        north_bays=[lay.leader("zr_jz", 5400, 2800, "concurrent_ended"), idle_long],
        north_fill="zr",
    )
    shared_over = lay.office(3600, "cz", [], tag="shared_over")
    rect_floor(
        "B03",
        "3F",
        south_bays=lay.leaders("cz", 6000, skip=("cz_jz", "cz_f1")) + [shared_over],
        south_fill="cz",
        north_bays=[lay.leader("cz_jz", 5400, 2800, "second_office")]
        + suite(
            n["cz_f1"],
            2400,
            1500,
            [(2600, "卫生间"), (None, "储藏室")],
            "toilet_not_eligible",
            5400,
        )
        + [second_office(n["zr_jz"], "cz", "concurrent_ended")],
        north_fill="cz",
    )
    rect_floor("B03", "4F", south_fill="cz", north_fill="zr")

    # B04 市直机关 2号楼: 人大常委会 and 机关事务管理局 (1F-3F drawn of 4)
    leased = lay.office(3600, "jg", [], tag="leased_out")
    rect_floor(
        "B04", "1F", south_bays=[stair(6000, "门厅"), leased], south_fill="jg", north_fill="jg"
    )
    rect_floor(
        "B04",
        "2F",
        south_bays=[lay.leader("rd_zr", 6000, 6000), lay.leader("rd_f1", 6000, 3600, "retired")]
        + lay.leaders("rd", 6000, skip=("rd_zr", "rd_f1")),
        south_fill="rd",
        north_fill="rd",
    )
    rect_floor("B04", "3F", south_bays=lay.leaders("jg", 6000), south_fill="jg", north_fill="rd")

    # B05 湖滨区政府 (L-shaped, 1F-3F drawn of 5)
    b05 = BUILDING_BY_CODE["B05"]

    def l_floor(floor: str, south_bays: list[Bay], wing_bays: list[Bay]) -> None:
        south, north, wing_w, wing_e, corridor, label = _l_strips(b05)
        strips = [
            (south, lay.fill_strip(south, [stair(3000)] + south_bays, [], "hb")),
            (north, lay.fill_strip(north, [stair(3000), lay.public_wc()], [], "hb")),
            (wing_w, lay.fill_strip(wing_w, wing_bays, [], "hb")),
            (wing_e, lay.fill_strip(wing_e, [], [stair(3000)], "hb")),
        ]
        lay.draw(b05, floor, strips, corridor, label)

    l_floor("1F", [stair(6000, "门厅")], [lay.service(6600, "会议室", "hb")])
    idle_short = lay.office(3000, "hb", [], tag="idle_short")
    l_floor("2F", [idle_short], [])
    l_floor(
        "3F",
        suite(n["hb_qz"], 4000, 2000, [(4000, "休息室"), (None, "储藏室")], "over_county", 6500)
        + lay.leaders("hb", 6500, skip=("hb_qz",)),
        [],
    )

    # B06 泉山区政府 (1F-2F drawn of 4), B07 青石县政府 (1F-3F drawn of 4)
    rect_floor("B06", "1F", south_bays=[stair(6000, "门厅")], south_fill="qs", north_fill="qs")
    rect_floor("B06", "2F", south_bays=lay.leaders("qs", 6000), south_fill="qs", north_fill="qs")
    rect_floor("B07", "1F", south_bays=[stair(6000, "门厅")], south_fill="qx", north_fill="qx")
    rect_floor("B07", "2F", south_bays=lay.leaders("qx", 6000), south_fill="qx", north_fill="qx")
    rect_floor("B07", "3F", south_fill="qx", north_fill="qx")

    # The deliberate rooms without their own leader: shared offices, idle and leased rooms.
    for spec, ranks in (
        (shared_ok.parts[0][1], ("局(处)级以下",) * 3),
        (shared_over.parts[0][1], ("局(处)级以下",) * 2),
    ):
        spec.occupants = [
            lay._new_person(spec.agency or "", r, rng.choice(_STAFF_POSITIONS[r])) for r in ranks
        ]
    idle_long.parts[0][1].status = RoomStatus.IDLE
    idle_short.parts[0][1].status = RoomStatus.IDLE
    leased.parts[0][1].status = RoomStatus.LEASED_OUT
    return lay


# ---------------------------------------------------------------------------------------------
# Dates, history, names and approved staff
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    person: Person
    building: str
    room: str
    start: date
    end: date


def _rooms_by_tag(lay: _Layout) -> dict[str, list[DrawnRoom]]:
    tagged: dict[str, list[DrawnRoom]] = {}
    for _, _, rooms, _ in lay.floors:
        for room in rooms:
            if room.spec.tag:
                tagged.setdefault(room.spec.tag, []).append(room)
    return tagged


def _settle(lay: _Layout, rng: random.Random, as_of: date) -> list[History]:
    """Give occupants their rooms and move-in dates, write the history the cases need."""
    held: dict[int, list[DrawnRoom]] = {}
    staff_rooms: dict[str, list[DrawnRoom]] = {}
    for _, _, rooms, _ in lay.floors:
        for room in rooms:
            since = as_of - timedelta(days=rng.randint(300, 3000))
            for person in room.spec.occupants:
                held.setdefault(id(person), []).append(room)
                if person.since is None or since < person.since:
                    person.since = since
            if (
                room.spec.occupants
                and not room.spec.tag
                and not any(p.key for p in room.spec.occupants)
            ):
                staff_rooms.setdefault(room.spec.agency or "", []).append(room)
    for person in lay.people:
        rooms = held.get(id(person), [])
        # Main office first, then its suite, then an office held for a concurrent post.
        rooms.sort(
            key=lambda r: (r.spec.agency != person.agency, r.spec.use != RoomUse.OFFICE, -r.area)
        )
        person.rooms = [r.number or "" for r in rooms]
        person.building = rooms[0].building if rooms else ""

    n = lay.named
    n["rd_f1"].status = OccupantStatus.RETIRED
    n["rd_f1"].status_date = _months_before(as_of, 3)
    n["fgw_f1"].status = OccupantStatus.TRANSFERRED
    n["fgw_f1"].status_date = _months_before(as_of, 2)
    fgw_zr = n["fgw_zr"]
    fgw_zr.concurrent_agency, fgw_zr.concurrent_position = "szb", "副主任"
    fgw_zr.concurrent_approved = True
    zr_jz = n["zr_jz"]
    zr_jz.concurrent_agency, zr_jz.concurrent_position = "cz", "党组成员"
    zr_jz.concurrent_approved = True
    zr_jz.concurrent_end = _months_before(as_of, 3)

    history: list[History] = []
    tagged = _rooms_by_tag(lay)
    for tag, moved_on in (
        ("idle_long", _months_before(as_of, 7) - timedelta(days=10)),
        ("idle_short", _months_before(as_of, 5)),
    ):
        room = tagged[tag][0]
        room.spec.status_date = moved_on
        donor = next(r for r in staff_rooms[room.spec.agency or ""] if len(r.spec.occupants) >= 2)
        staff_rooms[room.spec.agency or ""].remove(donor)
        for person in donor.spec.occupants[:2]:
            history.append(
                History(
                    person,
                    room.building,
                    room.number or "",
                    moved_on - timedelta(days=rng.randint(700, 1500)),
                    moved_on,
                )
            )
            person.since = moved_on
    leased = tagged["leased_out"][0]
    leased.spec.status_date = _months_before(as_of, 14)
    _omit_from_register(lay)

    # People who left long ago and handed their room over: history, no finding.
    for agency, status in (
        ("cz", OccupantStatus.RETIRED),
        ("szb", OccupantStatus.RETIRED),
        ("hb", OccupantStatus.RETIRED),
        ("jw", OccupantStatus.TRANSFERRED),
        ("qx", OccupantStatus.RETIRED),
    ):
        rank = next(r for r in RANK_LIMITS[AGENCY_BY_KEY[agency].category] if "以下" in r)
        left = lay._new_person(agency, rank, rng.choice(_STAFF_POSITIONS[rank]))
        left.status = status
        left.status_date = as_of - timedelta(days=rng.randint(400, 900))
        room = staff_rooms[agency].pop(0)
        handed_over = left.status_date + timedelta(days=10)
        history.append(
            History(
                left,
                room.building,
                room.number or "",
                handed_over - timedelta(days=rng.randint(1000, 2500)),
                handed_over,
            )
        )
        for person in room.spec.occupants:
            person.since = max(person.since or handed_over, handed_over)
    for key in ("fgw_zr", "zr_jz"):
        # The second office came with the concurrent post, after the main one.
        n[key].since = as_of - timedelta(days=rng.randint(1500, 2500))
    _name_people(lay.people, rng)
    return history


LEASE_COUNTERPARTY = "明湖市鑫源商贸有限公司"
"""The enterprise renting the leased room (B04 1F); its contract ran out two months ago."""


def lease_contract(as_of: date) -> tuple[date, date]:
    """Start and end of the leased room's contract: one year, ended two months before as_of."""
    return _months_before(as_of, 14), _months_before(as_of, 2)


def _omit_from_register(lay: _Layout) -> None:
    """Tag the first unoccupied archive or store room of B07 3F: the register leaves it out."""
    for building, floor, rooms, _ in lay.floors:
        if (building.code, floor) != ("B07", "3F"):
            continue
        room = next(
            r
            for r in rooms
            if r.number
            and r.spec.use == RoomUse.SERVICE
            and not r.spec.occupants
            and not r.spec.tag
        )
        room.spec.tag = "room_not_in_ledger"


def _name_people(people: list[Person], rng: random.Random) -> None:
    taken: set[str] = set()
    for person in people:
        while True:
            given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
            name = rng.choice(_SURNAMES) + given
            if name not in taken:
                break
        taken.add(name)
        person.name = name


def _agency_figures(lay: _Layout) -> dict[str, dict[str, float]]:
    """Actual usable areas per agency (suite rest rooms and toilets counted as offices AND
    service rooms, so that the entitlement check passes whichever way the analysis counts)."""
    figures = {a.key: {"office": 0.0, "service": 0.0, "equipment": 0.0} for a in AGENCIES}
    for _, _, rooms, _ in lay.floors:
        for room in rooms:
            agency = room.spec.agency
            if agency is None:
                continue
            if room.spec.use == RoomUse.OFFICE:
                figures[agency]["office"] += room.area
            elif room.spec.use == RoomUse.SERVICE:
                figures[agency]["service"] += room.area
                if room.spec.occupants:
                    figures[agency]["office"] += room.area
            elif room.spec.use == RoomUse.EQUIPMENT:
                figures[agency]["equipment"] += room.area
    return figures


SERVICE_INDEX_FLOOR = 5
"""m² per 编制 assumed for 服务用房 when sizing 编制: the lowest value any province uses."""


def _approved_staff(lay: _Layout) -> dict[str, dict[str, int]]:
    """编制 per agency and rank: everyone on the roster plus vacancies, raised until the
    agency's actual office, service and equipment areas are within its entitlement."""
    figures = _agency_figures(lay)
    staff: dict[str, dict[str, int]] = {}
    for agency in AGENCIES:
        limits = RANK_LIMITS[agency.category]
        counts = dict.fromkeys(limits, 0)
        for person in lay.people:
            if person.agency == agency.key:
                counts[person.rank] += 1
        lowest = list(limits)[-1]
        counts[lowest] += math.ceil(counts[lowest] * 0.1)
        fig = figures[agency.key]
        while True:
            a = sum(counts[r] * limits[r] for r in limits)
            b = SERVICE_INDEX_FLOOR * sum(counts.values())
            if a >= fig["office"] and b >= fig["service"] and 0.09 * (a + b) >= fig["equipment"]:
                break
            counts[lowest] += 1
        staff[agency.key] = counts
    return staff


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def _write_regions(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["代码", "名称", "级别", "上级代码"])
        for code, name, level, parent in REGIONS:
            writer.writerow([code, name, str(level), parent])


def _to_plan() -> Transformer:
    return Transformer.from_crs(MAP_CRS, PLAN_CRS, always_xy=True)


def _compound_origin(compound: CompoundDef) -> tuple[float, float]:
    return _to_plan().transform(*compound.center)


def compound_plan_polygon(compound: CompoundDef) -> Polygon:
    """The compound in EPSG:4548 metres (what the GeoJSON is projected from)."""
    ex, ny = _compound_origin(compound)
    return Polygon([(ex + dx, ny + dy) for dx, dy in compound.outline])


def building_footprint(building: BuildingDef) -> Polygon:
    """The footprint in EPSG:4548: the local outline rotated and moved onto its compound."""
    local = Polygon([(x / 1000, y / 1000) for x, y in building.outline_mm()])
    ex, ny = _compound_origin(COMPOUND_BY_CODE[building.compound])
    rotated = affinity.rotate(local, building.rotation, origin=(0, 0))
    return affinity.translate(rotated, ex + building.offset[0], ny + building.offset[1])


def _write_compounds(path: Path) -> list[dict[str, Any]]:
    to_map = Transformer.from_crs(PLAN_CRS, MAP_CRS, always_xy=True)
    features = []
    summary = []
    for compound in COMPOUNDS:
        plan = compound_plan_polygon(compound)
        ring = [[round(v, 9) for v in to_map.transform(x, y)] for x, y in plan.exterior.coords]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "编码": compound.code,
                    "名称": compound.name,
                    "地址": compound.address,
                    "行政区划代码": compound.region,
                    "不动产权证号": compound.title_no,
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
        summary.append(
            {
                "code": compound.code,
                "name": compound.name,
                "region": compound.region,
                "plan_area_m2": round(plan.area, 2),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "compounds",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": features,
    }
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def _title_record(building: BuildingDef, index: int) -> str:
    """The ownership certificate of an owned building, the lease agreement of a rented one."""
    if building.tenure == Tenure.LEASED:
        return f"明机管租〔{building.year + 10}〕{index}号"
    return f"鲁({building.year + 1})明湖市不动产权第{index:07d}号"


def _write_buildings(path: Path) -> None:
    rows = [
        {
            "编码": b.code,
            "名称": b.name,
            "院落编码": b.compound,
            "地上层数": b.floors_above,
            "地下层数": b.floors_below,
            "建成年代": b.year,
            "建筑物分类": str(b.use),
            "权属": str(b.tenure),
            "权属证明": _title_record(b, index),
            "geometry": building_footprint(b),
        }
        for index, b in enumerate(BUILDINGS, start=1)
    ]
    if path.exists():
        path.unlink()
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=PLAN_CRS)
    frame.to_file(path, layer="buildings", driver="GPKG", engine="pyogrio")


_LAYERS = (("墙体", 7), ("房间", 3), ("房间名称", 2), ("柱子", 8), ("图名", 1))


def _write_floor(
    path: Path,
    building: BuildingDef,
    floor: str,
    rooms: list[DrawnRoom],
    columns: list[list[tuple[int, int]]],
) -> None:
    doc = ezdxf.new("R2018")
    doc.header["$INSUNITS"] = 4
    for name, color in _LAYERS:
        doc.layers.add(name, color=color)
    msp = doc.modelspace()
    msp.add_lwpolyline(building.outline_mm(), close=True, dxfattribs={"layer": "墙体"})
    y_south = OUTER + building.south
    for y in (
        y_south,
        y_south + WALL,
        y_south + WALL + building.corridor,
        y_south + 2 * WALL + building.corridor,
    ):
        end = building.length - OUTER if not building.wing else building.length - building.depth
        msp.add_line((OUTER, y), (end, y), dxfattribs={"layer": "墙体"})
    for room in rooms:
        msp.add_lwpolyline(room.vertices, format="xyb", close=True, dxfattribs={"layer": "房间"})
    for index, room in enumerate(rooms):
        if index % 2:
            if room.number:
                content = f"{{\\fSimSun|b0|i0|c134|p2;{room.number}}}\\P{room.spec.name}"
            else:
                content = f"{{\\fSimSun|b0;\\W0.8;{room.spec.name}}}"
            msp.add_mtext(
                content,
                dxfattribs={
                    "layer": "房间名称",
                    "char_height": 300,
                    "insert": room.label_at,
                    "attachment_point": 5,
                },
            )
        else:
            text = msp.add_text(room.label, height=300, dxfattribs={"layer": "房间名称"})
            text.set_placement(room.label_at, align=TextEntityAlignment.MIDDLE_CENTER)
    for ring in columns:
        msp.add_lwpolyline(ring, close=True, dxfattribs={"layer": "柱子"})
    title = msp.add_text(_floor_title(floor), height=800, dxfattribs={"layer": "图名"})
    title.set_placement((building.length / 2, -2000), align=TextEntityAlignment.MIDDLE_CENTER)
    doc.saveas(path)


_ROSTER_DATE_FORMAT = "yyyy-mm-dd"
CONTRACT_COLUMNS = ("承租方", "承租方性质", "合同起始日期", "合同到期日期", "批准文号")
ANCILLARY_COLUMNS = ("车位数", "自行车位数", "电动车位数", "警卫人数")
ANCILLARY_COUNTS: dict[str, tuple[int, int, int, int]] = {
    "jg": (120, 150, 80, 8),
    "hb": (40, 60, 30, 3),
    "qs": (30, 40, 20, 2),
    "qx": (30, 50, 30, 2),
}
"""车位数, 自行车位数, 电动车位数, 警卫人数 of the agencies that run their compound's car park and
guard (the 机关事务管理局 for the city compounds, each district/county government for its own)."""


def _write_roster(
    path: Path, lay: _Layout, history: list[History], staff: dict[str, dict[str, int]]
) -> None:
    book = openpyxl.Workbook()
    agencies = book.active
    agencies.title = "单位"
    rank_columns = [r for category in (CITY, COUNTY) for r in RANK_LIMITS[category]]
    agencies.append(
        [
            "单位名称",
            "统一社会信用代码",
            "行政区划代码",
            "单位类别",
            "单位性质",
            "机构级别",
            "上级单位",
            "实有人数",
        ]
        + [f"编制数-{r}" for r in rank_columns]
        + list(ANCILLARY_COLUMNS)
    )
    for agency in AGENCIES:
        serving = sum(
            p.agency == agency.key and p.status == OccupantStatus.SERVING for p in lay.people
        )
        parent = AGENCY_BY_KEY[agency.parent].name if agency.parent else ""
        agencies.append(
            [
                agency.name,
                agency_credit_code(agency),
                agency.region,
                str(agency.category),
                agency.kind,
                agency.level,
                parent,
                serving,
            ]
            + [staff[agency.key].get(r) for r in rank_columns]
            + list(ANCILLARY_COUNTS.get(agency.key, (None,) * len(ANCILLARY_COLUMNS)))
        )

    people = book.create_sheet("人员")
    people.append(
        [
            "姓名",
            "单位",
            "职务",
            "职级",
            "在职情况",
            "状态日期",
            "兼职单位",
            "兼职职务",
            "兼职批准",
            "兼职终止日期",
            "楼栋",
            "房间号",
            "入驻日期",
        ]
    )
    for p in lay.people:
        approved = (
            "" if p.concurrent_approved is None else ("是" if p.concurrent_approved else "否")
        )
        people.append(
            [
                p.name,
                AGENCY_BY_KEY[p.agency].name,
                p.position,
                p.rank,
                str(p.status),
                p.status_date,
                AGENCY_BY_KEY[p.concurrent_agency].name if p.concurrent_agency else "",
                p.concurrent_position,
                approved,
                p.concurrent_end,
                p.building,
                "、".join(p.rooms),
                p.since if p.rooms else None,
            ]
        )

    register = book.create_sheet("房间")
    register.append(
        ["楼栋", "楼层", "房间号", "使用单位", "使用状态", "状态日期", "核定用途"]
        + list(CONTRACT_COLUMNS)
    )
    for building, floor, rooms, _ in lay.floors:
        for room in rooms:
            if not room.number or room.spec.tag == "room_not_in_ledger":
                continue
            contract: list[Any] = [None] * len(CONTRACT_COLUMNS)
            if room.spec.tag == "leased_out":
                start, end = lease_contract(lay.as_of)
                contract = [LEASE_COUNTERPARTY, "企业", start, end, None]
            status_date = room.spec.status_date
            if status_date is None and room.spec.occupants:
                status_date = min(p.since for p in room.spec.occupants if p.since)
            register.append(
                [
                    building.code,
                    floor,
                    room.number,
                    AGENCY_BY_KEY[room.spec.agency].name if room.spec.agency else "",
                    str(room.spec.status),
                    status_date,
                    str(room.spec.use),
                ]
                + contract
            )

    past = book.create_sheet("入驻记录")
    past.append(["姓名", "单位", "楼栋", "房间号", "起始日期", "终止日期"])
    for h in history:
        past.append(
            [h.person.name, AGENCY_BY_KEY[h.person.agency].name, h.building, h.room, h.start, h.end]
        )
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = _ROSTER_DATE_FORMAT
    book.save(path)


def agency_credit_code(agency: AgencyDef) -> str:
    """A valid 统一社会信用代码 for a sample agency: 机构编制 registrar (1), 机关 (1), the city's
    code, an organisation code derived from the agency's position in the list, the check."""
    index = AGENCIES.index(agency)
    body = "11" + agency.region[:6] + _org_code(f"{771800 + index * 37:08d}")
    return body + credit_code_check_char(body)


# ---------------------------------------------------------------------------------------------
# Manifest and deliberate cases
# ---------------------------------------------------------------------------------------------


def _r2(value: float) -> float:
    return round(value + 0.0, 2)


def _room_ref(room: DrawnRoom) -> dict[str, Any]:
    return {
        "building": room.building,
        "floor": room.floor,
        "number": room.number,
        "name": room.spec.name,
        "area": _r2(room.area),
    }


def _person_ref(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "agency": AGENCY_BY_KEY[person.agency].name,
        "position": person.position,
        "rank": person.rank,
        "limit": person.limit,
    }


def _deliberate_cases(lay: _Layout, as_of: date) -> list[dict[str, Any]]:
    tagged = _rooms_by_tag(lay)
    n = lay.named
    cases: list[dict[str, Any]] = []

    def suite_case(kind: str, tag: str, person: Person, finding: bool) -> None:
        rooms = tagged[tag]
        parts = {r.spec.name: r.area for r in rooms if r.spec.use == RoomUse.SERVICE}
        office = sum(r.area for r in rooms if r.spec.use == RoomUse.OFFICE)
        rest = parts.get("休息室", 0.0)
        toilet = parts.get("卫生间", 0.0)
        total = office + rest + toilet
        case = {
            "kind": kind,
            "expected_finding": finding,
            "who": _person_ref(person),
            "rooms": [_room_ref(r) for r in rooms],
            "expected": {
                "office": _r2(office),
                "rest_room": _r2(rest),
                "toilet": _r2(toilet),
                "total": _r2(total),
                "limit": person.limit,
                "excess": _r2(max(0.0, total - person.limit)),
            },
        }
        if toilet:
            case["expected"]["total_toilet_excluded"] = _r2(office + rest)
        cases.append(case)

    suite_case("leader_over_standard", "over_county", n["hb_qz"], True)
    suite_case("leader_over_standard", "over_city", n["sw_shuji"], True)
    suite_case("leader_within_standard", "within_standard", n["szf_f1"], False)
    suite_case("toilet_eligible_within_limit", "toilet_eligible", n["szf_sz"], False)
    suite_case("toilet_not_eligible", "toilet_not_eligible", n["cz_f1"], True)
    cases[-1]["expected"]["toilet_eligible"] = False

    for kind, key, months in (
        ("retired_still_holding_office", "rd_f1", 1),
        ("transferred_still_holding_office", "fgw_f1", 1),
    ):
        person = n[key]
        room = tagged["retired" if key == "rd_f1" else "transferred"][0]
        deadline = _months_before(person.status_date, -months)
        cases.append(
            {
                "kind": kind,
                "expected_finding": True,
                "who": _person_ref(person),
                "rooms": [_room_ref(room)],
                "expected": {
                    "status": str(person.status),
                    "status_date": person.status_date.isoformat(),
                    "vacate_by": deadline.isoformat(),
                    "days_overdue": (as_of - deadline).days,
                    "office": _r2(room.area),
                },
            }
        )

    for kind, tag, finding in (
        ("shared_office_within", "shared_within", False),
        ("shared_office_over", "shared_over", True),
    ):
        room = tagged[tag][0]
        occupants = room.spec.occupants
        limits = sum(p.limit for p in occupants)
        cases.append(
            {
                "kind": kind,
                "expected_finding": finding,
                "rooms": [_room_ref(room)],
                "occupants": [_person_ref(p) for p in occupants],
                "expected": {
                    "area": _r2(room.area),
                    "occupants": len(occupants),
                    "sum_of_limits": limits,
                    "per_person": _r2(room.area / len(occupants)),
                    "excess": _r2(max(0.0, room.area - limits)),
                },
            }
        )

    for kind, tag, key, finding in (
        ("second_office_without_approval", "second_office", "cz_jz", True),
        ("concurrent_post_ended_office_held", "concurrent_ended", "zr_jz", True),
        ("approved_concurrent_office", "approved_concurrent", "fgw_zr", False),
    ):
        person = n[key]
        rooms = tagged[tag]
        expected: dict[str, Any] = {
            "offices": len(rooms),
            "areas": [_r2(r.area) for r in rooms],
            "total": _r2(sum(r.area for r in rooms)),
            "limit": person.limit,
            "concurrent_agency": (
                AGENCY_BY_KEY[person.concurrent_agency].name if person.concurrent_agency else None
            ),
            "concurrent_approved": person.concurrent_approved,
        }
        if person.concurrent_end:
            deadline = _months_before(person.concurrent_end, -2)
            expected |= {
                "concurrent_end": person.concurrent_end.isoformat(),
                "vacate_by": deadline.isoformat(),
                "days_overdue": (as_of - deadline).days,
            }
        cases.append(
            {
                "kind": kind,
                "expected_finding": finding,
                "who": _person_ref(person),
                "rooms": [_room_ref(r) for r in rooms],
                "expected": expected,
            }
        )

    for kind, tag, finding in (
        ("idle_room_flagged", "idle_long", True),
        ("idle_room_not_yet_flagged", "idle_short", False),
    ):
        room = tagged[tag][0]
        since = room.spec.status_date
        cases.append(
            {
                "kind": kind,
                "expected_finding": finding,
                "rooms": [_room_ref(room)],
                "agency": AGENCY_BY_KEY[room.spec.agency or ""].name,
                "expected": {
                    "idle_since": since.isoformat(),
                    "days_idle": (as_of - since).days,
                    "threshold_months": 6,
                    "area": _r2(room.area),
                },
            }
        )
    room = tagged["leased_out"][0]
    start, end = lease_contract(as_of)
    contract = {
        "counterparty": LEASE_COUNTERPARTY,
        "counterparty_kind": "企业",
        "contract_start": start.isoformat(),
        "contract_end": end.isoformat(),
    }
    cases.append(
        {
            "kind": "leased_out",
            "expected_finding": True,
            "rooms": [_room_ref(room)],
            "agency": AGENCY_BY_KEY[room.spec.agency or ""].name,
            "expected": {
                "status": str(room.spec.status),
                "status_date": room.spec.status_date.isoformat(),
                "area": _r2(room.area),
                **contract,
            },
        }
    )
    cases.append(
        {
            "kind": "lease_expired_not_recovered",
            "expected_finding": True,
            "rooms": [_room_ref(room)],
            "agency": AGENCY_BY_KEY[room.spec.agency or ""].name,
            "expected": {
                "status": str(room.spec.status),
                "area": _r2(room.area),
                **contract,
                "days_overdue": (as_of - end).days,
            },
        }
    )
    room = tagged["room_not_in_ledger"][0]
    cases.append(
        {
            "kind": "room_not_in_ledger",
            "expected_finding": True,
            "rooms": [_room_ref(room)],
            "expected": {"building": room.building, "number": room.number, "area": _r2(room.area)},
        }
    )
    return cases


def generate(out_dir: Path, *, as_of: date | None = None, seed: int = 2026) -> dict[str, Any]:
    """Write the sample city into ``out_dir`` and return its manifest (also ``manifest.json``)."""
    as_of = as_of or date.today()
    out_dir = Path(out_dir)
    floors_dir = out_dir / "floors"
    floors_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    lay = _lay_out(rng, as_of)
    history = _settle(lay, rng, as_of)
    staff = _approved_staff(lay)

    _write_regions(out_dir / "regions.csv")
    compounds = _write_compounds(out_dir / "compounds.geojson")
    _write_buildings(out_dir / "buildings.gpkg")
    floors = []
    for building, floor, rooms, columns in lay.floors:
        file_name = f"{building.code}_{floor}.dxf"
        _write_floor(floors_dir / file_name, building, floor, rooms, columns)
        floors.append(
            {
                "building": building.code,
                "floor": floor,
                "ordinal": _floor_ordinal(floor),
                "file": f"floors/{file_name}",
                "room_count": len(rooms),
                "total_area": _r2(sum(r.area for r in rooms)),
                "rooms": [
                    {
                        "number": r.number,
                        "label": r.label,
                        "use": str(r.spec.use),
                        "subtype": r.spec.subtype,
                        "area": _r2(r.area),
                        "agency": AGENCY_BY_KEY[r.spec.agency].name if r.spec.agency else None,
                        "status": str(r.spec.status) if r.number else None,
                        "occupants": [p.name for p in r.spec.occupants],
                    }
                    for r in rooms
                ],
            }
        )
    _write_roster(out_dir / "roster.xlsx", lay, history, staff)

    drawn = {}
    for f in floors:
        drawn.setdefault(f["building"], []).append(f["floor"])
    figures = _agency_figures(lay)
    manifest: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "seed": seed,
        "city": {
            "name": "明湖市",
            "code": "371800000000",
            "province": "370000000000",
            "bbox": list(CITY_BBOX),
            "crs": MAP_CRS,
            "plan_crs": PLAN_CRS,
        },
        "compounds": compounds,
        "buildings": [
            {
                "code": b.code,
                "name": b.name,
                "compound": b.compound,
                "floors_above": b.floors_above,
                "floors_below": b.floors_below,
                "high_rise": b.floors_above >= 10,
                "rotation_deg": b.rotation,
                "footprint_area": _r2(building_footprint(b).area),
                "drawn_floors": drawn.get(b.code, []),
            }
            for b in BUILDINGS
        ],
        "floors": floors,
        "agencies": [
            {
                "name": a.name,
                "category": str(a.category),
                "approved_staff": staff[a.key],
                "ancillary_counts": dict(
                    zip(ANCILLARY_COLUMNS, ANCILLARY_COUNTS.get(a.key, ()), strict=False)
                ),
                "actual": {k: _r2(v) for k, v in figures[a.key].items()},
            }
            for a in AGENCIES
        ],
        "counts": {
            "regions": len(REGIONS),
            "compounds": len(COMPOUNDS),
            "buildings": len(BUILDINGS),
            "floors": len(floors),
            "rooms": sum(f["room_count"] for f in floors),
            "numbered_rooms": sum(1 for f in floors for r in f["rooms"] if r["number"]),
            "agencies": len(AGENCIES),
            "people": len(lay.people),
            "serving": sum(p.status == OccupantStatus.SERVING for p in lay.people),
            "past_occupancies": len(history),
        },
        "deliberate_cases": _deliberate_cases(lay, as_of),
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    LOGGER.info("sample data: %d floors, %d people in %s", len(floors), len(lay.people), out_dir)
    return manifest
