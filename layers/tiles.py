"""Rooms as Mapbox vector tiles (``ST_AsMVT``) for the map at building zoom levels.

Rooms of all floors of a building lie on one another in the map frame, so a tile holds the
rooms of one floor level (``ordinal``, 1 = ground floor by default). PostGIS builds the tile
from the rooms the scope shows; an empty tile is an empty body. Areas are the plan-frame
figures, never computed from the projected geometry.

A feature carries only what the room card shows anyone who may see the room (:data:`FIELDS`):
never its occupants. Its room id is a property as well as the feature id, because map
libraries hand scripts the properties of a clicked feature, not its id.
"""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy import Numeric
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import Agency
from gis_app.models import Floor
from gis_app.models import Room
from gis_app.visibility import room_visible
from layers.base import LayerQueryError

__all__ = [
    "EXTENT",
    "FIELDS",
    "LAYER_NAME",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "WEB_MERCATOR",
    "room_tile",
]

MIN_ZOOM = 14
MAX_ZOOM = 22
"""Below zoom 14 a tile spans kilometres and rooms would be specks: the map shows buildings."""
EXTENT = 4096
BUFFER = 64
LAYER_NAME = "rooms"
WEB_MERCATOR = 3857
FIELDS = (
    "room_id",
    "floor_id",
    "building_id",
    "number",
    "use_category",
    "status",
    "area_m2",
    "agency",
)
"""The properties of a room feature in a tile."""


def _check(z: int, x: int, y: int) -> None:
    if not (MIN_ZOOM <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise LayerQueryError(
            "tile_out_of_range",
            f"no tile {z}/{x}/{y} (zoom {MIN_ZOOM}-{MAX_ZOOM})",
            z=z,
            x=x,
            y=y,
            min_zoom=MIN_ZOOM,
            max_zoom=MAX_ZOOM,
        )


def room_tile(session: Session, z: int, x: int, y: int, *, scope: Scope, ordinal: int = 1) -> bytes:
    """The tile ``z/x/y`` (XYZ scheme, Web Mercator) of the live rooms on floor ``ordinal``."""
    _check(z, x, y)
    envelope = func.ST_TileEnvelope(z, x, y)
    in_map_frame = func.ST_Transform(envelope, MAP_SRID)
    rooms = (
        select(
            Room.id,
            Room.id.label("room_id"),
            Room.floor_id,
            Floor.building_id,
            Room.number,
            Room.use_category,
            Room.status,
            cast(func.round(cast(Room.usable_area_m2, Numeric), 2), Float).label("area_m2"),
            Agency.name.label("agency"),
            func.ST_AsMVTGeom(
                func.ST_Transform(Room.map_geom, WEB_MERCATOR), envelope, EXTENT, BUFFER, True
            ).label("geom"),
        )
        .join(Floor, Floor.id == Room.floor_id)
        .outerjoin(Agency, Agency.id == Room.agency_id)
        .where(
            Room.retired_at.is_(None),
            Room.map_geom.is_not(None),
            Room.map_geom.op("&&")(in_map_frame),
            Floor.ordinal == ordinal,
            room_visible(scope),
        )
        .subquery("rooms")
    )
    tile = session.scalar(
        select(func.ST_AsMVT(rooms.table_valued(), LAYER_NAME, EXTENT, "geom", "id")).where(
            rooms.c.geom.is_not(None)
        )
    )
    return bytes(tile or b"")
