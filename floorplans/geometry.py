"""Rings with bulges → exact areas and finely densified shapely polygons.

A DXF polyline segment with a non-zero bulge is a circular arc. Its area is the chord polygon
(shoelace) plus the circular segment between chord and arc, which has a closed form; the
polygon handed to shapely is only an approximation for topology (containment, overlaps), so
areas reported to users come from :func:`ring_area`, never from the densified polygon.

All functions here work in drawing units; callers scale by the unit factor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import shapely
from shapely.geometry import Polygon

from floorplans.primitives import Vertex

__all__ = [
    "ClosedRing",
    "arc_points",
    "close_ring",
    "densify_ring",
    "densify_rings",
    "geometry_array",
    "ranges",
    "ring_area",
    "signed_ring_area",
]

MAX_ARC_STEP_RAD = math.radians(1.0)
"""Arcs are flattened at 1° per segment, or coarser while the sagitta stays within tolerance."""
MAX_SEGMENTS_PER_ARC = 2048


def _segment_area(x1: float, y1: float, x2: float, y2: float, bulge: float) -> float:
    """Area between the chord p1→p2 and its arc, signed as it adds to a CCW ring's area.

    A positive bulge is a counter-clockwise arc, which bulges to the right of the chord: outward
    for a counter-clockwise ring. A half circle of radius 1:

    >>> round(_segment_area(0, 0, 2, 0, 1.0), 9) == round(math.pi / 2, 9)
    True
    """
    if bulge == 0.0:
        return 0.0
    chord = math.hypot(x2 - x1, y2 - y1)
    if chord == 0.0:
        return 0.0
    theta = 4.0 * math.atan(abs(bulge))
    radius = chord / (2.0 * math.sin(theta / 2.0))
    area = radius * radius / 2.0 * (theta - math.sin(theta))
    return area if bulge > 0 else -area


def signed_ring_area(vertices: Sequence[Vertex]) -> float:
    """Signed area (CCW positive) of a closed ring of (x, y, bulge), arcs exact.

    Coordinates are taken relative to the first vertex so that large survey coordinates
    (Gauss-Krüger eastings of 40 million) do not cost precision.

    >>> signed_ring_area([(0, 0, 0), (6000, 0, 0), (6000, 4000, 0), (0, 4000, 0)])
    24000000.0
    """
    n = len(vertices)
    if n < 2:
        return 0.0
    ox, oy = vertices[0][0], vertices[0][1]
    twice = 0.0
    arcs = 0.0
    for i in range(n):
        x1, y1, b = vertices[i]
        x2, y2, _ = vertices[(i + 1) % n]
        x1 -= ox
        y1 -= oy
        x2 -= ox
        y2 -= oy
        twice += x1 * y2 - x2 * y1
        arcs += _segment_area(x1, y1, x2, y2, b)
    return twice / 2.0 + arcs


def ring_area(vertices: Sequence[Vertex]) -> float:
    """Unsigned exact area of a closed ring, in drawing units².

    A 10 x 4 room with a semicircular end of radius 2 (bulge 1 on the end segment):

    >>> ring = [(0, 0, 0), (10, 0, 1.0), (10, 4, 0), (0, 4, 0)]
    >>> round(ring_area(ring), 6) == round(40 + math.pi * 2**2 / 2, 6)
    True
    """
    return abs(signed_ring_area(vertices))


Arc = tuple[float, float, float, float, float, int]
"""An arc to flatten: centre x and y, radius, start angle, signed included angle, segments."""


def arc_points(
    x1: float, y1: float, x2: float, y2: float, bulge: float, sagitta_tol: float
) -> list[tuple[float, float]]:
    """Intermediate points of the arc p1→p2 (both ends excluded).

    The step is 1° or, for large radii, as fine as needed to keep the sagitta (the gap between
    arc and flattened segment) within ``sagitta_tol``.
    """
    arc = _arc(x1, y1, x2, y2, bulge, sagitta_tol)
    if arc is None:
        return []
    cx, cy, radius, start, theta, count = arc
    angles = [start + theta * k / count for k in range(1, count)]
    return list(
        zip(
            [cx + radius * c for c in map(math.cos, angles)],
            [cy + radius * s for s in map(math.sin, angles)],
            strict=True,
        )
    )


def _arc(
    x1: float, y1: float, x2: float, y2: float, bulge: float, sagitta_tol: float
) -> Arc | None:
    """How :func:`arc_points` flattens the arc p1→p2; None when there is no arc."""
    chord = math.hypot(x2 - x1, y2 - y1)
    if bulge == 0.0 or chord == 0.0:
        return None
    theta = 4.0 * math.atan(bulge)  # signed, CCW positive
    radius = chord / (2.0 * abs(math.sin(theta / 2.0)))
    step = MAX_ARC_STEP_RAD
    if sagitta_tol > 0.0 and radius > sagitta_tol:
        sag_step = 2.0 * math.acos(max(-1.0, 1.0 - sagitta_tol / radius))
        step = max(step, min(sag_step, math.radians(10.0)))
    count = min(MAX_SEGMENTS_PER_ARC, max(2, math.ceil(abs(theta) / step)))
    mx, my = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    # Centre lies on the chord's left normal at (c/2)(1-b²)/(2b) from the midpoint.
    offset = (chord / 2.0) * (1.0 - bulge * bulge) / (2.0 * bulge)
    nx, ny = -(y2 - y1) / chord, (x2 - x1) / chord
    cx, cy = mx + nx * offset, my + ny * offset
    return cx, cy, radius, math.atan2(y1 - cy, x1 - cx), theta, count


def densify_ring(vertices: Sequence[Vertex], sagitta_tol: float) -> list[tuple[float, float]]:
    """Closed ring coordinates (first point not repeated) with arcs flattened."""
    out: list[tuple[float, float]] = []
    n = len(vertices)
    for i in range(n):
        x1, y1, b = vertices[i]
        out.append((x1, y1))
        if b:
            x2, y2, _ = vertices[(i + 1) % n]
            out.extend(arc_points(x1, y1, x2, y2, b, sagitta_tol))
    return out


def densify_rings(
    rings: Sequence[Sequence[Vertex]], sagitta_tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`densify_ring` for many rings at once: every ring's points, one after the other, as
    an ``(n, 2)`` array, and how many points each ring has.

    Each arc is laid out in Python as :func:`arc_points` lays it out (the same ``math`` calls,
    so the same floats); its points are then computed for all arcs together, by the same
    operations in the same order, so every point is bit for bit what :func:`densify_ring` gives.
    """
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    vertices = list(chain.from_iterable(rings))
    flat = np.fromiter(chain.from_iterable(vertices), dtype=float, count=3 * len(vertices))
    flat = flat.reshape(-1, 3)
    # The vertex each segment ends at: the next one, the ring's first for its last vertex.
    following = np.arange(1, len(vertices) + 1)
    ends = np.cumsum(lengths)[lengths > 0]
    following[ends - 1] = ends - lengths[lengths > 0]
    bulged = np.flatnonzero(flat[:, 2] != 0.0)
    arcs: list[Arc] = []
    arc_vertex: list[int] = []
    for index, end in zip(bulged.tolist(), following[bulged].tolist(), strict=True):
        x1, y1, bulge = vertices[index]
        arc = _arc(x1, y1, vertices[end][0], vertices[end][1], bulge, sagitta_tol)
        if arc is not None:
            arcs.append(arc)
            arc_vertex.append(index)
    if not arcs:
        return flat[:, :2].copy(), lengths
    cx, cy, radius, start, theta, count = (np.array(column) for column in zip(*arcs, strict=True))
    inner = count - 1  # points strictly inside each arc
    extra = np.zeros(len(vertices), dtype=np.int64)
    extra[arc_vertex] = inner
    # Where each vertex goes: after the points of every vertex and arc before it.
    place = np.cumsum(extra + 1) - (extra + 1)
    points = np.empty((len(vertices) + int(inner.sum()), 2))
    points[place] = flat[:, :2]
    step = ranges(inner) + 1
    angles = np.repeat(start, inner) + np.repeat(theta, inner) * step / np.repeat(count, inner)
    cosines = np.fromiter(map(math.cos, angles.tolist()), dtype=float, count=len(angles))
    sines = np.fromiter(map(math.sin, angles.tolist()), dtype=float, count=len(angles))
    slots = np.repeat(place[arc_vertex], inner) + step
    points[slots, 0] = np.repeat(cx, inner) + np.repeat(radius, inner) * cosines
    points[slots, 1] = np.repeat(cy, inner) + np.repeat(radius, inner) * sines
    owner = np.repeat(np.arange(len(rings)), lengths)
    sizes = lengths + np.bincount(owner, weights=extra, minlength=len(rings)).astype(np.int64)
    return points, sizes


def geometry_array(geoms: Sequence[object]) -> np.ndarray:
    """Geometries (or None) as a one-dimensional object array, for shapely's array functions
    (``np.asarray`` would try to make more dimensions of what it can iterate)."""
    array = np.empty(len(geoms), dtype=object)
    array[:] = list(geoms)
    return array


def ranges(sizes: np.ndarray) -> np.ndarray:
    """0..n-1 for every n in ``sizes``, concatenated."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


@dataclass(frozen=True, slots=True)
class ClosedRing:
    """A ring known to be closed: its vertices (no repeated end), exact area, and how it closed."""

    vertices: tuple[Vertex, ...]
    area: float
    """Exact area in drawing units²."""
    closure: str
    """"flag", "coordinates", "bulge" (unflagged, last vertex carries a closing arc) or "gap"."""
    gap: float = 0.0
    """Distance between the ends when closed across a gap, drawing units."""

    def polygon(self, factor: float, sagitta_tol_m: float = 0.001) -> Polygon:
        """Shapely polygon in plan metres (drawing coordinates × factor), arcs flattened."""
        coords = densify_ring(self.vertices, sagitta_tol_m / factor if factor else 0.0)
        if len(coords) < 3:
            return Polygon([(x * factor, y * factor) for x, y in coords])
        # shapely.polygons on an array is ~5x faster than Polygon() on a list of tuples.
        array = np.array(coords, dtype=float) * factor
        if not (array[0] == array[-1]).all():
            array = np.vstack([array, array[:1]])  # close it as Polygon() would
        return shapely.polygons(array)


def _dedupe(vertices: Sequence[Vertex], tol: float) -> list[Vertex]:
    """Drop consecutive repeated points."""
    out: list[Vertex] = []
    for x, y, b in vertices:
        if out and math.hypot(x - out[-1][0], y - out[-1][1]) <= tol:
            # The zero-length segment's bulge means nothing; the next segment's bulge counts.
            out[-1] = (out[-1][0], out[-1][1], b)
            continue
        out.append((x, y, b))
    return out


def close_ring(
    vertices: Sequence[Vertex], closed_flag: bool, coincide_tol: float, gap_tol: float
) -> ClosedRing | None:
    """Decide whether a polyline encloses an area and return it as a closed ring.

    Closed by the entity flag, by coordinates (ends within ``coincide_tol``), by a closing bulge on
    the last vertex of an unflagged polyline (some writers drop the flag but keep the arc), or
    across a small gap (ends within ``gap_tol``, reported by the caller as a fix). Returns None when
    it stays open or has fewer than three distinct points.

    >>> square = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 0)]
    >>> close_ring(square, False, 1e-6, 0.01).closure
    'coordinates'
    >>> close_ring([(0, 0, 0), (1, 0, 0), (1, 1, 0)], False, 1e-6, 0.01) is None
    True
    """
    pts = _dedupe(vertices, coincide_tol)
    if len(pts) < 2:
        return None
    gap = math.hypot(pts[-1][0] - pts[0][0], pts[-1][1] - pts[0][1])
    if closed_flag:
        closure = "flag"
        if gap <= coincide_tol:
            pts = pts[:-1]
    elif gap <= coincide_tol:
        closure = "coordinates"
        pts = pts[:-1]
    elif pts[-1][2] != 0.0:
        closure = "bulge"
    elif gap <= gap_tol:
        closure = "gap"
    else:
        return None
    if len(pts) < 2 or (len(pts) < 3 and not any(b for _, _, b in pts)):
        return None
    ring = tuple(pts)
    return ClosedRing(ring, ring_area(ring), closure, gap if closure == "gap" else 0.0)
