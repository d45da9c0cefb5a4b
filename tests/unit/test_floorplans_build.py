"""Builder: rings to rooms with exact areas, labels, nesting, hatches, line work, floors."""

from __future__ import annotations

import math

import pytest

from floorplans.build import build_floor_plans
from floorplans.model import AreaRule
from floorplans.primitives import Drawing
from floorplans.primitives import Label
from floorplans.primitives import Outline
from gis_app.report import ImportReport


def rect(x0, y0, x1, y1):
    return ((x0, y0, 0.0), (x1, y0, 0.0), (x1, y1, 0.0), (x0, y1, 0.0))


def outline(vertices, handle, layer="ROOM", closed=True):
    return Outline(tuple(vertices), layer, handle, closed)


def label(text, x, y, handle, layer="TEXT", height=0.0):
    return Label(text, x, y, layer, handle, height=height)


def build(drawing, **kwargs):
    report = ImportReport()
    floors = build_floor_plans(drawing, report=report, **kwargs)
    return floors, report


def test_rectangle_in_millimetres_is_24_square_metres():
    drawing = Drawing(
        outlines=(outline(rect(0, 0, 6000, 4000), "A1"),),
        labels=(label("301 办公室", 3000, 2000, "T1"),),
        units_factor_to_m=0.001,
    )
    floors, report = build(drawing)
    (floor,) = floors
    (room,) = floor.rooms
    assert f"{room.area_m2:.2f}" == "24.00"
    assert room.polygon.bounds == (0.0, 0.0, 6.0, 4.0)
    assert (room.number, room.name, room.use, room.subtype) == (
        "301",
        "办公室",
        "办公室",
        "一般办公室",
    )
    assert room.handles == ("A1",)
    assert room.area_rule == AreaRule.USABLE_NET_OF_HOLES
    assert not report.errors and not report.warnings


def test_bulge_arc_room_has_exact_analytic_area():
    # 10 m x 4 m with a semicircular east end (bulge 1 = 180°), drawn in mm.
    ring = ((0, 0, 0.0), (10000, 0, 1.0), (10000, 4000, 0.0), (0, 4000, 0.0))
    drawing = Drawing(outlines=(outline(ring, "B1"),), units_factor_to_m=0.001)
    (floor,), _ = build(drawing)
    (room,) = floor.rooms
    exact = 40 + math.pi * 2**2 / 2
    assert room.area_m2 == pytest.approx(exact, abs=1e-6)
    # The polygon is flattened finely enough for topology (well within 0.01 %).
    assert room.polygon.area == pytest.approx(exact, rel=1e-4)
    assert room.polygon.bounds[2] == pytest.approx(12.0, abs=1e-3)


def test_clockwise_ring_with_inward_arc():
    # Clockwise ring whose east edge is a semicircle bulging inwards (bulge -1 on a CW ring is
    # a clockwise arc, i.e. to the left of travel = inwards for a clockwise ring).
    ring = ((0, 0, 0.0), (0, 4, 0.0), (10, 4, 0.0), (10, 0, 0.0))
    inward = ((0, 0, 0.0), (0, 4, 0.0), (10, 4, 1.0), (10, 0, 0.0))
    (floor,), _ = build(Drawing(outlines=(outline(ring, "C0"),)))
    assert floor.rooms[0].area_m2 == pytest.approx(40.0)
    (floor,), _ = build(Drawing(outlines=(outline(inward, "C1"),)))
    assert floor.rooms[0].area_m2 == pytest.approx(40 - math.pi * 2, abs=1e-9)


def test_circle_from_two_bulged_vertices():
    circle = ((5, 0, 1.0), (-5, 0, 1.0))
    (floor,), _ = build(Drawing(outlines=(Outline(circle, "ROOM", "CI", True, "CIRCLE"),)))
    assert floor.rooms[0].area_m2 == pytest.approx(math.pi * 25, abs=1e-9)
