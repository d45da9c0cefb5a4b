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
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from psycopg.copy import QueuedLibpqWriter
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from floorplans.diff import ChangeKind as DiffKind
from floorplans.diff import LiveRoom
from floorplans.diff import RoomChange
from floorplans.diff import compare_pairs
from floorplans.diff import diff_floor
from floorplans.geometry import geometry_array
from floorplans.georef import MAP_CRS
from floorplans.georef import GeoreferenceError
from floorplans.georef import PlanTransform
from floorplans.georef import cgcs2000_gk_epsg
from floorplans.georef import fit_footprint
from floorplans.georef import fit_outline
from floorplans.georef import from_georeference
from floorplans.georef import to_map
from floorplans.georef import to_map_all
from floorplans.labels import parse_floor_title
from floorplans.model import FloorPlan
from floorplans.model import OutlineSource
from floorplans.model import Room as PlanRoom
from floorplans.primitives import GeoReference
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
from survey_import.background import InBackground
from survey_import.review import ChangeKind
from survey_import.review import latest_confirmed_batch_id
from survey_import.writeback import read_room_ids

__all__ = [
    "FloorContext",
    "LiveRecord",
    "LoadCode",
    "LoadError",
    "LoadOutcome",
    "MapFrame",
    "PreparedLoad",
    "RoomMatch",
    "floor_ordinal",
    "floor_report",
    "georeference_plan",
    "load_floor_plan",
    "load_survey",
    "match_rooms",
    "pick_floor",
    "prepare_floor_load",
    "read_floor_context",
    "same_file_batch",
    "write_floor_load",
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
    FRAME_ALIGNED = "LOAD_FRAME_ALIGNED"


class LoadError(ValueError):
    """The survey cannot be loaded as asked; one line a user can act on. Nothing was written."""


def resolve_building(session: Session, reference: str) -> int:
    """The id of the building a user named by its id or its code (e.g. ``12`` or ``B03``)."""
    reference = reference.strip()
    if reference.isdigit():
        return int(reference)
    building_id = session.scalar(select(Building.id).where(Building.code == reference))
    if building_id is None:
        raise LoadError(f"楼栋编码 {reference} 不存在 (no building with that code)")
    return building_id


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
    transform: PlanTransform | None = None,
    context: FloorContext | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> LoadOutcome:
    """Write the analysed drawing (``survey_import.pipeline.SurveyResult``) as a draft batch.

    ``transform`` (e.g. a control-point fit made in the web UI) georeferences the plan instead
    of the drawing's GEODATA or the footprint fit. ``context`` and ``meanwhile``: see
    :func:`load_floor_plan`.
    """
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
        transform=transform,
        context=context,
        meanwhile=meanwhile,
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
    ordinal = floor_ordinal(wanted)
    matches = [p for p in floors if ordinal is not None and p.ordinal == ordinal]
    if len(matches) == 1:
        return matches[0], wanted
    raise LoadError(f"图纸中没有楼层 {wanted!r}（图中楼层：{names}）")


def floor_ordinal(name: str) -> float | None:
    """The storey a floor name stands for ("3F" → 3, "B1" → -1, "三层" → 3), or None."""
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


@dataclass(slots=True)
class LiveRecord:
    """A live room of the floor, as the load needs it: to pair new rooms with, and to write as
    removed when the new drawing no longer has it."""

    id: int
    number: str | None
    name: str | None
    use_category: str | None
    use_subtype: str | None
    usable_area_m2: float
    area_rule: str | None
    deductions_m2: float
    source_handles: list[str]
    label_raw: str | None
    derived: bool
    plan_polygon: BaseGeometry
    map_ewkb: bytes | None
    """The stored map geometry, written back as it is when the room is removed."""

    def live_room(self) -> LiveRoom:
        return LiveRoom(self.id, self.number, self.plan_polygon, self.usable_area_m2)


@dataclass
class FloorContext:
    """What the database holds that a floor's load depends on: the building, the floor (when it
    exists), its live rooms, the batch they come from. Read before the rooms are needed: the
    CLI reads it while the drawing is still being read."""

    building_id: int
    province_code: str
    footprint: BaseGeometry | None
    """The building footprint in EPSG:4490, or None."""
    requested_name: str
    floor_name: str
    """The requested name, or the existing floor's when it was found by its storey."""
    ordinal: float
    floor_id: int | None
    live: list[LiveRecord]
    base_batch_id: int | None
    ids_by_handle: dict[str, int]
    """Room ids written back into the drawing (XDATA), by entity handle."""
    notes: ImportReport
    """What finding the floor said (a floor found by its storey number)."""
    sha256: str | None = None
    """The file's sha256 when it was known as the context was read, and then"""
    same_file_batch_id: int | None = None
    """the batch that very file already made for the floor, or None."""


def read_floor_context(
    session: Session,
    building_id: int,
    floor_name: str,
    ordinal: float | None,
    source_path: Path | None,
    sha256: str | None = None,
) -> FloorContext:
    """The database side of loading a plan as floor ``floor_name`` (storey ``ordinal``); with
    the file's ``sha256``, the batch it already made too (see :func:`same_file_batch`)."""
    building = session.get(Building, building_id)
    if building is None:
        raise LoadError(f"楼栋 id={building_id} 不存在 (no building {building_id})")
    notes = ImportReport()
    floor = _find_floor(session, building_id, floor_name, ordinal, notes)
    name = floor_name
    if floor is not None:
        name, ordinal = floor.name, floor.ordinal
    elif ordinal is None:
        raise LoadError(f"无法从楼层名 {floor_name!r} 判断楼层序号；请用 3F、B1、三层 这样的名称")
    return FloorContext(
        building_id=building_id,
        province_code=building.province_code,
        footprint=None if building.footprint is None else to_shape(building.footprint),
        requested_name=floor_name,
        floor_name=name,
        ordinal=ordinal,
        floor_id=None if floor is None else floor.id,
        live=_live_records(session, floor.id) if floor is not None else [],
        base_batch_id=latest_confirmed_batch_id(session, building_id, name),
        ids_by_handle=read_room_ids(source_path) if source_path is not None else {},
        notes=notes,
        sha256=sha256,
        same_file_batch_id=(
            None if sha256 is None else _same_file_batch_id(session, sha256, name, building_id)
        ),
    )


_LIVE_COLUMNS = (
    Room.id,
    Room.number,
    Room.name,
    Room.use_category,
    Room.use_subtype,
    Room.usable_area_m2,
    Room.area_rule,
    Room.deductions_m2,
    Room.source_handles,
    Room.label_raw,
    Room.derived,
    func.ST_AsBinary(Room.plan_geom, type_=LargeBinary),
    func.ST_AsEWKB(Room.map_geom, type_=LargeBinary),
)


def _live_records(session: Session, floor_id: int) -> list[LiveRecord]:
    """The floor's live rooms as plain values, the plan polygons parsed as one array and the
    map geometries left as stored: ORM objects and a geometry at a time cost ~0.3 s for a
    floor of 10,000 rooms."""
    rows = session.execute(
        select(*_LIVE_COLUMNS)
        .where(Room.floor_id == floor_id, Room.retired_at.is_(None))
        .order_by(Room.id)
    ).all()
    plans = shapely.from_wkb([row[11] for row in rows]).tolist()
    return [
        LiveRecord(
            *row[:8],
            source_handles=list(row[8] or ()),
            label_raw=row[9],
            derived=row[10],
            plan_polygon=plan,
            map_ewkb=None if row[12] is None else bytes(row[12]),
        )
        for row, plan in zip(rows, plans, strict=True)
    ]


@dataclass
class PreparedLoad:
    """A floor plan made ready to store against its :class:`FloorContext`: georeferenced,
    paired room by room with the live floor, the diff counted. Pure: no database."""

    plan: FloorPlan
    context: FloorContext
    report: ImportReport
    frame: MapFrame
    matches: list[RoomMatch]
    counts: dict[str, int]
    details: list[dict[str, Any]]
    """The diff's entries only this import knows (see ``review.diff_rooms``)."""

    def row_chunks(self, size: int = 1000, first: int = 200) -> Iterator[list[list[Any]]]:
        """The :class:`SurveyRoom` rows in ``_ROW_COLUMNS`` order, a chunk at a time, the batch
        id left for the writer to fill. Small chunks: a huge drawing does not hold every row
        twice (the 10,000-room rows also cost 28 ms of CPU in chunks of 1,000 against 36 ms in
        chunks of 5,000); and the server, the slower side of the COPY, starts on it once the
        ``first`` few rows are made (~1 ms) rather than a whole chunk (~5 ms)."""
        live_by_id = {record.id: record for record in self.context.live}
        start = 0
        while start < len(self.matches):
            end = start + (first if start == 0 else size)
            yield _rows(self.matches[start:end], live_by_id, self.frame, self.context.province_code)
            start = end


def floor_report(plan: FloorPlan, context: FloorContext) -> ImportReport:
    """What loading ``plan`` as the context's floor says before anything is compared."""
    report = ImportReport()
    requested = floor_ordinal(context.requested_name)
    if plan.name and plan.name != context.requested_name:
        drawn = floor_ordinal(plan.name)
        if drawn is not None and requested is not None and drawn != requested:
            report.warning(
                LoadCode.FLOOR_NAME_DIFFERS,
                f"图中楼层标题为 {plan.name!r}，但按 --floor {context.requested_name!r} 导入",
            )
    report.extend(context.notes)
    return report


def prepare_floor_load(
    plan: FloorPlan,
    context: FloorContext,
    *,
    georeference: GeoReference | None,
    factor_to_m: float | None,
    transform: PlanTransform | None = None,
) -> PreparedLoad:
    """Georeference ``plan`` and pair its rooms with the live floor of ``context``."""
    if not plan.rooms:
        raise LoadError(
            f"楼层 {context.requested_name} 没有房间，未导入 "
            f"(no rooms on floor {context.requested_name})"
        )
    report = floor_report(plan, context)
    if context.floor_id is None:
        report.note(
            LoadCode.NEW_FLOOR,
            f"楼层 {context.floor_name}（序号 {context.ordinal:g}）尚不存在，确认生效时新建",
        )
    frame = georeference_plan(
        plan,
        georeference=georeference,
        factor_to_m=factor_to_m,
        footprint=context.footprint,
        report=report,
        transform=transform,
    )
    matches = match_rooms(
        plan,
        [record.live_room() for record in context.live],
        live_names={record.id: record.name for record in context.live},
        ids_by_handle=context.ids_by_handle,
        report=report,
    )
    counts = {kind.value: 0 for kind in ChangeKind}
    details: list[dict[str, Any]] = []
    for match in matches:
        counts[match.change] += 1
        if match.change != ChangeKind.ADDED:
            details.append(match.detail())
    return PreparedLoad(plan, context, report, frame, matches, counts, details)


def same_file_batch(
    session: Session, sha256: str, context: FloorContext, report: ImportReport
) -> LoadOutcome | None:
    """The batch this very file already made for the floor, as the outcome of importing it
    again (nothing written; ``report``, the :func:`floor_report`, says so), or None.

    A context read with this file's hash has looked already (the CLI reads it while the
    drawing is read, and the query cost ~5 ms after the drawing was in)."""
    if context.sha256 == sha256:
        batch_id = context.same_file_batch_id
    else:
        batch_id = _same_file_batch_id(session, sha256, context.floor_name, context.building_id)
    existing = None if batch_id is None else session.get(SurveyBatch, batch_id)
    if existing is None:
        return None
    report.note(
        LoadCode.SAME_FILE,
        f"同一文件（sha256 {sha256[:12]}…）已导入为批次 {existing.id}，状态 {existing.status}",
        batch_id=existing.id,
    )
    return LoadOutcome(
        batch_id=existing.id,
        created=False,
        status=existing.status,
        building_id=context.building_id,
        floor_name=context.floor_name,
        floor_id=existing.floor_id,
        rooms=sum(1 for r in existing.rooms if r.change != ChangeKind.REMOVED),
        changes=dict((existing.diff_summary or {}).get("counts", {})),
        georef=(existing.report or {}).get("georef"),
        report=report,
    )


def _same_file_batch_id(
    session: Session, sha256: str, floor_name: str, building_id: int
) -> int | None:
    return session.scalar(
        select(SurveyBatch.id)
        .where(
            SurveyBatch.sha256 == sha256,
            SurveyBatch.building_id == building_id,
            SurveyBatch.floor_name == floor_name,
        )
        .order_by(SurveyBatch.id)
        .limit(1)
    )


def write_floor_load(
    session: Session,
    prepared: PreparedLoad,
    *,
    sha256: str,
    file_name: str,
    units_used: str | None,
    factor_to_m: float | None,
    source_report: ImportReport,
    source_info: dict[str, Any],
    actor: str,
    meanwhile: Callable[[], object] | None = None,
) -> LoadOutcome:
    """Write ``prepared`` as a draft batch: the batch row, its rooms by one COPY, the audit entry.

    ``meanwhile``: the caller's work to do while the database takes the rooms (see
    :func:`_copy_rows`); its failure fails the load."""
    context, plan = prepared.context, prepared.plan
    full = ImportReport()
    full.extend(source_report)
    full.extend(prepared.report)
    georef = prepared.frame.describe()
    # the diff and the report go in with the row: set after its INSERT, a 10,000-room diff was
    # written a second time by an UPDATE
    batch = SurveyBatch(
        sha256=sha256,
        file_name=file_name[:300],
        building_id=context.building_id,
        floor_id=context.floor_id,
        floor_name=context.floor_name,
        status=SurveyStatus.DRAFT.value,
        created_by=actor,
        units_used=units_used,
        factor_to_m=factor_to_m,
        province_code=context.province_code,
        diff_summary={"counts": prepared.counts, "rooms": prepared.details},
        report={
            **full.to_dict(),
            "source": source_info,
            "floor": {
                "name": context.floor_name,
                "ordinal": context.ordinal,
                "outline_wkt": plan.outline.wkt if plan.outline is not None else None,
            },
            "georef": georef,
            "base_batch_id": context.base_batch_id,
        },
    )
    session.add(batch)
    session.flush()
    _copy_rows(session, batch.id, prepared.row_chunks(), meanwhile)
    session.add(
        AuditLog(
            actor=actor,
            action="survey.import",
            entity="survey_batch",
            entity_id=str(batch.id),
            after={
                "file": file_name,
                "sha256": sha256,
                "floor": context.floor_name,
                "counts": prepared.counts,
            },
            province_code=context.province_code,
        )
    )
    session.flush()
    LOGGER.info(
        "survey batch %s drafted for building %s floor %s",
        batch.id,
        context.building_id,
        context.floor_name,
    )
    return LoadOutcome(
        batch_id=batch.id,
        created=True,
        status=batch.status,
        building_id=context.building_id,
        floor_name=context.floor_name,
        floor_id=batch.floor_id,
        rooms=len(plan.rooms),
        changes=prepared.counts,
        georef=georef,
        report=prepared.report,
    )


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
    transform: PlanTransform | None = None,
    context: FloorContext | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> LoadOutcome:
    """Write one floor plan as a draft batch of ``building_id``, floor ``floor_name``.

    ``context``: :func:`read_floor_context` for this building and floor, read earlier in the
    same session (the CLI does so while the drawing is being read); read here when it is
    missing or was read for another building or floor. ``meanwhile``: the caller's work to do
    while the rooms are stored (see :func:`write_floor_load`); done in any case."""
    if context is None or (context.building_id, context.requested_name) != (
        building_id,
        floor_name,
    ):
        ordinal = floor_ordinal(floor_name)
        context = read_floor_context(
            session,
            building_id,
            floor_name,
            plan.ordinal if ordinal is None else ordinal,
            source_path,
            sha256,
        )
    same = same_file_batch(session, sha256, context, floor_report(plan, context))
    if same is not None:
        if meanwhile is not None:
            meanwhile()
        return same
    prepared = prepare_floor_load(
        plan,
        context,
        georeference=georeference,
        factor_to_m=factor_to_m,
        transform=transform,
    )
    return write_floor_load(
        session,
        prepared,
        sha256=sha256,
        file_name=file_name,
        units_used=units_used,
        factor_to_m=factor_to_m,
        source_report=source_report,
        source_info=source_info,
        actor=actor,
        meanwhile=meanwhile,
    )


def _label_raw(room: PlanRoom) -> str | None:
    texts = [label.text for label in room.labels]
    return "\n".join(texts) if texts else None


_ROW_COLUMNS = (
    "batch_id",
    "matched_room_id",
    "change",
    "number",
    "name",
    "use_category",
    "use_subtype",
    "plan_geom",
    "map_geom",
    "usable_area_m2",
    "area_rule",
    "deductions_m2",
    "source_handles",
    "label_raw",
    "derived",
    "layer",
    "province_code",
)


def _copy_rows(
    session: Session,
    batch_id: int,
    row_chunks: Iterable[list[list[Any]]],
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """The batch's :class:`SurveyRoom` rows (one per match, in order) by one COPY.

    ORM inserts cost about a millisecond a row, and geometries went to the map one at a time:
    a 10,000-room drawing took ~15 s here. Geometries are now converted as arrays (EWKB hex,
    which PostGIS reads as geometry input), a few thousand rooms at a time (see
    :meth:`PreparedLoad.row_chunks`), and streamed in the session's transaction.

    The server is the slower side of the COPY (~0.1 s for 10,000 rooms, its foreign-key
    checks at the end), and the client mostly waits for it with the GIL released: so
    ``meanwhile`` runs in a thread from the first chunk on, not before, where it would hold
    up making the rows.
    """
    cursor = session.connection().connection.driver_connection.cursor()
    table = SurveyRoom.__table__.name
    helper: InBackground[object] | None = None
    statement = f"COPY {table} ({', '.join(_ROW_COLUMNS)}) FROM STDIN"
    try:
        # the rows are sent from a thread: making the next rows goes on while the server is
        # slow to take the last (COPY of 10,000 rooms, median of 10: 134 -> 129 ms)
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            for chunk in row_chunks:
                for row in chunk:
                    row[0] = batch_id
                    copy.write_row(row)
                if meanwhile is not None and helper is None:
                    helper = InBackground(meanwhile, "load-meanwhile")
    finally:
        if helper is not None:
            helper.result()
    if meanwhile is not None and helper is None:  # no rows: nothing to overlap
        meanwhile()


def _rows(
    matches: Sequence[RoomMatch],
    live_by_id: dict[int, LiveRecord],
    frame: MapFrame,
    province: str,
) -> list[list[Any]]:
    plans: list[BaseGeometry] = []
    maps: list[BaseGeometry | None] = []
    rows: list[list[Any]] = []
    to_place: list[int] = []
    stored_maps: dict[int, bytes] = {}
    for index, match in enumerate(matches):
        room = match.plan_room
        if room is None:
            live = live_by_id[match.live_id]  # type: ignore[index]
            plans.append(_multi(live.plan_polygon))
            maps.append(None)
            if live.map_ewkb is not None:
                stored_maps[index] = live.map_ewkb
            rows.append(_removed_row(province, live))
        else:
            plans.append(room.polygon)
            maps.append(None)
            to_place.append(index)
            rows.append(_draft_row(province, room, match.live_id, match.change))
    plans = _multi_all(plans)
    if frame.transform is not None and to_place:
        placed = to_map_all([plans[i] for i in to_place], frame.transform)
        for i, shape in zip(to_place, placed, strict=True):
            maps[i] = shape
    geom_at = _ROW_COLUMNS.index("plan_geom")
    plan_hex = _ewkb_hex(plans, PLAN_SRID)
    map_hex = _ewkb_hex(maps, MAP_SRID)
    for row, plan, placed in zip(rows, plan_hex, map_hex, strict=True):
        row[geom_at] = plan
        row[geom_at + 1] = placed
    for index, ewkb in stored_maps.items():
        rows[index][geom_at + 1] = ewkb.hex()
    return rows


def _multi_all(geoms: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """:func:`_multi` for a list at once (shapely's constructors cost ~50 µs a geometry)."""
    parts, owner = shapely.get_parts(geometry_array(geoms), return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    parts, owner = parts[polygons], owner[polygons]
    result = [MultiPolygon()] * len(geoms)
    if len(parts):
        present, dense = np.unique(owner, return_inverse=True)
        multis = shapely.multipolygons(parts, indices=dense)
        for i, multi in zip(present.tolist(), multis, strict=True):
            result[i] = multi
    return result


def _ewkb_hex(geoms: Sequence[BaseGeometry | None], srid: int) -> list[str | None]:
    """EWKB in hex, which PostGIS reads as geometry input (GEOS's own hex writer is ~4x slower
    than binary WKB made hex by Python)."""
    wkb = shapely.to_wkb(shapely.set_srid(geometry_array(geoms), srid), include_srid=True)
    wkb = wkb.tolist()
    return [None if value is None else value.hex() for value in wkb]


def _text_array(values: Sequence[str]) -> str:
    """A ``text[]`` literal: COPY takes it as the column's text, and psycopg's list dumper costs
    more than the rest of the row."""
    joined = '","'.join(values)
    if '"' in joined or "\\" in joined:  # DXF handles are hex: this is for the odd drawing
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}' if values else "{}"


def _draft_row(province: str, room: PlanRoom, live_id: int | None, change: str) -> list[Any]:
    """A new room's column values in ``_ROW_COLUMNS`` order, the batch id and the geometries
    filled in later."""
    return [
        None, live_id, change, room.number, room.name, room.use, room.subtype, None, None,
        room.area_m2, room.area_rule, room.deductions_m2, _text_array(room.handles),
        _label_raw(room), room.derived, room.layer, province,
    ]  # fmt: skip


def _removed_row(province: str, live: LiveRecord) -> list[Any]:
    """A live room the new drawing no longer has; it is retired when the batch goes live."""
    return [
        None, live.id, ChangeKind.REMOVED.value, live.number, live.name, live.use_category,
        live.use_subtype, None, None, live.usable_area_m2, live.area_rule, live.deductions_m2,
        _text_array(live.source_handles), live.label_raw, live.derived, None, province,
    ]  # fmt: skip


# -- georeferencing: plan metres → a CGCS2000 Gauss-Krüger zone → EPSG:4490 -------------------

POOR_FIT_IOU = 0.9
"""A footprint fit overlapping less than this is reported for the surveyor to check."""


@dataclass(frozen=True)
class MapFrame:
    """How the plan reaches the map: a plan → projected-CRS transform, or none."""

    transform: PlanTransform | None = None
    outline_source: str | None = None
    """For a footprint fit: which outline of the plan was fitted (``OutlineSource``)."""

    def to_map(self, geom: BaseGeometry) -> BaseGeometry | None:
        return None if self.transform is None else to_map(geom, self.transform)

    def describe(self) -> dict[str, Any] | None:
        t = self.transform
        if t is None:
            return None
        summary = f"{t.crs} 旋转 {t.rotation_deg:.2f}° 比例 {t.scale:.4f}"
        if t.rms_m is not None:
            summary += f" 残差 {t.rms_m:.3f} m"
        if t.iou is not None:
            summary += f" 重合度 IoU {t.iou:.3f}"
        return {
            "method": t.method,
            "crs": t.crs,
            "matrix": [t.a, t.b, t.c, t.d, t.e, t.f],
            "matrix_order": "x' = a x + b y + c, y' = d x + e y + f (plan metres to crs)",
            "rotation_deg": t.rotation_deg,
            "scale": t.scale,
            "rms_m": t.rms_m,
            "iou": t.iou,
            "outline_source": self.outline_source,
            "summary": summary,
        }


def georeference_plan(
    plan: FloorPlan,
    *,
    georeference: GeoReference | None,
    factor_to_m: float | None,
    footprint: BaseGeometry | None,
    report: ImportReport,
    transform: PlanTransform | None = None,
) -> MapFrame:
    """The drawing's GEODATA when usable, else a rigid fit of the plan to the building footprint
    (``footprint``, EPSG:4490) in its CGCS2000 3° Gauss-Krüger zone; no map frame when neither
    exists.
    A ``transform`` given by the caller (control points) wins over both."""
    if transform is not None:
        frame = MapFrame(transform)
        report.note(LoadCode.GEOREF, f"按控制点配准：{frame.describe()['summary']}")
        return frame
    if georeference is not None and factor_to_m:
        try:
            frame = MapFrame(from_georeference(georeference, factor_to_m))
            to_map(Point(0, 0), frame.transform)  # the CRS must be one pyproj can reach 4490 from
        except (GeoreferenceError, CRSError) as exc:
            report.warning(
                LoadCode.GEOREF_POOR, f"图纸 GEODATA（{georeference.crs}）无法使用：{exc}"
            )
        else:
            report.note(LoadCode.GEOREF, f"按图纸 GEODATA 配准：{frame.describe()['summary']}")
            return frame
    if footprint is None:
        report.warning(
            LoadCode.NO_GEOREF,
            "楼栋没有基底轮廓、图纸也没有可用的地理参考：房间只有平面坐标，暂不能上图 "
            "(no footprint and no GEODATA: rooms have no map geometry)",
        )
        return MapFrame()
    try:
        crs = cgcs2000_gk_epsg(footprint.centroid.x)
        footprint_gk = to_map(footprint, PlanTransform.identity(MAP_CRS), crs)
        outline, source = fit_outline(plan)
        frame = MapFrame(fit_footprint(outline, footprint_gk, crs), source)
    except GeoreferenceError as exc:
        report.warning(LoadCode.NO_GEOREF, f"无法按楼栋基底轮廓配准：{exc}；房间暂不能上图")
        return MapFrame()
    summary = frame.describe()["summary"]
    fitted = _fitted_outline(plan, outline, source)
    if frame.transform.iou is not None and frame.transform.iou < POOR_FIT_IOU:
        report.warning(
            LoadCode.GEOREF_POOR,
            f"平面与楼栋基底轮廓吻合度低（{summary}），上图位置请核对；{fitted}",
            outline_source=source,
        )
    else:
        report.note(
            LoadCode.GEOREF, f"按楼栋基底轮廓配准：{summary}；{fitted}", outline_source=source
        )
    return frame


_OUTLINE_SOURCES = {
    OutlineSource.DRAWN: ("图中绘制的楼层外轮廓", "the drawn floor outline"),
    OutlineSource.OUTER_WALLS: (
        "由墙线追踪出的外墙外皮轮廓",
        "the outer wall face traced from the wall lines",
    ),
    OutlineSource.ROOMS_UNION: (
        "各房间合并的轮廓（图中没有楼层外轮廓、墙线也未围合；比外墙小一圈墙厚）",
        "the rooms merged: no floor outline drawn and the walls do not enclose the rooms; "
        "smaller than the outer walls by their thickness",
    ),
}


def _fitted_outline(plan: FloorPlan, outline: BaseGeometry, source: str) -> str:
    """What was fitted to the footprint, for the surveyor (zh, then English in brackets)."""
    zh, en = _OUTLINE_SOURCES[source]
    text = f"与基底轮廓拟合的是{zh} (fitted: {en})"
    if source == OutlineSource.OUTER_WALLS and outline.area > 0:
        share = sum(room.area_m2 for room in plan.rooms) / outline.area
        text += (
            f"；房间面积合计为外墙轮廓面积 {outline.area:.2f} m² 的 {share:.0%} "
            f"(rooms are {share:.0%} of the outer-wall outline)"
        )
    return text


# -- matching new rooms to live rooms: ids written back into the drawing first, then overlap --


@dataclass(slots=True)
class RoomMatch:
    """One line of the per-room diff, in the vocabulary of ``SurveyRoom.change`` (one per room:
    slots, not frozen, as :class:`floorplans.model.Room`)."""

    change: str
    plan_room: PlanRoom | None
    live: LiveRoom | None
    live_name: str | None = None
    matched_by: str | None = None
    iou: float | None = None

    @property
    def live_id(self) -> int | None:
        return None if self.live is None else int(self.live.room_id)

    def detail(self) -> dict[str, Any]:
        new, old = self.plan_room, self.live
        entry: dict[str, Any] = {
            "change": self.change,
            "room_id": self.live_id,
            "number": new.number if new else old.number if old else None,
            "name": new.name if new else self.live_name,
            "matched_by": self.matched_by,
        }
        if new is not None:
            entry["area_m2"] = round(new.area_m2, 2)
            entry["handles"] = list(new.handles)
        if old is not None:
            entry["old_number"] = old.number
            entry["old_name"] = self.live_name
            entry["old_area_m2"] = round(old.area_m2, 2)
        if new is not None and old is not None:
            entry["area_change_m2"] = round(new.area_m2 - old.area_m2, 2)
            entry["renumbered"] = (new.number or None) != (old.number or None)
            entry["renamed"] = (new.name or None) != (self.live_name or None)
            entry["iou"] = None if self.iou is None else round(self.iou, 4)
        return entry


def _kind(change: RoomChange) -> str:
    if change.kind == DiffKind.ADDED:
        return ChangeKind.ADDED.value
    if change.kind == DiffKind.REMOVED:
        return ChangeKind.REMOVED.value
    if change.reshaped or change.area_changed:
        return ChangeKind.RESHAPED.value
    if change.renumbered:
        return ChangeKind.RENUMBERED.value
    return ChangeKind.UNCHANGED.value


def match_rooms(
    plan: FloorPlan,
    live_rooms: Sequence[LiveRoom],
    *,
    live_names: dict[int, str | None],
    ids_by_handle: dict[str, int],
    report: ImportReport,
) -> list[RoomMatch]:
    """Pair each new room with at most one live room; the rest are added or removed.

    A room id written into the drawing by :func:`survey_import.writeback.export_floor_dxf`
    decides first (the surveyor may redraw a room anywhere); :func:`floorplans.diff.diff_floor`
    pairs the others by overlap.
    """
    live_by_id = {int(room.room_id): room for room in live_rooms}
    by_identity: dict[int, int] = {}
    claimed: set[int] = set()  # by_identity's values, looked up per room
    for index, room in enumerate(plan.rooms if ids_by_handle else ()):
        label = room.number or room.name or room.handles[0]
        for room_id in sorted({ids_by_handle[h] for h in room.handles if h in ids_by_handle}):
            if room_id not in live_by_id:
                report.warning(
                    LoadCode.ROOM_ID_UNKNOWN,
                    f"房间 {label} 带有的系统房间 ID {room_id} 不是本楼层的在用房间，按几何匹配",
                    room.handles[0],
                    room_id=room_id,
                )
            elif room_id in claimed:
                report.warning(
                    LoadCode.ROOM_ID_DUPLICATE,
                    f"房间 {label} 与另一房间带有同一系统房间 ID {room_id}"
                    "（复制的轮廓？），按几何匹配",
                    room.handles[0],
                    room_id=room_id,
                )
            elif index not in by_identity:
                by_identity[index] = room_id
                claimed.add(room_id)
    if by_identity:
        report.note(
            LoadCode.ROOM_IDS_FROM_DRAWING,
            f"{len(by_identity)} 间房按图中写回的系统房间 ID 匹配 (matched by room id in XDATA)",
            matched=len(by_identity),
        )

    if not live_rooms:  # a new floor: every room is added, in drawing order
        return [RoomMatch(ChangeKind.ADDED.value, room, None) for room in plan.rooms]

    matches: list[RoomMatch] = []
    by_id = [(live_by_id[room_id], plan.rooms[index]) for index, room_id in by_identity.items()]
    for (old, new), paired in zip(by_id, compare_pairs(by_id), strict=True):
        change = _kind(paired) if paired is not None else ChangeKind.RESHAPED.value
        iou = paired.iou if paired is not None else 0.0
        matches.append(RoomMatch(change, new, old, live_names.get(int(old.room_id)), "id", iou))

    rest = [i for i in range(len(plan.rooms)) if i not in by_identity]
    diff = diff_floor(
        [room for room in live_rooms if int(room.room_id) not in claimed],
        FloorPlan(rooms=tuple(plan.rooms[i] for i in rest)),
    )
    if diff.alignment is not None:
        report.note(
            LoadCode.FRAME_ALIGNED,
            f"新图纸坐标原点与现状不同，已按同号房间对齐后比较（旋转 "
            f"{diff.alignment.rotation_deg:.2f}°，残差 {diff.alignment.rms_m or 0:.3f} m）",
        )
    for change in diff.changes:
        old = live_by_id.get(int(change.room_id)) if change.room_id is not None else None
        new = plan.rooms[rest[change.new_index]] if change.new_index is not None else None
        name = live_names.get(int(change.room_id)) if change.room_id is not None else None
        matches.append(
            RoomMatch(_kind(change), new, old, name, "overlap" if old and new else None, change.iou)
        )
    order = {id(room): i for i, room in enumerate(plan.rooms)}
    matches.sort(key=lambda m: (m.plan_room is None, order.get(id(m.plan_room), 0)))
    return matches
