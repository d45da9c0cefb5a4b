"""Compound (院落) and building (楼栋) footprints from GeoJSON, Shapefile (also zipped),
GeoPackage and DXF outlines, stored in CGCS2000 (EPSG:4490).

The coordinate reference system is the trap: a file with none, or one whose coordinates do not
fit the CRS it declares (Web Mercator metres labelled as a Gauss-Krüger zone, projected metres
labelled as 4490, lon/lat outside China), is refused with a message saying what the coordinates
look like and which ``--crs`` to pass. One mistake is common and unambiguous, so it is fixed
and reported: a 3° Gauss-Krüger easting with the zone prefix (39 500 000) under the EPSG code
of the plain CM variant (500 000), or the reverse.

Re-importing updates a row found by code, then by name, then by outline overlap (≥ 50 %
intersection over union); it never duplicates. Every change, outline included (as WKT), is in
the audit log. Areas are measured on the CGCS2000 ellipsoid.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
import zipfile
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from pyproj import CRS
from pyproj import Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Region
from gis_app.registry import Tally
from gis_app.registry import best_overlap
from gis_app.registry import containing_compound
from gis_app.registry import geodesic_area_m2
from gis_app.registry import save
from gis_app.registry import to_multipolygon
from gis_app.report import ImportReport
from gis_app.vocab import BuildingUse
from gis_app.vocab import Tenure
from gis_app.vocab import TitleException
from survey_import.tabular import Columns
from survey_import.tabular import InputRefused
from survey_import.tabular import normalize_header
from survey_import.tabular import parse_bool
from survey_import.tabular import parse_int

__all__ = [
    "BUILDING_COLUMNS",
    "COMPOUND_COLUMNS",
    "FootprintCode",
    "FootprintImport",
    "FootprintOptions",
    "describe_coordinates",
    "import_footprints",
    "read_footprints",
    "resolve_crs",
]

LOGGER = logging.getLogger(__name__)

TARGET_CRS = CRS.from_epsg(4490)
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
MIN_IOU = 0.5
HIGH_RISE_HEIGHT_M = 24.0
HIGH_RISE_MIN_FLOORS = 8
"""Over 24 m is 高层 (GB 50352); at ~3.3 m per office storey that is 8 floors and up."""


class FootprintCode(StrEnum):
    ZONE_PREFIX = "crs-zone-prefix"
    CRS_OVERRIDDEN = "crs-overridden"
    CRS_IMPLICIT = "crs-implicit-wgs84"
    NOT_POLYGON = "footprint-not-polygon"
    INVALID_FIXED = "footprint-invalid-fixed"
    NO_NAME = "footprint-no-name"
    NAME_FROM_CODE = "footprint-name-from-code"
    DUPLICATE = "footprint-duplicate"
    NO_REGION = "footprint-no-region"
    UNKNOWN_REGION = "footprint-unknown-region"
    UNKNOWN_COMPOUND = "footprint-unknown-compound"
    NO_COMPOUND = "footprint-outside-compounds"
    LINKED = "footprint-linked-to-compound"
    BAD_VALUE = "footprint-bad-value"
    MATCHED_BY_OVERLAP = "footprint-matched-by-overlap"
    HIGH_RISE_FROM_FLOORS = "footprint-high-rise-from-floors"


COMPOUND_COLUMNS = Columns(
    {
        "code": ("编码", "院落编码", "代码", "院落代码", "code", "compound_code"),
        "name": ("名称", "院落名称", "name", "compound_name"),
        "address": ("地址", "坐落", "地址坐落", "address"),
        "region": ("行政区划代码", "区划代码", "region_code", "region"),
        "land_title": ("不动产权证号", "不动产证号", "土地证号", "土地证", "land_title"),
        "title_holder": ("权属人", "权利人", "title_holder"),
        "title_exception": ("例外情形", "权属例外", "登记例外", "title_exception"),
    }
)

BUILDING_COLUMNS = Columns(
    {
        "code": ("编码", "楼栋编码", "建筑编码", "代码", "楼栋代码", "code", "building_code"),
        "name": ("名称", "楼栋名称", "建筑名称", "楼名", "name", "building_name"),
        "compound": ("院落编码", "所属院落", "院落代码", "院落", "compound_code", "compound"),
        "region": ("行政区划代码", "区划代码", "region_code", "region"),
        "floors_above": ("地上层数", "层数", "floors_above", "floors"),
        "floors_below": ("地下层数", "floors_below"),
        "year": ("建成年代", "建成年份", "建设年代", "竣工年份", "year_built", "year"),
        "use_class": ("建筑物分类", "建筑分类", "用途分类", "use_class"),
        "tenure": ("权属", "权属性质", "产权性质", "tenure"),
        "title_record": ("权属证明", "产权证号", "租赁协议", "title_record"),
        "title_holder": ("权属人", "权利人", "title_holder"),
        "title_exception": ("例外情形", "权属例外", "登记例外", "title_exception"),
        "high_rise": ("是否高层", "高层", "high_rise"),
        "height": ("建筑高度", "高度", "height_m", "height"),
    }
)

KIND_COLUMN = Columns({"kind": ("类型", "要素类型", "类别", "kind", "type")})
_KIND_VALUES = {
    "院落": "compound",
    "院": "compound",
    "compound": "compound",
    "楼栋": "building",
    "楼": "building",
    "建筑": "building",
    "建筑物": "building",
    "building": "building",
}
_USE_CLASS = {
    "办公": BuildingUse.OFFICE,
    "办公楼": BuildingUse.OFFICE,
    "办公用房": BuildingUse.OFFICE,
    "office": BuildingUse.OFFICE,
    "技术业务": BuildingUse.TECHNICAL,
    "技术业务用房": BuildingUse.TECHNICAL,
    "technical": BuildingUse.TECHNICAL,
    "附属": BuildingUse.ANCILLARY,
    "附属用房": BuildingUse.ANCILLARY,
    "ancillary": BuildingUse.ANCILLARY,
}
_TENURE = {
    "自有": Tenure.OWNED,
    "自有产权": Tenure.OWNED,
    "产权": Tenure.OWNED,
    "owned": Tenure.OWNED,
    "租用": Tenure.LEASED,
    "租赁": Tenure.LEASED,
    "租借": Tenure.LEASED,
    "leased": Tenure.LEASED,
    "借用": Tenure.BORROWED,
    "borrowed": Tenure.BORROWED,
}

_TITLE_EXCEPTION = {e.value: e for e in TitleException} | {
    "垂直管理": TitleException.VERTICAL,
    "派出机构": TitleException.DISPATCHED,
    "参照公务员法管理": TitleException.CIVIL_SERVICE_MANAGED,
    "国家安全": TitleException.CLASSIFIED,
    "权属备案": TitleException.FILED,
    "vertical": TitleException.VERTICAL,
    "dispatched": TitleException.DISPATCHED,
    "civil_service": TitleException.CIVIL_SERVICE_MANAGED,
    "classified": TitleException.CLASSIFIED,
    "filed": TitleException.FILED,
}
"""例外情形 of 管理办法 Art. 5: why a title may be registered other than to the 机关事务管理部门."""


@dataclass(frozen=True)
class FootprintOptions:
    kind: str | None = None
    crs: str | None = None
    name_field: str | None = None
    code_field: str | None = None
    layer: str | None = None
    region_code: str | None = None


@dataclass
class Feature:
    number: int
    """1-based feature number in the file, used in messages (要素5)."""
    attributes: dict[str, Any]
    geom: BaseGeometry | None
    """Shape in the source CRS until :func:`read_footprints` reprojects it."""


@dataclass
class FootprintImport:
    report: ImportReport
    tally: Tally
    rows: int
    written: bool
    crs: str = ""


@dataclass
class _Planned:
    feature: Feature
    kind: str
    values: dict[str, Any]
    geom: BaseGeometry
    compound_code: str | None = None
    notes: list[str] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------


def _open_path(path: Path) -> str:
    """A GDAL path; a .zip is opened through /vsizip/ at the first dataset inside it."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        raise InputRefused(f"{path.name}: 不是有效的 zip 文件") from None
    for suffix in (".shp", ".gpkg", ".geojson", ".json"):
        inside = sorted(n for n in names if n.lower().endswith(suffix) and "__MACOSX" not in n)
        if inside:
            return f"/vsizip/{path.resolve()}/{inside[0]}"
    raise InputRefused(f"{path.name}: 压缩包中没有 .shp/.gpkg/.geojson 文件")


def _geojson_declares_crs(path: Path) -> bool:
    head = path.read_bytes()[:200_000].decode("utf-8", errors="ignore")
    return re.search(r'"crs"\s*:', head) is not None


def _read_with_ogr(path: Path, layer: str | None) -> tuple[list[Feature], CRS | None, bool]:
    """Features, the declared CRS and whether that CRS was really written in the file."""
    import pyogrio
    from pyogrio.errors import DataSourceError

    source = _open_path(path)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except (DataSourceError, OSError) as exc:
        raise InputRefused(f"{path.name}: 无法读取 ({exc})") from None
    if layer is None and len(layers) > 1:
        raise InputRefused(f"{path.name}: 有多个图层 ({'、'.join(layers)}), 请用 --layer 指定")
    if layer is not None and layer not in layers:
        raise InputRefused(f"{path.name}: 没有图层「{layer}」(有: {'、'.join(layers)})")
    try:
        frame = pyogrio.read_dataframe(source, layer=layer or layers[0])
    except UnicodeDecodeError:
        # a DBF whose Chinese field names were cut mid-character at 10 bytes, or GBK text
        # without a .cpg: read the bytes as Latin-1 and decode each string ourselves
        frame = pyogrio.read_dataframe(source, layer=layer or layers[0], encoding="latin1")
        frame = frame.rename(columns=_repair_text)
        for column in frame.columns:
            if column != "geometry" and frame[column].dtype == object:
                frame[column] = frame[column].map(
                    lambda v: _repair_text(v) if isinstance(v, str) else v
                )
    except (DataSourceError, OSError, ValueError) as exc:
        raise InputRefused(f"{path.name}: 无法读取 ({exc})") from None
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    declared = crs is not None
    if crs is not None and path.suffix.lower() in (".geojson", ".json"):
        declared = _geojson_declares_crs(path)
    columns = [c for c in frame.columns if c != "geometry"]
    features = []
    for i, (geom, record) in enumerate(
        zip(frame.geometry, frame[columns].to_dict("records"), strict=True), start=1
    ):
        clean = {k: (None if _missing(v) else v) for k, v in record.items()}
        features.append(Feature(i, clean, None if geom is None else shapely.force_2d(geom)))
    return features, crs, declared


def _repair_text(text: str) -> str:
    raw = text.encode("latin1", errors="ignore")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="ignore")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _read_dxf(path: Path, layer: str | None) -> list[Feature]:
    """Closed polylines as outlines; a text inside one names it (a code-like text is the code)."""
    import ezdxf
    from ezdxf import recover
    from ezdxf.path import make_path

    try:
        doc = ezdxf.readfile(path)
    except ezdxf.DXFStructureError:
        try:
            doc, _ = recover.readfile(path)
        except ezdxf.DXFStructureError as exc:
            raise InputRefused(f"{path.name}: 不是可读的 DXF 文件 ({exc})") from None
    except OSError as exc:
        raise InputRefused(f"{path.name}: 不是可读的 DXF 文件 ({exc})") from None
    msp = doc.modelspace()
    outlines: list[tuple[Polygon, str]] = []
    for entity in msp.query("LWPOLYLINE POLYLINE"):
        if layer is not None and entity.dxf.layer != layer:
            continue
        if entity.dxftype() == "POLYLINE" and not entity.is_2d_polyline:
            continue
        points = [(v.x, v.y) for v in make_path(entity).flattening(0.01)]
        closed = entity.closed or (len(points) > 2 and points[0] == points[-1])
        if closed and len(points) >= 3:
            outlines.append((Polygon(points), entity.dxf.layer))
    labels = []
    for entity in msp.query("TEXT MTEXT"):
        if entity.dxftype() == "MTEXT":
            content = entity.plain_text().strip()
        else:
            content = entity.dxf.text.strip()
        if content:
            labels.append((shapely.Point(entity.dxf.insert.x, entity.dxf.insert.y), content))
    features = []
    for i, (polygon, layer_name) in enumerate(outlines, start=1):
        inside = [t for p, t in labels if polygon.contains(p)]
        code = next((t for t in inside if re.fullmatch(r"[A-Za-z0-9_.\-]+", t)), None)
        name = next((t for t in inside if t != code), None)
        features.append(Feature(i, {"名称": name, "编码": code, "图层": layer_name}, polygon))
    if not features:
        where = f"图层「{layer}」中" if layer else ""
        raise InputRefused(f"{path.name}: {where}没有闭合多段线轮廓")
    return features


# -- the coordinate reference system ---------------------------------------------------------


def describe_coordinates(bounds: tuple[float, float, float, float]) -> tuple[str, str | None]:
    """What coordinates with these bounds look like, and the ``--crs`` that would fit them."""
    xmin, ymin, xmax, ymax = bounds
    span = f"x {xmin:.6g}…{xmax:.6g}, y {ymin:.6g}…{ymax:.6g}"
    northing = 0.3e6 <= ymin and ymax <= 6.2e6
    if CHINA_LON[0] <= xmin and xmax <= CHINA_LON[1] and CHINA_LAT[0] <= ymin <= ymax <= 54:
        return f"经纬度 (度), 位于中国境内 ({span})", "EPSG:4490"
    if CHINA_LAT[0] <= xmin and xmax <= CHINA_LAT[1] and CHINA_LON[0] <= ymin <= ymax <= 136:
        return f"纬度在前、经度在后的经纬度 ({span}), 坐标顺序颠倒", None
    if -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90:
        return f"经纬度 (度), 但不在中国境内 ({span})", None
    zone = int(xmin // 1_000_000)
    if 25e6 <= xmin and xmax < 46e6 and int(xmax // 1_000_000) == zone and northing:
        epsg = 4513 + zone - 25
        return (
            f"3度带高斯-克吕格米制坐标, 东坐标带带号 {zone} (中央经线 {3 * zone}°E) ({span})",
            f"EPSG:{epsg}",
        )
    if 1e5 <= xmin and xmax <= 9e5 and northing:
        return (
            f"不带带号的高斯-克吕格米制坐标 ({span}); 中央经线无法从坐标判断",
            "EPSG:4534…4554 (3度带中央经线 75°E…135°E, 如 117°E 为 EPSG:4548)",
        )
    if 8e6 <= xmin and xmax <= 15.2e6 and 0.3e6 <= ymin and ymax <= 7.3e6:
        return f"Web 墨卡托米制坐标 ({span})", "EPSG:3857"
    return f"无法识别的坐标 ({span})", None


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _longitude_of_origin(crs: CRS) -> float | None:
    operation = crs.coordinate_operation
    if operation is None or "Transverse Mercator" not in operation.method_name:
        return None
    for param in operation.params:
        if param.name == "Longitude of natural origin":
            return float(param.value)
    return None


def _refusal(path: Path, what: str, bounds: tuple[float, float, float, float]) -> InputRefused:
    looks, suggestion = describe_coordinates(bounds)
    hint = f"如确认, 用 --crs {suggestion} 指定" if suggestion else "请用 --crs EPSG:xxxx 指定"
    return InputRefused(f"{path.name}: {what}; 坐标看起来是{looks}。{hint}")


def resolve_crs(
    path: Path,
    declared: CRS | None,
    declared_in_file: bool,
    override: str | None,
    bounds: tuple[float, float, float, float],
    report: ImportReport,
) -> CRS:
    """The CRS the coordinates really are in, or InputRefused saying why not and what to pass."""
    if override:
        try:
            crs = CRS.from_user_input(override)
        except CRSError:
            raise InputRefused(f"--crs {override}: 不是可识别的坐标系 (如 EPSG:4548)") from None
        if declared is not None and declared_in_file and declared != crs:
            report.note(
                FootprintCode.CRS_OVERRIDDEN,
                f"文件声明 {_crs_label(declared)}, 按 --crs 使用 {_crs_label(crs)}",
            )
        source = "--crs"
    elif declared is None:
        raise _refusal(path, "文件没有坐标系", bounds)
    else:
        crs = declared
        source = "文件声明" if declared_in_file else "GeoJSON 未声明时的默认 WGS84"
        if not declared_in_file:
            report.note(
                FootprintCode.CRS_IMPLICIT,
                "GeoJSON 未声明坐标系, 按规范视为 WGS84 经纬度 (与 CGCS2000 相差不足 1 米)",
            )

    crs = _fix_zone_prefix(crs, bounds, report, path, source)
    xmin, ymin, xmax, ymax = bounds
    label = _crs_label(crs)
    if crs.is_geographic:
        if not (-180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90):
            raise _refusal(path, f"{source}坐标系为 {label} (经纬度), 但坐标不是经纬度", bounds)
        if not _in_china(xmin, ymin, xmax, ymax):
            raise _refusal(path, f"{source}坐标系为 {label}, 但坐标不在中国境内", bounds)
        return crs
    transformer = Transformer.from_crs(crs, TARGET_CRS, always_xy=True)
    xs = [xmin, xmax, xmin, xmax]
    ys = [ymin, ymin, ymax, ymax]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lons, lats = transformer.transform(xs, ys)
    finite = all(math.isfinite(v) for v in (*lons, *lats))
    lon0 = _longitude_of_origin(crs)
    near_meridian = lon0 is None or (finite and max(abs(lon - lon0) for lon in lons) <= 4.5)
    if not finite or not near_meridian or not _in_china(min(lons), min(lats), max(lons), max(lats)):
        raise _refusal(path, f"{source}坐标系为 {label}, 但坐标与之不符", bounds)
    return crs


def _in_china(xmin: float, ymin: float, xmax: float, ymax: float) -> bool:
    return (
        CHINA_LON[0] <= xmin
        and xmax <= CHINA_LON[1]
        and CHINA_LAT[0] <= ymin
        and ymax <= CHINA_LAT[1]
    )


def _fix_zone_prefix(
    crs: CRS,
    bounds: tuple[float, float, float, float],
    report: ImportReport,
    path: Path,
    source: str,
) -> CRS:
    """Swap a CGCS2000 3° GK code between its CM and zone-prefixed variants when the easting
    says so and both name the same central meridian; refuse a prefix of another zone."""
    epsg = crs.to_epsg() or 0
    xmin, _, xmax, _ = bounds
    prefix_zone = int(xmin // 1_000_000)
    has_prefix = 25e6 <= xmin and xmax < 46e6 and int(xmax // 1_000_000) == prefix_zone
    if 4534 <= epsg <= 4554 and has_prefix:
        zone = epsg - 4534 + 25
        if prefix_zone != zone:
            raise _refusal(
                path,
                f"{source}坐标系为 EPSG:{epsg} (中央经线 {3 * zone}°E), "
                f"但东坐标带带号 {prefix_zone} (中央经线 {3 * prefix_zone}°E)",
                bounds,
            )
        fixed = 4513 + zone - 25
        report.fix(
            FootprintCode.ZONE_PREFIX,
            f"东坐标带带号 {zone} (如 {xmin:.0f}): 按 EPSG:{fixed} 读取, 而非 EPSG:{epsg}",
        )
        return CRS.from_epsg(fixed)
    if 4513 <= epsg <= 4533 and 1e5 <= xmin and xmax <= 9e5:
        zone = epsg - 4513 + 25
        fixed = 4534 + zone - 25
        report.fix(
            FootprintCode.ZONE_PREFIX,
            f"东坐标不带带号 (如 {xmin:.0f}): 按 EPSG:{fixed} (中央经线 {3 * zone}°E) 读取, "
            f"而非 EPSG:{epsg}",
        )
        return CRS.from_epsg(fixed)
    return crs


def _reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, apply)


def read_footprints(
    path: Path, options: FootprintOptions, report: ImportReport
) -> tuple[list[Feature], CRS]:
    """The file's features with geometry in EPSG:4490 (lon, lat), and the source CRS used."""
    if not path.exists():
        raise InputRefused(f"{path}: 文件不存在")
    if path.suffix.lower() == ".dxf":
        features = _read_dxf(path, options.layer)
        declared, declared_in_file = None, False
    elif path.suffix.lower() in (".geojson", ".json", ".shp", ".zip", ".gpkg"):
        features, declared, declared_in_file = _read_with_ogr(path, options.layer)
    else:
        raise InputRefused(f"{path.name}: 不支持的格式 (支持 .geojson .shp .zip .gpkg .dxf)")
    shapes = [f.geom for f in features if f.geom is not None and not f.geom.is_empty]
    if not shapes:
        raise InputRefused(f"{path.name}: 没有任何几何图形")
    bounds = tuple(float(v) for v in shapely.GeometryCollection(shapes).bounds)
    crs = resolve_crs(path, declared, declared_in_file, options.crs, bounds, report)  # type: ignore[arg-type]
    transformer = Transformer.from_crs(crs, TARGET_CRS, always_xy=True)
    for feature in features:
        if feature.geom is not None and not feature.geom.is_empty:
            feature.geom = _reproject(feature.geom, transformer)
    return features, crs


# -- attribute mapping -----------------------------------------------------------------------


def _attribute_lookup(
    features: list[Feature], columns: Columns, options: FootprintOptions, path: Path
) -> dict[str, str]:
    """Field → attribute name, honouring --name-field/--code-field (which must exist)."""
    names = list(features[0].attributes) if features else []
    found, _ = columns.match(names)  # type: ignore[arg-type]
    mapping = {field_name: names[i] for field_name, i in found.items()}
    for field_name, given in (("name", options.name_field), ("code", options.code_field)):
        if given is None:
            continue
        match = next((n for n in names if normalize_header(n) == normalize_header(given)), None)
        if match is None:
            raise InputRefused(
                f"{path.name}: 没有属性列「{given}」(有: {'、'.join(names) or '无'})"
            )
        mapping[field_name] = match
    return mapping


def _kind_of(
    features: list[Feature], options: FootprintOptions, path: Path
) -> list[str | None] | str:
    if options.kind:
        return options.kind
    names = list(features[0].attributes) if features else []
    found, _ = KIND_COLUMN.match(names)  # type: ignore[arg-type]
    if "kind" in found:
        column = names[found["kind"]]
        return [
            _KIND_VALUES.get(str(f.attributes.get(column) or "").strip().lower()) for f in features
        ]
    building_found, _ = BUILDING_COLUMNS.match(names)  # type: ignore[arg-type]
    compound_found, _ = COMPOUND_COLUMNS.match(names)  # type: ignore[arg-type]
    building_only = {"compound", "floors_above", "floors_below", "use_class", "year"}
    compound_only = {"land_title", "address"}
    is_building = bool(building_only & set(building_found))
    # 权属人 may describe either; alone it still means a compound file, as it always did.
    is_compound = bool(compound_only & set(compound_found)) or (
        not is_building and "title_holder" in compound_found
    )
    if is_building and not is_compound:
        return "building"
    if is_compound and not is_building:
        return "compound"
    stem = path.stem.lower()
    if "build" in stem or "楼" in stem:
        return "building"
    if "compound" in stem or "院" in stem:
        return "compound"
    raise InputRefused(
        f"{path.name}: 无法判断是院落还是楼栋轮廓, 请用 --kind compound 或 --kind building 指定"
    )


def _text(attributes: dict[str, Any], mapping: dict[str, str], name: str) -> str | None:
    column = mapping.get(name)
    if column is None:
        return None
    value = attributes.get(column)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


# -- planning and writing --------------------------------------------------------------------


def import_footprints(
    session: Session,
    path: Path,
    options: FootprintOptions,
    *,
    actor: str,
    partial: bool = False,
) -> FootprintImport:
    """Read, check and (when clean, or ``partial``) write compound/building footprints."""
    report = ImportReport()
    features, crs = read_footprints(path, options, report)
    kinds = _kind_of(features, options, path)
    per_feature = [kinds] * len(features) if isinstance(kinds, str) else kinds
    regions = set(session.scalars(select(Region.code)))
    planned: list[_Planned] = []
    compound_mapping = _attribute_lookup(features, COMPOUND_COLUMNS, options, path)
    building_mapping = _attribute_lookup(features, BUILDING_COLUMNS, options, path)
    for feature, kind in zip(features, per_feature, strict=True):
        if kind is None:
            report.error(
                FootprintCode.BAD_VALUE,
                f"要素{feature.number}: 类型列的值不是 院落/楼栋",
                row=feature.number,
            )
            continue
        geom = _polygon_of(feature, report)
        if geom is None:
            continue
        if kind == "compound":
            plan = _plan_compound(feature, geom, compound_mapping, options, regions, report)
        else:
            plan = _plan_building(feature, geom, building_mapping, options, regions, report)
        if plan is not None:
            planned.append(plan)
    _check_duplicates(planned, report)
    _check_compound_codes(session, planned, report)

    tally = Tally()
    written = not report.has_errors or partial
    if written:
        bad_rows = {e.data.get("row") for e in report.errors if e.data}
        good = [p for p in planned if p.feature.number not in bad_rows]
        errors_before = len(report.errors)
        savepoint = session.begin_nested()
        for plan in (p for p in good if p.kind == "compound"):
            _write_compound(session, plan, actor, tally, report)
        for plan in (p for p in good if p.kind == "building"):
            _write_building(session, plan, actor, tally, report)
        if any(p.kind == "compound" for p in good):
            _link_orphan_buildings(session, actor, tally, report)
        if len(report.errors) > errors_before and not partial:
            savepoint.rollback()
            tally = Tally()
            written = False
        else:
            savepoint.commit()
    return FootprintImport(report, tally, len(features), written, _crs_label(crs))


def _polygon_of(feature: Feature, report: ImportReport) -> BaseGeometry | None:
    geom = feature.geom
    if geom is None or geom.is_empty:
        report.warning(FootprintCode.NOT_POLYGON, f"要素{feature.number}: 没有几何图形, 已跳过")
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        report.fix(
            FootprintCode.INVALID_FIXED,
            f"要素{feature.number}: 轮廓自相交或无效, 已修复 (make_valid)",
            row=feature.number,
        )
    multi = to_multipolygon(geom)
    if multi is None:
        report.warning(
            FootprintCode.NOT_POLYGON,
            f"要素{feature.number}: 是 {geom.geom_type} 而非面, 已跳过",
        )
        return None
    return multi


def _name_and_code(
    feature: Feature, mapping: dict[str, str], report: ImportReport, what: str
) -> tuple[str | None, str | None]:
    code = _text(feature.attributes, mapping, "code")
    name = _text(feature.attributes, mapping, "name")
    if name is None and code is None:
        report.error(
            FootprintCode.NO_NAME,
            f"要素{feature.number}: {what}既无名称也无编码",
            row=feature.number,
        )
    elif name is None:
        report.warning(
            FootprintCode.NAME_FROM_CODE,
            f"要素{feature.number}: {what}无名称, 以编码 {code} 作名称",
        )
        name = code
    return name, code


def _region_of(
    feature: Feature,
    mapping: dict[str, str],
    options: FootprintOptions,
    regions: set[str],
    report: ImportReport,
    *,
    required: bool,
) -> str | None:
    region = _text(feature.attributes, mapping, "region") or options.region_code
    if region is None:
        if required:
            report.error(
                FootprintCode.NO_REGION,
                f"要素{feature.number}: 缺少行政区划代码 (属性列或 --region)",
                row=feature.number,
            )
        return None
    if len(region) == 6 and region.isdigit():
        region = region.ljust(12, "0")
    if region not in regions:
        report.error(
            FootprintCode.UNKNOWN_REGION,
            f"要素{feature.number}: 行政区划代码 {region} 不存在 (请先 gis-app regions import)",
            row=feature.number,
        )
        return None
    return region


def _plan_compound(
    feature: Feature,
    geom: BaseGeometry,
    mapping: dict[str, str],
    options: FootprintOptions,
    regions: set[str],
    report: ImportReport,
) -> _Planned | None:
    name, code = _name_and_code(feature, mapping, report, "院落")
    region = _region_of(feature, mapping, options, regions, report, required=True)
    if name is None or region is None:
        return None
    values: dict[str, Any] = {"code": code, "name": name, "region_code": region}
    for key in ("address", "land_title", "title_holder"):
        if key in mapping:  # a column the file lacks leaves the stored value alone
            values[key] = _text(feature.attributes, mapping, key)
    if "title_exception" in mapping:
        exception, ok = _title_exception(feature, mapping, report)
        if not ok:
            return None
        values["title_exception"] = exception
    values.update(geom=geom, area_m2=geodesic_area_m2(geom), province_code=region[:2])
    return _Planned(feature, "compound", values, geom)


def _plan_building(
    feature: Feature,
    geom: BaseGeometry,
    mapping: dict[str, str],
    options: FootprintOptions,
    regions: set[str],
    report: ImportReport,
) -> _Planned | None:
    name, code = _name_and_code(feature, mapping, report, "楼栋")
    region = _region_of(feature, mapping, options, regions, report, required=False)
    attrs = feature.attributes
    values: dict[str, Any] = {"code": code, "name": name, "footprint": geom}
    values["footprint_area_m2"] = geodesic_area_m2(geom)
    ok = name is not None

    def fail(column: str, message: str) -> None:
        nonlocal ok
        ok = False
        report.error(
            FootprintCode.BAD_VALUE,
            f"要素{feature.number}「{column}」: {message}",
            row=feature.number,
        )

    for key in ("floors_above", "floors_below"):
        if key not in mapping:
            continue
        try:
            values[key] = parse_int(_text(attrs, mapping, key))
        except ValueError as exc:
            fail(mapping[key], str(exc))
    year_raw = _text(attrs, mapping, "year")
    if year_raw is not None:
        match = re.search(r"(1[89]\d\d|20\d\d)", year_raw)
        if match:
            values["year_built"] = int(match.group(1))
        else:
            fail(mapping["year"], f"「{year_raw}」不是年份")
    use_raw = _text(attrs, mapping, "use_class")
    if use_raw is not None:
        use = _USE_CLASS.get(use_raw.lower())
        if use is None:
            fail(mapping["use_class"], f"「{use_raw}」不是 办公/技术业务/附属")
        else:
            values["use_class"] = str(use)
    tenure_raw = _text(attrs, mapping, "tenure")
    if tenure_raw is not None:
        tenure = _TENURE.get(tenure_raw.lower())
        if tenure is None:
            fail(mapping["tenure"], f"「{tenure_raw}」不是 自有/租用/借用")
        else:
            values["tenure"] = str(tenure)
    title = _text(attrs, mapping, "title_record")
    if title is not None:
        values["title_record"] = title
    if "title_holder" in mapping:
        values["title_holder"] = _text(attrs, mapping, "title_holder")
    if "title_exception" in mapping:
        exception, exception_ok = _title_exception(feature, mapping, report)
        ok = ok and exception_ok
        values["title_exception"] = exception
    high_rise = _high_rise(attrs, mapping, values.get("floors_above"), fail)
    if high_rise is not None:
        values["is_high_rise"] = high_rise
    if not ok:
        return None
    plan = _Planned(feature, "building", values, geom, _text(attrs, mapping, "compound"))
    if region is not None:
        plan.values["province_code"] = region[:2]
    return plan


def _title_exception(
    feature: Feature, mapping: dict[str, str], report: ImportReport
) -> tuple[str | None, bool]:
    """The 例外情形 of a feature (None when empty); False when the value is not one of them."""
    raw = _text(feature.attributes, mapping, "title_exception")
    if raw is None:
        return None, True
    exception = _TITLE_EXCEPTION.get(raw.lower())
    if exception is None:
        allowed = "/".join(e.value for e in TitleException)
        report.error(
            FootprintCode.BAD_VALUE,
            f"要素{feature.number}「{mapping['title_exception']}」: 「{raw}」不是 {allowed}",
            row=feature.number,
        )
        return None, False
    return str(exception), True


def _high_rise(
    attrs: dict[str, Any], mapping: dict[str, str], floors: int | None, fail: Any
) -> bool | None:
    raw = _text(attrs, mapping, "high_rise")
    if raw is not None:
        if raw in ("高层", "多层"):
            return raw == "高层"
        try:
            return parse_bool(raw)
        except ValueError as exc:
            fail(mapping["high_rise"], str(exc))
            return None
    height = _text(attrs, mapping, "height")
    if height is not None:
        try:
            return float(height.rstrip("米m ")) > HIGH_RISE_HEIGHT_M
        except ValueError:
            fail(mapping["height"], f"「{height}」不是高度 (米)")
            return None
    if floors is not None:
        return floors >= HIGH_RISE_MIN_FLOORS
    return None


def _check_duplicates(planned: list[_Planned], report: ImportReport) -> None:
    seen: dict[tuple[str, str], int] = {}
    for plan in planned:
        code = plan.values.get("code")
        if code is None:
            continue
        key = (plan.kind, code)
        if key in seen:
            report.error(
                FootprintCode.DUPLICATE,
                f"要素{plan.feature.number}: 编码 {code} 与要素{seen[key]}重复",
                row=plan.feature.number,
            )
        else:
            seen[key] = plan.feature.number


def _check_compound_codes(session: Session, planned: list[_Planned], report: ImportReport) -> None:
    in_file = {p.values.get("code") for p in planned if p.kind == "compound"}
    for plan in planned:
        code = plan.compound_code
        if plan.kind != "building" or code is None or code in in_file:
            continue
        if session.scalar(select(Compound.id).where(Compound.code == code)) is None:
            report.error(
                FootprintCode.UNKNOWN_COMPOUND,
                f"要素{plan.feature.number}: 院落编码 {code} 不存在 (请先导入院落轮廓)",
                row=plan.feature.number,
            )


def _find_existing(
    session: Session, model: type[Compound] | type[Building], plan: _Planned
) -> tuple[Any, str | None]:
    code = plan.values.get("code")
    if code is not None:
        row = session.scalar(select(model).where(model.code == code))
        if row is not None:
            return row, None
    name_query = select(model).where(model.name == plan.values["name"])
    if model is Compound:
        name_query = name_query.where(Compound.province_code == plan.values["province_code"])
    else:
        name_query = name_query.where(Building.compound_id == plan.values.get("compound_id"))
    if code is not None:
        name_query = name_query.where(model.code.is_(None))
    by_name = list(session.scalars(name_query.limit(2)))
    if len(by_name) == 1:
        return by_name[0], None
    match = best_overlap(session, model, plan.geom, min_iou=MIN_IOU)
    if match is not None:
        row, iou = match
        if code is None or row.code is None:
            return row, f"按轮廓重叠 ({iou:.0%}) 匹配到已有的「{row.name}」"
    return None, None


def _write_compound(
    session: Session, plan: _Planned, actor: str, tally: Tally, report: ImportReport
) -> None:
    existing, note = _find_existing(session, Compound, plan)
    if note:
        report.note(FootprintCode.MATCHED_BY_OVERLAP, f"要素{plan.feature.number}: {note}")
    values = dict(plan.values)
    if existing is not None and values.get("code") is None:
        values.pop("code")
    save(session, Compound, existing, values, actor=actor, entity="compound", tally=tally)


def _write_building(
    session: Session, plan: _Planned, actor: str, tally: Tally, report: ImportReport
) -> None:
    number = plan.feature.number
    compound = None
    if plan.compound_code is not None:
        compound = session.scalar(select(Compound).where(Compound.code == plan.compound_code))
    else:
        compound = containing_compound(session, plan.geom)
        if compound is None:
            report.warning(
                FootprintCode.NO_COMPOUND,
                f"要素{number}: 楼栋「{plan.values['name']}」不在任何院落内, 未关联院落",
            )
        else:
            report.note(
                FootprintCode.LINKED,
                f"要素{number}: 楼栋「{plan.values['name']}」按位置关联到院落「{compound.name}」",
            )
    values = dict(plan.values)
    values["compound_id"] = compound.id if compound is not None else None
    if compound is not None:
        values["province_code"] = compound.province_code
    lookup = _Planned(plan.feature, "building", values, plan.geom)
    existing, note = _find_existing(session, Building, lookup)
    if note:
        report.note(FootprintCode.MATCHED_BY_OVERLAP, f"要素{number}: {note}")
    if existing is not None:
        if values.get("code") is None:
            values.pop("code")
        if compound is None:
            values.pop("compound_id")
    if "province_code" not in values:
        if existing is None:
            report.error(
                FootprintCode.NO_REGION,
                f"要素{number}: 楼栋不在任何院落内且无行政区划代码 (属性列或 --region)",
                row=number,
            )
            return
    save(session, Building, existing, values, actor=actor, entity="building", tally=tally)


def _link_orphan_buildings(
    session: Session, actor: str, tally: Tally, report: ImportReport
) -> None:
    """Buildings imported before their compound get linked once the compound exists."""
    orphans = session.scalars(
        select(Building).where(Building.compound_id.is_(None), Building.footprint.is_not(None))
    )
    for building in list(orphans):
        compound = containing_compound(session, to_shape(building.footprint))
        if compound is None:
            continue
        save(
            session,
            Building,
            building,
            {"compound_id": compound.id},
            actor=actor,
            entity="building",
            tally=tally,
        )
        report.note(
            FootprintCode.LINKED,
            f"楼栋「{building.name}」按位置关联到院落「{compound.name}」",
        )
