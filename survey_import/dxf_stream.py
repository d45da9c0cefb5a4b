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
    queued: DXFGraphic | None = None
    broken = 0
    stopped: str | None = None

    def top_level(entity: DXFGraphic) -> bool:
        """False for VERTEX/ATTRIB/SEQEND (linked to the entity before) and paper space."""
        return not link(entity) and not entity.dxf.get("paperspace", 0)

    with path.open("rb") as raw:
        raw.seek(start)
        reader = _BoundedLines(raw, end)
        tags: list[DXFTag] = []
        try:
            for tag in tag_compiler(_tags(reader, codec)):
                if tag.code != 0:
                    tags.append(tag)
                    continue
                entity = _load_entity(tags) if tags else None
                if tags and entity is None:
                    broken += 1
                elif entity is not None and top_level(entity):
                    if queued is not None:
                        yield (reader.position - start) / span, queued
                    queued = entity
                if tag.value == "ENDSEC":
                    tags = []
                    break
                tags = [tag]
            if tags and (entity := _load_entity(tags)) is not None and top_level(entity):
                if queued is not None:
                    yield 1.0, queued
                queued = entity
        except DXFStructureError as exc:
            LOGGER.debug("streaming stopped", exc_info=True)
            stopped = f"{exc} (byte {reader.position})"
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


def _load_entity(tags: list[DXFTag]) -> DXFGraphic | None:
    try:
        return factory.load(ExtendedTags(tags))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - one bad entity must not lose the drawing
        LOGGER.debug("streamed entity %s skipped", tags[0].value if tags else "?", exc_info=True)
        return None


class _BoundedLines:
    """Lines of a binary file up to a byte offset, with the position for progress."""

    def __init__(self, raw: io.BufferedReader, end: int) -> None:
        self._raw = raw
        self._end = end
        self.position = raw.tell()

    def readline(self) -> bytes:
        if self.position >= self._end:
            return b""
        line = self._raw.readline()
        self.position += len(line)
        return line


def _tags(reader: _BoundedLines, codec: str) -> Iterator[DXFTag]:
    while True:
        code_line = reader.readline()
        if not code_line:
            return
        value_line = reader.readline()
        if not value_line and not code_line.strip():
            return
        try:
            code = int(code_line)
        except ValueError:
            LOGGER.debug("invalid group code %r in the ENTITIES section", code_line[:20])
            return
        yield DXFTag(code, value_line.rstrip(b"\r\n").decode(codec, errors="replace"))
