"""Initial schema: regions, agencies, compounds, buildings, floors, rooms with history,
survey batches, people, occupancy, users with jurisdiction, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:36:53.199974
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("audit_entity", "audit_log", ["entity", "entity_id"], unique=False)
    op.create_index(
        op.f("ix_audit_log_province_code"), "audit_log", ["province_code"], unique=False
    )
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("gb_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("level IN ('省', '市', '县', '乡', '村')", name="region_level"),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_region_gb_code"), "region", ["gb_code"], unique=False)
    op.create_index(op.f("ix_region_parent_code"), "region", ["parent_code"], unique=False)
    op.create_index(op.f("ix_region_province_code"), "region", ["province_code"], unique=False)
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("level_name", sa.String(length=40), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("approved_staff", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actual_headcount", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("category IN ('中央', '省', '市', '县', '乡')", name="agency_category"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_code"),
        sa.UniqueConstraint("province_code", "name", name="agency_name_per_province"),
    )
    op.create_index(op.f("ix_agency_parent_id"), "agency", ["parent_id"], unique=False)
    op.create_index(op.f("ix_agency_province_code"), "agency", ["province_code"], unique=False)
    op.create_index(op.f("ix_agency_region_code"), "agency", ["region_code"], unique=False)
    op.create_geospatial_table(
        "compound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("land_title", sa.String(length=100), nullable=True),
        sa.Column("title_holder", sa.String(length=200), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_compound_geom",
        "compound",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_compound_province_code"), "compound", ["province_code"], unique=False)
    op.create_index(op.f("ix_compound_region_code"), "compound", ["region_code"], unique=False)
    op.create_geospatial_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "footprint",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("floors_above", sa.Integer(), nullable=True),
        sa.Column("floors_below", sa.Integer(), nullable=True),
        sa.Column("is_high_rise", sa.Boolean(), nullable=False),
        sa.Column("year_built", sa.Integer(), nullable=True),
        sa.Column("use_class", sa.String(length=4), nullable=False),
        sa.Column("tenure", sa.String(length=2), nullable=False),
        sa.Column("title_record", sa.String(length=200), nullable=True),
        sa.Column("footprint_area_m2", sa.Float(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("tenure IN ('自有', '租用', '借用')", name="building_tenure"),
        sa.CheckConstraint("use_class IN ('办公', '技术业务', '附属')", name="building_use_class"),
        sa.ForeignKeyConstraint(
            ["compound_id"],
            ["compound.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_building_footprint",
        "building",
        ["footprint"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_building_compound_id"), "building", ["compound_id"], unique=False)
    op.create_index(op.f("ix_building_province_code"), "building", ["province_code"], unique=False)
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("rank", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("concurrent_agency_id", sa.Integer(), nullable=True),
        sa.Column("concurrent_post", sa.String(length=100), nullable=True),
        sa.Column("concurrent_approved", sa.Boolean(), nullable=False),
        sa.Column("concurrent_end_date", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('在职', '退休', '调离')", name="person_status"),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["concurrent_agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_agency_id"), "person", ["agency_id"], unique=False)
    op.create_index(op.f("ix_person_province_code"), "person", ["province_code"], unique=False)
    op.create_table(
        "user_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('surveyor', 'agency_manager', 'bureau_manager', 'planner', 'admin')",
            name="user_role_role",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_user_role_user_id"), "user_role", ["user_id"], unique=False)
    op.create_geospatial_table(
        "floor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Float(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("elevation", sa.Float(), nullable=True),
        sa.Column(
            "outline_plan",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=0,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("georef", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "name", name="floor_name_per_building"),
    )
    op.create_geospatial_index(
        "idx_floor_outline_plan",
        "floor",
        ["outline_plan"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_floor_building_id"), "floor", ["building_id"], unique=False)
    op.create_index(op.f("ix_floor_province_code"), "floor", ["province_code"], unique=False)
    op.create_table(
        "survey_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("floor_id", sa.Integer(), nullable=True),
        sa.Column("floor_name", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("units_used", sa.String(length=8), nullable=True),
        sa.Column("factor_to_m", sa.Float(), nullable=True),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("diff_summary", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'confirmed', 'rejected', 'superseded')", name="survey_status"
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.ForeignKeyConstraint(
            ["floor_id"],
            ["floor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_survey_batch_building_id"), "survey_batch", ["building_id"], unique=False
    )
    op.create_index(op.f("ix_survey_batch_floor_id"), "survey_batch", ["floor_id"], unique=False)
    op.create_index(
        op.f("ix_survey_batch_province_code"), "survey_batch", ["province_code"], unique=False
    )
    op.create_index(
        "survey_batch_sha_floor",
        "survey_batch",
        ["sha256", "building_id", "floor_name"],
        unique=False,
    )
    op.create_geospatial_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("floor_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("use_category", sa.String(length=10), nullable=True),
        sa.Column("use_subtype", sa.String(length=20), nullable=True),
        sa.Column("approved_use", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column(
            "plan_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=0,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "map_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("usable_area_m2", sa.Float(), nullable=False),
        sa.Column("area_rule", sa.String(length=40), nullable=False),
        sa.Column("deductions_m2", sa.Float(), nullable=False),
        sa.Column("source_handles", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("label_raw", sa.Text(), nullable=True),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("survey_batch_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('在用', '闲置', '出租', '出借', '被占用', '维修')", name="room_status"
        ),
        sa.CheckConstraint(
            "use_category IS NULL OR use_category IN ('办公室', '服务用房', '设备用房', '附属用房', '技术业务用房', '公共交通')",
            name="room_use",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["floor_id"],
            ["floor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["survey_batch_id"],
            ["survey_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_room_map_geom",
        "room",
        ["map_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_room_plan_geom",
        "room",
        ["plan_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_room_agency_id"), "room", ["agency_id"], unique=False)
    op.create_index(op.f("ix_room_floor_id"), "room", ["floor_id"], unique=False)
    op.create_index(op.f("ix_room_province_code"), "room", ["province_code"], unique=False)
    op.create_index(op.f("ix_room_survey_batch_id"), "room", ["survey_batch_id"], unique=False)
    op.create_index("room_floor_number", "room", ["floor_id", "number"], unique=False)
    op.create_table(
        "survey_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("decision IN ('confirm', 'reject')", name="confirmation_decision"),
        sa.CheckConstraint("party IN ('surveyor', 'agency', 'bureau')", name="confirmation_party"),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["survey_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_survey_confirmation_batch_id"), "survey_confirmation", ["batch_id"], unique=False
    )
    op.create_table(
        "occupancy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="occupancy_period"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["room.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_occupancy_person_id"), "occupancy", ["person_id"], unique=False)
    op.create_index(
        op.f("ix_occupancy_province_code"), "occupancy", ["province_code"], unique=False
    )
    op.create_index(op.f("ix_occupancy_room_id"), "occupancy", ["room_id"], unique=False)
    op.create_index(
        "occupancy_room_period", "occupancy", ["room_id", "valid_from", "valid_to"], unique=False
    )
    op.create_geospatial_table(
        "room_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("survey_batch_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("use_category", sa.String(length=10), nullable=True),
        sa.Column("use_subtype", sa.String(length=20), nullable=True),
        sa.Column(
            "plan_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=0,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("usable_area_m2", sa.Float(), nullable=False),
        sa.Column("area_rule", sa.String(length=40), nullable=False),
        sa.Column("deductions_m2", sa.Float(), nullable=False),
        sa.Column("source_handles", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["room.id"],
        ),
        sa.ForeignKeyConstraint(
            ["survey_batch_id"],
            ["survey_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_room_version_plan_geom",
        "room_version",
        ["plan_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_room_version_province_code"), "room_version", ["province_code"], unique=False
    )
    op.create_index(op.f("ix_room_version_room_id"), "room_version", ["room_id"], unique=False)
    op.create_index(
        op.f("ix_room_version_survey_batch_id"), "room_version", ["survey_batch_id"], unique=False
    )
    op.create_geospatial_table(
        "survey_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("matched_room_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=12), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("use_category", sa.String(length=10), nullable=True),
        sa.Column("use_subtype", sa.String(length=20), nullable=True),
        sa.Column(
            "plan_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=0,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "map_geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4490,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("usable_area_m2", sa.Float(), nullable=True),
        sa.Column("area_rule", sa.String(length=40), nullable=True),
        sa.Column("deductions_m2", sa.Float(), nullable=False),
        sa.Column("source_handles", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("label_raw", sa.Text(), nullable=True),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("layer", sa.String(length=255), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["survey_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["matched_room_id"],
            ["room.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_survey_room_map_geom",
        "survey_room",
        ["map_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_survey_room_plan_geom",
        "survey_room",
        ["plan_geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_survey_room_batch_id"), "survey_room", ["batch_id"], unique=False)
    op.create_index(
        op.f("ix_survey_room_matched_room_id"), "survey_room", ["matched_room_id"], unique=False
    )
    op.create_index(
        op.f("ix_survey_room_province_code"), "survey_room", ["province_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_room_province_code"), table_name="survey_room")
    op.drop_index(op.f("ix_survey_room_matched_room_id"), table_name="survey_room")
    op.drop_index(op.f("ix_survey_room_batch_id"), table_name="survey_room")
    op.drop_geospatial_index(
        "idx_survey_room_plan_geom",
        table_name="survey_room",
        postgresql_using="gist",
        column_name="plan_geom",
    )
    op.drop_geospatial_index(
        "idx_survey_room_map_geom",
        table_name="survey_room",
        postgresql_using="gist",
        column_name="map_geom",
    )
    op.drop_geospatial_table("survey_room")
    op.drop_index(op.f("ix_room_version_survey_batch_id"), table_name="room_version")
    op.drop_index(op.f("ix_room_version_room_id"), table_name="room_version")
    op.drop_index(op.f("ix_room_version_province_code"), table_name="room_version")
    op.drop_geospatial_index(
        "idx_room_version_plan_geom",
        table_name="room_version",
        postgresql_using="gist",
        column_name="plan_geom",
    )
    op.drop_geospatial_table("room_version")
    op.drop_index("occupancy_room_period", table_name="occupancy")
    op.drop_index(op.f("ix_occupancy_room_id"), table_name="occupancy")
    op.drop_index(op.f("ix_occupancy_province_code"), table_name="occupancy")
    op.drop_index(op.f("ix_occupancy_person_id"), table_name="occupancy")
    op.drop_table("occupancy")
    op.drop_index(op.f("ix_survey_confirmation_batch_id"), table_name="survey_confirmation")
    op.drop_table("survey_confirmation")
    op.drop_index("room_floor_number", table_name="room")
    op.drop_index(op.f("ix_room_survey_batch_id"), table_name="room")
    op.drop_index(op.f("ix_room_province_code"), table_name="room")
    op.drop_index(op.f("ix_room_floor_id"), table_name="room")
    op.drop_index(op.f("ix_room_agency_id"), table_name="room")
    op.drop_geospatial_index(
        "idx_room_plan_geom", table_name="room", postgresql_using="gist", column_name="plan_geom"
    )
    op.drop_geospatial_index(
        "idx_room_map_geom", table_name="room", postgresql_using="gist", column_name="map_geom"
    )
    op.drop_geospatial_table("room")
    op.drop_index("survey_batch_sha_floor", table_name="survey_batch")
    op.drop_index(op.f("ix_survey_batch_province_code"), table_name="survey_batch")
    op.drop_index(op.f("ix_survey_batch_floor_id"), table_name="survey_batch")
    op.drop_index(op.f("ix_survey_batch_building_id"), table_name="survey_batch")
    op.drop_table("survey_batch")
    op.drop_index(op.f("ix_floor_province_code"), table_name="floor")
    op.drop_index(op.f("ix_floor_building_id"), table_name="floor")
    op.drop_geospatial_index(
        "idx_floor_outline_plan",
        table_name="floor",
        postgresql_using="gist",
        column_name="outline_plan",
    )
    op.drop_geospatial_table("floor")
    op.drop_index(op.f("ix_user_role_user_id"), table_name="user_role")
    op.drop_table("user_role")
    op.drop_index(op.f("ix_person_province_code"), table_name="person")
    op.drop_index(op.f("ix_person_agency_id"), table_name="person")
    op.drop_table("person")
    op.drop_index(op.f("ix_building_province_code"), table_name="building")
    op.drop_index(op.f("ix_building_compound_id"), table_name="building")
    op.drop_geospatial_index(
        "idx_building_footprint",
        table_name="building",
        postgresql_using="gist",
        column_name="footprint",
    )
    op.drop_geospatial_table("building")
    op.drop_index(op.f("ix_compound_region_code"), table_name="compound")
    op.drop_index(op.f("ix_compound_province_code"), table_name="compound")
    op.drop_geospatial_index(
        "idx_compound_geom", table_name="compound", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("compound")
    op.drop_index(op.f("ix_agency_region_code"), table_name="agency")
    op.drop_index(op.f("ix_agency_province_code"), table_name="agency")
    op.drop_index(op.f("ix_agency_parent_id"), table_name="agency")
    op.drop_table("agency")
    op.drop_index(op.f("ix_region_province_code"), table_name="region")
    op.drop_index(op.f("ix_region_parent_code"), table_name="region")
    op.drop_index(op.f("ix_region_gb_code"), table_name="region")
    op.drop_table("region")
    op.drop_index(op.f("ix_audit_log_province_code"), table_name="audit_log")
    op.drop_index("audit_entity", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("app_user")
