"""The surveyor's work behind the survey pages: uploads kept by sha256, the analysis with the
surveyor's layer/unit choices, a trial load that shows the per-room diff without keeping
anything, control-point georeferencing, and the views of a draft batch.

Uploads live in ``var/uploads/<sha256>.dxf`` beside a small JSON record of who uploaded it for
which building; the analysis runs again on every preview (the drawing is the source of truth).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from floorplans.georef import MAP_CRS
from floorplans.georef import GeoreferenceError
from floorplans.georef import PlanTransform
from floorplans.georef import cgcs2000_gk_epsg
from floorplans.georef import fit_affine
from floorplans.georef import fit_outline
from floorplans.georef import fit_similarity
from floorplans.georef import to_map
from floorplans.model import Room as PlanRoom
from floorplans.svg import render_svg
from gis_app.models import SurveyBatch
from survey_import.dxf_units import UNIT_FACTORS
from survey_import.load import LoadError
from survey_import.load import load_survey
from survey_import.pipeline import SurveyOptions
from survey_import.pipeline import SurveyResult
from survey_import.pipeline import analyse_survey
from survey_import.profiles import available_profiles
from survey_import.review import diff_rooms

__all__ = [
    "MAX_UPLOAD_BYTES",
    "Upload",
    "UploadError",
    "analyse",
    "batch_svg",
    "control_transform",
    "describe_fit",
    "find_upload",
    "options_from",
    "plan_features",
    "report_entries",
    "store_upload",
    "trial_load",
]

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""The largest drawing accepted through the web (bigger surveys go through the CLI)."""
CHUNK = 1024 * 1024
MAX_CONTROL_POINTS = 50


class UploadError(ValueError):
    """An upload or an option that cannot be used; the message is for the surveyor."""


@dataclass(frozen=True)
class Upload:
    sha256: str
    path: Path
    file_name: str
    building_id: int
    floor: str
    uploader_id: int


def _folder(var_dir: Path) -> Path:
    folder = var_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(
    var_dir: Path,
    stream: IO[bytes],
    *,
    file_name: str,
    building_id: int,
    floor: str,
    uploader_id: int,
) -> Upload:
    """Copy the upload to a temporary file while hashing it, then keep it under its sha256."""
    if not file_name.lower().endswith(".dxf"):
        if file_name.lower().endswith(".dwg"):
            raise UploadError("DWG 文件不能直接导入，请在 CAD 中另存为 DXF 后上传")
        raise UploadError("只能上传 DXF 文件 (.dxf)")
    folder = _folder(var_dir)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise UploadError(
                        f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请用命令行导入"
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadError("上传的文件是空的")
        sha = digest.hexdigest()
        os.replace(temp_name, folder / f"{sha}.dxf")
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    record = {
        "file_name": Path(file_name).name[:300],
        "building_id": building_id,
        "floor": floor,
        "uploader_id": uploader_id,
        "size": size,
    }
    (folder / f"{sha}.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    return find_upload(var_dir, sha)


def find_upload(var_dir: Path, sha256: str) -> Upload | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    folder = _folder(var_dir)
    record_path = folder / f"{sha256}.json"
    path = folder / f"{sha256}.dxf"
    if not (record_path.is_file() and path.is_file()):
        return None
    record = json.loads(record_path.read_text("utf-8"))
    return Upload(
        sha256=sha256,
        path=path,
        file_name=record["file_name"],
        building_id=int(record["building_id"]),
        floor=str(record["floor"]),
        uploader_id=int(record["uploader_id"]),
    )


def _globs(raw: str | None) -> tuple[str, ...]:
    return tuple(g.strip() for g in (raw or "").split(",") if g.strip())[:20]


def options_from(values: Any) -> SurveyOptions:
    """The ``--units``, ``--profile``, ``--room-layer`` and ``--label-layer`` of the form."""
    units = (values.get("units") or "").strip() or None
    if units is not None and units not in UNIT_FACTORS:
        raise UploadError(f"未知的单位 {units!r}（可选：{'、'.join(UNIT_FACTORS)}）")
    profile = (values.get("profile") or "").strip() or None
    if profile is not None and profile not in available_profiles():
        raise UploadError(f"未知的图层方案 {profile!r}")
    return SurveyOptions(
        profile=profile,
        room_layers=_globs(values.get("room_layer")),
        label_layers=_globs(values.get("label_layer")),
        units=units,
    )


def analyse(upload: Upload, options: SurveyOptions) -> SurveyResult:
    return analyse_survey(upload.path, options)


def _flagged(result: SurveyResult) -> dict[str, list[dict[str, str]]]:
    """Report entries by the DXF handle they name (errors, warnings and fixes)."""
    by_handle: dict[str, list[dict[str, str]]] = {}
    for level, entries in (
        ("error", result.report.errors),
        ("warning", result.report.warnings),
        ("fix", result.report.fixes),
    ):
        for entry in entries:
            if entry.handle is not None:
                by_handle.setdefault(str(entry.handle), []).append(
                    {"level": level, "code": str(entry.code), "message": entry.message}
                )
    return by_handle


def plan_features(result: SurveyResult) -> list[dict[str, Any]]:
    """Each floor's rooms as GeoJSON in plan metres, with the findings that name them."""
    flagged = _flagged(result)
    floors = []
    for index, floor in enumerate(result.floors):
        features = []
        for n, room in enumerate(floor.rooms):
            notes = [note for h in room.handles for note in flagged.get(str(h), [])]
            point = room.polygon.representative_point()
            features.append(
                {
                    "type": "Feature",
                    "id": n,
                    "geometry": mapping(room.polygon),
                    "properties": {
                        "index": n,
                        "number": room.number,
                        "name": room.name,
                        "use_category": room.use,
                        "usable_area_m2": round(room.area_m2, 2),
                        "layer": room.layer,
                        "derived": room.derived,
                        "label_point": [round(point.x, 3), round(point.y, 3)],
                        "findings": notes,
                    },
                }
            )
        floors.append(
            {
                "index": index,
                "name": floor.name,
                "rooms": {"type": "FeatureCollection", "features": features},
                "outline": None if floor.outline is None else mapping(floor.outline),
            }
        )
    return floors


def report_entries(result: SurveyResult) -> list[dict[str, str | None]]:
    out = []
    for level, entries in (
        ("error", result.report.errors),
        ("warning", result.report.warnings),
        ("fix", result.report.fixes),
        ("info", result.report.info),
    ):
        out += [
            {
                "level": level,
                "code": str(e.code),
                "message": e.message,
                "handle": None if e.handle is None else str(e.handle),
            }
            for e in entries
        ]
    return out


def control_transform(raw: str | None, method: str = "auto") -> PlanTransform | None:
    """A plan → CGCS2000 Gauss-Krüger fit from ``[[plan_x, plan_y, lon, lat], ...]`` (JSON).

    Two points give a similarity fit; three or more an affine fit unless ``method`` asks for
    a similarity (scale and angle kept, the usual choice for a surveyed plan).
    """
    if not raw or not raw.strip():
        return None
    try:
        points = json.loads(raw)
        pairs = [((float(px), float(py)), (float(lon), float(lat))) for px, py, lon, lat in points]
    except (ValueError, TypeError):
        raise UploadError("控制点格式有误") from None
    if not 2 <= len(pairs) <= MAX_CONTROL_POINTS:
        raise UploadError(f"需要 2 到 {MAX_CONTROL_POINTS} 对控制点（现有 {len(pairs)} 对）")
    lon0 = sum(p[1][0] for p in pairs) / len(pairs)
    try:
        crs = cgcs2000_gk_epsg(lon0)
        projected = [
            (plan, tuple(to_map(Point(*geo), PlanTransform.identity(MAP_CRS), crs).coords)[0])
            for plan, geo in pairs
        ]
        if method == "affine" or (method == "auto" and len(pairs) >= 3):
            return fit_affine(projected, crs)
        return fit_similarity(projected, crs)
    except GeoreferenceError as exc:
        raise UploadError(f"控制点无法配准：{exc}") from None


def describe_fit(transform: PlanTransform, result: SurveyResult, floor_index: int) -> dict:
    shape, source = fit_outline(result.floors[floor_index])
    return {
        "method": transform.method,
        "crs": transform.crs,
        "rms_m": transform.rms_m,
        "residuals_m": list(transform.residuals_m),
        "scale": transform.scale,
        "rotation_deg": transform.rotation_deg,
        "outline": mapping(to_map(shape, transform)),
        "outline_source": str(source),
    }


def trial_load(
    session: Session,
    upload: Upload,
    result: SurveyResult,
    *,
    floor: str,
    transform: PlanTransform | None,
    actor: str,
    keep: bool,
) -> dict[str, Any]:
    """Load the drawing as a draft batch; unless ``keep``, inside a savepoint rolled back, so
    the surveyor sees the per-room diff against the live floor before submitting."""
    savepoint = None if keep else session.begin_nested()
    try:
        outcome = load_survey(
            session,
            result,
            building_id=upload.building_id,
            floor_name=floor or None,
            source_path=upload.path,
            actor=actor,
            transform=transform,
        )
        batch = session.get(SurveyBatch, outcome.batch_id)
        return {
            "batch_id": outcome.batch_id,
            "created": outcome.created,
            "status": outcome.status,
            "floor": outcome.floor_name,
            "counts": outcome.changes,
            "rooms": diff_rooms(batch) if batch else [],
            "georef": outcome.georef,
            "notes": [e.to_dict() for e in (*outcome.report.warnings, *outcome.report.info)],
            "message": outcome.message,
        }
    except LoadError as exc:
        return {"error": str(exc)}
    finally:
        if savepoint is not None:
            savepoint.rollback()


def batch_svg(batch: SurveyBatch) -> str:
    """The draft's rooms as an SVG (changed rooms outlined red), labels escaped."""
    rooms, changed = [], []
    for draft in sorted(batch.rooms, key=lambda r: r.id):
        if draft.change == "removed" or draft.plan_geom is None:
            continue
        if draft.change != "unchanged":
            changed.append(len(rooms))
        rooms.append(
            PlanRoom(
                polygon=to_shape(draft.plan_geom),
                area_m2=draft.usable_area_m2 or 0.0,
                layer=draft.layer or "",
                handles=tuple(draft.source_handles or ()),
                number=draft.number,
                name=draft.name,
                use=draft.use_category,
            )
        )
    return render_svg(rooms, width_px=760, highlight=changed)
