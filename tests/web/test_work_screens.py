"""The work screens through the test client on real PostGIS: search, dashboard, planner,
reports, the survey upload → check → submit → three-party review, and user administration."""

from __future__ import annotations

import io

import ezdxf
import pytest
from flask import Flask
from openpyxl import load_workbook

from gis_app.search import initials
from tests.web.cityfixture import City
from tests.web.conftest import logged_in
from tests.web.conftest import post_form
from tests.web.htmltools import csrf_token


def survey_dxf(rooms: list[tuple[str, tuple[float, float, float, float]]], *, mm: bool) -> bytes:
    """A floor drawn in millimetres (``mm``) or metres, without a declared unit."""
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 0
    msp = doc.modelspace()
    k = 1000.0 if mm else 1.0
    for label, (x0, y0, x1, y1) in rooms:
        pts = [(x0 * k, y0 * k), (x1 * k, y0 * k), (x1 * k, y1 * k), (x0 * k, y1 * k)]
        msp.add_lwpolyline(pts, close=True, dxfattribs={"layer": "ROOM"})
        msp.add_text(label, dxfattribs={"layer": "TEXT", "height": 0.3 * k}).set_placement(
            ((x0 + 0.5) * k, (y0 + 1.5) * k)
        )
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


THIRD_FLOOR = [
    ("301 办公室", (0, 0, 5, 4)),
    ("302 档案室", (5, 0, 10, 4)),
    ("303 会议室", (10, 0, 14, 4)),
]


def test_pinyin_initials():
    assert initials("市财政局") == "sczj"
    assert initials("张三") == "zs"


def test_search_finds_by_name_pinyin_and_number(client, city: City):
    hits = client.get("/api/search?q=czj").get_json()["results"]
    assert {(h["kind"], h["label"]) for h in hits} >= {("agency", "市财政局")}
    person = next(h for h in client.get("/api/search?q=zs").get_json()["results"]
                  if h["kind"] == "person")  # fmt: skip
    assert person["label"] == "张三" and person["room_id"] == city.office_id
    assert person["url"] == (
        f"/buildings/{city.building_id}?floor={city.floor_1f_id}&room={city.office_id}"
    )
    rooms = [h for h in client.get("/api/search?q=10").get_json()["results"] if h["kind"] == "room"]
    assert [h["label"] for h in rooms] == ["101 局长办公室", "102 会议室", "103 卫生间"]
    page = client.get("/search?q=yhy").get_data(as_text=True)  # 一号院
    assert "市级机关一号院" in page and f"/?compound={city.compound_id}" in page
    assert "&lt;script&gt;" in client.get("/search?q=alert").get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "x" * 51])
def test_bad_searches_are_400s(client, query):
    response = client.get(f"/api/search?q={query}")
    assert response.status_code == 400


def test_dashboard_shows_entitled_actual_idle_and_findings(client, city: City):
    assert "尚无覆盖本行政区划的分析结果" in client.get("/dashboard").get_data(as_text=True)
    stored = post_form(client, "/dashboard/analysis", {"region": "370102000000"})
    html = client.get(stored.headers["Location"]).get_data(as_text=True)
    assert "370100000000 济南市" not in html  # not in 历下区's scope
    assert "市财政局" in html and 'id="chart-agencies"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200
    assert client.get(f"/dashboard?agency={city.qs_agency_id}").status_code == 404


def test_planner_lists_idle_rooms_linked_to_the_plan(app: Flask, city: City):
    client = logged_in(app, "planner")
    html = client.get("/planner/").get_data(as_text=True)
    link = f"/buildings/{city.building_id}?floor={city.floor_3f_id}&amp;room={city.script_room_id}"
    assert link in html  # 301 闲置
    filtered = client.get("/planner/?min_area=100").get_data(as_text=True)
    assert link not in filtered
    response = post_form(client, "/planner/scenarios", {"region": "370102000000", "name": "试算"})
    assert response.status_code == 302
    scenario = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "试算" in scenario and "对问题的影响" in scenario


def test_reports_download_as_excel(client):
    response = client.get("/reports/download?name=idle&region=370102000000&year=2024")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["闲置房间清单"]
    assert (
        client.get("/reports/download?name=idle&region=370124000000&year=2024").status_code == 404
    )
    assert (
        client.get("/reports/download?name=nope&region=370102000000&year=2024").status_code == 400
    )
    assert (
        client.get("/reports/download?name=idle&region=370102000000&year=1900").status_code == 400
    )


def test_survey_upload_fix_units_submit_and_confirm(app: Flask, city: City):
    surveyor = logged_in(app, "surveyor")
    drawing = survey_dxf(THIRD_FLOOR, mm=True)
    response = post_form(
        surveyor,
        "/survey/uploads",
        {
            "building_id": str(city.building_id),
            "floor": "3F",
            "drawing": (io.BytesIO(drawing), "3F.dxf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    preview_url = response.headers["Location"]
    as_metres = surveyor.get(preview_url.split("?")[0] + "?floor=3F&units=m")
    assert "20000000.00" in as_metres.get_data(as_text=True)  # 5000 x 4000 "metres"
    fixed = surveyor.get(preview_url.split("?")[0] + "?floor=3F&units=mm").get_data(as_text=True)
    assert "20.00" in fixed and "新增 1" in fixed and "未变 2" in fixed
    # another user cannot see the upload
    assert logged_in(app, "planner").get(preview_url).status_code == 403
    submitted = post_form(
        surveyor, preview_url.split("?")[0] + "/submit", {"floor": "3F", "units": "mm"}
    )
    assert submitted.status_code == 302
    batch_url = submitted.headers["Location"]
    page = surveyor.get(batch_url).get_data(as_text=True)
    assert "草稿" in page and "surveyor" in page
    agency = logged_in(app, "caizheng")
    decided = post_form(agency, batch_url + "/decision", {"party": "agency", "decision": "confirm"})
    assert decided.status_code == 302
    bureau = logged_in(app, "lixia")
    refused = post_form(bureau, batch_url + "/decision", {"party": "agency", "decision": "confirm"})
    assert refused.status_code == 403
    post_form(bureau, batch_url + "/decision", {"party": "bureau", "decision": "confirm"})
    assert "已生效" in bureau.get(batch_url).get_data(as_text=True)
    rooms = bureau.get(f"/api/floors/{city.floor_3f_id}/rooms").get_json()
    assert sorted(f["properties"]["number"] for f in rooms["features"]) == ["301", "302", "303"]


def test_uploads_must_be_dxf(app: Flask, city: City):
    surveyor = logged_in(app, "surveyor")
    response = post_form(
        surveyor,
        "/survey/uploads",
        {"building_id": str(city.building_id), "drawing": (io.BytesIO(b"x"), "plan.dwg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "另存为 DXF" in response.get_data(as_text=True)
    other = post_form(
        surveyor,
        "/survey/uploads",
        {"building_id": str(city.qs_building_id), "drawing": (io.BytesIO(b"x"), "a.dxf")},
        content_type="multipart/form-data",
    )
    assert other.status_code == 404


def test_admin_adds_and_disables_a_user(app: Flask):
    admin = logged_in(app, "admin")
    form = {"role": "planner", "region_code": "370102000000"}
    weak = post_form(admin, "/admin/users", {**form, "username": "w", "password": "short"})
    assert weak.status_code == 400
    ok = post_form(admin, "/admin/users", {**form, "username": "newbie", "password": "long-pass-1"})
    assert ok.status_code == 302
    assert "newbie" in admin.get("/admin/users").get_data(as_text=True)
    assert post_form(admin, "/admin/users/newbie/disable").status_code == 302


def test_control_point_preview_draws_the_traced_outer_wall(app: Flask, city: City):
    """The georeference preview shows the outline a surveyor checks against the map: the outer
    wall face traced from the wall lines (0.2 m outside the rooms), not the rooms merged."""
    doc = ezdxf.read(io.StringIO(survey_dxf(THIRD_FLOOR, mm=False).decode("utf-8")))
    msp = doc.modelspace()
    corners = [(-0.2, -0.2), (14.2, -0.2), (14.2, 4.2), (-0.2, 4.2)]
    for start, end in zip(corners, corners[1:] + corners[:1], strict=True):
        msp.add_line(start, end, dxfattribs={"layer": "WALL"})
    stream = io.StringIO()
    doc.write(stream)
    surveyor = logged_in(app, "surveyor")
    response = post_form(
        surveyor,
        "/survey/uploads",
        {
            "building_id": str(city.building_id),
            "floor": "3F",
            "drawing": (io.BytesIO(stream.getvalue().encode("utf-8")), "3F-walls.dxf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    upload_url = response.headers["Location"].split("?")[0]
    page = surveyor.get(upload_url + "?floor=3F&units=m").get_data(as_text=True)
    points = [[0, 0, 117.0, 36.65], [14, 0, 117.00015, 36.65]]
    fitted = surveyor.post(
        upload_url + "/georef",
        json={"points": points, "options": {"floor": "3F", "units": "m"}},
        headers={"X-CSRF-Token": csrf_token(page)},
    )
    assert fitted.status_code == 200, fitted.get_data(as_text=True)
    body = fitted.get_json()
    assert body["outline_source"] == "outer_walls"
    ring = body["outline"]["coordinates"][0]
    assert len(ring) == 5  # the wall rectangle, not three rooms merged with their seams
