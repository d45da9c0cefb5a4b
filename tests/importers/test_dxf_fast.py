"""The streamed reader's fast path (layout plans, block templates) gives exactly the drawing and
report of the entity-by-entity path it replaces, and falls back where it must."""

from __future__ import annotations

import itertools
from pathlib import Path

import ezdxf
import pytest
from ezdxf.enums import TextEntityAlignment

from gis_app.report import ImportReport
from survey_import import dxf_fast
from survey_import import dxf_read
from survey_import import dxf_stream
from survey_import.dxf_read import read_drawing


def _read(path: Path) -> tuple[object, dict[str, object], int]:
    report = ImportReport()
    drawing, info = read_drawing(path, report=report, stream_threshold=0)
    assert info.streamed
    return drawing, report.to_dict(), info.entity_count


def _slow_read(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[object, dict[str, object], int]:
    """The same read with every entity parsed tag by tag and every block child visited."""
    with monkeypatch.context() as patch:
        patch.setattr(dxf_stream, "plan_for", lambda dxftype, codes: None)
        patch.setattr(dxf_read, "_template_op", lambda child, clean: (dxf_read._OP_SLOW, child))
        return _read(path)


def _fast_types() -> set[str]:
    return {dxftype for (dxftype, _), plan in dxf_fast._plans.items() if plan is not None}


def _assert_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    dxf_fast._plans.clear()
    fast = _read(path)
    slow = _slow_read(path, monkeypatch)
    assert fast[0] == slow[0]  # every primitive, field by field (float equality)
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    return fast[0]


def test_lwpolylines_with_bulges_widths_and_elevation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(0, 0, 0.25), (3000, 0, 0), (3000, 2000, -0.5), (0, 2000, 0)],
        format="xyb",
        close=True,
        dxfattribs={"const_width": 20.0, "elevation": 300.0, "layer": "房间"},
    )
    msp.add_lwpolyline(
        [(0, 0, 10, 20, 0.1), (50, 0, 5, 5, 0), (50, 50, 0, 0, -1.0)], format="xyseb"
    )
    ring = msp.add_lwpolyline([(9, 9), (19, 9), (19, 19), (9, 19), (9, 9)])  # closed by coords
    ring.set_reactors([msp[0].dxf.handle])  # 102 {ACAD_REACTORS ... 102 }
    ring.new_extension_dict()  # 102 {ACAD_XDICTIONARY ... 102 }
    msp.add_lwpolyline([(5, 5)])  # a single vertex: nothing
    msp.add_lwpolyline([(0, 0), (1, 1)], dxfattribs={"invisible": 1})
    path = tmp_path / "polylines.dxf"
    doc.saveas(path)

    drawing = _assert_same(path, monkeypatch)

    assert "LWPOLYLINE" in _fast_types()
    assert all(plan is not None for (kind, _), plan in dxf_fast._plans.items() if kind != "ENDSEC")
    room = drawing.outlines[0]
    assert room.layer == "房间" and room.closed_flag
    assert [v[2] for v in room.vertices] == [0.25, 0.0, -0.5, 0.0]
    assert not drawing.outlines[1].closed_flag  # the ring closed only by its coordinates
    assert len(drawing.linework) == 1


def test_text_in_every_justification_and_mtext_with_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for i, align in enumerate(TextEntityAlignment):
        text = msp.add_text(f"{i:02d} 会议室 %%c50", height=250, dxfattribs={"layer": "文字"})
        second = (1000 * i + 800, 100) if align.name in ("ALIGNED", "FIT") else None
        text.set_placement((1000 * i, 0), second, align=align)
    msp.add_text("\\U+4E2D文 ^I", dxfattribs={"halign": 2, "insert": (5, 5)})  # no align point
    msp.add_text("   ", dxfattribs={"insert": (7, 7)})  # blank: no label
    msp.add_mtext(
        "{\\fSimHei|b1;3-001}\\P办公室\\~A " + "长文本" * 120,
        dxfattribs={"insert": (50, 60), "char_height": 300, "layer": "文字"},
    )
    msp.add_mtext("\\H2.5;\\C1;红\\U+5B57", dxfattribs={"insert": (1, 2)})
    path = tmp_path / "texts.dxf"
    doc.saveas(path)

    drawing = _assert_same(path, monkeypatch)

    assert {"TEXT", "MTEXT"} <= _fast_types()
    labels = drawing.labels
    assert len(labels) == len(TextEntityAlignment) + 3
    assert labels[0].text == "00 会议室 Ø50" and labels[0].raw == "00 会议室 %%c50"
    assert labels[-2].text.startswith("3-001\n办公室")


def test_inserts_of_one_block_nested_mirrored_rotated_and_stretched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = ezdxf.new("R2010", units=4)
    door = doc.blocks.new("DOOR", base_point=(10, 5))
    door.add_line((0, 0), (900, 0))  # layer "0": takes the INSERT's layer
    door.add_arc((0, 0), 900, 0, 90, dxfattribs={"layer": "门弧"})
    door.add_arc((0, 0), 300, 10, 300)  # more than half a circle: two bulged segments
    door.add_lwpolyline([(0, 0, 0.4), (100, 0, 0), (100, 50, 0)], format="xyb", close=True)
    door.add_circle((450, 450), 40)
    door.add_text("D", dxfattribs={"insert": (1, 1)})  # not templated: visited as before
    door.add_attdef("NO", (0, 0), dxfattribs={"text": "shown only through ATTRIBs"})
    door.add_line((0, 0), (1, 1), dxfattribs={"invisible": 1})
    pair = doc.blocks.new("PAIR")
    pair.add_blockref("DOOR", (0, 0))
    pair.add_blockref("DOOR", (2000, 0), dxfattribs={"xscale": -1, "rotation": 15})
    msp = doc.modelspace()
    placements = [
        {},
        {"rotation": 90},
        {"xscale": -1},
        {"xscale": -1, "rotation": 200},
        {"xscale": 2, "yscale": 0.5},
        {"xscale": 3, "yscale": 3, "zscale": 3, "rotation": 45},
    ]
    for i, attribs in enumerate(placements):
        msp.add_blockref("DOOR", (5000 * i, 0), dxfattribs={"layer": "门", **attribs})
    msp.add_blockref("PAIR", (0, 9000), dxfattribs={"rotation": 30, "layer": "门"})
    msp.add_blockref("PAIR", (0, 19000), dxfattribs={"yscale": -2, "layer": "门"})
    msp.add_blockref("DOOR", (0, 30000), dxfattribs={"row_count": 2, "column_count": 2})
    msp.add_blockref("NOWHERE", (0, 0))
    path = tmp_path / "doors.dxf"
    doc.saveas(path)

    drawing = _assert_same(path, monkeypatch)

    assert "INSERT" in _fast_types()
    ops = [dxf_read._template_op(e, str)[0] for e in doc.blocks.get("DOOR")]
    assert ops.count(dxf_read._OP_SLOW) == 2  # the TEXT and the ATTDEF (skipped when expanded)
    first = [lw for lw in drawing.linework if lw.handle.startswith(msp[0].dxf.handle + "/")]
    assert {lw.layer for lw in first} == {"门", "门弧"}
    assert all(lw.block_path == ("DOOR",) for lw in first)
    arcs = [o for o in drawing.linework if o.layer == "门弧"]
    mirrored = [a for a in arcs if a.handle.startswith(msp[2].dxf.handle + "/")]
    plain = [a for a in arcs if a.handle.startswith(msp[0].dxf.handle + "/")]
    assert mirrored[0].vertices[0][2] == -plain[0].vertices[0][2] != 0.0
    stretched = [a for a in arcs if a.handle.startswith(msp[4].dxf.handle + "/")]
    assert len(stretched[0].vertices) > 3 and all(v[2] == 0.0 for v in stretched[0].vertices)
    nested = [lw for lw in drawing.linework if lw.block_path == ("PAIR", "DOOR")]
    assert len(nested) == 4 * len(first)


def _flat_blocks(path: Path) -> Path:
    """Blocks of lines, arcs, polylines and circles only, placed with every plain transform."""
    doc = ezdxf.new("R2010", units=4)
    door = doc.blocks.new("FLAT", base_point=(10, 5, 1))
    door.add_line((0, 0, 2), (900, 0))  # layer "0": takes the INSERT's layer
    door.add_arc((0, 0), 900, 0, 90, dxfattribs={"layer": "门弧"})
    door.add_arc((0, 0), 300, 10, 300)
    door.add_lwpolyline([(0, 0, 0.4), (100, 0, -0.2), (100, 50, 0)], format="xyb", close=True)
    door.add_lwpolyline([(0, 0), (10, 0), (10, 10), (0, 0.0000001)])  # closed by coordinates
    door.add_lwpolyline([(5, 5)])
    door.add_circle((450, 450, 3), 40)
    door.add_circle((0, 0), 0)
    door.add_line((0, 0), (1, 1), dxfattribs={"invisible": 1})
    msp = doc.modelspace()
    placements = [
        {},
        {"rotation": 90},
        {"rotation": 33.3, "xscale": 0.001, "yscale": 0.001, "zscale": 0.001},
        {"xscale": -1},
        {"yscale": -1, "rotation": 271},
        {"xscale": -2.5, "yscale": -2.5, "rotation": 180},
        {"xscale": 2, "yscale": 0.5},
        {"xscale": 0},
    ]
    for i, attribs in enumerate(placements):
        for j in range(2):
            insert = (5000.0 * i - 0.1, -3000.0 * j + 1e-9, 7.0 * j)
            msp.add_blockref("FLAT", insert, dxfattribs={"layer": "门", **attribs})
    doc.saveas(path)
    return path


def test_flat_blocks_are_placed_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inserts of a block without nested ones add their origin to points transformed once per
    block and transform (``_prepared``): the same floats as transforming each point."""
    drawing = _assert_same(_flat_blocks(tmp_path / "flat.dxf"), monkeypatch)

    assert {o.source for o in drawing.outlines} == {"LWPOLYLINE", "CIRCLE"}  # type: ignore[attr-defined]
    assert len(drawing.outlines) == 8 * 2 * 3  # type: ignore[attr-defined]


def test_non_default_extrusion_falls_back_to_the_light_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10)], close=True)
    msp.add_lwpolyline(
        [(0, 0, 0.3), (10, 0, 0), (10, 10, 0)],
        format="xyb",
        close=True,
        dxfattribs={"extrusion": (0, 0, -1)},
    )
    msp.add_circle((5, 5), 2, dxfattribs={"extrusion": (0.6, 0, 0.8)})
    block = doc.blocks.new("B")
    block.add_circle((1, 1), 1, dxfattribs={"extrusion": (0, 0, -1)})
    msp.add_blockref("B", (100, 100), dxfattribs={"extrusion": (0, 0, -1)})
    path = tmp_path / "ocs.dxf"
    doc.saveas(path)

    drawing = _assert_same(path, monkeypatch)

    plans = {key: plan for key, plan in dxf_fast._plans.items() if key[0] == "LWPOLYLINE"}
    assert sorted(plan is None for plan in plans.values()) == [False, True]
    mirrored = drawing.outlines[1]
    assert [v[0] for v in mirrored.vertices] == [0.0, -10.0, -10.0]  # OCS -Z mirrors x
    assert mirrored.vertices[0][2] == -0.3


def _many_kinds(path: Path, crlf: bool) -> None:
    doc = ezdxf.new("R2010", units=4)
    block = doc.blocks.new("DESK")
    block.add_lwpolyline([(0, 0), (1600, 0), (1600, 800), (0, 800)], close=True)
    block.add_arc((0, 0), 500, 0, 90)
    msp = doc.modelspace()
    for i in range(40):
        x = 7000.0 * i
        msp.add_lwpolyline(
            [(x, 0, 0.2), (x + 6000, 0, 0), (x + 6000, 4000, 0), (x, 4000, 0)],
            format="xyb",
            close=True,
            dxfattribs={"layer": "房间"},
        )
        msp.add_line((x, 4100), (x + 6000, 4100), dxfattribs={"layer": "墙"})
        msp.add_text(f"3{i:02d} 办公室", dxfattribs={"insert": (x + 100, 100), "height": 300})
        msp.add_mtext(f"\\P会议{i}", dxfattribs={"insert": (x + 200, 200), "char_height": 250})
        msp.add_arc((x, 0), 300, 0, 180)
        msp.add_circle((x, 0), 100)
        msp.add_blockref("DESK", (x + 500, 500), dxfattribs={"rotation": 3 * i})
        msp.add_text("paper", dxfattribs={"paperspace": 1})
    doc.saveas(path)
    data = path.read_bytes().replace(b"  0\nLINE\n", b"999\nwalls\n  0\nLINE\n")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    path.write_bytes(data)


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("chunk", [7, 61, 1000, 4096])
def test_chunks_cut_in_awkward_places_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, crlf: bool
) -> None:
    path = tmp_path / "rooms.dxf"
    _many_kinds(path, crlf)
    reference = _assert_same(path, monkeypatch)
    monkeypatch.setattr(dxf_stream, "_CHUNK", chunk)

    small = _read(path)

    assert small[0] == reference
    assert len(reference.outlines) == 40 + 40 + 40  # rooms, circles, desks
    assert {"LINE", "LWPOLYLINE", "TEXT", "MTEXT", "ARC", "CIRCLE", "INSERT"} <= _fast_types()


def test_unknown_entities_and_absurd_values_skip_only_themselves(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_line((0, 0), (1000, 0), dxfattribs={"layer": "墙"})
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10)], close=True, dxfattribs={"layer": "房间"})
    msp.add_mtext("会议室", dxfattribs={"insert": (5, 5)})
    path = tmp_path / "odd.dxf"
    doc.saveas(path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("  0\nLINE\n", "  0\nTCH_WALL\n  5\nAB\n  8\n墙\n  0\nLINE\n", 1)
    flags = text.index(" 70\n1\n", text.index("  0\nLWPOLYLINE\n"))
    text = text[:flags] + " 70\n1e400\n" + text[flags + 7 :]  # the polyline's flags
    mtext = text.index("  0\nMTEXT\n")
    handle_end = text.index("\n", text.index("  5\n", mtext) + 4) + 1
    text = text[: text.index("  5\n", mtext)] + text[handle_end:]  # an MTEXT without handle
    path.write_text(text, encoding="utf-8")
    report = ImportReport()

    drawing, _ = read_drawing(path, report=report, stream_threshold=0)

    assert [lw.layer for lw in drawing.linework] == ["墙"]
    assert [lb.text for lb in drawing.labels] == ["会议室"]
    assert not drawing.outlines  # the polyline with the absurd flag value is skipped
    skipped = [e for e in report.warnings if e.code == "DXF_ENTITY_UNREADABLE"]
    assert skipped and skipped[0].message.startswith("2 个图元")


def test_plain_mtext_is_ezdxfs_fast_plain_mtext() -> None:
    """The regular expression gives exactly ezdxf's result, on every kind of code, terminated
    or not, and on random mixtures of them."""
    import random

    from ezdxf.tools.text import fast_plain_mtext

    from survey_import.dxf_lite import plain_mtext

    cases = [
        "{\\fSimHei|b1;3-001-005}\\P男卫",
        "\\H2.5;\\C1;红\\U+5B57",
        "a\\Sx^y;b",
        "a\\Sxy",
        "\\C1red",
        "end\\",
        "\\\\ \\{ \\} \\~ \\N \\L\\l\\O\\o\\K\\k\\X",
        "100%%d ^J x",
        "",
        "plain",
    ]
    rng = random.Random(7)
    alphabet = [*"\\{};SPNLlOoKkXfHab 1|\n", "会", "\\P", "\\S", "{\\f", "%%c", "^"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(5000)]
    for text in cases:
        assert plain_mtext(text) == fast_plain_mtext(text), text


def test_tag_boundary_is_after_the_last_even_numbered_newline() -> None:
    """Every string of up to 10 newlines and other bytes, against the definition."""
    for length in range(11):
        for bits in itertools.product(b"\nx", repeat=length):
            data = bytes(bits)
            ends = [i + 1 for i, byte in enumerate(data) if byte == 10]
            expected = max((end for n, end in enumerate(ends, 1) if n % 2 == 0), default=0)
            assert dxf_stream._tag_boundary(data) == expected, data


def _general_split(data: bytes, codec: str) -> tuple[list[int], list[str], list[int]] | None:
    """What the line-by-line split makes of a whole section: codes, values, code-0 positions."""
    try:
        codes, values = dxf_stream._tags(data, codec, True, None)
    except dxf_stream.StreamStructureError:
        return None
    return codes, values, [i for i, code in enumerate(codes) if code == 0]


def test_aligned_tags_are_the_line_by_line_split_or_left_to_it() -> None:
    """Chunks whose group codes are written in three columns are split by numpy into exactly the
    codes and values of the line-by-line split; every other chunk (codes in other widths or
    not numbers, comments, CR LF, bytes the codec does not decode, a code without its value)
    is left to that split. Random chunks of good and bad lines, against the definition."""
    import random

    code_lines = [b"  0", b"  5", b"  8", b" 10", b" 20", b"330", b"100", b"009", b" 70"]
    odd_lines = [b"0", b"10", b"1001", b" 1 ", b"1 0", b" -1", b"999", b"x10", b"   ", b" 1\r"]
    value_lines = [b"LINE", b"", b"1.5", b"  0", b"\xe5\xa2\x99", b"\xb7\xbf\xbc\xe4", b"a\xe5"]
    rng = random.Random(11)
    aligned_count = 0
    for _ in range(3000):
        lines = []
        for _ in range(rng.randint(1, 12)):
            bad = rng.random() < 0.03
            lines += [rng.choice(odd_lines if bad else code_lines), rng.choice(value_lines)]
        if rng.random() < 0.05:
            lines.pop()  # a code without its value
        data = b"\n".join(lines) + b"\n"
        for codec in ("utf-8", "gbk", "cp1252"):
            aligned = dxf_stream._aligned_tags(data, codec)
            if aligned is None:
                continue
            aligned_count += 1
            codes, values, zeros = aligned
            assert (codes, values, zeros.tolist()) == _general_split(data, codec), data
    assert aligned_count > 3000  # most chunks take the numpy split

    written = b"  0\nLINE\n  5\n1F\n  8\n\xe5\xa2\x99\n 10\n0.0\n  0\nTEXT\n"
    assert dxf_stream._aligned_tags(written + b"  1\nok\n", "utf-8") is not None
    assert dxf_stream._aligned_tags(written + b"  1\nok", "utf-8") is None
    assert dxf_stream._aligned_tags(written + b"1001\nok\n", "utf-8") is None
    assert dxf_stream._aligned_tags(written + b"999\nok\n", "utf-8") is None


@pytest.mark.parametrize("chunk", [64, 1 << 20])
@pytest.mark.parametrize("where", ["none", "header", "entities", "after_endsec", "objects"])
def test_streamed_read_tells_undecodable_text_as_the_check_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, chunk: int
) -> None:
    """The streamed read learns whether the file decodes from the bytes it decodes (not from
    decoding the whole file once more first), and reports it exactly as that check did: the
    same warning at the same place, wherever the bad byte is."""
    doc = ezdxf.new("R2010", units=4)
    doc.header["$PROJECTNAME"] = "survey"
    msp = doc.modelspace()
    for i in range(30):
        msp.add_lwpolyline(
            [(i, 0), (i + 1, 0), (i + 1, 1)], close=True, dxfattribs={"layer": "房间"}
        )
        msp.add_text(f"{i} 办公室", dxfattribs={"insert": (i, 0.5), "height": 0.2})
    path = tmp_path / "bad.dxf"
    doc.saveas(path, encoding="utf-8")
    data = path.read_bytes()
    bad = {
        "none": data,
        "header": data.replace(b"survey", b"surv\xffy", 1),
        "entities": data.replace("7 办公室".encode(), b"7 \xe5\x8a", 1),
        "after_endsec": data.replace(  # bytes the entity stream does not read
            b"  0\nENDSEC\n  0\nSECTION\n  2\nOBJECTS",
            b"  0\nENDSEC\n  0\nPOINT\n" + b"  8\nnot read\n" * 20 + b"  1\n\xe5\n  0\nENDSEC\n"
            b"  0\nSECTION\n  2\nOBJECTS",
            1,
        ),
        "objects": data.replace(b"ACAD_GROUP", b"ACAD_GR\xc3P", 1),
    }[where]
    assert bad != data or where == "none"
    path.write_bytes(bad)
    monkeypatch.setattr(dxf_stream, "_CHUNK", chunk)

    deferred = _read(path)
    real_choose = dxf_read.choose_encoding
    monkeypatch.setattr(
        dxf_read,
        "choose_encoding",
        lambda header, p, override, checked: real_choose(header, p, override),
    )
    checked_first = _read(path)

    assert deferred[1] == checked_first[1]
    assert deferred[0] == checked_first[0]
    codes = [w["code"] for w in deferred[1]["warnings"]]  # type: ignore[index]
    assert ("DXF_ENCODING_ERRORS" in codes) == (where != "none")
