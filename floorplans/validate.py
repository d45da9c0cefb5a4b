"""Checks on a built floor: overlaps, gaps, slivers, sizes, rooms outside the outline, area sums.

Findings are warnings with codes and the handle of the room concerned; none of them stops an
import, they tell the surveyor where to look. Thresholds are in plan metres.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.strtree import STRtree

from floorplans.codes import PlanCode
from floorplans.geometry import geometry_array
from floorplans.model import FloorPlan
from gis_app.report import ImportReport

__all__ = ["validate_floor"]

MIN_ROOM_M2 = 1.0
MAX_ROOM_M2 = 2000.0
GAP_MAX_M = 0.03
"""Rooms closer than this but not touching leave a gap no wall is that thin: a drawing slip."""
SLIVER_WIDTH_M = 0.2
"""Mean width (2·area/perimeter) below which a room is a sliver."""
OVERLAP_MIN_M2 = 0.01
OUTSIDE_TOLERANCE_M = 0.05
SUM_RATIO_MIN = 0.4
SUM_RATIO_MAX = 1.005


def validate_floor(plan: FloorPlan, report: ImportReport) -> None:
    """Report the floor's geometric problems (see module docstring)."""
    rooms = plan.rooms
    where = f"（{plan.name}）" if plan.name else ""
    polys = geometry_array([r.polygon for r in rooms])
    perimeters = shapely.length(polys)
    areas = shapely.area(polys)
    # The few rooms with a finding, picked for all rooms at once: the loop repeats each test.
    room_areas = np.fromiter((r.area_m2 for r in rooms), dtype=float, count=len(rooms))
    widths = np.divide(2 * areas, perimeters, out=np.full(len(rooms), np.inf), where=perimeters > 0)
    sliver = (room_areas >= 0) & (widths < SLIVER_WIDTH_M)
    flagged = np.flatnonzero((room_areas < MIN_ROOM_M2) | (room_areas > MAX_ROOM_M2) | sliver)
    for k in flagged.tolist():
        room, perimeter, polygon_area = rooms[k], float(perimeters[k]), float(areas[k])
        handle = room.handles[0] if room.handles else None
        if room.area_m2 < MIN_ROOM_M2:
            report.warning(
                PlanCode.ROOM_TOO_SMALL,
                f"房间面积 {room.area_m2:.2f} m² 过小（< {MIN_ROOM_M2:g} m²）{where}",
                handle,
                area_m2=round(room.area_m2, 4),
            )
        elif room.area_m2 > MAX_ROOM_M2:
            report.warning(
                PlanCode.ROOM_TOO_LARGE,
                f"房间面积 {room.area_m2:.2f} m² 过大（> {MAX_ROOM_M2:g} m²），"
                f"可能是楼层外轮廓或单位错误{where}",
                handle,
                area_m2=round(room.area_m2, 2),
            )
        if perimeter > 0 and room.area_m2 >= 0 and 2 * polygon_area / perimeter < SLIVER_WIDTH_M:
            report.warning(
                PlanCode.SLIVER_ROOM,
                f"房间平均宽度不足 {SLIVER_WIDTH_M * 100:.0f} cm，像是碎片或墙体{where}",
                handle,
                mean_width_m=round(2 * polygon_area / perimeter, 3),
            )

    if len(rooms) > 1:
        left, right = _near_pairs(polys)
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            a, b = rooms[i], rooms[j]
            overlap = a.polygon.intersection(b.polygon).area
            if overlap > OVERLAP_MIN_M2:
                report.warning(
                    PlanCode.ROOM_OVERLAP,
                    f"房间 {a.handles[0]} 与 {b.handles[0]} 重叠 {overlap:.2f} m²{where}",
                    a.handles[0],
                    other=b.handles[0],
                    overlap_m2=round(overlap, 4),
                )
                continue
            gap = a.polygon.distance(b.polygon)
            if 0 < gap < GAP_MAX_M:
                report.warning(
                    PlanCode.ROOM_GAP,
                    f"房间 {a.handles[0]} 与 {b.handles[0]} 之间有 {gap * 1000:.0f} mm 的缝隙"
                    f"（应共边或留出墙厚）{where}",
                    a.handles[0],
                    other=b.handles[0],
                    gap_m=round(gap, 4),
                )

    outline = plan.outline
    if outline is None or not rooms:
        return
    for room, covered in zip(rooms, _within_envelope(outline, polys).tolist(), strict=True):
        if not covered:
            outside = room.polygon.difference(outline).area
            report.warning(
                PlanCode.ROOM_OUTSIDE_OUTLINE,
                f"房间有 {outside:.2f} m² 位于楼层外轮廓之外{where}",
                room.handles[0],
                outside_m2=round(outside, 4),
            )
    total = sum(r.area_m2 for r in rooms)
    ratio = total / outline.area if outline.area else 0.0
    if not SUM_RATIO_MIN <= ratio <= SUM_RATIO_MAX:
        report.warning(
            PlanCode.AREA_SUM_MISMATCH,
            f"房间面积合计 {total:.2f} m² 为楼层外轮廓面积 {outline.area:.2f} m² 的 {ratio:.0%}"
            f"{'（超过外轮廓）' if ratio > 1 else '（可能缺少房间）'}{where}",
            total_m2=round(total, 2),
            outline_m2=round(outline.area, 2),
            ratio=round(ratio, 4),
        )


def _within_envelope(outline: Polygon | MultiPolygon, polys: np.ndarray) -> np.ndarray:
    """For each room, whether the outline grown by OUTSIDE_TOLERANCE_M covers it. A room the
    outline covers is inside what grows from it, 5 cm clear of its edge: only the other rooms
    are tested against the grown outline (a rectangular outline answers from its box)."""
    already = shapely.is_prepared(outline)
    shapely.prepare(outline)
    try:
        covered = shapely.covers(outline, polys)
    finally:
        if not already:
            shapely.destroy_prepared(outline)
    rest = np.flatnonzero(~covered)
    if len(rest):
        envelope = outline.buffer(OUTSIDE_TOLERANCE_M)
        shapely.prepare(envelope)
        covered[rest] = shapely.covers(envelope, polys[rest])
    return covered


def _near_pairs(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``i < j`` of rooms closer than GAP_MAX_M, as ``STRtree(polys).query(polys,
    predicate="dwithin", distance=GAP_MAX_M)`` finds them, in its order: its query by each
    room's box grown by the distance, then its prepared distance test on the pairs kept only
    (the tree's query prepares every room, to find most often the room itself alone)."""
    tree = STRtree(polys)
    # A diagonal of each grown box: the query looks at a geometry's box only, and a line is
    # made in a third of a box polygon's time. Empty rooms are not in the tree, nor asked about.
    diagonals = np.full(len(polys), None, dtype=object)
    filled = ~shapely.is_empty(polys)
    bounds = shapely.bounds(polys[filled])
    diagonals[filled] = shapely.linestrings(
        np.stack((bounds[:, :2] - GAP_MAX_M, bounds[:, 2:] + GAP_MAX_M), axis=1)
    )
    left, right = tree.query(diagonals)
    pairs = left < right  # each pair once, and not a room with itself
    left, right = left[pairs], right[pairs]
    if not len(left):
        return left, right
    testing = {id(g): g for g in polys[left].tolist()}.values()
    unprepared = [g for g in testing if not shapely.is_prepared(g)]
    shapely.prepare(unprepared)
    try:
        near = shapely.dwithin(polys[left], polys[right], GAP_MAX_M)
    finally:
        shapely.destroy_prepared(unprepared)
    return left[near], right[near]
