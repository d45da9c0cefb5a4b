"""The audit log: who changed what, when, with the values before and after.

Services call :func:`record` for every row they create, change or end, with only the fields that
changed. Geometry is written as WKT, so the log is also the history of every compound and
building outline (see :func:`outline_history`). Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2 import WKBElement
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.models import AuditLog

__all__ = ["OutlineChange", "jsonable", "outline_history", "record"]

WKT_DECIMALS = 9
"""Nine decimals of a degree are about 0.1 mm: the WKT in the log loses nothing a survey has."""


def jsonable(value: Any) -> Any:
    """A value as it is stored in the log's JSON: geometry as WKT, dates as ISO strings."""
    if isinstance(value, WKBElement):
        value = to_shape(value)
    if isinstance(value, BaseGeometry):
        return shapely.to_wkt(value, rounding_precision=WKT_DECIMALS)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    province_code: str | None,
) -> AuditLog:
    """Add one audit entry (flushed with the change it describes, committed by the caller)."""
    entry = AuditLog(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        province_code=province_code,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class OutlineChange:
    at: dt.datetime
    actor: str
    action: str
    before_wkt: str | None
    after_wkt: str | None


def outline_history(session: Session, entity: str, entity_id: int) -> list[OutlineChange]:
    """Every outline a compound (``entity="compound"``, field ``geom``) or building
    (``"building"``, field ``footprint``) has had, oldest first."""
    field = {"compound": "geom", "building": "footprint"}[entity]
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.id)
    )
    out = []
    for row in rows:
        before = (row.before or {}).get(field)
        after = (row.after or {}).get(field)
        if before is None and after is None:
            continue
        out.append(OutlineChange(row.at, row.actor, row.action, before, after))
    return out
