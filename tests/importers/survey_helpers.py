"""Survey test material built in code: DXF floor plans (mm) and a building with a real footprint.

The building stands near Jinan (117°E, CGCS2000 3° Gauss-Krüger CM 117E = EPSG:4548), rotated
30° against grid north; its footprint is the plan's outer wall ring placed by a known similarity
transform, so a fit to the footprint has a right answer to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ezdxf
import shapely
from ezdxf.enums import TextEntityAlignment
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import MultiPolygon
from shapely.geometry import box

from gis_app import models
from survey_import.load import load_survey
from survey_import.pipeline import analyse_survey

GK_EPSG = 4548
ORIGIN_GK = (500_200.0, 4_060_300.0)
ROTATION_DEG = 30.0
OUTLINE_M = (-0.2, -0.2, 24.2, 8.2)
"""Outer wall ring of every test plan, in plan metres: the footprint's shape."""


@dataclass(frozen=True)
class PlanRoom:
    """A rectangular room in millimetres with its label ("301 办公室"); label None = unlabelled."""

    x0: float
    y0: float
    x1: float
    y1: float
    label: str | None
    holes: tuple[tuple[float, float, float, float], ...] = ()


FIRST_SURVEY = (
    PlanRoom(0, 0, 6000, 4000, "301 办公室"),
    PlanRoom(6000, 0, 12000, 4000, "302 会议室"),
    PlanRoom(12000, 0, 18000, 4000, "303 档案室"),
    PlanRoom(0, 4000, 24000, 8000, "走廊"),
)
"""The first survey of floor 3F: three rooms and a corridor; [18, 24] × [0, 4] is not a room."""

SECOND_SURVEY = (
    PlanRoom(0, 0, 5000, 4000, "301 办公室"),  # reshaped: 24 → 20 m²
    PlanRoom(6000, 0, 12000, 4000, "305 会议室"),  # renumbered 302 → 305
    PlanRoom(18000, 0, 24000, 4000, "306 文印室"),  # added where no room was
    PlanRoom(0, 4000, 24000, 8000, "走廊"),  # unchanged; 303 is gone (removed)
)


def write_plan(
    path: Path,
    rooms: tuple[PlanRoom, ...] = FIRST_SURVEY,
    *,
    title: str | None = "3F平面图",
    outline: bool = True,
) -> Path:
    """A clean R2018 drawing in mm: room rings on 房间, labels on 房间名称, a floor title."""
    doc = ezdxf.new("R2018")
    doc.units = ezdxf.units.MM
    msp = doc.modelspace()
    if outline:
        x0, y0, x1, y1 = (v * 1000 for v in OUTLINE_M)
        msp.add_lwpolyline(
            [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True, dxfattribs={"layer": "房间"}
        )
    for room in rooms:
        msp.add_lwpolyline(
            [(room.x0, room.y0), (room.x1, room.y0), (room.x1, room.y1), (room.x0, room.y1)],
            close=True,
            dxfattribs={"layer": "房间"},
        )
        for hx0, hy0, hx1, hy1 in room.holes:
            msp.add_lwpolyline(
                [(hx0, hy0), (hx1, hy0), (hx1, hy1), (hx0, hy1)],
                close=True,
                dxfattribs={"layer": "房间"},
            )
        if room.label:
            msp.add_text(room.label, height=300, dxfattribs={"layer": "房间名称"}).set_placement(
                ((room.x0 + room.x1) / 2, (room.y0 + room.y1) / 2 + 500),
                align=TextEntityAlignment.MIDDLE_CENTER,
            )
    if title:
        msp.add_text(title, height=600, dxfattribs={"layer": "图名", "insert": (0, 10000)})
    doc.saveas(path)
    return path


def plan_to_gk(geom):  # noqa: ANN001, ANN201 - any shapely geometry in, the same kind out
    """The true placement of the test plans: rotate about the plan origin, then shift."""
    rotated = affinity.rotate(geom, ROTATION_DEG, origin=(0, 0))
    return affinity.translate(rotated, *ORIGIN_GK)


def footprint_4490() -> MultiPolygon:
    to_geo = Transformer.from_crs(GK_EPSG, 4490, always_xy=True)
    gk = plan_to_gk(box(*OUTLINE_M))
    return MultiPolygon([shapely.transform(gk, to_geo.transform, interleaved=False)])


def gk_of_4490(geom):  # noqa: ANN001, ANN201
    to_gk = Transformer.from_crs(4490, GK_EPSG, always_xy=True)
    return shapely.transform(geom, to_gk.transform, interleaved=False)


def add_building(session, *, footprint: bool = True) -> models.Building:  # noqa: ANN001
    """Region, compound and one building (with the test footprint unless told otherwise)."""
    region = session.get(models.Region, "370100000000")
    if region is None:
        region = models.Region(
            code="370100000000", gb_code="370100", name="济南市", level="市", province_code="37"
        )
        session.add(region)
        session.flush()
    compound = models.Compound(name="市政府大院", region_code=region.code, province_code="37")
    building = models.Building(
        name="1号办公楼",
        compound=compound,
        province_code="37",
        footprint=from_shape(footprint_4490(), srid=models.MAP_SRID) if footprint else None,
    )
    session.add_all([compound, building])
    session.flush()
    return building


def load_plan(session, path: Path, building_id: int, floor_name: str | None = "3F"):  # noqa: ANN001, ANN201
    """The real pipeline and loader, as ``gis-app survey import`` runs them."""
    return load_survey(
        session,
        analyse_survey(path),
        building_id=building_id,
        floor_name=floor_name,
        source_path=path,
        actor="测绘员张工",
    )
