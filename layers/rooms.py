"""Rooms (房间) of a floor or a bounding box, in the plan frame (metres) or the map frame.

The plan frame is the surveyed drawing and the master of every area; the map frame
(EPSG:4490) exists only for rooms whose floor has been georeferenced. Each feature carries
what the floor plan shows on hover without another request: number, use, status, area, the
using agency and the current occupants, and a label point that lies inside the room.

``shown_status`` is what the status colouring shows: 超标 when the newest stored analysis run
covering the room (the run its room card reads) found its occupants over their standard,
else the stored status. Runs are read, never computed here: a floor costs two small queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from typing import Literal

from sqlalchemy import Integer
from sqlalchemy import any_
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy import union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.models import Finding
from gis_app.models import MAP_SRID
from gis_app.models import PLAN_SRID
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
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
from layers.findings import covering_run
from layers.floors import floor_seen
from layers.indicators import OVER_STANDARD_RULES
from layers.sql import MAP_DECIMALS
from layers.sql import PLAN_DECIMALS
from layers.sql import as_geojson
from layers.sql import current_occupancy
from layers.sql import feature
from layers.sql import intersects_bbox
from layers.styles import FLOOR_STATUS_COLOURS
from layers.styles import OVER_STANDARD_STATUS
from layers.styles import ROOM_USE_COLOURS
from layers.styles import UNKNOWN_COLOUR

__all__ = ["FRAMES", "Frame", "RoomsProvider", "current_occupants", "over_standard_rooms"]


def _any_of(ids: list[int]) -> Any:
    """``= ANY(:ids)`` with one array parameter: a floor's 300 ids as one value, not 300."""
    return any_(bindparam("ids", sorted(ids), type_=ARRAY(Integer), unique=True))


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
        .where(
            Occupancy.room_id == _any_of(room_ids),
            current_occupancy(today),
            person_visible(scope),
        )
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


def over_standard_rooms(
    session: Session, places: dict[int, tuple[str | None, int | None]], scope: Scope
) -> set[int]:
    """The rooms (of ``places``: room id -> (region code, agency id)) that an over-standard
    finding of the run covering them names, as a room or among its evidence rooms, and that
    ``scope`` may see."""
    run_of: dict[int, int] = {}
    runs: dict[tuple[str | None, int | None], int | None] = {}
    for room_id, place in places.items():
        if place not in runs:
            run = covering_run(session, *place)
            runs[place] = run.id if run is not None else None
        if runs[place] is not None:
            run_of[room_id] = runs[place]
    if not run_of:
        return set()
    room_ids = list(run_of)
    of_interest = (
        Finding.run_id.in_(sorted(set(run_of.values()))),
        Finding.rule.in_(OVER_STANDARD_RULES),
        scope.condition(Finding.region_code, Finding.agency_id),
    )
    rooms = Finding.evidence["rooms"]
    listed = case((func.jsonb_typeof(rooms) == "array", rooms), else_=cast(literal("[]"), JSONB))
    ref = func.jsonb_array_elements(listed).table_valued("value").lateral("ref")
    ref_room = ref.c.value.op("->>")("room_id").cast(Integer)
    found = session.execute(
        union(
            select(Finding.run_id, Finding.room_id).where(
                Finding.room_id == _any_of(room_ids), *of_interest
            ),
            select(Finding.run_id, ref_room)
            .select_from(Finding)
            .join(ref, true())
            .where(ref_room == _any_of(room_ids), *of_interest),
        )
    ).all()
    return {room_id for run_id, room_id in found if run_of.get(room_id) == run_id}


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
                func.coalesce(Agency.region_code, Compound.region_code).label("region_code"),
                func.ST_X(label_point).label("label_x"),
                func.ST_Y(label_point).label("label_y"),
                as_geojson(geom, decimals).label("geometry"),
            )
            .outerjoin(Agency, Agency.id == Room.agency_id)
            .join(Floor, Floor.id == Room.floor_id)
            .join(Building, Building.id == Floor.building_id)
            .outerjoin(Compound, Compound.id == Building.compound_id)
            .where(Room.retired_at.is_(None), geom.is_not(None), room_visible(scope))
        )
        if floor_id is not None:
            stmt = stmt.where(Room.floor_id == floor_id)
        if bbox is not None:
            stmt = stmt.where(intersects_bbox(geom, bbox, srid))
        rows = session.execute(stmt.order_by(Room.number, Room.id).limit(limit + 1)).all()
        occupants = current_occupants(session, [row.id for row in rows[:limit]], self.today, scope)
        over = over_standard_rooms(
            session, {row.id: (row.region_code, row.agency_id) for row in rows[:limit]}, scope
        )
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
                    "over_standard": row.id in over,
                    "shown_status": OVER_STANDARD_STATUS if row.id in over else row.status,
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
            colours={"use": ROOM_USE_COLOURS, "status": FLOOR_STATUS_COLOURS},
            unknown_colour=UNKNOWN_COLOUR,
        )
