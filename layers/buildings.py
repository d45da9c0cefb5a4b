"""Buildings (楼栋) in the map frame: footprint, floor counts and how many floors have a plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Room
from gis_app.visibility import building_visible
from gis_app.visibility import room_visible
from layers.base import DEFAULT_LIMIT
from layers.base import BBox
from layers.base import feature_collection
from layers.indicators import IndicatorLayer
from layers.indicators import place_figures
from layers.indicators import with_indicator
from layers.sql import MAP_DECIMALS
from layers.sql import as_geojson
from layers.sql import feature
from layers.sql import intersects_bbox
from layers.styles import BUILDING_STYLE

__all__ = ["BuildingsProvider"]


class BuildingsProvider(IndicatorLayer):
    name = "buildings"

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Buildings with a footprint; with ``floor_id``, only the building of that floor."""
        plan_floors = (
            select(func.count(func.distinct(Room.floor_id)))
            .join(Floor, Floor.id == Room.floor_id)
            .where(
                Floor.building_id == Building.id,
                Room.retired_at.is_(None),
                room_visible(scope),
            )
            .scalar_subquery()
        )
        stmt = (
            select(
                Building.id,
                Building.name,
                Building.compound_id,
                Compound.name.label("compound_name"),
                Building.floors_above,
                Building.floors_below,
                Building.use_class,
                Building.is_high_rise,
                plan_floors.label("plan_floors"),
                as_geojson(Building.footprint, MAP_DECIMALS).label("geometry"),
            )
            .outerjoin(Compound, Compound.id == Building.compound_id)
            .where(Building.footprint.is_not(None), building_visible(scope))
        )
        if bbox is not None:
            stmt = stmt.where(intersects_bbox(Building.footprint, bbox, MAP_SRID))
        if floor_id is not None:
            of_floor = select(Floor.building_id).where(Floor.id == floor_id).scalar_subquery()
            stmt = stmt.where(Building.id == of_floor)
        rows = session.execute(stmt.order_by(Building.id).limit(limit + 1)).all()
        figures = (
            place_figures(session, "building", [r.id for r in rows[:limit]], scope, self.today)
            if self.indicator
            else {}
        )
        features = [
            feature(
                row.id,
                row.geometry,
                with_indicator(
                    {
                        "name": row.name,
                        "compound_id": row.compound_id,
                        "compound_name": row.compound_name,
                        "floors_above": row.floors_above,
                        "floors_below": row.floors_below,
                        "use_class": row.use_class,
                        "is_high_rise": row.is_high_rise,
                        "plan_floors": row.plan_floors,
                    },
                    self.indicator,
                    figures.get(row.id),
                ),
            )
            for row in rows
        ]
        return feature_collection(
            features, limit, layer=self.name, indicator=self.indicator, style=BUILDING_STYLE
        )
