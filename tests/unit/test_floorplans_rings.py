"""Ring candidates: the array path for plain rings gives exactly what the general path gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from floorplans.codes import PlanCode
from floorplans.geometry import close_ring
from floorplans.geometry import densify_ring
from floorplans.geometry import densify_rings
from floorplans.primitives import LineWork
from floorplans.primitives import Outline
from floorplans.rings import RingTolerances
from floorplans.rings import _plain_rings
from floorplans.rings import _rectangles
from floorplans.rings import _ring_candidate
from floorplans.rings import closable_lines
from floorplans.rings import covers_mostly
from floorplans.rings import outline_candidates
from gis_app.report import ImportReport

MM = RingTolerances(0.001)
GK_X, GK_Y = 39_500_123.4567, 4_060_300.891
"""Gauss-Krüger coordinates in metres: large enough that the shoelace order matters."""

PLAIN = {
    "integer millimetres": ((0, 0, 0), (6000, 0, 0), (6000, 4000, 0), (0, 4000, 0)),
    "float, clockwise": ((0.5, 0.25, 0.0), (0.5, 3.75, 0.0), (7.1, 3.75, 0.0), (7.1, 0.25, 0.0)),
    "end repeated exactly": ((0, 0, 0), (5000, 0, 0), (5000, 3000, 0), (0, 3000, 0), (0, 0, 0)),
    "end repeated within tolerance": (
        (0.0, 0.0, 0.0),
        (5000.0, 0.0, 0.0),
        (5000.0, 3000.0, 0.0),
        (0.0, 3000.0, 0.0),
        (0.0, 0.2, 0.0),
    ),
    "L-shaped, survey coordinates": tuple(
        (GK_X * 1000 + dx, GK_Y * 1000 + dy, 0.0)
        for dx, dy in ((0, 0), (8123.4, 0), (8123.4, 3000.7), (4000.1, 3000.7), (4000.1, 6100.3),
                       (0, 6100.3))
    ),
}  # fmt: skip
PLAIN |= {
    "a bulge": ((0, 0, 0.0), (10000, 0, 1.0), (10000, 4000, 0.0), (0, 4000, 0.0)),
    "bays, survey coordinates": tuple(
        (GK_X * 1000 + dx, GK_Y * 1000 + dy, b)
        for dx, dy, b in ((0, 0, 0.2), (7200, 0, 0), (7200, 6000, -0.15), (0, 6000, 0))
    ),
    "closing arc, end repeated": (
        (0.0, 0.0, 0.0), (5000.0, 0.0, 0.0), (5000.0, 3000.0, 0.0), (0.0, 3000.0, 0.41),
        (0, 0, 0.3),
    ),
}  # fmt: skip
JUDGED = {
    "a bulge that is not a number": ((0, 0, 0.0), (10000, 0, math.nan), (10000, 4000, 0.0)),
    "two vertices 0.3 mm apart": ((0, 0, 0), (0.3, 0, 0), (6000, 0, 0), (6000, 4000, 0)),
    "ends 0.7 mm apart (near the tolerance)": (
        (0.0, 0.0, 0.0),
        (6000.0, 0.0, 0.0),
        (6000.0, 4000.0, 0.0),
        (0.0, 4000.0, 0.0),
        (0.0, 0.7, 0.0),
    ),
    "integers beyond float-exact products": (
        (0, 0, 0), (2**27, 0, 0), (2**27, 2**27 + 3, 0), (0, 2**27 + 1, 0),
    ),
    "two vertices": ((0, 0, 0), (1000, 0, 0)),
}  # fmt: skip


def general(vertices, tol=MM):
    """Polygon and exact area the way close_ring and ClosedRing give them."""
    ring = close_ring(vertices, True, tol.coincide, tol.close_gap)
    return ring.polygon(tol.factor), ring.area * tol.factor * tol.factor


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_ring_is_measured_as_arrays_bit_for_bit(name):
    vertices = PLAIN[name]
    (plain,) = _plain_rings([Outline(vertices, "ROOM", "P", True)], MM)
    assert plain is not None
    polygon, raw_area, valid, exact = plain
    expected_polygon, expected_area = general(vertices)
    assert exact == expected_area  # not approx: the same float
    assert shapely.to_wkb(polygon) == shapely.to_wkb(expected_polygon)
    assert (raw_area, valid) == (expected_polygon.area, True)


@pytest.mark.parametrize("name", sorted(JUDGED))
def test_rings_needing_judgement_take_the_general_path(name):
    outlines = [
        Outline(JUDGED[name], "ROOM", "J", True),
        Outline(PLAIN["float, clockwise"], "ROOM", "P", True),
    ]
    judged, plain = _plain_rings(outlines, MM)
    assert judged is None and plain is not None


def test_many_rings_at_once_match_one_by_one():
    """Random rings (some self-intersecting, some closed by coordinates, some with arcs):
    candidates and findings as the ring-by-ring path gives them."""
    rng = np.random.default_rng(3)
    outlines = []
    for k in range(300):
        n = int(rng.integers(3, 9))
        x0, y0 = rng.uniform(-1e7, 1e7, 2)
        bulges = rng.choice([0.0, 0.0, 0.1, -0.3, 1.0], n) if k % 4 == 1 else np.zeros(n)
        points = [
            (float(x0 + dx), float(y0 + dy), float(b))
            for (dx, dy), b in zip(rng.uniform(0, 8000, (n, 2)), bulges, strict=True)
        ]
        if k % 3 == 0:
            points.append(points[0])
        outlines.append(Outline(tuple(points), "ROOM", f"R{k}", True))
    report = ImportReport()
    cands = outline_candidates(outlines, MM, report)
    one_by_one = ImportReport()
    for outline, cand in zip(outlines, cands, strict=True):
        ring = close_ring(outline.vertices, True, MM.coincide, MM.close_gap)
        expected = _ring_candidate(ring, "ROOM", outline.handle, "outline", MM, one_by_one)
        assert (cand is None) == (expected is None)
        if cand is not None:
            assert cand.area == expected.area
            assert shapely.to_wkb(cand.polygon) == shapely.to_wkb(expected.polygon)
    assert report == one_by_one
    assert len(report.fixes) > 50  # bow-ties among them, so both paths were exercised


def test_rectangles_skip_the_validity_check_only_where_it_holds():
    """Four-vertex rings on a two-by-two grid (rectangles in both turning directions, bow-ties,
    flat and repeated-vertex rings): a ring taken for a rectangle is one GEOS finds valid, and
    every axis-parallel rectangle is taken."""
    rng = np.random.default_rng(5)
    corners = rng.choice([0.0, 2.5], (4000, 4, 2))
    sizes = np.full(len(corners), 4)
    found = _rectangles(corners.reshape(-1, 2), sizes)
    rings = shapely.polygons(np.concatenate((corners, corners[:, :1]), axis=1))
    assert not (found & ~shapely.is_valid(rings)).any()
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = corners.transpose(1, 2, 0)
    box = (
        (x0 != x2)
        & (y0 != y2)
        & (
            (x0 == x1) & (y1 == y2) & (x2 == x3) & (y3 == y0)
            | (y0 == y1) & (x1 == x2) & (y2 == y3) & (x3 == x0)
        )
    )
    assert box.sum() > 50 and (found == box).all()
    # Runs of other sizes are never taken, and the runs are found by their offsets.
    square = [(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (0.0, 3.0)]
    mixed = np.array([*square, (1.0, 1.0), *square, *square[:3]])
    assert _rectangles(mixed, np.array([5, 4, 3])).tolist() == [False, True, False]


def test_rings_densified_at_once_are_densified_one_by_one_bit_for_bit():
    """Arcs of every size and direction, integer and survey coordinates, zero-length chords,
    rings of one or two vertices and none."""
    rng = np.random.default_rng(5)
    rings = [(), ((1.0, 2.0, 0.5),), ((0, 0, 1), (0, 0, -1))]
    for k in range(400):
        n = int(rng.integers(2, 7))
        x0, y0 = (GK_X * 1000, GK_Y * 1000) if k % 2 else (0.0, 0.0)
        ring = []
        for dx, dy in rng.uniform(-9000, 9000, (n, 2)):
            bulge = float(rng.choice([0.0, 0.0, 0.15, -0.3, 1.0, -2.5, 1e-7]))
            x, y = (int(dx), int(dy)) if k % 5 == 0 else (x0 + float(dx), y0 + float(dy))
            ring.append((x, y, bulge))
        if k % 7 == 0:
            ring.append(ring[-1])  # an arc on a zero-length chord is no arc
        rings.append(tuple(ring))
    for sagitta in (0.0, 1.0, 1e-6, 200.0):
        points, sizes = densify_rings(rings, sagitta)
        one_by_one = [densify_ring(ring, sagitta) for ring in rings]
        assert sizes.tolist() == [len(ring) for ring in one_by_one]
        expected = np.array([p for ring in one_by_one for p in ring], dtype=float)
        assert points.tobytes() == expected.tobytes()


def test_plain_bow_tie_and_flat_rings_are_still_repaired_or_dropped_and_reported():
    bow_tie = ((0, 0, 0), (4000, 4000, 0), (4000, 0, 0), (0, 4000, 0))
    flat = ((0, 0, 0), (3000, 0, 0), (6000, 0, 0))
    report = ImportReport()
    fixed, dropped = outline_candidates(
        [Outline(bow_tie, "ROOM", "X", True), Outline(flat, "ROOM", "Z", True)], MM, report
    )
    assert [(f.code, f.handle) for f in report.fixes] == [(PlanCode.SELF_INTERSECTION, "X")]
    assert fixed.area == pytest.approx(8.0) and fixed.polygon.is_valid
    assert dropped is None
    assert [(w.code, w.handle) for w in report.warnings] == [(PlanCode.ZERO_AREA, "Z")]


def test_closable_lines_skip_straight_walls_and_door_swings_only():
    lines = {
        "wall": ((0, 0, 0.0), (5000, 0, 0.0)),
        "door swing": ((0, 0, 0.4142), (900, 900, 0.0)),
        "closing bulge": ((0, 0, 0.0), (1000, 0, 1.0)),
        "bulge over a tiny gap": ((0, 0, 1.0), (30, 0, 0.0)),
        "polyline": ((0, 0, 0.0), (5000, 0, 0.0), (5000, 4000, 0.0)),
    }
    kept = closable_lines([LineWork(v, "ROOM", name) for name, v in lines.items()], MM)
    assert [line.handle for line in kept] == ["closing bulge", "bulge over a tiny gap", "polyline"]


def test_covers_mostly_by_cover_test_or_overlay():
    outer = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    inside = Polygon([(1, 1), (3, 1), (3, 3), (1, 3)])
    three_percent_out = Polygon([(8.06, 1), (10.06, 1), (10.06, 3), (8.06, 3)])
    half_out = Polygon([(9, 1), (11, 1), (11, 3), (9, 3)])
    sliver = Polygon([(1, 1), (2, 1), (3, 1)])
    inner = np.array([inside, three_percent_out, half_out, sliver], dtype=object)
    outers = np.array([outer] * 4, dtype=object)
    assert covers_mostly(outers, inner).tolist() == [True, True, False, False]
