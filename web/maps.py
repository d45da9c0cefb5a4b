"""folium maps in components mode: folium writes the Leaflet map, our base template holds it.

folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; every map made
here loads only our locally served Leaflet. Layers are not embedded: the page scripts fetch
GeoJSON from ``/api`` for the current view or floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import url_for
from markupsafe import Markup

from gis_app.config import Settings
from layers.base import BBox

__all__ = ["MapComponents", "components", "geographic_map", "plan_map"]

CHINA_CENTRE = (35.0, 105.0)
"""Where the map opens when there is no data yet."""


@dataclass(frozen=True)
class MapComponents:
    """The pieces of a rendered folium map for ``base.html``: head, body and script."""

    name: str
    """The JavaScript variable holding the ``L.map`` (our scripts find it on ``window``)."""
    header: Markup
    html: Markup
    script: Markup


def _local_assets(m: folium.Map) -> folium.Map:
    m.default_js = [("leaflet", url_for("vendor.vendor", package="leaflet", filename="leaflet.js"))]
    m.default_css = [
        ("leaflet_css", url_for("vendor.vendor", package="leaflet", filename="leaflet.css"))
    ]
    return m


def geographic_map(settings: Settings, extent: BBox | None) -> folium.Map:
    """A lon/lat map fitted to ``extent``; a base map only when one is configured."""
    m = folium.Map(
        location=CHINA_CENTRE,
        zoom_start=4,
        tiles=None,
        prefer_canvas=True,
    )
    if settings.base_map_url:
        folium.TileLayer(
            tiles=settings.base_map_url,
            attr=settings.base_map_attribution or " ",
            name="base",
            max_zoom=20,
        ).add_to(m)
    if extent is not None:
        m.fit_bounds([[extent.miny, extent.minx], [extent.maxy, extent.maxx]])
    return _local_assets(m)


def plan_map() -> folium.Map:
    """A map in the plan frame: ``L.CRS.Simple``, one unit per metre, no base map."""
    m = folium.Map(
        location=(0, 0),
        zoom_start=0,
        tiles=None,
        crs="Simple",
        prefer_canvas=True,
        zoom_snap=0.25,
        attribution_control=False,
    )
    return _local_assets(m)


def components(m: folium.Map) -> MapComponents:
    root = m.get_root()
    root.render()
    return MapComponents(
        name=m.get_name(),
        header=Markup(root.header.render()),
        html=Markup(root.html.render()),
        script=Markup(root.script.render()),
    )
