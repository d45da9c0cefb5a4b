"""From drawing primitives to floor plans: the builder's one entry point.

:func:`build_floor_plans` chooses the room layers (given as globs, or detected), turns closed
outlines and hatch boundaries into room polygons (falling back to polygonised wall line work),
tells floor outlines, rooms, nested rooms and holes apart, matches labels, splits sheets with
several floors, and validates the result. Everything it decides or doubts goes into the report.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from operator import is_not

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.strtree import STRtree

from floorplans.codes import PlanCode
from floorplans.floors import split_floors
from floorplans.geometry import geometry_array
from floorplans.labels import ParsedLabel
from floorplans.labels import classify_use
from floorplans.labels import floor_title_candidates
from floorplans.labels import number_from_layer
from floorplans.labels import parse_floor_title
from floorplans.labels import parse_label
from floorplans.model import AreaRule
from floorplans.model import FloorPlan
from floorplans.model import OutlineSource
from floorplans.model import Room
from floorplans.model import RoomLabel
from floorplans.primitives import Drawing
from floorplans.primitives import Label
from floorplans.rings import Candidate
from floorplans.rings import RingTolerances
from floorplans.rings import closable_lines
from floorplans.rings import covers_mostly
from floorplans.rings import hatch_candidates
from floorplans.rings import outline_candidates
from floorplans.rings import polyline_candidate
from floorplans.validate import validate_floor
from gis_app.report import ImportReport

__all__ = ["build_floor_plans", "layer_matches"]

LOGGER = logging.getLogger(__name__)

_NOT_ROOM_LAYER = re.compile(
    r"wall|墙|furn|家具|家俱|door|门|window|窗|dim|标注|尺寸|axis|轴|grid|hatch|填充|pattern|"
    r"text|文字|字|symbol|符号|void|defpoints|viewport|title|图框|图签|frame|border|column|柱|"
    r"equip|fixture|洁具|plumb|toilet-fix|elec-fix|light|灯|detail|结构|stru",
    re.IGNORECASE,
)
_ROOM_LAYER = re.compile(
    r"room|rm\$|^rm[-_ ]|房间|空间|space|area|面积|功能|区域|zone|unit", re.IGNORECASE
)
_DIGIT_RUNS = re.compile(r"(\d+)")
_ASCII_LAYOUT = bytes(
    ord("0") if chr(c) in "0123456789" else c if chr(c) == "\n" else ord("a") for c in range(256)
)
"""Lines of ASCII text as their layouts (a table for bytes.translate): digits as 0, every other
character but the line breaks as a."""
_ANCHOR = attrgetter("x", "y")
_PREPARE_FROM = 16
"""A polygon asked about this many points is prepared for them first: a floor outline is asked
about every room in it, a room about its own label or two (not worth preparing it for)."""
MIN_RING_M2 = 1.0
"""Rings smaller than this (symbols, frames around texts) do not vote in room-layer detection."""
MIN_UNLABELLED_RINGS = 3
"""Without labelled rings, a layer needs this many room-sized rings to be taken as rooms."""


def layer_matches(layer: str, patterns: Sequence[str]) -> bool:
    """Case-insensitive glob match of a layer name against any pattern.

    >>> layer_matches("E14-274", ["e14-*"]), layer_matches("Walls", ["Offices"])
    (True, False)
    """
    name = layer.casefold()
    return any(fnmatch.fnmatchcase(name, p.casefold()) for p in patterns)


@dataclass(slots=True)
class _Text:
    """A label with its parse, in plan metres."""

    label: Label
    point: Point
    parsed: ParsedLabel


@dataclass(slots=True)
class _Placed:
    """The labels placed by room-layer detection: the rings it looked at, their tree and each
    text's smallest holding ring (index into ``rings``, or None)."""

    rings: list[Candidate]
    tree: STRtree
    owners: list[int | None]


class _Node:
    """A candidate in the containment forest (one per ring: not a dataclass, whose default
    factories made building one cost three times as much)."""

    __slots__ = ("cand", "children", "own_texts", "role")

    def __init__(self, cand: Candidate) -> None:
        self.cand = cand
        self.children: list[_Node] = []
        self.own_texts: list[_Text] = []
        self.role = "room"  # room, outline, hole, nested or ignored


def build_floor_plans(
    drawing: Drawing,
    *,
    room_layers: Sequence[str] | None = None,
    label_layers: Sequence[str] | None = None,
    report: ImportReport,
) -> list[FloorPlan]:
    """Build the floor plans of a drawing (plan metres; areas exact for arcs).

    ``room_layers``/``label_layers`` are globs matched case-insensitively against layer names;
    None detects them (layers whose closed rings hold texts) and says in the report what was
    chosen. Returns one :class:`FloorPlan` per floor found; an empty drawing gives one empty
    floor and a ``NO_ROOMS`` warning.
    """
    return _build(drawing, room_layers, label_layers, report)


def _build(
    drawing: Drawing,
    room_layers: Sequence[str] | None,
    label_layers: Sequence[str] | None,
    report: ImportReport,
) -> list[FloorPlan]:
    factor = drawing.units_factor_to_m
    if not factor or factor <= 0:
        raise ValueError(f"units_factor_to_m must be positive, got {factor!r}")
    tol = RingTolerances(factor)

    texts, titles = _texts(drawing, label_layers, factor)

    # Every ring in the drawing, per layer, so detection can compare layers. Each ring is built
    # once; what building it reported is kept aside and counts only if its layer is chosen.
    scratch = ImportReport()
    built: list[tuple[str, list[Candidate], ImportReport | None]] = []

    def keep(layer: str, cands: list[Candidate]) -> None:
        if scratch.errors or scratch.warnings or scratch.fixes or scratch.info:
            found = ImportReport(scratch.errors, scratch.warnings, scratch.fixes, scratch.info)
            scratch.errors, scratch.warnings, scratch.fixes, scratch.info = [], [], [], []
            built.append((layer, cands, found))
        elif built and built[-1][2] is None and built[-1][0] == layer:
            built[-1][1].extend(cands)  # one entry for a run of rings on a layer, none reported
        else:
            built.append((layer, list(cands), None))

    outline_candidates(
        drawing.outlines, tol, scratch, lambda o, cand: keep(o.layer, [cand] if cand else [])
    )
    for line in closable_lines(drawing.linework, tol):
        cand = polyline_candidate(line, tol, scratch)
        keep(line.layer, [cand] if cand else [])
    for hatch in drawing.hatches:
        keep(hatch.layer, hatch_candidates(hatch, tol, scratch))
    all_rings: dict[str, list[Candidate]] = defaultdict(list)
    for layer, cands, _ in built:
        all_rings[layer].extend(cands)

    placed: _Placed | None = None
    if room_layers is None:
        chosen, placed = _detect_room_layers(all_rings, texts, report)
    else:
        chosen = sorted(
            {layer for layer in _all_layers(drawing) if layer_matches(layer, room_layers)}
        )
        report.note(
            PlanCode.ROOM_LAYERS_CHOSEN,
            f"房间图层按指定模式 {list(room_layers)} 选取：{chosen or '无匹配图层'}",
            patterns=list(room_layers),
            layers=chosen,
        )
    chosen_set = set(chosen)

    # The candidates on the chosen layers, with the problems found while building them.
    candidates: list[Candidate] = []
    for layer, cands, found in built:
        if layer in chosen_set:
            if found is not None:
                report.extend(found)
            candidates.extend(cands)
    built.clear()  # rings of other layers are not needed any more
    all_rings.clear()
    # Detection looked at these very rings when they are the same ones in the same order (one
    # room layer, no ring below MIN_RING_M2): the most common drawing. Its tree of them, and
    # where it placed the labels while no duplicate is dropped, are then what _dedupe and
    # _classify would compute again.
    if placed is not None and not _same_rings(placed.rings, candidates):
        placed = None
    candidates = _dedupe(candidates, report, None if placed is None else placed.tree)

    derived = False
    if not candidates:
        # Imported here, like wall_segments below: drawings with drawn outlines never need it.
        from floorplans.linework import rooms_from_linework

        line_layers = None if room_layers is None else chosen_set
        candidates = rooms_from_linework(drawing, line_layers, [t.point for t in texts], tol)
        derived = bool(candidates)

    if placed is not None and not _same_rings(placed.rings, candidates):
        placed = None
    forest = _classify(candidates, texts, report, placed)
    rooms_nodes = [n for n in forest if n.role in ("room", "nested")]
    outlines = [n.cand.polygon for n in forest if n.role == "outline"]

    groups = split_floors([n.cand.polygon for n in rooms_nodes], titles, report)
    floors: list[FloorPlan] = []
    walls: np.ndarray | None = None
    for group in groups:
        nodes = [rooms_nodes[i] for i in group.members]
        floor_outline = _floor_outline(outlines, [n.cand.polygon for n in nodes])
        floor_walls = None
        if floor_outline is None and nodes:
            from floorplans.linework import segments_near
            from floorplans.linework import wall_segments

            if walls is None:
                walls = wall_segments(drawing, chosen_set, tol)
            floor_walls = (
                walls if len(groups) == 1 else segments_near(walls, [n.cand.polygon for n in nodes])
            )
        rooms = _rooms(nodes, report)
        rooms = _sorted_rooms(rooms)
        plan = FloorPlan(
            rooms=tuple(rooms),
            name=group.name,
            ordinal=group.ordinal,
            outline=floor_outline,
            outline_source=None if floor_outline is None else OutlineSource.DRAWN,
            wall_segments=floor_walls,
        )
        validate_floor(plan, report)
        floors.append(plan)

    _report_labels(floors, forest, texts, report)
    LOGGER.debug(
        "built %d floor(s), %d room(s) from %d candidate(s) on layers %s",
        len(floors),
        sum(len(f.rooms) for f in floors),
        len(candidates),
        chosen,
    )
    if not any(f.rooms for f in floors):
        report.warning(
            PlanCode.NO_ROOMS,
            "图中没有找到房间：没有闭合轮廓、填充边界或可围合的墙线（请检查房间图层设置）",
        )
    elif derived:
        report.warning(
            PlanCode.ROOMS_FROM_LINEWORK,
            f"图中没有房间轮廓，已由墙线围合生成 {sum(len(f.rooms) for f in floors)} 个房间，"
            "请测绘人员逐一确认",
        )
    return floors


# ---------------------------------------------------------------------------------------------
# Texts


def _all_layers(drawing: Drawing) -> set[str]:
    layers = set(drawing.layers)
    layers.update(o.layer for o in drawing.outlines)
    layers.update(h.layer for h in drawing.hatches)
    layers.update(w.layer for w in drawing.linework)
    layers.update(t.layer for t in drawing.labels)
    return layers


def _texts(
    drawing: Drawing, label_layers: Sequence[str] | None, factor: float
) -> tuple[list[_Text], list[tuple[str, float | None, bool, Point]]]:
    """Room labels (on label layers) and floor titles (any layer), in plan metres."""
    titles: list[tuple[str, float | None, bool, Point]] = []
    labels = [label for label in drawing.labels if label.text and label.text.strip()]
    if not labels:
        return [], titles
    anchors = chain.from_iterable(map(_ANCHOR, labels))
    xy = np.fromiter(anchors, dtype=float, count=2 * len(labels)).reshape(-1, 2) * factor
    points = shapely.points(xy).tolist()
    strings = [label.text for label in labels]
    title_at: set[int] = set()
    for index in floor_title_candidates(strings):
        title = parse_floor_title(strings[index])
        if title is not None:
            titles.append((title.name, title.ordinal, title.roof, points[index]))
            title_at.add(index)
    texts = [
        _Text(label, point, parse_label(text))
        for index, (label, point, text) in enumerate(zip(labels, points, strings, strict=True))
        if index not in title_at
        and (label_layers is None or layer_matches(label.layer, label_layers))
    ]
    return texts, titles


# ---------------------------------------------------------------------------------------------
# Room layer detection


def _detect_room_layers(
    rings: dict[str, list[Candidate]], texts: list[_Text], report: ImportReport
) -> tuple[list[str], _Placed]:
    """Pick layers whose closed rings hold room labels (or, with no labels, look like rooms);
    also returns where the labels were placed."""
    looked_at: list[Candidate] = []
    rings_on: dict[str, int] = {}  # each layer's rings are a run of looked_at
    for layer, cands in rings.items():
        if usable := [c for c in cands if c.area >= MIN_RING_M2]:
            rings_on[layer] = len(usable)
            looked_at.extend(usable)
    # A label votes for the smallest ring holding it, so a wall or outline ring around labelled
    # rooms does not look labelled itself.
    tree, owners = _smallest_containing(
        [c.polygon for c in looked_at], [c.area for c in looked_at], [t.point for t in texts]
    )
    owned = np.fromiter({o for o in owners if o is not None}, dtype=np.intp)
    ends = np.cumsum(list(rings_on.values()))
    labelled_on = np.bincount(np.searchsorted(ends, owned, side="right"), minlength=len(ends))
    stats = {
        layer: (n, k) for (layer, n), k in zip(rings_on.items(), labelled_on.tolist(), strict=True)
    }

    reasons: dict[str, str] = {}
    any_labelled = any(n_lab for _, n_lab in stats.values())
    for layer, (n, n_lab) in sorted(stats.items()):
        share = n_lab / n
        named_room = bool(_ROOM_LAYER.search(layer)) or classify_use(layer)[0] is not None
        excluded = bool(_NOT_ROOM_LAYER.search(layer)) and not named_room
        if any_labelled:
            if n_lab and (share >= 0.3 and not excluded or share >= 0.6 and n_lab >= 2):
                reasons[layer] = f"{n_lab}/{n} 个闭合环内有文字"
            elif named_room:
                reasons[layer] = "图层名表示房间"
        elif named_room:
            reasons[layer] = "图层名表示房间"
        elif not excluded and (not texts or n >= MIN_UNLABELLED_RINGS):
            # Texts that sit in no ring are room names for walls to enclose: a layer with a
            # ring or two is then furniture or a detail, not the rooms.
            reasons[layer] = f"{n} 个房间大小的闭合环"
    chosen = sorted(reasons)
    if chosen:
        detail = "；".join(f"{layer}（{reasons[layer]}）" for layer in chosen)
        message = f"自动识别房间图层：{detail}"
    else:
        message = "没有识别出房间图层（没有闭合轮廓或只有家具/墙体等图层）"
    report.note(
        PlanCode.ROOM_LAYERS_CHOSEN,
        message,
        layers=chosen,
        candidates={layer: {"rings": n, "labelled": k} for layer, (n, k) in sorted(stats.items())},
    )
    return chosen, _Placed(looked_at, tree, owners)


# ---------------------------------------------------------------------------------------------
# Duplicates, nesting, holes


def _same_rings(rings: list[Candidate], others: list[Candidate]) -> bool:
    return len(rings) == len(others) and not any(map(is_not, rings, others))


def _dedupe(
    candidates: list[Candidate], report: ImportReport, tree: STRtree | None = None
) -> list[Candidate]:
    """Drop a ring drawn twice (keep the first outline; a hatch over an outline lends its holes).
    ``tree`` is an STRtree of the candidates' polygons when the caller has one."""
    if len(candidates) < 2:
        return candidates
    if tree is None:
        polygons = geometry_array([c.polygon for c in candidates])
        tree = STRtree(polygons)
    else:
        polygons = tree.geometries  # the candidates' polygons, in their order
    # Every ring's intersecting rings of about its area, for all rings at once: one tree query
    # by bounding box (per ring in the order a single query gives), the area test of
    # _same_shape as arrays, then the intersection test on the few pairs left.
    left, right = tree.query(polygons)
    area = np.array([c.area for c in candidates], dtype=float)
    a, b = area[left], area[right]
    alike = (left != right) & ~(np.abs(a - b) > np.maximum(0.005 * np.maximum(a, b), 0.01))
    left, right = left[alike], right[alike]
    touching = shapely.intersects(polygons[left], polygons[right])
    neighbours: dict[int, list[int]] = defaultdict(list)
    for i, j in zip(left[touching].tolist(), right[touching].tolist(), strict=True):
        neighbours[i].append(j)
    dropped: set[int] = set()
    hatch_merged = 0
    # Outlines first, each kind in drawing order; only rings with a like neighbour can keep one.
    for i in sorted(neighbours, key=lambda k: (candidates[k].source != "outline", k)):
        if i in dropped:
            continue
        keep = candidates[i]
        for j in neighbours[i]:
            if j in dropped:
                continue
            other = candidates[j]
            if not _same_shape(keep, other):
                continue
            dropped.add(j)
            if other.source == "hatch" and keep.source == "outline":
                hatch_merged += 1
                keep.handles.extend(h for h in other.handles if h not in keep.handles)
                if not keep.holes:
                    keep.holes.extend(other.holes)
            else:
                report.fix(
                    PlanCode.DUPLICATE_OUTLINE,
                    f"重复轮廓（与 {keep.handle} 重合），只保留一个",
                    other.handle,
                    kept=keep.handle,
                    layer=other.layer,
                )
    if hatch_merged:
        report.note(
            PlanCode.HATCH_SAME_AS_OUTLINE,
            f"{hatch_merged} 个填充与房间轮廓重合，按轮廓计算（填充中的洞口作为扣除）",
            count=hatch_merged,
        )
    return [c for k, c in enumerate(candidates) if k not in dropped] if dropped else candidates


def _same_shape(a: Candidate, b: Candidate) -> bool:
    big = max(a.area, b.area)
    if abs(a.area - b.area) > max(0.005 * big, 0.01):
        return False
    diff = a.polygon.symmetric_difference(b.polygon).area
    return diff <= max(0.005 * big, 0.01)


def _classify(
    candidates: list[Candidate],
    texts: list[_Text],
    report: ImportReport,
    placed: _Placed | None = None,
) -> list[_Node]:
    """Arrange candidates by containment and decide outline / room / nested room / hole
    (``placed``: the labels already placed in exactly these rings).

    * a ring holding several rooms (≥ 2 children covering half of it, or labelled children while
      it has no label of its own) is a floor or building outline, not a room;
    * inside a room, a ring with its own label is a nested room, one without is a hole
      (column, shaft) deducted from the room's usable area.
    """
    nodes = [_Node(c) for c in candidates]
    if not nodes:
        return nodes
    if placed is None:
        polys = [n.cand.polygon for n in nodes]
        array = geometry_array(polys)
        tree = STRtree(array)
    else:
        tree = placed.tree
        array = tree.geometries  # the candidates' polygons, in their order
    area = [n.cand.area for n in nodes]
    parent: list[int | None] = [None] * len(nodes)
    # Rings holding each ring's representative point, all in one tree query: a ring's parent is
    # the smallest of the clearly larger ones that hold most of it (the first such by index on
    # equal areas), chosen for all rings at once.
    points = shapely.point_on_surface(array)
    inner, outer = _points_within(tree, points)
    areas = np.array(area, dtype=float)
    larger = (inner != outer) & (areas[outer] > areas[inner] * 1.0001)
    inner, outer = inner[larger], outer[larger]
    if len(inner):
        held = covers_mostly(array[outer], array[inner])
        inner, outer = inner[held], outer[held]
        order = np.lexsort((outer, areas[outer], inner))
        inner, outer = inner[order], outer[order]
        first = np.ones(len(inner), dtype=bool)
        first[1:] = inner[1:] != inner[:-1]
        for i, best in zip(inner[first].tolist(), outer[first].tolist(), strict=True):
            parent[i] = best
            nodes[best].children.append(nodes[i])

    if texts:
        if placed is None:
            _, owners = _smallest_containing(polys, area, [t.point for t in texts], tree)
        else:
            owners = placed.owners
        for text, owner in zip(texts, owners, strict=True):
            if owner is None:
                continue
            node = nodes[owner]
            # A label in a hatch's hole belongs to no room (reported as LABEL_IN_HOLE).
            holes = node.cand.holes
            if not holes or not any(h.polygon.contains(text.point) for h in holes):
                node.own_texts.append(text)

    drawing_has_labels = any(n.own_texts for n in nodes)

    def is_outline(i: int) -> bool:
        node = nodes[i]
        kids = node.children
        if not kids:
            return False
        covered = sum(k.cand.area for k in kids) / node.cand.area
        kids_labelled = sum(1 for k in kids if k.own_texts)
        if node.own_texts:
            return len(kids) >= 2 and covered >= 0.5 and kids_labelled >= 2
        if len(kids) >= 2 and covered >= 0.5:
            return True
        return drawing_has_labels and kids_labelled >= 1

    # Largest first, so that a ring's parent has its role before the ring. An area that is not
    # a number leaves no order by area: then the order sorted makes of it, as before.
    if np.isnan(areas).any():
        negative_area = [-a for a in area]
        largest_first = sorted(range(len(nodes)), key=negative_area.__getitem__)
    else:
        largest_first = np.argsort(-areas, kind="stable").tolist()
    for i in largest_first:
        node = nodes[i]
        p = parent[i]
        parent_role = nodes[p].role if p is not None else "outline"
        if parent_role == "outline" and not node.children:
            continue  # a room, as every node is made (most rings)
        if parent_role in ("hole",):
            node.role = "nested" if node.own_texts else "ignored"
            continue
        if parent_role in ("room", "nested"):
            node.role = "nested" if node.own_texts or is_outline(i) else "hole"
            if node.role == "nested":
                report.note(
                    PlanCode.NESTED_ROOM,
                    f"房间 {node.cand.handle} 位于房间 {nodes[p].cand.handle} 之内，"
                    "外层房间面积扣除内层房间",
                    node.cand.handle,
                    parent=nodes[p].cand.handle,
                )
            continue
        node.role = "outline" if node.children and is_outline(i) else "room"
        if node.role == "outline":
            report.note(
                PlanCode.FLOOR_OUTLINE,
                f"闭合环 {node.cand.handle}（{node.cand.area:.2f} m²）包含 {len(node.children)} "
                "个房间，作为楼层外轮廓，不计为房间",
                node.cand.handle,
                area_m2=round(node.cand.area, 2),
                rooms_inside=len(node.children),
            )
    return nodes


def _smallest_containing(
    polys: Sequence[Polygon | MultiPolygon],
    areas: Sequence[float],
    points: Sequence[Point],
    tree: STRtree | None = None,
) -> tuple[STRtree, list[int | None]]:
    """For each point, the index of the smallest polygon containing it (or None); ``tree``
    is an STRtree of ``polys`` when the caller has one."""
    if tree is None:
        tree = STRtree(list(polys))
    owners: list[int | None] = [None] * len(points)
    if not points or not polys:
        return tree, owners
    pt_idx, poly_idx = _points_within(tree, geometry_array(points))
    pair_area = np.asarray(areas, dtype=float)[poly_idx]
    if np.isnan(pair_area).any():  # no order by area: the first of the smaller ones, as found
        for p, g in zip(pt_idx.tolist(), poly_idx.tolist(), strict=True):
            current = owners[p]
            if current is None or areas[g] < areas[current]:
                owners[p] = g
        return tree, owners
    # Each point's pairs by area, found order kept among equal areas (lexsort is stable): the
    # first is the smallest polygon, the first found of equal ones, as a pass in found order
    # keeping the strictly smaller would leave it.
    order = np.lexsort((pair_area, pt_idx))
    pt_idx, poly_idx = pt_idx[order], poly_idx[order]
    first = np.ones(len(pt_idx), dtype=bool)
    first[1:] = pt_idx[1:] != pt_idx[:-1]
    for p, g in zip(pt_idx[first].tolist(), poly_idx[first].tolist(), strict=True):
        owners[p] = g
    return tree, owners


def _points_within(tree: STRtree, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tree.query(points, predicate="within")`` as a box query and a point-in-polygon test of
    the pairs it found: the same pairs in the same order, in about half the time."""
    left, right = tree.query(points)
    holders = tree.geometries[right]
    # The polygons asked about many points (floor outlines) are prepared while they are asked:
    # the same answers, each cheaper (the bench drawing's 10,000 rooms: ~9 M instructions less).
    many = np.flatnonzero(np.bincount(right, minlength=len(tree.geometries)) >= _PREPARE_FROM)
    prepared = [g for g in tree.geometries[many].tolist() if not shapely.is_prepared(g)]
    shapely.prepare(prepared)
    try:
        inside = shapely.contains_xy(
            holders, shapely.get_x(points)[left], shapely.get_y(points)[left]
        )
    finally:
        shapely.destroy_prepared(prepared)
    return left[inside], right[inside]


def _floor_outline(
    outlines: list[Polygon | MultiPolygon], rooms: list[Polygon | MultiPolygon]
) -> Polygon | MultiPolygon | None:
    """The outline rings holding this floor's rooms (outermost only)."""
    if not outlines or not rooms:
        return None
    mine = []
    for outline in outlines:
        if any(outline.contains(r.representative_point()) for r in rooms):
            mine.append(outline)
    if not mine:
        return None
    top = [o for o in mine if not any(o is not p and p.contains(o) for p in mine)]
    merged = shapely.union_all(top)
    return merged if isinstance(merged, Polygon | MultiPolygon) else None


# ---------------------------------------------------------------------------------------------
# Rooms


def _rooms(nodes: list[_Node], report: ImportReport) -> list[Room]:
    """Room values: net polygon and area, labels parsed, number/use from the layer if needed."""
    rooms: list[Room] = []
    merged_groups: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        if node.cand.group is not None:
            merged_groups[node.cand.group].append(node)
        else:
            rooms.append(_plain_room(node) if _cuts_nothing(node) else _room([node]))
    # Separate areas of one hatch form one room unless several of them carry their own labels.
    for group, members in merged_groups.items():
        if sum(1 for m in members if m.own_texts) <= 1:
            rooms.append(_room(members))
            report.note(
                PlanCode.HATCH_PARTS_MERGED,
                f"填充 {group} 由 {len(members)} 个互不相连的区域组成，合并为一个房间",
                group,
            )
        else:
            rooms.extend(_room([m]) for m in members)
    return rooms


def _cuts_nothing(node: _Node) -> bool:
    """Whether a ring is a room as it is: one polygon, no holes, no ring inside it cut out."""
    cand = node.cand
    return (
        not cand.holes
        and isinstance(cand.polygon, Polygon)
        and (not node.children or not any(c.role in ("hole", "nested") for c in node.children))
    )


def _room(members: list[_Node]) -> Room:
    first = members[0].cand
    if len(members) == 1 and _cuts_nothing(members[0]):
        return _plain_room(members[0])
    gross = sum(m.cand.area for m in members)
    deductions = 0.0
    polygons: list[Polygon] = []
    handles: list[str] = []
    texts: list[_Text] = []
    for m in members:
        shell = m.cand.polygon
        cut_outs = [h.polygon for h in m.cand.holes]
        for child in m.children:
            if child.role in ("hole", "nested"):
                cut_outs.append(child.cand.polygon)
        hole_area = sum(h.area for h in m.cand.holes) + sum(
            c.cand.area for c in m.children if c.role == "hole"
        )
        nested_area = sum(c.cand.area for c in m.children if c.role == "nested")
        net = shell
        if cut_outs:
            union = shapely.union_all(cut_outs)
            net = shell.difference(union)
            # Holes that overlap each other or stick out of the room: fall back to the polygon.
            if abs((shell.area - net.area) - union.area) > 1e-6 * max(1.0, shell.area):
                hole_area = shell.intersection(union).area - nested_area
        deductions += hole_area
        polygons.extend(p for p in shapely.get_parts(net) if isinstance(p, Polygon))
        handles.extend(m.cand.handles)
        handles.extend(h for hole in m.cand.holes for h in hole.handles)
        handles.extend(h for c in m.children if c.role == "hole" for h in c.cand.handles)
        texts.extend(m.own_texts)
    nested_total = sum(c.cand.area for m in members for c in m.children if c.role == "nested")
    area = gross - deductions - nested_total
    polygon: Polygon | MultiPolygon = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    number, name, use, subtype = _describe(texts, first.layer)
    labels = tuple(
        RoomLabel(t.label.text, t.label.handle, t.parsed.number, t.parsed.name) for t in texts
    )
    return Room(
        polygon=polygon,
        area_m2=area,
        layer=first.layer,
        handles=tuple(dict.fromkeys(handles)),
        area_rule=AreaRule.USABLE_NET_OF_HOLES,
        deductions_m2=deductions,
        gross_area_m2=gross,
        number=number,
        name=name,
        use=use,
        subtype=subtype,
        labels=labels,
        derived=first.derived,
        source=first.source,
    )


def _plain_room(node: _Node) -> Room:
    """A room of one ring with nothing cut out (most rooms): what :func:`_room` gives for it,
    without the overlay; the ring's own polygon is the room polygon."""
    cand = node.cand
    texts = node.own_texts
    number, name, use, subtype = _describe(texts, cand.layer)
    if len(texts) == 1:
        label, parsed = texts[0].label, texts[0].parsed
        labels: tuple[RoomLabel, ...] = (
            RoomLabel(label.text, label.handle, parsed.number, parsed.name),
        )
    else:
        labels = tuple(
            RoomLabel(t.label.text, t.label.handle, t.parsed.number, t.parsed.name) for t in texts
        )
    # Positional, in field order: the keywords took twice as long as building the room.
    return Room(
        cand.polygon,
        cand.area,  # area_m2
        cand.layer,
        tuple(cand.handles if len(cand.handles) == 1 else dict.fromkeys(cand.handles)),
        AreaRule.USABLE_NET_OF_HOLES,
        0.0,  # deductions_m2
        cand.area,  # gross_area_m2
        number,
        name,
        use,
        subtype,
        labels,
        cand.derived,
        cand.source,
    )


def _describe(
    texts: list[_Text], layer: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """Number, name, use and subtype from a room's labels, the layer name filling gaps."""
    if len(texts) == 1:  # most rooms: what the loops below leave for one label
        parsed = texts[0].parsed
        number, use, subtype = parsed.number or number_from_layer(layer), parsed.use, parsed.subtype
        if use is None:
            use, subtype = classify_use(layer)
        return number, parsed.name or None, (str(use) if use is not None else None), subtype
    ordered = texts if len(texts) < 2 else sorted(texts, key=lambda t: -t.label.height)
    number: str | None = None
    named: ParsedLabel | None = None
    for t in ordered:  # the first (tallest) label saying each
        if number is None and t.parsed.number:
            number = t.parsed.number
        if named is None and t.parsed.name:
            named = t.parsed
    name = named.name if named else None
    use = named.use if named else None
    subtype = named.subtype if named else None
    if use is None:
        for t in ordered:
            if t.parsed.use is not None:
                use, subtype = t.parsed.use, t.parsed.subtype
                break
    if number is None:
        number = number_from_layer(layer)
    if use is None:
        use, subtype = classify_use(layer)
    return number, name, (str(use) if use is not None else None), subtype


def _sorted_rooms(rooms: list[Room]) -> list[Room]:
    """Numbered rooms in natural order, then the rest top to bottom, left to right (by the
    room's representative point).

    Only rooms whose number ties with another's (or that have none) need the point: the others
    sort by number alone, and a key is compared past the number only with a tied one's.
    """
    numbers = [room.number for room in rooms]
    keys: list[tuple] = (
        list(zip(numbers))
        if _string_order_is_natural(numbers)
        else [(number is None, _natural(number or "")) for number in numbers]
    )
    counts = Counter(keys)
    tied = [k for k, key in enumerate(keys) if counts[key] > 1] if len(counts) < len(keys) else []
    if tied:
        points = shapely.point_on_surface(geometry_array([rooms[k].polygon for k in tied]))
        xs, ys = shapely.get_x(points).tolist(), shapely.get_y(points).tolist()
        for k, x, y in zip(tied, xs, ys, strict=True):
            keys[k] = (*keys[k], -round(y, 1), round(x, 1))
    order = sorted(range(len(rooms)), key=keys.__getitem__)
    return [rooms[k] for k in order]


def _string_order_is_natural(numbers: list[str | None]) -> bool:
    """Whether the numbers sort naturally as plain strings, ties included: ASCII numbers all
    laid out alike (digits at the same places, as in generated and many surveyed drawings), so
    their runs of digits and of other characters start and end together, and runs of digits of
    one length compare as their values do. Spares a key per room."""
    if None in numbers:
        return False
    lines = "\n".join(numbers)
    if not lines.isascii():
        return False
    layouts = lines.encode().translate(_ASCII_LAYOUT).split(b"\n")
    # As many layouts as numbers: no number holds a line break.
    return len(layouts) == len(numbers) and len(set(layouts)) == 1


def _natural(text: str) -> tuple:
    parts = _DIGIT_RUNS.split(text)
    if text.isascii():  # digit runs at the odd places, no digit anywhere else
        parts[1::2] = map(int, parts[1::2])
        return tuple(parts)
    return tuple([int(p) if p.isdigit() else p for p in parts])


# ---------------------------------------------------------------------------------------------
# Label findings


def _report_labels(
    floors: list[FloorPlan], forest: list[_Node], texts: list[_Text], report: ImportReport
) -> None:
    """Rooms with no or several labels, labels outside rooms or in holes, duplicate numbers."""
    used_handles = {lab.handle for f in floors for r in f.rooms for lab in r.labels}
    label_layers = {t.label.layer for t in texts if t.label.handle in used_handles}
    if texts:
        report.note(
            PlanCode.LABEL_LAYERS_CHOSEN,
            f"房间标注取自图层：{sorted(label_layers) or '无'}",
            layers=sorted(label_layers),
        )
    any_labels = bool(used_handles)
    parsed_texts: dict[tuple[str, str], ParsedLabel] = {}  # made when first needed
    area_notes = any(t.parsed.area_m2 for t in texts)

    def parsed(label: RoomLabel) -> ParsedLabel:
        if not parsed_texts:
            parsed_texts.update(((t.label.handle, t.label.text), t.parsed) for t in texts)
        return parsed_texts.get((label.handle, label.text)) or parse_label(label.text)

    for floor in floors:
        numbers = Counter(room.number for room in floor.rooms if room.number)
        # Without area notes, a room with one label has nothing to report.
        rooms = floor.rooms if area_notes else [r for r in floor.rooms if len(r.labels) != 1]
        for room in rooms:
            if any_labels and not room.labels:
                report.warning(
                    PlanCode.ROOM_WITHOUT_LABEL,
                    f"房间（{room.area_m2:.2f} m²）内没有标注",
                    room.handles[0],
                    layer=room.layer,
                )
            if len(room.labels) > 1:
                parses = [parsed(lab) for lab in room.labels]
                numbers_in = {p.number for p in parses if p.number}
                names_in = {p.name for p in parses if p.name}
                if len(numbers_in) > 1 or len(names_in) > 1:
                    report.warning(
                        PlanCode.ROOM_MULTIPLE_LABELS,
                        f"房间内有 {len(room.labels)} 个互相矛盾的标注："
                        + "、".join(lab.text for lab in room.labels),
                        room.handles[0],
                        labels=[lab.text for lab in room.labels],
                    )
            if not area_notes or not room.labels:
                continue
            drawn = [p.area_m2 for p in (parsed(lab) for lab in room.labels) if p.area_m2]
            for value in drawn:
                if abs(value - room.area_m2) > max(0.5, 0.02 * room.area_m2):
                    report.warning(
                        PlanCode.AREA_LABEL_MISMATCH,
                        f"图中标注面积 {value:.2f} m² 与计算面积 {room.area_m2:.2f} m² 不符",
                        room.handles[0],
                        drawn_m2=value,
                        computed_m2=round(room.area_m2, 2),
                    )
        # Only the repeated numbers are sorted, not every room's.
        for number, count in sorted(item for item in numbers.items() if item[1] > 1):
            report.warning(
                PlanCode.DUPLICATE_ROOM_NUMBER,
                f"房间号 {number} 在{floor.name or '本层'}出现 {count} 次",
                number=number,
                count=count,
            )
    stray = [
        t
        for t in texts
        if t.label.handle not in used_handles
        and t.label.layer in label_layers
        and (t.parsed.area_m2 is None or t.parsed.name or t.parsed.number)
    ]
    if not stray:  # every label found its room (the holes are needed only for the others)
        return
    holes = [n.cand.polygon for n in forest if n.role == "hole"]
    holes += [h.polygon for n in forest if n.role in ("room", "nested") for h in n.cand.holes]
    hole_tree = STRtree(holes) if holes else None
    for t in stray:
        in_hole = hole_tree is not None and len(hole_tree.query(t.point, predicate="within")) > 0
        if in_hole:
            report.warning(
                PlanCode.LABEL_IN_HOLE,
                f"标注“{t.label.text}”位于房间内的洞口（柱/井）中，未匹配房间",
                t.label.handle,
            )
        else:
            report.warning(
                PlanCode.LABEL_OUTSIDE_ROOMS,
                f"标注“{t.label.text}”不在任何房间内",
                t.label.handle,
                x=round(t.point.x, 3),
                y=round(t.point.y, 3),
            )
