"""The work screens' main paths in real Chromium: a planner filters idle rooms and builds a
scenario; a surveyor uploads a DXF, fixes its units and submits; the agency confirms it; the
dashboard draws its charts."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.web.browser import browser_session
from tests.web.browser import log_in
from tests.web.browser import screenshot
from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import City
from tests.web.test_work_screens import THIRD_FLOOR
from tests.web.test_work_screens import survey_dxf

pytestmark = pytest.mark.browser


def test_planner_filters_idle_rooms_and_builds_a_scenario(app: Flask, city: City):
    with browser_session(app) as (page, base_url, problems):
        log_in(page, base_url, "planner", PASSWORD)
        page.click(".mainnav a:has-text('调剂规划')")
        page.wait_for_selector("#idle-table")
        numbers = page.locator(
            "#idle-table tbody tr[data-room-id] td:nth-child(4)"
        ).all_inner_texts()
        assert "301" in numbers
        screenshot(page, "10-planner-idle-rooms")
        page.fill("input[name='min_area']", "100")
        page.click("#idle-filter button[type='submit']")
        page.wait_for_selector("#idle-table")
        assert page.locator("#idle-table tbody tr[data-room-id]").count() == 0
        page.fill("input[name='min_area']", "")
        page.click("#idle-filter button[type='submit']")
        page.click(f"#idle-table tr[data-room-id='{city.script_room_id}'] a.room-link")
        page.wait_for_selector(f"#room-card[data-room-id='{city.script_room_id}']")
        screenshot(page, "11-planner-idle-room-on-plan")
        page.go_back()
        page.fill("#scenario-form input[name='name']", "历下区试算")
        page.click("#scenario-form button[type='submit']")
        page.wait_for_selector("#effect-summary")
        assert "历下区试算" in page.inner_text("h1")
        screenshot(page, "12-planner-scenario")
        assert problems == []


def test_surveyor_uploads_fixes_units_and_submits_then_agency_confirms(
    app: Flask, city: City, tmp_path
):
    drawing = tmp_path / "3F.dxf"
    drawing.write_bytes(survey_dxf(THIRD_FLOOR, mm=True))
    with browser_session(app) as (page, base_url, problems):
        log_in(page, base_url, "surveyor", PASSWORD)
        page.goto(base_url + "/survey/")
        page.select_option("select[name='building_id']", str(city.building_id))
        page.fill("#upload-form input[name='floor']", "3F")
        page.set_input_files("input[name='drawing']", str(drawing))
        screenshot(page, "20-surveyor-upload")
        page.click("#upload-form button[type='submit']")
        page.wait_for_selector("body[data-plan-rooms='3']")
        page.select_option("select[name='units']", "m")
        page.click("#options-form button[type='submit']")
        page.wait_for_selector("body[data-plan-rooms='3']")
        assert "20000000.00" in page.inner_text("#diff-table")
        screenshot(page, "21-surveyor-wrong-units")
        page.select_option("select[name='units']", "mm")
        page.click("#options-form button[type='submit']")
        page.wait_for_selector("body[data-geo-ready='1']")
        assert page.inner_text("#units-used").startswith("mm")
        assert "新增 1" in page.inner_text("#diff-summary")
        # georeference by two control points: plan corners (0,0) and (14,0) m
        page.check("#pick-points")
        for plan_xy, geo_ll in (((0.5, 0.5), (36.66, 117.02)), ((13.5, 0.5), (36.66, 117.0202))):
            _click(page, "plan-map", plan_xy[1], plan_xy[0])
            _click(page, "geo-map", *geo_ll)
        page.wait_for_selector("body[data-control-points='2']")
        page.click("#fit-button")
        page.wait_for_selector("body[data-georef-rms]")
        assert "RMS" in page.inner_text("#georef-result")
        # 13 m apart on the plan, 0.0002 degrees (about 17.9 m) apart on the map: scale ~1.38
        assert "比例 1.3" in page.inner_text("#georef-result")
        screenshot(page, "22-surveyor-units-fixed-georeferenced")
        page.click("#submit-form button[type='submit']")
        page.wait_for_selector("#batch-status")
        assert "草稿" in page.inner_text("#batch-status")
        batch_url = page.url
        screenshot(page, "23-surveyor-submitted")
        page.click("form.logout button")

        log_in(page, base_url, "caizheng", PASSWORD)
        page.goto(batch_url)
        page.fill("#decision-form textarea[name='comment']", "面积无误")
        page.click("#decision-form button[value='confirm']")
        page.wait_for_selector("#confirmation-table")
        assert "面积无误" in page.inner_text("#confirmation-table")
        assert "待 机关事务管理局 确认" in page.inner_text(".flashes")
        screenshot(page, "24-agency-confirmed")
        assert problems == []


def test_dashboard_draws_its_charts(app: Flask):
    with browser_session(app) as (page, base_url, problems):
        log_in(page, base_url, "lixia", PASSWORD)
        page.click(".mainnav a:has-text('统计看板')")
        page.wait_for_selector("#no-run")  # nothing stored yet: no charts, the button
        assert page.locator(".chart").count() == 0
        page.click("#rerun-form button[type='submit']")
        page.wait_for_selector("body[data-charts-ready='4']")
        assert "数据截至" in page.inner_text("#run-as-of")
        for chart in ("agencies", "kinds", "excess", "severity"):
            assert page.locator(f"#chart-{chart} svg").count() == 1, chart
        assert "数据问题" in page.inner_text("#chart-severity")  # 赵六's rank, 301's idle date
        screenshot(page, "30-dashboard")
        page.fill("#global-search", "czj")
        page.press("#global-search", "Enter")
        page.wait_for_selector(".search-group[data-kind='agency']")
        screenshot(page, "31-search-pinyin")
        assert problems == []


def _click(page, map_id: str, lat: float, lng: float) -> None:  # noqa: ANN001
    """Click a Leaflet map (found by its container id) at a lat/lng (plan: y/x)."""
    x, y = page.evaluate(
        """([id, lat, lng]) => {
            const node = document.getElementById(id);
            node.scrollIntoView({ block: "center" });
            const map = window.surveyMaps[id];
            const p = map.latLngToContainerPoint([lat, lng]);
            const r = node.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [map_id, lat, lng],
    )
    page.mouse.click(x, y)
