"""How responses travel: gzip when the client takes it, static files kept by browsers for a
year under versioned URLs, and the server's own time in a ``Server-Timing`` header.

Intranet links are often slow: a 300-room floor's GeoJSON shrinks about sixfold and Leaflet
about threefold. ``url_for`` of a static or vendor file adds ``?v=`` (a hash of the file), so a
browser keeps the file until it changes and does not even ask (``immutable``); a URL without
the current version is served as before (revalidated). ``Server-Timing`` lets the browser's
resource timings tell server time from network and queueing (the floor-plan bench reads it).
"""

from __future__ import annotations

import gzip
import hashlib
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from flask import session

from web.assets import NODE_MODULES
from web.assets import ONE_YEAR
from web.assets import VENDOR_PACKAGES

__all__ = ["COMPRESSIBLE", "MIN_COMPRESSED_BYTES", "file_version", "init_app"]

COMPRESSIBLE = frozenset(
    {
        "application/geo+json",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/css",
        "text/csv",
        "text/javascript",
        "text/plain",
    }
)
"""Media types worth compressing (images other than SVG, tiles, Excel and PDF already are).
Not HTML: a page holds the session's CSRF token beside text the user typed (a search), which
compressed over HTTPS leaks the token byte by byte (BREACH); pages are small anyway."""

MIN_COMPRESSED_BYTES = 1024
"""Below this a gzip header and a CPU round cost more than the bytes saved."""

DYNAMIC_LEVEL = 6
"""Responses made per request: about 3 ms for a 300-room floor, a sixth of its size."""
FILE_LEVEL = 9
"""Files are compressed once per process and kept, so the smallest output is worth it."""
FILE_CACHE_ENTRIES = 256
"""Compressed static and vendor files kept in memory (the app has a few dozen)."""

_versions: dict[Path, tuple[tuple[int, int], str]] = {}
_compressed: dict[tuple[str, str], bytes] = {}


def file_version(path: Path) -> str | None:
    """A short hash of the file's content (``None`` when there is no such file); re-read only
    when the file's size or modification time changes."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    known = _versions.get(path)
    if known is not None and known[0] == key:
        return known[1]
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    _versions[path] = (key, version)
    return version


def _asset_path(endpoint: str | None, values: dict[str, Any]) -> Path | None:
    """The file a static or vendor URL names, if it is one of ours."""
    filename = values.get("filename")
    if not isinstance(filename, str) or ".." in filename.split("/"):
        return None
    if endpoint == "static":
        return Path(current_app.static_folder or "") / filename
    if endpoint == "vendor.vendor":
        folder = VENDOR_PACKAGES.get(str(values.get("package")))
        return None if folder is None else NODE_MODULES / folder / filename
    return None


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if "v" in values:
        return
    path = _asset_path(endpoint, values)
    version = None if path is None else file_version(path)
    if version is not None:
        values["v"] = version


def _start_clock() -> None:
    g.started_at = time.perf_counter()


def _cache_versioned(response: Response) -> Response:
    """A year, immutable, when the URL carries the file's current version. Kept out of shared
    caches (``private``) whenever the response will refresh the session cookie: a proxy must
    never hand one user's cookie to another."""
    if request.endpoint not in ("static", "vendor.vendor") or response.status_code not in (
        200,
        304,
    ):
        return response
    path = _asset_path(request.endpoint, request.view_args or {})
    versioned = path is not None and request.args.get("v") == file_version(path)
    if versioned:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    if response.cache_control.public and _sets_session_cookie():
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def _sets_session_cookie() -> bool:
    """Will Flask add ``Set-Cookie`` (after these hooks run) to this response?"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return app.session_interface.should_set_cookie(app, session)


def _compress(response: Response) -> Response:
    """gzip a compressible 200 response of at least ``MIN_COMPRESSED_BYTES`` when the client
    accepts it; files (sent by ``send_file``) are compressed once and kept."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or not request.accept_encodings["gzip"]
    ):
        return response
    response.vary.add("Accept-Encoding")
    is_file = response.direct_passthrough
    if response.is_streamed and not is_file:
        return response  # a generator: compressing would hold the whole stream
    if response.content_length is not None and response.content_length < MIN_COMPRESSED_BYTES:
        return response
    etag, weak = response.get_etag()
    key = (request.path, etag or "")
    body = _compressed.get(key) if is_file and etag else None
    if body is None:
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_COMPRESSED_BYTES:
            return response
        body = gzip.compress(data, FILE_LEVEL if is_file else DYNAMIC_LEVEL, mtime=0)
        if is_file and etag:
            if len(_compressed) >= FILE_CACHE_ENTRIES:
                _compressed.pop(next(iter(_compressed)))
            _compressed[key] = body
    else:
        response.close()  # the file is not read: its compressed bytes are known
        response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("Accept-Ranges", None)  # byte ranges of the identity body only
    if etag:
        response.set_etag(etag, weak=True)  # same content, other bytes: a weak validator
    return response


def _server_timing(response: Response) -> Response:
    started = g.get("started_at")
    if started is not None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
    return response


def init_app(app: Flask) -> None:
    """Versioned asset URLs, the clock first of all request hooks, and the response steps
    (Flask runs ``after_request`` hooks last-registered first: cache, compress, then time)."""
    app.url_default_functions.setdefault(None, []).append(_add_version)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_server_timing)
    app.after_request(_compress)
    app.after_request(_cache_versioned)
