"""Compounds (院落) in the map frame, with how many buildings each holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.visibility import building_visible
from gis_app.visibility import compound_visible
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
from layers.styles import COMPOUND_STYLE

__all__ = ["CompoundsProvider"]


class CompoundsProvider(IndicatorLayer):
    name = "compounds"

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Compounds with an outline; ``floor_id`` does not apply to this layer."""
        building_count = (
            select(func.count(Building.id))
            .where(Building.compound_id == Compound.id, building_visible(scope))
            .scalar_subquery()
        )
        stmt = select(
            Compound.id,
            Compound.name,
            Compound.address,
            Compound.area_m2,
            building_count.label("building_count"),
            as_geojson(Compound.geom, MAP_DECIMALS).label("geometry"),
        ).where(Compound.geom.is_not(None), compound_visible(scope))
        if bbox is not None:
            stmt = stmt.where(intersects_bbox(Compound.geom, bbox, MAP_SRID))
        rows = session.execute(stmt.order_by(Compound.id).limit(limit + 1)).all()
        figures = (
            place_figures(session, "compound", [r.id for r in rows[:limit]], scope, self.today)
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
                        "address": row.address,
                        "area_m2": None if row.area_m2 is None else round(row.area_m2, 2),
                        "building_count": row.building_count,
                    },
                    self.indicator,
                    figures.get(row.id),
                ),
            )
            for row in rows
        ]
        return feature_collection(
            features, limit, layer=self.name, indicator=self.indicator, style=COMPOUND_STYLE
        )
