"""Compounds aggregated for a zoomed-out map: one point per grid cell, with counts and figures.

The client asks for cells of a size in degrees that suits its zoom (about 80 pixels); compounds
whose label points fall in one cell become one feature with the number of compounds and
buildings and the cell's summed indicator figures. A cell holding a single compound names it.
Aggregating in PostGIS keeps a province's thousands of compounds to a few dozen features.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import MAP_SRID
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.visibility import building_visible
from gis_app.visibility import compound_visible
from layers.base import DEFAULT_LIMIT
from layers.base import BBox
from layers.base import LayerQueryError
from layers.base import feature_collection
from layers.indicators import IndicatorLayer
from layers.indicators import add_figures
from layers.indicators import place_figures
from layers.indicators import with_indicator
from layers.sql import MAP_DECIMALS
from layers.sql import intersects_bbox

__all__ = ["MAX_CELL", "MIN_CELL", "ClustersProvider", "parse_cell"]

MIN_CELL = 1e-5
MAX_CELL = 10.0
"""Cell sizes in degrees: about a metre up to a whole province."""


def parse_cell(raw: str | float | None) -> float:
    try:
        value = float(raw) if raw is not None else float("nan")
    except ValueError:
        value = float("nan")
    if not MIN_CELL <= value <= MAX_CELL:
        raise LayerQueryError(
            "bad_cell",
            f"cell must be degrees from {MIN_CELL} to {MAX_CELL}, got {raw!r}",
            value=raw,
            minimum=MIN_CELL,
            maximum=MAX_CELL,
        )
    return value


class ClustersProvider(IndicatorLayer):
    name = "clusters"

    def __init__(
        self,
        cell: str | float | None = None,
        indicator: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(indicator, today)
        self.cell = parse_cell(cell)

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Cells of compounds the scope shows; ``floor_id`` does not apply to this layer."""
        point = func.ST_PointOnSurface(Compound.geom)
        buildings = (
            select(func.count(Building.id))
            .where(Building.compound_id == Compound.id, building_visible(scope))
            .scalar_subquery()
        )
        places = (
            select(
                Compound.id,
                Compound.name,
                buildings.label("buildings"),
                point.label("point"),
                Compound.geom.label("geom"),
                func.ST_SnapToGrid(point, self.cell).label("cell"),
            )
            .where(Compound.geom.is_not(None), compound_visible(scope))
            .where(intersects_bbox(Compound.geom, bbox, MAP_SRID) if bbox is not None else true())
            .subquery()
        )
        centre = func.ST_Centroid(func.ST_Collect(places.c.point))
        extent = func.ST_Extent(places.c.geom)
        rows = session.execute(
            select(
                func.array_agg(places.c.id).label("ids"),
                func.min(places.c.name).label("name"),
                func.sum(places.c.buildings).label("buildings"),
                func.ST_X(centre).label("x"),
                func.ST_Y(centre).label("y"),
                func.ST_XMin(extent).label("minx"),
                func.ST_YMin(extent).label("miny"),
                func.ST_XMax(extent).label("maxx"),
                func.ST_YMax(extent).label("maxy"),
            )
            .group_by(places.c.cell)
            .order_by(func.min(places.c.id))
            .limit(limit + 1)
        ).all()
        kept = rows[:limit]
        figures = (
            place_figures(session, "compound", [i for r in kept for i in r.ids], scope, self.today)
            if self.indicator
            else {}
        )
        features = []
        for row in rows:
            ids = sorted(row.ids)
            properties = {
                "compounds": len(ids),
                "buildings": int(row.buildings or 0),
                "compound_id": ids[0] if len(ids) == 1 else None,
                "name": row.name if len(ids) == 1 else None,
                "bounds": [
                    round(v, MAP_DECIMALS) for v in (row.minx, row.miny, row.maxx, row.maxy)
                ],
            }
            summed = add_figures([figures[i] for i in ids if i in figures])
            features.append(
                {
                    "type": "Feature",
                    "id": ids[0],
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(row.x, MAP_DECIMALS), round(row.y, MAP_DECIMALS)],
                    },
                    "properties": with_indicator(properties, self.indicator, summed),
                }
            )
        return feature_collection(
            features, limit, layer=self.name, cell=self.cell, indicator=self.indicator
        )
