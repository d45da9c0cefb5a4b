"""The three-party confirmation: drafts go live only when surveyor, agency and bureau confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func
from sqlalchemy import select

from gis_app import models
from survey_import.review import ReviewError
from survey_import.review import confirm_batch
from survey_import.review import diff_rooms
from survey_import.review import floor_as_of
from survey_import.review import reject_batch
from tests.importers.survey_helpers import SECOND_SURVEY
from tests.importers.survey_helpers import add_building
from tests.importers.survey_helpers import load_plan
from tests.importers.survey_helpers import write_plan

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)


def _confirm_all(session, batch_id, at=None):  # noqa: ANN001, ANN202
    confirm_batch(session, batch_id, "surveyor", "张工", at=at)
    confirm_batch(session, batch_id, "agency", "李处长", at=at)
    return confirm_batch(session, batch_id, "bureau", "王科长", "核实无误", at=at)


def _live(session, floor_id):  # noqa: ANN001, ANN202
    return {
        r.number: r
        for r in session.scalars(
            select(models.Room).where(
                models.Room.floor_id == floor_id, models.Room.retired_at.is_(None)
            )
        )
    }


def test_three_confirmations_make_the_batch_live(db_session, tmp_path):
    building = add_building(db_session)
    batch_id = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id).batch_id

    first = confirm_batch(db_session, batch_id, "surveyor", "张工")
    second = confirm_batch(db_session, batch_id, "agency", "李处长")
    assert (first.status, second.status) == ("draft", "draft")
    assert second.missing == ["bureau"] and second.live is None
    assert db_session.scalar(select(func.count()).select_from(models.Room)) == 0

    third = confirm_batch(db_session, batch_id, "bureau", "王科长", "核实无误")
    assert third.status == "confirmed" and third.live is not None
    assert len(third.live.created) == 4 and "已生效" in third.message

    batch = db_session.get(models.SurveyBatch, batch_id)
    floor = db_session.get(models.Floor, batch.floor_id)
    assert (floor.name, floor.ordinal, floor.building_id) == ("3F", 3.0, building.id)
    assert floor.georef["method"] == "footprint"
    assert floor.outline_plan is not None
    rooms = _live(db_session, floor.id)
    assert sorted(n for n in rooms if n) == ["301", "302", "303"]
    office = rooms["301"]
    assert f"{office.usable_area_m2:.2f}" == "24.00" and office.survey_batch_id == batch_id
    assert office.map_geom is not None and office.use_category == "办公室"
    versions = db_session.scalars(select(models.RoomVersion)).all()
    assert len(versions) == 4 and all(v.valid_to is None for v in versions)
    parties = {(c.party, c.actor) for c in batch.confirmations}
    assert parties == {("surveyor", "张工"), ("agency", "李处长"), ("bureau", "王科长")}
    assert all(c.decided_at is not None for c in batch.confirmations)
    actions = set(db_session.scalars(select(models.AuditLog.action)))
    assert {"survey.import", "survey.confirm", "survey.live", "room.added"} <= actions


def test_a_rejected_batch_never_goes_live(db_session, tmp_path):
    building = add_building(db_session)
    batch_id = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id).batch_id
    confirm_batch(db_session, batch_id, "surveyor", "张工")
    outcome = reject_batch(db_session, batch_id, "agency", "李处长", "302 实为两间")
    assert outcome.status == "rejected" and "退回" in outcome.message
    with pytest.raises(ReviewError, match="draft"):
        confirm_batch(db_session, batch_id, "bureau", "王科长")
    assert db_session.scalar(select(func.count()).select_from(models.Room)) == 0
    rejection = [
        c
        for c in db_session.get(models.SurveyBatch, batch_id).confirmations
        if c.decision == "reject"
    ]
    assert [(c.actor, c.comment) for c in rejection] == [("李处长", "302 实为两间")]


@pytest.mark.parametrize(
    ("party", "actor", "message"),
    [
        ("surveyor", "赵工", "已由 张工"),  # the same party twice
        ("agency", "张工", "不同人员"),  # one person for two parties
        ("mayor", "钱市长", "party must be one of"),
        ("agency", "  ", "--as"),
    ],
)
def test_decisions_that_break_the_rule_are_refused(db_session, tmp_path, party, actor, message):
    building = add_building(db_session)
    batch_id = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id).batch_id
    confirm_batch(db_session, batch_id, "surveyor", "张工")
    with pytest.raises(ReviewError, match=message):
        confirm_batch(db_session, batch_id, party, actor)
    assert len(db_session.get(models.SurveyBatch, batch_id).confirmations) == 1


def test_an_unknown_batch_is_refused(db_session):
    with pytest.raises(ReviewError, match="424242"):
        confirm_batch(db_session, 424242, "surveyor", "张工")


def test_a_reimport_shows_the_diff_keeps_identity_and_retires_what_is_gone(db_session, tmp_path):
    building = add_building(db_session)
    first = load_plan(db_session, write_plan(tmp_path / "v1.dxf"), building.id)
    _confirm_all(db_session, first.batch_id, at=T0)
    floor_id = db_session.get(models.SurveyBatch, first.batch_id).floor_id
    before = {n: r.id for n, r in _live(db_session, floor_id).items()}
    person = _person_in(db_session, building, before["303"])

    second = load_plan(db_session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building.id)
    drafts = {
        (r.number if r.change != "removed" else f"-{r.number}"): r
        for r in db_session.get(models.SurveyBatch, second.batch_id).rooms
    }
    assert drafts["301"].change == "reshaped" and drafts["301"].matched_room_id == before["301"]
    assert drafts["305"].change == "renumbered" and drafts["305"].matched_room_id == before["302"]
    assert drafts["306"].change == "added" and drafts["306"].matched_room_id is None
    assert drafts["-303"].change == "removed" and drafts["-303"].matched_room_id == before["303"]
    assert drafts[None].change == "unchanged" and drafts[None].matched_room_id == before[None]
    assert second.changes == {
        "added": 1,
        "removed": 1,
        "reshaped": 1,
        "renumbered": 1,
        "unchanged": 1,
    }
    # Still a draft: live rooms as before.
    assert {n: r.id for n, r in _live(db_session, floor_id).items()} == before

    outcome = _confirm_all(db_session, second.batch_id, at=T1)
    live = _live(db_session, floor_id)
    assert live["301"].id == before["301"] and f"{live['301'].usable_area_m2:.2f}" == "20.00"
    assert live["305"].id == before["302"]
    assert "303" not in live and "306" in live
    retired = db_session.get(models.Room, before["303"])
    assert retired.retired_at == T1
    assert [e.person_name for e in outcome.live.ended_occupancies] == [person.name]
    occupancy = db_session.scalar(
        select(models.Occupancy).where(models.Occupancy.person_id == person.id)
    )
    assert occupancy.valid_to == T1.date()
    assert db_session.get(models.SurveyBatch, first.batch_id).status == "superseded"
    assert outcome.live.superseded_batches == [first.batch_id]

    # History: the floor as it was on each date.
    then = {v.number: v for v in floor_as_of(db_session, floor_id, T0 + dt.timedelta(days=30))}
    now = {v.number: v for v in floor_as_of(db_session, floor_id, T1 + dt.timedelta(days=1))}
    assert sorted(n for n in then if n) == ["301", "302", "303"]
    assert f"{then['301'].usable_area_m2:.2f}" == "24.00"
    assert sorted(n for n in now if n) == ["301", "305", "306"]
    assert now["305"].room_id == then["302"].room_id
    assert floor_as_of(db_session, floor_id, T0 - dt.timedelta(days=1)) == []
    assert to_shape(now["301"].plan_geom).area == pytest.approx(20.0)


def _person_in(session, building, room_id):  # noqa: ANN001, ANN202
    agency = models.Agency(
        name="市档案馆", category="市", region_code="370100000000", province_code="37"
    )
    session.add(agency)
    session.flush()
    person = models.Person(agency=agency, name="刘敏", rank="一级科员", province_code="37")
    session.add(person)
    session.flush()
    session.add(
        models.Occupancy(
            person_id=person.id,
            room_id=room_id,
            valid_from=dt.date(2024, 3, 5),
            province_code="37",
        )
    )
    session.flush()
    return person


def test_a_batch_imported_before_another_went_live_is_stale(db_session, tmp_path):
    building = add_building(db_session)
    first = load_plan(db_session, write_plan(tmp_path / "v1.dxf"), building.id)
    _confirm_all(db_session, first.batch_id, at=T0)
    stale = load_plan(db_session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building.id)
    newer = load_plan(
        db_session, write_plan(tmp_path / "v3.dxf", SECOND_SURVEY, title="3F 平面图"), building.id
    )
    _confirm_all(db_session, newer.batch_id, at=T1)
    confirm_batch(db_session, stale.batch_id, "surveyor", "张工")
    confirm_batch(db_session, stale.batch_id, "agency", "李处长")
    with pytest.raises(ReviewError, match="重新导入"):
        confirm_batch(db_session, stale.batch_id, "bureau", "王科长")


def test_the_diff_stores_only_pairings_and_reads_back_every_room_in_order(db_session, tmp_path):
    """An added room's diff entry comes from its draft row, not stored twice; entries follow
    the drawing's order with removed rooms last, and old batches that stored every entry read
    back unchanged."""
    building = add_building(db_session)
    first = load_plan(db_session, write_plan(tmp_path / "v1.dxf"), building.id)
    batch = db_session.get(models.SurveyBatch, first.batch_id)
    assert batch.diff_summary["rooms"] == []  # a new floor: every room added, nothing paired
    rows = sorted(batch.rooms, key=lambda r: r.id)
    entries = diff_rooms(batch)
    assert [(e["change"], e["number"], e["area_m2"]) for e in entries] == [
        ("added", r.number, round(r.usable_area_m2, 2)) for r in rows
    ]
    assert entries[0]["handles"] == list(rows[0].source_handles)
    _confirm_all(db_session, first.batch_id, at=T0)

    second = load_plan(db_session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building.id)
    batch = db_session.get(models.SurveyBatch, second.batch_id)
    stored = batch.diff_summary["rooms"]
    assert "added" not in {e["change"] for e in stored} and len(stored) == 4
    entries = diff_rooms(batch)
    assert [(e["change"], e["number"]) for e in entries] == [
        (r.change, r.number) for r in sorted(batch.rooms, key=lambda r: r.id)
    ]
    assert entries[-1]["change"] == "removed" and entries[-1]["old_number"] == "303"
    renumbered = next(e for e in entries if e["change"] == "renumbered")
    assert renumbered["old_number"] == "302" and renumbered["number"] == "305"

    batch.diff_summary = {**batch.diff_summary, "rooms": entries}  # as batches stored it before
    assert diff_rooms(batch) == entries
