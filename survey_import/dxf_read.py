"""Read a DXF file into plain primitives (``floorplans.primitives.Drawing``) plus a report.

The reader decides everything that needs the file: which bytes are a DXF, the text encoding,
whether the structure must be recovered, how blocks and OCS map entities into world coordinates,
and which units the drawing is really in. It never decides what a room is: that is the builder's
job in ``floorplans``.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import math
import re
import sys
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from enum import StrEnum
from itertools import chain
from operator import attrgetter
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from floorplans.primitives import Drawing
from floorplans.primitives import GeoReference
from floorplans.primitives import HatchBoundary
from floorplans.primitives import Label
from floorplans.primitives import LineWork
from floorplans.primitives import Outline
from gis_app.report import ImportReport
from gis_app.report import ReportEntry
from survey_import.background import InBackground
from survey_import.dxf_geometry import OCS
from survey_import.dxf_geometry import Matrix44
from survey_import.dxf_geometry import Planar
from survey_import.dxf_geometry import Vec3
from survey_import.dxf_geometry import circle_vertices
from survey_import.dxf_geometry import close_by_coordinates
from survey_import.dxf_geometry import transform_bulged
from survey_import.dxf_lite import drawable
from survey_import.dxf_lite import plain_mtext
from survey_import.dxf_lite import plain_text
from survey_import.dxf_sniff import ASCII_CODECS
from survey_import.dxf_sniff import RawHeader
from survey_import.dxf_sniff import UnreadableDrawing
from survey_import.dxf_sniff import choose_encoding
from survey_import.dxf_sniff import decodes_strictly
from survey_import.dxf_sniff import sniff_file
from survey_import.dxf_stream import LightDocument
from survey_import.dxf_stream import load_streamed
from survey_import.dxf_units import UnitsDecision
from survey_import.dxf_units import decide_units
from survey_import.dxf_units import unit_factor

if TYPE_CHECKING:  # ezdxf is imported where a drawing needs it, not with this module
    from ezdxf.entities import DXFGraphic
    from ezdxf.entities import Insert
    from ezdxf.entities.boundary_paths import EdgePath

LOGGER = logging.getLogger(__name__)

__all__ = [
    "DxfCode",
    "STREAM_THRESHOLD_BYTES",
    "SourceInfo",
    "UnreadableDrawing",
    "clean_text",
    "file_sha256",
    "read_drawing",
]

STREAM_THRESHOLD_BYTES = 4 * 1024 * 1024
"""ASCII files at least this big are streamed: ezdxf holds a whole document at ~16x its size and
builds it at ~0.7 MB/s; streaming (``dxf_stream``, with ``dxf_fast`` plans and ``dxf_lite``
entities) reads ~6x faster in bounded memory. Smaller files keep the whole-document path with
ezdxf's audit and recover mode."""
MAX_BLOCK_DEPTH = 32
MAX_VIRTUAL_ENTITIES = 2_000_000
"""Entities produced by block expansion before the reader stops expanding (fuzzer-style bombs)."""
_FLATTEN_STEPS = 360

ProgressFn = Callable[[float], None]


class DxfCode(StrEnum):
    """Report codes of the DXF reader."""

    RECOVERED = "DXF_RECOVERED"
    TRUNCATED = "DXF_TRUNCATED"
    AUDIT_FIX = "DXF_AUDIT_FIX"
    AUDIT_ERROR = "DXF_AUDIT_ERROR"
    ENCODING = "DXF_ENCODING"
    ENCODING_ERRORS = "DXF_ENCODING_ERRORS"
    HEADERLESS = "DXF_NO_HEADER"
    STREAMED = "DXF_STREAMED"
    BLOCK_RECURSION = "DXF_BLOCK_RECURSION"
    BLOCK_MISSING = "DXF_BLOCK_MISSING"
    BLOCK_LIMIT = "DXF_BLOCK_EXPANSION_LIMIT"
    HATCH_GAP = "DXF_HATCH_EDGES_NOT_CONTIGUOUS"
    ENTITY_SKIPPED = "DXF_ENTITY_UNREADABLE"
    DUPLICATE_HANDLES = "DXF_DUPLICATE_HANDLES"
    GEODATA = "DXF_GEODATA"
    GEODATA_INVALID = "DXF_GEODATA_INVALID"
    EMPTY = "DXF_EMPTY_MODELSPACE"


@dataclass(frozen=True)
class SourceInfo:
    """Where a drawing came from and how it was read (the ``source`` block of the contract)."""

    file: str
    sha256: str
    size: int
    dxf_version: str | None
    encoding: str | None
    binary: bool
    recovered: bool
    streamed: bool
    units: UnitsDecision
    entity_count: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def read_drawing(
    path: Path | str,
    *,
    encoding: str | None = None,
    units: str | None = None,
    report: ImportReport,
    progress: ProgressFn | None = None,
    stream_threshold: int = STREAM_THRESHOLD_BYTES,
) -> tuple[Drawing, SourceInfo]:
    """Read ``path`` into primitives in WCS drawing units.

    Raises UnreadableDrawing when the file is not a usable DXF (not a DXF, a DWG, or damaged
    beyond ezdxf's recover mode); every lesser problem goes into ``report``.
    """
    path = Path(path)
    if units is not None:
        unit_factor(units)  # validates, raises ValueError for an unknown unit
    header = sniff_file(path)
    sha = InBackground(lambda: file_sha256(path), "sha256")  # hashlib lets go of the GIL
    try:
        drawing, info = _read(path, header, encoding, units, report, progress, stream_threshold)
    except BaseException:
        sha.result()  # a file that cannot be hashed fails as when it was hashed before reading
        raise
    return drawing, replace(info, sha256=sha.result())


def _read(
    path: Path,
    header: RawHeader,
    encoding: str | None,
    units: str | None,
    report: ImportReport,
    progress: ProgressFn | None,
    stream_threshold: int,
) -> tuple[Drawing, SourceInfo]:
    """``read_drawing`` after the sniff, without the file's hash (``sha256`` left empty)."""
    size = path.stat().st_size
    loaded = _load(path, header, encoding, report, stream_threshold)
    extractor = _Extractor(loaded.blocks, report)
    for done, entity in loaded.entities(extractor):
        if entity is not None:
            extractor.visit_top(entity)
        if progress is not None:
            progress(done)
    extractor.finish()
    if extractor.count_top == 0:
        report.warning(DxfCode.EMPTY, "模型空间中没有任何图元 (model space is empty).")
    geo = _georeference(loaded.geodata, report)
    decision = decide_units(
        declared_code=header.insunits if header.has_header_section or header.binary else None,
        override=units,
        rings=extractor.ring_areas(),
        points=extractor.sample_points(),
        text_heights=[lbl.height for lbl in extractor.labels if lbl.height > 0],
        geodata_scale=geo.unit_scale if geo else None,
        report=report,
    )
    drawing = Drawing(
        outlines=tuple(extractor.outlines),
        hatches=tuple(extractor.hatches),
        linework=tuple(extractor.linework),
        labels=tuple(extractor.labels),
        units_factor_to_m=decision.factor_to_m,
        extent=extractor.extent(),
        georeference=geo,
        layers=tuple(sorted(extractor.layers)),
    )
    info = SourceInfo(
        file=path.name,
        sha256="",
        size=size,
        dxf_version=loaded.dxf_version,
        encoding=loaded.encoding,
        binary=header.binary,
        recovered=loaded.recovered,
        streamed=loaded.streamed,
        units=decision,
        entity_count=extractor.count_top,
    )
    return drawing, info


# ----------------------------------------------------------------------------- loading


@dataclass
class _Loaded:
    doc: Any
    entities: Callable[[Any], Iterator[tuple[float, DXFGraphic | None]]]
    """(progress, entity or None) in model-space order; the streamed reader hands the entities
    it reads from raw values to the extractor passed in (its ``fast_*`` methods) instead."""
    blocks: _Blocks
    dxf_version: str | None
    encoding: str | None
    recovered: bool
    streamed: bool
    geodata: Any


class _Blocks:
    """Block definitions by name: (base point, entities), looked up case-insensitively, in an
    ezdxf document or a streamed ``LightDocument``."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc
        self._cache: dict[str, tuple[Vec3, list[DXFGraphic]] | None] = {}

    def get(self, name: str) -> tuple[Vec3, list[DXFGraphic]] | None:
        key = name.upper()
        if key not in self._cache:
            if isinstance(self._doc, LightDocument):
                self._cache[key] = self._doc.block(name)
                return self._cache[key]
            layout = self._doc.blocks.get(name) if self._doc is not None else None
            if layout is None:
                self._cache[key] = None
            else:
                base = Vec3(layout.block.dxf.get("base_point", (0, 0, 0)))
                self._cache[key] = (base, list(layout))
        return self._cache[key]


_SYNTHETIC_HEADER = "  0\nSECTION\n  2\nHEADER\n  9\n$ACADVER\n  1\nAC1015\n  0\nENDSEC\n"


def _load(
    path: Path,
    header: RawHeader,
    encoding: str | None,
    report: ImportReport,
    stream_threshold: int,
) -> _Loaded:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise UnreadableDrawing(
                "BAD_ENCODING", f"未知的字符编码 --encoding {encoding}"
            ) from exc
    if header.binary:
        return _load_binary(path, header, encoding, report)
    streaming = path.stat().st_size >= stream_threshold
    codec, why, strict_ok = choose_encoding(header, path, encoding, checked=not streaming)
    report.note(DxfCode.ENCODING, f"文字编码 {codec}：{why}", encoding=codec)
    undecodable = _undecodable_warning(report, codec)
    if strict_ok is None and codecs.lookup(codec).name not in ASCII_CODECS:
        strict_ok = decodes_strictly(path, codec)  # the stream tells only in these codecs
    if strict_ok is False:
        undecodable()
    needs_header = not header.acadver and header.has_subclass_markers
    if needs_header:
        report.warning(
            DxfCode.HEADERLESS,
            "文件没有 HEADER 段（无版本、单位、代码页），按 R2000 结构读取图元。",
        )
    if streaming:
        prefix = _SYNTHETIC_HEADER if needs_header else ""
        streamed = load_streamed(
            path, codec, prefix, report, undecodable if strict_ok is None else None
        )
        if streamed is not None:
            doc, entities = streamed
            report.note(
                DxfCode.STREAMED,
                "大文件：模型空间图元按流式读取，以限制内存占用。",
            )
            return _Loaded(
                doc=doc,
                entities=entities,
                blocks=_Blocks(doc),
                dxf_version=header.acadver or doc.dxfversion,
                encoding=codec,
                recovered=False,
                streamed=True,
                geodata=_geodata_of(doc),
            )
    if strict_ok is None and not decodes_strictly(path, codec):
        undecodable()
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode(codec, errors="replace")
    if needs_header:
        text = _SYNTHETIC_HEADER + text
    import ezdxf

    doc = None
    recovered = False
    try:
        doc = ezdxf.read(io.StringIO(text, newline=None))
    except Exception as exc:  # noqa: BLE001 - any parser failure goes to recover mode
        LOGGER.debug("strict DXF load failed, trying recover mode", exc_info=True)
        first_problem = _short(exc)
        del text
        raw = (_SYNTHETIC_HEADER.encode("ascii") + data) if needs_header else data
        doc, auditor = _recover(raw, codec, path, first_problem, report)
        recovered = True
        report.warning(
            DxfCode.RECOVERED,
            f"DXF 结构有错误（{first_problem}），已用修复模式读取；请核对结果。",
        )
        _carry_auditor(auditor, report)
    else:
        del text
        _carry_auditor(doc.audit(), report)
    return _doc_loaded(doc, header, codec, recovered)


def _undecodable_warning(report: ImportReport, codec: str) -> Callable[[], None]:
    """The warning that the text does not decode in ``codec``, to be added where the report
    stands now: a streamed read finds that out only once it has decoded every byte, instead
    of decoding the whole file once more before it (~10 ms for 10 MB)."""
    at = len(report.warnings)
    entry = ReportEntry(
        DxfCode.ENCODING_ERRORS,
        f"部分文字无法按 {codec} 解码，已用替换字符显示；可用 --encoding 指定正确编码。",
    )
    return lambda: report.warnings.insert(at, entry)


def _load_binary(
    path: Path, header: RawHeader, encoding: str | None, report: ImportReport
) -> _Loaded:
    import ezdxf
    from ezdxf import recover

    recovered = False
    try:
        doc = ezdxf.readfile(path, encoding=encoding)
    except Exception as exc:  # noqa: BLE001
        LOGGER.debug("strict binary DXF load failed", exc_info=True)
        problem = _short(exc)
        try:
            doc, auditor = recover.readfile(path, errors="replace")
        except Exception as exc2:  # noqa: BLE001
            LOGGER.debug("binary recover failed", exc_info=True)
            raise UnreadableDrawing(
                "DXF_DAMAGED",
                f"{path.name} 是二进制 DXF，但已损坏，修复模式也无法读取"
                f"（{problem}; {_short(exc2)}）。",
            ) from exc2
        recovered = True
        report.warning(DxfCode.RECOVERED, f"二进制 DXF 结构有错误（{problem}），已用修复模式读取。")
        _carry_auditor(auditor, report)
    else:
        _carry_auditor(doc.audit(), report)
    report.note(DxfCode.ENCODING, f"二进制 DXF，文字编码 {doc.encoding}", encoding=doc.encoding)
    return _doc_loaded(doc, header, doc.encoding, recovered)


def _doc_loaded(doc: Any, header: RawHeader, codec: str | None, recovered: bool) -> _Loaded:
    msp = doc.modelspace()

    def entities(_sink: Any) -> Iterator[tuple[float, DXFGraphic | None]]:
        total = max(len(msp), 1)
        for i, entity in enumerate(msp):
            yield (i + 1) / total, entity

    return _Loaded(
        doc=doc,
        entities=entities,
        blocks=_Blocks(doc),
        dxf_version=header.acadver or (doc.dxfversion if header.binary else None),
        encoding=codec,
        recovered=recovered,
        streamed=False,
        geodata=_geodata_of(doc),
    )


def _recover(
    raw: bytes, codec: str, path: Path, first_problem: str, report: ImportReport
) -> tuple[Any, Any]:
    """ezdxf's recover mode, decoding with *our* codec (ezdxf's own guess ignores overrides).

    A file cut off before its end (no ENDSEC/EOF) is the most common damage; when recover mode
    cannot cope, the missing end is appended and the read tried once more.
    """
    try:
        return _recover_once(raw, codec)
    except Exception as exc:  # noqa: BLE001 - damaged beyond recover mode
        LOGGER.debug("recover mode failed", exc_info=True)
        failure = exc
    tail = raw[-64:].rstrip()
    if not tail.endswith(b"EOF"):
        try:
            result = _recover_once(raw.rstrip() + b"\n  0\nENDSEC\n  0\nEOF\n", codec)
        except Exception:  # noqa: BLE001
            LOGGER.debug("recover mode failed on the completed file too", exc_info=True)
        else:
            report.fix(
                DxfCode.TRUNCATED,
                "文件在结尾处被截断（缺少 ENDSEC/EOF），已补全结尾后读取；截断处的图元可能缺失。",
            )
            return result
    raise UnreadableDrawing(
        "DXF_DAMAGED",
        f"{path.name} 已损坏，修复模式也无法读取：{first_problem}; {_short(failure)}"
        f" (damaged DXF, cannot be recovered).",
    ) from failure


def _recover_once(raw: bytes, codec: str) -> tuple[Any, Any]:
    from ezdxf import recover
    from ezdxf.lldxf import repair

    class _CodecRecover(recover.Recover):
        def load_tags(self, stream, errors):  # type: ignore[no-untyped-def]
            loader = self.tag_loader or recover.bytes_loader
            tags = repair.tag_reorder_layer(loader(stream))
            tags = repair.filter_invalid_point_codes(tags)
            tags = repair.filter_invalid_handles(tags)
            tags = recover._join_mtext_chunks(tags)
            return recover.byte_tag_compiler(tags, codec, messages=self.errors, errors=errors)

    tool = _CodecRecover.run(io.BytesIO(raw), errors="replace")
    return recover._load_and_audit_document(tool)


def _carry_auditor(auditor: Any, report: ImportReport) -> None:
    for entry in auditor.fixes:
        report.fix(DxfCode.AUDIT_FIX, f"{entry.message} (ezdxf audit code {entry.code})")
    for entry in auditor.errors:
        report.warning(DxfCode.AUDIT_ERROR, f"{entry.message} (ezdxf audit code {entry.code})")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _geodata_of(doc: Any) -> Any:
    if isinstance(doc, LightDocument):  # only made for a drawing without GEODATA
        return None
    try:
        return doc.modelspace().get_geodata()
    except Exception:  # noqa: BLE001 - a broken GEODATA must not stop the import
        LOGGER.debug("GEODATA lookup failed", exc_info=True)
        return None


def _georeference(geodata: Any, report: ImportReport) -> GeoReference | None:
    if geodata is None:
        return None
    try:
        epsg, _axis = geodata.get_crs()
        dxf = geodata.dxf
        design = Vec3(dxf.design_point)
        reference = Vec3(dxf.reference_point)
        north = dxf.get("north_direction", (0.0, 1.0))
        north_deg = math.degrees(math.atan2(-float(north[0]), float(north[1])))
        scale = float(dxf.get("horizontal_unit_scale", 1.0)) or 1.0
    except Exception as exc:  # noqa: BLE001
        LOGGER.debug("GEODATA not usable", exc_info=True)
        report.warning(DxfCode.GEODATA_INVALID, f"图纸的 GEODATA 无法使用：{_short(exc)}")
        return None
    report.note(
        DxfCode.GEODATA,
        f"图纸带地理参考 GEODATA：EPSG:{epsg}，设计点 ({design.x:.3f}, {design.y:.3f})",
        epsg=epsg,
    )
    return GeoReference(
        crs=f"EPSG:{epsg}",
        design_point=(design.x, design.y),
        reference_point=(reference.x, reference.y),
        north_direction_deg=north_deg,
        unit_scale=scale,
    )


# ----------------------------------------------------------------------------- extraction


def clean_text(value: str) -> str:
    """Decode DXF escapes that survive loading (\\U+XXXX, \\M+nXXXX) and trim."""
    if "\\" not in value:  # both escapes start with a backslash; most texts have none
        return value.strip()
    if _DXF_UNICODE.search(value):
        from ezdxf.lldxf.encoding import decode_dxf_unicode

        value = decode_dxf_unicode(value)
    if _MIF_ENCODED.search(value):
        from ezdxf.lldxf.encoding import decode_mif_to_unicode

        value = decode_mif_to_unicode(value)
    return value.strip()


# ezdxf's tests for the escapes its decoders replace (ezdxf.lldxf.encoding)
_DXF_UNICODE = re.compile(r"(\\U\+[A-Fa-f0-9]{4})")
_MIF_ENCODED = re.compile(r"(\\M\+[1-5][A-Fa-f0-9]{4})")


class _Extractor:
    """Walks model space, expanding INSERTs, and collects primitives in WCS."""

    def __init__(self, blocks: _Blocks, report: ImportReport) -> None:
        self.blocks = blocks
        self.report = report
        self.outlines: list[Outline] = []
        self.hatches: list[HatchBoundary] = []
        self.linework: list[LineWork] = []
        self.labels: list[Label] = []
        self.layers: set[str] = set()
        self.count_top = 0
        self._virtual = 0
        self._limit_reported = False
        self._recursion_reported: set[str] = set()
        self._missing_reported: set[str] = set()
        self._skipped: Counter[str] = Counter()
        self._skipped_example: dict[str, str] = {}
        self._hatch_gaps = 0
        self._hatch_gap_example: str | None = None
        self._synthetic = 0
        self._handles: Counter[str] = Counter()
        self._grown: list[tuple[tuple[float, ...], ...]] = []
        self._unkept: list[tuple[float, ...]] = []
        """Vertices met that no primitive keeps (the repeated end of a ring closed by its
        coordinates): with the primitives' vertices, the same points as ``_grown``."""
        self._every_vertex: tuple[Any, Any] | None = None
        """(x, y) columns of every finite vertex kept or not, when ``sample_points`` took all"""
        self._line_xy: list[float] = []
        """x and y of every vertex of the line work, in order, kept as each line work is made:
        ``sample_points`` takes them from here, not from the vertex tuples, which are cold in
        memory by then (~2x the time)."""
        self._layer_names: dict[str, str] = {}
        self._templates: dict[str, list[tuple[Any, ...]]] = {}
        self._flat_templates: set[int] = set()
        """ids of the templates without a step that visits an entity (no nested INSERT)"""
        self._top_inserts: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
        """(template, linear part of the matrix, base point shift, planar) for top-level INSERTs,
        by block name as written, scales and rotation; None for a missing block"""
        self._emit: dict[str, Callable[..., None]] = {
            "TEXT": self._emit_text,
            "MTEXT": self._emit_mtext,
            "ARC": self._emit_arc,
            "CIRCLE": self._emit_circle,
            "INSERT": self._emit_insert,
        }

    # -- walking

    def visit_top(self, entity: DXFGraphic) -> None:
        self.count_top += 1
        self._visit(entity, None, (), (), None)

    # -- top-level entities read from raw values (dxf_fast): the steps of _visit without a
    # block transform and with the default extrusion, from the values the light entity holds

    def fast(
        self, dxftype: str, raw_layer: str, own: str | None, invisible: int, *values: Any
    ) -> None:
        """One top-level entity from ``dxf_fast``: ``_visit``'s steps around the type's
        ``_emit_*`` method, with the values the light entity would hold."""
        self.count_top += 1
        if invisible:
            return
        layer = self._layer_names.get(raw_layer) or self._clean_layer(str(raw_layer or "0"))
        own = own or self._synthetic_handle()
        try:
            self._emit[dxftype](layer, own, *values)
        except Exception as exc:  # noqa: BLE001 - one bad entity must not lose the drawing
            self._skip(dxftype, own, exc)

    # ``fast`` with the type's ``_emit_*`` step written in, for the commonest types (a call
    # less per entity)

    def fast_line(
        self,
        raw_layer: str,
        own: str | None,
        invisible: int,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
    ) -> None:
        self.count_top += 1
        if invisible:
            return
        layer = self._layer_names.get(raw_layer) or self._clean_layer(str(raw_layer or "0"))
        own = own or self._synthetic_handle()
        verts = ((x0, y0, 0.0), (x1, y1, 0.0))
        self._grown.append(verts)
        self.layers.add(layer)
        self.linework.append(LineWork(verts, layer, own, ()))
        self._line_xy += (x0, y0, x1, y1)

    def fast_lwpolyline(
        self,
        raw_layer: str,
        own: str | None,
        invisible: int,
        verts: tuple[tuple[float, float, float], ...],
        closed: bool,
    ) -> None:
        """``verts`` are as ``transform_bulged`` leaves them without a transform."""
        self.count_top += 1
        if invisible:
            return
        layer = self._layer_names.get(raw_layer) or self._clean_layer(str(raw_layer or "0"))
        own = own or self._synthetic_handle()
        if len(verts) >= 2:
            try:
                self._add_verts(verts, closed, layer, own, (), "LWPOLYLINE")
            except Exception as exc:  # noqa: BLE001 - as in fast
                self._skip("LWPOLYLINE", own, exc)

    def _emit_text(
        self,
        layer: str,
        handle: str,
        raw: str,
        halign: int,
        valign: int,
        insert: tuple[float, float, float],
        align: tuple[float, float, float] | None,
        height: float,
    ) -> None:
        text = clean_text(plain_text(raw))
        if not text:
            return
        anchor = insert
        if (halign or valign) and align is not None:
            if _between_points(halign, valign):
                args = (halign, valign, insert, align, height, _FLAT)
                self._text_values(raw, text, *args, (), layer, handle, "TEXT")
                return
            anchor = align
        # _text_values without a transform, at a point whose values are floats already
        height = float(height or 0.0) * _FLAT.scale
        self._add_label(text, anchor[0], anchor[1], layer, handle, height, "TEXT", raw, ())

    def _emit_mtext(
        self, layer: str, handle: str, raw: str, insert: tuple[float, float, float], height: float
    ) -> None:
        text = clean_text(plain_mtext(raw))
        if text:  # _mtext_values without a transform
            height = float(height or 0.0) * _FLAT.scale
            self._add_label(text, insert[0], insert[1], layer, handle, height, "MTEXT", raw, ())

    def _emit_arc(
        self,
        layer: str,
        handle: str,
        center: tuple[float, float, float],
        radius: float,
        start: float,
        end: float,
    ) -> None:
        self._arc_values(Vec3(center), radius, start, end, _FLAT, (), layer, handle)

    def _emit_circle(
        self, layer: str, handle: str, center: tuple[float, float, float], radius: float
    ) -> None:
        self._circle_values(Vec3(center), radius, _FLAT, (), layer, handle)

    def _emit_insert(
        self,
        layer: str,
        handle: str,
        name: str,
        insert: tuple[float, float, float],
        sx: float,
        sy: float,
        sz: float,
        rotation: float,
    ) -> None:
        """``_insert`` for a top-level INSERT without attributes or array."""
        key = (name, sx, sy, sz, rotation)
        try:
            placed = self._top_inserts[key]
        except KeyError:
            block = self._block(name, handle)
            if block is None:
                placed = None
            else:
                ops = self._template(name, block[1])
                m, shift, planar = _linear_part(_WCS, sx, sy, sz, rotation, block[0])
                placed = (ops, m, shift, planar, self._prepared(ops, m, planar))
            if len(self._top_inserts) >= 4096:
                self._top_inserts.clear()
            self._top_inserts[key] = placed
        if placed is None:
            return
        ops, m, shift, planar, prepared = placed
        if prepared is not None and self._virtual + len(ops) <= MAX_VIRTUAL_ENTITIES:
            self._virtual += len(ops)
            ox, oy = float(insert[0]) - shift.x, float(insert[1]) - shift.y  # Vec3(insert) - shift
            self._place(prepared, ox, oy, (name,), layer, handle)
            return
        full = m.copy()  # _insert_transform's steps with its parts looked up once per key
        full.set_row(3, (Vec3(insert) - shift).xyz)
        self._expand(
            ops, full, planar.moved(full), (name,), tuple(handle.split("/")), layer, handle
        )

    def _prepared(
        self, ops: list[tuple[Any, ...]], m: Matrix44, planar: Planar
    ) -> list[tuple[Any, ...]] | None:
        """A flat template's steps under the linear part ``m`` of a similarity: every point
        as ``m.transform`` leaves it before the translation, which ``transform`` adds last, so
        that placing the block adds the insert's origin only (``_place``: the same floats as
        ``_expand``). None when ``_expand`` must do it (nested blocks, other transforms).

        Each step is (what ``_add_verts`` makes of it, layer, own handle, points, source, the
        points' six numbers when there are two): a line, a short open polyline or arc is line
        work, a closed polyline or a circle an outline, and only an open polyline of four
        points or more needs ``_add_verts`` (it may be closed by its coordinates)."""
        if id(ops) not in self._flat_templates or not planar.similar:
            return None
        a, b, c, d, e, f = m.m[0], m.m[1], m.m[4], m.m[5], m.m[8], m.m[9]
        sign = -1.0 if planar.flips else 1.0
        steps: list[tuple[Any, ...]] = []
        for op in ops:
            kind = op[0]
            if kind == _OP_LINE:
                p, q = op[3], op[4]
                points = (
                    (p.x * a + p.y * c + p.z * e, p.x * b + p.y * d + p.z * f, 0.0),
                    (q.x * a + q.y * c + q.z * e, q.x * b + q.y * d + q.z * f, 0.0),
                )
                steps.append(_placed_step(_PLACE_OPEN, op[1], op[2], points, "LINE"))
            elif kind == _OP_POLY and len(op[3]) >= 2:
                points = tuple(
                    (
                        v.x * a + v.y * c + v.z * e,
                        v.x * b + v.y * d + v.z * f,
                        sign * w if w else 0.0,
                    )
                    for v, w in zip(op[5], op[6], strict=True)
                )
                made = _PLACE_RING if op[4] else _PLACE_OPEN if len(points) < 4 else _PLACE_POLY
                steps.append(_placed_step(made, op[1], op[2], points, op[8]))
            elif kind == _OP_CIRCLE and not op[4] <= 0:  # as _circle_values (NaN included)
                cx, cy, cz, r = op[3].x, op[3].y, op[3].z, op[4]
                points = tuple(
                    (x * a + cy * c + cz * e, x * b + cy * d + cz * f, sign)
                    for x in (cx - r, cx + r)
                )  # circle_vertices' two half circles
                steps.append(_placed_step(_PLACE_RING, op[1], op[2], points, "CIRCLE"))
        return steps

    def _place(
        self,
        steps: list[tuple[Any, ...]],
        ox: float,
        oy: float,
        child_path: tuple[str, ...],
        layer: str,
        handle: str,
    ) -> None:
        """``_expand`` of a prepared template at origin (ox, oy): what it emits, in order."""
        inherited: str | None = None
        grow = self._grown.append
        add_layer = self.layers.add
        line_xy = self._line_xy
        for made, lay, own, points, source, pair in steps:
            if lay is None:
                if inherited is None:
                    inherited = self._clean_layer(layer)
                lay = inherited
            h = f"{handle}/{own}"
            if pair is not None:
                x0, y0, w0, x1, y1, w1 = pair
                x0 += ox
                y0 += oy
                x1 += ox
                y1 += oy
                verts = ((x0, y0, w0), (x1, y1, w1))
                if made == _PLACE_OPEN:
                    grow(verts)
                    add_layer(lay)
                    self.linework.append(LineWork(verts, lay, h, child_path))
                    line_xy += (x0, y0, x1, y1)
                    continue
            else:
                verts = tuple([(x + ox, y + oy, w) for x, y, w in points])
            if made == _PLACE_RING:
                grow(verts)
                add_layer(lay)
                self.outlines.append(Outline(verts, lay, h, True, source, child_path))
            elif made == _PLACE_OPEN:
                grow(verts)
                add_layer(lay)
                self.linework.append(LineWork(verts, lay, h, child_path))
                line_xy += chain.from_iterable(map(_XY, verts))
            else:
                self._add_verts(verts, False, lay, h, child_path, source)

    def _clean_layer(self, layer: str) -> str:
        clean = self._layer_names.get(layer)
        if clean is None:  # one string per layer, not per entity
            clean = self._layer_names[layer] = sys.intern(clean_text(layer) or "0")
        return clean

    def _visit(
        self,
        entity: DXFGraphic,
        matrix: Matrix44 | None,
        block_path: tuple[str, ...],
        handle_path: tuple[str, ...],
        inherited_layer: str | None,
    ) -> None:
        if not drawable(entity):
            return
        dxftype = entity.dxftype()
        dxf = entity.dxf
        if dxf.get("invisible", 0):
            return
        layer = str(dxf.get("layer", "0") or "0")
        if inherited_layer is not None and layer == "0":
            layer = inherited_layer
        layer = self._clean_layer(layer)
        handle = self._handle(entity, handle_path)
        try:
            if dxftype == "INSERT":
                self._insert(entity, matrix, block_path, handle_path, layer, handle)
            elif dxftype == "LWPOLYLINE":
                self._lwpolyline(entity, matrix, block_path, layer, handle)
            elif dxftype == "POLYLINE":
                self._polyline(entity, matrix, block_path, layer, handle)
            elif dxftype in ("HATCH", "MPOLYGON"):
                self._hatch(entity, matrix, block_path, layer, handle)
            elif dxftype == "LINE":
                self._line(entity, matrix, block_path, layer, handle)
            elif dxftype == "ARC":
                self._arc(entity, matrix, block_path, layer, handle)
            elif dxftype == "CIRCLE":
                self._circle(entity, matrix, block_path, layer, handle)
            elif dxftype == "ELLIPSE":
                self._ellipse(entity, matrix, block_path, layer, handle)
            elif dxftype == "SPLINE":
                self._spline(entity, matrix, block_path, layer, handle)
            elif dxftype in ("TEXT", "ATTRIB"):
                self._text(entity, matrix, block_path, layer, handle, dxftype)
            elif dxftype == "ATTDEF":
                if block_path and entity.dxf.get("flags", 0) & 2:  # constant: shown in every insert
                    self._text(entity, matrix, block_path, layer, handle, dxftype)
            elif dxftype == "MTEXT":
                self._mtext(entity, matrix, block_path, layer, handle)
            else:
                return
        except Exception as exc:  # noqa: BLE001 - one bad entity must not lose the drawing
            self._skip(dxftype, handle, exc)
            return

    def _skip(self, dxftype: str, handle: str, exc: Exception) -> None:
        LOGGER.debug("entity %s %s skipped", dxftype, handle, exc_info=True)
        self._skipped[dxftype] += 1
        self._skipped_example.setdefault(dxftype, f"{handle}: {_short(exc)}")

    def _handle(self, entity: DXFGraphic, handle_path: tuple[str, ...]) -> str:
        own = entity.dxf.get("handle") or self._synthetic_handle()
        return "/".join((*handle_path, str(own)))

    def _synthetic_handle(self) -> str:
        """A handle for an entity without one, numbered in the order met."""
        self._synthetic += 1
        return f"~{self._synthetic}"

    def _insert(
        self,
        insert: Insert,
        matrix: Matrix44 | None,
        block_path: tuple[str, ...],
        handle_path: tuple[str, ...],
        layer: str,
        handle: str,
    ) -> None:
        name = str(insert.dxf.get("name", ""))
        # ATTRIBs live in the coordinate system of their INSERT, not of its block.
        for attrib in getattr(insert, "attribs", ()):
            self._visit(attrib, matrix, block_path, handle_path, layer if block_path else None)
        if name.upper() in (n.upper() for n in block_path):
            if name not in self._recursion_reported:
                self._recursion_reported.add(name)
                self.report.warning(
                    DxfCode.BLOCK_RECURSION,
                    f"图块 {name} 直接或间接插入了自身，递归部分已跳过。",
                    handle,
                    block=name,
                )
            return
        if len(block_path) >= MAX_BLOCK_DEPTH:
            self._expansion_limit(handle)
            return
        block = self._block(name, handle)
        if block is None:
            return
        base, entities = block
        row_count = max(int(insert.dxf.get("row_count", 1) or 1), 1)
        col_count = max(int(insert.dxf.get("column_count", 1) or 1), 1)
        if row_count * col_count > 10_000:
            self._expansion_limit(handle)
            return
        child_handles = tuple(handle.split("/"))
        child_path = (*block_path, name)  # shared by every child: big drawings hold millions
        ops = self._template(name, entities)
        for placement in _placements(insert, row_count, col_count):
            inner, planar = _insert_matrix(placement, base)
            if matrix is not None:
                inner, planar = inner @ matrix, None
            if not self._expand(ops, inner, planar, child_path, child_handles, layer, handle):
                return

    def _block(self, name: str, handle: str) -> tuple[Vec3, list[DXFGraphic]] | None:
        block = self.blocks.get(name)
        if block is None and name not in self._missing_reported:
            self._missing_reported.add(name)
            self.report.warning(
                DxfCode.BLOCK_MISSING, f"插入的图块 {name} 不存在，已跳过。", handle, block=name
            )
        return block

    def _template(self, name: str, entities: list[DXFGraphic]) -> list[tuple[Any, ...]]:
        """The block's children as ready-made steps in block coordinates, built once per block:
        what ``_visit`` would do with each child except the transform of the placement."""
        key = name.upper()
        ops = self._templates.get(key)
        if ops is None:
            ops = self._templates[key] = [
                _template_op(child, self._clean_layer)
                for child in entities
                if not (child.dxftype() == "ATTDEF" and not child.dxf.get("flags", 0) & 2)
            ]
            if all(op[0] != _OP_SLOW for op in ops):
                self._flat_templates.add(id(ops))
        return ops

    def _expand(
        self,
        ops: list[tuple[Any, ...]],
        full: Matrix44,
        planar: Planar | None,
        child_path: tuple[str, ...],
        child_handles: tuple[str, ...],
        layer: str,
        handle: str,
    ) -> bool:
        """Place a block's template with ``full``; False when the expansion limit stopped it."""
        inherited: str | None = None
        # Without nested visits nothing else counts while this runs: the whole budget at once.
        counted = (
            id(ops) in self._flat_templates and self._virtual + len(ops) <= MAX_VIRTUAL_ENTITIES
        )
        if counted:
            self._virtual += len(ops)
        grow = self._grown.append
        add_layer = self.layers.add
        add_linework = self.linework.append
        for op in ops:
            if not counted:
                self._virtual += 1
                if self._virtual > MAX_VIRTUAL_ENTITIES:
                    self._expansion_limit(handle)
                    return False
            kind = op[0]
            if kind == _OP_SLOW:
                self._visit(op[1], full, child_path, child_handles, layer)
                continue
            if kind == _OP_NONE:
                continue
            lay = op[1]
            if lay is None:
                if inherited is None:
                    inherited = self._clean_layer(layer)
                lay = inherited
            h = f"{handle}/{op[2]}"
            try:
                if kind == _OP_LINE:  # _line_values with the points made once
                    p = full.transform(op[3])
                    q = full.transform(op[4])
                    x0, y0, x1, y1 = p.x, p.y, q.x, q.y
                    verts = ((x0, y0, 0.0), (x1, y1, 0.0))
                    grow(verts)
                    add_layer(lay)
                    add_linework(LineWork(verts, lay, h, child_path))
                    self._line_xy += (x0, y0, x1, y1)
                    continue
                if planar is None:
                    planar = Planar(full)
                if kind == _OP_POLY:
                    points, closed, vectors, bulges = op[3], op[4], op[5], op[6]
                    if not planar.similar or len(points) < 2:
                        self._add_poly(points, closed, planar, op[7], lay, h, child_path, op[8])
                        continue
                    # transform_bulged for a similarity, with the points made once
                    sign = -1.0 if planar.flips else 1.0
                    verts = tuple(
                        [
                            (p.x, p.y, sign * b if b else 0.0)
                            for p, b in zip(full.transform_vertices(vectors), bulges, strict=True)
                        ]
                    )
                    self._add_verts(verts, closed, lay, h, child_path, op[8])
                else:
                    self._circle_values(op[3], op[4], planar, child_path, lay, h)
            except Exception as exc:  # noqa: BLE001 - as in _visit
                self._skip(op[-1], h, exc)
        return True

    def _expansion_limit(self, handle: str) -> None:
        if not self._limit_reported:
            self._limit_reported = True
            self.report.error(
                DxfCode.BLOCK_LIMIT,
                f"图块嵌套过深或展开后图元过多（超过 {MAX_VIRTUAL_ENTITIES} 个），其余部分未读取；"
                "请检查图纸中的图块结构。",
                handle,
            )

    # -- curves

    def _ocs_planar(self, entity: DXFGraphic, matrix: Matrix44 | None) -> Planar:
        extrusion = Vec3(entity.dxf.get("extrusion", (0, 0, 1)))
        if extrusion.isclose(Vec3(0, 0, 1)):
            return Planar(matrix)
        ocs = OCS(extrusion)
        ocs_m = Matrix44.ucs(ocs.ux, ocs.uy, ocs.uz)
        return Planar(ocs_m if matrix is None else ocs_m @ matrix)

    def _add_poly(
        self,
        points: list[tuple[float, float, float]],
        closed: bool,
        planar: Planar,
        z: float,
        layer: str,
        handle: str,
        block_path: tuple[str, ...],
        source: str,
    ) -> None:
        if len(points) < 2 or planar.degenerate:
            return
        verts = transform_bulged(points, closed, planar, z)
        self._add_verts(verts, closed, layer, handle, block_path, source)

    def _add_verts(
        self,
        verts: tuple[tuple[float, float, float], ...],
        closed: bool,
        layer: str,
        handle: str,
        block_path: tuple[str, ...],
        source: str,
    ) -> None:
        """World vertices of a polyline -> an outline (closed by flag or by coordinates) or an
        open line."""
        self._grown.append(verts)  # _grow, a call less per polyline
        self.layers.add(layer)
        if closed:
            if len(verts) >= 2:
                self.outlines.append(Outline(verts, layer, handle, True, source, block_path))
            else:
                self._unkept.extend(verts)
            return
        if len(verts) < 4:  # too short to be a ring closed by coordinates
            self.linework.append(LineWork(verts, layer, handle, block_path))
            self._line_xy += chain.from_iterable(map(_XY, verts))
            return
        ring = close_by_coordinates(verts, self._close_tolerance(verts))
        if ring is not None:
            self._unkept.append(verts[-1])
            self.outlines.append(Outline(ring, layer, handle, False, source, block_path))
        else:
            self.linework.append(LineWork(verts, layer, handle, block_path))
            self._line_xy += chain.from_iterable(map(_XY, verts))

    @staticmethod
    def _close_tolerance(verts: tuple[tuple[float, float, float], ...]) -> float:
        xs = [v[0] for v in verts]
        ys = [v[1] for v in verts]
        size = max(max(xs) - min(xs), max(ys) - min(ys))
        return max(1e-6, 1e-9 * size)

    def _lwpolyline(
        self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str
    ) -> None:
        points = [(float(x), float(y), float(b)) for x, y, b in e.get_points("xyb")]
        z = float(e.dxf.get("elevation", 0.0))
        self._add_poly(
            points, bool(e.closed), self._ocs_planar(e, m), z, layer, h, bp, "LWPOLYLINE"
        )

    def _polyline(
        self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str
    ) -> None:
        if e.is_poly_face_mesh or e.is_polygon_mesh:
            return
        if e.is_3d_polyline:
            points = [(float(p.x), float(p.y), 0.0) for p in e.points()]
            self._add_poly(points, bool(e.is_closed), Planar(m), 0.0, layer, h, bp, "POLYLINE")
            return
        points = []
        for v in e.vertices:
            if v.dxf.get("flags", 0) & 16:  # spline frame control point, not on the curve
                continue
            loc = v.dxf.location
            points.append((float(loc[0]), float(loc[1]), float(v.dxf.get("bulge", 0.0))))
        z = float(Vec3(e.dxf.get("elevation", (0, 0, 0))).z)
        self._add_poly(
            points, bool(e.is_closed), self._ocs_planar(e, m), z, layer, h, bp, "POLYLINE"
        )

    def _line(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        s = Vec3(e.dxf.start)
        t = Vec3(e.dxf.end)
        self._line_values(s.x, s.y, s.z, t.x, t.y, t.z, m, bp, layer, h)

    def _line_values(
        self,
        sx: float,
        sy: float,
        sz: float,
        tx: float,
        ty: float,
        tz: float,
        m: Matrix44 | None,
        bp: tuple[str, ...],
        layer: str,
        h: str,
    ) -> None:
        if m is not None:
            p = m.transform(Vec3(sx, sy, sz))
            q = m.transform(Vec3(tx, ty, tz))
            sx, sy, tx, ty = p.x, p.y, q.x, q.y
        verts = ((sx, sy, 0.0), (tx, ty, 0.0))
        self._grow(verts)
        self.layers.add(layer)
        self.linework.append(LineWork(verts, layer, h, bp))
        self._line_xy += (sx, sy, tx, ty)

    def _arc(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        c = Vec3(e.dxf.center)
        r = float(e.dxf.radius)
        if r <= 0:
            return
        start, end = float(e.dxf.start_angle), float(e.dxf.end_angle)
        self._arc_values(c, r, start, end, self._ocs_planar(e, m), bp, layer, h)

    def _arc_values(
        self,
        c: Vec3,
        r: float,
        start: float,
        end: float,
        planar: Planar,
        bp: tuple[str, ...],
        layer: str,
        h: str,
    ) -> None:
        if r <= 0:
            return
        pts = _arc_points(c, r, start, end)
        if pts is None:  # start == end: AutoCAD draws a full circle
            verts = circle_vertices(c.x, c.y, r, planar, c.z)
            self._grow(verts)
            self.layers.add(layer)
            self.outlines.append(Outline(verts, layer, h, False, "ARC", bp))
            return
        self._add_poly(pts, False, planar, c.z, layer, h, bp, "ARC")

    def _circle(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        c = Vec3(e.dxf.center)
        r = float(e.dxf.radius)
        self._circle_values(c, r, self._ocs_planar(e, m), bp, layer, h)

    def _circle_values(
        self, c: Vec3, r: float, planar: Planar, bp: tuple[str, ...], layer: str, h: str
    ) -> None:
        if r <= 0 or planar.degenerate:
            return
        verts = circle_vertices(c.x, c.y, r, planar, c.z)
        self._grow(verts)
        self.layers.add(layer)
        self.outlines.append(Outline(verts, layer, h, True, "CIRCLE", bp))

    def _ellipse(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        tool = e.construction_tool()
        if m is not None:
            tool.transform(_ezdxf_matrix(m))
        span = (tool.end_param - tool.start_param) % math.tau
        closed = span < 1e-9 or abs(span - math.tau) < 1e-9
        if closed:
            tool.start_param, tool.end_param = 0.0, math.tau
        pts = [(v.x, v.y, 0.0) for v in tool.vertices(tool.params(_FLATTEN_STEPS + 1))]
        if closed:
            pts = pts[:-1]
        self._add_poly(pts, closed, Planar(None), 0.0, layer, h, bp, "ELLIPSE")

    def _spline(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        tool = e.construction_tool()
        if m is not None:
            tool = tool.transform(_ezdxf_matrix(m))
        ctrl = list(tool.control_points)
        size = max((Vec3(p) - Vec3(ctrl[0])).magnitude for p in ctrl) if ctrl else 0.0
        pts = [(v.x, v.y, 0.0) for v in tool.flattening(max(size * 1e-4, 1e-9))]
        closed = bool(e.closed)
        if (
            closed
            and len(pts) > 2
            and math.isclose(pts[0][0], pts[-1][0])
            and math.isclose(pts[0][1], pts[-1][1])
        ):
            pts = pts[:-1]
        self._add_poly(pts, closed, Planar(None), 0.0, layer, h, bp, "SPLINE")

    # -- hatches

    def _hatch(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        from ezdxf.entities.boundary_paths import EdgePath
        from ezdxf.entities.boundary_paths import PolylinePath

        planar = self._ocs_planar(e, m)
        if planar.degenerate:
            return
        z = float(Vec3(e.dxf.get("elevation", (0, 0, 0))).z)
        loops: list[tuple[tuple[float, float, float], ...]] = []
        for path in e.paths:
            if isinstance(path, PolylinePath):
                pts = [(float(x), float(y), float(b)) for x, y, b in path.vertices]
                if len(pts) >= 2 and pts[0][:2] == pts[-1][:2]:
                    pts = pts[:-1]
            elif isinstance(path, EdgePath):
                pts = self._edge_loop(path, h)
            else:
                continue
            if len(pts) >= 2:
                loops.append(transform_bulged(pts, True, planar, z))
        if not loops:
            return
        for loop in loops:
            self._grow(loop)
        self.layers.add(layer)
        self.hatches.append(HatchBoundary(tuple(loops), layer, h, bp))

    def _edge_loop(self, path: EdgePath, handle: str) -> list[tuple[float, float, float]]:
        """Chain edge segments into one ring, keeping arc edges as exact bulges."""
        segments = [seg for edge in path.edges if (seg := _edge_segment(edge))]
        if not segments:
            return []
        loop = list(segments[0])
        size = max((abs(c) for seg in segments for p in seg for c in p[:2]), default=1.0)
        tol = max(1e-6, 1e-9 * size)

        def close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
            return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol

        gaps = 0
        for seg in segments[1:]:
            if close(loop[-1], seg[0]):
                loop[-1] = (loop[-1][0], loop[-1][1], seg[0][2])
                loop.extend(seg[1:])
            elif close(loop[-1], seg[-1]):
                rev = _reverse_segment(seg)
                loop[-1] = (loop[-1][0], loop[-1][1], rev[0][2])
                loop.extend(rev[1:])
            elif close(loop[0], seg[-1]):
                loop = list(seg[:-1]) + loop
            elif close(loop[0], seg[0]):
                loop = list(_reverse_segment(seg)[:-1]) + loop
            else:
                gaps += 1
                loop.extend(seg)
        if len(loop) > 1 and close(loop[0], loop[-1]):
            loop.pop()
        if gaps:
            self._hatch_gaps += 1
            self._hatch_gap_example = self._hatch_gap_example or handle
        return loop

    # -- texts

    def _text(
        self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str, source: str
    ) -> None:
        raw = str(e.dxf.get("text", ""))
        text = clean_text(e.plain_text() if hasattr(e, "plain_text") else raw)
        if not text:
            return
        align = e.dxf.align_point if e.dxf.hasattr("align_point") else None
        self._text_values(
            raw,
            text,
            e.dxf.get("halign", 0),
            e.dxf.get("valign", 0),
            e.dxf.get("insert", (0, 0, 0)),
            align,
            e.dxf.get("height", 0.0),
            self._ocs_planar(e, m),
            bp,
            layer,
            h,
            source,
        )

    def _text_values(
        self,
        raw: str,
        text: str,
        halign: Any,
        valign: Any,
        insert_point: Any,
        align_point: Any,
        height: Any,
        planar: Planar,
        bp: tuple[str, ...],
        layer: str,
        h: str,
        source: str,
    ) -> None:
        """``_text`` from values; ``text`` is the cleaned, non-empty text."""
        halign = int(halign or 0)
        valign = int(valign or 0)
        insert = Vec3(insert_point)
        if (halign or valign) and align_point is not None:
            align = Vec3(align_point)
            anchor = insert.lerp(align) if _between_points(halign, valign) else align
        else:
            anchor = insert
        if planar.degenerate:
            return
        x, y = planar.point(anchor.x, anchor.y, anchor.z)
        height = float(height or 0.0) * planar.scale
        self._add_label(text, x, y, layer, h, height, source, raw, bp)

    def _mtext(self, e: Any, m: Matrix44 | None, bp: tuple[str, ...], layer: str, h: str) -> None:
        raw = e.text
        plain = e.plain_text(split=False)
        insert = e.dxf.get("insert", (0, 0, 0))
        self._mtext_values(raw, plain, insert, e.dxf.get("char_height", 0.0), m, bp, layer, h)

    def _mtext_values(
        self,
        raw: str,
        plain: str,
        insert_point: Any,
        char_height: Any,
        m: Matrix44 | None,
        bp: tuple[str, ...],
        layer: str,
        h: str,
    ) -> None:
        text = clean_text(plain)
        if not text:
            return
        p = Vec3(insert_point)
        planar = _FLAT if m is None else Planar(m)
        x, y = planar.point(p.x, p.y, p.z)
        height = float(char_height or 0.0) * planar.scale
        self._add_label(text, x, y, layer, h, height, "MTEXT", raw, bp)

    def _add_label(
        self,
        text: str,
        x: float,
        y: float,
        layer: str,
        handle: str,
        height: float,
        source: str,
        raw: str,
        bp: tuple[str, ...],
    ) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self._grown.append(((x, y, 0.0),))  # _grow, a call less per label
        self.layers.add(layer)
        self.labels.append(
            Label(text, x, y, layer, handle, height, source, raw if raw != text else None, bp)
        )

    # -- bookkeeping

    def _grow(self, verts: tuple[tuple[float, ...], ...]) -> None:
        """Remember vertices for the extent, computed once at the end (``extent``)."""
        self._grown.append(verts)

    def extent(self) -> tuple[float, float, float, float] | None:
        """Bounding box of every finite vertex met, in the order met: of equal values the first
        is kept, as the comparisons of a running box would (only a zero can differ: -0.0)."""
        if self._every_vertex is not None:
            # the same points by kind, not in the order met: enough unless a zero's sign is
            # open (a box edge at zero with both 0.0 and -0.0 on it)
            xs, ys = self._every_vertex
            box = _box(xs, ys)
            columns = (xs, ys, xs, ys)
            if box is None or not any(
                v == 0.0 and _both_zeros(c) for v, c in zip(box, columns, strict=True)
            ):
                return box
        return _box(*_finite_xy(list(chain.from_iterable(self._grown))))

    def ring_areas(self) -> list[float]:
        """Chord areas of closed rings (outlines and hatch outer loops), for unit plausibility."""
        areas = []
        for o in self.outlines:
            areas.append(_shoelace(o.vertices))
        for hb in self.hatches:
            areas.append(max(_shoelace(loop) for loop in hb.loops))
        return [a for a in areas if a > 0]

    def sample_points(self) -> Any:
        """A bounded sample of vertex positions, for a robust extent (stray points ignored): an
        (n, 2) array of outline, hatch, line and label positions, in that order."""
        import numpy as np

        vertices = attrgetter("vertices")
        outlines = list(chain.from_iterable(map(vertices, self.outlines)))
        hatches = list(
            chain.from_iterable(chain.from_iterable(map(attrgetter("loops"), self.hatches)))
        )
        lines = np.array(self._line_xy, dtype=float).reshape(-1, 2)
        total = len(outlines) + len(lines)
        stride = max(1, total // 200_000)
        columns = [
            _finite_xy(outlines[::stride]),
            _finite_xy(hatches[::stride]),
            _finite_columns(lines[::stride, 0], lines[::stride, 1]),
        ]
        labels = self.labels[::stride]
        columns.append(
            _finite_columns(
                np.fromiter(map(attrgetter("x"), labels), float, len(labels)),
                np.fromiter(map(attrgetter("y"), labels), float, len(labels)),
            )
        )
        xs = np.concatenate([xs for xs, _ in columns])
        ys = np.concatenate([ys for _, ys in columns])
        if stride == 1:
            unkept = _finite_xy(self._unkept)
            self._every_vertex = (np.concatenate((xs, unkept[0])), np.concatenate((ys, unkept[1])))
        return np.column_stack((xs, ys))

    def finish(self) -> None:
        for dxftype, count in sorted(self._skipped.items()):
            self.report.warning(
                DxfCode.ENTITY_SKIPPED,
                f"{count} 个 {dxftype} 图元数据有误，已跳过"
                f"（例：{self._skipped_example[dxftype]}）。",
            )
        if self._hatch_gaps:
            self.report.warning(
                DxfCode.HATCH_GAP,
                f"{self._hatch_gaps} 个填充（HATCH）的边界边首尾不相连，已用直线连接缺口。",
                self._hatch_gap_example,
            )
        for prim in (*self.outlines, *self.hatches):
            self._handles[prim.handle] += 1
        dup = [h for h, n in self._handles.items() if n > 1]
        if dup:
            self.report.warning(
                DxfCode.DUPLICATE_HANDLES,
                f"{len(dup)} 个图元句柄重复（例：{dup[0]}），按句柄对应房间时可能混淆。",
                dup[0],
            )


def _finite_xy(points: list[Any]) -> tuple[Any, Any]:
    """The x and the y values (float arrays) of the points whose x and y are both finite, in
    order."""
    import numpy as np

    count = len(points)
    return _finite_columns(
        np.fromiter(map(_X, points), float, count), np.fromiter(map(_Y, points), float, count)
    )


def _finite_columns(xs: Any, ys: Any) -> tuple[Any, Any]:
    import numpy as np

    finite = np.isfinite(xs) & np.isfinite(ys)
    if finite.all():
        return xs, ys
    return xs[finite], ys[finite]


def _first_of(values: Any, value: Any) -> float:
    """``value`` as the first element of ``values`` equal to it (min() and max() of a list keep
    the first of equal values; for a zero that decides the sign)."""
    if value == 0.0:
        return float(values[(values == 0.0).argmax()])
    return float(value)


def _box(xs: Any, ys: Any) -> tuple[float, float, float, float] | None:
    if not len(xs):
        return None
    return (
        _first_of(xs, xs.min()),
        _first_of(ys, ys.min()),
        _first_of(xs, xs.max()),
        _first_of(ys, ys.max()),
    )


def _both_zeros(values: Any) -> bool:
    """True when ``values`` holds 0.0 and -0.0."""
    import numpy as np

    signs = np.signbit(values[values == 0.0])
    return bool(signs.any() and not signs.all())


_X = itemgetter(0)
_Y = itemgetter(1)
_XY = itemgetter(0, 1)


def _shoelace(vertices: tuple[tuple[float, float, float], ...]) -> float:
    if len(vertices) < 3:
        if len(vertices) == 2 and vertices[0][2] == 1.0 and vertices[1][2] == 1.0:
            r = math.dist(vertices[0][:2], vertices[1][:2]) / 2.0
            return math.pi * r * r
        return 0.0
    x0, y0 = vertices[0][0], vertices[0][1]
    # each vertex relative to the first, paired with the next (the last with the first again)
    x1, y1 = x0 - x0, y0 - y0
    total = 0.0
    for vertex in vertices[1:]:
        x2, y2 = vertex[0] - x0, vertex[1] - y0
        total += x1 * y2 - x2 * y1
        x1, y1 = x2, y2
    total += x1 * (y0 - y0) - (x0 - x0) * y1
    return abs(total) / 2.0


def _placements(insert: Insert, rows: int, cols: int) -> Iterator[Insert]:
    if rows == 1 and cols == 1:
        yield insert
    else:
        yield from insert.multi_insert()


def _insert_matrix(insert: Insert, base: Vec3) -> tuple[Matrix44, Planar]:
    """Block coordinates -> parent coordinates, with the block base point taken from *our* block
    table (streamed INSERTs are not bound to a document, so ezdxf cannot look it up)."""
    dxf = insert.dxf
    return _insert_transform(
        OCS(dxf.get("extrusion", _Z)),
        float(dxf.get("xscale", 1.0)),
        float(dxf.get("yscale", 1.0)),
        float(dxf.get("zscale", 1.0)),
        float(dxf.get("rotation", 0.0)),
        dxf.get("insert", (0, 0, 0)),
        base,
    )


_LINEAR_PARTS: dict[tuple[Any, ...], tuple[Matrix44, Vec3, Planar]] = {}


def _insert_transform(
    ocs: OCS, sx: float, sy: float, sz: float, rotation: float, insert_point: Any, base: Vec3
) -> tuple[Matrix44, Planar]:
    """The INSERT matrix and its planar classification. Scale, rotation and extrusion repeat
    across thousands of INSERTs, so that part (and the classification, which depends on it
    only) is computed once; each INSERT adds its own origin row, with the same arithmetic."""
    m, shift, planar = _linear_part(ocs, sx, sy, sz, rotation, base)
    origin = ocs.to_wcs(Vec3(insert_point)) - shift
    full = m.copy()
    full.set_row(3, origin.xyz)
    return full, planar.moved(full)


def _linear_part(
    ocs: OCS, sx: float, sy: float, sz: float, rotation: float, base: Vec3
) -> tuple[Matrix44, Vec3, Planar]:
    """(matrix without translation, the base point through it, its classification)."""
    extrusion = ocs.uz
    key = (sx, sy, sz, rotation, extrusion, base)
    linear = _LINEAR_PARTS.get(key)
    if linear is None:
        ux = Vec3(ocs.to_wcs((1, 0, 0)))
        uy = Vec3(ocs.to_wcs((0, 1, 0)))
        m = Matrix44.ucs(ux=ux * sx, uy=uy * sy, uz=extrusion * sz)
        angle = math.radians(rotation)
        if angle:
            m @= Matrix44.axis_rotate(extrusion, angle)
        linear = (m, m.transform_direction(base), Planar(m))
        if len(_LINEAR_PARTS) >= 4096:
            _LINEAR_PARTS.clear()
        _LINEAR_PARTS[key] = linear
    return linear


def _arc_points(
    c: Vec3, r: float, start: float, end: float
) -> list[tuple[float, float, float]] | None:
    """An ARC as one or two bulged segments in its own plane; None when start == end (AutoCAD
    draws a full circle)."""
    a0 = math.radians(start)
    sweep = math.radians((end - start) % 360.0)
    if sweep == 0.0:
        return None
    steps = 1 if sweep <= math.pi else 2
    pts = []
    for i in range(steps + 1):
        a = a0 + sweep * i / steps
        bulge = math.tan(sweep / steps / 4.0) if i < steps else 0.0
        pts.append((c.x + r * math.cos(a), c.y + r * math.sin(a), bulge))
    return pts


def _ezdxf_matrix(m: Matrix44) -> Any:
    """``m`` as ezdxf's Matrix44 (the same 16 floats), for ezdxf's construction tools."""
    from ezdxf.math import Matrix44 as EzdxfMatrix44

    return EzdxfMatrix44(list(m))


def _between_points(halign: int, valign: int) -> bool:
    """Whether a justified TEXT is anchored at the middle of its two points: ALIGNED (3) and
    FIT (5) stretch it between them; any other justification is at the alignment point."""
    return halign in (3, 5) and valign == 0


_OP_SLOW, _OP_NONE, _OP_LINE, _OP_POLY, _OP_CIRCLE = range(5)
_PLACE_OPEN, _PLACE_RING, _PLACE_POLY = range(3)
"""What placing a prepared step makes: line work, an outline, or what ``_add_verts`` decides."""


def _placed_step(
    made: int,
    layer: str | None,
    own: str,
    points: tuple[tuple[float, float, float], ...],
    source: str,
) -> tuple[Any, ...]:
    pair = (*points[0], *points[1]) if len(points) == 2 else None  # unpacked once, not per place
    return (made, layer, own, points, source, pair)


_FLAT = Planar(None)
_WCS = OCS()
_Z = Vec3(0, 0, 1)


def _poly_op(
    layer: str | None,
    own: str,
    points: list[tuple[float, float, float]],
    closed: bool,
    z: float,
    source: str,
) -> tuple[Any, ...]:
    vectors = [Vec3(x, y, z) for x, y, _ in points]
    bulges = [b for _, _, b in points]
    return (_OP_POLY, layer, own, points, closed, vectors, bulges, z, source)


def _template_op(child: Any, clean_layer: Callable[[str], str]) -> tuple[Any, ...]:
    """One block child as a step of the block template: its values in block coordinates
    (``_OP_SLOW`` when ``_visit`` must see the entity itself: other types, an extrusion, no
    handle, or values that do not read)."""
    try:
        dxf = child.dxf
        if dxf.get("invisible", 0):
            return (_OP_NONE,)
        own = dxf.get("handle")
        if not own:
            return (_OP_SLOW, child)  # a synthetic handle is numbered when visited
        dxftype = child.dxftype()
        raw = str(dxf.get("layer", "0") or "0")
        layer = None if raw == "0" else clean_layer(raw)
        own = str(own)
        if dxftype == "LINE":
            return (_OP_LINE, layer, own, Vec3(dxf.start), Vec3(dxf.end), dxftype)
        if dxftype not in ("LWPOLYLINE", "ARC", "CIRCLE"):
            return (_OP_SLOW, child)
        if not Vec3(dxf.get("extrusion", (0, 0, 1))).isclose(_Z):
            return (_OP_SLOW, child)
        if dxftype == "LWPOLYLINE":
            points = [(float(x), float(y), float(b)) for x, y, b in child.get_points("xyb")]
            z = float(dxf.get("elevation", 0.0))
            return _poly_op(layer, own, points, bool(child.closed), z, dxftype)
        c = Vec3(dxf.center)
        r = float(dxf.radius)
        if dxftype == "CIRCLE":
            return (_OP_CIRCLE, layer, own, c, r, dxftype)
        if r <= 0:
            return (_OP_NONE,)
        pts = _arc_points(c, r, float(dxf.start_angle), float(dxf.end_angle))
        if pts is None:
            return (_OP_SLOW, child)
        return _poly_op(layer, own, pts, False, c.z, dxftype)
    except Exception:  # noqa: BLE001 - _visit meets the same problem and reports it
        return (_OP_SLOW, child)


def _edge_segment(edge: Any) -> tuple[tuple[float, float, float], ...] | None:
    """One boundary edge as (x, y, bulge) points, in the direction the loop runs."""
    from ezdxf.entities.boundary_paths import ArcEdge
    from ezdxf.entities.boundary_paths import EllipseEdge
    from ezdxf.entities.boundary_paths import LineEdge
    from ezdxf.entities.boundary_paths import SplineEdge
    from ezdxf.math import fit_points_to_cad_cv

    if isinstance(edge, LineEdge):
        return ((edge.start[0], edge.start[1], 0.0), (edge.end[0], edge.end[1], 0.0))
    if isinstance(edge, ArcEdge):
        if edge.radius <= 0:
            return None
        start, end = float(edge.start_angle), float(edge.end_angle)
        sweep = (end - start) % 360.0 or 360.0
        steps = 1 if sweep <= 180.0 else 2
        cx, cy = edge.center[0], edge.center[1]
        pts = []
        for i in range(steps + 1):
            a = math.radians(start + sweep * i / steps)
            bulge = math.tan(math.radians(sweep / steps) / 4.0) if i < steps else 0.0
            pts.append((cx + edge.radius * math.cos(a), cy + edge.radius * math.sin(a), bulge))
        seg = tuple(pts)
        # Loading made clockwise arcs counter-clockwise (ezdxf ArcEdge.load_tags): undo that.
        return seg if edge.ccw else _reverse_segment(seg)
    if isinstance(edge, EllipseEdge):
        tool = edge.construction_tool()
        if tool.major_axis.is_null:
            return None
        seg = tuple((v.x, v.y, 0.0) for v in tool.vertices(tool.params(_FLATTEN_STEPS + 1)))
        return seg if edge.ccw else _reverse_segment(seg)
    if isinstance(edge, SplineEdge):
        if edge.control_points:
            spline = edge.construction_tool()
        elif edge.fit_points:
            spline = fit_points_to_cad_cv([Vec3(p[0], p[1], 0) for p in edge.fit_points])
        else:
            return None
        ctrl = [Vec3(p) for p in spline.control_points]
        size = max((p - ctrl[0]).magnitude for p in ctrl) if ctrl else 0.0
        return tuple((v.x, v.y, 0.0) for v in spline.flattening(max(size * 1e-4, 1e-9)))
    return None


def _reverse_segment(
    seg: tuple[tuple[float, float, float], ...] | list[tuple[float, float, float]],
) -> tuple[tuple[float, float, float], ...]:
    """Same curve walked backwards: bulges move to the other end of their segment and flip."""
    n = len(seg)
    out = []
    for i in range(n - 1, -1, -1):
        bulge = -seg[i - 1][2] if i > 0 else 0.0
        out.append((seg[i][0], seg[i][1], bulge))
    return tuple(out)
