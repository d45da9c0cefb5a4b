"""Stream the model space of a big ASCII DXF instead of loading the whole document.

ezdxf keeps every entity of a document in memory (about 16x the file size; a 200 MB drawing
needs ~5 GB, ezdxf issue 19). Rooms only need the model-space entities one at a time plus the
block definitions INSERTs refer to. So the file is split: everything except the ENTITIES section
(header, tables, blocks, objects: small) is loaded as a normal ezdxf document, and the ENTITIES
section is read in 1 MB chunks of group codes and values, one entity at a time, and dropped once
converted to primitives. Entities whose tag layout ``dxf_fast`` has a plan for go straight to the
extractor; the others become light (``dxf_lite``) or ezdxf entities as before.
"""

from __future__ import annotations

import io
import logging
import mmap
import re
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ezdxf
from ezdxf.entities import DXFGraphic
from ezdxf.entities import factory
from ezdxf.entities.subentity import entity_linker
from ezdxf.lldxf.const import DXFStructureError
from ezdxf.lldxf.extendedtags import ExtendedTags
from ezdxf.lldxf.tagger import tag_compiler
from ezdxf.lldxf.types import DXFTag

from gis_app.report import ImportReport
from survey_import.dxf_fast import plan_for
from survey_import.dxf_lite import LiteEntity
from survey_import.dxf_lite import lite_entity

__all__ = ["load_streamed"]

LOGGER = logging.getLogger(__name__)

_SECTION = re.compile(
    rb"(?m)^[ \t]*0[ \t]*\r?\nSECTION[ \t]*\r?\n[ \t]*2[ \t]*\r?\n([A-Z]+)[ \t]*\r?\n"
)
_EOF = re.compile(rb"(?m)^[ \t]*0[ \t]*\r?\nEOF[ \t]*\r?$")

EntityStream = Callable[[Any], Iterator[tuple[float, DXFGraphic | None]]]


def load_streamed(
    path: Path, codec: str, header_prefix: str, report: ImportReport
) -> tuple[Any, EntityStream] | None:
    """Return (document without model-space entities, entity stream), or None when the file's
    section structure is not clean enough to split (the caller then loads it as a whole)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        sections = _sections(mm)
        entities = [s for s in sections if s[0] == "ENTITIES"]
        if len(entities) != 1:
            LOGGER.debug("cannot stream %s: %d ENTITIES sections", path, len(entities))
            return None
        _, ent_start, content_start = entities[0]
        later = [s[1] for s in sections if s[1] > ent_start]
        eof = _eof(mm, content_start)
        content_end = later[0] if later else (eof.start() if eof else len(mm))
        skeleton = bytearray()
        skeleton += header_prefix.encode("ascii")
        skeleton += mm[:content_start]
        skeleton += b"  0\nENDSEC\n"
        skeleton += mm[content_end:]
    text = bytes(skeleton).decode(codec, errors="replace")
    del skeleton
    try:
        doc = ezdxf.read(io.StringIO(text, newline=None))
    except Exception:  # noqa: BLE001 - the whole-file path (with recover mode) takes over
        LOGGER.debug("skeleton of %s did not load; reading the whole file", path, exc_info=True)
        return None
    del text

    def stream(sink: Any) -> Iterator[tuple[float, DXFGraphic | None]]:
        yield from _entities(path, codec, content_start, content_end, report, sink)

    return doc, stream


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
    path: Path, codec: str, start: int, end: int, report: ImportReport, sink: Any
) -> Iterator[tuple[float, Any]]:
    """Model-space entities in file order: those with a ``dxf_fast`` plan go straight to
    ``sink`` (the extractor), the others are yielded as light or ezdxf entities, and a None
    now and then reports progress."""
    span = max(end - start, 1)
    link = entity_linker()
    linking = False  # a POLYLINE or an INSERT with ATTRIBs waits for its VERTEX/ATTRIB/SEQEND
    queued: Any = None
    broken = 0
    stopped: str | None = None
    position = start
    done = 0.0
    plans: dict[tuple[str, tuple[int, ...]], Any] = {}  # by the type line as written
    try:
        for position, codes, values, starts in _raw_chunks(path, codec, start, end):
            yield done, None  # progress only
            done = (position - start) / span
            if starts[0] > 0:
                starts = [0, *starts]
            for a, b in zip(starts, starts[1:], strict=False):
                if not linking and codes[a] == 0:
                    key = (values[a], tuple(codes[a:b]))
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
                if link(entity):
                    linking = kind != "SEQEND"
                    continue  # VERTEX/ATTRIB/SEQEND (linked to the entity before)
                linking = kind == "POLYLINE" or (
                    kind == "INSERT" and bool(entity.dxf.get("attribs_follow", 0))
                )
                if not isinstance(entity, LiteEntity | DXFGraphic):  # not drawable: unknown type
                    broken += 1
                    continue
                if entity.dxf.get("paperspace", 0):
                    continue
                if queued is not None:
                    yield done, queued
                queued = entity
    except _EndOfSection:
        pass
    except DXFStructureError as exc:
        LOGGER.debug("streaming stopped", exc_info=True)
        stopped = f"{exc} (byte {position})"
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


def _load_entity(pairs: list[tuple[int, str]]) -> DXFGraphic | None:
    """An ezdxf entity from raw tags, for every type the lite reader does not cover.

    Raises DXFStructureError (like ezdxf's own loader) for broken coordinates."""
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
    path: Path, codec: str, start: int, end: int
) -> Iterator[tuple[int, list[int], list[str], list[int]]]:
    """(byte position, group codes, values, entity starts) chunk by chunk, ``start`` to ``end``.

    The file is read in chunks cut at line ends (a newline byte is never part of a multi-byte
    character in the codecs DXF uses); values lose their line end only, as in ezdxf's loader,
    and comments (999) are dropped like ezdxf does. The tags of the entity still open at the
    end of a chunk are carried into the next one: the entities are the tags from one start to
    the next (the last start ends the lists only in the final chunk). Tags before the first
    entity (a damaged section) come as a span from 0 to the first start, without code 0.
    """
    carry_codes: list[int] = []
    carry_values: list[str] = []
    carry = b""
    position = start
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
            text = data.decode(codec, errors="replace")
            del data
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            del text
            if lines[-1] == "":
                lines.pop()
            if len(lines) % 2:
                if remaining > 0:
                    raise DXFStructureError("odd number of lines in a chunk")
                lines.pop()  # a group code without its value at the very end
            try:
                codes = list(map(_CODES.__getitem__, lines[0::2]))
            except ValueError:
                bad = next(c for c in lines[0::2] if not c.strip().lstrip("-").isdigit())
                raise DXFStructureError(f"invalid group code {bad[:20]!r}") from None
            values = lines[1::2]
            del lines
            if _CODES.comments and 999 in codes:  # comments: dropped, as ezdxf does
                kept = [i for i, c in enumerate(codes) if c != 999]
                codes = [codes[i] for i in kept]
                values = [values[i] for i in kept]
            if carry_codes:
                codes = carry_codes + codes
                values = carry_values + values
            starts = _starts(codes, len(carry_codes))
            if not starts:
                carry_codes, carry_values = codes, values
                continue
            last = starts[-1]
            carry_codes, carry_values = codes[last:], values[last:]
            yield position, codes, values, starts
    if carry_codes:
        yield position, carry_codes, carry_values, [*_starts(carry_codes, 0), len(carry_codes)]


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
    before it must be even. Returns 0 when the data holds no complete tag."""
    cut = len(data)
    while True:
        cut = data.rfind(b"\n", 0, cut)
        if cut < 0:
            return 0
        if data.count(b"\n", 0, cut + 1) % 2 == 0:
            return cut + 1


_CHUNK = 1 << 20
"""Bytes read and split at a time: a chunk becomes ~25x its size in Python strings and tuples."""
