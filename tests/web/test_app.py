"""The factory: settings honoured, secrets kept, assets and database checked at start-up."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner
from flask import Flask

from gis_app.app import create_app
from gis_app.cli import root
from gis_app.config import Settings
from gis_app.db import DatabaseUnavailable
from web import assets

DEAD_URL = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"


def test_factory_honours_the_settings(app, city_settings):
    assert app.config["GIS_SETTINGS"] is city_settings
    assert app.testing is True
    assert app.secret_key == "test-secret-key"
    assert {bp for bp in app.blueprints} >= {"map", "api", "vendor"}


def test_secret_key_is_generated_once_and_kept_private(city_settings):
    settings = city_settings.with_changes(secret_key=None)
    first = create_app(settings).secret_key
    second = create_app(settings).secret_key
    assert first == second and len(first) == 64
    key_file = settings.var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_missing_assets_stop_the_start_with_what_to_run(tmp_path):
    with pytest.raises(assets.AssetsMissing, match=r"run `make assets`"):
        assets.check_assets(tmp_path)
    with pytest.raises(assets.AssetsMissing, match=r"leaflet/dist/leaflet\.js"):
        assets.init_app(Flask("x"), tmp_path)


def test_serve_without_assets_is_one_clear_line(city_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "NODE_MODULES", tmp_path)
    result = CliRunner().invoke(root, ["serve"], obj=city_settings)
    assert result.exit_code == 1
    assert "make assets" in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_stops_the_start(tmp_path):
    settings = Settings(database_url=DEAD_URL, var_dir=tmp_path, secret_key="k", testing=True)
    with pytest.raises(DatabaseUnavailable, match="cannot connect"):
        create_app(settings)
    result = CliRunner().invoke(root, ["serve"], obj=settings)
    assert result.exit_code == 2
    assert "gis-app: cannot connect" in result.output
    assert "Traceback" not in result.output


def test_vendor_files_are_served_from_node_modules(client):
    js = client.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and b"Leaflet" in js.data[:400]
    # private when the response refreshes the session cookie (no shared cache may keep it)
    cache = set(js.headers["Cache-Control"].split(", "))
    assert "max-age=31536000" in cache and cache & {"public", "private"}
    assert client.get("/static/vendor/leaflet/leaflet.css").mimetype == "text/css"
    assert client.get("/static/vendor/leaflet/images/layers.png").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/jquery/jquery.js",
        "/static/vendor/leaflet/../package.json",
        "/static/vendor/leaflet/%2e%2e/package.json",
        "/static/vendor/leaflet/nothing.js",
    ],
)
def test_nothing_else_under_node_modules_is_reachable(client, path):
    assert client.get(path).status_code == 404
