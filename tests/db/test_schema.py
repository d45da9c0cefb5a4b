"""The migrated schema: tables, the two geometry frames, the province key, round trips."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon
from shapely.geometry import box
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gis_app import models
from gis_app.db import current_revision
from gis_app.db import head_revision
from gis_app.db import upgrade_schema

LARGE_TABLES = (
    "region",
    "agency",
    "compound",
    "building",
    "floor",
    "room",
    "room_version",
    "survey_batch",
    "survey_room",
    "person",
    "occupancy",
    "audit_log",
)


def test_every_large_table_carries_the_province_code(db_session):
    inspector = inspect(db_session.connection())
    for table in LARGE_TABLES:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert "province_code" in columns, table


def test_geometry_columns_use_the_plan_and_map_frames(db_session):
    rows = db_session.execute(
        text("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns")
    ).all()
    frames = {(r.f_table_name, r.f_geometry_column): (r.srid, r.type) for r in rows}
    assert frames[("room", "plan_geom")] == (0, "MULTIPOLYGON")
    assert frames[("room", "map_geom")] == (4490, "MULTIPOLYGON")
    assert frames[("compound", "geom")] == (4490, "MULTIPOLYGON")
    assert frames[("building", "footprint")] == (4490, "MULTIPOLYGON")


def _building_floor(session):
    region = models.Region(
        code="371800000000", gb_code="371800", name="明湖市", level="市", province_code="37"
    )
    session.add(region)
    session.flush()
    compound = models.Compound(name="市委大院", province_code="37", region_code=region.code)
    building = models.Building(name="1号楼", compound=compound, province_code="37")
    floor = models.Floor(building=building, ordinal=3, name="3F", province_code="37")
    session.add_all([compound, building, floor])
    session.flush()
    return floor


def test_a_plan_frame_room_keeps_its_metres(db_session):
    floor = _building_floor(db_session)
    polygon = MultiPolygon([box(0, 0, 6, 4)])
    room = models.Room(
        floor=floor,
        number="301",
        name="办公室",
        use_category="办公室",
        plan_geom=from_shape(polygon, srid=models.PLAN_SRID),
        usable_area_m2=polygon.area,
        area_rule="usable:polygon-minus-holes",
        source_handles=["2F"],
        province_code="37",
    )
    db_session.add(room)
    db_session.commit()
    area = db_session.scalar(
        select(func.ST_Area(models.Room.plan_geom)).where(models.Room.id == room.id)
    )
    assert round(area, 2) == 24.00
    assert to_shape(db_session.get(models.Room, room.id).plan_geom).equals(polygon)


def test_room_status_is_checked_by_the_database(db_session):
    floor = _building_floor(db_session)
    db_session.add(
        models.Room(
            floor=floor,
            status="报废",
            plan_geom=from_shape(MultiPolygon([box(0, 0, 1, 1)]), srid=0),
            usable_area_m2=1.0,
            area_rule="usable:polygon",
            province_code="37",
        )
    )
    with pytest.raises(IntegrityError, match="room_status"):
        db_session.flush()


def test_head_revision_read_from_the_scripts_is_the_one_alembic_finds():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from gis_app.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_migrations_go_down_and_up_again(pg_cluster, template_db):
    from alembic import command

    from gis_app.db import _alembic_config

    pg_cluster.ensure_database("gis_roundtrip", template=template_db)
    engine = create_engine(pg_cluster.url("gis_roundtrip"))
    try:
        assert current_revision(engine) == head_revision()
        command.downgrade(_alembic_config(engine), "base")
        assert current_revision(engine) is None
        with engine.connect() as conn:
            assert not inspect(conn).has_table("room")
        upgrade_schema(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
        pg_cluster.drop_database("gis_roundtrip")


def test_live_rooms_have_spatial_indexes_and_draft_rooms_none(db_session):
    """Live rooms are searched by place (map, tiles); draft rooms are read by batch only, and a
    GiST index on them would only slow down every import (migration 0005)."""
    rows = db_session.execute(
        text(
            "SELECT tablename, indexname FROM pg_indexes "
            "WHERE tablename IN ('room', 'survey_room') AND indexdef LIKE '%USING gist%'"
        )
    ).all()
    gist = {(r.tablename, r.indexname) for r in rows}
    assert ("room", "idx_room_map_geom") in gist
    assert not {name for table, name in gist if table == "survey_room"}
