"""Occupancy end reason: why a person left a room (move, retirement, transfer, vacated).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("occupancy", sa.Column("end_reason", sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column("occupancy", "end_reason")
