"""Light stand-ins for the commonest model-space entities of a streamed drawing.

Building a full ezdxf entity (tag compiler, extended tags, DXF namespace, sub-entity linking)
costs far more than reading a room outline needs: on a 10,000-room survey it was most of the
import time. For LWPOLYLINE, LINE, ARC, CIRCLE, TEXT, MTEXT and plain INSERTs this module reads
the raw (code, value) tags straight into an object that answers the few questions the
extractor asks (``dxftype()``, ``dxf.get``, ``get_points``, ``plain_text``), with the
values ezdxf would have loaded. Anything unusual (embedded objects, attributes following an
INSERT, array inserts, a coordinate without its y) returns None and the caller loads the
entity with ezdxf as before, so ezdxf stays the reference for every rare case.
"""

from __future__ import annotations

import re
from typing import Any

from survey_import.dxf_geometry import Vec3

__all__ = [
    "LiteEntity",
    "drawable",
    "escape_dxf_line_endings",
    "lite_entity",
    "plain_mtext",
    "plain_text",
]

_COMMON = {5: "handle", 8: "layer", 60: "invisible", 67: "paperspace"}
_FIELDS: dict[str, dict[int, str]] = {
    "LWPOLYLINE": {**_COMMON, 70: "flags", 38: "elevation"},
    "LINE": {**_COMMON, 10: "start", 11: "end"},
    "ARC": {**_COMMON, 10: "center", 40: "radius", 50: "start_angle", 51: "end_angle"},
    "CIRCLE": {**_COMMON, 10: "center", 40: "radius"},
    "TEXT": {
        **_COMMON,
        10: "insert",
        11: "align_point",
        40: "height",
        1: "text",
        72: "halign",
        73: "valign",
    },
    "MTEXT": {**_COMMON, 10: "insert", 40: "char_height"},
    "INSERT": {
        **_COMMON,
        2: "name",
        10: "insert",
        41: "xscale",
        42: "yscale",
        43: "zscale",
        50: "rotation",
        66: "attribs_follow",
        70: "column_count",
        71: "row_count",
    },
}
_REQUIRED = {
    "LINE": ("start", "end"),
    "ARC": ("center", "radius", "start_angle", "end_angle"),
    "CIRCLE": ("center", "radius"),
    "INSERT": ("name",),
}
_INTS = frozenset((60, 67, 70, 71, 72, 73, 66))
_STRINGS = frozenset((1, 2, 5, 8))
_POINTS = frozenset((10, 11, 210))


class _Dxf:
    """The ``entity.dxf`` namespace: loaded attributes only, ``get`` with a default."""

    __slots__ = ("_attrs",)

    def __init__(self, attrs: dict[str, Any]) -> None:
        self._attrs = attrs

    def get(self, key: str, default: Any = None) -> Any:
        return self._attrs.get(key, default)

    def hasattr(self, key: str) -> bool:
        return key in self._attrs

    def __getattr__(self, key: str) -> Any:
        try:
            return self._attrs[key]
        except KeyError:
            if key == "handle":  # as ezdxf: None when the entity has none (its linker asks)
                return None
            raise AttributeError(key) from None


class LiteEntity:
    """One model-space entity read from raw tags (see the module docstring)."""

    __slots__ = ("_type", "dxf", "_points", "text")

    def __init__(
        self,
        dxftype: str,
        attrs: dict[str, Any],
        points: list[tuple[float, float, float]] | None,
        text: str | None,
    ) -> None:
        self._type = dxftype
        self.dxf = _Dxf(attrs)
        self._points = points
        self.text = text
        """MTEXT content as ezdxf assembles it (3-chunks, then 1, line endings escaped)."""

    def dxftype(self) -> str:
        return self._type

    @property
    def closed(self) -> bool:
        return bool(self.dxf.get("flags", 0) & 1)

    def get_points(self, format: str = "xyb") -> list[tuple[float, float, float]]:  # noqa: A002
        if format != "xyb":
            raise ValueError(f"only 'xyb' points are read, not {format!r}")
        return list(self._points or ())

    def plain_text(self, split: bool = False) -> str:
        if self._type == "MTEXT":
            if split:
                from ezdxf.tools.text import fast_plain_mtext

                return fast_plain_mtext(self.text or "", split=True)  # type: ignore[return-value]
            return plain_mtext(self.text or "")
        return plain_text(self.dxf.get("text", ""))


def drawable(entity: Any) -> bool:
    """True for a light entity or an ezdxf graphical one (ezdxf keeps a type it does not know
    as raw tags: nothing to draw)."""
    if isinstance(entity, LiteEntity):
        return True
    from ezdxf.entities import DXFGraphic  # only ezdxf makes entities other than light ones

    return isinstance(entity, DXFGraphic)


def lite_entity(pairs: list[tuple[int, str]]) -> LiteEntity | None:
    """A :class:`LiteEntity` for the raw tags of one entity, or None to let ezdxf load it."""
    code, dxftype = pairs[0]
    fields = _FIELDS.get(dxftype)
    if fields is None or code != 0:
        return None
    try:
        return _parse(dxftype, fields, pairs)
    except (ValueError, IndexError, OverflowError):  # OverflowError: an integer given as 1e400
        return None


def _number(code: int, value: str) -> Any:
    if code in _INTS:
        try:
            return int(value)
        except ValueError:
            return int(float(value))  # some writers store integers as floats
    return float(value)


def _parse(dxftype: str, fields: dict[int, str], pairs: list[tuple[int, str]]) -> LiteEntity | None:
    attrs: dict[str, Any] = {}
    polyline = dxftype == "LWPOLYLINE"
    points: list[list[float]] | None = [] if polyline else None
    chunks: list[str] = []
    tail = ""
    count = len(pairs)
    i = 1
    while i < count:
        code, value = pairs[i]
        i += 1
        if code == 102:  # application data group: skip to its closing brace
            if value.startswith("{"):
                while i < count and not (pairs[i][0] == 102 and pairs[i][1].startswith("}")):
                    i += 1
                i += 1
            continue
        if code == 101 or code >= 1000:
            if code == 101:
                return None  # embedded object: ezdxf knows its layout
            break  # extended data: nothing the extractor reads
        if polyline and code in (10, 20, 42, 40, 41, 91):
            assert points is not None
            if code == 10:
                y_code, y_value = pairs[i]
                if y_code != 20:
                    return None
                i += 1
                points.append([float(value), float(y_value), 0.0])
            elif code == 42:
                if not points:
                    return None
                points[-1][2] = float(value)
            elif code == 20:
                return None
            continue
        if dxftype == "MTEXT" and code in (1, 3):
            if code == 3:
                chunks.append(value)
            else:
                tail = value
            continue
        name = fields.get(code)
        if code in _POINTS:
            y_code, y_value = pairs[i]
            if y_code != code + 10:
                return None
            i += 1
            x, y = float(value), float(y_value)
            z = 0.0
            if i < count and pairs[i][0] == code + 20:
                z = float(pairs[i][1])
                i += 1
            if code == 210:
                if x == 0.0 and y == 0.0 and z == 0.0:
                    continue  # a null extrusion: ezdxf's audit drops it, the default applies
                attrs["extrusion"] = Vec3(x, y, z)
            elif name is not None:
                attrs[name] = Vec3(x, y, z)
            continue
        if name is None:
            continue
        attrs[name] = value if code in _STRINGS else _number(code, value)
    if dxftype == "INSERT" and (
        attrs.get("attribs_follow", 0)
        or attrs.get("row_count", 1) > 1
        or attrs.get("column_count", 1) > 1
    ):
        return None
    for key in _REQUIRED.get(dxftype, ()):
        if key not in attrs:
            return None
    text = None
    if dxftype == "MTEXT":
        chunks.append(tail)
        text = escape_dxf_line_endings("".join(chunks))
    verts = [(p[0], p[1], p[2]) for p in points] if points is not None else None
    return LiteEntity(dxftype, attrs, verts, text)


def escape_dxf_line_endings(text: str) -> str:
    """MTEXT content with its line ends as ``\\P`` (ezdxf's function of that name)."""
    return text.replace("\r", "").replace("\n", "\\P")


def plain_text(raw: str) -> str:
    """ezdxf's ``plain_text`` of a TEXT, ATTRIB or ATTDEF value; only a value with something it
    changes (%% codes, carets, line ends) goes through ezdxf: most labels are plain."""
    if "%" in raw or "^" in raw or "\n" in raw or "\r" in raw:
        from ezdxf.tools.text import plain_text as ezdxf_plain_text

        return ezdxf_plain_text(raw)
    return raw


def plain_mtext(text: str) -> str:
    """``fast_plain_mtext(text)`` (ezdxf), the same string, by one regular expression instead of
    a loop over characters: labels are short, but a big survey holds thousands. Texts with
    special characters (%%c, carets) still go through ezdxf."""
    if "%" in text or "^" in text:
        from ezdxf.tools.text import fast_plain_mtext

        return fast_plain_mtext(text, split=False)  # type: ignore[return-value]
    if "\\" not in text and "{" not in text and "}" not in text:
        return text
    return _MTEXT_CODE.sub(_mtext_code, text)


# What fast_plain_mtext does after a backslash: an escaped \ { }; a one-letter command (\P a line
# break, \N a space, the others dropped); \S...; stacked text kept; any other command dropped up
# to its ";". Without a ";" further on, it keeps "\" and the letter (for \S after the rest of
# the text, which it copies while looking for the ";"). A backslash at the end is dropped, and
# so are group braces.
_MTEXT_CODE = re.compile(
    r"\\(?:([\\{}])|([PNLlOoKkX])|S([^;]*);|S(?=([^;]*)\Z)|[^;]*;|(.)|\Z)|\{|\}", re.DOTALL
)


def _mtext_code(match: re.Match[str]) -> str:
    group = match.lastindex  # the one group of the alternative that matched
    if group is None:
        return ""  # a brace, a terminated command, a backslash at the end
    value = match[group]
    if group == 2:  # a one-letter command
        return _LETTERS.get(value, "")
    if group == 4:  # \S without its ";"
        return value + "\\S"
    if group == 5:  # any other character after a backslash without a ";" further on
        return "\\" + value
    return value  # an escaped \ { }, stacked text


_LETTERS = {"P": "\n", "N": " "}
