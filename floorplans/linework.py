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
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.ops import nearest_points
from shapely.strtree import STRtree

from floorplans.geometry import arc_points
from floorplans.primitives import Drawing
from floorplans.primitives import Vertex
from floorplans.rings import Candidate
from floorplans.rings import RingTolerances

__all__ = ["LineworkSettings", "polygonize_walls", "rooms_from_linework"]

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
    pts: list[tuple[float, float]] = []
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
    scaled = [(x * factor, y * factor) for x, y in pts]
    if len(scaled) >= 2 and any(p != scaled[0] for p in scaled[1:]):
        yield LineString(scaled)


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


def _key(x: float, y: float) -> tuple[int, int]:
    return (round(x * 1e5), round(y * 1e5))


def _snap_dangles(parts: list[LineString], snap: float) -> list[LineString]:
    """Join ends that touch nothing to the nearest other line within ``snap``."""
    degree: Counter[tuple[int, int]] = Counter()
    for line in parts:
        c = line.coords
        degree[_key(*c[0])] += 1
        degree[_key(*c[-1])] += 1
    dangles: list[tuple[float, float]] = []
    owner: list[int] = []
    for index, line in enumerate(parts):
        coords = line.coords
        for end in (coords[0], coords[-1]):
            if degree[_key(*end)] == 1:
                dangles.append(end)
                owner.append(index)
    if not dangles:
        return []
    points = shapely.points(np.asarray(dangles))
    tree = STRtree(parts)
    p_idx, l_idx = tree.query(points, predicate="dwithin", distance=snap)
    keep = np.asarray(owner)[p_idx] != l_idx
    p_idx, l_idx = p_idx[keep], l_idx[keep]
    if not len(p_idx):
        return []
    geoms = np.asarray(parts, dtype=object)
    dist = shapely.distance(points[p_idx], geoms[l_idx])
    best: dict[int, tuple[float, int]] = {}
    for p, line, d in zip(p_idx.tolist(), l_idx.tolist(), dist.tolist(), strict=True):
        if d > 0 and (p not in best or d < best[p][0]):
            best[p] = (d, line)
    extra: list[LineString] = []
    for p, (_, line) in sorted(best.items()):
        target = nearest_points(points[p], parts[line])[1]
        extra.append(LineString([dangles[p], (target.x, target.y)]))
    return extra


def _bridge_openings(parts: list[LineString], settings: type[LineworkSettings]) -> list[LineString]:
    """Join a wall face across a door/window opening where it resumes on the same line.

    From every place where a straight face stops (nothing continues in its direction) a ray is
    cast up to a door width; the nearest vertex on that ray from which a segment continues in
    the same direction is where the face resumes, and the opening between them is bridged.
    """
    outgoing: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    ends: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for line in parts:
        coords = list(line.coords)
        for a, b in zip(coords, coords[1:], strict=False):
            length = math.hypot(b[0] - a[0], b[1] - a[1])
            if length == 0:
                continue
            d = ((b[0] - a[0]) / length, (b[1] - a[1]) / length)
            outgoing[_key(*a)].append(d)
            outgoing[_key(*b)].append((-d[0], -d[1]))
            ends.append((b, d))  # leaving b forwards
            ends.append((a, (-d[0], -d[1])))  # leaving a backwards
    cos_tol = math.cos(math.radians(settings.angle_tol_deg))

    def continues(key: tuple[int, int], d: tuple[float, float]) -> bool:
        return any(o[0] * d[0] + o[1] * d[1] > cos_tol for o in outgoing[key])

    stops = [(p, d) for p, d in ends if not continues(_key(*p), d)]
    if not stops:
        return []
    vertex_keys = list(outgoing)
    vertex_pts = np.array([(k[0] / 1e5, k[1] / 1e5) for k in vertex_keys])
    vertex_tree = STRtree(shapely.points(vertex_pts))
    start = np.array([p for p, _ in stops])
    direction = np.array([d for _, d in stops])
    rays = shapely.linestrings(
        np.stack(
            [start + direction * settings.snap_m, start + direction * settings.door_max_m], axis=1
        )
    )
    r_idx, v_idx = vertex_tree.query(rays, predicate="dwithin", distance=settings.snap_m * 0.5)
    t = np.einsum("ij,ij->i", vertex_pts[v_idx] - start[r_idx], direction[r_idx])
    best: dict[int, tuple[float, int]] = {}
    for r, v, dist in zip(r_idx.tolist(), v_idx.tolist(), t.tolist(), strict=True):
        if r in best and best[r][0] <= dist:
            continue
        if continues(vertex_keys[v], stops[r][1]):
            best[r] = (dist, v)
    seen: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    bridges: list[LineString] = []
    for r, (_, v) in sorted(best.items()):
        pk, qk = _key(*stops[r][0]), vertex_keys[v]
        pair = (pk, qk) if pk < qk else (qk, pk)
        if pair in seen:
            continue
        seen.add(pair)
        bridges.append(LineString([stops[r][0], tuple(vertex_pts[v])]))
    if not bridges:
        return []
    # Skip where something already runs along the opening (then it is not an opening).
    middles = shapely.line_interpolate_point(bridges, 0.5, normalized=True)
    covered = set(
        STRtree(parts)
        .query(middles, predicate="dwithin", distance=settings.snap_m * 0.2)[0]
        .tolist()
    )
    return [b for k, b in enumerate(bridges) if k not in covered]


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
