"""Several floors on one sheet: spatial clusters of rooms, each named by its floor title.

Surveyors often draw all storeys side by side ("一层平面图", "二层平面图", "B1" under each plan).
Rooms are grouped by proximity (a storey's rooms are separated by walls, sheets by metres of
paper), then every cluster takes the nearest title. One title or none means one floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.geometry import box

from floorplans.codes import PlanCode
from gis_app.report import ImportReport

__all__ = ["FloorGroup", "cluster_rooms", "split_floors"]

CLUSTER_GAPS_M = (5.0, 3.0, 1.5, 0.6)
"""Gaps tried, widest first, until there are at least as many clusters as titles."""

Title = tuple[str, float | None, bool, Point]
"""(name, ordinal, roof, anchor point in plan metres)."""


@dataclass(frozen=True)
class FloorGroup:
    name: str | None
    ordinal: float | None
    members: tuple[int, ...]
    """Indices into the room list given to :func:`split_floors`."""


def cluster_rooms(polygons: Sequence[Polygon | MultiPolygon], gap: float) -> list[list[int]]:
    """Groups of room indices whose bounding boxes come within ``gap`` metres of each other."""
    if not polygons:
        return []
    boxes = [box(*p.bounds).buffer(gap / 2.0, join_style="mitre") for p in polygons]
    merged = shapely.get_parts(shapely.union_all(boxes))
    tree = shapely.STRtree(list(merged))
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(polygons):
        hits = tree.query(p.representative_point(), predicate="within")
        key = int(hits[0]) if len(hits) else -1 - i
        groups.setdefault(key, []).append(i)
    return sorted(groups.values(), key=lambda g: min(g))


def split_floors(
    polygons: Sequence[Polygon | MultiPolygon], titles: Sequence[Title], report: ImportReport
) -> list[FloorGroup]:
    """Split rooms into floors by title texts; without two distinct titles, one floor."""
    everything = tuple(range(len(polygons)))
    by_name: dict[str, list[Title]] = {}
    for title in titles:
        by_name.setdefault(title[0], []).append(title)
    if len(by_name) <= 1 or not polygons:
        if len(by_name) == 1:
            name, ordinal, roof, _ = next(iter(by_name.values()))[0]
            return [FloorGroup(name, ordinal, everything)]
        if len(by_name) > 1:
            report.warning(
                PlanCode.FLOOR_TITLE_UNUSED,
                f"图中有 {len(by_name)} 个楼层标题但没有房间：{sorted(by_name)}",
            )
        return [FloorGroup(None, None, everything)]

    clusters: list[list[int]] = []
    for gap in CLUSTER_GAPS_M:
        clusters = cluster_rooms(polygons, gap)
        if len(clusters) >= len(by_name):
            break
    if len(clusters) < 2:
        names = sorted(by_name)
        report.warning(
            PlanCode.FLOOR_TITLE_UNUSED,
            f"图中有多个楼层标题 {names}，但房间连成一片无法分层，按一层处理（取第一个标题）",
            titles=names,
        )
        name, ordinal, _, _ = by_name[names[0]][0]
        return [FloorGroup(name, ordinal, everything)]

    cluster_hulls = [
        shapely.union_all([box(*polygons[i].bounds) for i in members]).envelope
        for members in clusters
    ]
    names = list(by_name)

    def distance(c: int, name: str) -> float:
        return min(cluster_hulls[c].distance(t[3]) for t in by_name[name])

    # One-to-one first (nearest pairs), then leftover clusters join their nearest assigned cluster.
    pairs = sorted((distance(c, n), c, n) for c in range(len(clusters)) for n in names)
    owner: dict[int, str] = {}
    taken: set[str] = set()
    for _, c, n in pairs:
        if c in owner or n in taken:
            continue
        owner[c] = n
        taken.add(n)
    for c in range(len(clusters)):
        if c in owner:
            continue
        nearest = min(owner, key=lambda k: cluster_hulls[c].distance(cluster_hulls[k]))
        owner[c] = owner[nearest]
    for n in names:
        if n not in taken:
            report.warning(
                PlanCode.FLOOR_TITLE_UNUSED, f"楼层标题“{n}”附近没有房间，未使用", title=n
            )

    groups: list[FloorGroup] = []
    roof_ordinal = max((t[0][1] for t in by_name.values() if t[0][1] is not None), default=None)
    for n in names:
        members = tuple(sorted(i for c, o in owner.items() if o == n for i in clusters[c]))
        if not members:
            continue
        _, ordinal, roof, _ = by_name[n][0]
        if roof and ordinal is None and roof_ordinal is not None:
            ordinal = float(int(roof_ordinal)) + 1.0
        groups.append(FloorGroup(n, ordinal, members))
    groups.sort(key=lambda g: (g.ordinal is None, g.ordinal or 0.0, g.name or ""))
    report.note(
        PlanCode.FLOORS_SPLIT,
        "图中有多个楼层，按标题分为："
        + "、".join(f"{g.name}（{len(g.members)} 间）" for g in groups),
        floors=[{"name": g.name, "ordinal": g.ordinal, "rooms": len(g.members)} for g in groups],
    )
    return groups
