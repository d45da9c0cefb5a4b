"""How long Chromium takes to show a floor of 300 rooms (issue: under a second).

Starts a throwaway PostGIS cluster, inserts a floor of 300 rooms, runs ``gis-app serve`` on a
free port and loads the building page in Debian's Chromium. Each load logs in in a fresh browser
context, waits until the page it lands on is idle (its requests would otherwise still occupy the
server and the renderer), empties the HTTP cache and opens the floor: a cold load. The same
context then opens the floor again: a warm load (assets cached, as when coming from the map).

Per load it reports the time from navigation start to ``rooms-drawn`` (rooms fetched, drawn,
labels placed, the 300-row list built) and to ``rooms-painted`` (the next frame is on screen),
when the rooms response ended and how long the server took for it (``Server-Timing``), the bytes
transferred, and Chromium's own counters of script, style and layout time. A few more cold
loads run under a Chromium trace, whose main-thread time (navigation to rooms painted) is split
into script, style+layout, paint, HTML parsing, other work and idle (waiting on the network):
figures much less sensitive to a busy machine than the wall-clock times. Run from the checkout:
``PYTHONPATH=. .venv/bin/python bench/floorplan_300_rooms.py``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
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


TRACED_LOADS = 3
METRICS = ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration")
"""Chromium's ``Performance.getMetrics`` counters (seconds, per page), reported as deltas."""
TRACE_CATEGORIES = ["devtools.timeline", "blink.user_timing", "loading", "v8.execute"]
TRACE_KINDS: dict[str, frozenset[str]] = {
    "script": frozenset(
        {
            "EvaluateScript",
            "v8.compile",
            "FunctionCall",
            "TimerFire",
            "EventDispatch",
            "RunMicrotasks",
            "v8.run",
            "V8.Execute",
            "FireAnimationFrame",
            "v8.evaluateModule",
            "MinorGC",
            "MajorGC",
            "v8.produceCache",
            "XHRLoad",
            "ParseJSON",
        }
    ),  # fmt: skip
    "style+layout": frozenset({"Layout", "UpdateLayoutTree", "RecalculateStyles", "HitTest"}),
    "paint": frozenset({"Paint", "PrePaint", "Layerize", "Commit", "PaintImage"}),
    "parse": frozenset({"ParseHTML", "ParseAuthorStyleSheet"}),
}
"""Trace events by the kind of main-thread work DevTools would file them under."""

LOAD_FIGURES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const rooms = resources.find((e) => e.name.includes("/rooms"));
  const mark = (name) => performance.getEntriesByName(name)[0].startTime;
  return {
    drawn: mark("rooms-drawn"),
    painted: mark("rooms-painted"),
    html_end: nav.responseEnd,
    rooms_end: rooms.responseEnd,
    rooms_server: (rooms.serverTiming.find((t) => t.name === "app") || {}).duration,
    bytes: [nav, ...resources].reduce((n, e) => n + e.transferSize, 0),
  };
}"""
"""Figures from the page's own timings (reading bodies from a listener would stall the page)."""


def open_floor(page: Any, url: str) -> dict[str, float]:
    """Navigate to the floor and return its load figures plus the metric deltas."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = _metrics(cdp)
    page.goto(url)
    page.wait_for_selector("body[data-rooms-loaded='300']")
    page.wait_for_function("performance.getEntriesByName('rooms-painted').length > 0")
    figures = page.evaluate(LOAD_FIGURES)
    after = _metrics(cdp)
    figures.update({name: (after[name] - before[name]) * 1000 for name in METRICS})
    cdp.detach()
    return figures


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def logged_in_page(browser: Browser, root: str) -> Any:
    """A fresh context, logged in, its landing page idle, its HTTP cache empty."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(page, root, "lixia", PASSWORD)  # not timed: the floor's load is
    page.wait_for_load_state("networkidle")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    cdp.detach()
    return page


def trace_breakdown(path: Path) -> dict[str, float]:
    """Main-thread milliseconds by kind between the floor's navigation start and the
    ``rooms-painted`` mark; ``idle`` is the rest of that window."""
    data = json.loads(path.read_text(encoding="utf-8"))
    events = data["traceEvents"] if isinstance(data, dict) else data
    starts = [
        e for e in events
        if e.get("name") == "navigationStart"
        and "/buildings/" in str(e.get("args", {}).get("data", {}).get("documentLoaderURL", ""))
    ]  # fmt: skip
    t0, pid = starts[-1]["ts"], starts[-1]["pid"]
    t1 = max(e["ts"] for e in events if e.get("name") == "rooms-painted" and e["pid"] == pid)
    threads = {
        (e["pid"], e["tid"]) for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain" and e["pid"] == pid
    }  # fmt: skip
    spans = sorted(
        (e for e in events
         if (e.get("pid"), e.get("tid")) in threads and e.get("ph") == "X" and "dur" in e
         and e["ts"] < t1 and e["ts"] + e["dur"] > t0),
        key=lambda e: (e["ts"], -e["dur"]),
    )  # fmt: skip
    totals: Counter[str] = Counter()
    stack: list[list[Any]] = []  # [event, time of its children in the window, kind]

    def clipped(e: dict[str, Any]) -> float:
        return max(0.0, min(e["ts"] + e["dur"], t1) - max(e["ts"], t0))

    def close_before(ts: float) -> None:
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= ts:
            event, children, kind = stack.pop()
            totals[kind or "other"] += clipped(event) - children

    busy = 0.0
    for e in spans:
        close_before(e["ts"])
        if stack:
            stack[-1][1] += clipped(e)
        else:
            busy += clipped(e)
        kind = next((k for k, names in TRACE_KINDS.items() if e["name"] in names), None)
        stack.append([e, 0.0, kind or (stack[-1][2] if stack else None)])
    close_before(float("inf"))
    result = {kind: totals[kind] / 1000 for kind in (*TRACE_KINDS, "other")}
    result["idle"] = (t1 - t0 - busy) / 1000
    result["window"] = (t1 - t0) / 1000
    return result


def _summary(name: str, loads: list[dict[str, float]]) -> None:
    def median(key: str) -> float:
        return statistics.median(load[key] for load in loads)

    LOGGER.info(
        "%s: ms to rooms drawn %s, to rooms painted %s",
        name,
        [round(load["drawn"]) for load in loads],
        [round(load["painted"]) for load in loads],
    )
    LOGGER.info(
        "%s medians: drawn %.0f ms, painted %.0f ms; html received %.0f, rooms received %.0f "
        "(server %.0f ms); script %.0f, style %.0f, layout %.0f, all tasks %.0f ms; %s bytes",
        name, median("drawn"), median("painted"), median("html_end"), median("rooms_end"),
        median("rooms_server"), median("ScriptDuration"), median("RecalcStyleDuration"),
        median("LayoutDuration"), median("TaskDuration"), round(median("bytes")),
    )  # fmt: skip


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
            cold, warm, traced = [], [], []
            for _ in range(LOADS):
                page = logged_in_page(browser, root)
                cold.append(open_floor(page, root + page_url))
                page.goto(root + "/")  # away and back: the floor's assets are now cached
                page.wait_for_load_state("networkidle")
                warm.append(open_floor(page, root + page_url))
                LOGGER.info(
                    "cold: rooms received at %.0f ms (server %.0f ms), drawn %.0f, painted %.0f;"
                    " warm: drawn %.0f, painted %.0f",
                    cold[-1]["rooms_end"], cold[-1]["rooms_server"], cold[-1]["drawn"],
                    cold[-1]["painted"], warm[-1]["drawn"], warm[-1]["painted"],
                )  # fmt: skip
                page.context.close()
            for n in range(TRACED_LOADS):
                page = logged_in_page(browser, root)
                trace = base / f"trace{n}.json"
                browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
                open_floor(page, root + page_url)
                browser.stop_tracing()
                traced.append(trace_breakdown(trace))
                page.context.close()
            browser.close()
        _summary("cold", cold)
        _summary("warm", warm)
        LOGGER.info(
            "traced cold loads, main thread from navigation to rooms painted (ms): %s",
            "; ".join(", ".join(f"{k} {v:.0f}" for k, v in t.items()) for t in traced),
        )
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
