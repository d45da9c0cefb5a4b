"""What every map layer shares: the provider interface, the registry, bounding boxes, errors.

A provider turns PostGIS rows into a GeoJSON ``FeatureCollection`` (a plain dict) for one
bounding box and/or floor. Providers know nothing of HTTP: they raise :class:`LayerError`
subclasses, each carrying the HTTP status the web layer answers with, a stable ``code`` the
web layer translates, and the parameters of the message.
"""

from __future__ import annotations

import abc
import importlib
import math
from dataclasses import dataclass
from typing import Any
from typing import ClassVar

from sqlalchemy.orm import Session

from gis_app.accounts import Scope

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "PROVIDERS",
    "BBox",
    "FeatureNotFound",
    "LayerError",
    "LayerNotFound",
    "LayerProvider",
    "LayerQueryError",
    "feature_collection",
    "get_provider",
    "parse_bbox",
    "parse_limit",
]

DEFAULT_LIMIT = 5000
MAX_LIMIT = 20000

PROVIDERS: dict[str, str] = {
    "compounds": "layers.compounds.CompoundsProvider",
    "buildings": "layers.buildings.BuildingsProvider",
    "clusters": "layers.clusters.ClustersProvider",
    "regions": "layers.regions.RegionsProvider",
    "floors": "layers.floors.FloorsProvider",
    "rooms": "layers.rooms.RoomsProvider",
}
"""Layer name -> dotted path of its provider class, imported on first use."""


class LayerError(Exception):
    """Base of the layer errors; ``status`` is the HTTP code a web adapter should answer."""

    status: ClassVar[int] = 500

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class LayerNotFound(LayerError):
    """No layer of that name is registered."""

    status = 404


class FeatureNotFound(LayerError):
    """The floor, building or room asked for does not exist (or is retired)."""

    status = 404


class LayerQueryError(LayerError):
    """The query parameters cannot be understood (bad bbox, limit, frame ...)."""

    status = 400


@dataclass(frozen=True)
class BBox:
    """A bounding box in the layer's frame (lon/lat for the map frame, metres for the plan)."""

    minx: float
    miny: float
    maxx: float
    maxy: float


def parse_bbox(raw: str | None) -> BBox | None:
    """``"minx,miny,maxx,maxy"`` -> :class:`BBox`; ``None``/empty -> ``None``.

    >>> parse_bbox("116.9,36.6,117.1,36.7")
    BBox(minx=116.9, miny=36.6, maxx=117.1, maxy=36.7)
    """
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise LayerQueryError(
            "bbox_not_four_numbers",
            f"bbox must be 4 numbers minx,miny,maxx,maxy, got {raw!r}",
            value=raw,
        )
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise LayerQueryError(
            "bbox_inverted", f"bbox minimum is above its maximum: {raw!r}", value=raw
        )
    return BBox(minx, miny, maxx, maxy)


def parse_limit(raw: str | None) -> int:
    """A feature limit from a query string: a whole number in 1..MAX_LIMIT (default 5000)."""
    if raw is None or raw.strip() == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise LayerQueryError(
            "bad_limit",
            f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}",
            value=raw,
            maximum=MAX_LIMIT,
        )
    return value


def feature_collection(features: list[dict[str, Any]], limit: int, **extra: Any) -> dict:
    """A FeatureCollection of at most ``limit`` features (the caller fetched ``limit + 1``)."""
    truncated = len(features) > limit
    kept = features[:limit]
    return {
        "type": "FeatureCollection",
        "features": kept,
        "numberReturned": len(kept),
        "truncated": truncated,
        **extra,
    }


class LayerProvider(abc.ABC):
    """One map layer. Subclasses answer :meth:`query` with a GeoJSON FeatureCollection."""

    name: ClassVar[str]

    @abc.abstractmethod
    def query(
        self,
        session: Session,
        bbox: BBox | None = None,
        floor_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        *,
        scope: Scope,
    ) -> dict[str, Any]:
        """Features intersecting ``bbox`` and/or on ``floor_id``, at most ``limit`` of them,
        of those ``scope`` (the user's jurisdiction) lets the user see."""


def get_provider(name: str, **options: Any) -> LayerProvider:
    """The provider registered as ``name``, built with ``options`` (e.g. ``frame="plan"``)."""
    try:
        dotted = PROVIDERS[name]
    except KeyError:
        raise LayerNotFound("layer_not_found", f"no layer named {name!r}", name=name) from None
    module_name, _, class_name = dotted.rpartition(".")
    provider_class = getattr(importlib.import_module(module_name), class_name)
    return provider_class(**options)
