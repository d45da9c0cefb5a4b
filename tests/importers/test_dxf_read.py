"""The DXF reader on drawings built in code: geometry into WCS, encodings, damaged files."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import ezdxf
import pytest
from ezdxf.math import Vec3

from gis_app.report import ImportReport
from survey_import import dxf_read
from survey_import.dxf_read import DxfCode
from survey_import.dxf_read import read_drawing
from survey_import.dxf_sniff import UnreadableDrawing
from survey_import.dxf_sniff import _utf8_state
from survey_import.dxf_sniff import decodes_strictly
from survey_import.pipeline import SurveyOptions
from survey_import.pipeline import analyse_survey


def _rect(x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _save(doc: ezdxf.document.Drawing, path: Path) -> Path:
    doc.saveas(path)
    return path


def _read(path: Path, **kwargs: object) -> tuple[object, object, ImportReport]:
    report = ImportReport()
    drawing, info = read_drawing(path, report=report, **kwargs)
    return drawing, info, report


def _mm_office(tmp_path: Path) -> Path:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline(_rect(0, 0, 6000, 4000), close=True, dxfattribs={"layer": "房间"})
    msp.add_text("301 办公室", height=300, dxfattribs={"layer": "文字"}).set_placement((2000, 2000))
    return _save(doc, tmp_path / "office.dxf")


def test_rectangle_6000_by_4000_mm_is_24_square_metres(tmp_path: Path) -> None:
    result = analyse_survey(_mm_office(tmp_path))
    rooms = [room for floor in result.floors for room in floor.rooms]
    assert len(rooms) == 1
    assert f"{rooms[0].area_m2:.2f}" == "24.00"
    assert rooms[0].number == "301"
    assert result.source.units.used == "mm" and not result.source.units.inferred


def test_bulge_edge_room_has_its_exact_arc_area(tmp_path: Path) -> None:
    # 10 m x 6 m rectangle whose top edge bulges outwards as a half circle of radius 5 m.
    doc = ezdxf.new("R2010", units=6)
    doc.modelspace().add_lwpolyline(
        [(0, 0, 0), (10, 0, 0), (10, 6, 1.0), (0, 6, 0)], format="xyb", close=True
    )
    path = _save(doc, tmp_path / "bulge.dxf")
    drawing, _, _ = _read(path)
    assert drawing.outlines[0].vertices[2] == (10.0, 6.0, 1.0)
    rooms = [r for f in analyse_survey(path).floors for r in f.rooms]
    expected = 60 + math.pi * 25 / 2
    assert abs(rooms[0].area_m2 - expected) < 0.01


def test_gbk_drawing_decodes_chinese_labels(tmp_path: Path) -> None:
    doc = ezdxf.new("R2000", units=4)
    doc.encoding = "gbk"  # written as $DWGCODEPAGE ANSI_936
    msp = doc.modelspace()
    msp.add_lwpolyline(_rect(0, 0, 5000, 4000), close=True, dxfattribs={"layer": "房间"})
    msp.add_text("局长办公室", height=250).set_placement((2500, 2000))
    path = _save(doc, tmp_path / "gbk.dxf")
    assert "局长办公室".encode("gbk") in path.read_bytes()
    drawing, info, report = _read(path)
    assert info.encoding == "gbk"
    assert [label.text for label in drawing.labels] == ["局长办公室"]
    assert "房间" in drawing.layers
    assert DxfCode.ENCODING in report.codes()


def test_encoding_override_fixes_a_wrong_code_page(tmp_path: Path) -> None:
    doc = ezdxf.new("R2000", units=4)
    doc.encoding = "gbk"
    doc.modelspace().add_text("会议室", height=250)
    path = _save(doc, tmp_path / "wrong_cp.dxf")
    text = path.read_bytes().replace(b"ANSI_936", b"ANSI_1252")
    path.write_bytes(text)
    drawing, _, _ = _read(path)
    assert drawing.labels[0].text != "会议室"
    drawing, info, _ = _read(path, encoding="gbk")
    assert drawing.labels[0].text == "会议室"
    assert info.encoding == "gbk"


def test_utf8_text_under_an_ansi_header_is_read_as_utf8(tmp_path: Path) -> None:
    doc = ezdxf.new("R2000", units=6)
    doc.modelspace().add_text("卫生间", height=0.3)
    path = _save(doc, tmp_path / "utf8.dxf")
    # cp1252 cannot hold the text, so ezdxf wrote \U+XXXX escapes: put real UTF-8 there.
    raw, count = re.subn(rb"(\\U\+[0-9A-Fa-f]{4}){3}", "卫生间".encode(), path.read_bytes())
    assert count == 1 and b"ANSI_1252" in raw
    path.write_bytes(raw)
    drawing, info, _ = _read(path)
    assert info.encoding == "utf-8"
    assert drawing.labels[0].text == "卫生间"


def test_binary_dxf_is_read(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    doc.modelspace().add_lwpolyline(_rect(0, 0, 3000, 3000), close=True)
    path = tmp_path / "binary.dxf"
    doc.saveas(path, fmt="bin")
    assert path.read_bytes().startswith(b"AutoCAD Binary DXF")
    drawing, info, _ = _read(path)
    assert info.binary and info.dxf_version == "AC1024"
    assert len(drawing.outlines) == 1 and info.units.used == "mm"


def _explode(entity: object) -> list[object]:
    """ezdxf's own block expansion (reference for ours)."""
    out = []
    for child in entity.virtual_entities():  # type: ignore[attr-defined]
        out.extend(_explode(child) if child.dxftype() == "INSERT" else [child])
    return out


def test_nested_mirrored_rotated_scaled_block_lands_where_ezdxf_puts_it(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    inner = doc.blocks.new("ROOM", base_point=(1, 1))
    inner.add_lwpolyline([(0, 0, 0), (4, 0, 0.5), (4, 3, 0), (0, 3, 0)], format="xyb", close=True)
    inner.add_attdef("NO", insert=(2, 1.5), dxfattribs={"height": 0.2})
    outer = doc.blocks.new("WING")
    outer.add_blockref("ROOM", (10, 0), dxfattribs={"xscale": -1, "rotation": 90})
    insert = doc.modelspace().add_blockref(
        "WING", (100, 50), dxfattribs={"xscale": 2, "yscale": 2, "rotation": 30}
    )
    path = _save(doc, tmp_path / "nested.dxf")
    drawing, _, report = _read(path)
    (outline,) = drawing.outlines
    (reference,) = [e for e in _explode(insert) if e.dxftype() == "LWPOLYLINE"]
    # ezdxf mirrors by flipping the extrusion; seen from +Z such an arc turns the other way.
    turn = 1.0 if reference.dxf.extrusion.z > 0 else -1.0
    expected = [
        (Vec3(reference.ocs().to_wcs((x, y, 0))), turn * b)
        for x, y, b in reference.get_points("xyb")
    ]
    assert outline.block_path == ("WING", "ROOM")
    assert outline.handle.startswith(insert.dxf.handle + "/")
    for (x, y, bulge), (point, ref_bulge) in zip(outline.vertices, expected, strict=True):
        assert math.isclose(x, point.x, abs_tol=1e-9) and math.isclose(y, point.y, abs_tol=1e-9)
        assert math.isclose(bulge, ref_bulge, abs_tol=1e-12)
    assert any(v[2] == -0.5 for v in outline.vertices)  # one mirror: the arc turns the other way
    assert not report.errors


def test_non_uniform_block_scale_flattens_arcs_finely(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    block = doc.blocks.new("DISC")
    block.add_circle((0, 0), 1.0)
    doc.modelspace().add_blockref("DISC", (0, 0), dxfattribs={"xscale": 3, "yscale": 2})
    drawing, _, _ = _read(_save(doc, tmp_path / "ellipse.dxf"))
    (outline,) = drawing.outlines
    assert all(b == 0.0 for _, _, b in outline.vertices)
    xs = [v[0] for v in outline.vertices]
    assert math.isclose(max(xs), 3.0, rel_tol=1e-6)
    n = len(outline.vertices)
    area = 0.5 * abs(
        sum(
            outline.vertices[i][0] * outline.vertices[(i + 1) % n][1]
            - outline.vertices[(i + 1) % n][0] * outline.vertices[i][1]
            for i in range(n)
        )
    )
    assert math.isclose(area, math.pi * 6, rel_tol=1e-4)


def test_hatch_with_a_circular_hole_keeps_every_loop_exact(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    hatch = doc.modelspace().add_hatch(dxfattribs={"layer": "ROOMS"})
    hatch.paths.add_polyline_path(_rect(0, 0, 10, 8), is_closed=True, flags=1)
    edges = hatch.paths.add_edge_path(flags=16)
    edges.add_arc((5, 4), radius=1, start_angle=0, end_angle=360)
    drawing, _, _ = _read(_save(doc, tmp_path / "hatch.dxf"))
    (boundary,) = drawing.hatches
    assert len(boundary.loops) == 2
    hole = boundary.loops[1]
    assert len(hole) == 2 and all(math.isclose(abs(b), 1.0) for _, _, b in hole)
    rooms = [r for f in analyse_survey(tmp_path / "hatch.dxf").floors for r in f.rooms]
    assert len(rooms) == 1
    assert abs(rooms[0].area_m2 - (80 - math.pi)) < 0.01


def test_clockwise_hatch_arc_edges_chain_into_one_ring(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    hatch = doc.modelspace().add_hatch()
    edges = hatch.paths.add_edge_path()
    edges.add_line((0, 0), (10, 0))
    edges.add_line((10, 0), (10, 4))
    edges.add_arc((5, 4), radius=5, start_angle=0, end_angle=180, ccw=True)
    edges.add_line((0, 4), (0, 0))
    drawing, _, report = _read(_save(doc, tmp_path / "arc_hatch.dxf"))
    (loop,) = drawing.hatches[0].loops
    bulges = [b for _, _, b in loop if b]
    assert len(bulges) == 1 and math.isclose(bulges[0], 1.0)
    assert DxfCode.HATCH_GAP not in report.codes()


def test_ocs_extrusion_is_applied(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    doc.modelspace().add_lwpolyline(
        _rect(1, 1, 2, 2), close=True, dxfattribs={"extrusion": (0, 0, -1)}
    )
    drawing, _, _ = _read(_save(doc, tmp_path / "ocs.dxf"))
    xs = sorted({v[0] for v in drawing.outlines[0].vertices})
    assert xs == [-3.0, -1.0]


def test_ring_closed_only_by_coordinates_is_an_outline(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    doc.modelspace().add_lwpolyline([*_rect(0, 0, 5, 4), (0, 0)])
    drawing, _, _ = _read(_save(doc, tmp_path / "by_coords.dxf"))
    (outline,) = drawing.outlines
    assert not outline.closed_flag and len(outline.vertices) == 4


def test_headerless_entities_keep_their_closed_flag(tmp_path: Path) -> None:
    lines = [
        "0", "SECTION", "2", "ENTITIES", "0", "LWPOLYLINE", "5", "2A", "100", "AcDbEntity",
        "8", "rooms", "100", "AcDbPolyline", "90", "3", "70", "1",
        "10", "0", "20", "0", "10", "8", "20", "0", "42", "0.4", "10", "8", "20", "6",
        "0", "ENDSEC", "0", "EOF",
    ]  # fmt: skip
    path = tmp_path / "headerless.dxf"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    drawing, info, report = _read(path)
    (outline,) = drawing.outlines
    assert outline.closed_flag and outline.layer == "rooms" and outline.vertices[1][2] == 0.4
    assert info.units.declared is None and info.dxf_version is None
    assert DxfCode.HEADERLESS in report.codes()


def test_justified_text_uses_its_alignment_point(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    msp = doc.modelspace()
    text = msp.add_text("会议室", height=0.3)
    text.set_placement((0, 0))
    text.dxf.halign = 1
    text.dxf.align_point = (5, 5)
    msp.add_mtext(r"{\fSimSun|b1;\C1;二层}\P值班室", dxfattribs={"insert": (1, 2)})
    drawing, _, _ = _read(_save(doc, tmp_path / "texts.dxf"))
    by_text = {label.text: label for label in drawing.labels}
    assert (by_text["会议室"].x, by_text["会议室"].y) == (5.0, 5.0)
    assert "二层\n值班室" in by_text
    assert by_text["二层\n值班室"].source == "MTEXT"


def test_block_attributes_become_labels(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    block = doc.blocks.new("TAG")
    block.add_attdef("ROOMNO", insert=(0, 0), dxfattribs={"height": 0.3})
    insert = doc.modelspace().add_blockref("TAG", (7, 3))
    insert.add_auto_attribs({"ROOMNO": "205 档案室"})
    drawing, _, _ = _read(_save(doc, tmp_path / "attribs.dxf"))
    labels = [(lb.text, lb.source) for lb in drawing.labels]
    assert labels == [("205 档案室", "ATTRIB")]


def test_blocks_that_insert_each_other_do_not_loop(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    a = doc.blocks.new("A")
    b = doc.blocks.new("B")
    a.add_lwpolyline(_rect(0, 0, 1, 1), close=True)
    a.add_blockref("B", (2, 0))
    b.add_blockref("A", (2, 0))
    doc.modelspace().add_blockref("A", (0, 0))
    path = tmp_path / "recursive.dxf"
    doc.saveas(path)
    drawing, _, report = _read(path)
    assert report.codes() & {DxfCode.BLOCK_RECURSION, DxfCode.AUDIT_FIX}
    assert len(drawing.outlines) >= 1


def test_stream_reading_gives_the_same_primitives(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    block = doc.blocks.new("DESK")
    block.add_lwpolyline(_rect(0, 0, 1600, 800), close=True, dxfattribs={"layer": "FURN"})
    for i in range(12):
        x = i * 4000
        msp.add_lwpolyline(
            [(x, 0, 0), (x + 3800, 0, 0.2), (x + 3800, 5000, 0), (x, 5000, 0)],
            format="xyb",
            close=True,
            dxfattribs={"layer": "ROOM"},
        )
        msp.add_text(f"{101 + i} 办公室", height=300).set_placement((x + 1900, 2500))
        msp.add_blockref("DESK", (x + 500, 500), dxfattribs={"rotation": 15 * i})
        msp.add_polyline2d(_rect(x, 6000, 3000, 2000), close=True)
    path = _save(doc, tmp_path / "stream.dxf")
    whole, whole_info, _ = _read(path)
    streamed, info, report = _read(path, stream_threshold=0)
    assert info.streamed and not whole_info.streamed
    assert DxfCode.STREAMED in report.codes()
    assert streamed == whole


def test_light_streamed_entities_read_like_ezdxf_entities(tmp_path: Path) -> None:
    """Every entity kind the streaming reader reads without ezdxf, in its awkward forms: OCS
    extrusions, justified and formatted texts, scaled/mirrored inserts, XDATA and reactors;
    plus the kinds it hands to ezdxf (attributes, array inserts, POLYLINE)."""
    doc = ezdxf.new("R2010", units=4)
    doc.appids.new("SURVEY")
    msp = doc.modelspace()
    block = doc.blocks.new("DOOR")
    block.add_line((0, 0), (900, 0))
    block.add_arc((0, 0), 900, 0, 90)
    block.add_attdef("NO", (0, 0), dxfattribs={"flags": 2, "text": "D1"})
    tagged = doc.blocks.new("TAG")
    tagged.add_attdef("ROOM", (0, 0))
    room = msp.add_lwpolyline(
        [(0, 0, 0.25), (4000, 0, 0), (4000, 5000, -0.1), (0, 5000, 0)],
        format="xyb",
        close=True,
        dxfattribs={"layer": "ROOM", "elevation": 12.0},
    )
    room.set_xdata("SURVEY", [(1000, "id"), (1071, 42)])
    room.set_reactors(["0"])
    msp.add_lwpolyline(
        _rect(0, 0, 3000, 2000), close=True, dxfattribs={"layer": "ROOM", "extrusion": (0, 0, -1)}
    )
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)], dxfattribs={"layer": "R"})
    msp.add_line((0, 0, 0), (5, 5, 1), dxfattribs={"layer": "WALL"})
    msp.add_arc((100, 100), 50, 30, 300, dxfattribs={"extrusion": (0, 0, -1)})
    msp.add_arc((200, 100), 50, 45, 45)
    msp.add_circle((300, 100), 25, dxfattribs={"layer": "COL"})
    msp.add_circle((300, 100), 0)
    msp.add_text("301 办公室", height=300, dxfattribs={"layer": "TXT"}).set_placement(
        (2000, 2500), align=ezdxf.enums.TextEntityAlignment.MIDDLE_CENTER
    )
    msp.add_text("Fit", height=200).set_placement(
        (0, 0), (1000, 0), align=ezdxf.enums.TextEntityAlignment.FIT
    )
    msp.add_text("%%c50 直径", height=100, dxfattribs={"invisible": 1})
    msp.add_text("plain", height=100, dxfattribs={"insert": (7, 8, 9)})
    msp.add_mtext("{\\fSimHei|b1;302}\\P会议室" + "x" * 600, dxfattribs={"char_height": 250})
    msp.add_mtext("paper", dxfattribs={"paperspace": 1})
    msp.add_blockref("DOOR", (500, 500), dxfattribs={"rotation": 30, "xscale": -1})
    msp.add_blockref("DOOR", (900, 500), dxfattribs={"xscale": 2, "yscale": 1})
    msp.add_blockref("DOOR", (0, 9000), dxfattribs={"extrusion": (0, 0, -1)})
    msp.add_blockref("TAG", (0, 0)).add_auto_attribs({"ROOM": "303"})
    msp.add_blockref("DOOR", (0, 0), dxfattribs={"row_count": 2, "row_spacing": 1000})
    msp.add_polyline2d(_rect(0, 6000, 3000, 2000), close=True)
    path = _save(doc, tmp_path / "kinds.dxf")
    whole, _, _ = _read(path)
    streamed, info, _ = _read(path, stream_threshold=0)
    assert info.streamed
    assert streamed == whole
    assert len(whole.labels) >= 6 and len(whole.outlines) >= 5


def test_streaming_in_small_chunks_with_crlf_and_comments_reads_like_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_import import dxf_stream

    text = _mm_office(tmp_path).read_text("utf-8")
    head, body = text.split("ENTITIES\n", 1)
    body = body.replace("  0\nTEXT\n", "999\na comment\n  0\nTEXT\n")
    crlf = tmp_path / "crlf.dxf"
    crlf.write_bytes((head + "ENTITIES\n" + body).replace("\n", "\r\n").encode("utf-8"))
    whole, _, _ = _read(crlf)
    monkeypatch.setattr(dxf_stream, "_CHUNK", 97)
    streamed, info, report = _read(crlf, stream_threshold=0)
    assert info.streamed and not report.errors
    assert streamed == whole and len(whole.outlines) == 1 and whole.labels[0].text == "301 办公室"


def test_header_saying_mm_for_metre_geometry_is_overruled(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for i in range(6):
        msp.add_lwpolyline(_rect(i * 6, 0, 6, 4), close=True, dxfattribs={"layer": "ROOM"})
        msp.add_text(f"{201 + i}", height=0.3).set_placement((i * 6 + 3, 2))
    path = _save(doc, tmp_path / "wrong_units.dxf")
    _, info, report = _read(path)
    assert info.units.declared == "mm" and info.units.used == "m" and info.units.inferred
    assert "UNITS_HEADER_IMPLAUSIBLE" in report.codes()
    _, forced, _ = _read(path, units="mm")
    assert forced.units.used == "mm" and not forced.units.inferred
    rooms = [r for f in analyse_survey(path).floors for r in f.rooms]
    assert all(abs(r.area_m2 - 24.0) < 1e-6 for r in rooms) and len(rooms) == 6


def test_walls_only_floor_gives_line_work_and_derived_rooms(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=6)
    msp = doc.modelspace()
    for a, b in [((0, 0), (12, 0)), ((12, 0), (12, 5)), ((12, 5), (0, 5)), ((0, 5), (0, 0))]:
        msp.add_line(a, b, dxfattribs={"layer": "WALL"})
    msp.add_line((6, 0), (6, 5), dxfattribs={"layer": "WALL"})
    msp.add_text("101", height=0.3).set_placement((3, 2.5))
    msp.add_text("102", height=0.3).set_placement((9, 2.5))
    path = _save(doc, tmp_path / "walls.dxf")
    drawing, _, _ = _read(path)
    assert not drawing.outlines and len(drawing.linework) == 5
    rooms = [r for f in analyse_survey(path).floors for r in f.rooms]
    assert rooms and all(r.derived for r in rooms)


def test_multi_floor_sheet_is_split_into_named_floors(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for floor, (title, x0) in enumerate([("一层平面图", 0), ("二层平面图", 60000)], start=1):
        for i in range(3):
            x = x0 + i * 6000
            msp.add_lwpolyline(_rect(x, 0, 6000, 5000), close=True, dxfattribs={"layer": "房间"})
            msp.add_text(f"{floor}0{i + 1} 办公室", height=300).set_placement((x + 3000, 2500))
        msp.add_text(title, height=800).set_placement((x0 + 9000, -3000))
    result = analyse_survey(_save(doc, tmp_path / "sheet.dxf"))
    assert len(result.floors) == 2
    assert sorted(f.ordinal for f in result.floors) == [1, 2]
    assert all(len(f.rooms) == 3 for f in result.floors)


def test_dwg_gets_a_save_as_dxf_message(tmp_path: Path) -> None:
    path = tmp_path / "plan.dwg"
    path.write_bytes(b"AC1032\x00\x00\x00\x00\x00\x06\x01" + bytes(200))
    with pytest.raises(UnreadableDrawing) as caught:
        read_drawing(path, report=ImportReport())
    assert caught.value.code == "DWG_NOT_SUPPORTED" and "DXF" in caught.value.message


def test_truncated_dxf_is_recovered_or_rejected_cleanly(tmp_path: Path) -> None:
    path = _mm_office(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.dxf"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    report = ImportReport()
    try:
        read_drawing(cut, report=report)
    except UnreadableDrawing as exc:
        assert exc.code == "DXF_DAMAGED" and "cut.dxf" in exc.message
    else:
        assert report.codes() & {DxfCode.RECOVERED, DxfCode.TRUNCATED}


def test_profile_picks_room_layers(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline(_rect(0, 0, 6000, 4000), close=True, dxfattribs={"layer": "RM$"})
    msp.add_lwpolyline(_rect(-500, -500, 7000, 5000), close=True, dxfattribs={"layer": "GROS$"})
    msp.add_text("101", height=300, dxfattribs={"layer": "RM$TXT"}).set_placement((3000, 2000))
    result = analyse_survey(
        _save(doc, tmp_path / "archibus.dxf"), SurveyOptions(profile="archibus")
    )
    assert result.room_layers == ("RM$", "*-RM$", "RM$-*")
    assert [r.layer for f in result.floors for r in f.rooms] == ["RM$"]
    assert "LAYERS_FROM_PROFILE" in result.report.codes()


@pytest.mark.parametrize("threshold", [0, 1 << 40])
@pytest.mark.parametrize("line_first", [True, False])
def test_extent_edge_at_zero_keeps_the_sign_of_the_first_vertex_met(
    tmp_path: Path, threshold: int, line_first: bool
) -> None:
    """The extent is taken by kind of primitive; a box edge at zero with 0.0 and -0.0 on it must
    still get the sign of the vertex met first in the file (as a running box would)."""
    doc = ezdxf.new("R2010", units=6)
    msp = doc.modelspace()
    ring = [(-0.0, 1.0), (4.0, 1.0), (4.0, 3.0), (-0.0, 3.0)]
    if line_first:
        msp.add_line((0.0, 2.0), (5.0, 2.0))
        msp.add_lwpolyline(ring, close=True)
    else:
        msp.add_lwpolyline(ring, close=True)
        msp.add_line((0.0, 2.0), (5.0, 2.0))
    msp.add_lwpolyline([(1, 1), (3, 1), (3, 2), (1.0, 1.0 + 1e-12)])  # closed by coordinates
    path = tmp_path / "zeros.dxf"
    doc.saveas(path)

    drawing, _ = read_drawing(path, report=ImportReport(), stream_threshold=threshold)

    assert drawing.extent == (0.0, 1.0, 5.0, 3.0)
    assert math.copysign(1.0, drawing.extent[0]) == (1.0 if line_first else -1.0)


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_encoding_check_sees_a_character_cut_between_its_chunks(tmp_path: Path, codec: str) -> None:
    """The check skips ASCII chunks without decoding them, but not the bytes that finish a
    character begun at the end of the chunk before."""
    char = "办".encode(codec)
    whole = tmp_path / "whole.txt"
    whole.write_bytes(b"x" * ((1 << 22) - 1) + char + b"y" * 100)
    cut = tmp_path / "cut.txt"
    cut.write_bytes(b"x" * ((1 << 22) - 1) + char[:-1] + b"y" * 100)
    assert decodes_strictly(whole, codec)
    assert not decodes_strictly(cut, "utf-8")
    assert _utf8_state(whole) == ("utf8-nonascii" if codec == "utf-8" else "not-utf8")
    assert _utf8_state(cut) == "not-utf8"


@pytest.mark.parametrize("threshold", [0, 1 << 40])
def test_source_hash_is_the_files_sha256_streamed_or_whole(tmp_path: Path, threshold: int) -> None:
    path = _mm_office(tmp_path)
    _, info, _ = _read(path, stream_threshold=threshold)
    assert info.streamed == (threshold == 0)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_cannot_be_hashed_fails_even_when_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash is computed in a thread while the file is read; its error still reaches the
    caller, as when it was computed first."""

    def unreadable(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(dxf_read, "file_sha256", unreadable)
    with pytest.raises(PermissionError, match="Permission denied"):
        read_drawing(_mm_office(tmp_path), report=ImportReport())


def test_a_file_gone_after_the_sniff_fails_in_the_hash_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading fails too, but the error raised is hashing's, which came first before."""
    sniff = dxf_read.sniff_file

    def sniff_then_delete(path: Path) -> object:
        header = sniff(path)
        path.unlink()
        return header

    monkeypatch.setattr(dxf_read, "sniff_file", sniff_then_delete)
    with pytest.raises(FileNotFoundError) as caught:
        read_drawing(_mm_office(tmp_path), report=ImportReport())
    assert "file_sha256" in [entry.name for entry in caught.traceback]


@pytest.mark.parametrize("threshold", [0, 1 << 40])
def test_line_work_coordinates_are_kept_as_the_line_work_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: int
) -> None:
    """The units sample reads the line work's x and y from the list kept while reading: every
    way line work is made (LINEs, short and open polylines, at top level, in placed, stretched
    and nested blocks) adds to it, in the order of the line work."""
    doc = ezdxf.new("R2010", units=4)
    block = doc.blocks.new("B")
    block.add_line((0, 0), (1000, 0))
    block.add_lwpolyline([(0, 0), (0, 500)])
    block.add_lwpolyline([(0, 0), (100, 0), (100, 100), (200, 300)])
    doc.blocks.new("N").add_blockref("B", (5000, 0))
    msp = doc.modelspace()
    msp.add_line((0, 0), (-0.0, 7000.5))
    msp.add_lwpolyline([(1, 1), (2, 2), (3, 1)])
    msp.add_lwpolyline([(1, 1), (2, 2), (3, 1), (4, 4), (5, 1)])
    msp.add_polyline2d([(9, 9), (10, 12), (11, 9)])
    msp.add_blockref("B", (100, 200))
    msp.add_blockref("B", (300, 400), dxfattribs={"xscale": 2, "yscale": 3, "rotation": 30})
    msp.add_blockref("N", (0, 9000))
    path = _save(doc, tmp_path / "lines.dxf")
    kept: list[object] = []
    finish = dxf_read._Extractor.finish

    def finish_and_keep(extractor: dxf_read._Extractor) -> None:
        finish(extractor)
        kept.append(extractor)

    monkeypatch.setattr(dxf_read._Extractor, "finish", finish_and_keep)
    drawing, _ = read_drawing(path, report=ImportReport(), stream_threshold=threshold)

    assert len(drawing.linework) == 4 + 3 * 3
    xy = [c for line in drawing.linework for x, y, _ in line.vertices for c in (x, y)]
    assert kept[0]._line_xy == xy  # type: ignore[attr-defined]
