"""Builder: rings to rooms with exact areas, labels, nesting, hatches, line work, floors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Point
from shapely.geometry import box
from shapely.strtree import STRtree

from floorplans.build import _natural
from floorplans.build import _smallest_containing
from floorplans.build import _sorted_rooms
from floorplans.build import _string_order_is_natural
from floorplans.build import build_floor_plans
from floorplans.codes import PlanCode
from floorplans.model import AreaRule
from floorplans.model import Room
from floorplans.primitives import Drawing
from floorplans.primitives import HatchBoundary
from floorplans.primitives import Label
from floorplans.primitives import LineWork
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


def test_hatch_with_holes_records_deductions():
    # A 10 x 10 hall hatched around two 1 x 1 columns and a 2 x 1 shaft.
    hatch = HatchBoundary(
        loops=(rect(0, 0, 10, 10), rect(2, 2, 3, 3), rect(6, 6, 7, 7), rect(4, 8, 6, 9)),
        layer="AREA",
        handle="H1",
    )
    drawing = Drawing(hatches=(hatch,), labels=(label("大厅", 5, 5, "T1"),))
    (floor,), report = build(drawing)
    (room,) = floor.rooms
    assert room.gross_area_m2 == pytest.approx(100.0)
    assert room.deductions_m2 == pytest.approx(4.0)
    assert room.area_m2 == pytest.approx(96.0)
    assert room.polygon.area == pytest.approx(96.0)
    assert room.source == "hatch"
    assert (room.use, room.subtype) == ("公共交通", "门厅")


def test_hatch_of_two_separate_areas_gives_two_labelled_rooms():
    hatch = HatchBoundary(loops=(rect(0, 0, 4, 4), rect(10, 0, 14, 3)), layer="AREA", handle="H2")
    labels = (label("101", 2, 2, "T1"), label("102", 12, 1, "T2"))
    (floor,), _ = build(Drawing(hatches=(hatch,), labels=labels))
    assert sorted((r.number, r.area_m2) for r in floor.rooms) == [("101", 16.0), ("102", 12.0)]


def test_hatch_over_outline_is_not_a_second_room():
    hatch = HatchBoundary(loops=(rect(0, 0, 4, 4), rect(1, 1, 2, 2)), layer="ROOM", handle="H3")
    drawing = Drawing(outlines=(outline(rect(0, 0, 4, 4), "P1"),), hatches=(hatch,))
    (floor,), report = build(drawing)
    (room,) = floor.rooms
    assert room.handles == ("P1", "H3")
    assert room.area_m2 == pytest.approx(15.0)
    assert PlanCode.HATCH_SAME_AS_OUTLINE in report.codes()


def test_outline_holding_rooms_is_the_floor_outline_and_columns_are_holes():
    outlines = (
        outline(rect(0, 0, 20, 10), "OUT"),
        outline(rect(0.2, 0.2, 9.8, 9.8), "R1"),
        outline(rect(10.2, 0.2, 19.8, 9.8), "R2"),
        outline(rect(4, 4, 4.5, 4.5), "COL"),  # a column inside R1, no label
        outline(rect(12, 2, 15, 5), "R3"),  # a store room inside R2, with its own label
    )
    labels = (
        label("101 局长办公室", 2, 8, "T1"),
        label("102 会议室", 18, 8, "T2"),
        label("储藏室", 13, 3, "T3"),
    )
    (floor,), report = build(Drawing(outlines=outlines, labels=labels))
    by_handle = {r.handles[0]: r for r in floor.rooms}
    assert set(by_handle) == {"R1", "R2", "R3"}
    assert floor.outline is not None and floor.outline.area == pytest.approx(200.0)
    r1, r2, r3 = by_handle["R1"], by_handle["R2"], by_handle["R3"]
    assert r1.deductions_m2 == pytest.approx(0.25)
    assert r1.area_m2 == pytest.approx(9.6 * 9.6 - 0.25)
    assert r1.handles == ("R1", "COL")
    assert (r1.number, r1.subtype) == ("101", "领导办公室")
    # The nested room is its own room and is not counted twice.
    assert r2.area_m2 == pytest.approx(9.6 * 9.6 - 9.0)
    assert r2.deductions_m2 == 0.0
    assert (r3.name, r3.subtype, r3.area_m2) == ("储藏室", "储藏室", pytest.approx(9.0))
    assert {PlanCode.FLOOR_OUTLINE, PlanCode.NESTED_ROOM} <= report.codes()
    assert not report.warnings


def test_single_ring_is_a_room_even_when_big():
    # Closed by coordinates only: the reader drops the repeated end and passes closed_flag False.
    ring = ((0, 0, 0), (300, 0, 0), (300, 100, 0), (0, 100, 0))
    (floor,), report = build(Drawing(outlines=(outline(ring, "HP", layer="0", closed=False),)))
    assert len(floor.rooms) == 1 and floor.rooms[0].area_m2 == pytest.approx(30000.0)
    assert PlanCode.ROOM_TOO_LARGE in report.codes()


def test_unflagged_polyline_with_closing_bulge_is_closed():
    # The reader passes it as line work (its ends differ); the last vertex carries the arc home.
    ring = ((0, 0, 0.0), (10, 0, 0.0), (10, 4, 0.0), (0, 4, 0.5))
    drawing = Drawing(linework=(LineWork(ring, "ROOM", "U1"),))
    (floor,), report = build(drawing, room_layers=["room"])
    theta = 4 * math.atan(0.5)
    r = 4 / (2 * math.sin(theta / 2))
    assert floor.rooms[0].area_m2 == pytest.approx(40 + r * r / 2 * (theta - math.sin(theta)))
    assert floor.rooms[0].derived is False
    assert PlanCode.OUTLINE_CLOSED in {f.code for f in report.fixes}


def test_nearly_closed_polyline_is_closed_and_open_one_reported():
    near = ((0, 0, 0.0), (5, 0, 0.0), (5, 4, 0.0), (0, 4, 0.0), (0, 0.03, 0.0))
    wide_open = ((10, 0, 0.0), (15, 0, 0.0), (15, 4, 0.0), (10, 4, 0.0), (10, 0.6, 0.0))
    drawing = Drawing(
        outlines=(outline(rect(20, 0, 24, 4), "R0"),),
        linework=(LineWork(near, "ROOM", "N1"), LineWork(wide_open, "ROOM", "N2")),
    )
    (floor,), report = build(drawing, room_layers=["ROOM"])
    assert sorted(r.handles[0] for r in floor.rooms) == ["N1", "R0"]
    assert [(f.code, f.handle) for f in report.fixes] == [(PlanCode.OUTLINE_CLOSED, "N1")]
    assert [(w.code, w.handle) for w in report.warnings] == [(PlanCode.UNCLOSED_OUTLINE, "N2")]


def segments(*points_lists, layer="WALL", prefix="W"):
    """Line work from point lists, one LineWork per consecutive pair."""
    out = []
    for points in points_lists:
        for a, b in zip(points, points[1:], strict=False):
            out.append(LineWork(((*a, 0.0), (*b, 0.0)), layer, f"{prefix}{len(out)}"))
    return tuple(out)


THREE_ROOM_LABELS = (
    label("101 办公室", 2.5, 4, "T1"),
    label("102 会议室", 7.5, 4, "T2"),
    label("103 卫生间", 12.5, 4, "T3"),
)


def test_single_line_walls_with_door_gaps_are_polygonised():
    walls = segments(
        [(0, 0), (1, 0)],  # entrance door 1..2 in the south wall
        [(2, 0), (15, 0), (15, 6), (0, 6), (0, 0)],
        [(5, 0), (5, 1)],  # door 1..2 between rooms 1 and 2
        [(5, 2), (5, 6)],
        [(10, 0), (10, 1)],
        [(10, 2.2), (10, 6)],  # a 1.2 m door
    )
    drawing = Drawing(linework=walls, labels=THREE_ROOM_LABELS)
    (floor,), report = build(drawing)
    assert [(r.number, r.use) for r in floor.rooms] == [
        ("101", "办公室"),
        ("102", "服务用房"),
        ("103", "服务用房"),
    ]
    assert [r.area_m2 for r in floor.rooms] == pytest.approx([30.0, 30.0, 30.0])
    assert all(r.derived and r.source == "linework" for r in floor.rooms)
    assert PlanCode.ROOMS_FROM_LINEWORK in {w.code for w in report.warnings}


def test_double_line_walls_with_jambs_and_small_gaps():
    # Inner faces of three rooms inside a 0.2 m thick wall; doors between them with jambs drawn.
    inner = []
    for x0, x1 in ((0.2, 5.0), (5.2, 10.0), (10.2, 15.2)):
        inner.append([(x0, 0.2), (x1, 0.2)])
        inner.append([(x0, 6.2), (x1, 6.2)])
    inner += [
        [(0.2, 0.2), (0.2, 6.2)],
        [(15.2, 0.2), (15.2, 6.2)],
        [(5.0, 0.2), (5.0, 1.0), (5.2, 1.0), (5.2, 0.2)],  # wall end + jamb + wall end
        [(5.0, 6.2), (5.0, 2.0), (5.2, 2.0), (5.2, 6.2)],
        [(10.0, 0.2), (10.0, 1.0), (10.2, 1.0), (10.2, 0.2)],
        [(10.0, 6.2), (10.0, 2.0), (10.2, 2.0), (10.2, 6.19)],  # stops 10 mm short: snapped
    ]
    outer = [[(0, 0), (15.4, 0), (15.4, 6.4), (0, 6.4), (0, 0)]]
    labels = tuple(
        label(t.text, x, 4, t.handle)
        for t, x in zip(THREE_ROOM_LABELS, (2.6, 7.6, 12.7), strict=True)
    )
    drawing = Drawing(linework=segments(*inner, *outer), labels=labels)
    (floor,), report = build(drawing)
    assert [r.number for r in floor.rooms] == ["101", "102", "103"]
    assert [r.area_m2 for r in floor.rooms] == pytest.approx([4.8 * 6, 4.8 * 6, 5.0 * 6], abs=0.01)


def test_rooms_on_explicit_layers_and_layer_encoded_numbers():
    outlines = (
        outline(rect(0, 0, 5, 4), "M1", layer="E14-274"),
        outline(rect(5.2, 0, 9, 4), "M2", layer="Toilets"),
        outline(rect(0, 0, 9, 4), "F1", layer="Floor"),
        outline(rect(1, 1, 2, 2), "W1", layer="Walls"),
    )
    (floor,), report = build(Drawing(outlines=outlines), room_layers=["e14-*", "TOILETS"])
    assert [(r.number, r.use, r.subtype, r.layer) for r in floor.rooms] == [
        ("E14-274", None, None, "E14-274"),
        (None, "服务用房", "卫生间", "Toilets"),
    ]
    assert floor.rooms[0].area_m2 == pytest.approx(20.0)
    chosen = next(e for e in report.info if e.code == PlanCode.ROOM_LAYERS_CHOSEN)
    assert chosen.data["layers"] == ["E14-274", "Toilets"]


def test_room_layers_detected_from_rings_holding_texts():
    outlines = (
        outline(rect(0, 0, 5, 4), "R1", layer="房间"),
        outline(rect(5, 0, 9, 4), "R2", layer="房间"),
        outline(rect(1, 1, 1.6, 1.6), "F1", layer="FURNITURE"),
        outline(rect(-0.2, -0.2, 9.2, 4.2), "W1", layer="WALL"),
    )
    labels = (label("101", 3, 3, "T1"), label("102", 7, 3, "T2"))
    (floor,), report = build(Drawing(outlines=outlines, labels=labels))
    assert [r.number for r in floor.rooms] == ["101", "102"]
    chosen = next(e for e in report.info if e.code == PlanCode.ROOM_LAYERS_CHOSEN)
    assert chosen.data["layers"] == ["房间"]


def plan_at(dx, dy, prefix, numbers):
    outlines = tuple(
        outline(rect(dx + 5 * k, dy, dx + 5 * k + 4.8, dy + 6), f"{prefix}{k}")
        for k in range(len(numbers))
    )
    labels = tuple(
        label(n, dx + 5 * k + 2.4, dy + 3, f"{prefix}T{k}") for k, n in enumerate(numbers)
    )
    return outlines, labels


def test_multi_floor_sheet_is_split_by_titles():
    o1, l1 = plan_at(0, 0, "A", ["101", "102", "103"])
    o2, l2 = plan_at(40, 0, "B", ["201", "202"])
    o3, l3 = plan_at(0, -40, "C", ["B101", "B102"])
    titles = (
        label("一层平面图", 7, -3, "TT1", layer="图名"),
        label("二层平面图", 45, -3, "TT2", layer="图名"),
        label("B1", 5, -43, "TT3", layer="图名"),
    )
    drawing = Drawing(outlines=o1 + o2 + o3, labels=l1 + l2 + l3 + titles)
    floors, report = build(drawing)
    assert [(f.name, f.ordinal) for f in floors] == [("B1", -1.0), ("一层", 1.0), ("二层", 2.0)]
    assert [[r.number for r in f.rooms] for f in floors] == [
        ["B101", "B102"],
        ["101", "102", "103"],
        ["201", "202"],
    ]
    assert PlanCode.FLOORS_SPLIT in report.codes()
    assert PlanCode.LABEL_OUTSIDE_ROOMS not in report.codes()


def test_one_title_names_the_single_floor():
    o1, l1 = plan_at(0, 0, "A", ["301", "302"])
    floors, _ = build(Drawing(outlines=o1, labels=l1 + (label("三层平面图", 5, -2, "TT"),)))
    assert [(f.name, f.ordinal, len(f.rooms)) for f in floors] == [("三层", 3.0, 2)]


def test_hatch_of_separate_areas_with_one_label_is_one_room():
    hatch = HatchBoundary(loops=(rect(0, 0, 4, 4), rect(4.2, 0, 6, 4)), layer="AREA", handle="H4")
    (floor,), report = build(Drawing(hatches=(hatch,), labels=(label("大会议室", 2, 2, "T1"),)))
    (room,) = floor.rooms
    assert room.polygon.geom_type == "MultiPolygon"
    assert room.area_m2 == pytest.approx(16.0 + 7.2)
    assert (room.name, room.subtype) == ("大会议室", "会议室")
    assert PlanCode.HATCH_PARTS_MERGED in report.codes()


def test_labels_on_a_boundary_duplicated_or_missing_and_plain_rooms_beside_holed_ones():
    """A row of plain rooms (built without an overlay) next to one with a column: areas,
    labels and findings as the rules say, the rooms in number order."""
    outlines = (
        outline(rect(0, 0, 40000, 6000), "OUT"),
        outline(rect(200, 200, 9800, 5800), "A"),
        outline(rect(10200, 200, 19800, 5800), "B"),
        outline(rect(20200, 200, 29800, 5800), "C"),
        outline(rect(30200, 200, 39800, 5800), "D"),
        outline(rect(4000, 2000, 4500, 2500), "COL"),  # a column in A
    )
    labels = (
        label("302 办公室", 2000, 3000, "T1"),
        label("301 会议室", 15000, 3000, "T2", height=300),
        label("301 会议室", 16000, 3000, "T3", height=200),  # the same text twice: no conflict
        label("303 档案室", 20200, 3000, "T4"),  # on C's left edge: in no room
        label("304 办公室", 35000, 3000, "T5"),
        label("305 库房", 36000, 4000, "T6"),  # a second, different label in D
    )
    drawing = Drawing(outlines=outlines, labels=labels, units_factor_to_m=0.001)
    (floor,), report = build(drawing)
    assert [r.handles[0] for r in floor.rooms] == ["B", "A", "D", "C"]
    b, a, d, c = floor.rooms
    assert (a.area_m2, a.gross_area_m2, a.deductions_m2) == pytest.approx((53.51, 53.76, 0.25))
    assert a.handles == ("A", "COL") and a.polygon.area == pytest.approx(53.51)
    assert (b.area_m2, b.gross_area_m2, b.deductions_m2) == pytest.approx((53.76, 53.76, 0.0))
    assert b.polygon.bounds == pytest.approx((10.2, 0.2, 19.8, 5.8))
    assert [lab.handle for lab in b.labels] == ["T2", "T3"] and b.number == "301"
    assert (d.number, len(d.labels)) == ("304", 2)
    assert (c.labels, c.number) == ((), None)
    assert [(w.code, w.handle) for w in report.warnings] == [
        (PlanCode.ROOM_MULTIPLE_LABELS, "D"),
        (PlanCode.ROOM_WITHOUT_LABEL, "C"),
        (PlanCode.LABEL_OUTSIDE_ROOMS, "T4"),
    ]


def _smallest_one_by_one(polys, areas, points):
    """Each point's smallest holding polygon, the first found of equal ones: the pass over the
    (point, polygon) pairs in the order the tree finds them that _smallest_containing sorts."""
    tree = STRtree(polys)
    owners = [None] * len(points)
    pt_idx, poly_idx = tree.query(np.array(points, dtype=object), predicate="within")
    for p, g in zip(pt_idx.tolist(), poly_idx.tolist(), strict=True):
        if owners[p] is None or areas[g] < areas[owners[p]]:
            owners[p] = g
    return owners


@pytest.mark.parametrize("nan_area", [False, True])
def test_smallest_containing_polygon_sorted_as_found_one_by_one(nan_area):
    """Nested and overlapping boxes with many equal areas (ties go to the first found), and an
    area that is not a number (no order: the pass as found)."""
    rng = np.random.default_rng(11)
    polys, areas = [], []
    for _ in range(400):
        x, y = rng.integers(0, 40, 2)
        w, h = rng.choice([1, 2, 3, 5, 8], 2)
        polys.append(box(x, y, x + w, y + h))
        areas.append(float(w * h))
    if nan_area:
        areas[7] = math.nan
    points = [Point(x, y) for x, y in rng.uniform(-1, 45, (600, 2))]
    _, owners = _smallest_containing(polys, areas, points)
    assert owners == _smallest_one_by_one(polys, areas, points)
    assert len({o for o in owners if o is not None}) > 100


@pytest.mark.parametrize(
    ("numbers", "as_strings"),
    [
        (["3-001-002", "3-001-010", "3-001-001", "3-000-999"], True),
        (["B01", "A10", "A09", "B01"], True),
        (["101", "99", "100"], False),  # digits at different places: 99 before 100
        (["A1", "AB1"], False),
        (["A1", "1A"], False),
        (["A\n1", "B\n2"], False),  # a line break (the layouts are lines)
        (["１０１", "１０２"], False),  # not ASCII
        (["101", None], False),
        ([], False),
    ],
)
def test_string_order_is_natural_only_for_numbers_laid_out_alike(numbers, as_strings):
    assert _string_order_is_natural(numbers) is as_strings
    if as_strings:
        assert sorted(numbers) == sorted(numbers, key=_natural)


def _room_numbered(number, x, y):
    return Room(box(x, y, x + 1, y + 1), 1.0, "ROOM", (f"H{x}-{y}",), number=number)


def test_rooms_laid_out_alike_sort_as_natural_keys_would():
    """Numbers of one layout sort as strings, ties by position, as the natural keys sort them."""
    rng = np.random.default_rng(5)
    rooms = [
        _room_numbered(f"{rng.integers(1, 4)}-{rng.integers(0, 12):02d}", x, y)
        for x, y in rng.integers(0, 50, (60, 2)).tolist()
    ]
    tie = [(r.number is None, _natural(r.number or "")) for r in rooms]
    by_position = [(-round(r.polygon.centroid.y, 1), round(r.polygon.centroid.x, 1)) for r in rooms]
    expected = sorted(range(len(rooms)), key=lambda k: (tie[k], by_position[k]))
    assert _sorted_rooms(rooms) == [rooms[k] for k in expected]
