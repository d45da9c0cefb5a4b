"""Carry entity geometry from its own coordinate system (OCS, block) into world coordinates.

Arcs stay exact arcs (a bulge) as long as the combined transform is a similarity in the drawing
plane (rotation, uniform scale, mirror, translation): a mirror only flips the bulge's sign.
Anything else (non-uniform block scale, a tilted plane) makes arcs elliptical; then, and only
then, they are flattened finely (1 degree steps, relative area error below 1e-4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ezdxf.math import Matrix44
from ezdxf.math import Vec3
from ezdxf.math import bulge_to_arc

__all__ = [
    "ARC_STEP_RAD",
    "Planar",
    "arc_vertices",
    "circle_vertices",
    "flatten_bulges",
    "planar_transform",
    "transform_bulged",
]

ARC_STEP_RAD = math.radians(1.0)
_SIMILARITY_TOL = 1e-9

BulgedPoint = tuple[float, float, float]


class Planar:
    """The XY part of a 4x4 transform, classified once for a whole entity."""

    __slots__ = ("matrix", "similar", "flips", "scale", "degenerate")

    def __init__(self, matrix: Matrix44 | None) -> None:
        self.matrix = matrix
        if matrix is None:
            self.similar, self.flips, self.scale, self.degenerate = True, False, 1.0, False
            return
        ux = matrix.transform_direction(Vec3(1, 0, 0))
        uy = matrix.transform_direction(Vec3(0, 1, 0))
        ax, ay, bx, by = ux.x, ux.y, uy.x, uy.y
        la = math.hypot(ax, ay)
        lb = math.hypot(bx, by)
        det = ax * by - ay * bx
        self.degenerate = la == 0.0 or lb == 0.0 or abs(det) <= 1e-12 * max(la * lb, 1e-300)
        ref = max(la, lb, 1e-300)
        self.similar = (
            not self.degenerate
            and abs(la - lb) <= _SIMILARITY_TOL * ref
            and abs(ax * bx + ay * by) <= _SIMILARITY_TOL * ref * ref
        )
        self.flips = det < 0
        self.scale = math.sqrt(abs(det)) if not self.degenerate else 0.0

    def moved(self, matrix: Matrix44) -> Planar:
        """The same classification for ``matrix``, which differs from this one in its
        translation only (the classification ignores translation)."""
        other = Planar.__new__(Planar)
        other.matrix = matrix
        other.similar, other.flips = self.similar, self.flips
        other.scale, other.degenerate = self.scale, self.degenerate
        return other

    def point(self, x: float, y: float, z: float = 0.0) -> tuple[float, float]:
        if self.matrix is None:
            return (x, y)
        p = self.matrix.transform(Vec3(x, y, z))
        return (p.x, p.y)


def planar_transform(matrix: Matrix44 | None) -> Planar:
    return Planar(matrix)


def arc_vertices(
    p1: tuple[float, float], p2: tuple[float, float], bulge: float
) -> list[tuple[float, float]]:
    """Points strictly between p1 and p2 along the bulged segment, at ARC_STEP_RAD or finer."""
    if not bulge or (p1[0] == p2[0] and p1[1] == p2[1]):
        return []
    center, start, end, radius = bulge_to_arc(p1, p2, bulge)
    sweep = 4.0 * math.atan(abs(bulge))
    n = max(2, math.ceil(sweep / ARC_STEP_RAD))
    if bulge > 0:
        a0, step = start, sweep / n
    else:
        # bulge_to_arc always returns a counter-clockwise arc from end to start for negative
        # bulges; walk it backwards so the points run from p1 to p2.
        a0, step = end, -sweep / n
    return [
        (center.x + radius * math.cos(a0 + i * step), center.y + radius * math.sin(a0 + i * step))
        for i in range(1, n)
    ]


def flatten_bulges(points: Sequence[BulgedPoint], closed: bool) -> list[tuple[float, float]]:
    """Replace every bulged segment by fine chords (used only where an arc cannot stay an arc)."""
    out: list[tuple[float, float]] = []
    count = len(points)
    for i, (x, y, b) in enumerate(points):
        out.append((x, y))
        if b and (closed or i < count - 1):
            nx, ny, _ = points[(i + 1) % count]
            out.extend(arc_vertices((x, y), (nx, ny), b))
    return out


def transform_bulged(
    points: Sequence[BulgedPoint], closed: bool, planar: Planar, z: float = 0.0
) -> tuple[tuple[float, float, float], ...]:
    """OCS/block vertices with bulges -> WCS vertices, bulges kept when the transform allows."""
    if planar.matrix is None:
        # A literal 0.0 is one shared object; straight segments are most of a drawing.
        return tuple((float(x), float(y), float(b) if b else 0.0) for x, y, b in points)
    if planar.similar:
        sign = -1.0 if planar.flips else 1.0
        return tuple((*planar.point(x, y, z), sign * float(b) if b else 0.0) for x, y, b in points)
    return tuple((*planar.point(x, y, z), 0.0) for x, y in flatten_bulges(points, closed))


def circle_vertices(
    cx: float, cy: float, radius: float, planar: Planar, z: float = 0.0
) -> tuple[tuple[float, float, float], ...]:
    """A full circle: two half-circle bulges (bulge 1) when exact is possible, else chords."""
    ring: list[BulgedPoint] = [(cx - radius, cy, 1.0), (cx + radius, cy, 1.0)]
    return transform_bulged(ring, True, planar, z)


def close_by_coordinates(
    vertices: Sequence[tuple[float, float, float]], tolerance: float
) -> tuple[tuple[float, float, float], ...] | None:
    """If the last vertex repeats the first, return the ring without the duplicate, else None."""
    if len(vertices) < 4:
        return None
    x0, y0, _ = vertices[0]
    xn, yn, _ = vertices[-1]
    if math.hypot(xn - x0, yn - y0) > tolerance:
        return None
    return tuple(vertices[:-1])
