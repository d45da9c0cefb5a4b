"""Versioned standard tables: per-rank office limits, service-room index, note-1/2 remapping.

A version is a whole standard (2014 active, 1999 kept to recognise legacy figures). Rows with a
``province_code`` are that province's own settings (the 乡级 row, a service index); rows without
one are national. Edits go through :mod:`gis_app.standards.store`, which audits them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from gis_app.db import Base

__all__ = ["RankRemap", "ServiceIndex", "StandardLimit", "StandardVersion"]


class StandardVersion(Base):
    __tablename__ = "standard_version"
    __table_args__ = (
        Index(
            "standard_version_one_active", "active", unique=True, postgresql_where=text("active")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    k_multi_storey: Mapped[float] = mapped_column(Float)
    """K for 多层 buildings (2014: 0.65)."""
    k_high_rise: Mapped[float] = mapped_column(Float)
    """K for 高层 buildings (2014: 0.60)."""
    equipment_ratio: Mapped[float] = mapped_column(Float)
    """设备用房 as a share of 办公室 + 服务用房 (0.09)."""
    toilet_cap_m2: Mapped[float] = mapped_column(Float)
    """Largest in-suite 卫生间 an eligible 正职 may have (6 m²)."""
    ancillary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """附属用房 caps that make up C (canteen per 编制)."""
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    limits: Mapped[list[StandardLimit]] = relationship(back_populates="version")


class StandardLimit(Base):
    """表3: the most usable office area one person of a rank may have, in m²."""

    __tablename__ = "standard_limit"
    __table_args__ = (
        CheckConstraint("limit_m2 > 0", name="standard_limit_positive"),
        Index(
            "standard_limit_key",
            "version_id",
            "category",
            "rank",
            text("coalesce(province_code, '')"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"), index=True)
    category: Mapped[str] = mapped_column(String(2))
    rank: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str | None] = mapped_column(String(2))
    """NULL: national value; else this province's own (the 乡级 row)."""
    limit_m2: Mapped[float] = mapped_column(Float)

    version: Mapped[StandardVersion] = relationship(back_populates="limits")


class ServiceIndex(Base):
    """第十二条: 服务用房 m² per 编制, by category and staff band (band starts at ``min_staff``)."""

    __tablename__ = "standard_service_index"
    __table_args__ = (
        CheckConstraint("m2_per_person > 0", name="service_index_positive"),
        Index(
            "standard_service_index_key",
            "version_id",
            "category",
            text("coalesce(province_code, '')"),
            "min_staff",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"), index=True)
    category: Mapped[str] = mapped_column(String(2))
    province_code: Mapped[str | None] = mapped_column(String(2))
    min_staff: Mapped[int] = mapped_column(Integer, default=0)
    m2_per_person: Mapped[float] = mapped_column(Float)


class RankRemap(Base):
    """Notes 1 and 2 of 表3: a rank of a unit of some 机构级别 is looked up in another row."""

    __tablename__ = "standard_rank_remap"
    __table_args__ = (
        CheckConstraint("scope IN ('unit', 'parent')", name="rank_remap_scope"),
        Index(
            "standard_rank_remap_key",
            "version_id",
            "category",
            "level_name",
            "scope",
            "from_rank",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("standard_version.id"), index=True)
    note: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(2))
    level_name: Mapped[str] = mapped_column(String(40))
    """机构级别 as normalised by :func:`gis_app.standards.tables.normalize_level`."""
    scope: Mapped[str] = mapped_column(String(6))
    from_rank: Mapped[str] = mapped_column(String(20))
    to_category: Mapped[str] = mapped_column(String(2))
    to_rank: Mapped[str] = mapped_column(String(20))
