"""The JSON API the pages fetch from: layers by bbox and floor, records, errors as JSON."""

from __future__ import annotations

import pytest

from tests.web.cityfixture import ORIGIN
from tests.web.cityfixture import SCRIPT_NAME

AROUND_CITY = "117.0,36.6,117.1,36.7"
FAR_AWAY = "100.0,20.0,100.1,20.1"


def _ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_compounds_by_bbox(client, city):
    near = _ok(client, f"/api/layers/compounds?bbox={AROUND_CITY}")
    assert near["type"] == "FeatureCollection" and near["numberReturned"] == 1
    (feature,) = near["features"]
    assert feature["id"] == city.compound_id
    assert feature["properties"]["name"] == "市级机关一号院"
    assert feature["properties"]["building_count"] == 2
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert near["style"]["dashArray"]
    assert _ok(client, f"/api/layers/compounds?bbox={FAR_AWAY}")["features"] == []


def test_buildings_carry_what_the_popup_shows(client, city):
    data = _ok(client, f"/api/layers/buildings?bbox={AROUND_CITY}")
    by_id = {f["id"]: f["properties"] for f in data["features"]}
    main = by_id[city.building_id]
    assert main["name"] == "1号办公楼" and main["compound_name"] == "市级机关一号院"
    assert (main["floors_above"], main["floors_below"], main["plan_floors"]) == (5, 1, 2)
    assert by_id[city.empty_building_id]["plan_floors"] == 0


def test_bbox_selects_by_geometry(client, city):
    # building 2 lies at plan x 60..90 m, i.e. east of 117.0206; a box west of it misses it
    west = f"{ORIGIN[0] - 0.001},{ORIGIN[1] - 0.001},{ORIGIN[0] + 0.0005},{ORIGIN[1] + 0.001}"
    ids = [f["id"] for f in _ok(client, f"/api/layers/buildings?bbox={west}")["features"]]
    assert ids == [city.building_id]


def test_floor_filter_and_limit(client, city):
    data = _ok(client, f"/api/layers/buildings?floor={city.floor_3f_id}")
    assert [f["id"] for f in data["features"]] == [city.building_id]
    cut = _ok(client, "/api/layers/buildings?limit=1")
    assert cut["numberReturned"] == 1 and cut["truncated"] is True


def test_floors_layer(client, city):
    data = _ok(client, f"/api/layers/floors?bbox={AROUND_CITY}")
    floors = {f["properties"]["name"]: f["properties"] for f in data["features"]}
    assert set(floors) == {"1F", "3F"}  # B1 has no rooms
    assert floors["1F"]["room_count"] == 3 and floors["1F"]["usable_area_m2"] == 68.0


def test_floor_rooms_in_the_plan_frame(client, city):
    data = _ok(client, f"/api/floors/{city.floor_1f_id}/rooms")
    assert data["frame"] == "plan" and data["numberReturned"] == 3
    office = next(f for f in data["features"] if f["id"] == city.office_id)
    p = office["properties"]
    assert p["number"] == "101" and p["usable_area_m2"] == 24.0
    assert p["use_category"] == "办公室" and p["use_subtype"] == "领导办公室"
    assert p["agency_name"] == "市财政局"
    assert [o["name"] for o in p["occupants"]] == ["张三"]  # 李四 left on 2022-03-01
    assert p["label_point"] == [3.0, 2.0]
    ring = office["geometry"]["coordinates"][0][0]
    assert {tuple(pt) for pt in ring} == {(0, 0), (6, 0), (6, 4), (0, 4)}
    assert data["colours"]["use"]["办公室"] and data["colours"]["status"]["闲置"]


def test_floor_rooms_in_the_map_frame(client, city):
    data = _ok(client, f"/api/floors/{city.floor_1f_id}/rooms?frame=map")
    office = next(f for f in data["features"] if f["id"] == city.office_id)
    lon, lat = office["properties"]["label_point"]
    assert lon == pytest.approx(ORIGIN[0] + 3e-5) and lat == pytest.approx(ORIGIN[1] + 2e-5)
    assert office["properties"]["usable_area_m2"] == 24.0  # from the plan, never from degrees


def test_rooms_layer_needs_a_floor_or_bbox(client, city):
    response = client.get("/api/layers/rooms")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "rooms_need_floor_or_bbox"
    by_box = _ok(client, f"/api/layers/rooms?bbox={AROUND_CITY}")
    assert by_box["numberReturned"] == 5


def test_room_record(client, city):
    room = _ok(client, f"/api/rooms/{city.office_id}")
    assert room["building_id"] == city.building_id and room["floor_name"] == "1F"
    assert room["area_rule"] == "inner_outline"
    assert [(h["name"], h["valid_to"]) for h in room["history"]] == [
        ("张三", None),
        ("李四", "2022-03-01"),
    ]
    assert _ok(client, f"/api/rooms/{city.script_room_id}")["name"] == SCRIPT_NAME


def test_building_record(client, city):
    data = _ok(client, f"/api/buildings/{city.building_id}")
    assert [(f["name"], f["has_plan"]) for f in data["floors"]] == [
        ("B1", False),
        ("1F", True),
        ("2F", False),
        ("3F", True),
        ("4F", False),
        ("5F", False),
    ]


@pytest.mark.parametrize(
    ("url", "status", "code", "text"),
    [
        ("/api/layers/compounds?bbox=1,2,3", 400, "bbox_not_four_numbers", "4 个数字"),
        ("/api/layers/compounds?bbox=a,b,c,d", 400, "bbox_not_four_numbers", "a,b,c,d"),
        ("/api/layers/buildings?bbox=3,2,1,4", 400, "bbox_inverted", "最小值大于最大值"),
        ("/api/layers/buildings?limit=0", 400, "bad_limit", "limit"),
        ("/api/layers/buildings?floor=x", 400, "bad_integer", "floor 参数必须是正整数"),
        ("/api/layers/parcels", 404, "layer_not_found", "图层 parcels 不存在"),
        ("/api/floors/9999/rooms", 404, "floor_not_found", "楼层 9999 不存在"),
        ("/api/floors/1/rooms?frame=3857", 400, "bad_frame", "frame 参数"),
        ("/api/rooms/9999", 404, "room_not_found", "房间 9999 不存在"),
        ("/api/buildings/9999", 404, "building_not_found", "楼栋 9999 不存在"),
        ("/api/nothing", 404, "not_found", "不存在"),
        ("/api/rooms/99999999999999999999", 404, "not_found", "不存在"),
        ("/api/layers/rooms?floor=2147483648", 400, "bad_integer", "floor 参数必须是正整数"),
    ],
)
def test_errors_are_json_with_a_clear_message(client, city, url, status, code, text):
    response = client.get(url)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["status"] == status
    assert text in error["message"]


def test_error_messages_follow_the_language(client, city):
    response = client.get("/api/layers/compounds?bbox=1,2&lang=en")
    assert response.get_json()["error"]["message"] == (
        "bbox must be 4 numbers minx,miny,maxx,maxy (got 1,2)"
    )


def test_requests_return_their_connections(app, client, city):
    """One session per request, closed at teardown: nothing stays checked out of the pool."""
    from gis_app.db import get_engine

    for url in ("/", f"/api/floors/{city.floor_1f_id}/rooms", "/api/rooms/9999"):
        client.get(url)
    engine = get_engine(app.config["GIS_SETTINGS"].database_url)
    assert engine.pool.checkedout() == 0
