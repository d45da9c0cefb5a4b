"""What an analysis run found, and the reallocation scenarios planned from it.

Findings are kept per run (a run is a dated, scoped evaluation under one standard version), so a
planner can show what was found on which day under which rules. Subject ids are plain columns,
not foreign keys: a finding is a record of its day and must survive later edits; its evidence
JSON carries the names, rooms and areas it was based on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from gis_app.db import Base

__all__ = ["AnalysisRun", "Finding", "Scenario", "ScenarioMove"]


class AnalysisRun(Base):
    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    as_of: Mapped[dt.date] = mapped_column(Date)
    region_code: Mapped[str | None] = mapped_column(String(12))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """Policy switches in force: toilet policy, idle threshold."""
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)

    findings: Mapped[list[Finding]] = relationship(back_populates="run")


class Finding(Base):
    """One breach of a checker rule (standards.md §7), with its figures and evidence."""

    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint("rule BETWEEN 1 AND 17", name="finding_rule"),
        CheckConstraint(
            "subject IN ('person', 'room', 'agency', 'building', 'compound', 'standard')",
            name="finding_subject",
        ),
        CheckConstraint("severity IN ('violation', 'warning', 'data')", name="finding_severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_run.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    room_id: Mapped[int | None] = mapped_column(Integer, index=True)
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)
    building_id: Mapped[int | None] = mapped_column(Integer)
    compound_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str | None] = mapped_column(String(12))
    area_m2: Mapped[float | None] = mapped_column(Float)
    limit_m2: Mapped[float | None] = mapped_column(Float)
    excess_m2: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    province_code: Mapped[str] = mapped_column(String(2), index=True)

    run: Mapped[AnalysisRun] = relationship(back_populates="findings")


class Scenario(Base):
    """A reallocation plan: moves proposed, and their effect on the findings, before any move."""

    __tablename__ = "realloc_scenario"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'applied')", name="realloc_scenario_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12))
    as_of: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    applied_by: Mapped[str | None] = mapped_column(String(100))
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    effect: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """Findings resolved, added and changed if the moves were made."""
    province_code: Mapped[str] = mapped_column(String(2), index=True)

    moves: Mapped[list[ScenarioMove]] = relationship(
        back_populates="scenario", order_by="ScenarioMove.seq"
    )


class ScenarioMove(Base):
    """One proposed move: a person into an idle room, or an idle room to a short agency."""

    __tablename__ = "realloc_move"
    __table_args__ = (
        CheckConstraint("kind IN ('person_to_room', 'room_to_agency')", name="realloc_move_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("realloc_scenario.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer)
    room_id: Mapped[int] = mapped_column(Integer)
    from_agency_id: Mapped[int | None] = mapped_column(Integer)
    room_area_m2: Mapped[float] = mapped_column(Float)
    need_m2: Mapped[float] = mapped_column(Float)
    """The person's limit, or the agency's shortfall left before this move."""
    same_compound: Mapped[bool] = mapped_column(Boolean)
    distance_m: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(String(2))

    scenario: Mapped[Scenario] = relationship(back_populates="moves")
