"""A drawing with no floor outline but outer walls drawn as lines is placed on the building
footprint by its outer wall face, and the import report says so."""

from __future__ import annotations

import ezdxf
import pytest

from tests.importers.survey_helpers import OUTLINE_M
from tests.importers.survey_helpers import add_building
from tests.importers.survey_helpers import load_plan
from tests.importers.survey_helpers import write_plan


def _with_outer_walls(path):
    """The test plan without its outline ring, with 0.2 m outer walls as LINEs on 墙体 (outer
    face on the footprint) and a 1.5 m entrance in the south wall."""
    write_plan(path, outline=False)
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    x0, y0, x1, y1 = (v * 1000 for v in OUTLINE_M)
    for inset in (0.0, 200.0):  # outer face, inner face
        a0, b0, a1, b1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        points = [(9000, b0), (a0, b0), (a0, b1), (a1, b1), (a1, b0), (10500, b0)]
        for start, end in zip(points, points[1:], strict=False):
            msp.add_line(start, end, dxfattribs={"layer": "墙体"})
    for x in (9000, 10500):  # jambs of the entrance
        msp.add_line((x, y0), (x, y0 + 200), dxfattribs={"layer": "墙体"})
    doc.saveas(path)
    return path


def _georef_note(outcome):
    (entry,) = [e for e in outcome.report.info if e.code == "LOAD_GEOREF"]
    return entry


def test_the_outer_walls_are_fitted_to_the_footprint(db_session, tmp_path):
    building = add_building(db_session)
    outcome = load_plan(db_session, _with_outer_walls(tmp_path / "3f.dxf"), building.id)
    georef = outcome.georef
    assert georef["method"] == "footprint" and georef["outline_source"] == "outer_walls"
    assert georef["iou"] == pytest.approx(1.0, abs=1e-3)
    assert georef["rms_m"] < 0.01
    assert georef["rotation_deg"] == pytest.approx(30.0, abs=0.01)
    note = _georef_note(outcome)
    assert "外墙" in note.message and "outer wall face" in note.message
    assert note.data["outline_source"] == "outer_walls"
    assert "LOAD_GEOREF_POOR" not in outcome.report.codes()


def test_without_walls_the_rooms_merged_are_fitted_and_the_note_says_so(db_session, tmp_path):
    building = add_building(db_session)
    outcome = load_plan(db_session, write_plan(tmp_path / "3f.dxf", outline=False), building.id)
    assert outcome.georef["outline_source"] == "rooms_union"
    assert outcome.georef["iou"] < 0.95  # the rooms sit inside the walls
    note = [e for e in outcome.report.info + outcome.report.warnings if "GEOREF" in e.code]
    assert len(note) == 1 and "rooms merged" in note[0].message
