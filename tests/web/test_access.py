"""Access: login, logout, expiry, CSRF, throttling, role guards, and the role/scope matrix that
proves no page or API shows anything outside a user's jurisdiction."""

from __future__ import annotations

import re
import time

import mapbox_vector_tile
import pytest
from flask import Flask

from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import City
from tests.web.conftest import logged_in
from tests.web.conftest import login
from tests.web.conftest import post_form
from tests.web.htmltools import csrf_token
from tests.web.test_map_layers import LX_TILE
from tests.web.test_map_layers import QS_TILE

AROUND_ALL = "116.0,35.0,119.0,38.0"


def _routes(city: City) -> dict[str, list[str]]:
    """Every GET route, with the ids of 历下区 (LX) and of 青石县 (QS) data."""
    return {
        "lx": [
            f"/buildings/{city.building_id}",
            f"/rooms/{city.office_id}",
            f"/api/buildings/{city.building_id}",
            f"/api/rooms/{city.office_id}",
            f"/api/floors/{city.floor_1f_id}/rooms",
            f"/?compound={city.compound_id}",
        ],
        "qs": [
            f"/buildings/{city.qs_building_id}",
            f"/rooms/{city.qs_room_id}",
            f"/api/buildings/{city.qs_building_id}",
            f"/api/rooms/{city.qs_room_id}",
            f"/api/floors/{city.qs_floor_id}/rooms",
            f"/api/layers/rooms?floor={city.qs_floor_id}",
            f"/?compound={city.qs_compound_id}",
        ],
    }


EVERY_PAGE = [
    "/",
    "/search?q=czj",
    "/dashboard",
    "/survey/",
    "/planner/",
    "/reports",
    "/admin/users",
    f"/api/layers/compounds?bbox={AROUND_ALL}",
    f"/api/layers/buildings?bbox={AROUND_ALL}",
    f"/api/layers/floors?bbox={AROUND_ALL}",
    f"/api/layers/rooms?bbox={AROUND_ALL}",
    f"/api/layers/compounds?bbox={AROUND_ALL}&indicator=idle_share",
    f"/api/layers/buildings?bbox={AROUND_ALL}&indicator=occupancy",
    f"/api/layers/clusters?bbox={AROUND_ALL}&cell=10&indicator=over_standard",
    "/api/layers/clusters?cell=0.001",
    f"/api/layers/regions?bbox={AROUND_ALL}&zoom=8&indicator=idle_share",
    "/api/layers/regions?zoom=11&indicator=occupancy",
    "/api/search?q=cz",
]

QS_NAMES = ("青石县政府大院", "县政府主楼", "县长办公室", "青石县财政局", "钱七", "370124")
LX_NAMES = ("市级机关一号院", "1号办公楼", "市财政局", "张三")


@pytest.mark.parametrize(
    "path", ["/", "/dashboard", "/search?q=a", "/survey/", "/planner/", "/reports", "/admin/users"]
)
def test_pages_redirect_to_the_login_page(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/api/layers/compounds", "/api/rooms/1", "/api/search?q=a"])
def test_apis_answer_401_in_json(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "请先登录"


def test_login_page_is_chinese_and_public(anonymous):
    html = anonymous.get("/login").get_data(as_text=True)
    assert "登录" in html and 'name="csrf_token"' in html and "current-password" in html
    assert anonymous.get("/static/css/app.css").status_code == 200


def test_login_goes_back_to_the_page_asked_for_and_logout_ends_it(app: Flask, city: City):
    client = app.test_client()
    html = client.get(f"/login?next=/rooms/{city.office_id}").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "username": "lixia",
            "password": PASSWORD,
            "next": f"/rooms/{city.office_id}",
            "csrf_token": csrf_token(html),
        },
    )
    assert (
        response.status_code == 302 and response.headers["Location"] == f"/rooms/{city.office_id}"
    )
    assert client.get(f"/rooms/{city.office_id}").status_code == 200
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(app: Flask, target: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": "lixia", "password": PASSWORD, "next": target,
              "csrf_token": csrf_token(html)},
    )  # fmt: skip
    assert response.headers["Location"] == "/"


def test_forms_without_the_csrf_token_are_refused(app: Flask):
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "lixia", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    signed_in = logged_in(app, "admin")
    refused = signed_in.post("/admin/users", data={"username": "x", "csrf_token": "forged"})
    assert refused.status_code == 400


def test_wrong_passwords_lock_the_account(app: Flask):
    client = app.test_client()
    for _ in range(5):
        response = login(client, "locked", "not-the-password")
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
    locked = login(client, "locked", PASSWORD)
    assert locked.status_code == 401 and "锁定" in locked.get_data(as_text=True)


def test_idle_sessions_expire(city_settings, city):
    from gis_app.app import create_app

    app = create_app(city_settings.with_changes(session_minutes=1))
    client = app.test_client()
    assert login(client, "lixia").status_code == 302
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = time.time() - 61
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/rooms/1").status_code == 401


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("caizheng", "/planner/"),
        ("caizheng", "/reports"),
        ("caizheng", "/reports/download?name=idle&region=370102000000&year=2024"),
        ("surveyor", "/planner/"),
        ("planner", "/survey/"),
        ("lixia", "/admin/users"),
        ("planner", "/admin/users"),
    ],
)
def test_roles_guard_their_screens(app: Flask, username: str, path: str):
    response = logged_in(app, username).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


# -- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["lixia", "caizheng", "planner", "surveyor"])
def test_no_route_shows_another_county(app: Flask, city: City, username: str):
    client = logged_in(app, username)
    for path in _routes(city)["qs"]:
        response = client.get(path)
        assert response.status_code == 404, (username, path)
        text = response.get_data(as_text=True)
        assert not any(name in text for name in QS_NAMES), (username, path)
    for path in EVERY_PAGE:
        response = client.get(path)
        assert response.status_code in (200, 403), (username, path, response.status_code)
        text = response.get_data(as_text=True)
        leaked = [name for name in QS_NAMES if name in text]
        assert leaked == [], (username, path, leaked)


@pytest.mark.parametrize("username", ["qingshi"])
def test_the_other_county_sees_none_of_lixia(app: Flask, city: City, username: str):
    client = logged_in(app, username)
    for path in _routes(city)["lx"]:
        assert client.get(path).status_code == 404, path
    for path in [*EVERY_PAGE, "/search?q=cz", "/search?q=张"]:
        text = client.get(path).get_data(as_text=True)
        assert not any(name in text for name in LX_NAMES), path
    own = client.get(f"/rooms/{city.qs_room_id}").get_data(as_text=True)
    assert "县长办公室" in own and "钱七" in own


def test_an_admin_sees_both_counties(app: Flask, city: City):
    client = logged_in(app, "admin")
    for path in _routes(city)["lx"] + _routes(city)["qs"]:
        assert client.get(path).status_code == 200, path
    names = {f["properties"]["name"] for f in client.get(
        f"/api/layers/compounds?bbox={AROUND_ALL}").get_json()["features"]}  # fmt: skip
    assert names == {"市级机关一号院", "青石县政府大院"}


def test_an_agency_manager_sees_only_its_agency(app: Flask, city: City):
    client = logged_in(app, "caizheng")
    rooms = client.get(f"/api/floors/{city.floor_1f_id}/rooms").get_json()
    assert [f["properties"]["number"] for f in rooms["features"]] == ["101", "102"]  # not 103
    assert client.get(f"/rooms/{city.meeting_id}").status_code == 200
    third = client.get(f"/api/floors/{city.floor_3f_id}/rooms").get_json()
    assert [f["properties"]["number"] for f in third["features"]] == ["301"]  # not 302
    # the building holding its rooms is on its map; the compound too
    buildings = client.get(f"/api/layers/buildings?bbox={AROUND_ALL}").get_json()
    assert [f["id"] for f in buildings["features"]] == [city.building_id]
    # people: its own, never another agency's
    hits = client.get("/api/search?q=张三").get_json()["results"]
    assert [h["label"] for h in hits if h["kind"] == "person"] == ["张三"]
    assert client.get("/api/search?q=zl").get_json()["results"] == []  # 赵六, 区教育局
    region_user = logged_in(app, "lixia").get("/api/search?q=zl").get_json()["results"]
    assert [h["label"] for h in region_user if h["kind"] == "person"] == ["赵六"]


def _tile_names(client, path: str) -> set[str]:  # noqa: ANN001
    """Every string a vector tile holds (room numbers, agency names ...), decoded."""
    response = client.get(path)
    assert response.status_code == 200, path
    if not response.data:
        return set()
    names = set()
    for layer in mapbox_vector_tile.decode(response.data).values():
        for feature in layer["features"]:
            names |= {str(v) for v in feature["properties"].values()}
    return names


@pytest.mark.parametrize("username", ["lixia", "caizheng", "planner", "surveyor", "qingshi"])
def test_room_tiles_hold_nothing_outside_the_jurisdiction(app: Flask, city: City, username: str):
    client = logged_in(app, username)
    seen = set()
    for ordinal in (1, 2, 3):
        seen |= _tile_names(client, f"{LX_TILE}?ordinal={ordinal}")
        seen |= _tile_names(client, f"{QS_TILE}?ordinal={ordinal}")
    if username == "qingshi":
        assert seen and "市财政局" not in seen and not seen & {"101", "102", "301"}
    else:
        assert seen and "青石县财政局" not in seen and "201" not in seen


def test_every_private_route_is_guarded(app: Flask):
    """Every rule of the app except the login page and static files needs a login."""
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("auth.login", "static", "vendor.vendor"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?[a-z_0-9]+>", "1", rule.rule)
        path = path.replace("<sha256>", "0" * 64)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method)
        assert response.status_code in (302, 401), (rule.rule, response.status_code)
