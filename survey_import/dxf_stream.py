"""Stream the model space of a big ASCII DXF instead of loading the whole document.

ezdxf keeps every entity of a document in memory (about 16x the file size; a 200 MB drawing
needs ~5 GB, ezdxf issue 19). Rooms only need the model-space entities one at a time plus the
block definitions INSERTs refer to. So the file is split: everything except the ENTITIES section
(header, tables, blocks, objects: small) is loaded as a normal ezdxf document, and the ENTITIES
section is read in 1 MB chunks of group codes and values, one entity at a time, and dropped once
converted to primitives. Entities whose tag layout ``dxf_fast`` has a plan for go straight to the
extractor; the others become light (``dxf_lite``) or ezdxf entities as before.

The rest of the file is read by ezdxf only when something in it needs ezdxf: a plain skeleton
(an R2000+ file whose blocks hold only entities ``dxf_lite`` reads, no GEODATA) becomes a
:class:`LightDocument`, so that a drawing of plain entities is read without importing ezdxf
(~0.1 s). The checks before are ezdxf's own loading checks (tag values, coordinates, section
structure); anything else unusual leaves the skeleton to ezdxf as before.
"""

from __future__ import annotations

import binascii
import codecs
import io
import logging
import mmap
import re
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from gis_app.report import ImportReport
from survey_import.dxf_fast import plan_for
from survey_import.dxf_geometry import Vec3
from survey_import.dxf_lite import LiteEntity
from survey_import.dxf_lite import drawable
from survey_import.dxf_lite import lite_entity
from survey_import.dxf_sniff import ASCII_CODECS
from survey_import.dxf_sniff import decodes_strictly

if TYPE_CHECKING:
    from ezdxf.entities import DXFGraphic

__all__ = ["LightDocument", "load_streamed"]

LOGGER = logging.getLogger(__name__)

_SECTION = re.compile(
    rb"(?m)^[ \t]*0[ \t]*\r?\nSECTION[ \t]*\r?\n[ \t]*2[ \t]*\r?\n([A-Z]+)[ \t]*\r?\n"
)
_EOF = re.compile(rb"(?m)^[ \t]*0[ \t]*\r?\nEOF[ \t]*\r?$")

EntityStream = Callable[[Any], Iterator[tuple[float, Any]]]
"""(progress, light or ezdxf entity or None) in model-space order (see ``_entities``)."""


def load_streamed(
    path: Path,
    codec: str,
    header_prefix: str,
    report: ImportReport,
    undecodable: Callable[[], None] | None = None,
) -> tuple[Any, EntityStream] | None:
    """Return (document without model-space entities, entity stream), or None when the file's
    section structure is not clean enough to split (the caller then loads it as a whole).

    With ``undecodable``, the reader notes whether every byte of the file decodes in ``codec``
    (an ASCII-transparent one: then the parts cut at line ends decode as the whole file would)
    and calls it at the end of the stream when one does not."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        sections = _sections(mm)
        entities = [s for s in sections if s[0] == "ENTITIES"]
        if len(entities) != 1:
            LOGGER.debug("cannot stream %s: %d ENTITIES sections", path, len(entities))
            return None
        _, ent_start, content_start = entities[0]
        later = [s[1] for s in sections if s[1] > ent_start]
        if later:
            content_end = later[0]
        else:  # the EOF is looked for only here: the search reads the whole section again
            eof = _eof(mm, content_start)
            content_end = eof.start() if eof else len(mm)
        skeleton = bytearray()
        skeleton += header_prefix.encode("ascii")
        skeleton += mm[:content_start]
        skeleton += b"  0\nENDSEC\n"
        skeleton += mm[content_end:]
    strict = None if undecodable is None else _Strict()
    text = _decode(bytes(skeleton), codec, strict)
    del skeleton
    doc: Any = None if header_prefix else light_document(text)
    if doc is None:
        import ezdxf

        try:
            doc = ezdxf.read(io.StringIO(text, newline=None))
        except Exception:  # noqa: BLE001 - the whole-file path (with recover mode) takes over
            LOGGER.debug("skeleton of %s did not load; reading the whole file", path, exc_info=True)
            return None
    del text

    def stream(sink: Any) -> Iterator[tuple[float, Any]]:
        yield from _entities(path, codec, content_start, content_end, report, sink, strict)
        if undecodable is not None and strict is not None and not strict.clean:
            undecodable()

    return doc, stream


class _Strict:
    """Whether every byte decoded so far decoded without an error."""

    __slots__ = ("clean",)

    def __init__(self) -> None:
        self.clean = True


def _decode(data: bytes, codec: str, strict: _Strict | None) -> str:
    """``data`` decoded with replacement characters where it must, noted in ``strict``."""
    if strict is not None and strict.clean:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            strict.clean = False
    return data.decode(codec, errors="replace")


class LightDocument:
    """What the reader needs of a plain skeleton: its DXF version and its block definitions
    (base point, light entities), looked up case-insensitively like ezdxf's block table."""

    def __init__(self, dxfversion: str, blocks: dict[str, tuple[Vec3, list[LiteEntity]]]) -> None:
        self.dxfversion = dxfversion
        self._blocks = blocks

    def block(self, name: str) -> tuple[Vec3, list[LiteEntity]] | None:
        return self._blocks.get(name.lower())


def light_document(text: str) -> LightDocument | None:
    """The skeleton ``text`` as a :class:`LightDocument`, or None when ezdxf must load it (it
    may then still fail, as before)."""
    if "GEODATA" in text or "GEOGRAPHICDATA" in text:
        return None  # the georeference is read from ezdxf's objects
    tags = _skeleton_tags(text)
    if tags is None:
        return None
    sections = _skeleton_sections(tags)
    if sections is None or sections.get("ENTITIES") != [] or "BLOCKS" not in sections:
        return None
    if not _header_loads(sections.get("HEADER", [])) or not _entities_load(sections):
        return None
    version = _header_version(sections.get("HEADER", []))
    if version not in _R2000_PLUS:
        return None
    records = _block_records(sections.get("TABLES", []))
    blocks = _light_blocks(sections["BLOCKS"])
    if records is None or blocks is None or set(blocks) != records:
        return None
    ds_data = sections.get("ACDSDATA", [])
    head = next((i for i, (code, _) in enumerate(ds_data) if code == 0), len(ds_data))
    records_data = _entities_of(ds_data[head:])  # the tags before go with the section's name
    if records_data is None or any(e[0][1] == "ACDSRECORD" and len(e) < 2 for e in records_data):
        return None  # ezdxf reads a record's first two tags
    return LightDocument(version, blocks)


_R2000_PLUS = frozenset(("AC1015", "AC1018", "AC1021", "AC1024", "AC1027", "AC1032"))
_LIGHT_SECTIONS = frozenset(
    ("HEADER", "CLASSES", "TABLES", "BLOCKS", "ENTITIES", "OBJECTS", "THUMBNAILIMAGE", "ACDSDATA")
)

# ezdxf's tag types (ezdxf.lldxf.types): coordinates, binary data, integers and floats
_POINT_CODES = frozenset((*range(10, 19), 110, 111, 112, *range(210, 214), *range(1010, 1014)))
_BINARY_CODES = frozenset((*range(310, 320), 1004))
_INT_CODES = frozenset(
    code
    for start, stop in (
        (60, 80),
        (90, 100),
        (160, 180),
        (270, 300),
        (370, 390),
        (400, 410),
        (420, 430),
        (440, 460),
        (1060, 1072),
    )
    for code in range(start, stop)
)
_FLOAT_CODES = frozenset(
    code
    for start, stop in ((10, 60), (110, 150), (210, 240), (460, 470), (1010, 1060))
    for code in range(start, stop)
)


def _skeleton_tags(text: str) -> list[tuple[int, str]] | None:
    """(code, value) up to the first EOF, as ezdxf's loader and tag compiler see them (code-0
    values stripped, comments dropped), or None where they would raise or where the lines
    do not end in a clean EOF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tags: list[tuple[int, str]] = []
    try:
        for i in range(0, len(lines) - 1, 2):
            code = int(lines[i])
            value = lines[i + 1]
            if code == 0:
                value = value.strip()
                if lines[i + 1] == "EOF":
                    tags.append((0, "EOF"))
                    break
            if code != 999:
                tags.append((code, value))
        else:
            return None  # no EOF
    except ValueError:
        return None
    return tags if _values_load(tags) else None


def _values_load(tags: list[tuple[int, str]]) -> bool:
    """True when ezdxf's tag compiler converts every value: an x coordinate followed by its y
    (and maybe z), numbers that parse (integers also written as floats), hex binary data."""
    count = len(tags)
    i = 0
    try:
        while i < count:
            code, value = tags[i]
            i += 1
            if code in _POINT_CODES:
                if i >= count or tags[i][0] != code + 10:
                    return False
                float(value)
                float(tags[i][1])
                i += 1
                if i < count and tags[i][0] == code + 20:
                    float(tags[i][1])
                    i += 1
            elif code in _FLOAT_CODES:
                float(value)
            elif code in _INT_CODES:
                try:
                    int(value)
                except ValueError:
                    int(float(value))
            elif code in _BINARY_CODES:
                binascii.unhexlify(value)
    except (ValueError, OverflowError):
        return False
    return True


def _skeleton_sections(tags: list[tuple[int, str]]) -> dict[str, list[tuple[int, str]]] | None:
    """Section name -> the tags between its name and its ENDSEC, when the tags are nothing
    but sections (each named once, from the known ones) and the EOF."""
    sections: dict[str, list[tuple[int, str]]] = {}
    i = 0
    end = len(tags) - 1  # the EOF
    while i < end:
        if tags[i] != (0, "SECTION") or tags[i + 1][0] != 2:
            return None
        name = tags[i + 1][1]
        try:
            close = tags.index((0, "ENDSEC"), i + 2)
        except ValueError:
            return None
        body = tags[i + 2 : close]
        if name not in _LIGHT_SECTIONS or name in sections or (0, "SECTION") in body:
            return None
        sections[name] = body
        i = close + 1
    return sections


def _header_loads(header: list[tuple[int, str]]) -> bool:
    """True when ezdxf's header validator accepts the variables: each a ``9 $NAME`` tag and one
    value (a point, x y [z], is one value)."""
    count = len(header)
    i = 0
    while i < count:
        code, name = header[i]
        if code != 9 or not name.startswith("$") or i + 1 >= count or header[i + 1][0] in (0, 9):
            return False  # ezdxf groups the tags by code 9 (0 would end the section's entity)
        code = header[i + 1][0]
        i += 2
        if code in _POINT_CODES:
            i += 1  # its y (checked by _values_load)
            if i < count and header[i][0] == code + 20:
                i += 1
    return True


def _entities_load(sections: dict[str, list[tuple[int, str]]]) -> bool:
    """True when the entities of the sections ezdxf loads pass the checks its loading makes
    before any content is read: handles it can store (hexadecimal, not 0), application data
    groups (102 {NAME) that are closed (102 } or NAME}), known tables whose entries have a
    name."""
    for name in ("CLASSES", "TABLES", "BLOCKS", "OBJECTS"):
        entities = _entities_of(sections.get(name, []))
        if entities is None:
            return False
        for entity in entities:
            for i, (code, value) in enumerate(entity):
                if code in (5, 105) and not _storable_handle(value):
                    return False
                if code == 102 and value.startswith("{"):
                    closing = ("}", value[1:] + "}")
                    if not any(c == 102 and v in closing for c, v in entity[i + 1 :]):
                        return False
            if name == "TABLES" and entity[0][1] not in ("TABLE", "ENDTAB"):
                if not any(code == 2 for code, _ in entity):
                    return False
            if name == "TABLES" and entity[0][1] == "TABLE":
                if not any(code == 2 and value in _TABLES for code, value in entity):
                    return False
    return True


def _storable_handle(value: str) -> bool:
    if value == "0":
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


_TABLES = frozenset(
    ("LAYER", "LTYPE", "APPID", "DIMSTYLE", "STYLE", "UCS", "VIEW", "VPORT", "BLOCK_RECORD")
)


def _header_version(header: list[tuple[int, str]]) -> str | None:
    for i, (code, value) in enumerate(header[:-1]):
        if code == 9 and value == "$ACADVER":
            return header[i + 1][1] if header[i + 1][0] == 1 else None
    return None


def _entities_of(body: list[tuple[int, str]]) -> list[list[tuple[int, str]]] | None:
    """The tags of a section split into entities (each from its code-0 tag)."""
    if body and body[0][0] != 0:
        return None
    entities: list[list[tuple[int, str]]] = []
    for tag in body:
        if tag[0] == 0:
            entities.append([tag])
        else:
            entities[-1].append(tag)
    return entities


def _block_records(body: list[tuple[int, str]]) -> set[str] | None:
    """Lower-case names of the BLOCK_RECORD table, when every table is TABLE ... ENDTAB and the
    names are unique."""
    entities = _entities_of(body)
    if entities is None:
        return None
    names: list[str] = []
    table: str | None = None
    for entity in entities:
        kind = entity[0][1]
        if kind == "TABLE":
            if table is not None or len(entity) < 2 or entity[1][0] != 2:
                return None
            table = entity[1][1]
        elif kind == "ENDTAB":
            if table is None:
                return None
            table = None
        elif table is None:
            return None
        elif table == "BLOCK_RECORD":
            found = [value for code, value in entity if code == 2]
            if kind != "BLOCK_RECORD" or len(found) != 1 or not found[0]:
                return None
            names.append(found[0].lower())
    unique = set(names)
    if table is not None or len(unique) != len(names):
        return None
    return unique


def _light_blocks(
    body: list[tuple[int, str]],
) -> dict[str, tuple[Vec3, list[LiteEntity]]] | None:
    """Lower-case name -> (base point, entities) of every BLOCK ... ENDBLK, when every entity
    in them is a light one with a handle (ezdxf numbers entities without one)."""
    entities = _entities_of(body)
    if entities is None:
        return None
    blocks: dict[str, tuple[Vec3, list[LiteEntity]]] = {}
    content: list[LiteEntity] | None = None
    for entity in entities:
        kind = entity[0][1]
        if kind == "BLOCK":
            if content is not None or not _as_ezdxf_reads(entity):
                return None
            names = [value for code, value in entity if code == 2]
            base = [i for i, (code, _) in enumerate(entity) if code == 10]
            if len(names) != 1 or not names[0] or len(base) > 1:
                return None
            key = names[0].lower()
            if key in blocks:
                return None
            point = Vec3()
            if base:
                i = base[0]
                z = entity[i + 2][1] if i + 2 < len(entity) and entity[i + 2][0] == 30 else 0.0
                point = Vec3(float(entity[i][1]), float(entity[i + 1][1]), float(z))
            content = []
            blocks[key] = (point, content)
        elif kind == "ENDBLK":
            if content is None:
                return None
            content = None
        else:
            light = lite_entity(entity) if content is not None and _as_ezdxf_reads(entity) else None
            if light is None or not light.dxf.get("handle"):
                return None
            content.append(light)  # type: ignore[union-attr]
    return blocks if content is None else None


def _as_ezdxf_reads(entity: list[tuple[int, str]]) -> bool:
    """True when the entity has the subclasses ezdxf loads a block entity (or a BLOCK) by
    (AcDbEntity, then its type's), with every value ``dxf_lite`` (or ``_light_blocks``) reads
    in the subclass ezdxf reads it from (the handle before them, the layer in AcDbEntity):
    those read tags whatever their subclass, ezdxf ignores a value in the wrong one."""
    subclasses = _SUBCLASSES.get(entity[0][1])
    if subclasses is None:
        return False
    read = _READ[entity[0][1]]
    allowed: frozenset[int] = frozenset((5, 102))
    markers = 0
    for code, value in entity[1:]:
        if code >= 1000:
            break
        if code == 100:
            if markers >= len(subclasses) or value != subclasses[markers][0]:
                return False
            allowed = subclasses[markers][1]
            markers += 1
        elif code in read and code not in allowed:
            return False
    return markers == len(subclasses)


_EXTRUSION = (210, 220, 230)
_SUBCLASSES: dict[str, tuple[tuple[str, frozenset[int]], ...]] = {
    dxftype: (("AcDbEntity", frozenset((8, 60, 67))), *((n, frozenset(c)) for n, c in parts))
    for dxftype, parts in {
        "LINE": (("AcDbLine", (10, 20, 30, 11, 21, 31, *_EXTRUSION)),),
        "CIRCLE": (("AcDbCircle", (10, 20, 30, 40, *_EXTRUSION)),),
        "ARC": (("AcDbCircle", (10, 20, 30, 40, *_EXTRUSION)), ("AcDbArc", (50, 51))),
        "LWPOLYLINE": (("AcDbPolyline", (10, 20, 38, 40, 41, 42, 70, 91, *_EXTRUSION)),),
        "TEXT": (
            ("AcDbText", (1, 10, 20, 30, 11, 21, 31, 40, 72, *_EXTRUSION)),
            ("AcDbText", (73,)),
        ),
        "MTEXT": (("AcDbMText", (1, 3, 10, 20, 30, 40, *_EXTRUSION)),),
        "INSERT": (
            ("AcDbBlockReference", (2, 10, 20, 30, 41, 42, 43, 50, 66, 70, 71, *_EXTRUSION)),
        ),
        "BLOCK": (("AcDbBlockBegin", (2, 10, 20, 30)),),  # its name and base point
    }.items()
}
"""The subclasses ezdxf loads each light type (and BLOCK) by, with the codes read in each."""
_READ = {
    dxftype: frozenset((5, 102)).union(*(codes for _, codes in parts))
    for dxftype, parts in _SUBCLASSES.items()
}


def _sections(mm: mmap.mmap) -> list[tuple[str, int, int]]:
    """(name, start, content start) of every ``0 SECTION / 2 NAME`` header: the same matches
    as scanning with ``_SECTION``, found from the literal ``SECTION`` lines (a multi-line
    pattern scanned over a big file costs a quarter of a second)."""
    found = []
    pos = mm.find(b"\nSECTION")
    while pos >= 0:
        line_start = mm.rfind(b"\n", 0, pos) + 1
        match = _SECTION.match(mm, line_start)
        if match is not None:
            found.append((match.group(1).decode("ascii"), match.start(), match.end()))
        pos = mm.find(b"\nSECTION", pos + 1)
    return found


def _eof(mm: mmap.mmap, start: int) -> re.Match[bytes] | None:
    """The first ``0 EOF`` at or after ``start``, as ``_EOF.search`` finds it."""
    pos = mm.find(b"\nEOF", start)
    while pos >= 0:
        line_start = max(mm.rfind(b"\n", 0, pos) + 1, start)
        match = _EOF.match(mm, line_start)
        if match is not None:
            return match
        pos = mm.find(b"\nEOF", pos + 1)
    return None


def _entities(
    path: Path,
    codec: str,
    start: int,
    end: int,
    report: ImportReport,
    sink: Any,
    strict: _Strict | None,
) -> Iterator[tuple[float, Any]]:
    """Model-space entities in file order: those with a ``dxf_fast`` plan go straight to
    ``sink`` (the extractor), the others are yielded as light or ezdxf entities, and a None
    now and then reports progress. ``strict`` notes whether every byte up to ``end``
    decodes."""
    span = max(end - start, 1)
    link: Callable[[Any], bool] | None = None  # ezdxf's, from the first ezdxf entity on
    linking = False  # a POLYLINE or an INSERT with ATTRIBs waits for its VERTEX/ATTRIB/SEQEND
    queued: Any = None
    broken = 0
    stopped: str | None = None
    position = start
    done = 0.0
    plans: dict[tuple[str, tuple[int, ...]], Any] = {}  # by the type line as written
    try:
        for position, codes, values, starts in _raw_chunks(path, codec, start, end, strict):
            yield done, None  # progress only
            done = (position - start) / span
            if starts[0] > 0:
                starts = [0, *starts]
            layouts = tuple(codes)  # sliced per entity: one tuple each, not a list and a tuple
            for a, b in zip(starts, starts[1:], strict=False):
                if not linking and codes[a] == 0:
                    key = (values[a], layouts[a:b])
                    plan = plans.get(key, _UNSEEN)
                    if plan is _UNSEEN:
                        if len(plans) >= 4096:
                            plans.clear()
                        plan = plans[key] = plan_for(values[a].strip(), key[1])
                    if plan is not None:
                        if queued is not None:  # complete: nothing links to it any more
                            yield done, queued
                            queued = None
                        if plan(values, a, sink):
                            continue
                pairs = list(zip(codes[a:b], values[a:b], strict=True))
                if codes[a] == 0:
                    pairs[0] = (0, values[a].strip())
                if pairs[0][1] == "ENDSEC":
                    raise _EndOfSection
                entity = lite_entity(pairs)
                if entity is None:
                    entity = _load_entity(pairs)
                    if entity is None:
                        broken += 1
                        continue
                kind = entity.dxftype()
                # a light entity is never linked, nor links what follows; only inside a linked
                # structure does it make the linker raise
                if linking or not isinstance(entity, LiteEntity):
                    if link is None:
                        from ezdxf.entities.subentity import entity_linker

                        link = entity_linker()
                    if link(entity):
                        linking = kind != "SEQEND"
                        continue  # VERTEX/ATTRIB/SEQEND (linked to the entity before)
                    linking = kind == "POLYLINE" or (
                        kind == "INSERT" and bool(entity.dxf.get("attribs_follow", 0))
                    )
                    if not drawable(entity):  # an unknown type
                        broken += 1
                        continue
                if entity.dxf.get("paperspace", 0):
                    continue
                if queued is not None:
                    yield done, queued
                queued = entity
    except _EndOfSection:
        pass
    except Exception as exc:
        if not _structure_error(exc):
            raise
        LOGGER.debug("streaming stopped", exc_info=True)
        stopped = f"{exc} (byte {position})"
    if strict is not None and strict.clean and position < end:  # the bytes not read
        strict.clean = decodes_strictly(path, codec, position, end)
    yield 1.0, queued
    if broken:
        report.warning(
            "DXF_ENTITY_UNREADABLE",
            f"{broken} 个图元结构有误，已跳过 (unreadable entities skipped while streaming).",
        )
    if stopped:
        report.error(
            "DXF_STREAM_STOPPED",
            f"图元段在中途结构损坏，之后的图元未读取：{stopped}",
        )


_UNSEEN = object()


class _EndOfSection(Exception):
    """The ENDSEC tag of the streamed section."""


class StreamStructureError(Exception):
    """Tags that cannot be read on (ezdxf's loader raises its DXFStructureError for these)."""


def _structure_error(exc: Exception) -> bool:
    """True for a structure error of the tags: ours, or ezdxf's when ezdxf read an entity."""
    if isinstance(exc, StreamStructureError):
        return True
    const = sys.modules.get("ezdxf.lldxf.const")
    return const is not None and isinstance(exc, const.DXFStructureError)


def _load_entity(pairs: list[tuple[int, str]]) -> DXFGraphic | None:
    """An ezdxf entity from raw tags, for every type the lite reader does not cover.

    Raises DXFStructureError (like ezdxf's own loader) for broken coordinates."""
    from ezdxf.entities import factory
    from ezdxf.lldxf.extendedtags import ExtendedTags
    from ezdxf.lldxf.tagger import tag_compiler
    from ezdxf.lldxf.types import DXFTag

    try:
        tags = list(tag_compiler(iter([DXFTag(code, value) for code, value in pairs])))
    except OverflowError:  # an integer written as 1e400: this entity only
        LOGGER.debug("streamed entity %s skipped", pairs[0][1], exc_info=True)
        return None
    try:
        return factory.load(ExtendedTags(tags))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - one bad entity must not lose the drawing
        LOGGER.debug("streamed entity %s skipped", pairs[0][1], exc_info=True)
        return None


def _raw_chunks(
    path: Path, codec: str, start: int, end: int, strict: _Strict | None
) -> Iterator[tuple[int, list[int], list[str], list[int]]]:
    """(byte position, group codes, values, entity starts) chunk by chunk, ``start`` to ``end``.

    The file is read in chunks cut at line ends (a newline byte is never part of a multi-byte
    character in the codecs DXF uses); values lose their line end only, as in ezdxf's loader,
    and comments (999) are dropped like ezdxf does. The tags of the entity still open at the
    end of a chunk are carried into the next one: the entities are the tags from one start to
    the next (the last start ends the lists only in the final chunk). Tags before the first
    entity (a damaged section) come as a span from 0 to the first start, without code 0.
    ``strict`` notes a chunk that did not decode without an error.
    """
    carry_codes: list[int] = []
    carry_values: list[str] = []
    carry = b""
    position = start
    aligned = codecs.lookup(codec).name in ASCII_CODECS
    with path.open("rb") as raw:
        raw.seek(start)
        remaining = end - start
        while remaining > 0 or carry:
            block = raw.read(min(_CHUNK, remaining)) if remaining > 0 else b""
            remaining -= len(block)
            data = carry + block
            carry = b""
            if remaining > 0:
                # Cut after an even number of lines so that every chunk holds whole tags.
                cut = _tag_boundary(data)
                if cut == 0:
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            position += len(data)
            skip = len(carry_codes)
            tags = _aligned_tags(data, codec) if aligned else None
            if tags is None:
                codes, values = _tags(data, codec, remaining <= 0, strict)
            else:
                codes, values, zeros = tags
            del data
            if carry_codes:
                codes = carry_codes + codes
                values = carry_values + values
            if tags is None:
                starts = _starts(codes, skip)
            else:
                starts = [0] if skip and codes[0] == 0 else []
                starts += (zeros + skip).tolist()
            if not starts:
                carry_codes, carry_values = codes, values
                continue
            last = starts[-1]
            carry_codes, carry_values = codes[last:], values[last:]
            yield position, codes, values, starts
    if carry_codes:
        yield position, carry_codes, carry_values, [*_starts(carry_codes, 0), len(carry_codes)]


def _tags(
    data: bytes, codec: str, last: bool, strict: _Strict | None
) -> tuple[list[int], list[str]]:
    """The group codes and values of the lines of ``data`` (a code without its value is
    dropped at the very end of the section only)."""
    text = _decode(data, codec, strict)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    del text
    if lines[-1] == "":
        lines.pop()
    if len(lines) % 2:
        if not last:
            raise StreamStructureError("odd number of lines in a chunk")
        lines.pop()  # a group code without its value at the very end
    try:
        codes = list(map(_CODES.__getitem__, lines[0::2]))
    except ValueError:
        bad = next(c for c in lines[0::2] if not c.strip().lstrip("-").isdigit())
        raise StreamStructureError(f"invalid group code {bad[:20]!r}") from None
    values = lines[1::2]
    del lines
    if _CODES.comments and 999 in codes:  # comments: dropped, as ezdxf does
        kept = [i for i, c in enumerate(codes) if c != 999]
        codes = [codes[i] for i in kept]
        values = [values[i] for i in kept]
    return codes, values


def _aligned_tags(data: bytes, codec: str) -> tuple[list[int], list[str], Any] | None:
    """``_tags`` of a chunk whose group codes are all written in three columns (``  0``,
    `` 10``, ``330``; AutoCAD's and ezdxf's layout up to code 999), without comments, in an
    ASCII-transparent codec that decodes it strictly, and the positions of its code-0 tags
    (an array); None for any other chunk (``_tags`` reads it).

    The code lines are told from the values and parsed by numpy, and only the values are
    decoded and split: making a string of every code line, and looking each up, cost more
    than the rest of the split. Under these conditions the values are exactly ``_tags``'s:
    every newline byte is a line end of its own, and nothing else decodes to one."""
    if not data.endswith(b"\n") or b"\r" in data:
        return None
    raw = np.frombuffer(data, np.uint8)
    newline = (raw == 10).view(np.uint8)
    odd = np.bitwise_xor.accumulate(newline)  # newlines up to each byte and with it, mod 2
    odd ^= newline  # newlines before each byte, mod 2: 1 on a value line
    in_value = odd.view(bool)
    columns = raw[~in_value]
    count = len(columns) // 4
    if len(columns) != 4 * count:
        return None
    # a code line and its newline as one number, the first byte lowest: a digit becomes its
    # value, a space 16, the newline 0
    rows = columns.view("<u4") ^ 0x0A303030
    first, second, third = rows & 0xFF, rows >> 8 & 0xFF, rows >> 16
    digit1, digit2 = first < 10, second < 10
    space1, space2 = first == 16, second == 16
    if not (
        (third < 10).all()
        and (digit2 | space2).all()
        and (digit1 & digit2 | space1).all()  # no space after a digit
    ):
        return None
    numbers = (first & 15) * 100 + (second & 15) * 10 + third
    if (numbers == 999).any():
        return None  # a comment: _tags drops it
    try:
        text = raw[in_value].tobytes().decode(codec)
    except UnicodeDecodeError:
        return None  # replacement characters: _tags decodes the chunk as a whole
    values = text.split("\n")
    del text
    values.pop()  # after the last newline
    if len(values) != count:
        return None  # a code line without its value at the end
    return numbers.tolist(), values, np.flatnonzero(numbers == 0)


def _starts(codes: list[int], skip: int) -> list[int]:
    """Indexes of the code-0 tags; the first ``skip`` tags are carried over (an entity, whose
    code 0 is at 0, or tags before the first entity)."""
    starts = [0] if skip and codes[0] == 0 else []
    index = codes.index
    i = skip
    try:
        while True:
            i = index(0, i)
            starts.append(i)
            i += 1
    except ValueError:
        return starts


class _GroupCodes(dict[str, int]):
    """Group code lines -> int, remembered: a drawing uses a few dozen distinct code lines, and
    a lookup is several times faster than ``int()``."""

    comments = False
    """True once a line read as 999 (a comment) was met: before, no chunk can hold one, and
    the search for them is skipped."""

    def __missing__(self, line: str) -> int:
        code = int(line)
        if code == 999:
            self.comments = True
        if len(self) < 10_000:
            self[line] = code
        return code


_CODES = _GroupCodes()


def _tag_boundary(data: bytes) -> int:
    """Byte offset just after the last value line that ends a tag: the number of newlines
    before it must be even. Returns 0 when the data holds no complete tag. The newlines are
    counted once (by numpy: a quarter of the instructions of ``bytes.count``): when the last
    one ends an odd number of lines, the one before ends an even number."""
    last = data.rfind(b"\n")
    if last < 0 or np.count_nonzero(np.frombuffer(data, np.uint8) == 10) % 2 == 0:
        return last + 1
    return data.rfind(b"\n", 0, last) + 1


_CHUNK = 1 << 20
"""Bytes read and split at a time: a chunk becomes ~25x its size in Python strings and tuples."""
