"""The outline a plan is fitted to its footprint by: the drawn outline, else the outer wall face
traced from the wall line work, else the rooms merged."""

from __future__ import annotations

import pytest
from shapely import affinity
from shapely.geometry import Polygon
from shapely.geometry import box

from floorplans.build import build_floor_plans
from floorplans.codes import PlanCode
from floorplans.georef import fit_footprint
from floorplans.georef import fit_outline
from floorplans.model import OutlineSource
from floorplans.primitives import Drawing
from floorplans.primitives import Label
from floorplans.primitives import LineWork
from floorplans.primitives import Outline
from gis_app.report import ImportReport

CRS = "EPSG:4548"
OUTLINE_FINDINGS = {PlanCode.ROOM_OUTSIDE_OUTLINE, PlanCode.AREA_SUM_MISMATCH}


def ring(x0, y0, x1, y1):
    return ((x0, y0, 0.0), (x1, y0, 0.0), (x1, y1, 0.0), (x0, y1, 0.0))


def room(x0, y0, x1, y1, handle):
    return Outline(ring(x0, y0, x1, y1), "房间", handle, True)


def lines(*point_lists, layer="墙体"):
    """One open polyline per point list."""
    return tuple(
        LineWork(tuple((x, y, 0.0) for x, y in points), layer, f"{layer}{k}")
        for k, points in enumerate(point_lists)
    )


def labelled(*rooms_and_texts):
    outlines = tuple(r for r, _ in rooms_and_texts)
    labels = tuple(
        Label(text, (r.vertices[0][0] + r.vertices[2][0]) / 2, r.vertices[0][1] + 1, "文字", text)
        for r, text in rooms_and_texts
    )
    return outlines, labels


def build(drawing):
    report = ImportReport()
    floors = build_floor_plans(drawing, report=report)
    return floors, report


def same_shape(a, b, tol_m2=0.01):
    return a.symmetric_difference(b).area < tol_m2


# Two rooms inside a 20 x 10 m building whose 0.24 m walls are drawn as double lines, with a
# 1.5 m entrance in the south wall (jambs drawn) and a door between the rooms.
RECT_ROOMS = labelled(
    (room(0.24, 0.24, 9.88, 9.76, "R1"), "101 办公室"),
    (room(10.12, 0.24, 19.76, 9.76, "R2"), "102 会议室"),
)
RECT_WALLS = lines(
    [(5.0, 0), (0, 0), (0, 10), (20, 10), (20, 0), (6.5, 0)],  # outer face, entrance 5.0..6.5
    [(5.0, 0.24), (0.24, 0.24), (0.24, 9.76), (19.76, 9.76), (19.76, 0.24), (6.5, 0.24)],
    [(5.0, 0), (5.0, 0.24)],  # jambs
    [(6.5, 0), (6.5, 0.24)],
    [(9.88, 0.24), (9.88, 4.0)],  # the partition, with a door 4.0..5.0
    [(9.88, 5.0), (9.88, 9.76)],
    [(10.12, 0.24), (10.12, 4.0)],
    [(10.12, 5.0), (10.12, 9.76)],
)


def test_outer_walls_with_a_door_gap_give_the_outer_wall_face():
    outlines, labels = RECT_ROOMS
    (floor,), report = build(Drawing(outlines=outlines, linework=RECT_WALLS, labels=labels))
    assert floor.outline is None and floor.outline_source is None
    shape, source = fit_outline(floor)
    assert source == OutlineSource.OUTER_WALLS
    assert same_shape(shape, box(0, 0, 20, 10))
    # A derived outline feeds no validation: the same findings as without any walls.
    assert not OUTLINE_FINDINGS & set(report.codes())


def test_an_l_shaped_building_drawn_with_single_line_walls():
    outlines, labels = labelled(
        (room(0.2, 0.2, 7.8, 7.8, "R1"), "101 办公室"),
        (room(8.2, 0.2, 19.8, 7.8, "R2"), "102 办公室"),
        (room(0.2, 8.2, 7.8, 17.8, "R3"), "103 会议室"),
    )
    walls = lines(
        [(12, 0), (20, 0), (20, 8), (8, 8), (8, 18), (0, 18), (0, 0), (10.8, 0)],  # door 10.8..12
        [(8, 0), (8, 8)],
        [(0, 8), (8, 8)],
    )
    (floor,), _ = build(Drawing(outlines=outlines, linework=walls, labels=labels))
    shape, source = fit_outline(floor)
    l_shape = Polygon([(0, 0), (20, 0), (20, 8), (8, 8), (8, 18), (0, 18)])
    assert source == OutlineSource.OUTER_WALLS
    assert same_shape(shape, l_shape)
    # Placed on an L footprint turned by 25°, the fit is exact.
    footprint = affinity.translate(affinity.rotate(l_shape, 25, origin=(0, 0)), 500_000, 4_000_000)
    t = fit_footprint(shape, footprint, CRS)
    assert t.iou == pytest.approx(1.0, abs=1e-6)
    assert t.rotation_deg == pytest.approx(25.0, abs=1e-6)


def test_walls_as_a_closed_double_polyline():
    outlines, labels = labelled(
        (room(0.3, 0.3, 6.0, 7.7, "R1"), "201 办公室"),
        (room(6.2, 0.3, 11.7, 7.7, "R2"), "202 办公室"),
    )
    wall_rings = (
        Outline(ring(0, 0, 12, 8), "墙体", "W1", True),
        Outline(ring(0.3, 0.3, 11.7, 7.7), "墙体", "W2", True),
    )
    drawing = Drawing(outlines=outlines + wall_rings, labels=labels)
    (floor,), _ = build(drawing)
    assert len(floor.rooms) == 2
    shape, source = fit_outline(floor)
    assert source == OutlineSource.OUTER_WALLS
    assert same_shape(shape, box(0, 0, 12, 8))


def test_without_walls_the_rooms_merged_are_fitted():
    outlines, labels = RECT_ROOMS
    (floor,), _ = build(Drawing(outlines=outlines, labels=labels))
    shape, source = fit_outline(floor)
    assert source == OutlineSource.ROOMS_UNION
    assert shape.area == pytest.approx(2 * 9.64 * 9.52)


def test_walls_that_do_not_enclose_the_rooms_fall_back_to_the_rooms():
    outlines, labels = RECT_ROOMS
    walls = lines([(0, 0), (20, 0)], [(0, 10), (20, 10)])  # two long sides, no ends
    (floor,), _ = build(Drawing(outlines=outlines, linework=walls, labels=labels))
    assert fit_outline(floor)[1] == OutlineSource.ROOMS_UNION


def test_a_frame_around_the_sheet_is_not_the_outline():
    outlines, labels = RECT_ROOMS
    frame = lines([(-30, -20), (50, -20), (50, 40), (-30, 40), (-30, -20)], layer="0")
    drawing = Drawing(outlines=outlines, linework=RECT_WALLS + frame, labels=labels)
    (floor,), _ = build(drawing)
    shape, source = fit_outline(floor)
    assert source == OutlineSource.OUTER_WALLS
    assert same_shape(shape, box(0, 0, 20, 10))


def test_a_drawn_outline_wins_and_walls_are_not_kept():
    outlines, labels = RECT_ROOMS
    drawn = Outline(ring(-0.1, -0.1, 20.1, 10.1), "房间", "O1", True)
    drawing = Drawing(outlines=(*outlines, drawn), linework=RECT_WALLS, labels=labels)
    (floor,), _ = build(drawing)
    assert floor.outline_source == OutlineSource.DRAWN and floor.wall_segments is None
    shape, source = fit_outline(floor)
    assert source == OutlineSource.DRAWN
    assert same_shape(shape, box(-0.1, -0.1, 20.1, 10.1))


def test_each_floor_of_a_sheet_traces_its_own_walls():
    def floor_at(dx, title, numbers):
        (r1, t1), (r2, t2) = (
            (room(0.24 + dx, 0.24, 9.88 + dx, 9.76, f"{title}a"), f"{numbers[0]} 办公室"),
            (room(10.12 + dx, 0.24, 19.76 + dx, 9.76, f"{title}b"), f"{numbers[1]} 办公室"),
        )
        outlines, labels = labelled((r1, t1), (r2, t2))
        walls = tuple(
            LineWork(tuple((x + dx, y, b) for x, y, b in w.vertices), w.layer, f"{title}{w.handle}")
            for w in RECT_WALLS
        )
        heading = Label(title, dx + 10, -3, "图名", f"{title}T", height=1.0)
        return outlines, walls, (*labels, heading)

    first = floor_at(0, "一层平面图", ("101", "102"))
    second = floor_at(40, "二层平面图", ("201", "202"))
    drawing = Drawing(
        outlines=first[0] + second[0], linework=first[1] + second[1], labels=first[2] + second[2]
    )
    floors, _ = build(drawing)
    assert [f.name for f in floors] == ["一层", "二层"]
    for floor, dx in zip(floors, (0, 40), strict=True):
        shape, source = fit_outline(floor)
        assert source == OutlineSource.OUTER_WALLS
        assert same_shape(shape, box(dx, 0, dx + 20, 10))
