"""Floors (楼层) as map features: the hull of their georeferenced rooms, with room totals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import Floor
from gis_app.models import Room
from gis_app.visibility import floor_visible
from gis_app.visibility import room_visible
from layers.base import DEFAULT_LIMIT
from layers.base import BBox
from layers.base import FeatureNotFound
from layers.base import LayerProvider
from layers.base import feature_collection
from layers.sql import MAP_DECIMALS
from layers.sql import as_geojson
from layers.sql import feature
from layers.sql import intersects_bbox

__all__ = ["FloorsProvider", "floor_seen"]


def floor_seen(session: Session, floor_id: int, scope: Scope) -> bool:
    """Whether the floor exists and lies in a building the scope shows."""
    return (
        session.scalar(select(Floor.id).where(Floor.id == floor_id, floor_visible(scope)))
        is not None
    )


class FloorsProvider(LayerProvider):
    name = "floors"

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Floors that have live rooms; a floor without a georeference has a null geometry."""
        if floor_id is not None and not floor_seen(session, floor_id, scope):
            raise FeatureNotFound("floor_not_found", f"no floor {floor_id}", id=floor_id)
        hull = func.ST_ConvexHull(func.ST_Collect(Room.map_geom))
        stmt = (
            select(
                Floor.id,
                Floor.building_id,
                Floor.name,
                Floor.ordinal,
                func.count(Room.id).label("room_count"),
                func.coalesce(func.sum(Room.usable_area_m2), 0.0).label("usable_area_m2"),
                as_geojson(hull, MAP_DECIMALS).label("geometry"),
            )
            .join(Room, Room.floor_id == Floor.id)
            .where(Room.retired_at.is_(None), room_visible(scope), floor_visible(scope))
            .group_by(Floor.id)
        )
        if floor_id is not None:
            stmt = stmt.where(Floor.id == floor_id)
        if bbox is not None:
            stmt = stmt.having(intersects_bbox(func.ST_Collect(Room.map_geom), bbox, MAP_SRID))
        rows = session.execute(
            stmt.order_by(Floor.building_id, Floor.ordinal).limit(limit + 1)
        ).all()
        features = [
            feature(
                row.id,
                row.geometry,
                {
                    "building_id": row.building_id,
                    "name": row.name,
                    "ordinal": row.ordinal,
                    "room_count": row.room_count,
                    "usable_area_m2": round(row.usable_area_m2, 2),
                },
            )
            for row in rows
        ]
        return feature_collection(features, limit, layer=self.name)
