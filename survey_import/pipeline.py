"""One survey drawing from file to floor plans: read -> choose layers -> build -> result.

No database here: the result is what a dry run prints and what ``load.py`` stores. The JSON form
(:func:`result_to_contract`) is the contract the corpus checker and scripts rely on; keep it to
the shape documented in the corpus README.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import math
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from floorplans.build import build_floor_plans
from floorplans.model import FloorPlan
from floorplans.model import Room
from floorplans.primitives import Drawing
from floorplans.primitives import GeoReference
from gis_app.report import ImportReport
from gis_app.report import ReportEntry
from survey_import.dxf_read import SourceInfo
from survey_import.dxf_read import read_drawing
from survey_import.profiles import load_profile
from survey_import.profiles import resolve_layers

__all__ = ["SurveyOptions", "SurveyResult", "analyse_survey", "paused_gc", "result_to_contract"]

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyOptions:
    profile: str | None = None
    room_layers: Sequence[str] = ()
    label_layers: Sequence[str] = ()
    units: str | None = None
    encoding: str | None = None
    progress: Callable[[float], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SurveyResult:
    path: Path
    source: SourceInfo
    drawing: Drawing
    """The drawing's units, extent, layers and georeference; its primitives (outlines, lines,
    labels) are dropped once the floors are built."""
    floors: list[FloorPlan]
    report: ImportReport
    room_layers: tuple[str, ...] | None
    label_layers: tuple[str, ...] | None

    @property
    def georeference(self) -> GeoReference | None:
        """The drawing's own GEODATA, if any (the loader prefers it to a footprint fit)."""
        return self.drawing.georeference

    @property
    def room_count(self) -> int:
        return sum(len(f.rooms) for f in self.floors)


def analyse_survey(path: Path | str, options: SurveyOptions | None = None) -> SurveyResult:
    """Read and build a survey drawing.

    Raises ``UnreadableDrawing`` (not a usable DXF) and ``ValueError`` (bad option such as an
    unknown unit or profile) before anything is built; drawing problems go into the report.
    """
    with paused_gc():
        return _analyse(Path(path), options or SurveyOptions())


def _analyse(path: Path, options: SurveyOptions) -> SurveyResult:
    profile = load_profile(options.profile) if options.profile else None
    report = ImportReport()
    drawing, source = read_drawing(
        path,
        encoding=options.encoding,
        units=options.units,
        report=report,
        progress=options.progress,
    )
    choice = resolve_layers(
        profile=profile,
        room_globs=options.room_layers,
        label_globs=options.label_layers,
        drawing_layers=drawing.layers,
        report=report,
    )
    floors = build_floor_plans(
        drawing,
        room_layers=choice.room_layers,
        label_layers=choice.label_layers,
        report=report,
    )
    # The floors hold what the primitives said; keeping them through loading would double the
    # memory of a big drawing (a 200 MB file has millions of wall lines).
    summary = dataclasses.replace(drawing, outlines=(), hatches=(), linework=(), labels=())
    return SurveyResult(
        path=path,
        source=source,
        drawing=summary,
        floors=floors,
        report=report,
        room_layers=choice.room_layers,
        label_layers=choice.label_layers,
    )


def result_to_contract(result: SurveyResult) -> dict[str, Any]:
    """The dry-run JSON document (see the corpus README): source, floors with rooms, report."""
    src = result.source
    factor = src.units.factor_to_m
    return {
        "source": source_to_contract(src),
        "floors": [
            {"name": floor.name, "rooms": [_room(room, factor) for room in floor.rooms]}
            for floor in result.floors
        ],
        "report": report_to_contract(result.report),
    }


def source_to_contract(src: SourceInfo) -> dict[str, Any]:
    return {
        "file": src.file,
        "sha256": src.sha256,
        "dxf_version": src.dxf_version,
        "encoding": src.encoding,
        "units": {
            "declared": src.units.declared,
            "used": src.units.used,
            "inferred": src.units.inferred,
            "factor_to_m": src.units.factor_to_m,
        },
    }


def report_to_contract(report: ImportReport) -> dict[str, list[dict[str, Any]]]:
    return {
        "errors": [_entry(e) for e in report.errors],
        "warnings": [_entry(e) for e in report.warnings],
        "fixes": [_entry(e) for e in report.fixes],
    }


def _entry(entry: ReportEntry) -> dict[str, Any]:
    return {
        "code": str(entry.code),
        "message": entry.message,
        "handle": None if entry.handle is None else str(entry.handle),
    }


def _room(room: Room, factor: float) -> dict[str, Any]:
    centroid = room.polygon.centroid
    if centroid.is_empty:
        point = room.polygon.representative_point()
        cx, cy = point.x, point.y
    else:
        cx, cy = centroid.x, centroid.y
    return {
        "number": room.number,
        "name": room.name,
        "use": None if room.use is None else str(room.use),
        "layer": room.layer,
        "area_m2": _finite(round(room.area_m2, 6)),
        "handles": [str(h) for h in room.handles],
        "label_count": int(room.label_count),
        "centroid": [_finite(cx / factor), _finite(cy / factor)],
    }


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run without the cyclic garbage collector, then restore it as it was.

    Reading and building allocate millions of long-lived objects with hardly a reference cycle
    among them (a 10,000-room drawing leaves about 2,000 objects for the collector), yet every
    full collection walks all of them: about a fifth of the import's CPU time. Reference
    counting still frees everything else as usual.

    On the way out, what the pause made joins the oldest generation directly (``freeze`` and
    ``unfreeze``): left young, the first allocation after ``enable`` collected all of it at
    once, 0.34 s after reading the 10,000-room drawing. The project freezes nothing else.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
