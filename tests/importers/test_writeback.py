"""Write-back: a floor exported with room IDs comes back with the same rooms, identity first."""

from __future__ import annotations

import ezdxf
import pytest
from sqlalchemy import select

from gis_app import models
from survey_import.review import confirm_batch
from survey_import.writeback import APPID
from survey_import.writeback import WritebackError
from survey_import.writeback import export_floor_dxf
from survey_import.writeback import read_room_ids
from tests.importers.survey_helpers import add_building
from tests.importers.survey_helpers import load_plan
from tests.importers.survey_helpers import write_plan


def _live_floor(session, tmp_path):  # noqa: ANN001, ANN202
    building = add_building(session)
    batch_id = load_plan(session, write_plan(tmp_path / "3f.dxf"), building.id).batch_id
    confirm_batch(session, batch_id, "surveyor", "张工")
    confirm_batch(session, batch_id, "agency", "李处长")
    confirm_batch(session, batch_id, "bureau", "王科长")
    floor = session.get(models.Floor, session.get(models.SurveyBatch, batch_id).floor_id)
    rooms = session.scalars(select(models.Room).where(models.Room.floor_id == floor.id)).all()
    return building, floor, {r.id: r for r in rooms}


def test_the_export_is_r2018_in_mm_with_room_ids_in_xdata(db_session, tmp_path):
    _building, floor, rooms = _live_floor(db_session, tmp_path)
    out = tmp_path / "export.dxf"
    outcome = export_floor_dxf(db_session, floor.id, out)
    assert outcome.rooms == len(rooms)

    doc = ezdxf.readfile(out)
    assert doc.dxfversion == "AC1032" and doc.units == ezdxf.units.MM
    tagged = [e for e in doc.modelspace().query("LWPOLYLINE") if e.has_xdata(APPID)]
    assert all(e.dxf.layer == "房间" for e in tagged)
    ids = {e.get_xdata(APPID)[0][1] for e in tagged}
    assert ids == set(rooms)
    texts = {e.dxf.text for e in doc.modelspace().query("TEXT[layer=='房间名称']")}
    assert {"301 办公室", "302 会议室", "303 档案室", "走廊"} <= texts
    assert read_room_ids(out) == {e.dxf.handle: e.get_xdata(APPID)[0][1] for e in tagged}


def test_reimporting_the_export_changes_no_room_and_keeps_every_id(db_session, tmp_path):
    building, floor, rooms = _live_floor(db_session, tmp_path)
    out = export_floor_dxf(db_session, floor.id, tmp_path / "export.dxf").path

    outcome = load_plan(db_session, out, building.id)
    assert outcome.changes["unchanged"] == len(rooms)
    drafts = db_session.get(models.SurveyBatch, outcome.batch_id).rooms
    assert {d.change for d in drafts} == {"unchanged"}
    assert {d.matched_room_id for d in drafts} == set(rooms)
    for draft in drafts:
        live = rooms[draft.matched_room_id]
        assert (draft.number, draft.name) == (live.number, live.name)
        assert draft.usable_area_m2 == pytest.approx(live.usable_area_m2, abs=0.005)
    assert "LOAD_ROOM_IDS_FROM_DRAWING" in outcome.report.codes()


def test_room_ids_in_the_drawing_win_over_geometric_matching(db_session, tmp_path):
    building, floor, rooms = _live_floor(db_session, tmp_path)
    out = export_floor_dxf(db_session, floor.id, tmp_path / "export.dxf").path
    by_number = {r.number: r.id for r in rooms.values()}

    # The surveyor moves room 303 (id kept in its XDATA) to where no room was before.
    doc = ezdxf.readfile(out)
    moved = next(
        e
        for e in doc.modelspace().query("LWPOLYLINE")
        if e.has_xdata(APPID) and e.get_xdata(APPID)[0][1] == by_number["303"]
    )
    moved.set_points([(18000, 0), (24000, 0), (24000, 4000), (18000, 4000)])
    label = next(e for e in doc.modelspace().query("TEXT") if e.dxf.text == "303 档案室")
    label.dxf.align_point = (21000, 2000)
    label.dxf.insert = (21000, 2000)
    doc.saveas(out)

    outcome = load_plan(db_session, out, building.id)
    drafts = {d.number: d for d in db_session.get(models.SurveyBatch, outcome.batch_id).rooms}
    assert drafts["303"].matched_room_id == by_number["303"]
    assert drafts["303"].change == "reshaped"
    assert outcome.changes["added"] == 0 and outcome.changes["removed"] == 0


def test_an_id_of_another_floor_is_ignored_with_a_warning(db_session, tmp_path):
    building, floor, rooms = _live_floor(db_session, tmp_path)
    out = export_floor_dxf(db_session, floor.id, tmp_path / "export.dxf").path
    doc = ezdxf.readfile(out)
    for entity in doc.modelspace().query("LWPOLYLINE"):
        if entity.has_xdata(APPID):
            entity.set_xdata(APPID, [(1071, 987654), (1000, "x"), (1071, 1)])
    doc.saveas(out)
    outcome = load_plan(db_session, out, building.id)
    assert "LOAD_ROOM_ID_UNKNOWN" in outcome.report.codes()
    drafts = db_session.get(models.SurveyBatch, outcome.batch_id).rooms
    # Geometry still finds every room.
    assert {d.matched_room_id for d in drafts} == set(rooms)


def test_a_drawing_we_never_exported_has_no_room_ids(tmp_path):
    assert read_room_ids(write_plan(tmp_path / "plain.dxf")) == {}


def test_a_floor_without_live_rooms_cannot_be_exported(db_session, tmp_path):
    building = add_building(db_session)
    floor = models.Floor(building=building, name="5F", ordinal=5, province_code="37")
    db_session.add(floor)
    db_session.flush()
    with pytest.raises(WritebackError, match="没有在用房间"):
        export_floor_dxf(db_session, floor.id, tmp_path / "empty.dxf")


def _with_room_ids(path, *, version="R2018", encoding="utf-8"):  # noqa: ANN001, ANN202
    """Outlines with our XDATA in model space (1071 and 1070 ids), and what must not count:
    one in paper space, one in a block, another application's XDATA, an id that is not one."""
    doc = ezdxf.new(version)
    doc.appids.add(APPID)
    doc.appids.add("OTHER_APP")
    msp = doc.modelspace()
    square = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    expected = {}
    for room_id, code in ((41, 1071), (42, 1070), (43, 1071)):
        outline = msp.add_lwpolyline(square, close=True, dxfattribs={"layer": "房间"})
        outline.set_xdata(APPID, [(code, room_id), (1000, f"30{room_id} 办公室"), (1071, 9)])
        expected[outline.dxf.handle] = room_id
    msp.add_text("会议室 67", dxfattribs={"layer": "房间名称"})
    paper = doc.paperspace().add_lwpolyline(square, close=True)
    paper.set_xdata(APPID, [(1071, 44)])
    block = doc.blocks.new("ROOMS")
    block.add_lwpolyline(square, close=True).set_xdata(APPID, [(1071, 45)])
    msp.add_blockref("ROOMS", (0, 0))
    msp.add_lwpolyline(square, close=True).set_xdata("OTHER_APP", [(1071, 46)])
    msp.add_lwpolyline(square, close=True).set_xdata(APPID, [(1000, "no id"), (1071, 0)])
    if version == "R2000":
        doc.encoding = encoding
    doc.saveas(path, encoding=encoding)
    return path, expected


@pytest.mark.parametrize(
    ("version", "encoding", "crlf", "binary"),
    [
        ("R2018", "utf-8", False, False),
        ("R2000", "gbk", False, False),
        ("R2018", "utf-8", True, False),
        ("R2018", "utf-8", False, True),
    ],
)
def test_room_ids_are_read_as_ezdxf_reads_them(tmp_path, version, encoding, crlf, binary):
    """The tag scan of an ASCII drawing finds what ezdxf's whole load finds: model-space
    entities only, our application's first integer, in any encoding or line ending; a binary
    drawing is loaded by ezdxf."""
    from survey_import import writeback

    path, expected = _with_room_ids(tmp_path / "ids.dxf", version=version, encoding=encoding)
    if crlf:
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    if binary:
        doc = ezdxf.readfile(path)
        doc.saveas(path, fmt="bin")
        assert path.read_bytes().startswith(b"AutoCAD Binary DXF")
    assert read_room_ids(path) == expected
    assert writeback._load_room_ids(path, binary) == expected
