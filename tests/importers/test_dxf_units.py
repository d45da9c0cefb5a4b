"""Unit decisions: the header is trusted only when the geometry is plausible in it."""

from __future__ import annotations

import pytest

from gis_app.report import ImportReport
from survey_import.dxf_units import decide_units
from survey_import.dxf_units import normalise_unit


def _grid(x0: float, y0: float, step: float, n: int = 10) -> list[tuple[float, float]]:
    return [(x0 + i * step, y0 + j * step) for i in range(n) for j in range(n)]


def _decide(**kwargs: object):
    report = ImportReport()
    args = {
        "declared_code": None,
        "override": None,
        "rings": [],
        "points": [],
        "text_heights": [],
        "geodata_scale": None,
    }
    args.update(kwargs)
    return decide_units(report=report, **args), report


def test_plausible_header_is_kept() -> None:
    decision, report = _decide(
        declared_code=4, rings=[2.4e7] * 10, points=_grid(0, 0, 6000), text_heights=[300] * 5
    )
    assert (decision.declared, decision.used, decision.inferred) == ("mm", "mm", False)
    assert "UNITS_DECLARED" in report.codes() and not report.warnings


def test_zone_prefixed_gauss_krueger_coordinates_are_metres_whatever_the_header() -> None:
    decision, report = _decide(declared_code=4, points=_grid(37_468_544, 4_323_540, 2500))
    assert decision.used == "m" and decision.inferred and decision.declared == "mm"
    assert "UNITS_HEADER_IMPLAUSIBLE" in report.codes()


def test_unitless_projected_survey_is_metres() -> None:
    decision, _ = _decide(declared_code=0, points=_grid(246_625, 375_046, 200))
    assert decision.used == "m" and decision.declared is None and decision.inferred


def test_missing_header_with_mm_sized_rooms_infers_mm() -> None:
    decision, report = _decide(rings=[1.5e7, 2.4e7, 3.0e7, 1.2e7], points=_grid(0, 0, 5000))
    assert decision.used == "mm" and decision.inferred
    assert "UNITS_INFERRED" in report.codes()


def test_inch_header_with_inch_sized_building_is_kept() -> None:
    decision, _ = _decide(
        declared_code=1, rings=[47_098_443.0] * 3, points=_grid(17_688, 4_967, 1000)
    )
    assert decision.used == "in" and not decision.inferred


def test_override_wins_and_is_not_inferred() -> None:
    decision, report = _decide(declared_code=4, override="feet", points=_grid(0, 0, 10))
    assert (decision.used, decision.factor_to_m, decision.inferred) == ("ft", 0.3048, False)
    assert "UNITS_OVERRIDE" in report.codes()


def test_no_geometry_falls_back_to_metres_with_a_warning() -> None:
    decision, report = _decide()
    assert decision.used == "m" and decision.inferred
    assert "UNITS_UNKNOWN" in report.codes()


def test_unknown_unit_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="furlong"):
        normalise_unit("furlong")


@pytest.mark.parametrize("seed", range(6))
def test_the_extent_is_read_from_the_same_ranked_points_as_a_full_sort(seed: int) -> None:
    """The span and centre come from a partial sort; they are the values a stable full sort
    puts at those ranks, the sign of a zero included (0.0 and -0.0 are equal to a sort)."""
    import math
    import random

    import numpy as np

    from survey_import.dxf_units import _evidence

    rng = random.Random(seed)
    choices = [0.0, -0.0, 1.5, -2.25, 1e6]
    count = rng.choice([2, 3, 101, 997])
    xy = [
        rng.choice(choices) if rng.random() < 0.5 else rng.uniform(-1e5, 1e5)
        for _ in range(2 * count)
    ]
    ev = _evidence([], np.array(xy), [])
    lo = int(count * 0.01)
    hi = max(count - 1 - lo, lo)
    xs, ys = sorted(xy[0::2]), sorted(xy[1::2])
    dx, dy = xs[hi] - xs[lo], ys[hi] - ys[lo]
    assert ev.span == (max(dx, dy) if max(dx, dy) > 0 else None)
    assert ev.centre is not None
    for got, want in zip(ev.centre, (xs[count // 2], ys[count // 2]), strict=True):
        assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
