"""Loading a survey: a draft batch in the plan and map frames; live rooms untouched; idempotent."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from gis_app import models
from gis_app.report import ImportReport
from survey_import.dxf_read import file_sha256
from survey_import.load import LoadError
from survey_import.load import prepare_floor_load
from survey_import.load import read_floor_context
from survey_import.load import same_file_batch
from survey_import.pipeline import analyse_survey
from tests.importers.survey_helpers import FIRST_SURVEY
from tests.importers.survey_helpers import add_building
from tests.importers.survey_helpers import footprint_4490
from tests.importers.survey_helpers import gk_of_4490
from tests.importers.survey_helpers import load_plan
from tests.importers.survey_helpers import write_plan


def test_an_import_is_a_draft_and_live_data_does_not_change(db_session, tmp_path):
    building = add_building(db_session)
    outcome = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id)

    assert outcome.created and outcome.status == "draft"
    assert outcome.changes["added"] == len(FIRST_SURVEY)
    batch = db_session.get(models.SurveyBatch, outcome.batch_id)
    assert batch.status == "draft" and batch.floor_name == "3F"
    assert batch.created_by == "测绘员张工" and batch.units_used == "mm"
    assert {r.change for r in batch.rooms} == {"added"}
    # Nothing live yet: no floor, no rooms, no versions.
    assert db_session.scalar(select(func.count()).select_from(models.Floor)) == 0
    assert db_session.scalar(select(func.count()).select_from(models.Room)) == 0
    assert db_session.scalar(select(func.count()).select_from(models.RoomVersion)) == 0


def test_a_6000_by_4000_mm_room_is_24_m2_in_the_plan_frame_and_inside_the_footprint_on_the_map(
    db_session, tmp_path
):
    building = add_building(db_session)
    outcome = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id)
    room = db_session.scalar(
        select(models.SurveyRoom).where(
            models.SurveyRoom.batch_id == outcome.batch_id, models.SurveyRoom.number == "301"
        )
    )
    assert f"{room.usable_area_m2:.2f}" == "24.00"
    assert db_session.scalar(select(func.ST_Area(room.plan_geom))) == pytest.approx(24.0)
    assert db_session.scalar(select(func.ST_SRID(room.plan_geom))) == 0
    assert db_session.scalar(select(func.ST_SRID(room.map_geom))) == 4490
    footprint = footprint_4490()
    shape = to_shape(room.map_geom)
    assert footprint.buffer(1e-7).contains(shape)
    # The map polygon is the same room: 24 m² again when measured in Gauss-Krüger metres.
    assert gk_of_4490(shape).area == pytest.approx(24.0, rel=1e-3)
    georef = outcome.georef
    assert georef["method"] == "footprint" and georef["crs"] == "EPSG:4548"
    assert georef["rms_m"] < 0.05
    assert db_session.get(models.SurveyBatch, outcome.batch_id).report["georef"] == georef


def test_without_a_footprint_the_map_geometry_stays_empty_and_a_warning_says_so(
    db_session, tmp_path
):
    building = add_building(db_session, footprint=False)
    outcome = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id)
    rooms = db_session.get(models.SurveyBatch, outcome.batch_id).rooms
    assert all(r.map_geom is None for r in rooms)
    assert "LOAD_NO_GEOREF" in outcome.report.codes()
    assert outcome.georef is None


def test_the_same_file_twice_changes_nothing(db_session, tmp_path):
    building = add_building(db_session)
    path = write_plan(tmp_path / "3f.dxf")
    first = load_plan(db_session, path, building.id)
    counts = _table_counts(db_session)
    again = load_plan(db_session, path, building.id)
    assert not again.created and again.batch_id == first.batch_id
    assert "LOAD_SAME_FILE" in again.report.codes()
    assert "已导入" in again.message
    assert _table_counts(db_session) == counts


def test_a_context_read_with_the_files_hash_knows_the_batch_that_file_made(db_session, tmp_path):
    """The CLI reads the floor's context with the file's hash while the drawing is read, so the
    load does not ask again for a batch this very file made; a context read with another
    hash (the file changed in between) or none does not stand in for the question."""
    building = add_building(db_session)
    path = write_plan(tmp_path / "3f.dxf")
    first = load_plan(db_session, path, building.id)
    sha256 = file_sha256(path)
    known = read_floor_context(db_session, building.id, "3F", 3.0, path, sha256)
    assert (known.sha256, known.same_file_batch_id) == (sha256, first.batch_id)
    other = read_floor_context(db_session, building.id, "3F", 3.0, path, "0" * 64)
    assert other.same_file_batch_id is None
    assert read_floor_context(db_session, building.id, "3F", 3.0, path).sha256 is None

    asked: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        if "sha256 =" in statement:
            asked.append(statement)

    event.listen(db_session.bind, "before_cursor_execute", record)
    try:
        same = same_file_batch(db_session, sha256, known, ImportReport())
        assert same is not None and same.batch_id == first.batch_id and not asked
        for context in (other, read_floor_context(db_session, building.id, "3F", 3.0, path)):
            same = same_file_batch(db_session, sha256, context, ImportReport())
            assert same is not None and same.batch_id == first.batch_id
        assert len(asked) == 2
    finally:
        event.remove(db_session.bind, "before_cursor_execute", record)


def test_the_first_rows_go_out_in_a_small_chunk_and_the_rest_in_full_ones(db_session, tmp_path):
    """The server starts on the COPY once the first few rows are made; the chunks hold the
    same rows, in the same order, as one chunk would."""
    building = add_building(db_session)
    path = write_plan(tmp_path / "3f.dxf")
    result = analyse_survey(path)
    plan = result.floors[0]
    context = read_floor_context(db_session, building.id, "3F", 3.0, path)
    prepared = prepare_floor_load(
        plan,
        context,
        georeference=result.drawing.georeference,
        factor_to_m=result.source.units.factor_to_m,
    )
    rooms = len(plan.rooms)
    assert rooms == len(FIRST_SURVEY) >= 4
    chunks = list(prepared.row_chunks(size=2, first=1))
    rest = rooms - 1
    assert [len(chunk) for chunk in chunks] == [1, *[2] * (rest // 2), *[1] * (rest % 2)]
    (whole,) = prepared.row_chunks(size=rooms, first=rooms)
    assert [row for chunk in chunks for row in chunk] == whole


def _table_counts(session) -> dict[str, int]:  # noqa: ANN001
    tables = ("floor", "room", "room_version", "survey_batch", "survey_room", "audit_log")
    return {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


@pytest.mark.parametrize(
    ("building_id", "floor_name", "message"),
    [(999_999, "3F", "999999"), (None, "屋顶花园", "屋顶花园")],
)
def test_bad_targets_are_refused_clearly(db_session, tmp_path, building_id, floor_name, message):
    building = add_building(db_session)
    path = write_plan(tmp_path / "3f.dxf", title=None)
    with pytest.raises(LoadError, match=message):
        load_plan(db_session, path, building_id or building.id, floor_name)
    assert db_session.scalar(select(func.count()).select_from(models.SurveyBatch)) == 0


def test_a_drawing_without_a_title_needs_a_floor_name(db_session, tmp_path):
    building = add_building(db_session)
    path = write_plan(tmp_path / "untitled.dxf", title=None)
    with pytest.raises(LoadError, match="--floor"):
        load_plan(db_session, path, building.id, None)
    outcome = load_plan(db_session, path, building.id, "B1")
    assert db_session.get(models.SurveyBatch, outcome.batch_id).report["floor"]["ordinal"] == -1


def test_the_drawing_title_names_the_floor_when_no_name_is_given(db_session, tmp_path):
    building = add_building(db_session)
    outcome = load_plan(db_session, write_plan(tmp_path / "3f.dxf"), building.id, None)
    assert outcome.floor_name == "3F"


def test_handles_and_labels_with_copy_escapes_come_back_as_written(db_session, tmp_path):
    """The rows go in by one COPY with the handles as a text[] literal: quotes, backslashes,
    commas and braces must survive it, as must tabs and line breaks in the labels."""
    import dataclasses

    from survey_import.load import load_survey
    from survey_import.pipeline import analyse_survey

    building = add_building(db_session)
    path = write_plan(tmp_path / "3f.dxf")
    result = analyse_survey(path)
    plan = result.floors[0]
    odd = ('A"1', "B\\2", "C,{3}", "D 4", "NULL")
    label = dataclasses.replace(plan.rooms[0].labels[0], text="301\t办公室\n\\备注")
    first = dataclasses.replace(plan.rooms[0], handles=odd, labels=(label,))
    plan = dataclasses.replace(plan, rooms=(first, *plan.rooms[1:]))
    result = dataclasses.replace(result, floors=[plan])

    outcome = load_survey(
        db_session, result, building_id=building.id, floor_name="3F", source_path=path, actor="t"
    )
    stored = db_session.scalars(
        select(models.SurveyRoom)
        .where(models.SurveyRoom.batch_id == outcome.batch_id)
        .order_by(models.SurveyRoom.id)
    ).first()
    assert stored.source_handles == list(odd)
    assert stored.label_raw == "301\t办公室\n\\备注"
    assert stored.usable_area_m2 == pytest.approx(first.area_m2)


def test_a_removed_room_is_drafted_where_it_stands_on_the_map(db_session, tmp_path):
    """A room the re-survey no longer has is drafted as removed with the live room's own plan
    and map geometries (the map one written back as stored, not recomputed)."""
    from survey_import.review import confirm_batch
    from tests.importers.survey_helpers import SECOND_SURVEY

    building = add_building(db_session)
    first = load_plan(db_session, write_plan(tmp_path / "v1.dxf"), building.id)
    for party, who in (("surveyor", "张工"), ("agency", "李处长"), ("bureau", "王科长")):
        confirm_batch(db_session, first.batch_id, party, who)
    second = load_plan(db_session, write_plan(tmp_path / "v2.dxf", SECOND_SURVEY), building.id)
    assert second.changes["removed"] == 1
    same = db_session.execute(
        text(
            "SELECT r.number, ST_AsEWKB(s.map_geom) = ST_AsEWKB(r.map_geom), "
            "ST_Equals(s.plan_geom, r.plan_geom) FROM survey_room s "
            "JOIN room r ON r.id = s.matched_room_id "
            "WHERE s.batch_id = :batch AND s.change = 'removed'"
        ),
        {"batch": second.batch_id},
    ).one()
    assert tuple(same) == ("303", True, True)
