"""The confirmation workflow: a draft survey batch goes live only when three parties confirm it.

Practice (三方确认) asks the surveyor, the using agency and the office-affairs bureau to each
confirm the surveyed figures; any one of them may reject. When the third confirmation arrives
the batch is applied to the live floor in the same transaction: matched rooms keep their id and
get a new :class:`RoomVersion`, new rooms are created, vanished rooms are retired (kept for
history, their occupancies ended), and older confirmed batches of the floor become superseded.
Every step is written to the audit log. Services never commit; the command does.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

from geoalchemy2.shape import from_shape
from shapely import wkt
from shapely.geometry import MultiPolygon
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.models import PLAN_SRID
from gis_app.models import AuditLog
from gis_app.models import Floor
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from gis_app.models import RoomVersion
from gis_app.models import SurveyBatch
from gis_app.models import SurveyConfirmation
from gis_app.models import SurveyRoom
from gis_app.vocab import SurveyStatus

__all__ = [
    "ChangeKind",
    "EndedOccupancy",
    "LiveChanges",
    "Party",
    "ReviewError",
    "ReviewOutcome",
    "batch_diff",
    "diff_rooms",
    "find_floor",
    "floor_as_of",
    "confirm_batch",
    "get_batch",
    "latest_confirmed_batch_id",
    "list_batches",
    "reject_batch",
]

LOGGER = logging.getLogger(__name__)


class Party(StrEnum):
    """The three parties of 三方确认, in the order practice usually follows."""

    SURVEYOR = "surveyor"
    AGENCY = "agency"
    BUREAU = "bureau"


PARTY_NAMES = {Party.SURVEYOR: "测绘单位", Party.AGENCY: "使用单位", Party.BUREAU: "机关事务管理局"}


class ChangeKind(StrEnum):
    """Per-room change of a batch against the live floor (``SurveyRoom.change``)."""

    ADDED = "added"
    REMOVED = "removed"
    RESHAPED = "reshaped"
    RENUMBERED = "renumbered"
    UNCHANGED = "unchanged"


class ReviewError(ValueError):
    """A decision that cannot be taken (unknown batch, not a draft, party already decided ...).

    The command's transaction is rolled back, so the database stays as it was.
    """


@dataclass(frozen=True)
class EndedOccupancy:
    """An occupancy ended because its room was removed by a confirmed survey."""

    occupancy_id: int
    person_id: int
    person_name: str
    room_id: int
    room_number: str | None


@dataclass
class LiveChanges:
    """What applying a batch did to the live floor."""

    floor_id: int
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)
    ended_occupancies: list[EndedOccupancy] = field(default_factory=list)
    superseded_batches: list[int] = field(default_factory=list)


@dataclass
class ReviewOutcome:
    batch_id: int
    status: str
    confirmed: list[str]
    missing: list[str]
    live: LiveChanges | None = None

    @property
    def message(self) -> str:
        if self.status == SurveyStatus.REJECTED:
            return f"测绘批次 {self.batch_id} 已退回 (rejected); 现状数据未改变"
        if self.live is not None:
            live = self.live
            return (
                f"测绘批次 {self.batch_id} 三方确认完毕，已生效 (live): "
                f"新增 {len(live.created)}，更新 {len(live.updated)}，注销 {len(live.retired)} 间"
            )
        waiting = "、".join(PARTY_NAMES[Party(p)] for p in self.missing)
        return f"测绘批次 {self.batch_id} 已确认 {len(self.confirmed)}/3，待 {waiting} 确认"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return _now()
    return at if at.tzinfo is not None else at.astimezone()


def _party(value: str) -> Party:
    try:
        return Party(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Party)
        raise ReviewError(f"未知的确认方 {value!r} (party must be one of {allowed})") from None


def get_batch(session: Session, batch_id: int) -> SurveyBatch:
    batch = session.get(SurveyBatch, batch_id)
    if batch is None:
        raise ReviewError(f"测绘批次 {batch_id} 不存在 (no survey batch {batch_id})")
    return batch


def list_batches(
    session: Session, *, building_id: int | None = None, status: str | None = None
) -> list[SurveyBatch]:
    """Batches newest first, optionally of one building and/or one status."""
    query = select(SurveyBatch).order_by(SurveyBatch.id.desc())
    if building_id is not None:
        query = query.where(SurveyBatch.building_id == building_id)
    if status is not None:
        if status not in set(SurveyStatus):
            allowed = ", ".join(SurveyStatus)
            raise ReviewError(f"未知的批次状态 {status!r} (status must be one of {allowed})")
        query = query.where(SurveyBatch.status == status)
    return list(session.scalars(query))


def find_floor(session: Session, building_id: int, floor_name: str) -> Floor:
    floor = session.scalar(
        select(Floor).where(Floor.building_id == building_id, Floor.name == floor_name)
    )
    if floor is None:
        names = session.scalars(
            select(Floor.name).where(Floor.building_id == building_id).order_by(Floor.ordinal)
        ).all()
        known = "、".join(names) if names else "无"
        raise ReviewError(f"楼栋 {building_id} 没有楼层 {floor_name!r} (existing floors: {known})")
    return floor


def latest_confirmed_batch_id(
    session: Session, building_id: int, floor_name: str | None
) -> int | None:
    """The batch the floor's live rooms come from (None before the first confirmed survey)."""
    return session.scalar(
        select(SurveyBatch.id)
        .where(
            SurveyBatch.building_id == building_id,
            SurveyBatch.floor_name == floor_name,
            SurveyBatch.status == SurveyStatus.CONFIRMED.value,
        )
        .order_by(SurveyBatch.decided_at.desc(), SurveyBatch.id.desc())
        .limit(1)
    )


def diff_rooms(batch: SurveyBatch) -> list[dict[str, Any]]:
    """The batch's per-room diff, one entry per draft room in drawing order (removed last).

    The stored diff (``diff_summary["rooms"]``) keeps what only the import knew, the pairing of
    each room with a live one; an added room has nothing of that, and its entry is made here
    from its draft row (a new 10,000-room floor stored 1.4 MB of JSON repeating its rows).
    Batches stored before that kept every entry, added ones too: those are used as they are.
    """
    stored = iter((batch.diff_summary or {}).get("rooms", []))
    entries: list[dict[str, Any]] = []
    pending = next(stored, None)
    for row in sorted(batch.rooms, key=lambda r: r.id):
        if row.change != ChangeKind.ADDED or (pending and pending["change"] == ChangeKind.ADDED):
            if pending is None:
                raise ReviewError(f"batch {batch.id}: its stored diff is shorter than its rooms")
            entries.append(pending)
            pending = next(stored, None)
            continue
        entries.append(
            {
                "change": ChangeKind.ADDED.value,
                "room_id": None,
                "number": row.number,
                "name": row.name,
                "matched_by": None,
                "area_m2": None if row.usable_area_m2 is None else round(row.usable_area_m2, 2),
                "handles": list(row.source_handles or ()),
            }
        )
    return entries


def batch_diff(batch: SurveyBatch) -> dict[str, Any]:
    """The batch's diff as pages and ``survey show`` present it: counts and every room."""
    return {**(batch.diff_summary or {}), "rooms": diff_rooms(batch)}


def _audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    province: str | None,
    *,
    at: dt.datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
            province_code=province,
        )
    )


def _decide(
    session: Session,
    batch_id: int,
    party: str,
    actor: str,
    decision: str,
    comment: str | None,
    at: dt.datetime | None,
) -> tuple[SurveyBatch, Party, dt.datetime]:
    """Checks shared by confirm and reject, then the recorded decision."""
    who = _party(party)
    actor = (actor or "").strip()
    if not actor:
        raise ReviewError("必须写明确认人 (--as USER is required)")
    when = _aware(at)
    batch = session.get(SurveyBatch, batch_id, with_for_update=True)
    if batch is None:
        raise ReviewError(f"测绘批次 {batch_id} 不存在 (no survey batch {batch_id})")
    if batch.status != SurveyStatus.DRAFT:
        raise ReviewError(f"测绘批次 {batch_id} 状态为 {batch.status}，只能对草稿 (draft) 作出决定")
    earlier = {c.party: c for c in batch.confirmations}
    if who in earlier:
        first = earlier[who]
        raise ReviewError(
            f"{PARTY_NAMES[who]} ({who}) 已由 {first.actor} 于 "
            f"{first.decided_at:%Y-%m-%d %H:%M} 作出决定 ({first.decision})"
        )
    if decision == "confirm":
        for other in earlier.values():
            if other.actor == actor and other.decision == "confirm":
                raise ReviewError(
                    f"{actor} 已代表 {PARTY_NAMES[Party(other.party)]} 确认；"
                    "三方确认须由不同人员作出 (each party must be a different person)"
                )
    confirmation = SurveyConfirmation(
        batch=batch,
        party=who.value,
        actor=actor,
        decision=decision,
        comment=comment,
        decided_at=when,
    )
    session.add(confirmation)
    _audit(
        session,
        actor,
        f"survey.{decision}",
        "survey_batch",
        batch.id,
        batch.province_code,
        at=when,
        after={"party": who.value, "comment": comment},
    )
    return batch, who, when


def reject_batch(
    session: Session,
    batch_id: int,
    party: str,
    actor: str,
    comment: str | None = None,
    *,
    at: dt.datetime | None = None,
) -> ReviewOutcome:
    """One party rejects: the batch is closed for good and never goes live."""
    batch, _who, when = _decide(session, batch_id, party, actor, "reject", comment, at)
    batch.status = SurveyStatus.REJECTED.value
    batch.decided_at = when
    session.flush()
    LOGGER.info("survey batch %s rejected by %s (%s)", batch.id, actor, party)
    return _outcome(batch)


def confirm_batch(
    session: Session,
    batch_id: int,
    party: str,
    actor: str,
    comment: str | None = None,
    *,
    at: dt.datetime | None = None,
) -> ReviewOutcome:
    """One party confirms; the third confirmation applies the batch to the live floor.

    ``at`` backdates the decision (for surveys confirmed on paper before the system existed);
    it cannot precede the floor's current room versions.
    """
    batch, _who, when = _decide(session, batch_id, party, actor, "confirm", comment, at)
    session.flush()
    live = None
    if {c.party for c in batch.confirmations if c.decision == "confirm"} == set(Party):
        live = _go_live(session, batch, when, actor)
    return _outcome(batch, live)


def _outcome(batch: SurveyBatch, live: LiveChanges | None = None) -> ReviewOutcome:
    confirmed = [
        p.value
        for p in Party
        if any(c.party == p and c.decision == "confirm" for c in batch.confirmations)
    ]
    missing = [p.value for p in Party if p.value not in confirmed]
    return ReviewOutcome(batch.id, batch.status, confirmed, missing, live)


# -- going live ------------------------------------------------------------------------------


def _room_state(room: Room | SurveyRoom) -> dict[str, Any]:
    return {
        "number": room.number,
        "name": room.name,
        "use_category": room.use_category,
        "usable_area_m2": None if room.usable_area_m2 is None else round(room.usable_area_m2, 2),
    }


def _floor_for(session: Session, batch: SurveyBatch, actor: str, at: dt.datetime) -> Floor:
    """The batch's floor, created now if the first survey of a new floor is confirmed."""
    if batch.floor_id is not None:
        floor = session.get(Floor, batch.floor_id)
        assert floor is not None
        return floor
    floor_info = batch.report.get("floor", {})
    floor = session.scalar(
        select(Floor).where(Floor.building_id == batch.building_id, Floor.name == batch.floor_name)
    )
    if floor is None:
        floor = Floor(
            building_id=batch.building_id,
            name=batch.floor_name,
            ordinal=floor_info["ordinal"],
            province_code=batch.province_code,
        )
        session.add(floor)
        session.flush()
        _audit(
            session,
            actor,
            "floor.create",
            "floor",
            floor.id,
            batch.province_code,
            at=at,
            after={"name": floor.name, "ordinal": floor.ordinal, "survey_batch_id": batch.id},
        )
    batch.floor_id = floor.id
    return floor


def _check_current(
    session: Session, batch: SurveyBatch, floor: Floor, live_ids: set[int], at: dt.datetime
) -> None:
    """Refuse to apply a diff computed against a floor that has changed since the import."""
    base = batch.report.get("base_batch_id")
    current = latest_confirmed_batch_id(session, batch.building_id, batch.floor_name)
    expected = {r.matched_room_id for r in batch.rooms if r.matched_room_id is not None}
    if current != base or expected != live_ids:
        raise ReviewError(
            f"楼层 {floor.name} 在批次 {batch.id} 导入后已有变化 (floor changed since this "
            "batch was imported): 请重新导入图纸后再确认"
        )
    newest = session.scalar(
        select(func.max(RoomVersion.valid_from))
        .join(Room, Room.id == RoomVersion.room_id)
        .where(Room.floor_id == floor.id)
    )
    if newest is not None and at < newest:
        raise ReviewError(f"生效时间 {at:%Y-%m-%d %H:%M} 早于楼层现有版本 {newest:%Y-%m-%d %H:%M}")


def _version(room: Room, batch: SurveyBatch, at: dt.datetime) -> RoomVersion:
    return RoomVersion(
        room_id=room.id,
        survey_batch_id=batch.id,
        valid_from=at,
        number=room.number,
        name=room.name,
        use_category=room.use_category,
        use_subtype=room.use_subtype,
        plan_geom=room.plan_geom,
        usable_area_m2=room.usable_area_m2,
        area_rule=room.area_rule,
        deductions_m2=room.deductions_m2,
        source_handles=list(room.source_handles or []),
        province_code=room.province_code,
    )


def _copy_survey(room: Room, draft: SurveyRoom, batch: SurveyBatch) -> None:
    room.number = draft.number
    room.name = draft.name
    room.use_category = draft.use_category
    room.use_subtype = draft.use_subtype
    room.plan_geom = draft.plan_geom
    room.map_geom = draft.map_geom
    room.usable_area_m2 = draft.usable_area_m2
    room.area_rule = draft.area_rule
    room.deductions_m2 = draft.deductions_m2
    room.source_handles = list(draft.source_handles or [])
    room.label_raw = draft.label_raw
    room.derived = draft.derived
    room.survey_batch_id = batch.id


def _go_live(session: Session, batch: SurveyBatch, at: dt.datetime, actor: str) -> LiveChanges:
    floor = _floor_for(session, batch, actor, at)
    live_rooms = {
        room.id: room
        for room in session.scalars(
            select(Room)
            .where(Room.floor_id == floor.id, Room.retired_at.is_(None))
            .with_for_update()
        )
    }
    _check_current(session, batch, floor, set(live_rooms), at)
    open_versions = {
        v.room_id: v
        for v in session.scalars(
            select(RoomVersion).where(
                RoomVersion.room_id.in_(live_rooms), RoomVersion.valid_to.is_(None)
            )
        )
    }
    changes = LiveChanges(floor_id=floor.id)
    province = batch.province_code
    for draft in sorted(batch.rooms, key=lambda r: r.id):
        if draft.change == ChangeKind.REMOVED:
            room = live_rooms[draft.matched_room_id]
            _retire(session, room, open_versions.get(room.id), batch, at, actor, changes)
            continue
        if draft.matched_room_id is not None:
            room = live_rooms[draft.matched_room_id]
            before = _room_state(room)
            _copy_survey(room, draft, batch)
            if (old := open_versions.get(room.id)) is not None:
                old.valid_to = at
            session.add(_version(room, batch, at))
            changes.updated.append(room.id)
            _audit(
                session,
                actor,
                f"room.{draft.change}",
                "room",
                room.id,
                province,
                at=at,
                before=before,
                after={**_room_state(room), "survey_batch_id": batch.id},
            )
            continue
        room = Room(floor_id=floor.id, province_code=province)
        _copy_survey(room, draft, batch)
        session.add(room)
        session.flush()
        draft.matched_room_id = room.id
        session.add(_version(room, batch, at))
        changes.created.append(room.id)
        _audit(
            session,
            actor,
            "room.added",
            "room",
            room.id,
            province,
            at=at,
            after={**_room_state(room), "survey_batch_id": batch.id},
        )

    _update_floor(floor, batch)
    for older in session.scalars(
        select(SurveyBatch).where(
            SurveyBatch.building_id == batch.building_id,
            SurveyBatch.floor_name == batch.floor_name,
            SurveyBatch.status == SurveyStatus.CONFIRMED.value,
            SurveyBatch.id != batch.id,
        )
    ):
        older.status = SurveyStatus.SUPERSEDED.value
        changes.superseded_batches.append(older.id)
        _audit(
            session,
            actor,
            "survey.supersede",
            "survey_batch",
            older.id,
            province,
            at=at,
            after={"superseded_by": batch.id},
        )
    batch.status = SurveyStatus.CONFIRMED.value
    batch.decided_at = at
    _audit(
        session,
        actor,
        "survey.live",
        "survey_batch",
        batch.id,
        province,
        at=at,
        after={
            "floor_id": floor.id,
            "created": len(changes.created),
            "updated": len(changes.updated),
            "retired": len(changes.retired),
            "ended_occupancies": [e.occupancy_id for e in changes.ended_occupancies],
        },
    )
    session.flush()
    LOGGER.info(
        "survey batch %s live on floor %s: %d created, %d updated, %d retired",
        batch.id,
        floor.id,
        len(changes.created),
        len(changes.updated),
        len(changes.retired),
    )
    return changes


def _retire(
    session: Session,
    room: Room,
    version: RoomVersion | None,
    batch: SurveyBatch,
    at: dt.datetime,
    actor: str,
    changes: LiveChanges,
) -> None:
    """A room the new survey no longer has: kept for history, its occupants moved out."""
    room.retired_at = at
    room.survey_batch_id = batch.id
    if version is not None:
        version.valid_to = at
    day = at.date()
    for occupancy, person in session.execute(
        select(Occupancy, Person)
        .join(Person, Person.id == Occupancy.person_id)
        .where(Occupancy.room_id == room.id, Occupancy.valid_to.is_(None))
    ):
        occupancy.valid_to = max(day, occupancy.valid_from)
        changes.ended_occupancies.append(
            EndedOccupancy(occupancy.id, person.id, person.name, room.id, room.number)
        )
        _audit(
            session,
            actor,
            "occupancy.end",
            "occupancy",
            occupancy.id,
            room.province_code,
            at=at,
            after={
                "valid_to": occupancy.valid_to.isoformat(),
                "reason": "room removed",
                "survey_batch_id": batch.id,
            },
        )
    changes.retired.append(room.id)
    _audit(
        session,
        actor,
        "room.removed",
        "room",
        room.id,
        room.province_code,
        at=at,
        before=_room_state(room),
        after={"retired_at": at.isoformat(), "survey_batch_id": batch.id},
    )


def _update_floor(floor: Floor, batch: SurveyBatch) -> None:
    info = batch.report.get("floor", {})
    if outline := info.get("outline_wkt"):
        shape = wkt.loads(outline)
        if not isinstance(shape, MultiPolygon):
            shape = MultiPolygon([shape])
        floor.outline_plan = from_shape(shape, srid=PLAN_SRID)
    if georef := batch.report.get("georef"):
        floor.georef = georef


# -- history ---------------------------------------------------------------------------------


def floor_as_of(session: Session, floor_id: int, at: dt.datetime) -> list[RoomVersion]:
    """The floor's rooms as they were at ``at``: one version per room that existed then."""
    when = _aware(at)
    if session.get(Floor, floor_id) is None:
        raise ReviewError(f"楼层 id={floor_id} 不存在 (floor {floor_id} does not exist)")
    return list(
        session.scalars(
            select(RoomVersion)
            .join(Room, Room.id == RoomVersion.room_id)
            .where(
                Room.floor_id == floor_id,
                RoomVersion.valid_from <= when,
                (RoomVersion.valid_to.is_(None)) | (RoomVersion.valid_to > when),
            )
            .order_by(RoomVersion.number, RoomVersion.room_id)
        )
    )
