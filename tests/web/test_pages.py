"""The HTML pages through Flask's test client, on a real PostGIS holding the tiny city."""

from __future__ import annotations

import json
import re

import pytest

from gis_app.app import create_app
from tests.web.cityfixture import SCRIPT_NAME
from tests.web.conftest import logged_in
from tests.web.htmltools import external_urls
from tests.web.htmltools import page_config
from tests.web.htmltools import parse


def _floor_names(html: str) -> list[str]:
    return re.findall(r'<span class="floor-name">([^<]+)</span>', html)


def test_map_page_loads_leaflet_locally_and_fetches_layers(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "办公用房一张图" in html
    assert re.search(r'<script src="/static/vendor/leaflet/leaflet\.js\?v=[0-9a-f]{12}">', html)
    config = page_config(html)
    assert config["compounds_url"] == "/api/layers/compounds"
    assert config["buildings_url"] == "/api/layers/buildings"
    assert config["building_url"] == "/buildings/"
    assert f"var {config['map_name']} = L.map(" in html
    # fitted to the data (compound 117.0198..117.0212 E, 36.6598..36.6606 N), data not embedded
    assert re.search(
        r"fitBounds\(\s*\[\[36\.659\d*, 117\.019\d*\], \[36\.660\d*, 117\.021\d*\]\]", html
    )
    assert "1号办公楼" not in html and "市级机关一号院" not in html


def test_map_page_without_data_says_what_to_do(empty_client):
    html = empty_client.get("/").get_data(as_text=True)
    assert "暂无院落或楼栋数据" in html
    assert "fitBounds" not in html


def test_building_page_lists_floors_by_ordinal_with_missing_plans(client, city):
    html = client.get(f"/buildings/{city.building_id}").get_data(as_text=True)
    assert _floor_names(html) == ["B1", "1F", "2F", "3F", "4F", "5F"]
    assert html.count("未导入平面图") == 4  # B1 (a floor row without rooms), 2F, 4F, 5F
    config = page_config(html)
    assert config["floor_id"] == city.floor_1f_id  # the ground floor by default
    assert config["rooms_url"] == f"/api/floors/{city.floor_1f_id}/rooms?frame=plan"
    assert config["room_api_url"] == "/api/rooms/"
    assert "crs: L.CRS.Simple" in html
    assert "108.00 m²" in html  # 68 m² on 1F + 40 m² on 3F
    for kind_label in ("办公室", "服务用房", "设备用房", "附属用房", "技术业务用房", "公共交通"):
        assert kind_label in html  # the legend
    assert "1F</title>" not in html and "<title>1号办公楼 1F ·" in html


def test_building_page_selects_the_floor_asked_for(client, city):
    html = client.get(f"/buildings/{city.building_id}?floor={city.floor_3f_id}").get_data(
        as_text=True
    )
    assert page_config(html)["floor_id"] == city.floor_3f_id
    selected = rf'class="floor selected">\s*<a href="[^"]+" data-floor-id="{city.floor_3f_id}"'
    assert re.search(selected, html)


def test_floor_without_a_plan_says_so(client, city):
    html = client.get(f"/buildings/{city.building_id}?floor={city.floor_b1_id}").get_data(
        as_text=True
    )
    assert "该楼层未导入平面图" in html
    assert page_config(html)["rooms_url"] is None


def test_building_without_any_plan_says_so(client, city):
    response = client.get(f"/buildings/{city.empty_building_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "该楼栋尚未导入任何楼层平面图" in html
    assert _floor_names(html) == ["1F", "2F", "3F"]
    assert "floorplan.js" not in html


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "%3Cscript%3E", "99999999999", "١"])
def test_bad_floor_parameter_is_a_400_in_chinese(client, city, value):
    response = client.get(f"/buildings/{city.building_id}?floor={value}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请求参数有误" in html and "floor 参数必须是正整数" in html
    assert "<script>" not in html.split("<body", 1)[1].split('id="i18n"')[0]


def test_floor_of_another_building_is_a_404(client, city):
    response = client.get(f"/buildings/{city.empty_building_id}?floor={city.floor_1f_id}")
    assert response.status_code == 404
    assert f"楼层 {city.floor_1f_id} 不属于该楼栋" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/buildings/9999", "/rooms/9999", "/no/such/page", "/buildings/x", "/rooms/99999999999"],
)
def test_not_found_pages_are_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "页面或数据不存在" in html
    assert '<html lang="zh-CN">' in html


def test_room_page_shows_the_card(client, city):
    html = client.get(f"/rooms/{city.office_id}").get_data(as_text=True)
    for text in (
        "房间 101",
        "局长办公室",
        "办公室 / 领导办公室",
        "24.00 m²",
        "inner_outline",
        "市财政局",
        "张三",
        "正局(处)级",
        "李四",
        "2019-01-01",
        "2022-03-01",
        "至今",
    ):
        assert text in html, text
    assert f'href="/buildings/{city.building_id}?floor={city.floor_1f_id}"' in html


def test_user_text_is_escaped(client, city):
    html = client.get(f"/rooms/{city.script_room_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT_NAME not in html
    assert "闲置" in html


def test_english_is_switchable_and_remembered(client, city):
    response = client.get(f"/rooms/{city.office_id}?lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Office / Leader&#39;s office" in html and "Current occupants" in html
    assert "lang=en" in response.headers["Set-Cookie"]
    again = client.get(f"/buildings/{city.building_id}").get_data(as_text=True)
    assert "Floors above ground" in again and "No floor plan imported" in again
    back = client.get("/?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-CN">' in back


def test_unknown_language_is_a_400(client):
    response = client.get("/?lang=fr")
    assert response.status_code == 400
    assert "lang 参数只能是 zh 或 en" in response.get_data(as_text=True)


def test_language_links_keep_the_other_parameters(client, city):
    html = client.get(f"/buildings/{city.building_id}?floor={city.floor_3f_id}").get_data(
        as_text=True
    )
    assert f'href="/buildings/{city.building_id}?floor={city.floor_3f_id}&amp;lang=en"' in html


def _pages(city) -> list[str]:
    return [
        "/",
        f"/buildings/{city.building_id}",
        f"/buildings/{city.building_id}?floor={city.floor_3f_id}",
        f"/buildings/{city.empty_building_id}",
        f"/rooms/{city.office_id}",
        f"/rooms/{city.script_room_id}?lang=en",
        "/nowhere",
        f"/buildings/{city.building_id}?floor=x",
    ]


def test_no_page_refers_to_another_host(client, city):
    for path in _pages(city):
        html = client.get(path).get_data(as_text=True)
        assert external_urls(html) == [], path
        for url in parse(html).urls:
            assert url.startswith(("/", "?", "#")), (path, url)


def test_every_asset_a_page_loads_is_served(client, city):
    for path in _pages(city):
        for url in parse(client.get(path).get_data(as_text=True)).urls:
            if url.startswith("/static/"):
                response = client.get(url)
                assert response.status_code == 200, url
                response.close()


def test_our_scripts_and_styles_refer_to_no_other_host(client):
    for name in ("js/common.js", "js/map.js", "js/floorplan.js", "css/app.css"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert external_urls(response.get_data(as_text=True)) == [], name
        response.close()


def test_configured_base_map_is_the_only_tile_layer(city_settings):
    url = "/tiles/{z}/{x}/{y}.png"
    app = create_app(city_settings.with_changes(base_map_url=url, base_map_attribution="内网底图"))
    html = logged_in(app, "lixia").get("/").get_data(as_text=True)
    assert html.count("L.tileLayer(") == 1
    assert f'"{url}"' in html
    assert json.dumps("内网底图") in html  # folium writes options as ASCII JSON


def test_default_map_has_no_base_map(client):
    assert "L.tileLayer(" not in client.get("/").get_data(as_text=True)
