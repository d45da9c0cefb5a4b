"""The analysis child of a database import: its result arrives equal, its failures arrive as
they were raised, and it never outlives the command."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import time
from pathlib import Path

import ezdxf
import numpy as np
import pytest

from survey_import import handoff
from survey_import.handoff import AnalysisChild
from survey_import.handoff import ChildFailed
from survey_import.handoff import pack_frames
from survey_import.handoff import read_frames
from survey_import.handoff import unpack_frames
from survey_import.pipeline import SurveyResult
from survey_import.pipeline import analyse_survey


def _two_floors(tmp_path: Path) -> Path:
    """Two floors side by side: outlines with a bulge and labels on one, a hatch with a hole
    (a shaft) and wall lines without a drawn outline on the other."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(0, 0, 0), (6000, 0, 0), (6000, 4000, 0.4), (0, 4000, 0)], format="xyb", close=True
    )
    msp.add_text("301 局长办公室", height=300).set_placement((3000, 2000))
    msp.add_lwpolyline([(6000, 0), (9000, 0), (9000, 4000), (6000, 4000)], close=True)
    msp.add_mtext("302\\P会议室", dxfattribs={"char_height": 300}).set_location((7500, 2000))
    msp.add_text("三层平面图", height=600).set_placement((4000, -2000))
    hatch = msp.add_hatch()
    hatch.paths.add_polyline_path(
        [(40000, 0), (46000, 0), (46000, 5000), (40000, 5000)], is_closed=True, flags=1
    )
    hatch.paths.add_polyline_path(
        [(42000, 2000), (43000, 2000), (43000, 3000), (42000, 3000)], is_closed=True, flags=0
    )
    msp.add_text("401 档案室", height=300).set_placement((41000, 1000))
    for start, end in (((40000, -200), (46000, -200)), ((46200, 0), (46200, 5000))):
        msp.add_line(start, end)
    msp.add_text("四层平面图", height=600).set_placement((43000, -2000))
    path = tmp_path / "two-floors.dxf"
    doc.saveas(path)
    return path


def _same(back: SurveyResult, result: SurveyResult) -> None:
    assert back.floors == result.floors  # dataclass equality, geometries included
    for new, old in zip(back.floors, result.floors, strict=True):
        assert [r.polygon.wkb for r in new.rooms] == [r.polygon.wkb for r in old.rooms]
        assert [r.labels for r in new.rooms] == [r.labels for r in old.rooms]
        if old.wall_segments is None:
            assert new.wall_segments is None
        else:
            assert np.array_equal(new.wall_segments, old.wall_segments)
    assert back.report == result.report
    assert back.source == result.source
    assert back.drawing == result.drawing
    assert (back.path, back.room_layers, back.label_layers) == (
        result.path,
        result.room_layers,
        result.label_layers,
    )


def test_a_packed_result_unpacks_equal_to_the_original(tmp_path: Path) -> None:
    result = analyse_survey(_two_floors(tmp_path))
    assert len(result.floors) == 2 and result.room_count >= 3
    assert any(room.deductions_m2 > 0 for floor in result.floors for room in floor.rooms)
    _same(_round_trip(b"".join(pack_frames(result))), result)


def _round_trip(data: bytes) -> SurveyResult:
    return unpack_frames(read_frames(io.BytesIO(data)))


def test_chunks_of_rooms_may_end_inside_a_floor_or_across_two(tmp_path: Path, monkeypatch) -> None:
    result = analyse_survey(_two_floors(tmp_path))
    monkeypatch.setattr(handoff, "_CHUNK_ROOMS", 2)  # floors of 2 and 1 rooms: chunks 2 + 1
    frames = list(pack_frames(result))
    assert len(frames) == 1 + -(-result.room_count // 2)
    _same(_round_trip(b"".join(frames)), result)


def test_a_failure_after_the_first_frames_is_raised_and_a_cut_stream_is_noticed(
    tmp_path: Path,
) -> None:
    result = analyse_survey(_two_floors(tmp_path))
    head, *rooms = pack_frames(result)
    failure = handoff._failure_frame(MemoryError("packing the rooms"))
    with pytest.raises(MemoryError, match="packing"):
        unpack_frames(read_frames(io.BytesIO(head + failure)))
    with pytest.raises(handoff._Truncated):
        unpack_frames(read_frames(io.BytesIO(head)))  # the rooms never came
    with pytest.raises(handoff._Truncated):
        unpack_frames(read_frames(io.BytesIO(head + rooms[0][:-5])))


def test_the_child_sends_the_result_of_the_analysis(tmp_path: Path) -> None:
    path = _two_floors(tmp_path)
    with AnalysisChild.start(lambda: analyse_survey(path)) as child:
        assert child.pid != os.getpid()
        back = child.result()
    _same(back, analyse_survey(path))
    _reaped(child.pid)  # in the background: no zombie left behind


def test_the_child_sends_all_of_a_big_result_before_the_parent_asks_for_it(
    tmp_path: Path,
) -> None:
    """The parent receives in the background, so a child whose result is larger than the
    pipe holds finishes (and exits) while the parent is still busy with the database."""
    result = analyse_survey(_two_floors(tmp_path))
    floor = result.floors[0]
    big = dataclasses.replace(
        result, floors=[dataclasses.replace(floor, rooms=floor.rooms * 2000), *result.floors[1:]]
    )
    assert sum(len(frame) for frame in pack_frames(big)) > 1 << 20
    with AnalysisChild.start(lambda: big) as child:
        _exited(child.pid)  # before anything asked for the result
        back = child.result()
    _same(back, big)
    _reaped(child.pid)


def _exited(pid: int) -> None:
    """Wait until ``pid`` has exited (a zombie, not reaped yet)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            return
        time.sleep(0.01)
    raise AssertionError(f"child {pid} did not finish sending")


def _reaped(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    raise AssertionError(f"child {pid} was never reaped")


def test_an_exception_in_the_child_is_raised_in_the_parent() -> None:
    def refuse() -> SurveyResult:
        raise ValueError("unknown unit 'furlong'")

    with AnalysisChild.start(refuse) as child, pytest.raises(ValueError, match="furlong"):
        child.result()


def test_an_exception_that_does_not_pickle_arrives_as_its_text() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def refuse() -> SurveyResult:
        raise Local("the drawing is haunted")

    with AnalysisChild.start(refuse) as child, pytest.raises(ChildFailed, match="haunted"):
        child.result()


def test_a_child_killed_by_the_system_is_reported_as_probably_out_of_memory() -> None:
    def killed() -> SurveyResult:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("not reached")

    with AnalysisChild.start(killed) as child, pytest.raises(ChildFailed) as failed:
        child.result()
    assert failed.value.killed
    assert "SIGKILL" in str(failed.value) and "内存不足" in str(failed.value)


def test_leaving_early_stops_and_reaps_the_child() -> None:
    def slow() -> SurveyResult:
        time.sleep(60)
        raise AssertionError("not reached")

    with pytest.raises(RuntimeError, match="database down"):
        with AnalysisChild.start(slow) as child:
            raise RuntimeError("database down")
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)  # stopped, and reaped: no zombie left behind
