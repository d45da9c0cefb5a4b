"""Compounds rolled up to administrative regions for a zoomed-out map: one point per region.

The zoom picks the level (province, city, county): every compound the scope shows is counted
under its region's ancestor at that level, whose 12-digit statistical code is the compound's
region code cut to the level's digits and padded with zeros (``370102…`` → ``370100000000``).
A region is returned when one of its visible compounds lies in the bounding box, and then with
all its visible compounds, so its counts do not change as the map pans. Indicator figures are
summed over the region's compounds before dividing (areas, then the ratio).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import PREFIX_LENGTH
from gis_app.models import MAP_SRID
from gis_app.models import Compound
from gis_app.models import Region
from gis_app.visibility import compound_visible
from layers.base import DEFAULT_LIMIT
from layers.base import BBox
from layers.base import LayerQueryError
from layers.base import feature_collection
from layers.clusters import compound_places
from layers.clusters import group_features
from layers.indicators import IndicatorLayer
from layers.sql import intersects_bbox

__all__ = ["LEVEL_BY_ZOOM", "MAX_ZOOM", "RegionsProvider", "level_for_zoom", "parse_zoom"]

LEVEL_BY_ZOOM: tuple[tuple[int, str], ...] = ((6, "省"), (9, "市"), (12, "县"))
"""Up to which zoom each level is shown: a province fills the screen near zoom 6, a city near
9, a county near 12; closer in, the map shows compounds."""
MAX_ZOOM = LEVEL_BY_ZOOM[-1][0]


def parse_zoom(raw: str | int | None) -> int:
    """A map zoom from 0 to :data:`MAX_ZOOM` (whole number), else a 400 that says so."""
    text = str(raw).strip() if raw is not None else ""
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 2 else -1
    if not 0 <= value <= MAX_ZOOM:
        raise LayerQueryError(
            "bad_zoom",
            f"zoom must be a whole number from 0 to {MAX_ZOOM}, got {raw!r}",
            value=raw,
            maximum=MAX_ZOOM,
        )
    return value


def level_for_zoom(zoom: int) -> str:
    """The region level shown at ``zoom``.

    >>> level_for_zoom(5), level_for_zoom(8), level_for_zoom(11)
    ('省', '市', '县')
    """
    return next(level for upto, level in LEVEL_BY_ZOOM if zoom <= upto)


class RegionsProvider(IndicatorLayer):
    name = "regions"

    def __init__(
        self,
        zoom: str | int | None = None,
        indicator: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(indicator, today)
        self.zoom = parse_zoom(zoom)
        self.level = level_for_zoom(self.zoom)

    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Regions of the zoom's level holding compounds the scope shows; ``floor_id`` does not
        apply to this layer."""
        key = func.rpad(func.left(Compound.region_code, PREFIX_LENGTH[self.level]), 12, "0")
        in_region_in_box = None
        if bbox is not None:
            in_box = select(key).where(
                Compound.geom.is_not(None),
                compound_visible(scope),
                intersects_bbox(Compound.geom, bbox, MAP_SRID),
            )
            in_region_in_box = key.in_(in_box.scalar_subquery())
        places = compound_places(scope, key.label("key"), where=in_region_in_box)
        features = group_features(
            session,
            places,
            places.c.key,
            places.c.key,
            limit,
            self,
            scope,
            lambda row: {
                "feature_id": row.key,
                "region_code": row.key,
                "level": self.level,
            },
        )
        codes = [f["id"] for f in features if f["id"] is not None]
        names = dict(
            session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()
        )
        for f in features:
            f["properties"]["name"] = names.get(f["id"])
        return feature_collection(
            features,
            limit,
            layer=self.name,
            zoom=self.zoom,
            level=self.level,
            indicator=self.indicator,
        )
