"""Responses travel compressed when the client takes gzip, static and vendor files are cached
for a year under versioned URLs, and every response says how long the server took."""

from __future__ import annotations

import gzip
import json
import re

from flask import Flask
from sqlalchemy import event

from tests.web.cityfixture import City
from tests.web.conftest import logged_in

GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_json_is_gzipped_for_clients_that_take_it(app: Flask, city: City):
    client = logged_in(app, "lixia")
    url = f"/api/floors/{city.floor_1f_id}/rooms"
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()


def test_small_or_incompressible_responses_are_sent_as_they_are(app: Flask):
    client = app.test_client()
    icon = client.get("/static/favicon.svg", headers=GZIP)  # an SVG under 1 KB
    assert icon.status_code == 200 and "Content-Encoding" not in icon.headers
    png = client.get("/static/vendor/leaflet/images/layers.png", headers=GZIP)
    assert png.status_code == 200 and "Content-Encoding" not in png.headers


def test_vendor_files_are_compressed_once_and_revalidate_with_a_weak_etag(app: Flask):
    client = app.test_client()
    url = "/static/vendor/leaflet/leaflet.js"
    plain = client.get(url).data
    first = client.get(url, headers=GZIP)
    second = client.get(url, headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip" and "Accept-Ranges" not in first.headers
    assert gzip.decompress(first.data) == plain and second.data == first.data
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_asset_urls_carry_a_version_and_versioned_files_are_immutable(app: Flask, city: City):
    client = logged_in(app, "lixia")
    html = client.get(f"/buildings/{city.building_id}?floor={city.floor_1f_id}").get_data(
        as_text=True
    )
    script = re.search(r'src="(/static/js/floorplan\.js\?v=[0-9a-f]{12})"', html)
    leaflet = re.search(r'src="(/static/vendor/leaflet/leaflet\.js\?v=[0-9a-f]{12})"', html)
    assert script and leaflet, html[:2000]
    for url in (script.group(1), leaflet.group(1)):
        cache = client.get(url).headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache
    # an old or missing version is not pinned: the browser asks again next time
    stale = client.get("/static/js/floorplan.js?v=000000000000").headers["Cache-Control"]
    unversioned = client.get("/static/js/floorplan.js").headers["Cache-Control"]
    assert "immutable" not in stale and "immutable" not in unversioned


def test_every_response_says_how_long_the_server_took(app: Flask, city: City):
    client = logged_in(app, "lixia")
    for url in (f"/api/floors/{city.floor_1f_id}/rooms", "/static/css/app.css", "/nowhere"):
        timing = client.get(url).headers["Server-Timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), (url, timing)


def test_pages_are_not_compressed(app: Flask):
    """A page holds the CSRF token beside the search text the user typed (BREACH)."""
    client = logged_in(app, "lixia")
    page = client.get("/search?q=abc", headers=GZIP)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Content-Encoding" not in page.headers and 'name="csrf-token"' in page.text


def test_assets_that_refresh_the_session_cookie_stay_out_of_shared_caches(app: Flask):
    """A proxy must not keep a response carrying a user's cookie for others."""
    anonymous = app.test_client()
    user = logged_in(app, "lixia")
    url = "/static/vendor/leaflet/leaflet.js"
    assert anonymous.get(url).headers["Cache-Control"].startswith("public")
    response = user.get(url)
    cache = response.headers["Cache-Control"]
    assert ("Set-Cookie" in response.headers) == ("private" in cache) != ("public" in cache)
    html = user.get("/").get_data(as_text=True)
    versioned = re.search(r'src="(/static/js/common\.js\?v=[0-9a-f]{12})"', html).group(1)
    response = user.get(versioned)
    assert "immutable" in response.headers["Cache-Control"]
    assert ("Set-Cookie" in response.headers) == ("private" in response.headers["Cache-Control"])


def test_assets_cost_no_database_round_trip(app: Flask):
    """A page loads several scripts and styles; none of them needs the user from the database."""
    user = logged_in(app, "lixia")
    engine = app.extensions["gis_app.sessionmaker"].kw["bind"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert user.get("/static/js/floorplan.js").status_code == 200
        assert user.get("/static/vendor/leaflet/leaflet.css").status_code == 200
        assert statements == []
        assert user.get("/search").status_code == 200  # a page does load the user
        assert statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
