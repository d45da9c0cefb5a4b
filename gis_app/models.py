"""The data model: region → agency; compound → building → floor → room; person → occupancy.

Geometry has two frames (see ARCHITECTURE.md): the **plan frame** (metres, as surveyed, SRID 0;
the master, areas come from here) and the **map frame** (CGCS2000, EPSG:4490, for the map).
Every large table carries ``province_code`` (the first two digits of the region code), the
future Citus distribution key; no foreign key crosses a province.

Models hold data only: no commits, no queries. Services in ``gis_app`` and the loaders write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from geoalchemy2 import WKBElement
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from gis_app.db import Base
from gis_app.vocab import AgencyCategory
from gis_app.vocab import BuildingUse
from gis_app.vocab import CounterpartyKind
from gis_app.vocab import OccupantStatus
from gis_app.vocab import RegionLevel
from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse
from gis_app.vocab import SurveyStatus
from gis_app.vocab import Tenure
from gis_app.vocab import TitleException

__all__ = [
    "MAP_SRID",
    "PLAN_SRID",
    "Agency",
    "AppUser",
    "AuditLog",
    "Building",
    "Compound",
    "Floor",
    "Occupancy",
    "Person",
    "Region",
    "Room",
    "RoomLease",
    "RoomLedgerEntry",
    "RoomVersion",
    "SurveyBatch",
    "SurveyConfirmation",
    "SurveyRoom",
    "UserRole",
]

MAP_SRID = 4490
"""CGCS2000 geographic (lon/lat as stored by PostGIS)."""
PLAN_SRID = 0
"""The plan frame: local metres of the surveyed drawing, no CRS."""

PROVINCE = String(2)


def _one_of(column: str, values: Any) -> str:
    """A CHECK expression limiting ``column`` to an enum's values (bound as SQL literals)."""
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


def _map_polygon(*, spatial_index: bool = True) -> Geometry:
    return Geometry("MULTIPOLYGON", srid=MAP_SRID, spatial_index=spatial_index)


def _plan_polygon(*, spatial_index: bool = True) -> Geometry:
    return Geometry("MULTIPOLYGON", srid=PLAN_SRID, spatial_index=spatial_index)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


# -- administrative divisions and agencies ---------------------------------------------------


class Region(Base):
    """An administrative division, keyed by its 12-digit statistical code (统计用区划代码)."""

    __tablename__ = "region"
    __table_args__ = (CheckConstraint(_one_of("level", RegionLevel), name="region_level"),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    gb_code: Mapped[str] = mapped_column(String(6), index=True)
    """GB/T 2260 six-digit code of the county or higher division it belongs to."""
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(4))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    parent: Mapped[Region | None] = relationship(remote_side=[code])


class Agency(TimestampMixin, Base):
    """A using unit (使用单位 / 单位)."""

    __tablename__ = "agency"
    __table_args__ = (
        CheckConstraint(_one_of("category", AgencyCategory), name="agency_category"),
        UniqueConstraint("province_code", "name", name="agency_name_per_province"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    """统一社会信用代码 (GB 32100), checked digit validated on import."""
    category: Mapped[str] = mapped_column(String(2))
    """中央/省/市/县/乡: picks the row of the 2014 per-rank limits."""
    kind: Mapped[str | None] = mapped_column(String(20))
    """单位性质: 党委/人大/政府/政协/监察/法院/检察/群团/参公."""
    level_name: Mapped[str | None] = mapped_column(String(40))
    """机构级别 as written (正局级, 副部级 ...), used by the note-1/note-2 remapping."""
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    approved_staff: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    """编制数 by rank, e.g. {"市级正职": 1, "正局(处)级": 4}."""
    actual_headcount: Mapped[int | None] = mapped_column(Integer)
    """实有人数, shown beside the approved staff."""
    parking_spaces: Mapped[int | None] = mapped_column(Integer)
    """车位数 approved for the agency (by local planning rules): sizes the 汽车库 in C."""
    bicycle_spaces: Mapped[int | None] = mapped_column(Integer)
    ebike_spaces: Mapped[int | None] = mapped_column(Integer)
    """电动车/摩托车 spaces."""
    guards: Mapped[int | None] = mapped_column(Integer)
    """警卫人数: sizes the 警卫用房 in C."""
    reported_areas: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    """The agency's own sub-ledger totals (分台账), 使用面积 by use: {"办公室": 812.4, ...};
    reconciled against the surveyed rooms (账账相符). NULL: the agency reported none."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    region: Mapped[Region] = relationship()
    parent: Mapped[Agency | None] = relationship(remote_side=[id])


# -- compounds, buildings, floors, rooms -----------------------------------------------------


def _title_exception_check(table: str) -> CheckConstraint:
    return CheckConstraint(
        "title_exception IS NULL OR " + _one_of("title_exception", TitleException),
        name=f"{table}_title_exception",
    )


class Compound(TimestampMixin, Base):
    """A 院落: a walled site holding one or more buildings."""

    __tablename__ = "compound"
    __table_args__ = (_title_exception_check("compound"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    land_title: Mapped[str | None] = mapped_column(String(100))
    """土地证 / 不动产权证号."""
    title_holder: Mapped[str | None] = mapped_column(String(200))
    title_exception: Mapped[str | None] = mapped_column(String(4))
    """Why the registrant may be other than the 机关事务管理部门 (垂管/派出/参公/涉密/备案)."""
    geom: Mapped[WKBElement | None] = mapped_column(_map_polygon())
    area_m2: Mapped[float | None] = mapped_column(Float)
    """Land area on the ellipsoid (never in degrees or Web Mercator)."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    buildings: Mapped[list[Building]] = relationship(back_populates="compound")


class Building(TimestampMixin, Base):
    """A 楼栋."""

    __tablename__ = "building"
    __table_args__ = (
        CheckConstraint(_one_of("use_class", BuildingUse), name="building_use_class"),
        CheckConstraint(_one_of("tenure", Tenure), name="building_tenure"),
        _title_exception_check("building"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    footprint: Mapped[WKBElement | None] = mapped_column(_map_polygon())
    floors_above: Mapped[int | None] = mapped_column(Integer)
    floors_below: Mapped[int | None] = mapped_column(Integer)
    is_high_rise: Mapped[bool] = mapped_column(Boolean, default=False)
    """高层 (K = 60 %) vs 多层 (K = 65 %)."""
    year_built: Mapped[int | None] = mapped_column(Integer)
    use_class: Mapped[str] = mapped_column(String(4), default=BuildingUse.OFFICE.value)
    tenure: Mapped[str] = mapped_column(String(2), default=Tenure.OWNED.value)
    title_record: Mapped[str | None] = mapped_column(String(200))
    """Ownership certificate or lease/loan agreement reference."""
    title_holder: Mapped[str | None] = mapped_column(String(200))
    """权属人 of the building's own certificate (when it has one apart from its compound's)."""
    title_exception: Mapped[str | None] = mapped_column(String(4))
    footprint_area_m2: Mapped[float | None] = mapped_column(Float)
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    compound: Mapped[Compound | None] = relationship(back_populates="buildings")
    floors: Mapped[list[Floor]] = relationship(back_populates="building", order_by="Floor.ordinal")


class Floor(TimestampMixin, Base):
    """A 楼层, with its name as drawn and a numeric ordinal (mezzanines are x.5)."""

    __tablename__ = "floor"
    __table_args__ = (UniqueConstraint("building_id", "name", name="floor_name_per_building"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    ordinal: Mapped[float] = mapped_column(Float)
    name: Mapped[str] = mapped_column(String(20))
    elevation: Mapped[float | None] = mapped_column(Float)
    outline_plan: Mapped[WKBElement | None] = mapped_column(_plan_polygon())
    georef: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """Plan → map transform: {"method", "crs", "matrix": [a, b, c, d, e, f], "rms_m", ...}."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    building: Mapped[Building] = relationship(back_populates="floors")
    rooms: Mapped[list[Room]] = relationship(back_populates="floor")


class Room(TimestampMixin, Base):
    """A 房间 as it is live now. Its geometry history is in :class:`RoomVersion`."""

    __tablename__ = "room"
    __table_args__ = (
        CheckConstraint(
            "use_category IS NULL OR " + _one_of("use_category", RoomUse), name="room_use"
        ),
        CheckConstraint(_one_of("status", RoomStatus), name="room_status"),
        Index("room_floor_number", "floor_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    use_category: Mapped[str | None] = mapped_column(String(10))
    use_subtype: Mapped[str | None] = mapped_column(String(20))
    approved_use: Mapped[str | None] = mapped_column(String(20))
    """核定用途: the approved function, compared with the actual use by the checker."""
    status: Mapped[str] = mapped_column(String(4), default=RoomStatus.IN_USE.value)
    status_since: Mapped[dt.date | None] = mapped_column(Date)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    plan_geom: Mapped[WKBElement] = mapped_column(_plan_polygon())
    map_geom: Mapped[WKBElement | None] = mapped_column(_map_polygon())
    usable_area_m2: Mapped[float] = mapped_column(Float)
    area_rule: Mapped[str] = mapped_column(String(40))
    deductions_m2: Mapped[float] = mapped_column(Float, default=0.0)
    source_handles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    label_raw: Mapped[str | None] = mapped_column(Text)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    """Built from wall line work: the surveyor confirmed it in the batch."""
    survey_batch_id: Mapped[int | None] = mapped_column(ForeignKey("survey_batch.id"), index=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """Set when a confirmed survey no longer has the room; retired rooms stay for history."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    floor: Mapped[Floor] = relationship(back_populates="rooms")
    agency: Mapped[Agency | None] = relationship()
    occupancies: Mapped[list[Occupancy]] = relationship(back_populates="room")


class RoomLease(Base):
    """A contract by which a room is leased (出租) or lent (出借) to someone else.

    Kept per contract, not per room, so a renewal (a later contract for the same room) and an
    expired contract whose room was never taken back can both be seen.
    """

    __tablename__ = "room_lease"
    __table_args__ = (
        CheckConstraint("kind IS NULL OR kind IN ('出租', '出借')", name="room_lease_kind"),
        CheckConstraint(
            "counterparty_kind IS NULL OR " + _one_of("counterparty_kind", CounterpartyKind),
            name="room_lease_counterparty_kind",
        ),
        CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="room_lease_contract_period"
        ),
        UniqueConstraint("room_id", "start_date", name="room_lease_per_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(2))
    """出租 or 出借 as the register says; NULL when the room is simply used by the other party."""
    counterparty: Mapped[str] = mapped_column(String(200))
    """承租方 / 借用方."""
    counterparty_kind: Mapped[str | None] = mapped_column(String(6))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    approval_ref: Mapped[str | None] = mapped_column(String(100))
    """批准文号 of the 本级政府 approval, if any."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    room: Mapped[Room] = relationship()


class RoomLedgerEntry(Base):
    """One row of the room register (房间台账) as the roster delivered it.

    The register is compared with the survey (账实相符): a row whose room was never surveyed,
    and a surveyed room the register lacks, are both findings. ``room_id`` is the room the row
    named when it was imported (NULL: no surveyed room had that number).
    """

    __tablename__ = "room_ledger"
    __table_args__ = (
        Index(
            "room_ledger_key",
            "building_id",
            text("coalesce(floor_name, '')"),
            "number",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    floor_name: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(4))
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    building: Mapped[Building] = relationship()
    room: Mapped[Room | None] = relationship()


class RoomVersion(Base):
    """What a room looked like between two confirmed surveys (valid_to NULL = current)."""

    __tablename__ = "room_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    survey_batch_id: Mapped[int | None] = mapped_column(ForeignKey("survey_batch.id"), index=True)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    use_category: Mapped[str | None] = mapped_column(String(10))
    use_subtype: Mapped[str | None] = mapped_column(String(20))
    plan_geom: Mapped[WKBElement] = mapped_column(_plan_polygon())
    usable_area_m2: Mapped[float] = mapped_column(Float)
    area_rule: Mapped[str] = mapped_column(String(40))
    deductions_m2: Mapped[float] = mapped_column(Float, default=0.0)
    source_handles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)


# -- survey batches (drafts until confirmed) -------------------------------------------------


class SurveyBatch(Base):
    """One imported drawing for one floor: a draft until the three parties confirm it."""

    __tablename__ = "survey_batch"
    __table_args__ = (
        CheckConstraint(_one_of("status", SurveyStatus), name="survey_status"),
        Index("survey_batch_sha_floor", "sha256", "building_id", "floor_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floor.id"), index=True)
    floor_name: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=SurveyStatus.DRAFT.value)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    units_used: Mapped[str | None] = mapped_column(String(8))
    factor_to_m: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    diff_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    rooms: Mapped[list[SurveyRoom]] = relationship(back_populates="batch")
    confirmations: Mapped[list[SurveyConfirmation]] = relationship(back_populates="batch")


class SurveyRoom(Base):
    """A room as a draft batch proposes it, with its match to the live room (if any)."""

    __tablename__ = "survey_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("survey_batch.id"), index=True)
    matched_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"), index=True)
    change: Mapped[str] = mapped_column(String(12))
    """added, removed, reshaped, renumbered or unchanged (against the live floor)."""
    number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    use_category: Mapped[str | None] = mapped_column(String(10))
    use_subtype: Mapped[str | None] = mapped_column(String(20))
    # read back by batch only, never searched by place: no spatial index (migration 0005)
    plan_geom: Mapped[WKBElement | None] = mapped_column(_plan_polygon(spatial_index=False))
    map_geom: Mapped[WKBElement | None] = mapped_column(_map_polygon(spatial_index=False))
    usable_area_m2: Mapped[float | None] = mapped_column(Float)
    area_rule: Mapped[str | None] = mapped_column(String(40))
    deductions_m2: Mapped[float] = mapped_column(Float, default=0.0)
    source_handles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    label_raw: Mapped[str | None] = mapped_column(Text)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    layer: Mapped[str | None] = mapped_column(String(255))
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    batch: Mapped[SurveyBatch] = relationship(back_populates="rooms")


class SurveyConfirmation(Base):
    """One party's decision on a batch (surveyor, using agency, office-affairs bureau)."""

    __tablename__ = "survey_confirmation"
    __table_args__ = (
        CheckConstraint("party IN ('surveyor', 'agency', 'bureau')", name="confirmation_party"),
        CheckConstraint("decision IN ('confirm', 'reject')", name="confirmation_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("survey_batch.id"), index=True)
    party: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    batch: Mapped[SurveyBatch] = relationship(back_populates="confirmations")


# -- people and who sits where ---------------------------------------------------------------


class Person(TimestampMixin, Base):
    """A 人员 of an agency, with the rank that picks the office-area limit."""

    __tablename__ = "person"
    __table_args__ = (CheckConstraint(_one_of("status", OccupantStatus), name="person_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[str | None] = mapped_column(String(100))
    """职务 as written (局长, 科员 ...)."""
    rank: Mapped[str] = mapped_column(String(20))
    """职级: a rank of the agency category's row of the 2014 table."""
    status: Mapped[str] = mapped_column(String(4), default=OccupantStatus.SERVING.value)
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    """Date of retirement or transfer; the 1-month deadline to vacate runs from here."""
    concurrent_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    concurrent_post: Mapped[str | None] = mapped_column(String(100))
    concurrent_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    concurrent_end_date: Mapped[dt.date | None] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    concurrent_agency: Mapped[Agency | None] = relationship(foreign_keys=[concurrent_agency_id])
    occupancies: Mapped[list[Occupancy]] = relationship(back_populates="person")


class Occupancy(Base):
    """A person assigned to a room over a period; open-ended while valid_to is NULL.

    Time-versioned so "idle since" and "who sat here last year" are answered from history.
    """

    __tablename__ = "occupancy"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="occupancy_period"),
        Index("occupancy_room_period", "room_id", "valid_from", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(10))
    """Why it ended (搬迁, 退休, 调离, 腾退): a room's history says why it became empty."""
    province_code: Mapped[str] = mapped_column(PROVINCE, index=True)

    person: Mapped[Person] = relationship(back_populates="occupancies")
    room: Mapped[Room] = relationship(back_populates="occupancies")


# -- users, jurisdiction, audit --------------------------------------------------------------


class AppUser(Base):
    """A login. Roles and their jurisdiction are in :class:`UserRole`."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    roles: Mapped[list[UserRole]] = relationship(back_populates="user")


class UserRole(Base):
    """A role held within a jurisdiction: a region subtree and/or one agency (NULL = none)."""

    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint(
            "role IN ('surveyor', 'agency_manager', 'bureau_manager', 'planner', 'admin')",
            name="user_role_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))

    user: Mapped[AppUser] = relationship(back_populates="roles")


class AuditLog(Base):
    """Who changed what, when, with the row before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    province_code: Mapped[str | None] = mapped_column(PROVINCE, index=True)
