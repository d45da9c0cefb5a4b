"""Georeferencing: from the plan frame (metres, drawing axes) to a projected CRS and EPSG:4490.

Four ways in: the drawing's own GEODATA, two or more control points (similarity fit: shift,
rotation, one scale), three or more (affine fit), or a fit of the plan's outline to the
building footprint. Each gives a :class:`PlanTransform` — a 2x3 affine matrix to a projected
CRS, with the RMS residual that says how well it fits. Geometries go to the map frame through
it; areas never do: they are always taken in the plan frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from floorplans.geometry import geometry_array
from floorplans.linework import outer_wall_outline
from floorplans.model import FloorPlan
from floorplans.model import OutlineSource
from floorplans.primitives import GeoReference

__all__ = [
    "MAP_CRS",
    "GeoreferenceError",
    "PlanTransform",
    "cgcs2000_gk_epsg",
    "fit_affine",
    "fit_footprint",
    "fit_outline",
    "fit_similarity",
    "from_georeference",
    "gk_epsg_from_easting",
    "to_map",
    "to_map_all",
]

MAP_CRS = "EPSG:4490"
"""CGCS2000 geographic: the map frame."""

ControlPoint = tuple[tuple[float, float], tuple[float, float]]
"""(plan x, y in metres) → (easting, northing in the target CRS)."""


class GeoreferenceError(ValueError):
    """The inputs cannot define a transform (too few or degenerate points, empty shapes)."""


@dataclass(frozen=True)
class PlanTransform:
    """x' = a·x + b·y + c, y' = d·x + e·y + f from plan metres to ``crs`` coordinates."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float
    crs: str
    method: str
    """geodata, similarity, affine, footprint or identity."""
    rms_m: float | None = None
    """Root-mean-square residual at the control points (or corner misfit for a footprint fit)."""
    residuals_m: tuple[float, ...] = ()
    iou: float | None = None
    """Footprint fit only: intersection over union of the placed outline and the footprint."""

    @classmethod
    def identity(cls, crs: str) -> PlanTransform:
        """For plans already drawn in projected coordinates (e.g. Gauss-Krüger eastings)."""
        return cls(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, crs, "identity", 0.0)

    @property
    def matrix(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        return ((self.a, self.b, self.c), (self.d, self.e, self.f))

    @property
    def scale(self) -> float:
        """Mean linear scale (1.0 for a rigid placement of a plan in metres)."""
        return math.sqrt(abs(self.a * self.e - self.b * self.d))

    @property
    def rotation_deg(self) -> float:
        """Counter-clockwise rotation of the plan's x axis in the target frame."""
        return math.degrees(math.atan2(self.d, self.a))

    def apply(self, geometry: BaseGeometry) -> BaseGeometry:
        """The geometry in the target projected CRS."""
        return affinity.affine_transform(geometry, [self.a, self.b, self.d, self.e, self.c, self.f])

    def apply_point(self, x: float, y: float) -> tuple[float, float]:
        return (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.a, self.b, self.c, self.d, self.e, self.f)):
            raise GeoreferenceError("transform has non-finite coefficients")
        if abs(self.a * self.e - self.b * self.d) < 1e-12:
            raise GeoreferenceError("transform is degenerate (collapses the plan)")


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


def to_map(geometry: BaseGeometry, transform: PlanTransform, crs: str = MAP_CRS) -> BaseGeometry:
    """Plan-frame geometry → ``crs`` (default EPSG:4490, coordinates as lon/lat)."""
    return to_map_all([geometry], transform, crs)[0]


def to_map_all(
    geometries: Sequence[BaseGeometry], transform: PlanTransform, crs: str = MAP_CRS
) -> np.ndarray:
    """:func:`to_map` for many geometries at once (an array of them, same order).

    All coordinates go through one affine step and one pyproj call: per geometry, the CRS
    comparison and transformer set-up cost more than the arithmetic (10,000 rooms: 3 s → 0.1 s).
    """
    geoms = geometry_array(geometries)
    transformer = (
        None
        if CRS.from_user_input(transform.crs) == CRS.from_user_input(crs)
        else _transformer(transform.crs, crs)
    )
    t = transform

    def place(coords: np.ndarray) -> np.ndarray:
        x = t.a * coords[:, 0] + t.b * coords[:, 1] + t.c
        y = t.d * coords[:, 0] + t.e * coords[:, 1] + t.f
        if transformer is not None:
            x, y = transformer.transform(x, y)
        return np.column_stack([x, y])

    return shapely.transform(geoms, place)


def cgcs2000_gk_epsg(longitude: float, zone_prefix: bool = False) -> str:
    """EPSG code of the CGCS2000 3° Gauss-Krüger zone holding ``longitude``.

    ``zone_prefix`` picks the variant whose eastings carry the zone number (EPSG:4513-4533)
    rather than the plain central-meridian one (EPSG:4534-4554).

    >>> cgcs2000_gk_epsg(117.0), cgcs2000_gk_epsg(120.2, zone_prefix=True)
    ('EPSG:4548', 'EPSG:4528')
    """
    zone = int(math.floor(longitude / 3.0 + 0.5))
    if not 25 <= zone <= 45:
        raise GeoreferenceError(f"longitude {longitude} is outside China's 3° zones 25-45")
    return f"EPSG:{(4513 if zone_prefix else 4534) + zone - 25}"


def gk_epsg_from_easting(easting: float) -> str | None:
    """The zone-prefixed CGCS2000 3° GK CRS an easting such as 40 585 252 belongs to, else None.

    >>> gk_epsg_from_easting(40585252.0), gk_epsg_from_easting(585252.0)
    ('EPSG:4528', None)
    """
    if not 1e7 <= easting < 1e8:
        return None
    zone = int(easting // 1e6)
    if not 25 <= zone <= 45:
        return None
    return f"EPSG:{4513 + zone - 25}"


def from_georeference(geo: GeoReference, factor: float) -> PlanTransform:
    """The transform a drawing's GEODATA defines, for plan metres (drawing units × ``factor``).

    North points ``north_direction_deg`` counter-clockwise from the drawing's +Y axis, so the
    plan is turned clockwise by that angle; ``unit_scale`` gives CRS metres per drawing unit.
    """
    if factor <= 0 or geo.unit_scale <= 0:
        raise GeoreferenceError("unit factor and GEODATA unit scale must be positive")
    theta = math.radians(-geo.north_direction_deg)
    k = geo.unit_scale / factor  # CRS metres per plan metre
    cos_t, sin_t = math.cos(theta) * k, math.sin(theta) * k
    dx, dy = geo.design_point[0] * factor, geo.design_point[1] * factor
    rx, ry = geo.reference_point
    return PlanTransform(
        cos_t,
        -sin_t,
        rx - (cos_t * dx - sin_t * dy),
        sin_t,
        cos_t,
        ry - (sin_t * dx + cos_t * dy),
        geo.crs,
        "geodata",
        0.0,
    )


def _points(points: Sequence[ControlPoint], minimum: int) -> tuple[np.ndarray, np.ndarray]:
    if len(points) < minimum:
        raise GeoreferenceError(f"need at least {minimum} control points, got {len(points)}")
    src = np.array([p[0] for p in points], dtype=float)
    dst = np.array([p[1] for p in points], dtype=float)
    if not (np.isfinite(src).all() and np.isfinite(dst).all()):
        raise GeoreferenceError("control points must be finite numbers")
    return src, dst


def _with_residuals(t: PlanTransform, src: np.ndarray, dst: np.ndarray) -> PlanTransform:
    fitted = np.column_stack(
        [t.a * src[:, 0] + t.b * src[:, 1] + t.c, t.d * src[:, 0] + t.e * src[:, 1] + t.f]
    )
    residuals = np.hypot(*(fitted - dst).T)
    rms = float(math.sqrt(float(np.mean(residuals**2))))
    return replace(t, rms_m=rms, residuals_m=tuple(float(r) for r in residuals))


def fit_similarity(points: Sequence[ControlPoint], crs: str) -> PlanTransform:
    """Least-squares shift + rotation + uniform scale from 2+ control points.

    >>> t = fit_similarity([((0, 0), (100, 200)), ((10, 0), (100, 210))], "EPSG:4549")
    >>> round(t.rotation_deg, 6), round(t.scale, 6), round(t.rms_m, 9)
    (90.0, 1.0, 0.0)
    """
    src, dst = _points(points, 2)
    sc, dc = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - sc, dst - dc
    denom = float((s**2).sum())
    if denom <= 1e-18:
        raise GeoreferenceError("control points coincide in the plan")
    # x' = p·x − q·y, y' = q·x + p·y on centred coordinates.
    p = float((s[:, 0] * d[:, 0] + s[:, 1] * d[:, 1]).sum()) / denom
    q = float((s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()) / denom
    c = dc[0] - (p * sc[0] - q * sc[1])
    f = dc[1] - (q * sc[0] + p * sc[1])
    return _with_residuals(
        PlanTransform(p, -q, float(c), q, p, float(f), crs, "similarity"), src, dst
    )


def fit_affine(points: Sequence[ControlPoint], crs: str) -> PlanTransform:
    """Least-squares affine transform from 3+ control points (not all on one line)."""
    src, dst = _points(points, 3)
    sc, dc = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - sc, dst - dc
    if np.linalg.matrix_rank(s, tol=1e-9 * max(1.0, float(np.abs(s).max()))) < 2:
        raise GeoreferenceError("control points lie on one line; an affine fit needs a triangle")
    solution, *_ = np.linalg.lstsq(s, d, rcond=None)
    (a, d_), (b, e) = solution  # d = s @ [[a, d], [b, e]]
    c = dc[0] - (a * sc[0] + b * sc[1])
    f = dc[1] - (d_ * sc[0] + e * sc[1])
    t = PlanTransform(float(a), float(b), float(c), float(d_), float(e), float(f), crs, "affine")
    return _with_residuals(t, src, dst)


def _long_axis(rect: Polygon) -> float:
    """Direction in degrees of the longer side of a rotated rectangle."""
    coords = list(rect.exterior.coords)
    sides = [(coords[i], coords[i + 1]) for i in range(2)]
    lengths = [math.dist(a, b) for a, b in sides]
    k = 0 if lengths[0] >= lengths[1] else 1
    (x1, y1), (x2, y2) = sides[k]
    return math.degrees(math.atan2(y2 - y1, x2 - x1))


def fit_footprint(plan_outline: BaseGeometry, footprint: BaseGeometry, crs: str) -> PlanTransform:
    """Place a plan on its building footprint (projected CRS, metres) by a rigid fit.

    The minimum rotated rectangles of both are aligned (centre on centre, long side on long
    side), and so are the principal axes; of the four right-angle turns of each the one with the
    largest overlap (IoU) wins, ties going to the smallest rotation. ``rms_m`` is the misfit of
    the misfit area per metre of outline (a mean offset in metres).
    """
    if plan_outline.is_empty or footprint.is_empty or plan_outline.area <= 0 or footprint.area <= 0:
        raise GeoreferenceError("plan outline and footprint must be non-empty areas")
    plan_rect = plan_outline.minimum_rotated_rectangle
    foot_rect = footprint.minimum_rotated_rectangle
    if not isinstance(plan_rect, Polygon) or not isinstance(foot_rect, Polygon):
        raise GeoreferenceError("plan outline or footprint has no area")
    # Two ways to pair the shapes: the rectangles (centre on centre, long side on long side) and
    # the principal axes of area (centroid on centroid), which stay exact where a shape's
    # rectangle is ambiguous (an L whose rectangles of two orientations are nearly equal).
    pairings = [
        (_long_axis(foot_rect) - _long_axis(plan_rect), plan_rect.centroid, foot_rect.centroid),
        (
            _principal_angle(footprint) - _principal_angle(plan_outline),
            plan_outline.centroid,
            footprint.centroid,
        ),
    ]
    options: list[tuple[float, float, PlanTransform]] = []
    for base, pc, fc in pairings:
        for turn in range(4):
            rotation = (base + 90.0 * turn + 180.0) % 360.0 - 180.0
            r = math.radians(rotation)
            cos_r, sin_r = math.cos(r), math.sin(r)
            c = fc.x - (cos_r * pc.x - sin_r * pc.y)
            f = fc.y - (sin_r * pc.x + cos_r * pc.y)
            t = PlanTransform(cos_r, -sin_r, c, sin_r, cos_r, f, crs, "footprint")
            placed = t.apply(plan_outline)
            union = placed.union(footprint).area
            iou = placed.intersection(footprint).area / union if union else 0.0
            options.append((round(iou, 6), -round(abs(rotation), 6), t))
    iou, _, chosen = max(options, key=lambda o: (o[0], o[1]))
    return replace(chosen, iou=iou, rms_m=_mean_offset(chosen.apply(plan_outline), footprint))


def fit_outline(plan: FloorPlan) -> tuple[Polygon | MultiPolygon, str]:
    """The plan's shape to fit to the building footprint, and where it came from.

    The drawn floor outline when there is one; else the outer wall face traced from the wall
    line work (what the footprint shows); else, when the walls do not enclose the rooms, the
    rooms merged (inside the walls by their thickness: a looser fit). Tracing the walls is done
    here, on demand, because only a footprint fit needs it.
    """
    if plan.outline is not None:
        return plan.outline, plan.outline_source or OutlineSource.DRAWN
    rooms = [room.polygon for room in plan.rooms]
    if plan.wall_segments is not None:
        traced = outer_wall_outline(plan.wall_segments, rooms)
        if traced is not None:
            return traced, OutlineSource.OUTER_WALLS
    merged = shapely.union_all(np.asarray(rooms, dtype=object))
    if isinstance(merged, Polygon | MultiPolygon):
        return merged, OutlineSource.ROOMS_UNION
    parts = [p for p in shapely.get_parts(merged) if isinstance(p, Polygon)]
    return MultiPolygon(parts), OutlineSource.ROOMS_UNION


def _principal_angle(shape: BaseGeometry) -> float:
    """Direction (degrees) of the major principal axis of a polygon's area, from its triangles."""
    centroid = shape.centroid
    moved = affinity.translate(shape, -centroid.x, -centroid.y)
    sxx = syy = sxy = 0.0
    for tri in shapely.get_parts(shapely.delaunay_triangles(moved)):
        if not moved.contains(tri.representative_point()):
            continue
        (x1, y1), (x2, y2), (x3, y3) = list(tri.exterior.coords)[:3]
        area = tri.area
        sxx += area / 6.0 * (x1 * x1 + x2 * x2 + x3 * x3 + x1 * x2 + x2 * x3 + x3 * x1)
        syy += area / 6.0 * (y1 * y1 + y2 * y2 + y3 * y3 + y1 * y2 + y2 * y3 + y3 * y1)
        sxy += (
            area
            / 12.0
            * (
                2 * (x1 * y1 + x2 * y2 + x3 * y3)
                + x1 * y2
                + x2 * y1
                + x1 * y3
                + x3 * y1
                + x2 * y3
                + x3 * y2
            )
        )
    return math.degrees(0.5 * math.atan2(2 * sxy, sxx - syy))


def _mean_offset(placed: BaseGeometry, footprint: BaseGeometry) -> float:
    """Mean distance between the placed outline and the footprint: misfit area / perimeter."""
    perimeter = (placed.length + footprint.length) / 2.0
    return placed.symmetric_difference(footprint).area / perimeter if perimeter else 0.0
