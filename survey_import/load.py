"""Load an analysed survey into PostGIS as a draft batch: live rooms do not change here.

:func:`load_survey` picks the drawing's floor, georeferences the plan (the drawing's GEODATA,
else a fit to the building footprint in the local CGCS2000 Gauss-Krüger zone), compares it room
by room with the live floor (room ids written back into the drawing win over geometry), and
writes a :class:`SurveyBatch` of :class:`SurveyRoom` rows. The batch goes live only through
``survey_import.review.confirm_batch``. Nothing here commits: the command's session scope does,
so any failure leaves the database as it was.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from geoalchemy2.shape import to_shape
from pyproj import CRS
from pyproj import Transformer
from pyproj.exceptions import CRSError
from shapely import affinity
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.strtree import STRtree
from sqlalchemy import select
from sqlalchemy.orm import Session

from floorplans.labels import parse_floor_title
from floorplans.model import FloorPlan
from floorplans.model import Room as PlanRoom
from gis_app.models import MAP_SRID
from gis_app.models import PLAN_SRID
from gis_app.models import AuditLog
from gis_app.models import Building
from gis_app.models import Floor
from gis_app.models import Room
from gis_app.models import SurveyBatch
from gis_app.models import SurveyRoom
from gis_app.report import ImportReport
from gis_app.vocab import SurveyStatus
from survey_import.review import ChangeKind
from survey_import.review import latest_confirmed_batch_id
from survey_import.writeback import read_room_ids

__all__ = [
    "LiveRoom",
    "LoadCode",
    "LoadError",
    "LoadOutcome",
    "MapFrame",
    "RoomMatch",
    "georeference_plan",
    "gk_zone_epsg",
    "load_floor_plan",
    "load_survey",
    "match_rooms",
    "pick_floor",
]

LOGGER = logging.getLogger(__name__)


class LoadCode(StrEnum):
    SAME_FILE = "LOAD_SAME_FILE"
    FLOOR_NAME_DIFFERS = "LOAD_FLOOR_NAME_DIFFERS"
    FLOOR_MATCHED_BY_ORDINAL = "LOAD_FLOOR_MATCHED_BY_ORDINAL"
    NEW_FLOOR = "LOAD_NEW_FLOOR"
    GEOREF = "LOAD_GEOREF"
    GEOREF_POOR = "LOAD_GEOREF_POOR"
    NO_GEOREF = "LOAD_NO_GEOREF"
    ROOM_IDS_FROM_DRAWING = "LOAD_ROOM_IDS_FROM_DRAWING"
    ROOM_ID_UNKNOWN = "LOAD_ROOM_ID_UNKNOWN"
    ROOM_ID_DUPLICATE = "LOAD_ROOM_ID_DUPLICATE"


class LoadError(ValueError):
    """The survey cannot be loaded as asked; one line a user can act on. Nothing was written."""


@dataclass
class LoadOutcome:
    """What the import did: the draft batch (new, or the existing one for the same file)."""

    batch_id: int
    created: bool
    status: str
    building_id: int
    floor_name: str
    floor_id: int | None
    rooms: int
    changes: dict[str, int]
    georef: dict[str, Any] | None
    report: ImportReport

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        if not self.created:
            return (
                f"同一文件已导入为测绘批次 {self.batch_id}（状态 {self.status}），未作任何改动 "
                "(same file already imported; nothing changed)"
            )
        counts = "，".join(f"{kind} {n}" for kind, n in self.changes.items() if n)
        return (
            f"已建立测绘批次 {self.batch_id}（草稿）：楼栋 {self.building_id} 楼层 "
            f"{self.floor_name}，{self.rooms} 间房（{counts}）；三方确认后生效"
        )


def load_survey(
    session: Session,
    result: Any,
    *,
    building_id: int,
    floor_name: str | None,
    source_path: Path,
    actor: str,
) -> LoadOutcome:
    """Write the analysed drawing (``survey_import.pipeline.SurveyResult``) as a draft batch."""
    if result.report.has_errors:
        raise LoadError(
            f"图纸有 {len(result.report.errors)} 个错误，未导入；请修正后重新导入 "
            "(the drawing has errors and was not loaded)"
        )
    source = result.source
    plan, name = pick_floor(list(result.floors), floor_name)
    return load_floor_plan(
        session,
        plan,
        building_id=building_id,
        floor_name=name,
        sha256=source.sha256,
        file_name=source.file,
        units_used=source.units.used,
        factor_to_m=source.units.factor_to_m,
        georeference=result.drawing.georeference,
        source_report=result.report,
        source_info=_jsonable(source),
        source_path=source_path,
        actor=actor,
    )


def pick_floor(floors: Sequence[FloorPlan], floor_name: str | None) -> tuple[FloorPlan, str]:
    """The plan to load and the floor name to store it under.

    One floor in the drawing: ``floor_name`` (when given) names it. Several: ``floor_name``
    chooses by name as drawn or by storey ordinal ("3F" finds "三层").
    """
    if not floors:
        raise LoadError("图纸中没有识别出任何楼层/房间 (no floor plan in the drawing)")
    wanted = floor_name.strip() if floor_name else None
    if len(floors) == 1:
        plan = floors[0]
        name = wanted or plan.name
        if not name:
            raise LoadError(
                "图纸没有楼层标题，请用 --floor NAME 指明楼层 (the drawing names no floor: "
                "give --floor, e.g. 3F or B1)"
            )
        return plan, name
    names = "、".join(p.name or "?" for p in floors)
    if wanted is None:
        raise LoadError(f"图纸含 {len(floors)} 个楼层（{names}），请用 --floor 选择其一")
    for plan in floors:
        if plan.name == wanted:
            return plan, wanted
    ordinal = _ordinal_of(wanted)
    matches = [p for p in floors if ordinal is not None and p.ordinal == ordinal]
    if len(matches) == 1:
        return matches[0], wanted
    raise LoadError(f"图纸中没有楼层 {wanted!r}（图中楼层：{names}）")


def _ordinal_of(name: str) -> float | None:
    title = parse_floor_title(name)
    return title.ordinal if title is not None else None


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _multi(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(parts)


def _find_floor(
    session: Session, building_id: int, name: str, ordinal: float | None, report: ImportReport
) -> Floor | None:
    floor = session.scalar(
        select(Floor).where(Floor.building_id == building_id, Floor.name == name)
    )
    if floor is not None or ordinal is None:
        return floor
    same_storey = session.scalars(
        select(Floor).where(Floor.building_id == building_id, Floor.ordinal == ordinal)
    ).all()
    if len(same_storey) == 1:
        report.note(
            LoadCode.FLOOR_MATCHED_BY_ORDINAL,
            f"楼层 {name!r} 与已有楼层 {same_storey[0].name!r} 为同一层（序号 {ordinal:g}），"
            "按已有楼层导入",
            floor_id=same_storey[0].id,
        )
        return same_storey[0]
    return None


def load_floor_plan(
    session: Session,
    plan: FloorPlan,
    *,
    building_id: int,
    floor_name: str,
    sha256: str,
    file_name: str,
    units_used: str | None,
    factor_to_m: float | None,
    georeference: Any,
    source_report: ImportReport,
    source_info: dict[str, Any],
    source_path: Path | None,
    actor: str,
) -> LoadOutcome:
    """Write one floor plan as a draft batch of ``building_id``, floor ``floor_name``."""
    building = session.get(Building, building_id)
    if building is None:
        raise LoadError(f"楼栋 id={building_id} 不存在 (no building {building_id})")
    if not plan.rooms:
        raise LoadError(f"楼层 {floor_name} 没有房间，未导入 (no rooms on floor {floor_name})")
    report = ImportReport()
    ordinal = _ordinal_of(floor_name)
    if plan.name and plan.name != floor_name:
        drawn = _ordinal_of(plan.name)
        if drawn is not None and ordinal is not None and drawn != ordinal:
            report.warning(
                LoadCode.FLOOR_NAME_DIFFERS,
                f"图中楼层标题为 {plan.name!r}，但按 --floor {floor_name!r} 导入",
            )
    if ordinal is None:
        ordinal = plan.ordinal
    floor = _find_floor(session, building_id, floor_name, ordinal, report)
    if floor is not None:
        floor_name = floor.name
        ordinal = floor.ordinal
    elif ordinal is None:
        raise LoadError(f"无法从楼层名 {floor_name!r} 判断楼层序号；请用 3F、B1、三层 这样的名称")

    existing = session.scalar(
        select(SurveyBatch)
        .where(
            SurveyBatch.sha256 == sha256,
            SurveyBatch.building_id == building_id,
            SurveyBatch.floor_name == floor_name,
        )
        .order_by(SurveyBatch.id)
        .limit(1)
    )
    if existing is not None:
        report.note(
            LoadCode.SAME_FILE,
            f"同一文件（sha256 {sha256[:12]}…）已导入为批次 {existing.id}，状态 {existing.status}",
            batch_id=existing.id,
        )
        return LoadOutcome(
            batch_id=existing.id,
            created=False,
            status=existing.status,
            building_id=building_id,
            floor_name=floor_name,
            floor_id=existing.floor_id,
            rooms=sum(1 for r in existing.rooms if r.change != ChangeKind.REMOVED),
            changes=dict((existing.diff_summary or {}).get("counts", {})),
            georef=(existing.report or {}).get("georef"),
            report=report,
        )
    if floor is None:
        report.note(
            LoadCode.NEW_FLOOR,
            f"楼层 {floor_name}（序号 {ordinal:g}）尚不存在，确认生效时新建",
        )

    live_rooms = (
        session.scalars(
            select(Room)
            .where(Room.floor_id == floor.id, Room.retired_at.is_(None))
            .order_by(Room.id)
        ).all()
        if floor is not None
        else []
    )
    frame = georeference_plan(
        plan,
        georeference=georeference,
        factor_to_m=factor_to_m,
        footprint=building.footprint,
        report=report,
    )
    ids_by_handle = read_room_ids(source_path) if source_path is not None else {}
    matches = match_rooms(
        plan.rooms,
        [
            LiveRoom(r.id, to_shape(r.plan_geom), r.number, r.name, r.usable_area_m2)
            for r in live_rooms
        ],
        ids_by_handle=ids_by_handle,
        report=report,
    )

    batch = SurveyBatch(
        sha256=sha256,
        file_name=file_name[:300],
        building_id=building_id,
        floor_id=floor.id if floor is not None else None,
        floor_name=floor_name,
        status=SurveyStatus.DRAFT.value,
        created_by=actor,
        units_used=units_used,
        factor_to_m=factor_to_m,
        province_code=building.province_code,
    )
    session.add(batch)
    session.flush()

    live_by_id = {r.id: r for r in live_rooms}
    counts = {kind.value: 0 for kind in ChangeKind}
    details: list[dict[str, Any]] = []
    for match in matches:
        counts[match.change] += 1
        if match.plan_room is None:
            draft = _removed_row(batch, live_by_id[match.live_id])
        else:
            draft = _draft_row(batch, match.plan_room, frame, match.live_id, match.change)
        session.add(draft)
        details.append(match.detail())
    batch.diff_summary = {"counts": counts, "rooms": details}

    full = ImportReport()
    full.extend(source_report)
    full.extend(report)
    batch.report = {
        **full.to_dict(),
        "source": source_info,
        "floor": {
            "name": floor_name,
            "ordinal": ordinal,
            "outline_wkt": plan.outline.wkt if plan.outline is not None else None,
        },
        "georef": frame.describe(),
        "base_batch_id": latest_confirmed_batch_id(session, building_id, floor_name),
    }
    session.add(
        AuditLog(
            actor=actor,
            action="survey.import",
            entity="survey_batch",
            entity_id=str(batch.id),
            after={"file": file_name, "sha256": sha256, "floor": floor_name, "counts": counts},
            province_code=building.province_code,
        )
    )
    session.flush()
    LOGGER.info(
        "survey batch %s drafted for building %s floor %s", batch.id, building_id, floor_name
    )
    return LoadOutcome(
        batch_id=batch.id,
        created=True,
        status=batch.status,
        building_id=building_id,
        floor_name=floor_name,
        floor_id=batch.floor_id,
        rooms=len(plan.rooms),
        changes=counts,
        georef=frame.describe(),
        report=report,
    )


def _label_raw(room: PlanRoom) -> str | None:
    texts = [label.text for label in room.labels]
    return "\n".join(texts) if texts else None


def _draft_row(
    batch: SurveyBatch,
    room: PlanRoom,
    frame: MapFrame,
    live_id: int | None,
    change: str,
) -> SurveyRoom:
    map_shape = frame.to_map(room.polygon)
    return SurveyRoom(
        batch_id=batch.id,
        matched_room_id=live_id,
        change=change,
        number=room.number,
        name=room.name,
        use_category=room.use,
        use_subtype=room.subtype,
        plan_geom=from_shape(_multi(room.polygon), srid=PLAN_SRID),
        map_geom=None if map_shape is None else from_shape(_multi(map_shape), srid=MAP_SRID),
        usable_area_m2=room.area_m2,
        area_rule=room.area_rule,
        deductions_m2=room.deductions_m2,
        source_handles=list(room.handles),
        label_raw=_label_raw(room),
        derived=room.derived,
        layer=room.layer,
        province_code=batch.province_code,
    )


def _removed_row(batch: SurveyBatch, live: Room) -> SurveyRoom:
    """A live room the new drawing no longer has; it is retired when the batch goes live."""
    return SurveyRoom(
        batch_id=batch.id,
        matched_room_id=live.id,
        change=ChangeKind.REMOVED.value,
        number=live.number,
        name=live.name,
        use_category=live.use_category,
        use_subtype=live.use_subtype,
        plan_geom=live.plan_geom,
        map_geom=live.map_geom,
        usable_area_m2=live.usable_area_m2,
        area_rule=live.area_rule,
        deductions_m2=live.deductions_m2,
        source_handles=list(live.source_handles or []),
        label_raw=live.label_raw,
        derived=live.derived,
        province_code=batch.province_code,
    )


# -- georeferencing: plan metres → a CGCS2000 Gauss-Krüger zone → EPSG:4490 -------------------

GK_3DEG_CM75_EPSG = 4534
"""EPSG:4534..4554 are CGCS2000 3° Gauss-Krüger zones with central meridians 75°E..135°E
(no zone prefix in the easting, so coordinates stay small)."""
POOR_FIT_IOU = 0.9


def gk_zone_epsg(longitude: float) -> int:
    """The CGCS2000 3° Gauss-Krüger CRS whose central meridian is nearest ``longitude``.

    >>> gk_zone_epsg(117.02), gk_zone_epsg(121.6)
    (4548, 4550)
    """
    zone = round(longitude / 3.0)
    if not 25 <= zone <= 45:
        raise LoadError(f"经度 {longitude:.3f}° 不在中国 3° 带范围内 (75°E–135°E)")
    return GK_3DEG_CM75_EPSG + zone - 25


@functools.cache
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _reproject(geom: BaseGeometry, source: int, target: int) -> BaseGeometry:
    return shapely.transform(geom, _transformer(source, target).transform, interleaved=False)


@dataclass(frozen=True)
class MapFrame:
    """Plan metres → projected metres (``epsg``) by an affine ``matrix`` → EPSG:4490."""

    method: str | None = None
    epsg: int | None = None
    matrix: tuple[float, float, float, float, float, float] | None = None
    """shapely ``affine_transform`` order: [a, b, d, e, xoff, yoff]."""
    rms_m: float | None = None
    iou: float | None = None

    def to_map(self, geom: BaseGeometry) -> BaseGeometry | None:
        if self.matrix is None or self.epsg is None:
            return None
        projected = affinity.affine_transform(geom, self.matrix)
        return _reproject(projected, self.epsg, MAP_SRID)

    def describe(self) -> dict[str, Any] | None:
        if self.method is None or self.matrix is None:
            return None
        a, b, _d, _e, xoff, yoff = self.matrix
        rotation = math.degrees(math.atan2(self.matrix[2], a))
        scale = math.hypot(a, self.matrix[2])
        summary = f"EPSG:{self.epsg} 旋转 {rotation:.2f}° 比例 {scale:.4f}"
        if self.rms_m is not None:
            summary += f" 残差 RMS {self.rms_m:.3f} m"
        if self.iou is not None:
            summary += f" 重合度 IoU {self.iou:.3f}"
        return {
            "method": self.method,
            "crs": f"EPSG:{self.epsg}",
            "matrix": list(self.matrix),
            "matrix_order": "a b d e xoff yoff (x' = a x + b y + xoff, y' = d x + e y + yoff)",
            "rotation_deg": rotation,
            "scale": scale,
            "origin": [xoff, yoff],
            "rms_m": self.rms_m,
            "iou": self.iou,
            "summary": summary,
        }


def georeference_plan(
    plan: FloorPlan,
    *,
    georeference: Any,
    factor_to_m: float | None,
    footprint: Any,
    report: ImportReport,
) -> MapFrame:
    """The drawing's GEODATA when it has a projected CRS, else a fit to the building footprint."""
    if georeference is not None and factor_to_m:
        frame = _from_geodata(georeference, factor_to_m, report)
        if frame is not None:
            return frame
    if footprint is None:
        report.warning(
            LoadCode.NO_GEOREF,
            "楼栋没有基底轮廓、图纸也没有可用的地理参考：房间只有平面坐标，暂不能上图 "
            "(no footprint and no GEODATA: rooms have no map geometry)",
        )
        return MapFrame()
    return _fit_to_footprint(plan, to_shape(footprint), report)


def _from_geodata(geo: Any, factor_to_m: float, report: ImportReport) -> MapFrame | None:
    """AutoCAD GEODATA: design point ↔ reference point, north direction, unit scale."""
    try:
        crs = CRS.from_user_input(geo.crs)
    except CRSError:
        crs = None
    if crs is None or not crs.is_projected or crs.to_epsg() is None:
        report.warning(
            LoadCode.GEOREF_POOR,
            f"图纸 GEODATA 的坐标系 {geo.crs} 不是投影坐标系，未使用 (GEODATA CRS not projected)",
        )
        return None
    alpha = math.radians(-geo.north_direction_deg)
    scale = geo.unit_scale / factor_to_m
    cos, sin = math.cos(alpha), math.sin(alpha)
    dx, dy = geo.design_point
    rx, ry = geo.reference_point
    k = geo.unit_scale
    matrix = (
        scale * cos,
        -scale * sin,
        scale * sin,
        scale * cos,
        rx - k * (cos * dx - sin * dy),
        ry - k * (sin * dx + cos * dy),
    )
    frame = MapFrame(method="geodata", epsg=crs.to_epsg(), matrix=matrix)
    report.note(LoadCode.GEOREF, f"按图纸 GEODATA 配准：{frame.describe()['summary']}")
    return frame


def _main_polygon(geom: BaseGeometry) -> Polygon:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    return Polygon(max(parts, key=lambda p: p.area).exterior)


def _long_edge_angle(polygon: Polygon) -> float:
    ring = list(polygon.minimum_rotated_rectangle.exterior.coords)
    edges = [(ring[i + 1][0] - ring[i][0], ring[i + 1][1] - ring[i][1]) for i in range(2)]
    dx, dy = max(edges, key=lambda e: math.hypot(*e))
    return math.atan2(dy, dx)


def _fit_to_footprint(
    plan: FloorPlan, footprint_geo: BaseGeometry, report: ImportReport
) -> MapFrame:
    """A rigid fit (rotation + shift, no scale: both are metres) of the plan's outline onto the
    footprint in its Gauss-Krüger zone; of the candidate turns the best overlap wins, ties go to
    the smallest turn (drawings are usually drawn close to north-up)."""
    epsg = gk_zone_epsg(footprint_geo.centroid.x)
    target = _main_polygon(_reproject(footprint_geo, MAP_SRID, epsg))
    source_shape = (
        plan.outline
        if plan.outline is not None
        else unary_union([room.polygon for room in plan.rooms])
    )
    source = _main_polygon(source_shape)
    base = _long_edge_angle(target) - _long_edge_angle(source)
    best: tuple[float, float, tuple[float, ...]] | None = None
    for quarter in range(4):
        theta = base + quarter * math.pi / 2
        theta = math.atan2(math.sin(theta), math.cos(theta))
        cos, sin = math.cos(theta), math.sin(theta)
        sx, sy = source.centroid.x, source.centroid.y
        turned = (cos * sx - sin * sy, sin * sx + cos * sy)
        matrix = (cos, -sin, sin, cos, target.centroid.x - turned[0], target.centroid.y - turned[1])
        placed = affinity.affine_transform(source, matrix)
        union = placed.union(target).area
        iou = placed.intersection(target).area / union if union > 0 else 0.0
        key = (round(iou, 4), -abs(theta))
        if best is None or key > (round(best[0], 4), -abs(best[1])):
            best = (iou, theta, matrix)
    assert best is not None
    iou, _theta, matrix = best
    placed = affinity.affine_transform(source, matrix)
    residuals = [target.exterior.distance(Point(xy)) for xy in placed.exterior.coords[:-1]]
    rms = math.sqrt(sum(r * r for r in residuals) / len(residuals)) if residuals else None
    frame = MapFrame(method="footprint", epsg=epsg, matrix=tuple(matrix), rms_m=rms, iou=iou)
    summary = frame.describe()["summary"]
    if iou < POOR_FIT_IOU:
        report.warning(
            LoadCode.GEOREF_POOR,
            f"平面与楼栋基底轮廓吻合度低（{summary}），上图位置可能不准，请核对",
        )
    else:
        report.note(LoadCode.GEOREF, f"按楼栋基底轮廓配准：{summary}")
    return frame


# -- matching new rooms to live rooms: ids written back into the drawing first, then overlap --

MIN_OVERLAP_SHARE = 0.5
"""A new room is the same as a live one when they share at least half of the smaller."""
AREA_TOLERANCE_M2 = 0.01
SHAPE_TOLERANCE_SHARE = 0.002


@dataclass(frozen=True)
class LiveRoom:
    id: int
    polygon: BaseGeometry
    number: str | None
    name: str | None
    area_m2: float


@dataclass(frozen=True)
class RoomMatch:
    """One line of the per-room diff."""

    change: str
    plan_room: PlanRoom | None
    live: LiveRoom | None
    matched_by: str | None = None
    overlap: float | None = None

    @property
    def live_id(self) -> int | None:
        return None if self.live is None else self.live.id

    def detail(self) -> dict[str, Any]:
        new, old = self.plan_room, self.live
        entry: dict[str, Any] = {
            "change": self.change,
            "room_id": self.live_id,
            "number": new.number if new else old.number if old else None,
            "name": new.name if new else old.name if old else None,
            "matched_by": self.matched_by,
        }
        if new is not None:
            entry["area_m2"] = round(new.area_m2, 2)
            entry["handles"] = list(new.handles)
        if old is not None:
            entry["old_number"] = old.number
            entry["old_name"] = old.name
            entry["old_area_m2"] = round(old.area_m2, 2)
        if new is not None and old is not None:
            entry["area_change_m2"] = round(new.area_m2 - old.area_m2, 2)
            entry["renumbered"] = new.number != old.number
            entry["renamed"] = new.name != old.name
            entry["overlap"] = None if self.overlap is None else round(self.overlap, 4)
        return entry


def _overlap(a: BaseGeometry, b: BaseGeometry) -> float:
    smaller = min(a.area, b.area)
    return a.intersection(b).area / smaller if smaller > 0 else 0.0


def _change(new: PlanRoom, old: LiveRoom) -> str:
    moved = new.polygon.symmetric_difference(old.polygon).area
    if abs(new.area_m2 - old.area_m2) >= AREA_TOLERANCE_M2 or moved > max(
        AREA_TOLERANCE_M2, SHAPE_TOLERANCE_SHARE * old.area_m2
    ):
        return ChangeKind.RESHAPED.value
    if (new.number or None) != (old.number or None):
        return ChangeKind.RENUMBERED.value
    return ChangeKind.UNCHANGED.value


def match_rooms(
    plan_rooms: Sequence[PlanRoom],
    live_rooms: Sequence[LiveRoom],
    *,
    ids_by_handle: dict[str, int],
    report: ImportReport,
) -> list[RoomMatch]:
    """Pair each new room with at most one live room; the rest are added or removed.

    A room id written into the drawing by :func:`survey_import.writeback.export_floor_dxf`
    decides first (the surveyor may redraw a room anywhere); the others pair by overlap,
    largest shared area first.
    """
    live_by_id = {room.id: room for room in live_rooms}
    paired: dict[int, tuple[LiveRoom, str, float | None]] = {}
    taken: set[int] = set()
    by_id = 0
    for index, room in enumerate(plan_rooms):
        ids = {ids_by_handle[h] for h in room.handles if h in ids_by_handle}
        for room_id in sorted(ids):
            label = room.number or room.name or room.handles[0]
            if room_id not in live_by_id:
                report.warning(
                    LoadCode.ROOM_ID_UNKNOWN,
                    f"房间 {label} 带有的系统房间 ID {room_id} 不是本楼层的在用房间，按几何匹配",
                    room.handles[0],
                    room_id=room_id,
                )
            elif room_id in taken:
                report.warning(
                    LoadCode.ROOM_ID_DUPLICATE,
                    f"房间 {label} 与另一房间带有同一系统房间 ID {room_id}"
                    "（复制的轮廓？），按几何匹配",
                    room.handles[0],
                    room_id=room_id,
                )
            elif index not in paired:
                paired[index] = (live_by_id[room_id], "id", None)
                taken.add(room_id)
                by_id += 1
    if by_id:
        report.note(
            LoadCode.ROOM_IDS_FROM_DRAWING,
            f"{by_id} 间房按图中写回的系统房间 ID 匹配 (matched by room id in XDATA)",
            matched=by_id,
        )

    free_live = [room for room in live_rooms if room.id not in taken]
    if free_live:
        tree = STRtree([room.polygon for room in free_live])
        candidates: list[tuple[float, float, int, int]] = []
        for index, room in enumerate(plan_rooms):
            if index in paired:
                continue
            for j in tree.query(room.polygon, predicate="intersects"):
                old = free_live[int(j)]
                share = _overlap(room.polygon, old.polygon)
                if share >= MIN_OVERLAP_SHARE:
                    shared = room.polygon.intersection(old.polygon).area
                    candidates.append((shared, share, index, int(j)))
        for _shared, share, index, j in sorted(candidates, reverse=True):
            old = free_live[j]
            if index in paired or old.id in taken:
                continue
            paired[index] = (old, "overlap", share)
            taken.add(old.id)

    matches: list[RoomMatch] = []
    for index, room in enumerate(plan_rooms):
        if index in paired:
            old, how, share = paired[index]
            matches.append(RoomMatch(_change(room, old), room, old, how, share))
        else:
            matches.append(RoomMatch(ChangeKind.ADDED.value, room, None))
    matches.extend(
        RoomMatch(ChangeKind.REMOVED.value, None, old) for old in live_rooms if old.id not in taken
    )
    return matches
