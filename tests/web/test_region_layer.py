"""Compounds rolled up to regions for the zoomed-out map, on the tiny city (figures by hand).

济南市 holds two counties: 历下区 (compound 一号院: buildings 1 and 2, 108 m² of rooms, 20 m²
idle (301), offices 101 (张三) and 301 (empty)) and 青石县 (compound 大院: one building, room
201, a 35 m² office with 钱七 in it). So 济南市's idle share is 20 / 143 (not the mean of
20/108 and 0) and its occupancy 2 of 3 offices (not the mean of 1/2 and 1/1).
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import build_context
from gis_app.analysis.run import run_analysis
from gis_app.app import create_app
from gis_app.config import Settings
from layers.base import parse_bbox
from layers.regions import RegionsProvider
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import OTHER_ORIGIN
from tests.web.cityfixture import QINGSHI
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city_with_leader
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in

JINAN = "370100000000"
EVERYTHING = Scope(everything=True)
AROUND_QINGSHI = ",".join(
    str(v) for v in (OTHER_ORIGIN[0] - 0.01, OTHER_ORIGIN[1] - 0.01, OTHER_ORIGIN[0] + 0.01,
                     OTHER_ORIGIN[1] + 0.01)
)  # fmt: skip


@pytest.fixture
def session(city_database: tuple[str, City]):  # noqa: ANN201
    engine = create_engine(city_database[0])
    try:
        with Session(engine) as s:
            yield s
    finally:
        engine.dispose()


def _regions(
    session: Session, zoom: int, *, bbox: str | None = None, indicator: str | None = None
) -> dict:
    provider = RegionsProvider(zoom=zoom, indicator=indicator)
    collection = provider.query(session, bbox=parse_bbox(bbox), scope=EVERYTHING)
    return {f["id"]: f["properties"] for f in collection["features"]}


def test_a_city_sums_its_counties_areas_before_dividing(session: Session, city: City):
    idle = _regions(session, 8, indicator="idle_share")
    assert list(idle) == [JINAN]
    jinan = idle[JINAN]
    assert (jinan["name"], jinan["level"], jinan["compounds"], jinan["buildings"]) == (
        "济南市", "市", 2, 3
    )  # fmt: skip
    assert jinan["indicator"] == round(20 / 143, 4)  # 0.1399, not (20/108 + 0) / 2 = 0.0926
    occupancy = _regions(session, 9, indicator="occupancy")[JINAN]
    assert occupancy["indicator"] == round(2 / 3, 4)  # not (1/2 + 1/1) / 2 = 0.75
    minx, miny, maxx, maxy = jinan["bounds"]
    assert minx < 117.02 < maxx and miny < OTHER_ORIGIN[1] < maxy


def test_the_zoom_picks_the_level(session: Session, city: City):
    counties = _regions(session, 11, indicator="idle_share")
    assert list(counties) == [LIXIA, QINGSHI]
    assert counties[LIXIA]["name"] == "历下区" and counties[LIXIA]["level"] == "县"
    assert (counties[LIXIA]["compounds"], counties[LIXIA]["buildings"]) == (1, 2)
    assert counties[LIXIA]["indicator"] == round(20 / 108, 4)
    assert counties[QINGSHI]["indicator"] == 0.0
    province = _regions(session, 4)
    assert list(province) == ["370000000000"]  # no 山东省 row in the fixture: no name
    assert province["370000000000"]["name"] is None
    assert province["370000000000"]["compounds"] == 2
    assert "indicator" not in province["370000000000"]


def test_a_region_in_view_is_counted_whole(session: Session, city: City):
    jinan = _regions(session, 8, bbox=AROUND_QINGSHI)
    assert jinan[JINAN]["compounds"] == 2  # 一号院 is out of view but in 济南市
    assert list(_regions(session, 11, bbox=AROUND_QINGSHI)) == [QINGSHI]
    assert _regions(session, 8, bbox="100,20,100.1,20.1") == {}


@pytest.mark.parametrize(
    ("username", "compounds", "buildings", "idle"),
    [
        ("lixia", 1, 2, round(20 / 108, 4)),  # 历下区 only
        ("qingshi", 1, 1, 0.0),  # 青石县 only
        ("caizheng", 1, 1, round(20 / 76, 4)),  # 市财政局's rooms 101, 102, 301 in building 1
    ],
)
def test_counts_never_include_what_the_scope_hides(
    app: Flask, city: City, username: str, compounds: int, buildings: int, idle: float
):
    client = logged_in(app, username)
    response = client.get("/api/layers/regions?zoom=8&indicator=idle_share")
    assert response.status_code == 200, response.get_data(as_text=True)
    (feature,) = response.get_json()["features"]
    p = feature["properties"]
    assert (feature["id"], p["compounds"], p["buildings"], p["indicator"]) == (
        JINAN, compounds, buildings, idle
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "code", "words"),
    [
        ("", "bad_zoom", "zoom 参数必须是 0 到 12 之间的整数（收到 None）"),
        ("zoom=abc", "bad_zoom", "zoom 参数必须是 0 到 12 之间的整数（收到 abc）"),
        ("zoom=13", "bad_zoom", "收到 13"),
        ("zoom=-1", "bad_zoom", "收到 -1"),
        ("zoom=1.5", "bad_zoom", "收到 1.5"),
        ("zoom=8&bbox=1,2,3", "bbox_not_four_numbers", "bbox 参数必须是 4 个数字"),
        ("zoom=8&bbox=3,2,1,4", "bbox_inverted", "bbox 参数的最小值大于最大值"),
        ("zoom=8&indicator=beauty", "bad_indicator", "indicator 参数只能是"),
    ],
)
def test_bad_parameters_are_400s_that_say_what_is_wrong(client, query, code, words):
    response = client.get(f"/api/layers/regions?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and words in error["message"], error


def test_over_standard_area_is_summed_from_the_stored_run(settings: Settings):
    insert_into(settings.database_url, insert_city_with_leader)

    def store(session):  # noqa: ANN001, ANN202
        run_analysis(session, build_context(session, settings, region_code=JINAN), actor="t")
        session.commit()

    client = logged_in(create_app(settings), "admin")
    url = "/api/layers/regions?zoom={}&indicator=over_standard"
    assert client.get(url.format(8)).get_json()["features"][0]["properties"]["indicator"] is None
    insert_into(settings.database_url, store)
    (jinan,) = client.get(url.format(8)).get_json()["features"]
    # 王五: 24 m² against 18 m² in 历下区; 钱七 (县级正职): 35 m² against 30 m² in 青石县
    assert jinan["properties"]["indicator"] == 11.0
    counties = {f["id"]: f["properties"] for f in client.get(url.format(12)).get_json()["features"]}
    assert (counties[LIXIA]["indicator"], counties[QINGSHI]["indicator"]) == (6.0, 5.0)
