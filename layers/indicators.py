"""Indicators that colour compounds and buildings on the map, from live rooms and stored findings.

* ``idle_share``: idle area over usable area (闲置 rooms, and offices in use with nobody in them);
* ``occupancy``: offices with somebody in them over all offices;
* ``over_standard``: m² over standard found by the newest stored analysis run covering the
  place (rules 3-5: leaders' offices, shared offices, in-suite toilets). The map never runs
  the checks: a place no stored run covers has no figure ("no data").

Every figure counts only the rooms and findings the user's scope shows. Figures are summed per
key (a building or a compound), so clusters add them up before dividing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import PREFIX_LENGTH
from gis_app.analysis.models import AnalysisRun
from gis_app.analysis.models import Finding
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Region
from gis_app.models import Room
from gis_app.visibility import room_visible
from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse
from layers.base import LayerProvider
from layers.base import LayerQueryError
from layers.sql import current_occupancy
from layers.styles import indicator_colour

__all__ = [
    "IndicatorLayer",
    "INDICATORS",
    "OVER_STANDARD_RULES",
    "Figures",
    "add_figures",
    "indicator_value",
    "parse_indicator",
    "place_figures",
    "with_indicator",
]

INDICATORS: tuple[str, ...] = ("idle_share", "over_standard", "occupancy")
OVER_STANDARD_RULES = (3, 4, 5)
"""Findings whose excess is floor space a person or a shared office holds beyond the standard."""

Figures = dict[str, float]
"""``usable_m2``, ``idle_m2``, ``offices``, ``occupied_offices``, ``excess_m2`` and
``covered`` (1 when a stored run covers the place)."""

EMPTY: Figures = {
    "usable_m2": 0.0,
    "idle_m2": 0.0,
    "offices": 0.0,
    "occupied_offices": 0.0,
    "excess_m2": 0.0,
    "covered": 0.0,
}


def parse_indicator(raw: str | None) -> str | None:
    """``None``/empty for no colouring, else one of :data:`INDICATORS`."""
    if raw is None or raw in ("", "none"):
        return None
    if raw not in INDICATORS:
        raise LayerQueryError(
            "bad_indicator",
            f"indicator must be one of {', '.join(INDICATORS)}, got {raw!r}",
            value=raw,
            allowed=", ".join(INDICATORS),
        )
    return raw


def indicator_value(name: str, figures: Figures) -> float | None:
    """The indicator from summed figures; ``None`` when there is nothing to divide or no run."""
    if name == "idle_share":
        usable = figures["usable_m2"]
        return round(figures["idle_m2"] / usable, 4) if usable > 0 else None
    if name == "occupancy":
        offices = figures["offices"]
        return round(figures["occupied_offices"] / offices, 4) if offices > 0 else None
    return round(figures["excess_m2"], 2) if figures["covered"] else None


def add_figures(parts: list[Figures]) -> Figures:
    total = dict(EMPTY)
    for part in parts:
        for key, value in part.items():
            total[key] = max(total[key], value) if key == "covered" else total[key] + value
    return total


def place_figures(
    session: Session, level: str, ids: list[int], scope: Scope, today: dt.date | None = None
) -> dict[int, Figures]:
    """Figures per building (``level="building"``) or per compound (``"compound"``)."""
    if not ids:
        return {}
    today = today or dt.date.today()
    key = Floor.building_id if level == "building" else Building.compound_id
    occupied = exists(
        select(Occupancy.id).where(Occupancy.room_id == Room.id, current_occupancy(today))
    )
    is_office = Room.use_category == RoomUse.OFFICE.value
    idle = or_(
        Room.status == RoomStatus.IDLE.value,
        and_(Room.status == RoomStatus.IN_USE.value, is_office, ~occupied),
    )
    rows = session.execute(
        select(
            key.label("key"),
            func.sum(Room.usable_area_m2).label("usable"),
            func.sum(case((idle, Room.usable_area_m2), else_=0.0)).label("idle"),
            func.count().filter(is_office).label("offices"),
            func.count().filter(and_(is_office, occupied)).label("occupied"),
        )
        .select_from(Room)
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .where(key.in_(ids), Room.retired_at.is_(None), room_visible(scope))
        .group_by(key)
    ).all()
    out: dict[int, Figures] = {i: dict(EMPTY) for i in ids}
    for row in rows:
        out[row.key].update(
            usable_m2=float(row.usable or 0.0),
            idle_m2=float(row.idle or 0.0),
            offices=float(row.offices),
            occupied_offices=float(row.occupied),
        )
    for place_id, (covered, excess) in _excess(session, level, ids, scope).items():
        out[place_id].update(covered=covered, excess_m2=excess)
    return out


def _runs(session: Session) -> list[tuple[int, str | None]]:
    """Stored runs over whole regions (not one agency), newest first: (id, region prefix)."""
    rows = session.execute(
        select(AnalysisRun.id, AnalysisRun.region_code, Region.level)
        .outerjoin(Region, Region.code == AnalysisRun.region_code)
        .where(AnalysisRun.agency_id.is_(None))
        .order_by(AnalysisRun.as_of.desc(), AnalysisRun.id.desc())
        .limit(500)
    ).all()
    return [
        (r.id, None if r.region_code is None else r.region_code[: PREFIX_LENGTH.get(r.level, 12)])
        for r in rows
    ]


def _excess(
    session: Session, level: str, ids: list[int], scope: Scope
) -> dict[int, tuple[float, float]]:
    """Per place: (1.0, excess m²) from the newest run covering its region; absent if none."""
    runs = _runs(session)
    if not runs:
        return {}
    region = (
        select(Compound.id.label("key"), Compound.region_code)
        if level == "compound"
        else select(Building.id.label("key"), Compound.region_code).join(
            Compound, Compound.id == Building.compound_id
        )
    )
    table = Compound if level == "compound" else Building
    places = session.execute(region.where(table.id.in_(ids))).all()
    run_of: dict[int, int] = {}
    for place in places:
        for run_id, prefix in runs:
            if prefix is None or (place.region_code or "").startswith(prefix):
                run_of[place.key] = run_id
                break
    if not run_of:
        return {}
    column = Finding.compound_id if level == "compound" else Finding.building_id
    sums = session.execute(
        select(Finding.run_id, column.label("key"), func.sum(Finding.excess_m2).label("excess"))
        .where(
            Finding.run_id.in_(sorted(set(run_of.values()))),
            column.in_(sorted(run_of)),
            Finding.rule.in_(OVER_STANDARD_RULES),
            scope.condition(Finding.region_code, Finding.agency_id),
        )
        .group_by(Finding.run_id, column)
    ).all()
    found: dict[int, float] = defaultdict(float)
    for row in sums:
        if run_of.get(row.key) == row.run_id:
            found[row.key] += float(row.excess or 0.0)
    return {key: (1.0, found.get(key, 0.0)) for key in run_of}


def with_indicator(
    properties: dict[str, Any], name: str | None, figures: Figures | None
) -> dict[str, Any]:
    """``properties`` plus the indicator's value and colour (when one is chosen)."""
    if name is None:
        return properties
    value = indicator_value(name, figures or EMPTY)
    return {**properties, "indicator": value, "colour": indicator_colour(name, value)}


class IndicatorLayer(LayerProvider):
    """A layer of places (compounds, buildings, clusters) coloured by a chosen indicator,
    whose figures are counted as of ``today``."""

    def __init__(self, indicator: str | None = None, today: dt.date | None = None) -> None:
        self.indicator = parse_indicator(indicator)
        self.today = today or dt.date.today()
