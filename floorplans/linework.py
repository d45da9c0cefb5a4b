"""Rooms from wall line work, like AutoCAD's BOUNDARY with a gap tolerance.

Architects' drawings often have no room outlines at all, only walls. The lines are noded,
small gaps are closed (a dangling end snaps to the nearest line within a few centimetres),
door and window openings are bridged (a wall face that stops and resumes on the same line
within a door width is joined across the opening), and the faces of the resulting planar graph
become rooms. Faces that are walls (thin), door swings (tiny) or frames around everything are
dropped. The rooms are marked ``derived`` for the surveyor to confirm.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from collections.abc import Sequence
from itertools import chain

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.ops import nearest_points
from shapely.strtree import STRtree

from floorplans.geometry import arc_points
from floorplans.geometry import geometry_array
from floorplans.primitives import Drawing
from floorplans.primitives import Vertex
from floorplans.rings import Candidate
from floorplans.rings import RingTolerances

__all__ = [
    "LineworkSettings",
    "OuterWallSettings",
    "outer_wall_outline",
    "polygonize_walls",
    "rooms_from_linework",
    "segments_near",
    "wall_segments",
]

_NOT_WALL_LAYER = re.compile(
    r"text|文字|dim|标注|尺寸|axis|轴|grid|furn|家具|家俱|door|门|hatch|填充|pattern|symbol|符号|"
    r"title|图框|图签|frame|border|defpoints|viewport|equip|fixture|洁具|light|灯|plumb|elec",
    re.IGNORECASE,
)


MIN_LABELLED_ROOM_M2 = 0.5


class LineworkSettings:
    """Tolerances in plan metres."""

    snap_m = 0.05
    """A dangling end within this distance of another line is joined to it."""
    door_max_m = 2.1
    """Widest opening (double door, window) bridged along a wall face."""
    angle_tol_deg = 2.0
    min_room_m2 = 1.5
    """Smaller faces are door swings, shafts or symbols."""
    min_width_m = 0.6
    """Faces with a mean width (2·area/perimeter) below this are walls."""
    max_room_m2 = 5000.0


def rooms_from_linework(
    drawing: Drawing,
    layers: set[str] | None,
    label_points: Sequence[Point],
    tol: RingTolerances,
) -> list[Candidate]:
    """Room candidates from the line work on ``layers`` (None: every layer that may hold walls)."""
    lines: list[LineString] = []
    meta: list[tuple[str, str]] = []
    factor = tol.factor
    sagitta = tol.sagitta_m / factor

    def wanted(layer: str) -> bool:
        return layer in layers if layers is not None else not _NOT_WALL_LAYER.search(layer)

    for item in drawing.linework:
        if wanted(item.layer):
            for line in _lines(item.vertices, False, sagitta, factor):
                lines.append(line)
                meta.append((item.layer, item.handle))
    for outline in drawing.outlines:
        if wanted(outline.layer):
            for line in _lines(outline.vertices, True, sagitta, factor):
                lines.append(line)
                meta.append((outline.layer, outline.handle))
    if not lines:
        return []
    faces = polygonize_walls(lines)
    faces = _keep_rooms(faces, label_points)
    if not faces:
        return []
    tree = STRtree(lines)
    out: list[Candidate] = []
    for face in faces:
        touching = tree.query(
            face.exterior, predicate="dwithin", distance=LineworkSettings.snap_m
        ).tolist()
        handles = list(dict.fromkeys(meta[i][1] for i in sorted(touching)))
        layer = Counter(meta[i][0] for i in touching).most_common(1)[0][0] if touching else ""
        holes = [
            Candidate(
                Polygon(ring), Polygon(ring).area, layer, handles[:1], "linework", derived=True
            )
            for ring in face.interiors
        ]
        shell = Polygon(face.exterior)
        out.append(
            Candidate(shell, shell.area, layer, handles or ["?"], "linework", holes, derived=True)
        )
    return out


def _lines(
    vertices: Sequence[Vertex], closed: bool, sagitta: float, factor: float
) -> Iterable[LineString]:
    pts = _flattened(vertices, closed, sagitta)
    scaled = [(x * factor, y * factor) for x, y in pts]
    if len(scaled) >= 2 and any(p != scaled[0] for p in scaled[1:]):
        yield LineString(scaled)


def _flattened(
    vertices: Sequence[Vertex], closed: bool, sagitta: float
) -> list[tuple[float, float]]:
    """The points of a polyline, arcs flattened, the first repeated at the end when closed."""
    if not any(v[2] for v in vertices):
        pts = [(v[0], v[1]) for v in vertices]
    else:
        pts = []
        n = len(vertices)
        last = n if closed else n - 1
        for i in range(n):
            x1, y1, b = vertices[i]
            pts.append((x1, y1))
            if i < last and b:
                x2, y2, _ = vertices[(i + 1) % n]
                pts.extend(arc_points(x1, y1, x2, y2, b, sagitta))
    if closed and pts:
        pts.append(pts[0])
    return pts


def polygonize_walls(lines: Sequence[LineString]) -> list[Polygon]:
    """Faces of the wall graph after closing small gaps and bridging openings (plan metres)."""
    settings = LineworkSettings
    noded = shapely.union_all(list(lines))
    parts = [g for g in shapely.get_parts(noded) if isinstance(g, LineString) and g.length > 0]
    if not parts:
        return []
    extra = _snap_dangles(parts, settings.snap_m)
    extra += _bridge_openings(parts, settings)
    graph = shapely.union_all(parts + extra) if extra else noded
    return [
        p for p in shapely.get_parts(shapely.polygonize(shapely.get_parts(graph))) if p.area > 0
    ]


def _vertex_ids(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points that round to the same 0.01 mm are one vertex: an id per point, and each vertex's
    rounded coordinates (plan metres)."""
    keys = np.round(points * 1e5).astype(np.int64)
    unique, ids = np.unique(keys, axis=0, return_inverse=True)
    return ids.reshape(-1), unique / 1e5


def _snap_dangles(parts: list[LineString], snap: float) -> list[LineString]:
    """Join ends that touch nothing to the nearest other line within ``snap``."""
    geoms = np.asarray(parts, dtype=object)
    # Both ends of every line, in line order (start, end, start, end, ...).
    ends = np.stack(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ],
        axis=1,
    ).reshape(-1, 2)
    ids, _ = _vertex_ids(ends)
    dangling = np.bincount(ids)[ids] == 1
    if not dangling.any():
        return []
    dangles = ends[dangling]
    owner = np.repeat(np.arange(len(parts)), 2)[dangling]
    points = shapely.points(dangles)
    tree = STRtree(geoms)
    p_idx, l_idx = tree.query(points, predicate="dwithin", distance=snap)
    keep = owner[p_idx] != l_idx
    p_idx, l_idx = p_idx[keep], l_idx[keep]
    if not len(p_idx):
        return []
    dist = shapely.distance(points[p_idx], geoms[l_idx])
    best: dict[int, tuple[float, int]] = {}
    for p, line, d in zip(p_idx.tolist(), l_idx.tolist(), dist.tolist(), strict=True):
        if d > 0 and (p not in best or d < best[p][0]):
            best[p] = (d, line)
    extra: list[LineString] = []
    for p, (_, line) in sorted(best.items()):
        target = nearest_points(points[p], parts[line])[1]
        extra.append(LineString([tuple(dangles[p]), (target.x, target.y)]))
    return extra


class _Directions:
    """The directions of the segments leaving each vertex, to ask "does a face go on from
    here in this direction?" for many vertices at once."""

    def __init__(self, vertex: np.ndarray, direction: np.ndarray, cos_tol: float) -> None:
        order = np.argsort(vertex, kind="stable")
        self.direction = direction[order]
        self.count = np.bincount(vertex, minlength=int(vertex.max()) + 1)
        self.first = np.concatenate([[0], np.cumsum(self.count)[:-1]])
        self.cos_tol = cos_tol

    def continues(self, vertex: np.ndarray, direction: np.ndarray) -> np.ndarray:
        found = np.zeros(len(vertex), dtype=bool)
        count = self.count[vertex]
        for k in range(int(count.max()) if len(count) else 0):
            has = count > k
            other = self.direction[self.first[vertex[has]] + k]
            found[has] |= np.einsum("ij,ij->i", other, direction[has]) > self.cos_tol
        return found


def _bridge_openings(parts: list[LineString], settings: type[LineworkSettings]) -> list[LineString]:
    """Join a wall face across a door/window opening where it resumes on the same line.

    From every place where a straight face stops (nothing continues in its direction) a ray is
    cast up to a door width; the nearest vertex on that ray from which a segment continues in
    the same direction is where the face resumes, and the opening between them is bridged.
    """
    coords, line = shapely.get_coordinates(np.asarray(parts, dtype=object), return_index=True)
    same_line = line[:-1] == line[1:]
    a, b = coords[:-1][same_line], coords[1:][same_line]
    length = np.hypot(*(b - a).T)
    a, b, length = a[length > 0], b[length > 0], length[length > 0]
    if not len(a):
        return []
    d = (b - a) / length[:, None]
    ids, vertex_pts = _vertex_ids(np.concatenate([a, b]))
    id_a, id_b = ids[: len(a)], ids[len(a) :]
    # Every segment leaves b forwards and a backwards: those are the ends a face may stop at.
    end_pts = np.stack([b, a], axis=1).reshape(-1, 2)
    end_ids = np.stack([id_b, id_a], axis=1).reshape(-1)
    end_dirs = np.stack([d, -d], axis=1).reshape(-1, 2)
    leaving = _Directions(
        np.concatenate([id_a, id_b]),
        np.concatenate([d, -d]),
        math.cos(math.radians(settings.angle_tol_deg)),
    )
    stop = ~leaving.continues(end_ids, end_dirs)
    if not stop.any():
        return []
    start, direction = end_pts[stop], end_dirs[stop]
    vertex_tree = STRtree(shapely.points(vertex_pts))
    rays = shapely.linestrings(
        np.stack(
            [start + direction * settings.snap_m, start + direction * settings.door_max_m], axis=1
        )
    )
    r_idx, v_idx = vertex_tree.query(rays, predicate="dwithin", distance=settings.snap_m * 0.5)
    resumes = leaving.continues(v_idx, direction[r_idx])
    r_idx, v_idx = r_idx[resumes], v_idx[resumes]
    t = np.einsum("ij,ij->i", vertex_pts[v_idx] - start[r_idx], direction[r_idx])
    # The nearest resuming vertex of each ray (the first found among equals).
    order = np.lexsort((np.arange(len(t)), t, r_idx))
    first = np.ones(len(order), dtype=bool)
    first[1:] = r_idx[order][1:] != r_idx[order][:-1]
    seen: set[tuple[int, int]] = set()
    chosen: list[tuple[int, int]] = []
    stop_ids = end_ids[stop]
    for r, v in zip(r_idx[order][first].tolist(), v_idx[order][first].tolist(), strict=True):
        p = int(stop_ids[r])
        pair = (p, v) if p < v else (v, p)
        if pair in seen:
            continue
        seen.add(pair)
        chosen.append((r, v))
    if not chosen:
        return []
    rs, vs = np.asarray(chosen).T
    bridges = shapely.linestrings(np.stack([start[rs], vertex_pts[vs]], axis=1))
    # Skip where something already runs along the opening (then it is not an opening).
    middles = shapely.line_interpolate_point(bridges, 0.5, normalized=True)
    covered = set(
        STRtree(parts)
        .query(middles, predicate="dwithin", distance=settings.snap_m * 0.2)[0]
        .tolist()
    )
    return [b for k, b in enumerate(bridges.tolist()) if k not in covered]


def _keep_rooms(faces: list[Polygon], label_points: Sequence[Point]) -> list[Polygon]:
    """Drop faces that are walls, door swings, tiny symbols or frames around the whole plan."""
    settings = LineworkSettings
    labelled: set[int] = set()
    if faces and label_points:
        _, hit = STRtree(faces).query(list(label_points), predicate="within")
        labelled = set(hit.tolist())
    kept: list[Polygon] = []
    for index, face in enumerate(faces):
        shell = Polygon(face.exterior)
        area = shell.area
        # A labelled face may be a small room (a WC, a shaft); unlabelled small faces are swings.
        smallest = MIN_LABELLED_ROOM_M2 if index in labelled else settings.min_room_m2
        if area < smallest or area > settings.max_room_m2:
            continue
        if 2 * face.area / face.length < settings.min_width_m:
            continue
        if face.interiors and sum(Polygon(r).area for r in face.interiors) >= 0.5 * area:
            continue
        kept.append(face)
    return kept


# ---------------------------------------------------------------------------------------------
# The floor's outer outline from its walls (for fitting the plan to the building footprint)


class OuterWallSettings:
    """Tolerances in plan metres for tracing a floor's outer wall face."""

    reach_m = 3.0
    """Wall lines farther than this from the floor's rooms belong to something else (a frame,
    another floor of the sheet) and are cut off."""
    probe_m = 1.0
    """A line with a room within this distance on both sides is an inner wall (or a room edge
    facing another room) and cannot be on the outer face."""
    min_rooms_held = 0.98
    """Share of the rooms' area the traced outline must hold."""
    min_fill = 0.5
    """Least rooms' area / outline area: below it the trace caught a frame or a site plan."""
    held_tolerance_m = 0.05
    simplify_m = 0.02
    min_on_walls = 0.5
    """Least share of the outline that must run along wall lines (else rooms' edges made it)."""


def wall_segments(drawing: Drawing, room_layers: set[str], tol: RingTolerances) -> np.ndarray:
    """Straight segments ``(n, 2, 2)`` in plan metres of the drawing's possible walls.

    Open line work on any layer that may hold walls (or on a room layer: walls a profile put
    there), and closed rings on wall layers that are not room layers (an outer wall drawn as a
    closed polyline, a double-line wall). Arcs are flattened. A compact array, not shapely
    objects: the floors keep it until a footprint fit may need it.
    """
    wall_layer: dict[str, bool] = {}

    def is_wall(layer: str) -> bool:
        if layer not in wall_layer:
            wall_layer[layer] = not _NOT_WALL_LAYER.search(layer)
        return wall_layer[layer]

    lines = [w.vertices for w in drawing.linework if w.layer in room_layers or is_wall(w.layer)]
    rings = [
        o.vertices for o in drawing.outlines if o.layer not in room_layers and is_wall(o.layer)
    ]
    items = lines + rings
    sizes = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    if sizes.sum() < 2:
        return np.empty((0, 2, 2))
    vertices = np.array(list(chain.from_iterable(items)), dtype=float).reshape(-1, 3)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    item = np.repeat(np.arange(len(items)), sizes)
    # Each vertex to the next of its polyline, and a ring's last vertex back to its first.
    start = np.flatnonzero(item[:-1] == item[1:])
    end = start + 1
    ring_ids = np.arange(len(lines), len(items))[sizes[len(lines) :] > 1]
    start = np.concatenate([start, first[ring_ids] + sizes[ring_ids] - 1])
    end = np.concatenate([end, first[ring_ids]])
    straight = vertices[start, 2] == 0
    segments = [np.stack([vertices[start[straight], :2], vertices[end[straight], :2]], axis=1)]
    sagitta = tol.sagitta_m / tol.factor
    for a, b in zip(start[~straight].tolist(), end[~straight].tolist(), strict=True):
        (x1, y1, bulge), (x2, y2) = vertices[a], vertices[b, :2]
        points = [(x1, y1), *arc_points(x1, y1, x2, y2, bulge, sagitta), (x2, y2)]
        segments.append(np.stack([points[:-1], points[1:]], axis=1))
    out = np.concatenate(segments) * tol.factor
    return out[np.any(out[:, 0] != out[:, 1], axis=1)]


def segments_near(segments: np.ndarray, rooms: Sequence[Polygon | MultiPolygon]) -> np.ndarray:
    """The segments reaching into the rooms' bounds widened by ``OuterWallSettings.reach_m``."""
    if not len(segments) or not rooms:
        return segments[:0]
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(list(rooms), dtype=object))
    reach = OuterWallSettings.reach_m
    xs, ys = segments[:, :, 0], segments[:, :, 1]
    near = (
        (xs.max(axis=1) >= xmin - reach)
        & (xs.min(axis=1) <= xmax + reach)
        & (ys.max(axis=1) >= ymin - reach)
        & (ys.min(axis=1) <= ymax + reach)
    )
    return segments[near]


def outer_wall_outline(
    segments: np.ndarray, rooms: Sequence[Polygon | MultiPolygon]
) -> Polygon | MultiPolygon | None:
    """The outer face of the walls around ``rooms``, or None when the walls do not enclose them.

    Inner walls and room edges facing other rooms are left out first (a probe across each
    segment finds rooms on both sides), so only the perimeter is noded and polygonised, with
    :func:`polygonize_walls`' gap closing and door bridging. The faces' shells are merged; the
    parts holding rooms, holes dropped, are the outline. It is accepted only when it holds
    about all of the rooms' area and is not absurdly larger than they are.
    """
    settings = OuterWallSettings
    if not len(segments) or not rooms:
        return None
    room_array = geometry_array(rooms)
    walls = _clipped(segments, shapely.total_bounds(room_array), settings.reach_m)
    # Arcs are flattened finely; a few centimetres are plenty for an outline to fit by.
    coarse = shapely.simplify(room_array, settings.simplify_m)
    coords, ring = shapely.get_coordinates(
        shapely.get_exterior_ring(shapely.get_parts(coarse)), return_index=True
    )
    same_ring = ring[:-1] == ring[1:]
    edges = np.stack([coords[:-1][same_ring], coords[1:][same_ring]], axis=1)
    candidates = np.concatenate([walls, edges])
    outside = _faces_outside(candidates, coarse, settings.probe_m)
    outer_walls = walls[outside[: len(walls)]]
    candidates = candidates[outside]
    if not len(outer_walls):
        return None
    faces = polygonize_walls(list(shapely.linestrings(candidates)))
    if not faces:
        return None
    shells = shapely.polygons(shapely.get_exterior_ring(np.asarray(faces, dtype=object)))
    merged = shapely.get_parts(shapely.union_all(shells))
    points = shapely.point_on_surface(room_array)
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    parts = [
        Polygon(part.exterior)
        for part in merged
        if isinstance(part, Polygon) and shapely.contains_xy(part, xs, ys).any()
    ]
    if not parts:
        return None
    outline: Polygon | MultiPolygon = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    room_areas = shapely.area(room_array)
    total = float(room_areas.sum())
    envelope = outline.buffer(settings.held_tolerance_m)
    shapely.prepare(envelope)
    held = float(room_areas[shapely.covers(envelope, room_array)].sum())
    if total <= 0 or held < settings.min_rooms_held * total:
        return None
    if total < settings.min_fill * outline.area:
        return None
    if _share_on(outline, outer_walls) < settings.min_on_walls:
        return None  # the rooms' own edges closed it, not the walls
    return outline


def _share_on(outline: Polygon | MultiPolygon, segments: np.ndarray) -> float:
    """The share of the outline's boundary that runs along ``segments`` (sampled)."""
    boundary = shapely.line_merge(outline.boundary)
    length = boundary.length
    if length <= 0:
        return 0.0
    step = max(0.25, length / 2000.0)
    points = shapely.line_interpolate_point(boundary, np.arange(step / 2, length, step))
    near, _ = STRtree(shapely.linestrings(segments)).query(
        points, predicate="dwithin", distance=LineworkSettings.snap_m
    )
    return len(set(near.tolist())) / len(points)  # not np.unique: it would import numpy.ma


def _clipped(segments: np.ndarray, bounds: np.ndarray, reach: float) -> np.ndarray:
    """The segments cut to the rooms' bounds widened by ``reach`` (a frame's sides fall away)."""
    xmin, ymin, xmax, ymax = (
        bounds[0] - reach,
        bounds[1] - reach,
        bounds[2] + reach,
        bounds[3] + reach,
    )
    xs, ys = segments[:, :, 0], segments[:, :, 1]
    lo_x, hi_x, lo_y, hi_y = xs.min(axis=1), xs.max(axis=1), ys.min(axis=1), ys.max(axis=1)
    inside = (lo_x >= xmin) & (hi_x <= xmax) & (lo_y >= ymin) & (hi_y <= ymax)
    crossing = ~inside & (hi_x >= xmin) & (lo_x <= xmax) & (hi_y >= ymin) & (lo_y <= ymax)
    cut = shapely.clip_by_rect(shapely.linestrings(segments[crossing]), xmin, ymin, xmax, ymax)
    cut = cut[(shapely.get_type_id(cut) == 1) & (shapely.length(cut) > 0)]
    ends = np.stack(
        [
            shapely.get_coordinates(shapely.get_point(cut, 0)),
            shapely.get_coordinates(shapely.get_point(cut, -1)),
        ],
        axis=1,
    ).reshape(-1, 2, 2)
    return np.concatenate([segments[inside], ends])


def _faces_outside(segments: np.ndarray, rooms: np.ndarray, probe: float) -> np.ndarray:
    """Which segments have no room within ``probe`` on at least one side (at their middle)."""
    a, b = segments[:, 0], segments[:, 1]
    middle = (a + b) / 2.0
    along = b - a
    length = np.hypot(along[:, 0], along[:, 1])
    length[length == 0] = 1.0
    normal = np.column_stack([-along[:, 1], along[:, 0]]) / length[:, None]
    start = 0.02  # clear of the segment itself and of a room edge it lies on
    tree = STRtree(rooms)
    blocked = np.ones(len(segments), dtype=bool)
    for side in (1.0, -1.0):
        probes = shapely.linestrings(
            np.stack([middle + side * start * normal, middle + side * probe * normal], axis=1)
        )
        hit, _ = tree.query(probes, predicate="intersects")
        this_side = np.zeros(len(segments), dtype=bool)
        this_side[hit] = True
        blocked &= this_side
    return ~blocked
