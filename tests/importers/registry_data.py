"""Test data for the registry imports, built in code: regions, footprint files, rosters, rooms.

The place is a small area of Jinan (CM 117°E, so 3° Gauss-Krüger EPSG:4548, or EPSG:4527 with
the zone prefix 39 in the easting).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
from geoalchemy2.shape import from_shape
from openpyxl import Workbook
from pyproj import Transformer
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry import box
from sqlalchemy.orm import Session

from gis_app.models import Building
from gis_app.models import Floor
from gis_app.models import Region
from gis_app.models import Room
from gis_app.registry import credit_code_check_char

CITY = "370100000000"
DISTRICT = "370102000000"
LON0, LAT0 = 117.02, 36.66
TO_GK = Transformer.from_crs(4490, 4548, always_xy=True)
TO_LONLAT = Transformer.from_crs(4548, 4490, always_xy=True)
X0, Y0 = TO_GK.transform(LON0, LAT0)

REGIONS = [
    ("370000000000", "山东省", "省", None),
    (CITY, "济南市", "市", "370000000000"),
    (DISTRICT, "历下区", "县", CITY),
    ("370102001000", "解放路街道", "乡", DISTRICT),
]


def seed_regions(session: Session) -> None:
    for code, name, level, parent in REGIONS:
        session.add(
            Region(
                code=code,
                gb_code=code[:6],
                name=name,
                level=level,
                parent_code=parent,
                province_code=code[:2],
            )
        )
    session.flush()


def credit_code(serial: int) -> str:
    """A valid 统一社会信用代码 for a government body (11) in Jinan."""
    first17 = f"11370100MB{serial:07d}"[:17]
    return first17 + credit_code_check_char(first17)


def gk_box(dx: float, dy: float, width: float, height: float) -> Polygon:
    """A rectangle in EPSG:4548 metres, offset from the test origin."""
    return box(X0 + dx, Y0 + dy, X0 + dx + width, Y0 + dy + height)


def to_lonlat(poly: Polygon) -> Polygon:
    xs, ys = TO_LONLAT.transform(*zip(*poly.exterior.coords, strict=True))
    return Polygon(zip(xs, ys, strict=True))


COMPOUNDS = [
    # code, name, GK rectangle (dx, dy, w, h)
    ("YL01", "市委大院", (0, 0, 200, 150)),
    ("YL02", "市政府大院", (400, 0, 250, 200)),
]

BUILDINGS = [
    # code, name, compound code (may be blank: linked spatially), rectangle, floors
    ("LD01", "1号办公楼", "YL01", (20, 20, 60, 20), 5),
    ("LD02", "2号办公楼", "", (120, 40, 40, 30), 9),
    ("LD03", "综合楼", "YL02", (450, 50, 80, 25), 4),
]


def write_compounds_geojson(path: Path, *, crs: str | None = "urn:ogc:def:crs:EPSG::4490") -> Path:
    features = []
    for code, name, rect in COMPOUNDS:
        geom = to_lonlat(gk_box(*rect))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "编码": code,
                    "名称": name,
                    "地址": f"济南市历下区{name}",
                    "行政区划代码": DISTRICT,
                    "不动产权证号": f"鲁(2020)济南市不动产权第{code}号",
                },
                "geometry": {"type": "Polygon", "coordinates": [list(geom.exterior.coords)]},
            }
        )
    collection: dict = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def write_geojson(path: Path, polygons: list[Polygon], properties: list[dict], crs: str | None):
    """A GeoJSON file with raw coordinates (whatever frame they are in) and a declared CRS."""
    features = [
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [list(p.exterior.coords)]},
        }
        for p, props in zip(polygons, properties, strict=True)
    ]
    collection: dict = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def buildings_frame(*, zone_prefix: bool = False) -> gpd.GeoDataFrame:
    rows = []
    for code, name, compound, (dx, dy, w, h), floors in BUILDINGS:
        poly = gk_box(dx, dy, w, h)
        if zone_prefix:
            poly = Polygon([(x + 39_000_000, y) for x, y in poly.exterior.coords])
        rows.append(
            {
                "编码": code,
                "名称": name,
                "院落编码": compound or None,
                "地上层数": floors,
                "地下层数": 1,
                "建成年代": 1998,
                "建筑物分类": "办公",
                "权属": "自有",
                "geometry": poly,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4548)


def write_buildings_gpkg(path: Path, **kwargs: object) -> Path:
    buildings_frame(**kwargs).to_file(path, layer="buildings", driver="GPKG")  # type: ignore[arg-type]
    return path


def write_buildings_zip(tmp: Path) -> Path:
    """A zipped Shapefile: DBF names are short, so 编码/名称/院落 (each ≤ 10 bytes)."""
    frame = buildings_frame().rename(columns={"院落编码": "院落"})
    frame = frame[["编码", "名称", "院落", "地上层数", "geometry"]]
    folder = tmp / "shp"
    folder.mkdir()
    frame.to_file(folder / "楼栋.shp", driver="ESRI Shapefile", encoding="UTF-8")
    archive = tmp / "buildings.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"data/{part.name}")
    return archive


def add_rooms(session: Session, building: Building, floor_name: str, numbers: list[str]) -> None:
    """Floors and rooms as the survey import would leave them (tests only insert them directly)."""
    ordinal = float(floor_name.rstrip("F")) if floor_name[0].isdigit() else -1.0
    floor = Floor(
        building_id=building.id,
        ordinal=ordinal,
        name=floor_name,
        province_code=building.province_code,
    )
    session.add(floor)
    session.flush()
    for i, number in enumerate(numbers):
        plan = box(i * 6.0, 0, i * 6.0 + 6.0, 4.0)
        session.add(
            Room(
                floor_id=floor.id,
                number=number,
                plan_geom=from_shape(MultiPolygon([plan]), srid=0),
                usable_area_m2=24.0,
                area_rule="inner-wall",
                province_code=building.province_code,
            )
        )
    session.flush()


def write_roster(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An xlsx file: sheet name → rows (the first row is the header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


AGENCY_HEADER = [
    "单位名称",
    "统一社会信用代码",
    "行政区划代码",
    "单位类别",
    "单位性质",
    "机构级别",
    "上级单位",
    "实有人数",
    "编制数-市级正职",
    "编制数-市级副职",
    "编制数-正局(处)级",
    "编制数-副局(处)级",
    "编制数-局(处)级以下",
]

AGENCIES = [
    ["济南市人民政府", credit_code(1), CITY, "市", "政府", "正厅级", None, 40, 1, 4, 8, 10, 20],
    [
        "济南市财政局",
        credit_code(2),
        CITY,
        "市",
        "政府",
        "正局级",
        "济南市人民政府",
        30,
        None,
        None,
        1,
        3,
        25,
    ],
]

PERSON_HEADER = [
    "姓名", "单位", "职务", "职级", "在职情况", "状态日期", "兼职单位", "兼职职务",
    "兼职批准", "兼职终止日期", "楼栋", "房间号", "入驻日期",
]  # fmt: skip

PEOPLE = [
    ["张市长", "济南市人民政府", "市长", "市级正职", "在职", None, None, None, None, None,
     "LD01", "501、502、503", "2021-03-01"],
    ["李局长", "济南市财政局", "局长", "正局(处)级", "在职", None, None, None, None, None,
     "LD01", "301", "2022-01-10"],
    ["王科员", "济南市财政局", "科员", "局(处)级以下", "在职", None, None, None, None, None,
     "LD01", "302", "2022-01-10"],
    ["赵科员", "济南市财政局", "科员", "科员", "在职", None, None, None, None, None,
     "LD01", "302", "2022-01-10"],
    ["钱老局长", "济南市财政局", "原局长", "正局(处)级", "退休", "2024-06-30", None, None,
     None, None, "LD01", "303", "2015-05-01"],
]  # fmt: skip

ROOM_HEADER = ["楼栋", "楼层", "房间号", "使用单位", "使用状态", "状态日期", "核定用途"]
ROOMS = [
    ["LD01", "3F", "301", "济南市财政局", "在用", "2022-01-10", "办公室"],
    ["LD01", "3F", "304", "济南市财政局", "闲置", "2023-07-01", "办公室"],
]

HISTORY_HEADER = ["姓名", "单位", "楼栋", "房间号", "起始日期", "终止日期"]
HISTORY = [
    ["李局长", "济南市财政局", "LD01", "304", "2018-03-01", "2022-01-10"],
]


def full_roster(path: Path, **overrides: list[list[object]]) -> Path:
    sheets = {
        "单位": [AGENCY_HEADER, *overrides.get("agencies", AGENCIES)],
        "人员": [PERSON_HEADER, *overrides.get("people", PEOPLE)],
        "房间": [ROOM_HEADER, *overrides.get("rooms", ROOMS)],
        "入驻记录": [HISTORY_HEADER, *overrides.get("history", HISTORY)],
    }
    return write_roster(path, sheets)


def seed_building(session: Session) -> Building:
    """Regions, building LD01 (no compound needed) with floors 3F (301-304) and 5F (501-503)."""
    seed_regions(session)
    building = Building(
        code="LD01",
        name="1号办公楼",
        footprint=from_shape(MultiPolygon([to_lonlat(gk_box(20, 20, 60, 20))]), srid=4490),
        floors_above=5,
        floors_below=0,
        province_code="37",
    )
    session.add(building)
    session.flush()
    add_rooms(session, building, "3F", ["301", "302", "303", "304"])
    add_rooms(session, building, "5F", ["501", "502", "503"])
    return building
