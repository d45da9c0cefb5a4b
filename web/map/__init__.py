"""The public map viewer: the compound/building map, a building's floor plans, a room card."""

from __future__ import annotations

import re

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for

from layers.base import FeatureNotFound
from layers.indicators import INDICATORS
from layers.records import building_summary
from layers.records import compound_extent
from layers.records import data_extent
from layers.records import room_record
from layers.regions import LEVEL_BY_ZOOM
from layers.regions import MAX_ZOOM as REGION_MAX_ZOOM
from layers.styles import ROOM_STATUS_COLOURS
from layers.styles import indicator_legend
from layers.styles import legend
from layers.tiles import MIN_ZOOM
from layers.tiles import room_tile
from web.auth import current_scope
from web.database import get_session
from web.errors import ParameterError
from web.errors import integer_arg
from web.maps import components
from web.maps import geographic_map
from web.maps import plan_components

__all__ = ["bp"]

bp = Blueprint("map", __name__)


@bp.get("/")
def index() -> str:
    """Compounds and buildings; the page script fetches them for the visible box."""
    compound_id = integer_arg("compound")
    if compound_id is not None:
        extent = compound_extent(get_session(), compound_id, current_scope())
    else:
        extent = data_extent(get_session(), current_scope())
    settings = current_app.config["GIS_SETTINGS"]
    page = {
        "compounds_url": url_for("api.layer", name="compounds"),
        "buildings_url": url_for("api.layer", name="buildings"),
        "clusters_url": url_for("api.layer", name="clusters"),
        "regions_url": url_for("api.layer", name="regions"),
        "building_url": _id_url("map.building", "building_id"),
        "room_api_url": _id_url("api.room", "room_id"),
        "room_page_url": _id_url("map.room", "room_id"),
        "room_tiles_url": url_for("map.room_tiles", z=0, x=0, y=0).replace(
            "/0/0/0.pbf", "/{z}/{x}/{y}.pbf"
        ),
        "regions_below_zoom": REGIONS_BELOW_ZOOM,
        "region_levels": LEVEL_BY_ZOOM,
        "cluster_below_zoom": CLUSTER_BELOW_ZOOM,
        "room_tiles_from_zoom": ROOM_TILES_FROM_ZOOM,
        "room_status_colours": ROOM_STATUS_COLOURS,
    }
    return render_template(
        "map/index.html",
        map=components(geographic_map(settings, extent)),
        has_data=extent is not None,
        indicators={name: indicator_legend(name) for name in INDICATORS},
        page=page,
    )


REGIONS_BELOW_ZOOM = REGION_MAX_ZOOM + 1
"""Up to the regions layer's deepest zoom, compounds are rolled up to provinces, cities and
counties; from here, to points per compound."""
CLUSTER_BELOW_ZOOM = 16
"""Below this zoom, compounds are points with counts (a building is under ~15 px there)."""
ROOM_TILES_FROM_ZOOM = max(MIN_ZOOM, 18)
"""From this zoom the ground-floor rooms are drawn from vector tiles over the buildings."""


@bp.get("/tiles/rooms/<int:z>/<int:x>/<int:y>.pbf")
def room_tiles(z: int, x: int, y: int) -> Response:
    """A Mapbox vector tile of the rooms the user may see on one floor level (``?ordinal=``,
    default 1: the ground floor)."""
    raw = request.args.get("ordinal", "1")
    if not re.fullmatch(r"-?[0-9]{1,3}", raw):
        raise ParameterError("bad_ordinal", f"ordinal must be an integer, got {raw!r}", value=raw)
    data = room_tile(get_session(), z, x, y, scope=current_scope(), ordinal=int(raw))
    response = Response(data, mimetype="application/vnd.mapbox-vector-tile")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/buildings/<id:building_id>")
def building(building_id: int) -> str:
    """A building's floors (``?floor=ID`` picks one) and the selected floor's plan."""
    summary = building_summary(get_session(), building_id, current_scope())
    asked = integer_arg("floor")
    with_plan = [f for f in summary["floors"] if f["has_plan"]]
    if asked is not None:
        selected = next((f for f in summary["floors"] if f["id"] == asked), None)
        if selected is None:
            raise FeatureNotFound("floor_not_in_building", "floor not in building", id=asked)
    else:
        selected = _default_floor(with_plan)
    page = {
        "floor_id": selected["id"] if selected and selected["has_plan"] else None,
        "rooms_url": (
            url_for("api.floor_rooms", floor_id=selected["id"], frame="plan")
            if selected and selected["has_plan"]
            else None
        ),
        "room_api_url": _id_url("api.room", "room_id"),
        "room_page_url": _id_url("map.room", "room_id"),
        "room_id": integer_arg("room"),
    }
    return render_template(
        "map/building.html",
        building=summary,
        selected=selected,
        map=plan_components(),
        legends={"use": legend("use"), "status": legend("status")},
        page=page,
    )


def _id_url(endpoint: str, key: str) -> str:
    """The URL of ``endpoint`` ending in ``/``; page scripts append an id to it."""
    url = url_for(endpoint, **{key: 0})
    assert url.endswith("/0"), url
    return url[:-1]


def _default_floor(with_plan: list[dict]) -> dict | None:
    """The ground floor when it has a plan, else the lowest floor above ground, else any."""
    above = [f for f in with_plan if f["ordinal"] >= 1]
    return (above or with_plan or [None])[0]


@bp.get("/rooms/<id:room_id>")
def room(room_id: int) -> str:
    settings = current_app.config["GIS_SETTINGS"]
    record = room_record(get_session(), settings, room_id, current_scope())
    return render_template("map/room.html", room=record)
