"""Stream the model space of a big ASCII DXF instead of loading the whole document.

ezdxf keeps every entity of a document in memory (about 16x the file size; a 200 MB drawing
needs ~5 GB, ezdxf issue 19). Rooms only need the model-space entities one at a time plus the
block definitions INSERTs refer to. So the file is split: everything except the ENTITIES section
(header, tables, blocks, objects: small) is loaded as a normal ezdxf document, and the ENTITIES
section is read tag by tag, one entity at a time, and dropped once converted to primitives.
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
from survey_import.dxf_lite import lite_entity

__all__ = ["load_streamed"]

LOGGER = logging.getLogger(__name__)

_SECTION = re.compile(
    rb"(?m)^[ \t]*0[ \t]*\r?\nSECTION[ \t]*\r?\n[ \t]*2[ \t]*\r?\n([A-Z]+)[ \t]*\r?\n"
)
_EOF = re.compile(rb"(?m)^[ \t]*0[ \t]*\r?\nEOF[ \t]*\r?$")

EntityStream = Callable[[], Iterator[tuple[float, DXFGraphic]]]


def load_streamed(
    path: Path, codec: str, header_prefix: str, report: ImportReport
) -> tuple[Any, EntityStream] | None:
    """Return (document without model-space entities, entity stream), or None when the file's
    section structure is not clean enough to split (the caller then loads it as a whole)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        sections = [(m.group(1).decode("ascii"), m.start(), m.end()) for m in _SECTION.finditer(mm)]
        entities = [s for s in sections if s[0] == "ENTITIES"]
        if len(entities) != 1:
            LOGGER.debug("cannot stream %s: %d ENTITIES sections", path, len(entities))
            return None
        _, ent_start, content_start = entities[0]
        later = [s[1] for s in sections if s[1] > ent_start]
        eof = _EOF.search(mm, content_start)
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

    def stream() -> Iterator[tuple[float, DXFGraphic]]:
        yield from _entities(path, codec, content_start, content_end, report)

    return doc, stream


def _entities(
    path: Path, codec: str, start: int, end: int, report: ImportReport
) -> Iterator[tuple[float, DXFGraphic]]:
    span = max(end - start, 1)
    link = entity_linker()
    queued: Any = None
    broken = 0
    stopped: str | None = None
    position = start
    try:
        for position, pairs in _raw_entities(path, codec, start, end):
            if pairs[0][1] == "ENDSEC":
                break
            entity = lite_entity(pairs)
            if entity is None:
                entity = _load_entity(pairs)
                if entity is None:
                    broken += 1
                    continue
            if link(entity) or entity.dxf.get("paperspace", 0):
                continue  # VERTEX/ATTRIB/SEQEND (linked to the entity before) or paper space
            if queued is not None:
                yield (position - start) / span, queued
            queued = entity
    except DXFStructureError as exc:
        LOGGER.debug("streaming stopped", exc_info=True)
        stopped = f"{exc} (byte {position})"
    if queued is not None:
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


def _load_entity(pairs: list[tuple[int, str]]) -> DXFGraphic | None:
    """An ezdxf entity from raw tags, for every type the lite reader does not cover.

    Raises DXFStructureError (like ezdxf's own loader) for broken coordinates."""
    tags = list(tag_compiler(iter([DXFTag(code, value) for code, value in pairs])))
    try:
        return factory.load(ExtendedTags(tags))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - one bad entity must not lose the drawing
        LOGGER.debug("streamed entity %s skipped", pairs[0][1], exc_info=True)
        return None


def _raw_entities(
    path: Path, codec: str, start: int, end: int
) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """(byte position, raw (code, value) tags of one entity) from ``start`` to ``end``.

    The file is read in chunks cut at line ends (a newline byte is never part of a multi-byte
    character in the codecs DXF uses); values lose their line end only, as in ezdxf's loader,
    and comments (999) are dropped like ezdxf does.
    """
    pending: list[tuple[int, str]] = []
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
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            if len(lines) % 2:
                if remaining > 0:
                    raise DXFStructureError("odd number of lines in a chunk")
                lines.pop()  # a group code without its value at the very end
            try:
                codes = list(map(int, lines[0::2]))
            except ValueError:
                bad = next(c for c in lines[0::2] if not c.strip().lstrip("-").isdigit())
                raise DXFStructureError(f"invalid group code {bad[:20]!r}") from None
            values = lines[1::2]
            if 999 in codes:  # comments: dropped, as ezdxf does
                kept = [i for i, c in enumerate(codes) if c != 999]
                codes = [codes[i] for i in kept]
                values = [values[i] for i in kept]
            starts = [i for i, c in enumerate(codes) if c == 0]
            if not starts:
                pending.extend(zip(codes, values, strict=True))
                continue
            if pending or starts[0] > 0:
                pending.extend(zip(codes[: starts[0]], values[: starts[0]], strict=True))
                yield position, pending
            pairs = list(zip(codes, values, strict=True))
            last = starts[-1]
            for a, b in zip(starts, starts[1:], strict=False):
                entity = pairs[a:b]
                entity[0] = (0, values[a].strip())
                yield position, entity
            pending = pairs[last:]
            pending[0] = (0, values[last].strip())
    if pending:
        yield position, pending


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
