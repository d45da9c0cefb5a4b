"""Georeferencing fits: GEODATA, similarity and affine control points, footprint alignment."""

from __future__ import annotations

import math
import random

import pytest
from shapely import affinity
from shapely.geometry import Polygon

from floorplans.georef import GeoreferenceError
from floorplans.georef import PlanTransform
from floorplans.georef import cgcs2000_gk_epsg
from floorplans.georef import fit_affine
from floorplans.georef import fit_footprint
from floorplans.georef import fit_similarity
from floorplans.georef import from_georeference
from floorplans.georef import gk_epsg_from_easting
from floorplans.georef import to_map
from floorplans.primitives import GeoReference

CRS = "EPSG:4548"  # CGCS2000 3° GK, CM 117E (Jinan)
PLAN = [(0.0, 0.0), (42.0, 0.0), (42.0, 18.0), (0.0, 18.0), (21.0, 9.0)]


def similarity(x, y, angle_deg=30.0, scale=1.0, shift=(500_000.0, 4_060_000.0)):
    r = math.radians(angle_deg)
    return (
        scale * (math.cos(r) * x - math.sin(r) * y) + shift[0],
        scale * (math.sin(r) * x + math.cos(r) * y) + shift[1],
    )


def test_similarity_fit_recovers_known_transform_with_zero_rms():
    points = [(p, similarity(*p)) for p in PLAN]
    t = fit_similarity(points, CRS)
    assert t.method == "similarity"
    assert t.rotation_deg == pytest.approx(30.0)
    assert t.scale == pytest.approx(1.0)
    assert t.rms_m == pytest.approx(0.0, abs=1e-6)
    assert t.apply_point(10.0, 5.0) == pytest.approx(similarity(10.0, 5.0))


def test_similarity_fit_from_two_points_is_exact():
    t = fit_similarity([(PLAN[0], similarity(*PLAN[0])), (PLAN[1], similarity(*PLAN[1]))], CRS)
    assert t.apply_point(*PLAN[2]) == pytest.approx(similarity(*PLAN[2]))


def test_similarity_fit_reports_rms_of_noisy_points():
    rng = random.Random(7)
    noisy = [(p, tuple(v + rng.uniform(-0.05, 0.05) for v in similarity(*p))) for p in PLAN]
    t = fit_similarity(noisy, CRS)
    assert 0.005 < t.rms_m < 0.06
    assert len(t.residuals_m) == len(PLAN)
    assert t.rotation_deg == pytest.approx(30.0, abs=0.2)


def test_affine_fit_recovers_shear_and_uneven_scale():
    def affine(x, y):
        return (1.01 * x + 0.02 * y + 1000.0, -0.01 * x + 0.98 * y + 2000.0)

    t = fit_affine([(p, affine(*p)) for p in PLAN], CRS)
    assert t.method == "affine"
    assert (t.a, t.b, t.c, t.d, t.e, t.f) == pytest.approx((1.01, 0.02, 1000, -0.01, 0.98, 2000))
    assert t.rms_m == pytest.approx(0.0, abs=1e-6)
    noisy = [(p, (affine(*p)[0] + 0.1 * (-1) ** i, affine(*p)[1])) for i, p in enumerate(PLAN)]
    assert fit_affine(noisy, CRS).rms_m > 0.01


@pytest.mark.parametrize(
    ("fit", "points", "message"),
    [
        (fit_similarity, [((0, 0), (1, 1))], "at least 2"),
        (fit_similarity, [((0, 0), (1, 1)), ((0, 0), (2, 2))], "coincide"),
        (fit_affine, [((0, 0), (0, 0)), ((1, 1), (1, 1)), ((2, 2), (2, 2))], "one line"),
    ],
)
def test_bad_control_points_are_refused(fit, points, message):
    with pytest.raises(GeoreferenceError, match=message):
        fit(points, CRS)


def test_geodata_places_design_point_and_turns_north():
    geo = GeoReference(
        crs="EPSG:27700",
        design_point=(1000.0, 2000.0),
        reference_point=(530000.0, 180000.0),
        north_direction_deg=90.0,  # north points along the drawing's -X axis
        unit_scale=0.001,  # drawing in mm
    )
    t = from_georeference(geo, factor=0.001)
    assert t.apply_point(1.0, 2.0) == pytest.approx((530000.0, 180000.0))
    # One metre along drawing -X is one metre north.
    assert t.apply_point(0.0, 2.0) == pytest.approx((530000.0, 180001.0))
    assert t.scale == pytest.approx(1.0)


def test_footprint_fit_of_rotated_l_shape_picks_the_right_quarter_turn():
    plan = Polygon([(0, 0), (30, 0), (30, 10), (10, 10), (10, 20), (0, 20)])
    truth = PlanTransform.identity(CRS)
    footprint = affinity.translate(
        affinity.rotate(plan, 57.0, origin=(0, 0)), 500_100.0, 4_060_200.0
    )
    t = fit_footprint(plan, footprint, CRS)
    assert t.method == "footprint"
    assert t.iou == pytest.approx(1.0, abs=1e-6)
    assert t.rms_m == pytest.approx(0.0, abs=1e-6)
    assert t.rotation_deg == pytest.approx(57.0)
    assert t.apply(plan).symmetric_difference(footprint).area < 1e-6
    assert truth.apply(plan).equals(plan)


def test_footprint_fit_ties_go_to_the_smallest_rotation():
    square = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    footprint = affinity.translate(square, 100.0, 50.0)
    t = fit_footprint(square, footprint, CRS)
    assert t.rotation_deg == pytest.approx(0.0)
    assert (t.c, t.f) == pytest.approx((100.0, 50.0))


def test_to_map_gives_cgcs2000_lon_lat_and_keeps_plan_area():
    room = Polygon([(0, 0), (6, 0), (6, 4), (0, 4)])
    t = fit_similarity(
        [((0, 0), (500_000.0, 4_060_000.0)), ((6, 0), (500_006.0, 4_060_000.0))], CRS
    )
    lonlat = to_map(room, t)
    lon, lat = lonlat.exterior.coords[0]
    assert lon == pytest.approx(117.0, abs=1e-6)  # central meridian at false easting 500 km
    assert 36.0 < lat < 37.0
    assert room.area == 24.0


def test_gauss_kruger_zone_codes():
    assert cgcs2000_gk_epsg(117.0) == "EPSG:4548"
    assert cgcs2000_gk_epsg(120.2, zone_prefix=True) == "EPSG:4528"
    assert gk_epsg_from_easting(40_585_252.0) == "EPSG:4528"
    with pytest.raises(GeoreferenceError):
        cgcs2000_gk_epsg(10.0)
