"""Room leases and loans (rule 11), the room register and title exceptions (rule 14), the
agency counts behind the ancillary caps C (car park, bicycles, guards) and reported totals.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gis_app.standards.tables import ANCILLARY_2014

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_EXCEPTIONS = "'垂管', '派出', '参公', '涉密', '备案'"
_COUNTERPARTIES = "'企业', '非预算单位', '机关事业单位', '个人', '其他'"
_AGENCY_COUNTS = ("parking_spaces", "bicycle_spaces", "ebike_spaces", "guards")


def upgrade() -> None:
    for name in _AGENCY_COUNTS:
        op.add_column("agency", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column(
        "agency",
        sa.Column("reported_areas", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column("compound", sa.Column("title_exception", sa.String(length=4), nullable=True))
    op.add_column("building", sa.Column("title_holder", sa.String(length=200), nullable=True))
    op.add_column("building", sa.Column("title_exception", sa.String(length=4), nullable=True))
    for table in ("compound", "building"):
        op.create_check_constraint(
            f"{table}_title_exception",
            table,
            f"title_exception IS NULL OR title_exception IN ({_EXCEPTIONS})",
        )

    op.create_table(
        "room_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=True),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("counterparty_kind", sa.String(length=6), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("approval_ref", sa.String(length=100), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.CheckConstraint("kind IS NULL OR kind IN ('出租', '出借')", name="room_lease_kind"),
        sa.CheckConstraint(
            f"counterparty_kind IS NULL OR counterparty_kind IN ({_COUNTERPARTIES})",
            name="room_lease_counterparty_kind",
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name="room_lease_contract_period"
        ),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id", "start_date", name="room_lease_per_start"),
    )
    op.create_index("ix_room_lease_room_id", "room_lease", ["room_id"])
    op.create_index("ix_room_lease_province_code", "room_lease", ["province_code"])

    op.create_table(
        "room_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("floor_name", sa.String(length=20), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("building_id", "room_id", "agency_id", "province_code"):
        op.create_index(f"ix_room_ledger_{column}", "room_ledger", [column])
    op.create_index(
        "room_ledger_key",
        "room_ledger",
        ["building_id", sa.text("coalesce(floor_name, '')"), "number"],
        unique=True,
    )

    # New caps join the stored ones; a value an admin already set is kept.
    op.get_bind().execute(
        sa.text("UPDATE standard_version SET ancillary = CAST(:caps AS jsonb) || ancillary"),
        {"caps": json.dumps(ANCILLARY_2014)},
    )


def downgrade() -> None:
    op.drop_table("room_ledger")
    op.drop_table("room_lease")
    for table in ("compound", "building"):
        op.drop_constraint(f"{table}_title_exception", table, type_="check")
    op.drop_column("building", "title_exception")
    op.drop_column("building", "title_holder")
    op.drop_column("compound", "title_exception")
    op.drop_column("agency", "reported_areas")
    for name in _AGENCY_COUNTS:
        op.drop_column("agency", name)
