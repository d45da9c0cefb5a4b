"""Per-room diff of a re-survey against the live floor, and the SVG preview."""

from __future__ import annotations

import pytest
from shapely import affinity
from shapely.geometry import box

from floorplans.diff import ChangeKind
from floorplans.diff import LiveRoom
from floorplans.diff import diff_floor
from floorplans.model import FloorPlan
from floorplans.model import Room
from floorplans.svg import render_svg


def room(x0, y0, x1, y1, number, use="办公室"):
    poly = box(x0, y0, x1, y1)
    return Room(poly, poly.area, "ROOM", (f"H{number}",), number=number, use=use)


LIVE = [
    LiveRoom(11, "101", box(0, 0, 5, 4), 20.0),
    LiveRoom(12, "102", box(5.2, 0, 10, 4), 19.2),
    LiveRoom(13, "103", box(10.2, 0, 15, 4), 19.2),
    LiveRoom(14, "104", box(15.2, 0, 20, 4), 19.2),
]


def by_id(diff):
    return {c.room_id: c for c in diff.changes if c.room_id is not None}


def test_identical_floor_is_unchanged_and_keeps_ids():
    new = FloorPlan(tuple(room(*r.polygon.bounds, r.number) for r in LIVE))
    diff = diff_floor(LIVE, new)
    assert diff.counts() == {"unchanged": 4, "changed": 0, "added": 0, "removed": 0}
    assert [by_id(diff)[i].new_index for i in (11, 12, 13, 14)] == [0, 1, 2, 3]
    assert diff.alignment is None


def test_reshaped_renumbered_added_and_removed():
    new = FloorPlan(
        (
            room(0, 0, 5.5, 4, "101"),  # wall moved: reshaped, +2 m²
            room(5.7, 0, 10, 4, "102A"),  # same room renumbered (and slightly smaller)
            room(10.2, 0, 15, 4, "103"),  # unchanged
            room(15.2, 0, 17.5, 4, "104"),  # 104 split into two: removed + two added
            room(17.7, 0, 20, 4, "105"),
        )
    )
    diff = diff_floor(LIVE, new)
    changes = by_id(diff)
    assert changes[11].kind == ChangeKind.CHANGED and changes[11].reshaped
    assert changes[11].area_delta_m2 == pytest.approx(2.0)
    assert changes[12].renumbered and (changes[12].old_number, changes[12].new_number) == (
        "102",
        "102A",
    )
    assert changes[13].kind == ChangeKind.UNCHANGED
    assert changes[14].kind == ChangeKind.REMOVED
    added = diff.of_kind(ChangeKind.ADDED)
    assert sorted(c.new_number for c in added) == ["104", "105"]
    assert all(c.overlaps == (14,) for c in added)


def test_same_number_with_moderate_overlap_keeps_identity():
    live = [LiveRoom("r1", "201", box(0, 0, 10, 4), 40.0)]
    new = FloorPlan((room(0, 0, 10, 6.5, "201"),))  # IoU 0.62 < 0.8, same number
    (change,) = diff_floor(live, new).changes
    assert change.room_id == "r1" and change.reshaped and change.area_changed


def test_other_number_with_moderate_overlap_is_a_new_room():
    live = [LiveRoom("r1", "201", box(0, 0, 10, 4), 40.0)]
    new = FloorPlan((room(0, 0, 10, 6.5, "299"),))
    assert diff_floor(live, new).counts() == {
        "unchanged": 0,
        "changed": 0,
        "added": 1,
        "removed": 1,
    }


def test_resurvey_drawn_at_another_origin_is_aligned_first():
    moved = tuple(
        Room(
            affinity.translate(affinity.rotate(r.polygon, 90, origin=(0, 0)), 1000, 500),
            r.area_m2,
            "ROOM",
            ("X",),
            number=r.number,
        )
        for r in LIVE
    )
    diff = diff_floor(LIVE, FloorPlan(moved))
    assert diff.counts()["unchanged"] == 4
    assert diff.alignment is not None and diff.alignment.rms_m == pytest.approx(0.0, abs=1e-6)


def test_diff_between_two_floor_plans_uses_room_indices():
    old = FloorPlan((room(0, 0, 5, 4, "101"), room(6, 0, 9, 4, "102")))
    new = FloorPlan((room(6, 0, 9, 4, "102"),))
    diff = diff_floor(old, new)
    assert [(c.kind, c.room_id) for c in diff.changes] == [
        (ChangeKind.REMOVED, 0),
        (ChangeKind.UNCHANGED, 1),
    ]


def test_svg_colours_rooms_by_use_and_escapes_labels():
    plan = FloorPlan(
        (room(0, 0, 6, 4, "301", use="办公室"), room(6.2, 0, 9, 4, "<b>&", use=None)),
        outline=box(-0.2, -0.2, 9.2, 4.2),
    )
    svg = render_svg(plan, highlight=[1])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'fill="#8ecae6"' in svg and 'fill="#f8f9fa"' in svg
    assert "24.00 m²" in svg and "301" in svg
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    assert 'stroke="#d62828"' in svg
    # y is flipped: the room spanning y 0..4 appears at negative SVG y.
    assert "M6.000 0.000L6.000 -4.000L0.000 -4.000L0.000 0.000Z" in svg


def test_svg_of_empty_floor():
    assert "无房间" in render_svg(FloorPlan(()))


def test_pairs_made_by_identity_compare_as_the_diff_of_each_pair():
    """compare_pairs (one array operation per measure) gives, pair for pair, what a diff of
    the pair alone gives: the same change with the same floats, or None where geometry alone
    would not pair them (apart, or overlapping too little for their numbers)."""
    import dataclasses
    import random

    from floorplans.diff import compare_pairs

    rng = random.Random(7)
    pairs = []
    for k in range(300):
        x, y = rng.uniform(0, 100), rng.uniform(0, 100)
        w, h = rng.uniform(2, 8), rng.uniform(2, 8)
        old = LiveRoom(k, rng.choice(["201", "202", None]), box(x, y, x + w, y + h), w * h)
        dx, dy = rng.choice([0, 0, rng.uniform(-3, 3), 50]), rng.choice([0, rng.uniform(-2, 2)])
        scale = rng.choice([1.0, rng.uniform(0.7, 1.2)])
        shape = affinity.translate(box(x, y, x + w * scale, y + h), dx, dy)
        number = rng.choice([old.number, "201", "202", None])
        pairs.append((old, room(*shape.bounds, number)))
    compared = compare_pairs(pairs)
    kinds = set()
    for index, ((old, new), change) in enumerate(zip(pairs, compared, strict=True)):
        alone = [c for c in diff_floor([old], FloorPlan((new,))).changes if c.new_index == 0]
        paired = next((c for c in alone if c.kind not in (ChangeKind.ADDED,)), None)
        if paired is not None:
            paired = dataclasses.replace(paired, new_index=index)  # the pair's index
        assert change == paired
        kinds.add(None if change is None else (change.kind, change.reshaped, change.renumbered))
    assert len(kinds) >= 5  # apart, unchanged, reshaped, renumbered ... all met


def test_an_outline_given_back_by_a_round_trip_is_the_same_room():
    """Stored as a multipolygon in metres, written out in millimetres and read back: the
    coordinates may differ in the last bit, and the room is the same, unchanged."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry import Polygon

    from floorplans.diff import compare_pairs

    stored = MultiPolygon([box(3.8, 0, 9.8, 6)])
    back = Polygon([(3800 * 0.001, 0), (9.8, 0), (9.8, 6), (3800 * 0.001, 6)])
    assert back.exterior.coords[0][0] != 3.8  # 3.8000000000000003: not bit for bit
    live = LiveRoom(7, "305", stored, stored.area)
    (change,) = compare_pairs([(live, room(*back.bounds, "305"))])
    assert change.kind == ChangeKind.UNCHANGED and change.room_id == 7
    assert change.iou == pytest.approx(1.0, abs=1e-12) and not change.reshaped
