"""Each validation finding of the builder, on the smallest drawing that shows it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import box
from shapely.strtree import STRtree

from floorplans.build import build_floor_plans
from floorplans.codes import PlanCode
from floorplans.primitives import Drawing
from floorplans.primitives import HatchBoundary
from floorplans.primitives import Label
from floorplans.primitives import Outline
from floorplans.validate import GAP_MAX_M
from floorplans.validate import OUTSIDE_TOLERANCE_M
from floorplans.validate import _near_pairs
from floorplans.validate import _within_envelope
from gis_app.report import ImportReport


def rect(x0, y0, x1, y1):
    return ((x0, y0, 0.0), (x1, y0, 0.0), (x1, y1, 0.0), (x0, y1, 0.0))


def ring(vertices, handle, layer="ROOM"):
    return Outline(tuple(vertices), layer, handle, True)


def text(value, x, y, handle):
    return Label(value, x, y, "TEXT", handle)


def run(outlines=(), labels=(), hatches=()):
    report = ImportReport()
    drawing = Drawing(outlines=tuple(outlines), labels=tuple(labels), hatches=tuple(hatches))
    floors = build_floor_plans(drawing, report=report)
    return floors, report


def warned(report, code):
    return [e.handle for e in report.warnings if e.code == code]


def test_clean_floor_has_no_findings():
    _, report = run(
        [ring(rect(0, 0, 5, 4), "A"), ring(rect(5.2, 0, 9, 4), "B")],
        [text("101", 2, 2, "T1"), text("102", 7, 2, "T2")],
    )
    assert not report.warnings and not report.fixes and not report.errors


def test_self_intersection_is_repaired_and_reported():
    bowtie = ((0, 0, 0), (4, 0, 0), (0, 4, 0), (4, 4, 0))
    (floor,), report = run([ring(bowtie, "X")])
    assert [f.handle for f in report.fixes if f.code == PlanCode.SELF_INTERSECTION] == ["X"]
    assert floor.rooms[0].area_m2 == pytest.approx(8.0)
    assert floor.rooms[0].polygon.is_valid


def test_zero_area_outline_is_dropped():
    flat = ((0, 0, 0), (4, 0, 0), (8, 0, 0))
    (floor,), report = run([ring(flat, "Z"), ring(rect(0, 1, 4, 5), "A")])
    assert warned(report, PlanCode.ZERO_AREA) == ["Z"]
    assert [r.handles[0] for r in floor.rooms] == ["A"]


def test_duplicate_outline_is_kept_once():
    (floor,), report = run([ring(rect(0, 0, 5, 4), "A"), ring(rect(0, 0, 5, 4), "A2")])
    assert len(floor.rooms) == 1
    assert [(f.code, f.handle) for f in report.fixes] == [(PlanCode.DUPLICATE_OUTLINE, "A2")]


def test_overlapping_rooms():
    _, report = run([ring(rect(0, 0, 5, 4), "A"), ring(rect(4, 0, 9, 4), "B")])
    assert warned(report, PlanCode.ROOM_OVERLAP) == ["A"]


def test_gap_thinner_than_any_wall():
    _, report = run([ring(rect(0, 0, 5, 4), "A"), ring(rect(5.01, 0, 9, 4), "B")])
    assert warned(report, PlanCode.ROOM_GAP) == ["A"]
    assert not warned(report, PlanCode.ROOM_OVERLAP)


def test_sliver_and_size_findings():
    _, report = run(
        [
            ring(rect(0, 0, 10, 0.1), "S"),  # 1 m² but 10 cm wide
            ring(rect(0, 1, 0.8, 1.8), "T"),  # 0.64 m²
            ring(rect(100, 0, 160, 40), "L"),  # 2400 m²
        ]
    )
    assert warned(report, PlanCode.SLIVER_ROOM) == ["S"]
    assert warned(report, PlanCode.ROOM_TOO_SMALL) == ["T"]
    assert warned(report, PlanCode.ROOM_TOO_LARGE) == ["L"]


def test_room_outside_the_floor_outline_and_area_sum():
    outlines = [
        ring(rect(0, 0, 20, 10), "OUT"),
        ring(rect(1, 1, 9, 9), "A"),
        ring(rect(11, 1, 19, 9), "B"),
        ring(rect(15, 8, 19, 13), "C"),  # sticks out to the north
    ]
    labels = [text("101", 5, 5, "T1"), text("102", 12, 5, "T2"), text("103", 17, 11, "T3")]
    (floor,), report = run(outlines, labels)
    assert floor.outline is not None
    assert warned(report, PlanCode.ROOM_OUTSIDE_OUTLINE) == ["C"]
    assert not warned(report, PlanCode.AREA_SUM_MISMATCH)

    (floor,), report = run(
        [
            ring(rect(0, 0, 100, 100), "OUT"),
            ring(rect(1, 1, 5, 5), "A"),
            ring(rect(6, 1, 9, 5), "B"),
        ],
        [text("101", 2, 2, "T1"), text("102", 7, 2, "T2")],
    )
    assert floor.outline is not None and floor.outline.area == pytest.approx(10000.0)
    (entry,) = [e for e in report.warnings if e.code == PlanCode.AREA_SUM_MISMATCH]
    assert entry.data["ratio"] == pytest.approx(0.0028)


def test_label_findings():
    outlines = [
        ring(rect(0, 0, 5, 4), "A"),
        ring(rect(6, 0, 10, 4), "B"),
        ring(rect(11, 0, 15, 4), "C"),
    ]
    hatch = HatchBoundary((rect(16, 0, 20, 4), rect(17, 1, 18, 2)), "ROOM", "D")  # D, with a shaft
    labels = [
        text("101", 2, 2, "T1"),
        text("102", 7, 2, "T2"),  # B: two contradicting numbers
        text("109", 8, 3, "T3"),
        text("101", 12, 2, "T4"),  # C: number 101 again
        text("30.00㎡", 13, 1, "T5"),  # C's drawn area (16 m² computed)
        text("储藏室", 19, 3, "T6"),  # D
        text("管井", 17.5, 1.5, "T7"),  # in D's hole
        text("走廊", 30, 2, "T8"),  # outside every room
    ]
    _, report = run(outlines, labels, [hatch])
    assert warned(report, PlanCode.ROOM_MULTIPLE_LABELS) == ["B"]
    assert [
        e.data["number"] for e in report.warnings if e.code == PlanCode.DUPLICATE_ROOM_NUMBER
    ] == ["101"]
    assert warned(report, PlanCode.AREA_LABEL_MISMATCH) == ["C"]
    assert warned(report, PlanCode.LABEL_IN_HOLE) == ["T7"]
    assert warned(report, PlanCode.LABEL_OUTSIDE_ROOMS) == ["T8"]
    assert not warned(report, PlanCode.ROOM_WITHOUT_LABEL)

    _, report = run(
        [ring(rect(0, 0, 5, 4), "A"), ring(rect(6, 0, 9, 4), "B")], [text("101", 2, 2, "T1")]
    )
    assert warned(report, PlanCode.ROOM_WITHOUT_LABEL) == ["B"]


def test_empty_drawing_reports_no_rooms():
    (floor,), report = run()
    assert floor.rooms == ()
    assert PlanCode.NO_ROOMS in {w.code for w in report.warnings}


def test_near_pairs_are_the_tree_query_pairs_in_its_order():
    """Rooms apart, touching, overlapping, a few millimetres apart and empty: the pairs i < j
    the tree's distance query finds, in the order it finds them."""
    rng = np.random.default_rng(3)
    rooms = []
    for _ in range(300):
        x, y = rng.integers(0, 60, 2) + rng.choice([0.0, 0.01, 0.02, 0.03, 0.05], 2)
        w, h = rng.choice([1.0, 2.0, 2.99, 3.0], 2)
        rooms.append(box(x, y, x + w, y + h))
    rooms[5] = MultiPolygon()
    polys = np.array(rooms, dtype=object)
    left, right = STRtree(polys).query(polys, predicate="dwithin", distance=GAP_MAX_M)
    pairs = left < right
    found = _near_pairs(polys)
    assert [a.tolist() for a in found] == [left[pairs].tolist(), right[pairs].tolist()]
    assert pairs.sum() > 50
    assert not any(shapely.is_prepared(polys))


@pytest.mark.parametrize(
    "outline",
    [
        box(0, 0, 20, 10),
        shapely.union(box(0, 0, 20, 5), box(0, 0, 8, 10)),
        MultiPolygon([box(0, 0, 9, 10), box(10, 0, 20, 10)]),
    ],
)
def test_within_envelope_is_the_grown_outline_covering_each_room(outline):
    """Rooms inside, on the edge, up to and past the tolerance outside, across a notch, empty."""
    rng = np.random.default_rng(7)
    rooms = []
    for _ in range(400):
        x, y = rng.uniform(-0.2, 19, 2).round(2)
        w, h = rng.choice([0.5, 1.0, 2.0], 2) + rng.choice([0.0, 0.03, 0.049, 0.06])
        rooms.append(box(x, y, x + w, y + h))
    rooms[3] = MultiPolygon()
    polys = np.array(rooms, dtype=object)
    envelope = outline.buffer(OUTSIDE_TOLERANCE_M)
    expected = shapely.covers(envelope, polys)
    assert _within_envelope(outline, polys).tolist() == expected.tolist()
    assert 0 < expected.sum() < len(rooms)
    assert not shapely.is_prepared(outline)
