"""Room candidates: closed outlines and hatch loops turned into valid plan-metre polygons.

Each candidate carries its exact (analytic) area next to the densified polygon, so that areas
stay exact for arcs while topology (containment, overlap) runs on the polygon. Problems found
while closing and repairing rings go into the report with the entity handle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from itertools import chain

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

from floorplans.codes import PlanCode
from floorplans.geometry import ClosedRing
from floorplans.geometry import _segment_area
from floorplans.geometry import close_ring
from floorplans.geometry import densify_rings
from floorplans.geometry import ranges
from floorplans.primitives import HatchBoundary
from floorplans.primitives import LineWork
from floorplans.primitives import Outline
from gis_app.report import ImportReport

__all__ = [
    "Candidate",
    "RingTolerances",
    "hatch_candidates",
    "outline_candidates",
    "prepare_rings",
    "polyline_candidate",
    "closable_lines",
]

MIN_AREA_M2 = 1e-4
"""Below this a ring encloses nothing (a collapsed or zero-width outline)."""


@dataclass(frozen=True)
class RingTolerances:
    """Tolerances in plan metres, converted to drawing units with the unit factor."""

    factor: float
    coincide_m: float = 0.0005
    """Ends closer than this are the same point (closed by coordinates)."""
    close_gap_m: float = 0.05
    """Ends closer than this are a nearly closed outline: closed and reported as a fix."""
    sagitta_m: float = 0.001

    @property
    def coincide(self) -> float:
        return self.coincide_m / self.factor

    @property
    def close_gap(self) -> float:
        return self.close_gap_m / self.factor


@dataclass(slots=True)
class Candidate:
    """A polygon that may be a room, a hole or a floor outline."""

    polygon: Polygon | MultiPolygon
    """Plan metres, valid, without holes (holes are kept in ``holes``)."""
    area: float
    """Gross area of the outer boundary, m², exact for arcs."""
    layer: str
    handles: list[str]
    source: str
    """outline, hatch or linework."""
    holes: list[Candidate] = field(default_factory=list)
    group: str | None = None
    """Hatch handle shared by the separate parts of one hatch."""
    derived: bool = False

    @property
    def handle(self) -> str:
        return self.handles[0]


def _repair(
    polygon: Polygon, handle: str, report: ImportReport, valid: bool | None = None
) -> Polygon | MultiPolygon | None:
    """Make a ring polygon valid; self-intersections are repaired and reported as a fix."""
    if polygon.is_valid if valid is None else valid:
        return polygon
    reason = shapely.is_valid_reason(polygon)
    fixed = shapely.make_valid(polygon)
    parts = [g for g in shapely.get_parts(fixed) if isinstance(g, Polygon) and g.area > 0]
    if not parts:
        return None
    result: Polygon | MultiPolygon = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    report.fix(
        PlanCode.SELF_INTERSECTION,
        f"轮廓自相交，已修复（{reason}）；面积按修复后的多边形计算",
        handle,
        reason=reason,
        area_before_m2=round(abs(polygon.area), 4),
        area_after_m2=round(result.area, 4),
    )
    return result


Prepared = tuple[Polygon, float, bool]
"""A ring's densified polygon in plan metres with its area and validity, computed in bulk."""


def prepare_rings(rings: Sequence[ClosedRing | None], tol: RingTolerances) -> list[Prepared | None]:
    """:meth:`ClosedRing.polygon`, area and validity for many rings with a few array calls
    (one shapely constructor per ring cost more than the rest of a ring's checks)."""
    factor = tol.factor
    sagitta = tol.sagitta_m / factor if factor else 0.0
    present = [index for index, ring in enumerate(rings) if ring is not None]
    prepared: list[Prepared | None] = [None] * len(rings)
    points, sizes = densify_rings([rings[i].vertices for i in present], sagitta)
    enough = sizes >= 3
    if enough.any():
        flat = points[np.repeat(enough, sizes)] * factor
        which = np.repeat(np.arange(int(enough.sum())), sizes[enough])
        polygons = shapely.polygons(shapely.linearrings(flat, indices=which))
        areas = shapely.area(polygons).tolist()
        valid = shapely.is_valid(polygons).tolist()
        owners = [present[k] for k in np.flatnonzero(enough).tolist()]
        for k, index in enumerate(owners):
            prepared[index] = (polygons[k], areas[k], valid[k])
    for index, ring in enumerate(rings):
        if ring is not None and prepared[index] is None:
            raw = ring.polygon(factor, tol.sagitta_m)
            prepared[index] = (raw, raw.area, raw.is_valid)
    return prepared


def _ring_candidate(
    ring: ClosedRing,
    layer: str,
    handle: str,
    source: str,
    tol: RingTolerances,
    report: ImportReport,
    prepared: Prepared | None = None,
) -> Candidate | None:
    factor = tol.factor
    exact = ring.area * factor * factor
    if prepared is None:
        raw = ring.polygon(factor, tol.sagitta_m)
        prepared = (raw, raw.area, raw.is_valid)
    raw, raw_area, raw_valid = prepared
    if raw_area >= MIN_AREA_M2 or not raw_valid:
        polygon = _repair(raw, handle, report, raw_valid)
    else:
        polygon = raw
    area_now = raw_area if polygon is raw else (None if polygon is None else polygon.area)
    if polygon is None or area_now < MIN_AREA_M2:
        report.warning(
            PlanCode.ZERO_AREA, "闭合轮廓面积为零（退化或重叠的顶点），已忽略", handle, layer=layer
        )
        return None
    # The densified polygon differs from the exact ring only by the arc flattening; when a repair
    # changed more than that (a bow-tie), the repaired polygon's area is the truth.
    area = exact if abs(area_now - raw_area) <= 1e-6 * max(1.0, raw_area) else area_now
    return Candidate(_shell(polygon), area, layer, [handle], source)


def _shell(polygon: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    if isinstance(polygon, Polygon):
        if shapely.get_num_interior_rings(polygon) == 0:
            return polygon  # a ring's polygon: already its own shell
        return Polygon(polygon.exterior)
    return MultiPolygon([Polygon(p.exterior) for p in polygon.geoms])


def outline_candidates(
    outlines: Sequence[Outline],
    tol: RingTolerances,
    report: ImportReport,
    each: Callable[[Outline, Candidate | None], None] | None = None,
) -> list[Candidate | None]:
    """Candidates from closed outlines (flagged, or closed by coordinates: see the seam), their
    polygons made in bulk; ``each`` is called after every outline (the builder files each
    outline's findings under its layer).

    Rings well clear of every tolerance (most rooms, with arcs or without) are closed, measured
    and made into polygons as arrays (:func:`_plain_rings`); the others go through
    :func:`close_ring`.
    """
    plain = _plain_rings(outlines, tol)
    slow = [i for i, ready in enumerate(plain) if ready is None]
    rings: list[ClosedRing | None] = [None] * len(outlines)
    for i in slow:
        rings[i] = close_ring(outlines[i].vertices, True, tol.coincide, tol.close_gap)
    prepared = prepare_rings([rings[i] for i in slow], tol)
    slow_prepared: dict[int, Prepared | None] = dict(zip(slow, prepared, strict=True))
    result: list[Candidate | None] = []
    for index, outline in enumerate(outlines):
        ready = plain[index]
        cand = None
        if ready is not None:
            polygon, raw_area, raw_valid, exact = ready
            if raw_valid and raw_area >= MIN_AREA_M2:
                cand = Candidate(polygon, exact, outline.layer, [outline.handle], "outline")
            else:  # zero-area or self-intersecting: the general path repairs and reports it
                ring = close_ring(outline.vertices, True, tol.coincide, tol.close_gap)
                again = prepare_rings([ring], tol)[0]
                cand = _ring_candidate(
                    ring, outline.layer, outline.handle, "outline", tol, report, again
                )
        elif (ring := rings[index]) is None:
            report.warning(
                PlanCode.ZERO_AREA,
                "闭合轮廓不足三个不同的顶点，已忽略",
                outline.handle,
                layer=outline.layer,
            )
        else:
            cand = _ring_candidate(
                ring, outline.layer, outline.handle, "outline", tol, report, slow_prepared[index]
            )
        result.append(cand)
        if each is not None:
            each(outline, cand)
    return result


_EXACT_REACH = 2.0**26
"""Below this (drawing units from a ring's first vertex) shoelace products of integer coordinates
are exact in floats too, so integer test drawings measure as :func:`ring_area` measures them."""
Plain = tuple[Polygon, float, bool, float]
"""A plain ring's polygon (plan metres), its area and validity, and its exact area in m²."""


def _plain_rings(outlines: Sequence[Outline], tol: RingTolerances) -> list[Plain | None]:
    """What :func:`close_ring`, :func:`prepare_rings` and the exact area give for the outlines
    that need no judgement, computed as arrays; None for the others.

    A ring is plain when it has at least three vertices, finite coordinates and bulges, no two
    consecutive vertices within twice the coincidence tolerance (nothing to merge) and its ends
    either clearly apart (a flagged ring) or clearly together (closed by coordinates: the last
    vertex goes). The margins make the decisions those of ``math.hypot`` in :func:`close_ring`
    despite ``np.hypot`` rounding differently in the last bit. The shoelace terms are summed in
    vertex order, column by column, and the arcs' segments (:func:`_segment_area`, on the same
    coordinates relative to the first vertex) in vertex order too, so each area is bit for bit
    what :func:`ring_area` gives; rings with arcs are flattened by :func:`densify_rings`.
    """
    count = len(outlines)
    result: list[Plain | None] = [None] * count
    lengths = np.fromiter((len(o.vertices) for o in outlines), dtype=np.int64, count=count)
    if not count or lengths.sum() == 0:
        return result
    # Read as a flat run of floats (twice as fast as an array of tuples), then made rows again.
    flat = np.fromiter(
        chain.from_iterable(chain.from_iterable(o.vertices for o in outlines)), dtype=float
    )
    if len(flat) != 3 * lengths.sum():
        return result
    flat = flat.reshape(-1, 3)
    x, y, bulge = flat[:, 0], flat[:, 1], flat[:, 2]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    owner = np.repeat(np.arange(count), lengths)
    coincide = tol.coincide
    # Rings with a non-finite coordinate or bulge, a vertex so far from the first that integer
    # coordinates would multiply beyond float precision, or two consecutive vertices close together.
    reach = np.maximum(np.abs(x - x[starts][owner]), np.abs(y - y[starts][owner]))
    odd = ~np.isfinite(x) | ~np.isfinite(y) | ~np.isfinite(bulge) | ~(reach < _EXACT_REACH)
    bad = np.bincount(owner[odd], minlength=count) > 0
    same_ring = owner[1:] == owner[:-1]
    step = np.hypot(x[1:] - x[:-1], y[1:] - y[:-1])
    near = same_ring & ~(step > 2.0 * coincide)
    bad |= np.bincount(owner[:-1][near], minlength=count) > 0
    nonempty = lengths > 0
    first = np.where(nonempty, starts, 0)
    last = np.where(nonempty, starts + lengths - 1, 0)
    gap = np.hypot(x[last] - x[first], y[last] - y[first])
    drop_last = gap <= 0.5 * coincide
    keep = lengths - drop_last
    ok = nonempty & ~bad & (drop_last | (gap > 2.0 * coincide)) & (keep >= 3)
    rings = np.flatnonzero(ok)
    if not len(rings):
        return result
    kept = keep[rings]
    vertex = np.repeat(starts[rings], kept) + ranges(kept)
    ring_of = np.repeat(np.arange(len(rings)), kept)
    following = vertex + 1
    ends = np.cumsum(kept) - 1
    following[ends] = starts[rings]  # the last kept vertex closes on the first
    ox, oy = x[starts[rings]][ring_of], y[starts[rings]][ring_of]
    x1, y1 = x[vertex] - ox, y[vertex] - oy
    x2, y2 = x[following] - ox, y[following] - oy
    terms = x1 * y2 - x2 * y1
    # The arcs' segments, added up in vertex order as signed_ring_area adds them (its 0.0 for a
    # straight segment changes no sum that starts at 0.0).
    arcs = np.zeros(len(rings))
    arcked = np.flatnonzero(bulge[vertex] != 0.0)
    segments = zip(
        ring_of[arcked].tolist(),
        *(v[arcked].tolist() for v in (x1, y1, x2, y2)),
        bulge[vertex][arcked].tolist(),
        strict=True,
    )
    for ring, *segment in segments:
        arcs[ring] += _segment_area(*segment)
    twice = np.zeros(len(rings))
    offsets = np.cumsum(kept) - kept
    # Not np.unique: its first call imports numpy.ma (~5 ms), which nothing else here needs.
    for size in set(kept.tolist()):
        group = np.flatnonzero(kept == size)
        columns = terms[offsets[group][:, None] + np.arange(size)]
        total = np.zeros(len(group))
        for column in range(size):
            total += columns[:, column]
        twice[group] = total
    factor = tol.factor
    exact = (np.abs(twice / 2.0 + arcs) * factor * factor).tolist()
    coords = np.column_stack((x[vertex], y[vertex]))
    if len(arcked):  # the rings with arcs take their flattened points instead of their vertices
        curved = np.zeros(len(rings), dtype=bool)
        curved[ring_of[arcked]] = True
        which = np.flatnonzero(curved)
        sagitta = tol.sagitta_m / factor if factor else 0.0
        counts = zip(rings[which].tolist(), kept[which].tolist(), strict=True)
        flattened, sizes = densify_rings([outlines[i].vertices[:k] for i, k in counts], sagitta)
        straight = coords[~curved[ring_of]]
        kept = kept.copy()
        kept[which] = sizes
        ring_of = np.repeat(np.arange(len(rings)), kept)
        coords = np.empty((len(ring_of), 2))
        coords[curved[ring_of]] = flattened
        coords[~curved[ring_of]] = straight
        del flattened, straight  # a 200 MB drawing's are ~60 MB: not kept while GEOS copies
    coords *= factor  # in place: the points of a 200 MB drawing are ~45 MB
    polygons = shapely.polygons(shapely.linearrings(coords, indices=ring_of))
    areas = shapely.area(polygons).tolist()
    # Most rooms are axis-parallel rectangles, valid as drawn: GEOS checks only the others.
    valid = _rectangles(coords, kept)
    others = np.flatnonzero(~valid)
    valid[others] = shapely.is_valid(polygons[others])
    valid = valid.tolist()
    made = zip(rings.tolist(), polygons.tolist(), areas, valid, exact, strict=True)
    for index, polygon, area, is_valid, exact_area in made:
        result[index] = (polygon, area, is_valid, exact_area)
    return result


def _rectangles(coords: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For rings given as runs of ``sizes`` rows of ``coords`` (not closed), True for a ring of
    four vertices that is an axis-parallel rectangle of non-zero width and height."""
    result = np.zeros(len(sizes), dtype=bool)
    four = np.flatnonzero(sizes == 4)
    if not len(four):
        return result
    corners = coords[(np.cumsum(sizes) - sizes)[four][:, None] + np.arange(4)]
    x, y = corners[:, :, 0], corners[:, :, 1]
    across = (
        (x[:, 0] == x[:, 1]) & (y[:, 1] == y[:, 2]) & (x[:, 2] == x[:, 3]) & (y[:, 3] == y[:, 0])
    )
    along = (
        (y[:, 0] == y[:, 1]) & (x[:, 1] == x[:, 2]) & (y[:, 2] == y[:, 3]) & (x[:, 3] == x[:, 0])
    )
    result[four] = (across | along) & (x[:, 0] != x[:, 2]) & (y[:, 0] != y[:, 2])
    return result


def closable_lines(lines: Sequence[LineWork], tol: RingTolerances) -> Iterator[LineWork]:
    """The lines :func:`polyline_candidate` may close or report: not the two-point lines it
    leaves alone, straight segments (most wall lines) and arcs whose ends are far apart (door
    swings). Tens of thousands of lines, so the test is inlined."""
    close_gap, coincide, hypot = tol.close_gap, tol.coincide, math.hypot
    for line in lines:
        vertices = line.vertices
        if len(vertices) == 2:
            start, end = vertices  # (x, y, bulge) each
            # A closing bulge on the last vertex closes even a two-point line.
            if not end[2] and (
                not start[2]
                or (d := hypot(end[0] - start[0], end[1] - start[1])) > close_gap
                and d > coincide
            ):
                continue
        yield line


def polyline_candidate(
    line: LineWork, tol: RingTolerances, report: ImportReport
) -> Candidate | None:
    """A candidate from an open polyline on a room layer that nearly closes.

    Ends within ``close_gap`` (or a closing bulge on the last vertex, which some writers leave
    when they drop the closed flag) are closed and reported as a fix; a polyline that clearly
    tries to enclose a room but stays open is reported as ``UNCLOSED_OUTLINE`` and not used.
    """
    ring = close_ring(line.vertices, False, tol.coincide, tol.close_gap)
    if ring is None:
        _report_open(line, tol, report)
        return None
    if ring.closure == "gap":
        report.fix(
            PlanCode.OUTLINE_CLOSED,
            f"轮廓未闭合（端点相距 {ring.gap * tol.factor * 1000:.0f} mm），已自动闭合",
            line.handle,
            gap_m=round(ring.gap * tol.factor, 4),
            layer=line.layer,
        )
    elif ring.closure == "bulge":
        report.fix(
            PlanCode.OUTLINE_CLOSED,
            "多段线未标记闭合，但末顶点带有闭合圆弧（凸度），按闭合轮廓处理",
            line.handle,
            gap_m=0.0,
            layer=line.layer,
        )
    return _ring_candidate(ring, line.layer, line.handle, "outline", tol, report)


UNCLOSED_GAP_MAX_M = 1.0
UNCLOSED_GAP_SHARE = 0.1


def _report_open(line: LineWork, tol: RingTolerances, report: ImportReport) -> None:
    """Warn about an open polyline that looks like a room outline (a small gap, many vertices)."""
    pts = line.vertices
    if len(pts) < 4:
        return
    length = sum(math.dist(a[:2], b[:2]) for a, b in zip(pts, pts[1:], strict=False))
    gap = math.dist(pts[0][:2], pts[-1][:2])
    gap_m = gap * tol.factor
    if length > 0 and gap_m <= UNCLOSED_GAP_MAX_M and gap <= UNCLOSED_GAP_SHARE * length:
        report.warning(
            PlanCode.UNCLOSED_OUTLINE,
            f"房间图层上的多段线未闭合（端点相距 {gap_m * 1000:.0f} mm），不能作为房间",
            line.handle,
            gap_m=round(gap_m, 4),
            layer=line.layer,
        )


def hatch_candidates(
    hatch: HatchBoundary, tol: RingTolerances, report: ImportReport
) -> list[Candidate]:
    """Outer areas of a hatch, each with the loops inside it as holes.

    Loops are sorted by containment depth (even = area, odd = hole), so a hatch of several
    separate areas gives several candidates sharing ``group`` rather than one polygon whose
    other parts became holes (the GDAL #13230 mistake).
    """
    loops: list[Candidate] = []
    for index, vertices in enumerate(hatch.loops):
        ring = close_ring(vertices, True, tol.coincide, tol.close_gap)
        if ring is None:
            report.warning(
                PlanCode.UNCLOSED_OUTLINE,
                f"填充边界第 {index + 1} 个环不足三个点，已忽略",
                hatch.handle,
            )
            continue
        cand = _ring_candidate(ring, hatch.layer, hatch.handle, "hatch", tol, report)
        if cand is not None:
            loops.append(cand)
    if not loops:
        return []
    depth = [0] * len(loops)
    parent: list[int | None] = [None] * len(loops)
    for i, inner in enumerate(loops):
        point = inner.polygon.representative_point()
        best: int | None = None
        for j, outer in enumerate(loops):
            if i != j and outer.area > inner.area and outer.polygon.contains(point):
                depth[i] += 1
                if best is None or outer.area < loops[best].area:
                    best = j
        parent[i] = best
    outers = [i for i in range(len(loops)) if depth[i] % 2 == 0]
    for i in range(len(loops)):
        if depth[i] % 2 == 1 and parent[i] is not None:
            loops[parent[i]].holes.append(loops[i])
    result = [loops[i] for i in outers]
    if len(result) > 1:
        for cand in result:
            cand.group = hatch.handle
    return result


def covers_mostly(outer: np.ndarray, inner: np.ndarray, share: float = 0.95) -> np.ndarray:
    """For pairs of geometries (two arrays), True where at least ``share`` of ``inner`` lies
    inside ``outer``.

    Where ``outer`` covers ``inner`` the overlap is ``inner`` itself, so only the other pairs
    need the overlay (prepared outers make the cover test cheap: one outline holds every room).
    """
    inner_area = shapely.area(inner)
    positive = inner_area > 0
    holders = list({id(g): g for g in outer.tolist()}.values())
    shapely.prepare(holders)
    try:
        result = shapely.covers(outer, inner) & positive
    finally:
        shapely.destroy_prepared(holders)
    rest = np.flatnonzero(~result & positive)
    if len(rest):
        overlap = shapely.area(shapely.intersection(outer[rest], inner[rest]))
        result[rest] = overlap >= share * inner_area[rest]
    return result
