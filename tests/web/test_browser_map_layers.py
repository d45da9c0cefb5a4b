"""The map's region roll-up and clickable room tiles in real Chromium, as 历下区's manager."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.web.browser import browser_session
from tests.web.browser import log_in
from tests.web.browser import map_point
from tests.web.browser import screenshot
from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import City

pytestmark = pytest.mark.browser


@pytest.fixture
def map_page(app: Flask) -> Iterator[tuple[Page, list[str]]]:
    with browser_session(app) as (page, base_url, problems):
        log_in(page, base_url, "lixia", PASSWORD)
        page.goto(base_url + "/")
        page.wait_for_selector("body[data-mode='outlines'][data-buildings-loaded='2']")
        yield page, problems


def _zoom(page: Page, zoom: int) -> None:
    page.evaluate(
        """(zoom) => {
            const cfg = JSON.parse(document.getElementById("page-config").textContent);
            window[cfg.map_name].setZoom(zoom, {animate: false});
        }""",
        zoom,
    )


def test_zoomed_out_the_map_shows_regions_and_a_click_zooms_in(map_page):
    page, problems = map_page
    _zoom(page, 8)
    page.wait_for_selector("body[data-mode='regions'][data-region-level='市']")
    marker = page.wait_for_selector(".region-marker")
    assert page.locator(".region-marker").count() == 1
    assert marker.get_attribute("data-region") == "370100000000"
    assert marker.inner_text().split() == ["济南市", "1"]  # 青石县's compound is not in scope
    assert "1 个市级行政区划，1 个院落" in page.inner_text("#map-status")
    screenshot(page, "40-map-regions-city")
    marker.click()
    page.wait_for_selector("body[data-mode='regions'][data-region-level='县']")
    county = page.wait_for_selector(".region-marker[data-region='370102000000']")
    assert county.inner_text().split() == ["历下区", "1"]
    screenshot(page, "41-map-regions-county")
    county.click()
    page.wait_for_selector("body[data-mode='clusters'], body[data-mode='outlines']")
    assert problems == []


def test_a_room_on_the_tiles_shows_its_number_and_opens_its_card(map_page, city: City):
    page, problems = map_page
    _zoom(page, 19)
    page.wait_for_selector("body[data-room-tiles='loaded']")
    page.wait_for_selector(".leaflet-pane path.leaflet-interactive")
    # room 101 is plan (0,0)-(6,4) m from 117.02E 36.66N, 1 m = 1e-5 degree
    x, y = map_point(page, 36.66002, 117.02003)
    page.mouse.move(x, y)
    hover = page.wait_for_selector(".room-hover")
    assert "101" in hover.inner_text() and "24.00 m²" in hover.inner_text()
    screenshot(page, "42-map-room-hover")
    page.mouse.click(x, y)
    page.wait_for_selector(f"#room-card[data-room-id='{city.office_id}']")
    card = page.inner_text("#room-card")
    assert "101 局长办公室" in card and "张三" in card and "市财政局" in card
    screenshot(page, "43-map-room-card")
    page.click("#room-card a.room-on-plan")
    page.wait_for_selector(f"#room-card[data-room-id='{city.office_id}'] h3")
    on_plan = f"/buildings/{city.building_id}?floor={city.floor_1f_id}&room={city.office_id}"
    assert page.url.endswith(on_plan)
    assert problems == []
