"""Compounds aggregated for a zoomed-out map: one point per grid cell, with counts and figures.

The client asks for cells of a size in degrees that suits its zoom (about 80 pixels); compounds
whose label points fall in one cell become one feature with the number of compounds and
buildings and the cell's summed indicator figures. A cell holding a single compound names it.
Aggregating in PostGIS keeps a province's thousands of compounds to a few dozen features.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Subquery
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

__all__ = [
    "MAX_CELL",
    "MIN_CELL",
    "ClustersProvider",
    "compound_places",
    "group_features",
    "parse_cell",
]

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


def compound_places(scope: Scope, *columns: Any, where: Any = None) -> Subquery:
    """The compounds the scope shows, each with ``id``, its visible ``buildings``, a label
    ``point``, its ``geom`` and ``columns``, for grouping into map points."""
    buildings = (
        select(func.count(Building.id))
        .where(Building.compound_id == Compound.id, building_visible(scope))
        .scalar_subquery()
    )
    return (
        select(
            Compound.id,
            buildings.label("buildings"),
            func.ST_PointOnSurface(Compound.geom).label("point"),
            Compound.geom.label("geom"),
            *columns,
        )
        .where(Compound.geom.is_not(None), compound_visible(scope))
        .where(where if where is not None else true())
        .subquery()
    )


def group_features(
    session: Session,
    places: Subquery,
    key: ColumnElement[Any],
    order: ColumnElement[Any],
    limit: int,
    layer: IndicatorLayer,
    scope: Scope,
    properties: Callable[[Any], dict[str, Any]],
    aggregates: tuple[Any, ...] = (),
) -> list[dict[str, Any]]:
    """One point feature per ``key`` group of ``places`` (at most ``limit + 1``): its compounds
    and buildings counted, its box, the layer's indicator from the group's summed figures,
    and ``properties(row)`` of the row (which also holds ``aggregates``); features are
    numbered by their first compound unless the properties give a ``feature_id``."""
    centre = func.ST_Centroid(func.ST_Collect(places.c.point))
    extent = func.ST_Extent(places.c.geom)
    rows = session.execute(
        select(
            key.label("key"),
            func.array_agg(places.c.id).label("ids"),
            func.sum(places.c.buildings).label("buildings"),
            func.ST_X(centre).label("x"),
            func.ST_Y(centre).label("y"),
            func.ST_XMin(extent).label("minx"),
            func.ST_YMin(extent).label("miny"),
            func.ST_XMax(extent).label("maxx"),
            func.ST_YMax(extent).label("maxy"),
            *aggregates,
        )
        .group_by(key)
        .order_by(order)
        .limit(limit + 1)
    ).all()
    ids = [i for r in rows[:limit] for i in r.ids]
    figures = place_figures(session, "compound", ids, scope, layer.today) if layer.indicator else {}
    features = []
    for row in rows:
        members = sorted(row.ids)
        extra = properties(row)
        feature_id = extra.pop("feature_id", members[0])
        summed = add_figures([figures[i] for i in members if i in figures])
        base = {
            "compounds": len(members),
            "buildings": int(row.buildings or 0),
            "bounds": [round(v, MAP_DECIMALS) for v in (row.minx, row.miny, row.maxx, row.maxy)],
        }
        features.append(
            {
                "type": "Feature",
                "id": feature_id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row.x, MAP_DECIMALS), round(row.y, MAP_DECIMALS)],
                },
                "properties": with_indicator({**base, **extra}, layer.indicator, summed),
            }
        )
    return features


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
        places = compound_places(
            scope,
            Compound.name,
            func.ST_SnapToGrid(func.ST_PointOnSurface(Compound.geom), self.cell).label("cell"),
            where=intersects_bbox(Compound.geom, bbox, MAP_SRID) if bbox is not None else None,
        )
        features = group_features(
            session,
            places,
            places.c.cell,
            func.min(places.c.id),
            limit,
            self,
            scope,
            _cell_properties,
            (func.min(places.c.name).label("name"),),
        )
        return feature_collection(
            features, limit, layer=self.name, cell=self.cell, indicator=self.indicator
        )


def _cell_properties(row: Any) -> dict[str, Any]:
    """A cell holding a single compound names it."""
    single = len(row.ids) == 1
    return {
        "compound_id": row.ids[0] if single else None,
        "name": row.name if single else None,
    }
