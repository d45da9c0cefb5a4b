"""The demo in real Chromium: its map leads to the building pages with the sample floor plans."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text

from gis_app.accounts import RoleGrant
from gis_app.accounts import create_user
from gis_app.app import create_app
from gis_app.config import Settings
from gis_app.models import AppUser
from tests.web.browser import CHROMIUM_ARGS
from tests.web.browser import chromium_path
from tests.web.browser import live_server
from tests.web.browser import log_in
from tests.web.browser import screenshot
from tests.web.cityfixture import PASSWORD
from tests.web.conftest import insert_into

pytestmark = pytest.mark.browser


def _query(settings: Settings, sql: str, **params: object) -> list:
    engine = create_engine(settings.database_url or "")
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


BROWSER_ADMIN = "browser-test-admin"


def _browser_admin(session) -> None:  # noqa: ANN001
    """An administrator to log in with (the demo's own passwords are random)."""
    if session.scalar(select(AppUser.id).where(AppUser.username == BROWSER_ADMIN)) is None:
        create_user(
            session,
            username=BROWSER_ADMIN,
            display_name=BROWSER_ADMIN,
            password=PASSWORD,
            grants=[RoleGrant("admin")],
            actor="test",
        )
        session.commit()


def test_the_demo_map_leads_to_the_sample_floor_plans(demo_settings, demo_manifest):
    (building_id, building_name, lat, lng), *_ = _query(
        demo_settings,
        """SELECT b.id, b.name, ST_Y(ST_PointOnSurface(b.footprint)),
                  ST_X(ST_PointOnSurface(b.footprint))
           FROM building b WHERE b.code = 'B03'""",
    )
    floor_3f = next(
        f for f in demo_manifest["floors"] if (f["building"], f["floor"]) == ("B03", "3F")
    )
    numbers = {room["number"] for room in floor_3f["rooms"] if room["number"]}
    insert_into(demo_settings.database_url, _browser_admin)
    app = create_app(demo_settings)
    with live_server(app) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            log_in(page, base_url, BROWSER_ADMIN, PASSWORD)
            page.goto(base_url + "/")
            page.wait_for_selector(
                f"body[data-buildings-loaded='{len(demo_manifest['buildings'])}']"
            )
            screenshot(page, "demo-01-map")
            map_js = """const cfg = JSON.parse(document.getElementById("page-config").textContent);
                        const map = window[cfg.map_name];"""
            # zoom 17: from 18 the ground-floor rooms lie over the outline and take the click
            page.evaluate(
                f"([lat, lng]) => {{ {map_js} map.setView([lat, lng], 17, {{animate: false}}); }}",
                [lat, lng],
            )
            page.wait_for_load_state("networkidle")
            x, y = page.evaluate(
                f"""([lat, lng]) => {{ {map_js}
                    const p = map.latLngToContainerPoint([lat, lng]);
                    const r = map.getContainer().getBoundingClientRect();
                    return [r.left + p.x, r.top + p.y];
                }}""",
                [lat, lng],
            )
            page.mouse.click(x, y)
            popup = page.wait_for_selector(".building-popup")
            assert building_name in popup.inner_text()
            page.click(".building-popup a.open-building")
            page.wait_for_url(f"**/buildings/{building_id}**")
            page.click("#floor-list a:has-text('3F')")
            page.wait_for_selector(f"body[data-rooms-loaded='{floor_3f['room_count']}']")
            # every room of the drawing is drawn; labels appear where a room holds them
            labelled = set(page.locator(".room-label:not(.hidden) b").all_text_contents()) - {""}
            assert labelled and labelled <= numbers
            visible = page.locator(".room-label:not(.hidden)").all_inner_texts()
            assert all(label.rstrip().endswith("m²") for label in visible)
            screenshot(page, "demo-02-floor-B03-3F")
        finally:
            browser.close()
