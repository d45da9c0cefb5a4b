"""Standards as versioned data (2014 active, 1999 legacy), analysis runs and findings,
reallocation scenarios. Seeds the two built-in standard versions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gis_app.standards.tables import ANCILLARY_2014
from gis_app.standards.tables import LIMITS_1999
from gis_app.standards.tables import LIMITS_2014
from gis_app.standards.tables import REMAPS_2014
from gis_app.standards.tables import SERVICE_INDEX_2014
from gis_app.standards.tables import VERSION_1999
from gis_app.standards.tables import VERSION_2014
from gis_app.standards.tables import normalize_level

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    version = op.create_table(
        "standard_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("document", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("k_multi_storey", sa.Float(), nullable=False),
        sa.Column("k_high_rise", sa.Float(), nullable=False),
        sa.Column("equipment_ratio", sa.Float(), nullable=False),
        sa.Column("toilet_cap_m2", sa.Float(), nullable=False),
        sa.Column("ancillary", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "standard_version_one_active",
        "standard_version",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    limit = op.create_table(
        "standard_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("rank", sa.String(length=20), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("limit_m2", sa.Float(), nullable=False),
        sa.CheckConstraint("limit_m2 > 0", name="standard_limit_positive"),
        sa.ForeignKeyConstraint(["version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_standard_limit_version_id", "standard_limit", ["version_id"])
    op.create_index(
        "standard_limit_key",
        "standard_limit",
        ["version_id", "category", "rank", sa.text("coalesce(province_code, '')")],
        unique=True,
    )
    service = op.create_table(
        "standard_service_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("min_staff", sa.Integer(), nullable=False),
        sa.Column("m2_per_person", sa.Float(), nullable=False),
        sa.CheckConstraint("m2_per_person > 0", name="service_index_positive"),
        sa.ForeignKeyConstraint(["version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_standard_service_index_version_id", "standard_service_index", ["version_id"]
    )
    op.create_index(
        "standard_service_index_key",
        "standard_service_index",
        ["version_id", "category", sa.text("coalesce(province_code, '')"), "min_staff"],
        unique=True,
    )
    remap = op.create_table(
        "standard_rank_remap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("level_name", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=6), nullable=False),
        sa.Column("from_rank", sa.String(length=20), nullable=False),
        sa.Column("to_category", sa.String(length=2), nullable=False),
        sa.Column("to_rank", sa.String(length=20), nullable=False),
        sa.CheckConstraint("scope IN ('unit', 'parent')", name="rank_remap_scope"),
        sa.ForeignKeyConstraint(["version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_standard_rank_remap_version_id", "standard_rank_remap", ["version_id"])
    op.create_index(
        "standard_rank_remap_key",
        "standard_rank_remap",
        ["version_id", "category", "level_name", "scope", "from_rank"],
        unique=True,
    )

    op.create_table(
        "analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("standard_version_id", sa.Integer(), nullable=False),
        sa.Column("parameters", JSONB, nullable=False),
        sa.Column("summary", JSONB, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(["standard_version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analysis_run_province_code", "analysis_run", ["province_code"])
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("limit_m2", sa.Float(), nullable=True),
        sa.Column("excess_m2", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("figures", JSONB, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("standard_version_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint("rule BETWEEN 1 AND 17", name="finding_rule"),
        sa.CheckConstraint(
            "subject IN ('person', 'room', 'agency', 'building', 'compound', 'standard')",
            name="finding_subject",
        ),
        sa.CheckConstraint("severity IN ('violation', 'warning', 'data')", name="finding_severity"),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_run.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["standard_version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("run_id", "kind", "person_id", "room_id", "agency_id", "province_code"):
        op.create_index(f"ix_finding_{column}", "finding", [column])

    op.create_table(
        "realloc_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("applied_by", sa.String(length=100), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("standard_version_id", sa.Integer(), nullable=False),
        sa.Column("summary", JSONB, nullable=False),
        sa.Column("effect", JSONB, nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'applied')", name="realloc_scenario_status"),
        sa.ForeignKeyConstraint(["standard_version_id"], ["standard_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_realloc_scenario_province_code", "realloc_scenario", ["province_code"])
    op.create_table(
        "realloc_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=True),
        sa.Column("room_area_m2", sa.Float(), nullable=False),
        sa.Column("need_m2", sa.Float(), nullable=False),
        sa.Column("same_compound", sa.Boolean(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "kind IN ('person_to_room', 'room_to_agency')", name="realloc_move_kind"
        ),
        sa.ForeignKeyConstraint(["scenario_id"], ["realloc_scenario.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_realloc_move_scenario_id", "realloc_move", ["scenario_id"])

    _seed(version, limit, service, remap)


def _seed(version: sa.Table, limit: sa.Table, service: sa.Table, remap: sa.Table) -> None:
    """The built-in versions: 2014 (active, with its service index and remapping), 1999."""
    for vid, builtin, limits in ((1, VERSION_2014, LIMITS_2014), (2, VERSION_1999, LIMITS_1999)):
        op.bulk_insert(
            version,
            [
                {
                    "id": vid,
                    "code": builtin.code,
                    "title": builtin.title,
                    "document": builtin.document,
                    "active": builtin.active,
                    "k_multi_storey": builtin.k_multi_storey,
                    "k_high_rise": builtin.k_high_rise,
                    "equipment_ratio": builtin.equipment_ratio,
                    "toilet_cap_m2": builtin.toilet_cap_m2,
                    "ancillary": ANCILLARY_2014,
                }
            ],
        )
        op.bulk_insert(
            limit,
            [
                {"version_id": vid, "category": c, "rank": r, "province_code": None, "limit_m2": v}
                for (c, r), v in limits.items()
            ],
        )
    op.execute("SELECT setval('standard_version_id_seq', 2)")
    op.bulk_insert(
        service,
        [
            {
                "version_id": 1,
                "category": c,
                "province_code": None,
                "min_staff": 0,
                "m2_per_person": v,
            }
            for c, v in SERVICE_INDEX_2014.items()
        ],
    )
    op.bulk_insert(
        remap,
        [
            {
                "version_id": 1,
                "note": rule.note,
                "category": rule.category,
                "level_name": normalize_level(level),
                "scope": rule.scope,
                "from_rank": src,
                "to_category": dst[0],
                "to_rank": dst[1],
            }
            for rule in REMAPS_2014
            for level in rule.level_names
            for src, dst in rule.ranks.items()
        ],
    )


def downgrade() -> None:
    for table in (
        "realloc_move",
        "realloc_scenario",
        "finding",
        "analysis_run",
        "standard_rank_remap",
        "standard_service_index",
        "standard_limit",
        "standard_version",
    ):
        op.drop_table(table)
