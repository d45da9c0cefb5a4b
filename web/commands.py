"""``gis-app serve``: the web UI on the configured host and port."""

from __future__ import annotations

import logging

import click

from gis_app.config import Settings
from web.assets import AssetsMissing

__all__ = ["serve"]

LOGGER = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default GIS_APP_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default GIS_APP_PORT.")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the map UI (threaded development server; put a reverse proxy in front)."""
    from gis_app.app import create_app

    try:
        app = create_app(settings)
    except AssetsMissing as exc:
        raise click.ClickException(str(exc)) from None
    host = host or settings.host
    port = port or settings.port
    click.echo(f"办公用房一张图: http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False, debug=False)
