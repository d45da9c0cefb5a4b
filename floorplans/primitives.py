"""Plain primitives a drawing reader hands to the floor-plan builder.

This is the seam between reading files (``survey_import``) and pure geometry (``floorplans``):
readers turn DXF entities into these values, in **world (WCS) drawing units**, with every block
transform and OCS extrusion already applied; the builder never sees ezdxf objects.

Curves are kept exact where they can be: a polyline vertex carries its bulge (the tangent of a
quarter of the arc's included angle, DXF convention), so the builder can compute arc areas
analytically. Where a transform makes an arc elliptical (non-uniform block scale) or the source
is an ellipse/spline, the reader flattens it finely and the bulges are 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

__all__ = [
    "Drawing",
    "GeoReference",
    "HatchBoundary",
    "Label",
    "LineWork",
    "Outline",
    "Vertex",
]

Vertex = tuple[float, float, float]
"""(x, y, bulge) in drawing units; bulge 0 for a straight segment to the next vertex."""

# Outline, HatchBoundary, LineWork and Label are values nobody changes after the reader made
# them, yet they are not frozen dataclasses: a frozen one is built through object.__setattr__
# field by field, ~4x the cost (1.6 us against 0.4 us for a LineWork), and a big drawing makes
# millions of them (the 10,000-room bench drawing ~80,000: ~0.1 s of its read).


@dataclass(slots=True)
class Outline:
    """A polyline that may enclose a room (LWPOLYLINE/POLYLINE, or a closed curve)."""

    vertices: tuple[Vertex, ...]
    layer: str
    handle: str
    closed_flag: bool
    """True when the entity says it is closed; a ring closed only by coordinates has False."""
    source: str = "LWPOLYLINE"
    """DXF type it came from (LWPOLYLINE, POLYLINE, CIRCLE, ELLIPSE, SPLINE, ...)."""
    block_path: tuple[str, ...] = ()
    """Names of the INSERTed blocks it came through, outermost first (empty at top level)."""


@dataclass(slots=True)
class HatchBoundary:
    """One HATCH: its boundary loops (each a closed vertex ring), outer and holes not yet sorted."""

    loops: tuple[tuple[Vertex, ...], ...]
    layer: str
    handle: str
    block_path: tuple[str, ...] = ()


@dataclass(slots=True)
class LineWork:
    """An open line or polyline (walls, doors); used to build rooms when no outlines exist."""

    vertices: tuple[Vertex, ...]
    layer: str
    handle: str
    block_path: tuple[str, ...] = ()


@dataclass(slots=True)
class Label:
    """A text in the drawing, already decoded and stripped of MTEXT formatting codes."""

    text: str
    x: float
    y: float
    """The point the text is anchored at, as CAD programs place it (alignment point for
    justified TEXT, insertion point for MTEXT/ATTRIB)."""
    layer: str
    handle: str
    height: float = 0.0
    source: str = "TEXT"
    """TEXT, MTEXT, ATTRIB or ATTDEF."""
    raw: str | None = None
    """The text as stored in the file, before stripping codes (kept for the surveyor)."""
    block_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeoReference:
    """A drawing's own georeference (AutoCAD GEODATA): a design point in drawing units that maps
    to a reference point in ``crs`` (usually a projected EPSG code), with rotation and scale."""

    crs: str
    design_point: tuple[float, float]
    reference_point: tuple[float, float]
    north_direction_deg: float = 0.0
    """Angle of north measured from the drawing's +Y axis, counter-clockwise, in degrees."""
    unit_scale: float = 1.0
    """Metres in ``crs`` per drawing unit."""


@dataclass(frozen=True)
class Drawing:
    """Everything the builder needs from one file, in drawing units."""

    outlines: tuple[Outline, ...] = ()
    hatches: tuple[HatchBoundary, ...] = ()
    linework: tuple[LineWork, ...] = ()
    labels: tuple[Label, ...] = ()
    units_factor_to_m: float = 1.0
    """Metres per drawing unit as decided by the reader (header, inference or override)."""
    extent: tuple[float, float, float, float] | None = None
    """(xmin, ymin, xmax, ymax) of the model space, drawing units."""
    georeference: GeoReference | None = None
    layers: tuple[str, ...] = field(default=())
    """All layer names that carry entities, for detection and reporting."""
