"""Migration 0004 (leases, the room register, title exceptions, ancillary counts) goes down to
0003 and up again, and merges the new ancillary caps into the stored standard versions."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

from gis_app.db import current_revision
from gis_app.db import upgrade_schema


def _columns(conn, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def test_0004_goes_down_to_0003_and_up_keeping_an_edited_cap(pg_cluster, template_db):
    from alembic import command

    from gis_app.db import _alembic_config

    pg_cluster.ensure_database("gis_0004", template=template_db)
    engine = create_engine(pg_cluster.url("gis_0004"))
    try:
        command.downgrade(_alembic_config(engine), "0003")
        assert current_revision(engine) == "0003"
        with engine.begin() as conn:
            assert not inspect(conn).has_table("room_lease")
            assert not inspect(conn).has_table("room_ledger")
            assert "parking_spaces" not in _columns(conn, "agency")
            assert "title_exception" not in _columns(conn, "compound")
            assert "title_holder" not in _columns(conn, "building")
            # An admin's own canteen figure, and a version stored before the new caps existed
            conn.execute(
                text(
                    "UPDATE standard_version SET ancillary = "
                    "'{\"canteen_per_person_first\": 3.5}'::jsonb WHERE code = '2014'"
                )
            )
        upgrade_schema(engine)
        with engine.connect() as conn:
            assert inspect(conn).has_table("room_lease") and inspect(conn).has_table("room_ledger")
            assert {"parking_spaces", "bicycle_spaces", "ebike_spaces", "guards"} <= _columns(
                conn, "agency"
            )
            assert {"title_holder", "title_exception"} <= _columns(conn, "building")
            caps = conn.scalar(text("SELECT ancillary FROM standard_version WHERE code = '2014'"))
        assert caps["canteen_per_person_first"] == 3.5
        assert (caps["parking_per_space_first"], caps["parking_per_space_beyond"]) == (40.0, 38.0)
        assert (caps["bicycle_per_space"], caps["ebike_per_space"]) == (1.8, 2.5)
        assert caps["guard_per_person"] == 25.0
    finally:
        engine.dispose()
        pg_cluster.drop_database("gis_0004")
