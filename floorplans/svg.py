"""A floor plan as a small self-contained SVG: rooms coloured by use, numbered, with areas.

Used by the survey preview (before a batch is confirmed) and the building page. Plan metres
are drawn with y flipped (SVG y grows downwards); text is escaped, so labels from drawings
cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

from floorplans.model import FloorPlan
from floorplans.model import Room
from gis_app.vocab import RoomUse

__all__ = ["USE_COLOURS", "render_svg"]

USE_COLOURS: dict[str | None, str] = {
    RoomUse.OFFICE.value: "#8ecae6",
    RoomUse.SERVICE.value: "#ffd166",
    RoomUse.EQUIPMENT.value: "#c9ada7",
    RoomUse.ANCILLARY.value: "#b5e48c",
    RoomUse.TECHNICAL.value: "#cdb4db",
    RoomUse.CIRCULATION.value: "#e9ecef",
    None: "#f8f9fa",
}
"""Fill per use category; rooms without a category are pale grey."""


def _path(polygon: Polygon | MultiPolygon) -> str:
    parts = polygon.geoms if isinstance(polygon, MultiPolygon) else [polygon]
    out = []
    for part in parts:
        for ring in (part.exterior, *part.interiors):
            coords = list(ring.coords)[:-1]
            if not coords:
                continue
            # + 0.0 turns -0.0 into 0.0, so the markup never says "-0.000".
            head = f"M{coords[0][0]:.3f} {-coords[0][1] + 0.0:.3f}"
            tail = "".join(f"L{x:.3f} {-y + 0.0:.3f}" for x, y in coords[1:])
            out.append(f"{head}{tail}Z")
    return "".join(out)


def render_svg(
    plan: FloorPlan | Sequence[Room],
    *,
    width_px: int = 800,
    show_area: bool = True,
    highlight: Sequence[int] = (),
) -> str:
    """SVG markup of the rooms (plan metres, y up), ``highlight`` = room indices to outline red.

    >>> from floorplans.model import Room
    >>> from shapely.geometry import box
    >>> svg = render_svg([Room(box(0, 0, 6, 4), 24.0, "ROOM", ("A1",), number="<301>")])
    >>> "&lt;301&gt;" in svg and "24.00 m²" in svg
    True
    """
    rooms = list(plan.rooms if isinstance(plan, FloorPlan) else plan)
    outline = plan.outline if isinstance(plan, FloorPlan) else None
    if not rooms:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="60" '
            'role="img"><text x="10" y="35" font-size="16">（无房间）</text></svg>'
        )
    xs0, ys0, xs1, ys1 = zip(*(r.polygon.bounds for r in rooms), strict=True)
    minx, miny, maxx, maxy = min(xs0), min(ys0), max(xs1), max(ys1)
    if outline is not None:
        ox0, oy0, ox1, oy1 = outline.bounds
        minx, miny, maxx, maxy = min(minx, ox0), min(miny, oy0), max(maxx, ox1), max(maxy, oy1)
    span = max(maxx - minx, maxy - miny, 1e-6)
    pad = span * 0.02
    vb_w, vb_h = (maxx - minx) + 2 * pad, (maxy - miny) + 2 * pad
    height_px = max(1, round(width_px * vb_h / vb_w))
    stroke = span / 600.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
        f'viewBox="{minx - pad:.3f} {-maxy - pad:.3f} {vb_w:.3f} {vb_h:.3f}" role="img">'
    ]
    if outline is not None:
        parts.append(
            f'<path d="{_path(outline)}" fill="none" stroke="#555" '
            f'stroke-width="{stroke * 2:.4f}" stroke-dasharray="{stroke * 8:.4f}"/>'
        )
    marked = set(highlight)
    for index, room in enumerate(rooms):
        colour = USE_COLOURS.get(room.use, USE_COLOURS[None])
        edge = "#d62828" if index in marked else "#333"
        width = stroke * (3 if index in marked else 1)
        title = " ".join(
            escape(v) for v in (room.number or "", room.name or "", room.use or "") if v
        )
        parts.append(
            f'<path d="{_path(room.polygon)}" fill="{colour}" fill-rule="evenodd" '
            f'stroke="{edge}" stroke-width="{width:.4f}" data-index="{index}">'
            f"<title>{title} {room.area_m2:.2f} m²</title></path>"
        )
        point = room.polygon.representative_point()
        minrx, minry, maxrx, maxry = room.polygon.bounds
        size = max(min(maxrx - minrx, maxry - minry) / 5.0, span / 200.0)
        lines = [v for v in (room.number or room.name,) if v]
        if show_area:
            lines.append(f"{room.area_m2:.2f} m²")
        for k, text in enumerate(lines):
            dy = (k - (len(lines) - 1) / 2.0) * size * 1.2
            parts.append(
                f'<text x="{point.x:.3f}" y="{-point.y + dy + size * 0.35:.3f}" '
                f'font-size="{size:.3f}" text-anchor="middle" fill="#222">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
