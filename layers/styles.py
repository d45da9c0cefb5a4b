"""Colours and legends of the map layers, kept in one place so map, legend and reports agree.

Values are the stored Chinese vocabulary (``gis_app.vocab``); the web layer translates labels.
"""

from __future__ import annotations

from typing import Any

from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse

__all__ = [
    "BUILDING_STYLE",
    "INDICATOR_CLASSES",
    "COMPOUND_STYLE",
    "FLOOR_STATUS_COLOURS",
    "LEGEND_KINDS",
    "OVER_STANDARD_STATUS",
    "ROOM_STATUS_COLOURS",
    "ROOM_USE_COLOURS",
    "UNKNOWN_COLOUR",
    "indicator_colour",
    "indicator_legend",
    "legend",
    "room_colour",
]

ROOM_USE_COLOURS: dict[str, str] = {
    RoomUse.OFFICE: "#4e79a7",
    RoomUse.SERVICE: "#59a14f",
    RoomUse.EQUIPMENT: "#9c755f",
    RoomUse.ANCILLARY: "#edc948",
    RoomUse.TECHNICAL: "#b07aa1",
    RoomUse.CIRCULATION: "#bab0ac",
}
"""Use categories of the 2014 standard (表2): office rooms blue, service rooms green ..."""

ROOM_STATUS_COLOURS: dict[str, str] = {
    RoomStatus.IN_USE: "#59a14f",
    RoomStatus.IDLE: "#e15759",
    RoomStatus.LEASED_OUT: "#b07aa1",
    RoomStatus.LENT_OUT: "#ff9da7",
    RoomStatus.OCCUPIED_BY_OTHERS: "#f28e2b",
    RoomStatus.UNDER_REPAIR: "#9c755f",
}
"""Idle rooms stand out in red: they are what planners look for first."""

OVER_STANDARD_STATUS = "超标"
"""The status a floor plan shows for a room whose occupants exceed their standard (a finding
of the newest stored analysis run). Never stored: the room keeps its own 使用状态."""

FLOOR_STATUS_COLOURS: dict[str, str] = {
    OVER_STANDARD_STATUS: "#5e3c99",
    **ROOM_STATUS_COLOURS,
}
"""The status scheme of a floor plan: over-standard rooms in deep purple, then the stored
statuses (a room over standard is in use, so the two never compete for attention)."""

UNKNOWN_COLOUR = "#d9d9d9"
"""A room whose use or status was not recognised from its label."""

COMPOUND_STYLE: dict[str, Any] = {
    "color": "#5b6b7f",
    "weight": 2,
    "dashArray": "6 4",
    "fillColor": "#c9d3df",
    "fillOpacity": 0.25,
}
BUILDING_STYLE: dict[str, Any] = {
    "color": "#1f4e79",
    "weight": 1.5,
    "fillColor": "#4e79a7",
    "fillOpacity": 0.55,
}

LEGEND_KINDS: dict[str, dict[str, str]] = {
    "use": ROOM_USE_COLOURS,
    "status": FLOOR_STATUS_COLOURS,
}
"""Room colouring schemes by the property they colour: ``use`` (use category), ``status``
(the status the plan shows, 超标 included)."""


def room_colour(kind: str, value: str | None) -> str:
    """The fill colour of a room with ``value`` under scheme ``kind`` (``use`` or ``status``).

    >>> room_colour("use", "办公室")
    '#4e79a7'
    >>> room_colour("use", None)
    '#d9d9d9'
    """
    return LEGEND_KINDS[kind].get(value or "", UNKNOWN_COLOUR)


def legend(kind: str) -> list[dict[str, str]]:
    """The legend entries of a scheme in the standard's order, then the 'unknown' entry."""
    colours = LEGEND_KINDS[kind]
    entries = [{"value": str(value), "colour": colour} for value, colour in colours.items()]
    entries.append({"value": "", "colour": UNKNOWN_COLOUR})
    return entries


INDICATOR_CLASSES: dict[str, tuple[tuple[float, str, str], ...]] = {
    "idle_share": (
        (0.05, "#1a9850", "< 5%"),
        (0.15, "#a6d96a", "5% – 15%"),
        (0.30, "#fdae61", "15% – 30%"),
        (float("inf"), "#d73027", "≥ 30%"),
    ),
    "occupancy": (
        (0.50, "#d73027", "< 50%"),
        (0.70, "#fdae61", "50% – 70%"),
        (0.90, "#a6d96a", "70% – 90%"),
        (float("inf"), "#1a9850", "≥ 90%"),
    ),
    "over_standard": (
        (0.005, "#1a9850", "0 m²"),
        (20.0, "#fdae61", "< 20 m²"),
        (50.0, "#f46d43", "20 – 50 m²"),
        (float("inf"), "#d73027", "≥ 50 m²"),
    ),
}
"""Per indicator, classes by upper bound (exclusive): colour and legend label. Green is good."""


def indicator_colour(name: str, value: float | None) -> str:
    """The fill colour of ``value`` under indicator ``name``; grey when there is no figure.

    >>> indicator_colour("idle_share", 0.2), indicator_colour("occupancy", None)
    ('#fdae61', '#d9d9d9')
    """
    if value is None:
        return UNKNOWN_COLOUR
    return next(colour for bound, colour, _ in INDICATOR_CLASSES[name] if value < bound)


def indicator_legend(name: str) -> list[dict[str, str]]:
    """The legend of an indicator, then the 'no data' entry (its label left to the page)."""
    entries = [{"label": label, "colour": colour} for _, colour, label in INDICATOR_CLASSES[name]]
    entries.append({"label": "", "colour": UNKNOWN_COLOUR})
    return entries
