"""Read the commonest streamed entities straight from parallel code/value lists.

A streamed ENTITIES section holds tens of thousands of entities whose tag layouts repeat: every
LINE a given CAD program writes has the same group codes in the same order, every 4-vertex room
polyline too. So the layout (the tuple of group codes) is analysed once, into a *plan* that
knows at which offsets the needed values sit, and each entity with that layout is read by
indexing its values, with no per-tag Python loop and no intermediate entity object.

The analysis mirrors ``dxf_lite._parse`` step by step, so a plan reads exactly the values the
light entity would hold and hands them to the extractor (the *sink*: ``fast_line``,
``fast_lwpolyline`` for the commonest types, ``fast`` for the others).
Whatever that parser would reject or that needs more than the values (application data groups,
embedded objects, an extrusion, attributes following an INSERT, array inserts, a value that
does not parse) gets no plan or makes the plan return False, and the
caller reads that entity the old way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey_import.dxf_lite import _FIELDS
from survey_import.dxf_lite import _INTS
from survey_import.dxf_lite import _POINTS
from survey_import.dxf_lite import _REQUIRED
from survey_import.dxf_lite import _STRINGS
from survey_import.dxf_lite import escape_dxf_line_endings

__all__ = ["Plan", "plan_for"]

Plan = Callable[[list[str], int, Any], bool]
"""(values of the chunk, index of the entity's code-0 tag, sink) -> True when the entity was
handed to the sink (or dropped as paper space, as the stream drops it), False when it must be
read the old way."""

_MAX_PLANS = 4096
_plans: dict[tuple[str, tuple[int, ...]], Plan | None] = {}


def plan_for(dxftype: str, codes: tuple[int, ...]) -> Plan | None:
    """The plan for an entity of ``dxftype`` whose tags have these group codes (code 0 first),
    or None when such entities must be read tag by tag."""
    key = (dxftype, codes)
    try:
        return _plans[key]
    except KeyError:
        pass
    plan = _compile(dxftype, codes)
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[key] = plan
    return plan


def _compile(dxftype: str, codes: tuple[int, ...]) -> Plan | None:
    fields = _FIELDS.get(dxftype)
    if fields is None:
        return None
    polyline = dxftype == "LWPOLYLINE"
    scalars: dict[str, tuple[int, int]] = {}
    points: dict[str, tuple[int, int, int]] = {}
    vertices: list[list[int]] = []
    chunks: list[int] = []
    tail = -1
    converted: list[tuple[int, bool]] = []  # (offset, is integer) of every value _parse converts
    groups: list[tuple[int, int]] = []  # (offset of "102 {...", offset of the next 102)
    count = len(codes)
    i = 1
    while i < count:
        code = codes[i]
        i += 1
        if code == 102:  # application data (reactors, extension dictionary): skipped whole
            try:
                close = codes.index(102, i)
            except ValueError:
                return None
            groups.append((i - 1, close))
            i = close + 1
            continue
        if code in (101, 210):
            return None  # embedded object, extrusion: the light path
        if code >= 1000:
            break
        if polyline and code in (10, 20, 42, 40, 41, 91):
            if code == 10:
                if i >= count or codes[i] != 20:
                    return None
                vertices.append([i - 1, i, -1])
                converted += ((i - 1, False), (i, False))
                i += 1
            elif code == 42:
                if not vertices:
                    return None
                vertices[-1][2] = i - 1
                converted.append((i - 1, False))
            elif code == 20:
                return None
            continue
        if dxftype == "MTEXT" and code in (1, 3):
            if code == 3:
                chunks.append(i - 1)
            else:
                tail = i - 1
            continue
        name = fields.get(code)
        if code in _POINTS:
            if i >= count or codes[i] != code + 10:
                return None
            ix, iy, iz = i - 1, i, -1
            converted += ((ix, False), (iy, False))
            i += 1
            if i < count and codes[i] == code + 20:
                iz = i
                converted.append((iz, False))
                i += 1
            if name is not None:
                points[name] = (ix, iy, iz)
            continue
        if name is None:
            continue
        scalars[name] = (i - 1, code)
        if code not in _STRINGS:
            converted.append((i - 1, code in _INTS))
    for key in _REQUIRED.get(dxftype, ()):
        if key not in scalars and key not in points:
            return None
    common = tuple(
        scalars[name][0] if name in scalars else -1
        for name in ("layer", "handle", "invisible", "paperspace")
    )
    used: set[int] = set(common)
    used.update(off for off, _ in scalars.values())
    used.update(i for p in points.values() for i in p)
    used.update(i for vertex in vertices for i in vertex)
    checks = [(off, is_int) for off, is_int in converted if off not in used]
    return _generate(dxftype, common, scalars, points, vertices, chunks, tail, checks, groups)


def _generate(
    dxftype: str,
    common: tuple[int, int, int, int],
    scalars: dict[str, tuple[int, int]],
    points: dict[str, tuple[int, int, int]],
    vertices: list[list[int]],
    chunks: list[int],
    tail: int,
    checks: list[tuple[int, bool]],
    groups: list[tuple[int, int]],
) -> Plan | None:
    """Python source for one layout: every offset a constant, so reading an entity is a few
    indexing and float() calls. The sink method gets the values the light entity holds."""
    ih = common[1]

    def zero_or_float(off: int) -> str:
        """float() of a value that is often "0.0" (a z, a value read only to fall back on a bad
        one): a comparison with that string first spares most of the parsing."""
        return f"(0.0 if v[a + {off}] == '0.0' else float(v[a + {off}]))"

    # int() alone: a value only dxf_lite's int(float()) reads falls back to the light path
    body = [f"int(v[a + {off}])" if is_int else zero_or_float(off) for off, is_int in checks]
    # an application data group is "102 {NAME" ... "102 }" (dxf_lite skips it the same way);
    # any other use of 102 reads the light way
    body += [
        f"if not (v[a + {o}].startswith('{{') and v[a + {c}].startswith('}}')): return False"
        for o, c in groups
    ]

    def raw(name: str, default: str) -> str:
        found = scalars.get(name)
        return f"v[a + {found[0]}]" if found else default

    def num(name: str, default: str) -> str:
        found = scalars.get(name)
        if not found:
            return default
        return f"{'int' if found[1] in _INTS else 'float'}(v[a + {found[0]}])"

    def point(name: str) -> str:
        found = points.get(name)
        if found is None:
            return "(0.0, 0.0, 0.0)"
        ix, iy, iz = found
        z = zero_or_float(iz) if iz >= 0 else "0.0"
        return f"(float(v[a + {ix}]), float(v[a + {iy}]), {z})"

    body += [
        f"layer = {raw('layer', repr('0'))}",
        f"own = {raw('handle', 'None')}",
        f"invisible = {num('invisible', '0')}",
        f"paperspace = {num('paperspace', '0')}",
    ]
    call: str
    if dxftype == "LINE":
        sx, sy, sz = points["start"]
        ex, ey, ez = points["end"]
        body += [
            f"x0 = float(v[a + {sx}])",
            f"y0 = float(v[a + {sy}])",
            f"x1 = float(v[a + {ex}])",
            f"y1 = float(v[a + {ey}])",
        ]
        body += [zero_or_float(iz) for iz in (sz, ez) if iz >= 0]
        call = "sink.fast_line(layer, own, invisible, x0, y0, x1, y1)"
    elif dxftype == "LWPOLYLINE":
        # the vertices as transform_bulged leaves them without a transform (-0.0 bulge -> 0.0)
        verts = "".join(
            f"(float(v[a + {ix}]), float(v[a + {iy}]), "
            f"{f'float(v[a + {ib}]) or 0.0' if ib >= 0 else '0.0'}), "
            for ix, iy, ib in vertices
        )
        body += [f"verts = ({verts})", f"closed = bool({num('flags', '0')} & 1)"]
        if "elevation" in scalars:
            body.append(zero_or_float(scalars["elevation"][0]))  # only to fall back on a bad one
        call = "sink.fast_lwpolyline(layer, own, invisible, verts, closed)"
    elif dxftype == "TEXT":
        align = point("align_point") if "align_point" in points else "None"
        body += [
            f"text = {raw('text', repr(''))}",
            f"halign = {num('halign', '0')}",
            f"valign = {num('valign', '0')}",
            f"insert = {point('insert')}",
            f"align = {align}",
            f"height = {num('height', '0.0')}",
        ]
        call = "sink.fast(T, layer, own, invisible, text, halign, valign, insert, align, height)"
    elif dxftype == "MTEXT":
        if ih < 0:
            return None  # an MTEXT without handle: ezdxf's linker logs it, keep that path
        last = f"v[a + {tail}]" if tail >= 0 else "''"
        parts = " + ".join([*(f"v[a + {i}]" for i in chunks), last])
        body += [
            f"text = _escape({parts})",
            f"insert = {point('insert')}",
            f"height = {num('char_height', '0.0')}",
        ]
        call = "sink.fast(T, layer, own, invisible, text, insert, height)"
    elif dxftype in ("ARC", "CIRCLE"):
        body += [f"center = {point('center')}", f"radius = {num('radius', '0.0')}"]
        if dxftype == "ARC":
            body += [f"start = {num('start_angle', '0.0')}", f"end = {num('end_angle', '0.0')}"]
            call = "sink.fast(T, layer, own, invisible, center, radius, start, end)"
        else:
            call = "sink.fast(T, layer, own, invisible, center, radius)"
    elif dxftype == "INSERT":
        body += [
            f"name = {raw('name', repr(''))}",
            f"insert = {point('insert')}",
            f"sx = {num('xscale', '1.0')}",
            f"sy = {num('yscale', '1.0')}",
            f"sz = {num('zscale', '1.0')}",
            f"rotation = {num('rotation', '0.0')}",
            f"if {num('attribs_follow', '0')} or {num('column_count', '1')} > 1"
            f" or {num('row_count', '1')} > 1: return False",
        ]
        call = "sink.fast(T, layer, own, invisible, name, insert, sx, sy, sz, rotation)"
    else:
        return None
    source = "\n".join(
        [
            "def plan(v, a, sink):",
            "    try:",
            *(f"        {line}" for line in body),
            "    except ValueError:",
            "        return False",
            "    if not paperspace:",
            f"        {call}",
            "    return True",
        ]
    )
    namespace: dict[str, Any] = {"_escape": escape_dxf_line_endings, "T": dxftype}
    exec(compile(source, f"<dxf_fast {dxftype}>", "exec"), namespace)  # noqa: S102
    return namespace["plan"]  # type: ignore[no-any-return]
