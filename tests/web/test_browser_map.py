"""A manager's path in real Chromium: the map, a building, its floors, a room card."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from gis_app.analysis.context import build_context
from gis_app.analysis.run import run_analysis
from gis_app.config import Settings
from tests.web.browser import browser_session
from tests.web.browser import log_in
from tests.web.browser import map_point
from tests.web.browser import screenshot
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import SCRIPT_NAME
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_grid_floor
from tests.web.cityfixture import seat_over_standard_leader
from tests.web.conftest import insert_into

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def big_floor_id(city_database: tuple[str, City], city_settings: Settings) -> int:
    """4F: 300 rooms; in room 401 a leader over standard, found by a stored analysis run."""
    url, city = city_database

    def fill(session: Session) -> int:
        floor_id = insert_grid_floor(session, city.building_id, "4F", 4, rooms=300)
        seat_over_standard_leader(session, city, floor_id)
        run_analysis(session, build_context(session, city_settings, region_code=LIXIA), actor="t")
        session.commit()
        return floor_id

    return insert_into(url, fill)


@pytest.fixture
def browser_page(app: Flask) -> Iterator[tuple[Page, str, list[str]]]:
    """A page on the live app, logged in as the bureau manager of 历下区."""
    with browser_session(app) as (page, base_url, problems):
        log_in(page, base_url, "lixia", PASSWORD, shot="00-login")
        yield page, base_url, problems


def _click_latlng(page: Page, lat: float, lng: float) -> None:
    """Click the map where a lat/lng (or plan y/x) is drawn (layers are on a canvas)."""
    page.mouse.click(*map_point(page, lat, lng))


def test_manager_drills_from_the_map_to_a_room(browser_page, city: City, big_floor_id: int):
    page, base_url, problems = browser_page
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-buildings-loaded='2']")
    assert "2 栋楼" in page.inner_text("#map-status")
    screenshot(page, "01-map")

    # building 1's footprint is plan (0,0)-(40,12) m, placed at 117.02E 36.66N, 1 m = 1e-5 deg
    _click_latlng(page, 36.66006, 117.0202)
    popup = page.wait_for_selector(".building-popup")
    assert "1号办公楼" in popup.inner_text()
    assert "已导入平面图 3 层" in popup.inner_text()
    screenshot(page, "02-building-popup")
    page.click(".building-popup a.open-building")

    page.wait_for_selector("body[data-rooms-loaded='3']")
    assert page.url.endswith(f"/buildings/{city.building_id}")
    floors = page.locator("#floor-list .floor-name").all_inner_texts()
    assert floors == ["B1", "1F", "2F", "3F", "4F", "5F"]
    assert page.locator("#floor-list .no-plan").count() == 3  # B1 has a row, 2F/5F only a count
    labels = page.locator(".room-label:not(.hidden)").all_inner_texts()
    assert sorted(label.split("\n")[0] for label in labels) == ["101", "102", "103"]
    assert any(label.endswith("\n24.00 m²") for label in labels)
    screenshot(page, "03-floor-1F")

    page.click("#floor-list a:has-text('3F')")
    page.wait_for_selector("body[data-rooms-loaded='2']")
    _click_latlng(page, 2.0, 2.5)  # room 301, plan (0,0)-(5,4)
    page.wait_for_selector(f"#room-card[data-room-id='{city.script_room_id}']")
    card = page.inner_text("#room-card")
    assert SCRIPT_NAME in card  # shown as text, not run
    assert "闲置" in card
    screenshot(page, "04-room-card-301")

    page.click("#floor-list a:has-text('4F')")
    page.wait_for_selector("body[data-rooms-loaded='300']")
    screenshot(page, "05-floor-300-rooms")
    page.click(".leaflet-control-zoom-in")  # labels appear where rooms are big enough for them
    page.wait_for_selector(".room-label:not(.hidden)")
    labels = page.locator(".room-label:not(.hidden)").all_inner_texts()
    assert labels and all(label.endswith("24.00 m²") for label in labels)
    screenshot(page, "06-floor-300-rooms-zoomed")
    page.click("input[value='status']")
    assert page.locator("[data-legend='status']").is_visible()
    assert not page.locator("[data-legend='use']").is_visible()

    # the room list under the plan: every room, by number; a row selects the room on the plan
    rows = page.locator("#room-list tbody tr")
    assert rows.count() == 300
    # text, not innerText: rows scrolled out of the list are not rendered (content-visibility)
    numbers = page.locator("#room-list tbody tr td:first-child").all_text_contents()
    assert numbers[:3] == ["401", "402", "403"] and numbers[-1] == "4300"
    first = rows.first.inner_text()
    assert "市财政局" in first and "王五（副局(处)级）" in first and "24.00" in first
    page.click("#room-list button[data-sort='number']")
    # innerText: what is rendered, and rows with content-visibility render in the next frame
    page.wait_for_function(
        "() => document.querySelector('#room-list tbody tr td:first-child').innerText === '4300'"
    )
    page.click("#room-list button[data-sort='number']")
    screenshot(page, "08-room-list")
    page.click("#room-list tbody tr[data-room-id]:has(td:text-is('401'))")
    page.wait_for_selector("#room-card .finding")
    assert "selected" in (rows.first.get_attribute("class") or "")
    card = page.inner_text("#room-card")
    assert "领导干部办公室超标" in card and "王五" in card
    assert "面积 24.00 m² · 标准 18.00 m² · 超出 6.00 m²" in card
    assert "分析批次" in card  # read from the stored run, not recomputed
    screenshot(page, "09-room-card-finding")

    assert problems == []


def test_room_card_shows_occupants_and_history(browser_page, city: City, big_floor_id: int):
    page, base_url, problems = browser_page
    page.goto(f"{base_url}/buildings/{city.building_id}?floor={city.floor_1f_id}")
    page.wait_for_selector("body[data-rooms-loaded='3']")
    _click_latlng(page, 2.0, 3.0)  # room 101
    page.wait_for_selector(f"#room-card[data-room-id='{city.office_id}']")
    card = page.inner_text("#room-card")
    assert "张三" in card and "正局(处)级" in card
    assert "李四" in card and "2022-03-01" in card
    assert "24.00 m²" in card
    page.click("#room-card a")
    page.wait_for_url(f"**/rooms/{city.office_id}")
    assert "局长办公室" in page.inner_text("h1")

    page.goto(f"{base_url}/buildings/{city.building_id}?floor={city.floor_1f_id}&lang=en")
    page.wait_for_selector("body[data-rooms-loaded='3']")
    assert "3 rooms" in page.inner_text("#floor-status")
    screenshot(page, "07-floor-1F-english")
    assert problems == []


OVER_STANDARD_RGB = (0x5E, 0x3C, 0x99)
"""超标's colour on the plan (layers.styles.FLOOR_STATUS_COLOURS)."""

_ROOM_PIXEL = """([number, rgb]) => {
    /* the colour drawn on the canvas at the middle of room ``number`` (the canvas holds it
       unblended: the fill's opacity is in the pixel's alpha) */
    const cfg = JSON.parse(document.getElementById("page-config").textContent);
    const map = window[cfg.map_name];
    let room = null;
    map.eachLayer((l) => { if (l.feature && l.feature.properties.number === number) room = l; });
    const renderer = room._renderer;
    const p = map.latLngToLayerPoint(room.getBounds().getCenter()).subtract(renderer._bounds.min);
    const ratio = renderer._container.width / renderer._bounds.getSize().x;
    const [r, g, b] = renderer._ctx.getImageData(p.x * ratio, p.y * ratio, 1, 1).data;
    return [r, g, b];
}"""


def test_floor_plan_shows_over_standard_rooms(browser_page, city: City, big_floor_id: int):
    page, base_url, problems = browser_page
    page.goto(f"{base_url}/buildings/{city.building_id}?floor={big_floor_id}")
    page.wait_for_selector("body[data-rooms-loaded='300']")
    page.click("input[value='status']")
    legend = page.locator("[data-legend='status'] li", has_text="超标")
    assert legend.count() == 1
    swatch = legend.locator(".swatch").evaluate("s => getComputedStyle(s).backgroundColor")
    assert swatch == "rgb({}, {}, {})".format(*OVER_STANDARD_RGB)

    row = page.locator("#room-list tbody tr[data-room-id]:has(td:text-is('401'))")
    assert row.locator("td").last.inner_text().startswith("超标 · ")
    assert row.locator(".swatch").evaluate("s => getComputedStyle(s).backgroundColor") == swatch
    other = page.locator("#room-list tbody tr[data-room-id]:has(td:text-is('402'))")
    assert "超标" not in other.inner_text()

    row.click()  # selects the room and brings it into view
    page.wait_for_selector("#room-card .finding")
    expected = list(OVER_STANDARD_RGB)
    page.wait_for_function(
        f"([n, e]) => ({_ROOM_PIXEL})([n, e]).every((c, i) => Math.abs(c - e[i]) <= 3)",
        arg=["401", expected],
    )
    drawn_402 = page.evaluate(_ROOM_PIXEL, ["402", expected])
    assert any(abs(c - e) > 20 for c, e in zip(drawn_402, expected, strict=True))

    x, y = page.evaluate(
        """(number) => {
            const cfg = JSON.parse(document.getElementById("page-config").textContent);
            const map = window[cfg.map_name];
            let room = null;
            map.eachLayer((l) => {
                if (l.feature && l.feature.properties.number === number) room = l;
            });
            const p = map.latLngToContainerPoint(room.getBounds().getCenter());
            const r = map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        "401",
    )
    page.mouse.move(x, y)
    tip = page.wait_for_selector(".room-tooltip")
    assert "状态：超标 · " in tip.inner_text() and "王五" in tip.inner_text()
    screenshot(page, "10-floor-300-rooms-over-standard")

    page.goto(f"{base_url}/buildings/{city.building_id}?floor={big_floor_id}&lang=en")
    page.wait_for_selector("body[data-rooms-loaded='300']")
    assert page.locator("[data-legend='status'] li", has_text="Over standard").count() == 1
    row = page.locator("#room-list tbody tr[data-room-id]:has(td:text-is('401'))")
    assert row.locator("td").last.inner_text().startswith("Over standard · ")
    assert problems == []


def test_map_colours_by_indicator_and_clusters_when_zoomed_out(browser_page, city: City):
    page, base_url, problems = browser_page
    page.goto(base_url + "/")
    page.wait_for_selector("body[data-mode='outlines'][data-buildings-loaded='2']")
    page.wait_for_selector("body[data-room-tiles='loaded']")  # ground-floor rooms, from tiles
    page.select_option("#indicator", "idle_share")
    page.wait_for_selector("[data-indicator='idle_share']:not([hidden])")
    page.wait_for_load_state("networkidle")
    screenshot(page, "01b-map-idle-share")
    _click_latlng(page, 36.66010, 117.0203)  # building 1, away from its rooms
    popup = page.wait_for_selector(".building-popup")
    assert re.search(r"闲置面积占比：\d+\.\d%", popup.inner_text())
    page.evaluate(
        """() => {
            const cfg = JSON.parse(document.getElementById("page-config").textContent);
            window[cfg.map_name].setZoom(14, {animate: false});
        }"""
    )
    page.wait_for_selector("body[data-mode='clusters']")
    cluster = page.wait_for_selector(".cluster")
    assert cluster.inner_text() == "2"  # the compound's two buildings
    assert page.locator(".cluster").count() == 1
    screenshot(page, "01c-map-clusters")
    cluster.click()  # zooms to the compound: outlines again
    page.wait_for_selector("body[data-mode='outlines']")
    assert problems == []
