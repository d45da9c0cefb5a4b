"""Rooms (房间) of a floor or a bounding box, in the plan frame (metres) or the map frame.

The plan frame is the surveyed drawing and the master of every area; the map frame
(EPSG:4490) exists only for rooms whose floor has been georeferenced. Each feature carries
what the floor plan shows on hover without another request: number, use, status, area, the
using agency and the current occupants, and a label point that lies inside the room.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from typing import Literal

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import PLAN_SRID
from gis_app.models import Agency
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from gis_app.visibility import person_visible
from gis_app.visibility import room_visible
from layers.base import DEFAULT_LIMIT
from layers.base import BBox
from layers.base import FeatureNotFound
from layers.base import LayerProvider
from layers.base import LayerQueryError
from layers.base import feature_collection
from layers.floors import floor_seen
from layers.sql import MAP_DECIMALS
from layers.sql import PLAN_DECIMALS
from layers.sql import as_geojson
from layers.sql import current_occupancy
from layers.sql import feature
from layers.sql import intersects_bbox
from layers.styles import ROOM_STATUS_COLOURS
from layers.styles import ROOM_USE_COLOURS
from layers.styles import UNKNOWN_COLOUR

__all__ = ["FRAMES", "Frame", "RoomsProvider", "current_occupants"]

Frame = Literal["plan", "map"]
FRAMES: tuple[str, ...] = ("plan", "map")


def current_occupants(
    session: Session, room_ids: list[int], today: dt.date, scope: Scope
) -> dict[int, list[dict[str, Any]]]:
    """Who sits in each room today (people the scope shows), by room id, sorted by name."""
    if not room_ids:
        return {}
    rows = session.execute(
        select(
            Occupancy.room_id,
            Person.id,
            Person.name,
            Person.rank,
            Person.position,
            Person.status,
        )
        .join(Person, Person.id == Occupancy.person_id)
        .where(Occupancy.room_id.in_(room_ids), current_occupancy(today), person_visible(scope))
        .order_by(Occupancy.room_id, Person.name)
    ).all()
    by_room: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_room[row.room_id].append(
            {
                "id": row.id,
                "name": row.name,
                "rank": row.rank,
                "position": row.position,
                "status": row.status,
            }
        )
    return by_room


class RoomsProvider(LayerProvider):
    name = "rooms"

    def __init__(self, frame: str = "map", today: dt.date | None = None) -> None:
        if frame not in FRAMES:
            raise LayerQueryError(
                "bad_frame", f"frame must be plan or map, got {frame!r}", value=frame
            )
        self.frame = frame
        self.today = today or dt.date.today()

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Live rooms; the plan frame needs a floor (plans of floors share coordinates)."""
        if self.frame == "plan":
            geom, srid, decimals = Room.plan_geom, PLAN_SRID, PLAN_DECIMALS
            if floor_id is None:
                raise LayerQueryError(
                    "plan_frame_needs_floor", "rooms in the plan frame need a floor"
                )
        else:
            geom, srid, decimals = Room.map_geom, MAP_SRID, MAP_DECIMALS
            if floor_id is None and bbox is None:
                raise LayerQueryError("rooms_need_floor_or_bbox", "rooms need a floor or a bbox")
        if floor_id is not None and not floor_seen(session, floor_id, scope):
            raise FeatureNotFound("floor_not_found", f"no floor {floor_id}", id=floor_id)
        label_point = func.ST_PointOnSurface(geom)
        stmt = (
            select(
                Room.id,
                Room.floor_id,
                Room.number,
                Room.name,
                Room.use_category,
                Room.use_subtype,
                Room.status,
                Room.usable_area_m2,
                Room.area_rule,
                Room.agency_id,
                Agency.name.label("agency_name"),
                func.ST_X(label_point).label("label_x"),
                func.ST_Y(label_point).label("label_y"),
                as_geojson(geom, decimals).label("geometry"),
            )
            .outerjoin(Agency, Agency.id == Room.agency_id)
            .where(Room.retired_at.is_(None), geom.is_not(None), room_visible(scope))
        )
        if floor_id is not None:
            stmt = stmt.where(Room.floor_id == floor_id)
        if bbox is not None:
            stmt = stmt.where(intersects_bbox(geom, bbox, srid))
        rows = session.execute(stmt.order_by(Room.number, Room.id).limit(limit + 1)).all()
        occupants = current_occupants(session, [row.id for row in rows[:limit]], self.today, scope)
        features = [
            feature(
                row.id,
                row.geometry,
                {
                    "floor_id": row.floor_id,
                    "number": row.number,
                    "name": row.name,
                    "use_category": row.use_category,
                    "use_subtype": row.use_subtype,
                    "status": row.status,
                    "usable_area_m2": round(row.usable_area_m2, 2),
                    "area_rule": row.area_rule,
                    "agency_id": row.agency_id,
                    "agency_name": row.agency_name,
                    "occupants": occupants.get(row.id, []),
                    "label_point": [round(row.label_x, decimals), round(row.label_y, decimals)],
                },
            )
            for row in rows
        ]
        return feature_collection(
            features,
            limit,
            layer=self.name,
            frame=self.frame,
            floor_id=floor_id,
            colours={"use": ROOM_USE_COLOURS, "status": ROOM_STATUS_COLOURS},
            unknown_colour=UNKNOWN_COLOUR,
        )
