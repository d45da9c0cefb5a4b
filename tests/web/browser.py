"""Real Chromium for the browser tests: Debian's build driven by Playwright, and a live server.

Playwright's own browser download does not work offline, so the system Chromium is launched.
A missing Chromium fails the test with the command that installs it; it never skips.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    pytest.fail(
        "Chromium is required for the browser tests and was not found "
        f"({', '.join(CHROMIUM_CANDIDATES)}): run `make test` (it installs it) or "
        "`apt-get install -y chromium`.",
        pytrace=False,
    )


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 on a free port, in a thread, for as long as the block runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def browser_session(app: Flask):  # noqa: ANN201 - yields (page, base_url, problems)
    """A Chromium page on the live app; ``problems`` collects script errors, dialogs and
    requests to other hosts (the UI must load nothing from outside)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with live_server(app) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on(
            "request",
            lambda r: None if r.url.startswith(base_url) else problems.append(f"request: {r.url}"),
        )
        try:
            yield page, base_url, problems
        finally:
            browser.close()


def log_in(page, base_url: str, username: str, password: str, shot: str | None = None) -> None:  # noqa: ANN001
    """Log in through the login form, as a user would."""
    page.goto(base_url + "/login")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    if shot:
        screenshot(page, shot)
    page.click("form.stack button[type='submit']")
    page.wait_for_selector(".topbar .user")


def map_point(page, lat: float, lng: float) -> tuple[float, float]:  # noqa: ANN001
    """Where a lat/lng (or plan y/x) of the page's Leaflet map is drawn, in page pixels."""
    return page.evaluate(
        """([lat, lng]) => {
            const cfg = JSON.parse(document.getElementById("page-config").textContent);
            const map = window[cfg.map_name];
            const p = map.latLngToContainerPoint([lat, lng]);
            const r = map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [lat, lng],
    )
