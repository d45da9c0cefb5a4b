"""The reallocation planner: same compound first, then distance, then fit; effect before moves."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import build_context
from gis_app.analysis.planner import apply_scenario
from gis_app.analysis.planner import plan_reallocation
from gis_app.cli import root
from gis_app.config import Settings
from gis_app.db import get_engine
from gis_app.models import AuditLog
from gis_app.models import Occupancy
from gis_app.models import Room
from tests.db.analysis_world import AS_OF
from tests.db.analysis_world import World
from tests.db.analysis_world import months_before


def populate(world: World) -> dict:
    home = world.compound("区政府大院", 117.113, 36.688)
    near = world.compound("近处大院", 117.120, 36.688)  # ~630 m east
    far = world.compound("远处大院", 117.160, 36.688)  # ~4.2 km east
    main = world.building("办公楼", home, 117.113, 36.688)
    near_b = world.building("近楼", near, 117.120, 36.688)
    far_b = world.building("远楼", far, 117.160, 36.688)
    gov = world.agency("湖滨区人民政府", staff={"科级以下": 3})
    seated = world.person(gov, "甲", "科级以下")
    world.occupy(seated, world.room(main, "101", 3.0, 3.0, agency=gov))
    newcomer = world.person(gov, "乙", "科级以下")
    other = world.agency("湖滨区财政局", staff={"科级以下": 10})
    rooms = {
        "home_big": world.room(
            main, "201", 4.0, 3.0, agency=gov, status="闲置", status_since=months_before(AS_OF, 8)
        ),  # 12 m² > 9: never
        "near_fit": world.room(
            near_b,
            "301",
            3.0,
            2.9,
            agency=other,
            status="闲置",
            status_since=months_before(AS_OF, 9),
        ),  # 8.7 m²
        "far_fit": world.room(
            far_b,
            "401",
            3.0,
            3.0,
            agency=other,
            status="闲置",
            status_since=months_before(AS_OF, 9),
        ),  # 9 m², better fit, far
    }
    return {"gov": gov, "newcomer": newcomer, "rooms": rooms}


def test_a_person_without_a_room_gets_the_nearest_fitting_idle_room(db_session):
    world = World(db_session)
    data = populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371802000000")
    scenario = plan_reallocation(db_session, ctx, name="测试", actor="test")

    first = scenario.moves[0]
    assert (first.kind, first.person_id) == ("person_to_room", data["newcomer"].id)
    assert first.room_id == data["rooms"]["near_fit"].id  # nearer beats the better fit far away
    assert first.same_compound is False
    assert first.distance_m == pytest.approx(626, abs=15)
    assert first.room_area_m2 == pytest.approx(8.7) and first.need_m2 == 9.0

    # The effect is known before anything moves: the near room's idle finding is resolved
    resolved = {(r["kind"], r["figures"]["area"]) for r in scenario.effect["resolved"]}
    assert ("idle_room_flagged", 8.7) in resolved
    assert scenario.effect["added"] == []
    assert (
        db_session.scalar(select(Occupancy).where(Occupancy.person_id == data["newcomer"].id))
        is None
    )


def test_an_agency_short_of_its_entitlement_gets_an_idle_room(db_session):
    world = World(db_session)
    data = populate(world)
    short = world.agency("湖滨区新设机构", staff={"科级以下": 2})  # A = 18 m², no rooms
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371802000000")
    scenario = plan_reallocation(db_session, ctx, name="测试", actor="test")

    (move,) = [m for m in scenario.moves if m.agency_id == short.id]
    assert (move.kind, move.room_id) == ("room_to_agency", data["rooms"]["far_fit"].id)
    assert move.need_m2 == 18.0 and move.from_agency_id != short.id
    resolved = {r["figures"]["area"] for r in scenario.effect["resolved"]}
    assert {8.7, 9.0} <= resolved
    # The other short agency is offered the 12 m² room of another agency, never its own
    (other,) = [m for m in scenario.moves if m.kind == "room_to_agency" and m.agency_id != short.id]
    assert other.room_id == data["rooms"]["home_big"].id
    assert other.from_agency_id == data["gov"].id
    assert scenario.summary == {
        "moves": 3,
        "people_housed": 1,
        "rooms_to_agencies": 2,
        "area_m2": 29.7,
    }


def test_same_compound_is_preferred_to_distance(db_session):
    world = World(db_session)
    data = populate(world)
    home_small = world.room(
        world.session.get(Room, data["rooms"]["home_big"].id).floor.building,
        "202",
        2.0,
        3.0,
        agency=data["gov"],
        status="闲置",
        status_since=months_before(AS_OF, 8),
    )  # 6 m², same compound
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371802000000")
    scenario = plan_reallocation(db_session, ctx, name="测试", actor="test")
    assert scenario.moves[0].room_id == home_small.id
    assert scenario.moves[0].same_compound is True


def test_applying_records_occupancy_and_audit_and_refuses_twice(db_session):
    world = World(db_session)
    data = populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371802000000")
    scenario = plan_reallocation(db_session, ctx, name="测试", actor="test")
    moved = {m.room_id for m in scenario.moves}

    apply_scenario(db_session, scenario.id, actor="planner", on=AS_OF)
    occupancy = db_session.scalar(
        select(Occupancy).where(Occupancy.person_id == data["newcomer"].id)
    )
    assert occupancy.room_id == data["rooms"]["near_fit"].id and occupancy.valid_from == AS_OF
    room = db_session.get(Room, data["rooms"]["near_fit"].id)
    assert (room.agency_id, room.status) == (data["gov"].id, "在用")
    audited = db_session.scalars(select(AuditLog).where(AuditLog.action == "reallocate")).all()
    assert {int(a.entity_id) for a in audited} == moved
    with pytest.raises(AnalysisError, match="已于"):
        apply_scenario(db_session, scenario.id, actor="planner", on=AS_OF)


def test_a_stale_scenario_changes_nothing(db_session):
    world = World(db_session)
    data = populate(world)
    ctx = build_context(db_session, Settings(), as_of=AS_OF, region_code="371802000000")
    scenario = plan_reallocation(db_session, ctx, name="测试", actor="test")
    squatter = world.person(data["gov"], "丙", "科级以下")
    world.occupy(squatter, db_session.get(Room, scenario.moves[0].room_id), since=AS_OF)
    with pytest.raises(AnalysisError, match="已不再闲置"):
        apply_scenario(db_session, scenario.id, actor="planner", on=AS_OF)
    assert scenario.status == "draft"
    assert (
        db_session.scalar(select(Occupancy).where(Occupancy.person_id == data["newcomer"].id))
        is None
    )


def test_plan_commands(settings):
    with Session(get_engine(settings.database_url)) as session:
        populate(World(session))
        session.commit()
    runner = CliRunner()
    created = runner.invoke(
        root,
        ["plan", "create", "--region", "371802000000", "--as-of", AS_OF.isoformat()],
        obj=settings,
    )
    assert created.exit_code == 0, created.output
    assert "方案 #1" in created.output and "消除 [idle_room_flagged]" in created.output
    applied = runner.invoke(root, ["plan", "apply", "1", "--on", AS_OF.isoformat()], obj=settings)
    assert applied.exit_code == 0 and "已执行" in applied.output
    again = runner.invoke(root, ["plan", "apply", "1"], obj=settings)
    assert again.exit_code == 2 and "已于" in again.output
