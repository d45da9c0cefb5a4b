"""The JSON API the map pages fetch from: GeoJSON layers by bbox or floor, records by id."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from layers.base import get_provider
from layers.base import parse_bbox
from layers.base import parse_limit
from layers.records import building_summary
from layers.records import room_record
from web.auth import current_scope
from web.database import get_session
from web.errors import integer_arg

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")

LAYER_OPTIONS: dict[str, tuple[str, ...]] = {
    "rooms": ("frame",),
    "compounds": ("indicator",),
    "buildings": ("indicator",),
    "clusters": ("cell", "indicator"),
    "regions": ("zoom", "indicator"),
}
"""Query parameters handed to a layer's provider as options (absent ones keep its default)."""


@bp.get("/layers/<name>")
def layer(name: str) -> Response:
    """``?bbox=minx,miny,maxx,maxy&floor=ID&limit=N`` (lon/lat), and the layer's own options:
    rooms ``frame``; compounds, buildings, clusters and regions ``indicator``; clusters
    ``cell``; regions ``zoom``."""
    options = {
        key: value
        for key in LAYER_OPTIONS.get(name, ())
        if (value := request.args.get(key)) is not None
    }
    provider = get_provider(name, **options)
    return jsonify(
        provider.query(
            get_session(),
            bbox=parse_bbox(request.args.get("bbox")),
            floor_id=integer_arg("floor"),
            limit=parse_limit(request.args.get("limit")),
            scope=current_scope(),
        )
    )


@bp.get("/floors/<id:floor_id>/rooms")
def floor_rooms(floor_id: int) -> Response:
    """The rooms of a floor, in the plan frame (metres) by default or ``?frame=map``."""
    provider = get_provider("rooms", frame=request.args.get("frame", "plan"))
    return jsonify(
        provider.query(
            get_session(),
            bbox=parse_bbox(request.args.get("bbox")),
            floor_id=floor_id,
            limit=parse_limit(request.args.get("limit")),
            scope=current_scope(),
        )
    )


@bp.get("/buildings/<id:building_id>")
def building(building_id: int) -> Response:
    return jsonify(building_summary(get_session(), building_id, current_scope()))


@bp.get("/rooms/<id:room_id>")
def room(room_id: int) -> Response:
    """The room card: identity, occupants and their history, findings, survey versions."""
    settings = current_app.config["GIS_SETTINGS"]
    return jsonify(room_record(get_session(), settings, room_id, current_scope()))
