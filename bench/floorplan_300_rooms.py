"""How long Chromium takes to show a floor of 300 rooms (issue: under a second).

Starts a throwaway PostGIS cluster, inserts a floor of 300 rooms, runs ``gis-app serve`` on a
free port and loads the building page eight times in Debian's Chromium. Reports, per load, the time
from navigation start to the ``rooms-drawn`` mark (rooms fetched, drawn, labels placed) and the
bytes transferred. Run from the checkout:
``PYTHONPATH=. .venv/bin/python bench/floorplan_300_rooms.py``.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine

from gis_app.cluster import LocalCluster
from gis_app.db import upgrade_schema
from tests.web.browser import CHROMIUM_ARGS
from tests.web.browser import chromium_path
from tests.web.browser import log_in
from tests.web.cityfixture import PASSWORD
from tests.web.cityfixture import insert_city
from tests.web.cityfixture import insert_grid_floor
from tests.web.cityfixture import insert_users
from tests.web.conftest import insert_into

LOGGER = logging.getLogger("bench")
LOADS = 8


@contextmanager
def served(database_url: str, var_dir: Path) -> Iterator[str]:
    """``gis-app serve`` in its own process, as in production (not a thread of this one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        GIS_APP_DATABASE_URL=database_url,
        GIS_APP_VAR_DIR=str(var_dir),
        GIS_APP_SECRET_KEY="bench",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gis_app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    base = Path(tempfile.mkdtemp(prefix="gis-bench-", dir="/tmp"))
    base.chmod(0o755)
    cluster = LocalCluster(base_dir=base, port=54990, durable=False)
    try:
        cluster.ensure_running()
        cluster.ensure_database("bench")
        url = cluster.url("bench")
        engine = create_engine(url)
        upgrade_schema(engine)
        engine.dispose()
        city = insert_into(url, insert_city)
        floor_id = insert_into(url, lambda s: insert_grid_floor(s, city.building_id, "4F", 4, 300))
        insert_into(url, insert_users)
        page_url = f"/buildings/{city.building_id}?floor={floor_id}"
        with served(url, base / "var") as root, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            timings, sizes = [], []
            for _ in range(LOADS):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                log_in(page, root, "lixia", PASSWORD)  # not timed: the floor's load is
                page.goto(root + page_url)
                page.wait_for_selector("body[data-rooms-loaded='300']")
                timings.append(
                    page.evaluate("performance.getEntriesByName('rooms-drawn')[0].startTime")
                )
                # bytes from the page's own resource timings: reading response bodies from a
                # listener would stall the page on round trips to the driver and skew the times
                sizes.append(
                    page.evaluate(
                        "performance.getEntriesByType('navigation')"
                        ".concat(performance.getEntriesByType('resource'))"
                        ".reduce((n, e) => n + e.encodedBodySize, 0)"
                    )
                )
                fetched = page.evaluate(
                    "performance.getEntriesByType('resource')"
                    ".filter(e => e.name.includes('/rooms'))[0].responseEnd"
                )
                LOGGER.info("rooms received at %.0f ms, drawn at %.0f ms", fetched, timings[-1])
                page.close()
            browser.close()
        LOGGER.info("300-room floor, ms to rooms drawn: %s", [round(t) for t in timings])
        LOGGER.info("median %.0f ms; bytes per load %s", statistics.median(timings), sizes)
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
