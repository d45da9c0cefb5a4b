"""The map's indicators, server-side clusters and room vector tiles, on the tiny city.

Building 1 of 历下区 holds 108 m² of rooms: 101 (office, 24 m², 张三 in it), 102 (meeting room,
32 m²), 103 (toilet, 12 m², no agency) on 1F and 301 (office, 20 m², 闲置), 302 (archive,
20 m², no agency) on 3F. So its idle share is 20/108, and one office of two is occupied.
"""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from flask import Flask

from gis_app.analysis.context import build_context
from gis_app.analysis.run import run_analysis
from gis_app.app import create_app
from layers.styles import UNKNOWN_COLOUR
from layers.styles import indicator_colour
from layers.tiles import FIELDS
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import ORIGIN
from tests.web.cityfixture import OTHER_ORIGIN
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city_with_leader
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in

AROUND_ALL = "116.0,35.0,119.0,38.0"


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile holding a lon/lat point (Web Mercator)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


LX_TILE = "/tiles/rooms/{}/{}/{}.pbf".format(*_tile(ORIGIN[0] + 1e-4, ORIGIN[1] + 2e-5, 17))
QS_TILE = "/tiles/rooms/{}/{}/{}.pbf".format(
    *_tile(OTHER_ORIGIN[0] + 3e-5, OTHER_ORIGIN[1] + 2e-5, 17)
)


def _props(client, url: str) -> dict[int, dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {f["id"]: f["properties"] for f in response.get_json()["features"]}


def test_buildings_coloured_by_idle_share_and_occupancy(client, city: City):
    idle = _props(client, f"/api/layers/buildings?bbox={AROUND_ALL}&indicator=idle_share")
    assert idle[city.building_id]["indicator"] == round(20 / 108, 4)
    assert idle[city.building_id]["colour"] == indicator_colour("idle_share", 20 / 108)
    assert idle[city.empty_building_id]["indicator"] is None  # no rooms: no figure, grey
    assert idle[city.empty_building_id]["colour"] == UNKNOWN_COLOUR
    occupancy = _props(client, f"/api/layers/buildings?bbox={AROUND_ALL}&indicator=occupancy")
    assert occupancy[city.building_id]["indicator"] == 0.5
    compounds = _props(client, f"/api/layers/compounds?bbox={AROUND_ALL}&indicator=idle_share")
    assert compounds[city.compound_id]["indicator"] == round(20 / 108, 4)
    plain = _props(client, f"/api/layers/buildings?bbox={AROUND_ALL}")
    assert "indicator" not in plain[city.building_id]


def test_indicators_count_only_what_the_scope_shows(app: Flask, city: City):
    agency = logged_in(app, "caizheng")  # 101, 102 and 301 only: 76 m², 20 idle
    idle = _props(agency, f"/api/layers/buildings?bbox={AROUND_ALL}&indicator=idle_share")
    assert idle[city.building_id]["indicator"] == round(20 / 76, 4)


def test_over_standard_needs_a_stored_run(settings):
    """No stored run: no figure (the map never runs the checks); after a run, its excess."""

    city = insert_into(settings.database_url, insert_city_with_leader)
    client = logged_in(create_app(settings), "lixia")
    url = f"/api/layers/buildings?bbox={AROUND_ALL}&indicator=over_standard"
    assert _props(client, url)[city.building_id]["indicator"] is None

    def store(session):  # noqa: ANN001, ANN202
        run_analysis(session, build_context(session, settings, region_code=LIXIA), actor="t")
        session.commit()

    insert_into(settings.database_url, store)
    buildings = _props(client, url)
    assert buildings[city.building_id]["indicator"] == 6.0  # 王五: 24 m² against 18 m²
    assert buildings[city.building_id]["colour"] == indicator_colour("over_standard", 6.0)
    assert buildings[city.empty_building_id]["indicator"] == 0.0  # covered, nothing over
    compounds = _props(client, url.replace("buildings", "compounds"))
    assert compounds[city.compound_id]["indicator"] == 6.0
    other = _props(logged_in(create_app(settings), "qingshi"), url)
    assert other[city.qs_building_id]["indicator"] is None  # no run covers 青石县


@pytest.mark.parametrize("value", ["", "abc", "0", "11", "nan"])
def test_clusters_need_a_cell_size(client, value):
    response = client.get(f"/api/layers/clusters?cell={value}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_cell"
    assert "cell 参数" in response.get_json()["error"]["message"]


def test_bad_indicator_is_a_400(client):
    response = client.get("/api/layers/buildings?indicator=beauty")
    assert response.status_code == 400
    assert "idle_share, over_standard, occupancy" in response.get_json()["error"]["message"]


def test_clusters_aggregate_compounds_by_cell(app: Flask, city: City):
    admin = logged_in(app, "admin")
    (one,) = admin.get("/api/layers/clusters?cell=10").get_json()["features"]
    assert one["geometry"]["type"] == "Point"
    p = one["properties"]
    assert (p["compounds"], p["buildings"], p["name"], p["compound_id"]) == (2, 3, None, None)
    minx, miny, maxx, maxy = p["bounds"]
    assert minx < ORIGIN[0] < maxx and miny < OTHER_ORIGIN[1] < maxy
    fine = admin.get("/api/layers/clusters?cell=0.01").get_json()["features"]
    assert sorted(f["properties"]["name"] for f in fine) == ["市级机关一号院", "青石县政府大院"]
    lixia = logged_in(app, "lixia").get("/api/layers/clusters?cell=5&indicator=idle_share")
    (mine,) = lixia.get_json()["features"]
    assert mine["properties"]["compound_id"] == city.compound_id
    assert mine["properties"]["buildings"] == 2
    assert mine["properties"]["indicator"] == round(20 / 108, 4)


def _decode(response) -> list[dict]:  # noqa: ANN001
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    if not response.data:
        return []
    layers = mapbox_vector_tile.decode(response.data)
    assert set(layers) == {"rooms"}
    assert layers["rooms"]["extent"] == 4096
    return layers["rooms"]["features"]


def test_room_tiles_hold_one_floor_level_of_rooms(client, city: City):
    features = _decode(client.get(LX_TILE))
    by_number = {f["properties"]["number"]: f for f in features}
    assert set(by_number) == {"101", "102", "103"}  # the ground floor only
    office = by_number["101"]
    assert office["id"] == office["properties"]["room_id"] == city.office_id
    assert set(office["properties"]) == set(FIELDS)  # nothing more: no occupants
    assert office["properties"]["area_m2"] == 24.0  # the plan-frame area, not a projected one
    assert office["properties"]["agency"] == "市财政局"
    assert office["properties"]["status"] == "在用"
    assert office["geometry"]["type"] == "Polygon"
    third = _decode(client.get(LX_TILE + "?ordinal=3"))
    assert {f["properties"]["number"] for f in third} == {"301", "302"}
    assert _decode(client.get(LX_TILE + "?ordinal=-1")) == []


def test_room_tiles_follow_the_scope(app: Flask, city: City):
    agency = _decode(logged_in(app, "caizheng").get(LX_TILE))
    assert {f["properties"]["number"] for f in agency} == {"101", "102"}
    assert _decode(logged_in(app, "qingshi").get(LX_TILE)) == []
    assert _decode(logged_in(app, "lixia").get(QS_TILE + "?ordinal=2")) == []
    theirs = _decode(logged_in(app, "qingshi").get(QS_TILE + "?ordinal=2"))  # 县政府主楼 2F
    assert [f["properties"]["number"] for f in theirs] == ["201"]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/tiles/rooms/5/26/12.pbf", "tile_out_of_range"),
        ("/tiles/rooms/17/131072/0.pbf", "tile_out_of_range"),
        ("/tiles/rooms/99999999999999999999/0/0.pbf", "tile_out_of_range"),
        (LX_TILE + "?ordinal=1F", "bad_ordinal"),
    ],
)
def test_bad_tiles_are_400s_in_json(client, path, code):
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_tiles_need_a_login(anonymous):
    response = anonymous.get(LX_TILE)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "请先登录"


def test_map_page_offers_the_indicators_and_their_legends(client):
    from tests.web.htmltools import page_config

    html = client.get("/").get_data(as_text=True)
    for label in ("闲置面积占比", "超标面积", "办公室使用率", "≥ 30%", "无数据"):
        assert label in html, label
    config = page_config(html)
    assert config["clusters_url"] == "/api/layers/clusters"
    assert config["room_tiles_url"] == "/tiles/rooms/{z}/{x}/{y}.pbf"
    assert "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js" in html
    assert (
        client.get("/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js").status_code == 200
    )
