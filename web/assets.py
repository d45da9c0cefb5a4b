"""Front-end libraries served from this server, never from a CDN (government intranets are
offline). ``npm ci --prefix web`` (``make assets``) installs them into ``web/node_modules``;
``/static/vendor/<package>/<file>`` serves the files of each package's distribution folder.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import send_from_directory

__all__ = ["NODE_MODULES", "REQUIRED_FILES", "VENDOR_PACKAGES", "AssetsMissing", "check_assets"]

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"

VENDOR_PACKAGES: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "echarts": "echarts/dist",
    "vectorgrid": "leaflet.vectorgrid/dist",
}
"""URL name -> distribution folder inside node_modules; nothing else is reachable."""

REQUIRED_FILES: tuple[str, ...] = (
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.css",
    "echarts/dist/echarts.min.js",
    "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js",
)

ONE_YEAR = 365 * 24 * 3600


class AssetsMissing(RuntimeError):
    """The front-end libraries are not installed; the message says how to install them."""


def check_assets(node_modules: Path | None = None) -> None:
    """Refuse to start without the libraries rather than serve pages with a broken map."""
    node_modules = node_modules or NODE_MODULES
    missing = [name for name in REQUIRED_FILES if not (node_modules / name).is_file()]
    if missing:
        raise AssetsMissing(
            f"front-end assets missing ({', '.join(missing)} under {node_modules}): "
            "run `make assets` (npm ci --prefix web)"
        )


def init_app(app: Flask, node_modules: Path | None = None) -> None:
    node_modules = node_modules or NODE_MODULES
    check_assets(node_modules)
    bp = Blueprint("vendor", __name__)

    @bp.route("/static/vendor/<package>/<path:filename>")
    def vendor(package: str, filename: str) -> Response:
        folder = VENDOR_PACKAGES.get(package)
        if folder is None:
            abort(404)
        return send_from_directory(node_modules / folder, filename, max_age=ONE_YEAR)

    app.register_blueprint(bp)
