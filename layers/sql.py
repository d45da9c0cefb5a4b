"""SQL building blocks shared by the providers (all values bound, never formatted in)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_

from gis_app.models import Occupancy
from layers.base import BBox

__all__ = ["as_geojson", "current_occupancy", "envelope", "feature", "intersects_bbox"]

MAP_DECIMALS = 7
"""Degrees to 7 decimals is about 1 cm: enough for a map, half the bytes of full precision."""
PLAN_DECIMALS = 3
"""Plan metres to the millimetre, the precision surveyors draw in."""


def envelope(bbox: BBox, srid: int) -> ColumnElement[Any]:
    return func.ST_MakeEnvelope(bbox.minx, bbox.miny, bbox.maxx, bbox.maxy, srid)


def intersects_bbox(column: Any, bbox: BBox, srid: int) -> ColumnElement[bool]:
    """Index-assisted intersection with a bounding box (``&&`` then the exact test)."""
    return func.ST_Intersects(column, envelope(bbox, srid))


def as_geojson(column: Any, decimals: int) -> ColumnElement[str]:
    """GeoJSON text of a geometry without a ``crs`` member (options 0)."""
    return func.ST_AsGeoJSON(column, decimals, 0)


def feature(row_id: int, geojson_text: str | None, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature from PostGIS's GeoJSON text (``None``: a feature without geometry)."""
    return {
        "type": "Feature",
        "id": row_id,
        "geometry": None if geojson_text is None else json.loads(geojson_text),
        "properties": {"id": row_id, **properties},
    }


def current_occupancy(today: dt.date) -> ColumnElement[bool]:
    """Occupancy periods are half-open ``[valid_from, valid_to)``: gone on the ``valid_to`` day."""
    return and_(
        Occupancy.valid_from <= today,
        or_(Occupancy.valid_to.is_(None), Occupancy.valid_to > today),
    )
