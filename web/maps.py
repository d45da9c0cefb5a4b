"""folium maps in components mode: folium writes the Leaflet map, our base template holds it.

folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; every map made
here loads only our locally served Leaflet. Layers are not embedded: the page scripts fetch
GeoJSON from ``/api`` for the current view or floor.

The plan map is the same on every building page (the floor comes from the page's data), so it
is rendered once per Leaflet URL and kept: a page reuses the same ``map_…`` variable name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import folium
from flask import url_for
from markupsafe import Markup

from gis_app.config import Settings
from layers.base import BBox

__all__ = ["MapComponents", "components", "geographic_map", "plan_components"]

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


def _leaflet_urls() -> tuple[str, str]:
    """Our Leaflet script and stylesheet, versioned URLs under this app's root."""
    return (
        url_for("vendor.vendor", package="leaflet", filename="leaflet.js"),
        url_for("vendor.vendor", package="leaflet", filename="leaflet.css"),
    )


def _local_assets(m: folium.Map, leaflet: tuple[str, str]) -> folium.Map:
    m.default_js = [("leaflet", leaflet[0])]
    m.default_css = [("leaflet_css", leaflet[1])]
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
    return _local_assets(m, _leaflet_urls())


def plan_components() -> MapComponents:
    """A map in the plan frame: ``L.CRS.Simple``, one unit per metre, no base map."""
    return _plan_components(_leaflet_urls())


@lru_cache(maxsize=8)
def _plan_components(leaflet: tuple[str, str]) -> MapComponents:
    m = folium.Map(
        location=(0, 0),
        zoom_start=0,
        tiles=None,
        crs="Simple",
        prefer_canvas=True,
        zoom_snap=0.25,
        attribution_control=False,
    )
    return components(_local_assets(m, leaflet))


def components(m: folium.Map) -> MapComponents:
    root = m.get_root()
    root.render()
    return MapComponents(
        name=m.get_name(),
        header=Markup(root.header.render()),
        html=Markup(root.html.render()),
        script=Markup(root.script.render()),
    )
