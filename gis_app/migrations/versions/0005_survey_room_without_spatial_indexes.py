"""Draft survey rooms without spatial indexes: they are only ever read by batch.

A draft batch's rooms are read back by ``batch_id`` (review, confirmation, the upload page) and
never searched by location, yet every import kept two GiST indexes up to date, about half of
the server's work in the COPY of a 10,000-room floor.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = (("idx_survey_room_plan_geom", "plan_geom"), ("idx_survey_room_map_geom", "map_geom"))


def upgrade() -> None:
    for name, column in _INDEXES:
        op.drop_geospatial_index(
            name, table_name="survey_room", postgresql_using="gist", column_name=column
        )


def downgrade() -> None:
    for name, column in _INDEXES:
        op.create_geospatial_index(
            name, "survey_room", [column], unique=False, postgresql_using="gist", postgresql_ops={}
        )
