"""Carry entity geometry from its own coordinate system (OCS, block) into world coordinates.

Arcs stay exact arcs (a bulge) as long as the combined transform is a similarity in the drawing
plane (rotation, uniform scale, mirror, translation): a mirror only flips the bulge's sign.
Anything else (non-uniform block scale, a tilted plane) makes arcs elliptical; then, and only
then, they are flattened finely (1 degree steps, relative area error below 1e-4).

``Vec3``, ``Matrix44`` and ``OCS`` are the parts of ezdxf's classes the reader uses, in plain
Python with ezdxf's arithmetic step for step (the same operations in the same order, so the
same floats): importing ezdxf costs ~0.1 s, and a streamed drawing of plain entities never
needs it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any

__all__ = [
    "ARC_STEP_RAD",
    "OCS",
    "Matrix44",
    "Planar",
    "Vec3",
    "arc_vertices",
    "circle_vertices",
    "flatten_bulges",
    "planar_transform",
    "transform_bulged",
]

ARC_STEP_RAD = math.radians(1.0)
_SIMILARITY_TOL = 1e-9

BulgedPoint = tuple[float, float, float]


class Vec3:
    """An immutable 3D vector (ezdxf's ``Vec3``: built from x, y[, z] or from a 2 or 3 item
    sequence)."""

    __slots__ = ("x", "y", "z")

    def __init__(self, *args: Any) -> None:
        if len(args) == 1:
            args = tuple(args[0])
        if len(args) == 3:
            x, y, z = args
        elif len(args) == 2:
            (x, y), z = args, 0.0
        elif not args:
            x = y = z = 0.0
        else:
            raise TypeError(f"invalid arguments for Vec3: {args!r}")
        self.x = float(x)
        self.y = float(y)
        self.z = float(z)

    @property
    def xyz(self) -> tuple[float, float, float]:
        return (self.x, self.y, self.z)

    def __iter__(self) -> Any:
        return iter((self.x, self.y, self.z))

    def __repr__(self) -> str:
        return f"Vec3({self.x!r}, {self.y!r}, {self.z!r})"

    def __eq__(self, other: object) -> bool:
        o = other if isinstance(other, Vec3) else Vec3(other)
        return self.x == o.x and self.y == o.y and self.z == o.z

    def __hash__(self) -> int:
        return hash((self.x, self.y, self.z))

    def __sub__(self, other: Any) -> Vec3:
        o = other if isinstance(other, Vec3) else Vec3(other)
        return _vec(self.x - o.x, self.y - o.y, self.z - o.z)

    def __mul__(self, factor: float) -> Vec3:
        return _vec(self.x * factor, self.y * factor, self.z * factor)

    __rmul__ = __mul__

    @property
    def magnitude(self) -> float:
        return math.sqrt(self.x * self.x + self.y * self.y + self.z * self.z)

    def normalize(self, length: float = 1.0) -> Vec3:
        return self * (length / self.magnitude)

    def lerp(self, other: Any, factor: float = 0.5) -> Vec3:
        o = other if isinstance(other, Vec3) else Vec3(other)
        return _vec(
            self.x + (o.x - self.x) * factor,
            self.y + (o.y - self.y) * factor,
            self.z + (o.z - self.z) * factor,
        )

    def cross(self, other: Any) -> Vec3:
        o = other if isinstance(other, Vec3) else Vec3(other)
        return _vec(
            self.y * o.z - self.z * o.y, self.z * o.x - self.x * o.z, self.x * o.y - self.y * o.x
        )

    def isclose(self, other: Any, *, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
        o = other if isinstance(other, Vec3) else Vec3(other)
        return (
            _isclose(self.x, o.x, rel_tol, abs_tol)
            and _isclose(self.y, o.y, rel_tol, abs_tol)
            and _isclose(self.z, o.z, rel_tol, abs_tol)
        )


def _vec(x: float, y: float, z: float) -> Vec3:
    v = Vec3.__new__(Vec3)
    v.x, v.y, v.z = x, y, z
    return v


def _isclose(a: float, b: float, rel_tol: float, abs_tol: float) -> bool:
    """ezdxf's isclose (not math.isclose: the tolerances combine differently)."""
    diff = abs(b - a)
    return diff <= abs(rel_tol * b) or diff <= abs(rel_tol * a) or diff <= abs_tol


class Matrix44:
    """A 4x4 row-major transform as ezdxf's ``Matrix44`` (row vectors: ``p @ M``)."""

    __slots__ = ("m",)

    def __init__(self, values: Iterable[float] | None = None) -> None:
        self.m = list(_IDENTITY) if values is None else [float(v) for v in values]
        if len(self.m) != 16:
            raise ValueError("invalid argument count")

    def __iter__(self) -> Any:
        return iter(self.m)

    def copy(self) -> Matrix44:
        other = Matrix44.__new__(Matrix44)
        other.m = self.m.copy()
        return other

    def set_row(self, row: int, values: Any) -> None:
        values = tuple(values)[:4]
        self.m[row * 4 : row * 4 + len(values)] = [float(v) for v in values]

    @property
    def ux(self) -> Vec3:
        return _vec(self.m[0], self.m[1], self.m[2])

    @property
    def uy(self) -> Vec3:
        return _vec(self.m[4], self.m[5], self.m[6])

    @property
    def uz(self) -> Vec3:
        return _vec(self.m[8], self.m[9], self.m[10])

    def transform(self, vector: Any) -> Vec3:
        v = vector if isinstance(vector, Vec3) else Vec3(vector)
        x, y, z = v.x, v.y, v.z
        m = self.m
        return _vec(
            x * m[0] + y * m[4] + z * m[8] + m[12],
            x * m[1] + y * m[5] + z * m[9] + m[13],
            x * m[2] + y * m[6] + z * m[10] + m[14],
        )

    def transform_direction(self, vector: Any) -> Vec3:
        v = vector if isinstance(vector, Vec3) else Vec3(vector)
        x, y, z = v.x, v.y, v.z
        m = self.m
        return _vec(
            x * m[0] + y * m[4] + z * m[8],
            x * m[1] + y * m[5] + z * m[9],
            x * m[2] + y * m[6] + z * m[10],
        )

    def transform_vertices(self, vectors: Iterable[Any]) -> list[Vec3]:
        return [self.transform(v) for v in vectors]

    def __matmul__(self, other: Matrix44) -> Matrix44:
        a, b = self.m, other.m
        product = Matrix44.__new__(Matrix44)
        product.m = [
            a[r] * b[c] + a[r + 1] * b[c + 4] + a[r + 2] * b[c + 8] + a[r + 3] * b[c + 12]
            for r in (0, 4, 8, 12)
            for c in (0, 1, 2, 3)
        ]
        return product

    @staticmethod
    def ucs(
        ux: Any = (1.0, 0.0, 0.0), uy: Any = (0.0, 1.0, 0.0), uz: Any = (0.0, 0.0, 1.0)
    ) -> Matrix44:
        x, y, z = Vec3(ux), Vec3(uy), Vec3(uz)
        mat = Matrix44()
        mat.m[0:3] = x.xyz
        mat.m[4:7] = y.xyz
        mat.m[8:11] = z.xyz
        return mat

    @staticmethod
    def axis_rotate(axis: Any, angle: float) -> Matrix44:
        cos_a = math.cos(angle)
        sin_a = math.sin(angle)
        one_m_cos = 1.0 - cos_a
        x, y, z = Vec3(axis).normalize()
        mat = Matrix44()
        m = mat.m
        m[0] = x * x * one_m_cos + cos_a
        m[1] = y * x * one_m_cos + z * sin_a
        m[2] = x * z * one_m_cos - y * sin_a
        m[4] = x * y * one_m_cos - z * sin_a
        m[5] = y * y * one_m_cos + cos_a
        m[6] = y * z * one_m_cos + x * sin_a
        m[8] = x * z * one_m_cos + y * sin_a
        m[9] = y * z * one_m_cos - x * sin_a
        m[10] = z * z * one_m_cos + cos_a
        return mat


_IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
_X_AXIS = Vec3(1.0, 0.0, 0.0)
_Y_AXIS = Vec3(0.0, 1.0, 0.0)
_Z_AXIS = Vec3(0.0, 0.0, 1.0)


class OCS:
    """The object coordinate system of an extrusion vector (ezdxf's ``OCS``, arbitrary axis
    algorithm)."""

    __slots__ = ("transform", "matrix")

    def __init__(self, extrusion: Any = _Z_AXIS) -> None:
        az = Vec3(extrusion).normalize()
        self.transform = not az.isclose(_Z_AXIS)
        self.matrix: Matrix44 | None = None
        if self.transform:
            if abs(az.x) < 1.0 / 64.0 and abs(az.y) < 1.0 / 64.0:
                ax = _Y_AXIS.cross(az)
            else:
                ax = _Z_AXIS.cross(az)
            ax = ax.normalize()
            ay = az.cross(ax).normalize()
            self.matrix = Matrix44.ucs(ax, ay, az)

    @property
    def ux(self) -> Vec3:
        return self.matrix.ux if self.matrix is not None else _X_AXIS

    @property
    def uy(self) -> Vec3:
        return self.matrix.uy if self.matrix is not None else _Y_AXIS

    @property
    def uz(self) -> Vec3:
        return self.matrix.uz if self.matrix is not None else _Z_AXIS

    def to_wcs(self, point: Any) -> Vec3:
        if self.matrix is not None:
            return self.matrix.transform_direction(point)
        return Vec3(point)


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
    from ezdxf.math import bulge_to_arc  # only for arcs a transform makes elliptical

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
