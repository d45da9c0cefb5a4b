"""The sample city: what the demo loads and what the analysis must find in it.

The files are read back with the same libraries the importers use (ezdxf, openpyxl, pyogrio),
and every figure is recomputed here independently of the generator's own bookkeeping.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

import ezdxf
import geopandas as gpd
import openpyxl
import pytest
import shapely
from ezdxf import path as ezpath
from ezdxf.math import bulge_to_arc
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import Point
from shapely.geometry import Polygon

from gis_app.sampledata import CITY_BBOX
from gis_app.sampledata import generate

AS_OF = date(2026, 3, 31)
"""A month end, so that "n months before" has to clamp (2026-01-31 + 1 month = 2026-02-28)."""

LIMITS = {
    "市": {"市级正职": 42, "市级副职": 30, "正局(处)级": 24, "副局(处)级": 18, "局(处)级以下": 9},
    "县": {"县级正职": 30, "县级副职": 24, "正科级": 18, "副科级": 12, "科级以下": 9},
}
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, as_of=AS_OF)


def _bulged_area(points: list[tuple[float, float, float]]) -> float:
    """Shoelace over the vertices plus the circular segment of every bulged edge."""
    shoelace = 0.0
    segments = 0.0
    for i, (x1, y1, bulge) in enumerate(points):
        x2, y2, _ = points[(i + 1) % len(points)]
        shoelace += x1 * y2 - x2 * y1
        if bulge:
            _, start, end, radius = bulge_to_arc((x1, y1), (x2, y2), bulge)
            theta = (end - start) % math.tau
            segments += math.copysign(radius * radius / 2 * (theta - math.sin(theta)), bulge)
    return abs(shoelace / 2 + segments)


def _flat_polygon(entity: Any) -> Polygon:
    return Polygon([(v.x, v.y) for v in ezpath.make_path(entity).flattening(1.0)])


def _read_floor(path: Path) -> dict[str, Any]:
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    rooms = []
    for entity in msp.query('LWPOLYLINE[layer=="房间"]'):
        points = [(x, y, b) for x, y, b in entity.get_points("xyb")]
        rooms.append({"closed": entity.closed, "points": points, "polygon": _flat_polygon(entity)})
    labels = []
    for entity in msp.query('TEXT MTEXT[layer=="房间名称"]'):
        if entity.dxftype() == "TEXT":
            labels.append(
                (entity.dxf.text, Point(entity.dxf.align_point.x, entity.dxf.align_point.y))
            )
        else:
            text = entity.plain_text().replace("\n", " ")
            labels.append((text, Point(entity.dxf.insert.x, entity.dxf.insert.y)))
    outline = msp.query('LWPOLYLINE[layer=="墙体"]').first
    return {
        "doc": doc,
        "rooms": rooms,
        "labels": labels,
        "outline": Polygon([(x, y) for x, y in outline.get_points("xy")]),
        "columns": [_flat_polygon(e) for e in msp.query('LWPOLYLINE[layer=="柱子"]')],
        "titles": [e.dxf.text for e in msp.query('TEXT[layer=="图名"]')],
    }


@pytest.fixture(scope="module")
def floors(sample: tuple[Path, dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out, manifest = sample
    return {(f["building"], f["floor"]): _read_floor(out / f["file"]) for f in manifest["floors"]}


@pytest.fixture(scope="module")
def drawn(floors: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Numbered rooms as drawn: (building, number) -> floor, name and area from the DXF."""
    found = {}
    for (building, floor), plan in floors.items():
        for text, point in plan["labels"]:
            number, _, name = text.partition(" ")
            if not name:
                continue
            room = next(r for r in plan["rooms"] if r["polygon"].contains(point))
            found[(building, number)] = {
                "floor": floor,
                "name": name,
                "area": _bulged_area(room["points"]) / 1e6,
            }
    return found


@pytest.fixture(scope="module")
def roster(sample: tuple[Path, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    book = openpyxl.load_workbook(sample[0] / "roster.xlsx")
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        sheets[sheet.title + ":header"] = list(rows[0])
    return sheets


def test_counts(sample: tuple[Path, dict[str, Any]], roster: dict[str, Any]) -> None:
    out, manifest = sample
    counts = manifest["counts"]
    assert counts["compounds"] >= 3 and counts["buildings"] >= 5
    assert counts["floors"] >= 22
    assert len(list((out / "floors").glob("*.dxf"))) == counts["floors"]
    assert len(roster["人员"]) == counts["people"] >= 300
    assert len(roster["单位"]) >= 10
    assert manifest["as_of"] == "2026-03-31"
    per_building = defaultdict(int)
    for floor in manifest["floors"]:
        per_building[floor["building"]] += 1
    assert max(per_building.values()) <= 6
    assert any(f["floor"] == "B1" and f["ordinal"] == -1 for f in manifest["floors"])
    buildings = {b["code"]: b for b in manifest["buildings"]}
    assert any(b["floors_above"] >= 10 for b in buildings.values())
    assert any(len(b["drawn_floors"]) < b["floors_above"] for b in buildings.values())


def _entity_data(path: Path) -> list[tuple[Any, ...]]:
    data = []
    for entity in ezdxf.readfile(path).modelspace():
        extra: Any = None
        if entity.dxftype() == "LWPOLYLINE":
            extra = list(entity.get_points("xyseb"))
        elif entity.dxftype() == "MTEXT":
            extra = entity.text
        data.append((entity.dxftype(), sorted(entity.dxfattribs().items()), extra))
    return data


def test_same_date_and_seed_give_the_same_files(
    sample: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, manifest = sample
    again = generate(tmp_path, as_of=AS_OF)
    assert again == manifest
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    for floor in manifest["floors"]:
        assert _entity_data(tmp_path / floor["file"]) == _entity_data(out / floor["file"])
    for name in ("regions.csv", "compounds.geojson"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    first = openpyxl.load_workbook(out / "roster.xlsx")
    second = openpyxl.load_workbook(tmp_path / "roster.xlsx")
    for sheet in first.worksheets:
        assert list(sheet.values) == list(second[sheet.title].values)


def test_another_seed_gives_other_people(tmp_path: Path, roster: dict[str, Any]) -> None:
    generate(tmp_path, as_of=AS_OF, seed=7)
    other = openpyxl.load_workbook(tmp_path / "roster.xlsx")["人员"]
    names = [row[0] for row in other.iter_rows(min_row=2, values_only=True)]
    assert names != [p["姓名"] for p in roster["人员"]]


def test_dxf_rooms_have_the_manifest_areas(
    sample: tuple[Path, dict[str, Any]], floors: dict[tuple[str, str], dict[str, Any]]
) -> None:
    _, manifest = sample
    bulged = 0
    for floor in manifest["floors"]:
        plan = floors[(floor["building"], floor["floor"])]
        assert plan["doc"].header["$INSUNITS"] == 4
        assert plan["doc"].dxfversion == "AC1032"
        assert len(plan["rooms"]) == floor["room_count"] == len(floor["rooms"])
        for room, expected in zip(plan["rooms"], floor["rooms"], strict=True):
            area = _bulged_area(room["points"]) / 1e6
            assert room["closed"]
            assert abs(area - expected["area"]) <= 0.005 + 1e-9, (floor["file"], expected)
            if any(b for _, _, b in room["points"]):
                bulged += 1
                # The flattened arc agrees with the analytic area.
                assert abs(room["polygon"].area / 1e6 - area) < 0.05
        total = sum(_bulged_area(r["points"]) for r in plan["rooms"]) / 1e6
        assert abs(total - floor["total_area"]) <= 0.005 + 1e-9
        assert plan["titles"] and plan["titles"][0].endswith("层平面图")
    assert bulged >= 1
    assert sum(len(p["columns"]) for p in floors.values()) >= 1


def test_rooms_lie_inside_the_outline_without_overlap(
    floors: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for key, plan in floors.items():
        polygons = [r["polygon"] for r in plan["rooms"]]
        for i, polygon in enumerate(polygons):
            assert polygon.is_valid and plan["outline"].contains(polygon), key
            for other in polygons[i + 1 :]:
                assert polygon.intersection(other).area < 1e-6, key
        for column in plan["columns"]:
            assert any(p.contains(column) for p in polygons), key


def test_every_room_has_exactly_its_label(
    sample: tuple[Path, dict[str, Any]], floors: dict[tuple[str, str], dict[str, Any]]
) -> None:
    _, manifest = sample
    sources = set()
    for floor in manifest["floors"]:
        plan = floors[(floor["building"], floor["floor"])]
        sources |= {type(e).__name__ for e in plan["doc"].modelspace().query("TEXT MTEXT")}
        for room, expected in zip(plan["rooms"], floor["rooms"], strict=True):
            inside = [text for text, point in plan["labels"] if room["polygon"].contains(point)]
            assert inside == [expected["label"]], (floor["file"], inside)
    assert sources == {"Text", "MText"}


def _fit(outline: Polygon, footprint: Polygon) -> Polygon:
    """Place a plan outline (metres) on a footprint: align the minimum rotated rectangles,
    taking the smallest rotation among the ones that make them coincide."""
    envelope = shapely.oriented_envelope(footprint)
    corners = list(envelope.exterior.coords)[:4]
    edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    (ax, ay), (bx, by) = max(edges, key=lambda e: math.dist(*e))
    angle = math.degrees(math.atan2(by - ay, bx - ax))
    angle = min((angle + k * 180 for k in (-2, -1, 0, 1, 2)), key=abs)
    rotated = affinity.rotate(outline, angle, origin=(0, 0))
    own = shapely.oriented_envelope(rotated)
    dx = envelope.centroid.x - own.centroid.x
    dy = envelope.centroid.y - own.centroid.y
    return affinity.translate(rotated, dx, dy)


def test_plans_fit_their_footprints(
    sample: tuple[Path, dict[str, Any]], floors: dict[tuple[str, str], dict[str, Any]]
) -> None:
    out, manifest = sample
    frame = gpd.read_file(out / "buildings.gpkg", layer="buildings", engine="pyogrio")
    assert frame.crs.to_epsg() == 4548
    assert list(frame.columns[:-1]) == [
        "编码", "名称", "院落编码", "地上层数", "地下层数", "建成年代", "建筑物分类", "权属",
        "权属证明",
    ]  # fmt: skip
    footprints = dict(zip(frame["编码"], frame.geometry, strict=True))
    assert all(400_000 < g.centroid.x < 600_000 for g in footprints.values())
    rotations = set()
    for (building, floor), plan in floors.items():
        outline = affinity.scale(plan["outline"], 0.001, 0.001, origin=(0, 0))
        assert min(outline.exterior.coords) == (0.0, 0.0), (building, floor)
        placed = _fit(outline, footprints[building])
        # GEOS's oriented envelope is exact to a fraction of a millimetre at 4 000 km northing.
        assert footprints[building].buffer(0.002).contains(placed), (building, floor)
        assert placed.hausdorff_distance(footprints[building]) < 0.002, (building, floor)
        rotations.add(
            next(b["rotation_deg"] for b in manifest["buildings"] if b["code"] == building)
        )
    assert len(rotations) >= 3 and all(0 <= r <= 25 for r in rotations)
    assert any(len(g.exterior.coords) > 5 for g in footprints.values())  # the L-shaped one


def test_buildings_lie_in_their_compounds_inside_the_city(
    sample: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = sample
    collection = json.loads((out / "compounds.geojson").read_text(encoding="utf-8"))
    assert collection["crs"] == {
        "type": "name",
        "properties": {"name": "urn:ogc:def:crs:EPSG::4490"},
    }
    to_plan = Transformer.from_crs("EPSG:4490", "EPSG:4548", always_xy=True)
    compounds = {}
    for feature in collection["features"]:
        props = feature["properties"]
        assert set(props) == {"编码", "名称", "地址", "行政区划代码", "不动产权证号"}
        assert len(props["行政区划代码"]) == 12
        ring = feature["geometry"]["coordinates"][0]
        lon_min, lat_min, lon_max, lat_max = CITY_BBOX
        assert all(lon_min < lon < lon_max and lat_min < lat < lat_max for lon, lat in ring)
        plan = Polygon([to_plan.transform(lon, lat) for lon, lat in ring])
        width = max(math.dist(a, b) for a in plan.exterior.coords for b in plan.exterior.coords)
        assert 100 <= width <= 300, props["编码"]
        compounds[props["编码"]] = plan
    assert any(p["properties"]["行政区划代码"].startswith("371821") for p in collection["features"])
    assert any(len(f["geometry"]["coordinates"][0]) != 5 for f in collection["features"])
    frame = gpd.read_file(out / "buildings.gpkg", layer="buildings", engine="pyogrio")
    for code, compound, footprint in zip(
        frame["编码"], frame["院落编码"], frame.geometry, strict=True
    ):
        assert compounds[compound].contains(footprint), code
        assert footprint.intersection(frame.geometry[frame["编码"] != code].union_all()).area == 0


def test_region_csv_is_a_tree(sample: tuple[Path, dict[str, Any]]) -> None:
    raw = (sample[0] / "regions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == ["代码", "名称", "级别", "上级代码"]
    codes = {r["代码"]: r for r in rows}
    assert {"370000000000", "371800000000", "371802000000", "371803000000", "371821000000"} <= set(
        codes
    )
    assert sum(r["级别"] == "乡" for r in rows) >= 4
    for row in rows:
        assert len(row["代码"]) == 12 and row["级别"] in {"省", "市", "县", "乡"}
        assert (row["上级代码"] == "") == (row["级别"] == "省")
        if row["上级代码"]:
            assert row["上级代码"] in codes


def _credit_code_valid(code: str) -> bool:
    weights = [pow(3, i, 31) for i in range(17)]
    if len(code) != 18 or any(ch not in CREDIT_CHARS for ch in code):
        return False
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(code, weights, strict=False))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def test_credit_codes_are_valid(roster: dict[str, Any]) -> None:
    assert _credit_code_valid("91350100M000100Y43")  # a published example
    assert not _credit_code_valid("91350100M000100Y44")
    codes = [a["统一社会信用代码"] for a in roster["单位"]]
    assert all(_credit_code_valid(c) for c in codes) and len(set(codes)) == len(codes)
    for agency in roster["单位"]:
        assert agency["统一社会信用代码"][2:8] == agency["行政区划代码"][:6]


def test_headers_and_ranks_fit_the_agency_category(roster: dict[str, Any]) -> None:
    assert roster["人员:header"] == [
        "姓名", "单位", "职务", "职级", "在职情况", "状态日期", "兼职单位", "兼职职务", "兼职批准",
        "兼职终止日期", "楼栋", "房间号", "入驻日期",
    ]  # fmt: skip
    assert roster["房间:header"] == [
        "楼栋", "楼层", "房间号", "使用单位", "使用状态", "状态日期", "核定用途", "承租方",
        "承租方性质", "合同起始日期", "合同到期日期", "批准文号",
    ]  # fmt: skip
    assert roster["单位:header"][-4:] == ["车位数", "自行车位数", "电动车位数", "警卫人数"]
    assert roster["入驻记录:header"] == ["姓名", "单位", "楼栋", "房间号", "起始日期", "终止日期"]
    assert roster["单位:header"][:8] == [
        "单位名称", "统一社会信用代码", "行政区划代码", "单位类别", "单位性质", "机构级别",
        "上级单位", "实有人数",
    ]  # fmt: skip
    categories = {a["单位名称"]: a["单位类别"] for a in roster["单位"]}
    assert set(categories.values()) == {"市", "县"}
    for agency in roster["单位"]:
        assert agency["上级单位"] in {None, ""} or agency["上级单位"] in categories
        for rank in LIMITS[agency["单位类别"]]:
            assert agency[f"编制数-{rank}"] is not None
    names = [p["姓名"] for p in roster["人员"]]
    assert len(set(names)) == len(names)
    for person in roster["人员"]:
        assert person["职级"] in LIMITS[categories[person["单位"]]], person
        assert person["在职情况"] in {"在职", "退休", "调离"}
        assert (person["状态日期"] is None) == (person["在职情况"] == "在职")
        if person["兼职单位"]:
            assert person["兼职单位"] in categories and person["兼职批准"] in {"是", "否"}
    serving = defaultdict(int)
    for person in roster["人员"]:
        serving[person["单位"]] += person["在职情况"] == "在职"
    assert all(a["实有人数"] == serving[a["单位名称"]] for a in roster["单位"])


def test_register_lists_every_numbered_room_but_the_omitted_one(
    sample: tuple[Path, dict[str, Any]],
    roster: dict[str, Any],
    drawn: dict[tuple[str, str], dict[str, Any]],
) -> None:
    register = {(r["楼栋"], r["房间号"]): r for r in roster["房间"]}
    (omitted,) = _cases(sample[1], "room_not_in_ledger")
    (ref,) = omitted["rooms"]
    assert set(drawn) - set(register) == {(ref["building"], ref["number"])}
    assert set(register) <= set(drawn)
    for key, row in register.items():
        assert row["楼层"] == drawn[key]["floor"]
        assert row["使用状态"] in {"在用", "闲置", "出租", "出借", "被占用", "维修"}
        assert row["核定用途"] in {"办公室", "服务用房", "设备用房"}
    for person in roster["人员"]:
        rooms = person["房间号"].split("、") if person["房间号"] else []
        assert all((person["楼栋"], number) in register for number in rooms), person
        assert bool(rooms) == bool(person["入驻日期"])
    for past in roster["入驻记录"]:
        assert (past["楼栋"], past["房间号"]) in register
        # openpyxl reads date cells back as datetimes.
        assert past["起始日期"] < past["终止日期"] <= datetime(AS_OF.year, AS_OF.month, AS_OF.day)


def _cases(manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in manifest["deliberate_cases"] if c["kind"] == kind]


def test_deliberate_cases_match_the_drawn_rooms(
    sample: tuple[Path, dict[str, Any]], drawn: dict[tuple[str, str], dict[str, Any]]
) -> None:
    _, manifest = sample
    kinds = {c["kind"] for c in manifest["deliberate_cases"]}
    assert kinds >= {
        "leader_over_standard", "leader_within_standard", "retired_still_holding_office",
        "transferred_still_holding_office", "shared_office_within", "shared_office_over",
        "second_office_without_approval", "concurrent_post_ended_office_held", "idle_room_flagged",
        "idle_room_not_yet_flagged", "leased_out", "toilet_not_eligible",
        "toilet_eligible_within_limit", "lease_expired_not_recovered", "room_not_in_ledger",
    }  # fmt: skip
    for case in manifest["deliberate_cases"]:
        for ref in case["rooms"]:
            room = drawn[(ref["building"], ref["number"])]
            assert (room["floor"], room["name"]) == (ref["floor"], ref["name"])
            assert round(room["area"], 2) == ref["area"], case["kind"]
    over = sorted(_cases(manifest, "leader_over_standard"), key=lambda c: c["who"]["limit"])
    assert [(c["who"]["rank"], c["expected"]["total"], c["expected"]["excess"]) for c in over] == [
        ("县级正职", 34.0, 4.0),
        ("市级正职", 48.0, 6.0),
    ]
    assert over[0]["expected"]["office"] == 26.0 and over[0]["expected"]["rest_room"] == 8.0
    assert over[1]["expected"]["office"] == 36.0 and over[1]["expected"]["rest_room"] == 12.0
    (eligible,) = _cases(manifest, "toilet_eligible_within_limit")
    assert eligible["who"]["rank"] == "市级正职" and eligible["expected"]["toilet"] == 5.0
    assert eligible["expected"]["total"] <= 42 and eligible["expected"]["excess"] == 0
    (not_eligible,) = _cases(manifest, "toilet_not_eligible")
    assert not_eligible["who"]["rank"] == "副局(处)级" and not_eligible["expected"]["toilet"] > 0
    (within,) = _cases(manifest, "leader_within_standard")
    assert within["expected"]["total"] <= within["expected"]["limit"]
    (shared_over,) = _cases(manifest, "shared_office_over")
    assert shared_over["expected"] == {
        "area": 21.6, "occupants": 2, "sum_of_limits": 18, "per_person": 10.8, "excess": 3.6
    }  # fmt: skip
    (shared_ok,) = _cases(manifest, "shared_office_within")
    assert shared_ok["expected"]["occupants"] == 3
    assert shared_ok["expected"]["area"] <= shared_ok["expected"]["sum_of_limits"]


def test_case_dates_are_counted_back_from_as_of(sample: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = sample
    (retired,) = _cases(manifest, "retired_still_holding_office")
    assert retired["expected"]["status_date"] == "2025-12-31"
    assert retired["expected"]["vacate_by"] == "2026-01-31"
    (transferred,) = _cases(manifest, "transferred_still_holding_office")
    assert transferred["expected"]["status_date"] == "2026-01-31"
    assert transferred["expected"]["vacate_by"] == "2026-02-28"
    assert transferred["expected"]["days_overdue"] == 31
    (ended,) = _cases(manifest, "concurrent_post_ended_office_held")
    assert ended["expected"]["concurrent_end"] == "2025-12-31"
    assert ended["expected"]["vacate_by"] == "2026-02-28"
    (flagged,) = _cases(manifest, "idle_room_flagged")
    (not_yet,) = _cases(manifest, "idle_room_not_yet_flagged")
    assert date.fromisoformat(flagged["expected"]["idle_since"]) < date(2025, 8, 31)
    assert date.fromisoformat(not_yet["expected"]["idle_since"]) == date(2025, 10, 31)
    (expired,) = _cases(manifest, "lease_expired_not_recovered")
    assert expired["expected"]["contract_start"] == "2025-01-31"
    assert expired["expected"]["contract_end"] == "2026-01-31"
    assert expired["expected"]["days_overdue"] == 59


def test_only_the_leased_room_has_a_contract(
    sample: tuple[Path, dict[str, Any]], roster: dict[str, Any]
) -> None:
    (leased,) = _cases(sample[1], "leased_out")
    ref = leased["rooms"][0]
    with_contract = [r for r in roster["房间"] if r["承租方"]]
    assert [(r["楼栋"], r["房间号"]) for r in with_contract] == [(ref["building"], ref["number"])]
    (row,) = with_contract
    assert (row["使用状态"], row["承租方性质"]) == ("出租", "企业")
    assert row["合同到期日期"].date() < AS_OF


def test_idle_since_follows_from_the_history(
    sample: tuple[Path, dict[str, Any]], roster: dict[str, Any]
) -> None:
    _, manifest = sample
    for kind in ("idle_room_flagged", "idle_room_not_yet_flagged"):
        (case,) = _cases(manifest, kind)
        ref = case["rooms"][0]
        row = next(
            r
            for r in roster["房间"]
            if (r["楼栋"], r["房间号"]) == (ref["building"], ref["number"])
        )
        assert row["使用状态"] == "闲置"
        ends = [
            p["终止日期"]
            for p in roster["入驻记录"]
            if (p["楼栋"], p["房间号"]) == (ref["building"], ref["number"])
        ]
        since = date.fromisoformat(case["expected"]["idle_since"])
        assert ends and max(ends).date() == since == row["状态日期"].date()
        assert not any(
            ref["number"] in (p["房间号"] or "").split("、") and p["楼栋"] == ref["building"]
            for p in roster["人员"]
        )


def test_nothing_else_breaks_the_standard(
    sample: tuple[Path, dict[str, Any]],
    roster: dict[str, Any],
    drawn: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """Apply §7's per-person and per-room rules to the files; only the listed cases may fail."""
    _, manifest = sample
    case_people = defaultdict(set)
    case_rooms = defaultdict(set)
    for case in manifest["deliberate_cases"]:
        if case["expected_finding"] and "who" in case:
            case_people[case["kind"]].add(case["who"]["name"])
        for ref in case["rooms"]:
            case_rooms[case["kind"]].add((ref["building"], ref["number"]))
    categories = {a["单位名称"]: a["单位类别"] for a in roster["单位"]}
    register = {(r["楼栋"], r["房间号"]): r for r in roster["房间"]}
    held: dict[str, list[tuple[str, str]]] = {}
    holders: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for person in roster["人员"]:
        numbers = person["房间号"].split("、") if person["房间号"] else []
        held[person["姓名"]] = [(person["楼栋"], n) for n in numbers]
        for key in held[person["姓名"]]:
            holders[key].append(person)
    for person in roster["人员"]:
        name = person["姓名"]
        limit = LIMITS[categories[person["单位"]]][person["职级"]]
        rooms = held[name]
        if person["在职情况"] != "在职" and rooms:
            assert (
                name
                in case_people["retired_still_holding_office"]
                | case_people["transferred_still_holding_office"]
            )
        offices = [k for k in rooms if register[k]["核定用途"] == "办公室"]
        if len(offices) > 1:
            assert name in case_people["second_office_without_approval"] | case_people[
                "concurrent_post_ended_office_held"
            ] or (person["兼职批准"] == "是" and not person["兼职终止日期"])
            assert len(offices) == 2
        if any(drawn[k]["name"] == "卫生间" for k in rooms):
            assert name in case_people["toilet_not_eligible"] or person["职级"] == "市级正职"
        if person["兼职终止日期"]:
            assert name in case_people["concurrent_post_ended_office_held"]
        if rooms and all(len(holders[k]) == 1 for k in rooms):
            total = sum(drawn[k]["area"] for k in rooms)
            if total > limit:
                assert name in case_people["leader_over_standard"], (name, total, limit)
    for key, people in holders.items():
        if len(people) > 1:
            limits = sum(LIMITS[categories[p["单位"]]][p["职级"]] for p in people)
            if drawn[key]["area"] > limits:
                assert key in case_rooms["shared_office_over"], key
    for key, row in register.items():
        if row["核定用途"] == "办公室" and not holders.get(key):
            unused = ("idle_room_flagged", "idle_room_not_yet_flagged", "leased_out")
            assert any(key in case_rooms[kind] for kind in unused), key
        if row["使用状态"] != "在用":
            assert row["使用状态"] in {"闲置", "出租"}
    _entitlement_covers_actual(roster, register, drawn)


def _entitlement_covers_actual(
    roster: dict[str, Any],
    register: dict[tuple[str, str], dict[str, Any]],
    drawn: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """A = Σ 编制 x limit covers the offices, B at 5 m² per 编制 the service rooms, 9 % the
    equipment rooms, for every agency (suite rooms counted on both sides)."""
    actual: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key, row in register.items():
        actual[row["使用单位"]][row["核定用途"]] += drawn[key]["area"]
    for agency in roster["单位"]:
        limits = LIMITS[agency["单位类别"]]
        staff = {r: agency[f"编制数-{r}"] for r in limits}
        a = sum(staff[r] * limits[r] for r in limits)
        b = 5 * sum(staff.values())
        figures = actual[agency["单位名称"]]
        assert figures["办公室"] <= a, agency["单位名称"]
        assert figures["服务用房"] <= b, agency["单位名称"]
        assert figures["设备用房"] <= 0.09 * (a + b), agency["单位名称"]
