"""Floor-plan values: what the builder produces and the loader stores.

Geometries are shapely polygons in the **plan frame**: metres, the drawing's own axes and origin
(drawing coordinates × unit factor). Areas are always computed here, never in a map frame.
Values are frozen; the geometry is held beside the domain data, not decorated.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import numpy as np
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

__all__ = ["AreaRule", "FloorPlan", "OutlineSource", "Room", "RoomLabel"]


class AreaRule:
    """Names of area rules, stored with each room so a figure can be traced to how it was made."""

    USABLE_NET_OF_HOLES = "usable:polygon-minus-holes"
    """使用面积: inner-wall polygon minus holes (columns, shafts), deductions kept apart."""
    USABLE_GROSS = "usable:polygon"
    """使用面积 of the outer ring, holes not deducted (policy switch)."""


class OutlineSource:
    """Where the outline a plan is fitted to the building footprint by came from."""

    DRAWN = "drawn"
    """A closed floor outline drawn around the rooms."""
    OUTER_WALLS = "outer_walls"
    """Traced from the wall line work: the outer wall face."""
    ROOMS_UNION = "rooms_union"
    """The rooms merged: sits inside the walls by their thickness."""


# RoomLabel and Room are values nobody changes once built, but not frozen dataclasses: those
# are built through object.__setattr__ field by field (a Room: ~4x the cost), and every room is
# built twice on an import (by the builder, and again where the CLI takes the analysis child's
# result); see also floorplans.primitives.


@dataclass(slots=True)
class RoomLabel:
    """A label matched to a room, parsed into number/name/use where the text allows."""

    text: str
    handle: str
    number: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Room:
    """One room of a floor plan, in plan metres."""

    polygon: Polygon | MultiPolygon
    area_m2: float
    """Usable area by ``area_rule``; exact for arcs (within 0.01 m² or 0.01 %)."""
    layer: str
    handles: tuple[str, ...]
    """DXF handles of the entities the room polygon came from."""
    area_rule: str = AreaRule.USABLE_NET_OF_HOLES
    deductions_m2: float = 0.0
    """Area of holes (columns, shafts) taken out of the gross polygon."""
    gross_area_m2: float | None = None
    number: str | None = None
    name: str | None = None
    use: str | None = None
    """A ``gis_app.vocab.RoomUse`` value, or None when the label does not say."""
    subtype: str | None = None
    labels: tuple[RoomLabel, ...] = ()
    derived: bool = False
    """True when built from wall line work rather than drawn as a closed outline."""
    source: str = "outline"
    """outline, hatch or linework."""

    @property
    def label_count(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class FloorPlan:
    """The rooms of one floor, with the floor name as drawn (e.g. "3F", "B1") and its ordinal."""

    rooms: tuple[Room, ...]
    name: str | None = None
    ordinal: float | None = None
    """Normalised storey number: 1 = ground floor, -1 = first basement, 1.5 = mezzanine."""
    outline: Polygon | MultiPolygon | None = None
    """The floor's outer outline where the drawing has one (used for validation and fitting)."""
    outline_source: str | None = None
    """``OutlineSource.DRAWN`` when ``outline`` was drawn; None when the drawing has none."""
    wall_segments: np.ndarray | None = field(default=None, compare=False, repr=False)
    """Without a drawn outline: the straight wall segments ``(n, 2, 2)`` near this floor, plan
    metres, kept so the outer wall face can be traced when a footprint fit needs it (tracing
    costs too much to do for every floor built)."""
