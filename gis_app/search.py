"""Search across agencies, people, rooms, buildings and compounds, within a user's scope.

A query matches Chinese names by substring (``财政``) and by pinyin initials (``czj`` finds
财政局, ``zs`` finds 张三), and room numbers by prefix. Pinyin is matched in Python over the
*distinct* names in scope (few: agencies, compounds, room names like 会议室; people in the tens
of thousands at most per jurisdiction), then the rows are fetched by name in SQL, so a province
of rooms is never scanned in Python. Every query carries the scope's condition.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pypinyin import Style
from pypinyin import lazy_pinyin
from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.models import Agency
from gis_app.models import Building
from gis_app.models import Compound
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Region
from gis_app.models import Room
from gis_app.visibility import agency_visible
from gis_app.visibility import building_visible
from gis_app.visibility import compound_visible
from gis_app.visibility import person_visible
from gis_app.visibility import room_visible

__all__ = ["KINDS", "MAX_QUERY_LENGTH", "Hit", "SearchError", "initials", "search"]

KINDS = ("agency", "person", "room", "building", "compound")
MAX_QUERY_LENGTH = 50
DEFAULT_LIMIT = 8
MAX_DISTINCT_NAMES = 50000
"""Distinct names read for pinyin matching; a jurisdiction holding more is matched by text."""

_PINYIN_QUERY = re.compile(r"^[a-z]{1,20}$")


class SearchError(ValueError):
    """A query that cannot be run (empty or too long); the message says why."""


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    label: str
    detail: str
    building_id: int | None = None
    floor_id: int | None = None
    room_id: int | None = None
    compound_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=100_000)
def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters, other letters and digits kept.

    >>> initials("明湖市财政局"), initials("张三 301"), initials("Office 2.14")
    ('mhsczj', 'zs301', 'office214')
    """
    joined = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER))
    return "".join(c for c in joined.lower() if c.isascii() and c.isalnum())


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _pinyin_names(session: Session, column: Any, visible: ColumnElement[bool], query: str) -> list:
    """The distinct values of ``column`` (in scope) whose pinyin initials contain ``query``."""
    if not _PINYIN_QUERY.match(query):
        return []
    names = session.scalars(
        select(column).where(visible, column.is_not(None)).distinct().limit(MAX_DISTINCT_NAMES)
    ).all()
    return [name for name in names if query in initials(name)]


def _name_match(session: Session, column: Any, visible: ColumnElement[bool], query: str):  # noqa: ANN202
    by_pinyin = _pinyin_names(session, column, visible, query)
    text = column.ilike(_like(query), escape="\\")
    return or_(text, column.in_(by_pinyin)) if by_pinyin else text


def _agencies(session: Session, scope: Scope, query: str, limit: int) -> list[Hit]:
    visible = agency_visible(scope)
    rows = session.execute(
        select(Agency.id, Agency.name, Region.name.label("region"))
        .join(Region, Region.code == Agency.region_code)
        .where(visible, _name_match(session, Agency.name, visible, query))
        .order_by(Agency.name)
        .limit(limit)
    ).all()
    return [Hit("agency", r.id, r.name, r.region) for r in rows]


def _people(session: Session, scope: Scope, query: str, limit: int, today: dt.date) -> list[Hit]:
    visible = person_visible(scope)
    rows = session.execute(
        select(Person.id, Person.name, Person.position, Agency.name.label("agency"))
        .join(Agency, Agency.id == Person.agency_id)
        .where(visible, _name_match(session, Person.name, visible, query))
        .order_by(Person.name, Person.id)
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    rooms: dict[int, Any] = {}
    if ids:
        held = session.execute(
            select(Occupancy.person_id, Room.id, Room.number, Room.floor_id, Floor.building_id)
            .join(Room, Room.id == Occupancy.room_id)
            .join(Floor, Floor.id == Room.floor_id)
            .where(
                Occupancy.person_id.in_(ids),
                Occupancy.valid_from <= today,
                or_(Occupancy.valid_to.is_(None), Occupancy.valid_to > today),
                Room.retired_at.is_(None),
                room_visible(scope),
            )
            .order_by(Occupancy.person_id, Room.number)
        ).all()
        for h in held:
            rooms.setdefault(h.person_id, h)
    hits = []
    for r in rows:
        room = rooms.get(r.id)
        detail = " · ".join(v for v in (r.agency, r.position, room.number if room else None) if v)
        hits.append(
            Hit(
                "person",
                r.id,
                r.name,
                detail,
                building_id=room.building_id if room else None,
                floor_id=room.floor_id if room else None,
                room_id=room.id if room else None,
            )
        )
    return hits


def _rooms(session: Session, scope: Scope, query: str, limit: int) -> list[Hit]:
    visible = and_(Room.retired_at.is_(None), room_visible(scope))
    number = Room.number.ilike(query.replace("\\", "\\\\").replace("%", "\\%") + "%", escape="\\")
    match = or_(number, _name_match(session, Room.name, visible, query))
    rows = session.execute(
        select(
            Room.id,
            Room.number,
            Room.name,
            Room.floor_id,
            Floor.name.label("floor"),
            Floor.building_id,
            Building.name.label("building"),
            Agency.name.label("agency"),
        )
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .outerjoin(Agency, Agency.id == Room.agency_id)
        .where(visible, match)
        .order_by(Building.name, Floor.ordinal, Room.number, Room.id)
        .limit(limit)
    ).all()
    return [
        Hit(
            "room",
            r.id,
            " ".join(v for v in (r.number, r.name) if v) or str(r.id),
            " · ".join(v for v in (r.building, r.floor, r.agency) if v),
            building_id=r.building_id,
            floor_id=r.floor_id,
            room_id=r.id,
        )
        for r in rows
    ]


def _buildings(session: Session, scope: Scope, query: str, limit: int) -> list[Hit]:
    visible = building_visible(scope)
    rows = session.execute(
        select(Building.id, Building.name, Building.compound_id, Compound.name.label("compound"))
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .where(visible, _name_match(session, Building.name, visible, query))
        .order_by(Compound.name, Building.name)
        .limit(limit)
    ).all()
    return [
        Hit("building", r.id, r.name, r.compound or "", building_id=r.id, compound_id=r.compound_id)
        for r in rows
    ]


def _compounds(session: Session, scope: Scope, query: str, limit: int) -> list[Hit]:
    visible = compound_visible(scope)
    address = Compound.address.ilike(_like(query), escape="\\")
    rows = session.execute(
        select(Compound.id, Compound.name, Compound.address)
        .where(visible, or_(_name_match(session, Compound.name, visible, query), address))
        .order_by(Compound.name)
        .limit(limit)
    ).all()
    return [Hit("compound", r.id, r.name, r.address or "", compound_id=r.id) for r in rows]


def search(
    session: Session,
    scope: Scope,
    query: str,
    *,
    limit: int = DEFAULT_LIMIT,
    today: dt.date | None = None,
) -> dict[str, list[Hit]]:
    """Hits per kind (at most ``limit`` each) for ``query`` among what ``scope`` shows."""
    query = " ".join(query.split()).lower()
    if not query:
        raise SearchError("请输入要搜索的名称、房间号或拼音首字母 (empty query)")
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(f"搜索词最长 {MAX_QUERY_LENGTH} 个字符 (query too long)")
    if not (scope.everything or scope.region_prefixes or scope.agency_ids):
        return {kind: [] for kind in KINDS}
    today = today or dt.date.today()
    return {
        "agency": _agencies(session, scope, query, limit),
        "person": _people(session, scope, query, limit, today),
        "room": _rooms(session, scope, query, limit),
        "building": _buildings(session, scope, query, limit),
        "compound": _compounds(session, scope, query, limit),
    }
