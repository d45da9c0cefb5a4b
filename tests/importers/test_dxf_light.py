"""A streamed drawing of plain entities is read without ezdxf: the skeleton as a LightDocument,
the geometry with dxf_geometry's Vec3/Matrix44/OCS. Both give what ezdxf gives, float for float."""

from __future__ import annotations

import io
import json
import math
import random
import struct
import subprocess
import sys
from pathlib import Path

import ezdxf
import ezdxf.math
import pytest

from gis_app.report import ImportReport
from survey_import import dxf_geometry
from survey_import import dxf_stream
from survey_import.dxf_read import read_drawing

ROOT = Path(__file__).resolve().parents[2]


def _plain_drawing(path: Path, version: str = "R2000", stretched: bool = True) -> Path:
    """Every type the fast path reads, in model space and in nested, rotated, scaled and
    mirrored blocks, with bulges, an OCS extrusion and Chinese text (GBK before R2007);
    ``stretched`` adds non-uniform block scales (arcs become elliptical: ezdxf flattens them)."""
    doc = ezdxf.new(version, units=4)
    if version == "R2000":
        doc.encoding = "gbk"  # written as $DWGCODEPAGE ANSI_936
    door = doc.blocks.new("DOOR", base_point=(10, 5))
    door.add_line((0, 0), (900, 0), dxfattribs={"layer": "门"})
    door.add_arc((0, 0), 900, 0, 90)
    door.add_lwpolyline([(0, 0, 0.4), (50, 0, 0), (50, 50, -1.0)], format="xyb", close=True)
    door.add_circle((450, 450), 25, dxfattribs={"extrusion": (0, 0, -1)})
    door.add_text("门牌", dxfattribs={"insert": (5, 5), "height": 2.5})
    door.add_mtext("一层\\P走廊", dxfattribs={"insert": (5, 10), "char_height": 3})
    suite = doc.blocks.new("SUITE")
    suite.add_blockref("DOOR", (100, 0), dxfattribs={"rotation": 30, "xscale": 2, "yscale": 2})
    suite.add_blockref("DOOR", (0, 100), dxfattribs={"xscale": -1, "rotation": 90})
    if stretched:
        suite.add_blockref("door", (50, 50), dxfattribs={"xscale": 2, "yscale": 0.5})
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(0, 0, 0), (6000, 0, 0.25), (6000, 4000, 0), (0, 4000, -0.5)],
        format="xyb",
        close=True,
        dxfattribs={"layer": "房间"},
    )
    msp.add_line((0, 0), (6000, 0), dxfattribs={"layer": "墙"})
    msp.add_text(
        "办公室 101", dxfattribs={"insert": (3000, 2000), "height": 300, "layer": "房间名"}
    )
    msp.add_mtext("会议室\\P{\\fSimSun;102}", dxfattribs={"insert": (100, 200), "char_height": 250})
    msp.add_arc((3000, 3000), 500, 10, 200)
    msp.add_circle((100, 100), 50)
    scales = [(0, 1, 1), (37.5, 1, 1), (90, -1, 1), (180, 1, -1), (12, 3, 3), (200, -2, -2)]
    for i, (rotation, sx, sy) in enumerate([*scales, (45, 2, 1)] if stretched else scales):
        msp.add_blockref(
            "DOOR", (1000 * i, 500), dxfattribs={"rotation": rotation, "xscale": sx, "yscale": sy}
        )
    msp.add_blockref("SUITE", (8000, 0), dxfattribs={"rotation": 15})
    msp.add_blockref("SUITE", (9000, 0), dxfattribs={"extrusion": (0, 0, -1)})
    msp.add_blockref("MISSING", (0, 0))
    doc.saveas(path)
    return path


def _read(path: Path) -> tuple[object, dict[str, object], object]:
    report = ImportReport()
    drawing, info = read_drawing(path, report=report, stream_threshold=0)
    assert info.streamed
    return drawing, report.to_dict(), info


def _bits(value: object) -> object:
    """Floats as their bytes (tells 0.0 from -0.0), everything else as is, recursively."""
    if isinstance(value, float):
        return struct.pack("<d", value)
    if isinstance(value, tuple | list):
        return tuple(_bits(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return tuple((name, _bits(getattr(value, name))) for name in value.__dataclass_fields__)
    return value


@pytest.mark.parametrize("version", ["R2000", "R2010"])
def test_light_skeleton_reads_what_ezdxf_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    path = _plain_drawing(tmp_path / "plain.dxf", version)
    made: list[object] = []
    light_document = dxf_stream.light_document

    def spy(text: str) -> object:
        made.append(light_document(text))
        return made[-1]

    monkeypatch.setattr(dxf_stream, "light_document", spy)
    light = _read(path)
    assert isinstance(made[0], dxf_stream.LightDocument)
    monkeypatch.setattr(dxf_stream, "light_document", lambda text: None)
    loaded = _read(path)
    assert _bits(light[0]) == _bits(loaded[0])
    assert light[1] == loaded[1]
    assert light[2] == loaded[2]
    assert light[2].encoding == ("gbk" if version == "R2000" else "utf-8")  # type: ignore[attr-defined]
    assert any(label.text == "门牌" for label in light[0].labels)  # type: ignore[attr-defined]


def test_blocks_with_other_entities_are_left_to_ezdxf(tmp_path: Path) -> None:
    """A skeleton (the file without model-space entities) is light only when its blocks hold
    nothing but light entities."""
    doc = ezdxf.new("R2010")
    block = doc.blocks.new("TAG")
    block.add_line((0, 0), (1, 1))
    path = tmp_path / "skeleton.dxf"
    doc.saveas(path)
    assert isinstance(dxf_stream.light_document(path.read_text()), dxf_stream.LightDocument)
    block.add_attdef("ROOM", (0, 0))
    doc.saveas(path)
    assert dxf_stream.light_document(path.read_text()) is None


@pytest.mark.parametrize(
    ("section", "light"),
    [
        ("THUMBNAILIMAGE\n 90\n4\n310\nDEADBEEF", True),
        ("THUMBNAILIMAGE\n 90\n4\n310\nNOT HEX", False),  # ezdxf's tag compiler raises
        ("ACDSDATA\n 70\n2\n  0\nACDSRECORD\n 90\n0\n  2\nAcDbDs::ID", True),
        ("ACDSDATA\n 70\n2\n  0\nACDSRECORD", False),  # ezdxf reads two tags of a record
    ],
)
def test_sections_ezdxf_keeps_aside(tmp_path: Path, section: str, light: bool) -> None:
    doc = ezdxf.new("R2018")
    doc.blocks.new("TAG").add_line((0, 0), (1, 1))
    path = tmp_path / "skeleton.dxf"
    doc.saveas(path)
    text = path.read_text().replace(
        "  0\nEOF", f"  0\nSECTION\n  2\n{section}\n  0\nENDSEC\n  0\nEOF"
    )
    assert isinstance(dxf_stream.light_document(text), dxf_stream.LightDocument) is light
    if not light:
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever ezdxf raises
            ezdxf.read(io.StringIO(text))


@pytest.mark.parametrize(
    ("change", "light"),
    [
        (("", ""), True),
        (("100\nAcDbLine\n", ""), False),  # ezdxf reads no start or end point then
        (("100\nAcDbLine\n", "100\nAcDbText\n"), False),
        (("  8\n0\n100\nAcDbLine\n", "100\nAcDbLine\n  8\n0\n"), False),  # layer misplaced
        (("  9\n$ACADVER\n", "  9\nACADVER\n"), False),  # ezdxf's header validator raises
        (("  5\n", "  5\nXYZ\n  5\n"), False),  # a handle ezdxf cannot store
        (("  2\nLAYER\n", "  2\nLAYERS\n"), False),  # a table ezdxf does not know
        (("100\nAcDbBlockBegin\n  2\nTAG\n", "  2\nTAG\n100\nAcDbBlockBegin\n"), False),
    ],
)
def test_skeletons_ezdxf_would_read_differently_are_left_to_it(
    tmp_path: Path, change: tuple[str, str], light: bool
) -> None:
    doc = ezdxf.new("R2010")
    doc.blocks.new("TAG").add_line((0, 0), (1, 1))
    path = tmp_path / "skeleton.dxf"
    doc.saveas(path)
    text = path.read_text().replace(*change, 1)
    assert isinstance(dxf_stream.light_document(text), dxf_stream.LightDocument) is light


def test_streamed_plain_drawing_does_not_import_ezdxf(tmp_path: Path) -> None:
    """In a fresh interpreter: importing the pipeline and reading a streamed drawing of the
    fast types leaves ezdxf unimported (a module-level ezdxf import anywhere on that path
    would cost ~0.1 s per import)."""
    path = _plain_drawing(tmp_path / "plain.dxf", stretched=False)
    script = (
        "import json, sys\n"
        "import survey_import.pipeline\n"
        "from gis_app.report import ImportReport\n"
        "from survey_import.dxf_read import read_drawing\n"
        f"drawing, info = read_drawing({str(path)!r}, report=ImportReport(), stream_threshold=0)\n"
        "print(json.dumps([info.streamed, len(drawing.outlines), len(drawing.labels),"
        " sorted(m for m in sys.modules if m.split('.')[0] == 'ezdxf')]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    streamed, outlines, labels, ezdxf_modules = json.loads(done.stdout)
    assert streamed and outlines and labels
    assert ezdxf_modules == []


def test_geometry_matches_ezdxf_bit_for_bit() -> None:
    rnd = random.Random(7)

    def value() -> float:
        if rnd.random() < 0.2:
            return rnd.choice([0.0, -0.0, 1.0, -1.0, 0.5, 90.0, 180.0, 270.0])
        return rnd.uniform(-1e6, 1e6) * 10 ** rnd.randint(-6, 3)

    def bits(vector: object) -> tuple[bytes, ...]:
        return tuple(struct.pack("<d", c) for c in vector)  # type: ignore[attr-defined]

    for _ in range(2000):
        extrusion = rnd.choice([(0, 0, 1), (0, 0, -1), (value(), value(), value())])
        theirs, ours = ezdxf.math.OCS(extrusion), dxf_geometry.OCS(extrusion)
        for axis in ("ux", "uy", "uz"):
            assert bits(getattr(theirs, axis)) == bits(getattr(ours, axis))
        sx, sy, sz, angle = value(), value(), value(), math.radians(value())
        m1 = ezdxf.math.Matrix44.ucs(theirs.ux * sx, theirs.uy * sy, theirs.uz * sz)
        m2 = dxf_geometry.Matrix44.ucs(ours.ux * sx, ours.uy * sy, ours.uz * sz)
        m1 @= ezdxf.math.Matrix44.axis_rotate(theirs.uz, angle)
        m2 @= dxf_geometry.Matrix44.axis_rotate(ours.uz, angle)
        assert bits(m1) == bits(m2)
        point = (value(), value(), value())
        m1.set_row(3, point)
        m2.set_row(3, point)
        assert bits(m1 @ m1) == bits(m2 @ m2)
        assert bits(m1.transform(point)) == bits(m2.transform(point))
        assert bits(m1.transform_direction(point)) == bits(m2.transform_direction(point))
        assert bits(theirs.to_wcs(point)) == bits(ours.to_wcs(point))
        a, b = ezdxf.math.Vec3(point), dxf_geometry.Vec3(point)
        other = (value(), value(), value())
        assert bits(a - other) == bits(b - other)
        assert bits(a.lerp(other)) == bits(b.lerp(other))
        assert a.isclose(other) == b.isclose(other)
