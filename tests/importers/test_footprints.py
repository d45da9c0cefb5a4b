"""Footprint import: formats, CRS checks and refusals, compound links, re-import, history."""

from __future__ import annotations

import ezdxf
import pytest
from click.testing import CliRunner
from geoalchemy2.shape import to_shape
from sqlalchemy import func
from sqlalchemy import select

from gis_app.audit import outline_history
from gis_app.cli import root
from gis_app.db import session_scope
from gis_app.models import AuditLog
from gis_app.models import Building
from gis_app.models import Compound
from survey_import.footprints import FootprintCode
from survey_import.footprints import FootprintOptions
from survey_import.footprints import describe_coordinates
from survey_import.footprints import import_footprints
from survey_import.tabular import InputRefused
from tests.importers import registry_data as data


@pytest.fixture
def regions(db_session):
    data.seed_regions(db_session)
    return db_session


def _import(session, path, **options):
    partial = options.pop("partial", False)
    return import_footprints(
        session, path, FootprintOptions(**options), actor="测绘员", partial=partial
    )


def test_geojson_compounds_in_4490_with_ellipsoidal_areas(regions, tmp_path):
    result = _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    assert not result.report.has_errors, result.report.lines()
    compound = regions.scalar(select(Compound).where(Compound.code == "YL01"))
    assert compound.name == "市委大院"
    assert compound.region_code == data.DISTRICT and compound.province_code == "37"
    assert compound.land_title.startswith("鲁(2020)")
    # 200 m x 150 m drawn in the 117°E zone: 30 000 m² on the ellipsoid (GK scale ~1 here)
    assert compound.area_m2 == pytest.approx(30_000, rel=2e-3)
    lon, lat = to_shape(compound.geom).centroid.coords[0]
    assert 117.0 < lon < 117.1 and 36.6 < lat < 36.7  # x = lon, y = lat (always_xy)


def test_geopackage_buildings_in_gauss_kruger_linked_by_code_and_by_position(regions, tmp_path):
    _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    result = _import(regions, data.write_buildings_gpkg(tmp_path / "buildings.gpkg"))
    assert not result.report.has_errors, result.report.lines()
    assert result.crs.startswith("EPSG:4548")
    buildings = {b.code: b for b in regions.scalars(select(Building))}
    assert buildings["LD01"].compound.code == "YL01"  # by 院落编码
    assert buildings["LD02"].compound.code == "YL01"  # no code: the compound that contains it
    assert FootprintCode.LINKED in result.report.codes()
    assert buildings["LD03"].compound.code == "YL02"
    assert buildings["LD01"].footprint_area_m2 == pytest.approx(1_200, rel=2e-3)
    assert (buildings["LD01"].floors_above, buildings["LD01"].floors_below) == (5, 1)
    assert buildings["LD01"].year_built == 1998 and buildings["LD01"].use_class == "办公"
    assert buildings["LD02"].is_high_rise and not buildings["LD01"].is_high_rise


@pytest.mark.filterwarnings("ignore:Could not decode error message")
def test_zipped_shapefile_with_the_kind_given(regions, tmp_path):
    _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    result = _import(regions, data.write_buildings_zip(tmp_path), kind="building")
    assert not result.report.has_errors, result.report.lines()
    assert regions.scalar(select(func.count()).select_from(Building)) == 3
    assert regions.scalar(select(Building).where(Building.code == "LD03")).compound.code == "YL02"


def test_zone_prefixed_easting_under_the_cm_code_is_read_in_the_prefixed_zone(regions, tmp_path):
    _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    path = data.write_buildings_gpkg(tmp_path / "b.gpkg", zone_prefix=True)  # 39xxxxxx as 4548
    result = _import(regions, path)
    assert FootprintCode.ZONE_PREFIX in {f.code for f in result.report.fixes}
    assert result.crs.startswith("EPSG:4527")
    building = regions.scalar(select(Building).where(Building.code == "LD01"))
    assert building.footprint_area_m2 == pytest.approx(1_200, rel=2e-3)
    assert building.compound.code == "YL01"


def test_dxf_outlines_need_a_crs_and_take_names_from_texts(regions, tmp_path):
    doc = ezdxf.new()
    msp = doc.modelspace()
    for code, name, (dx, dy, w, h) in data.COMPOUNDS:
        x0, y0 = data.X0 + dx, data.Y0 + dy
        msp.add_lwpolyline([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)], close=True)
        msp.add_text(name, dxfattribs={"insert": (x0 + 10, y0 + 10)})
        msp.add_text(code, dxfattribs={"insert": (x0 + 10, y0 + 30)})
    path = tmp_path / "院落.dxf"
    doc.saveas(path)
    with pytest.raises(InputRefused, match="没有坐标系.*不带带号的高斯-克吕格"):
        _import(regions, path, kind="compound", region_code=data.DISTRICT)
    result = _import(regions, path, kind="compound", crs="EPSG:4548", region_code=data.DISTRICT)
    assert not result.report.has_errors, result.report.lines()
    compound = regions.scalar(select(Compound).where(Compound.code == "YL02"))
    assert compound.name == "市政府大院"
    assert compound.area_m2 == pytest.approx(50_000, rel=2e-3)


@pytest.mark.parametrize(
    ("crs", "shift", "expected"),
    [
        (None, "gk", "没有坐标系.*不带带号的高斯-克吕格.*EPSG:4534"),
        ("urn:ogc:def:crs:EPSG::4548", "mercator", "EPSG:4548.*不符.*Web 墨卡托.*--crs EPSG:3857"),
        ("urn:ogc:def:crs:EPSG::4490", "gk", "EPSG:4490.*不是经纬度.*高斯-克吕格"),
        ("urn:ogc:def:crs:EPSG::4490", "paris", "不在中国境内"),
        ("urn:ogc:def:crs:EPSG::4549", "prefix39", "EPSG:4549.*带号 39"),
    ],
)
def test_contradictory_or_missing_crs_is_refused_with_what_the_coordinates_look_like(
    regions, tmp_path, crs, shift, expected
):
    poly = data.gk_box(0, 0, 100, 100)
    if shift == "mercator":
        from pyproj import Transformer

        to_3857 = Transformer.from_crs(4490, 3857, always_xy=True)
        ll = data.to_lonlat(poly)
        poly = type(poly)([to_3857.transform(x, y) for x, y in ll.exterior.coords])
    elif shift == "paris":
        poly = type(poly)(
            [(2.35 + i * 0.001, 48.85 + j * 0.001) for i, j in [(0, 0), (1, 0), (1, 1), (0, 1)]]
        )
    elif shift == "prefix39":
        poly = type(poly)([(x + 39_000_000, y) for x, y in poly.exterior.coords])
    path = data.write_geojson(tmp_path / "x.geojson", [poly], [{"名称": "某院"}], crs)
    if crs is None:  # GeoJSON without crs member means WGS84 lon/lat: metres contradict it
        expected = "不是经纬度.*高斯-克吕格"
    with pytest.raises(InputRefused, match=expected):
        _import(regions, path, kind="compound", region_code=data.DISTRICT)
    assert regions.scalar(select(func.count()).select_from(Compound)) == 0


def test_describe_coordinates_names_each_frame():
    assert describe_coordinates((117.0, 36.6, 117.1, 36.7))[1] == "EPSG:4490"
    assert describe_coordinates((39_500_000, 4_050_000, 39_500_500, 4_050_400))[1] == "EPSG:4527"
    assert describe_coordinates((13_000_000, 4_390_000, 13_000_500, 4_390_500))[1] == "EPSG:3857"
    assert "颠倒" in describe_coordinates((36.6, 117.0, 36.7, 117.1))[0]


def test_reimport_updates_by_code_and_keeps_the_old_outline_in_history(
    regions, tmp_path, monkeypatch
):
    path = data.write_compounds_geojson(tmp_path / "compounds.geojson")
    _import(regions, path)
    again = _import(regions, path)
    assert again.tally.changed == 0
    audit_rows = regions.scalar(select(func.count()).select_from(AuditLog))
    monkeypatch.setattr(
        data, "COMPOUNDS", [("YL01", "市委大院", (0, 0, 220, 150)), data.COMPOUNDS[1]]
    )
    changed = _import(regions, data.write_compounds_geojson(tmp_path / "c2.geojson"))
    assert changed.tally.to_dict() == {"compound": {"updated": 1, "unchanged": 1}}
    assert regions.scalar(select(func.count()).select_from(Compound)) == 2
    compound = regions.scalar(select(Compound).where(Compound.code == "YL01"))
    assert compound.area_m2 == pytest.approx(33_000, rel=2e-3)
    history = outline_history(regions, "compound", compound.id)
    assert [h.action for h in history] == ["create", "update"]
    assert history[1].before_wkt == history[0].after_wkt
    assert history[1].after_wkt.startswith("MULTIPOLYGON")
    assert regions.scalar(select(func.count()).select_from(AuditLog)) == audit_rows + 1


def test_reimport_without_codes_matches_by_overlap(regions, tmp_path):
    _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    slightly_moved = data.to_lonlat(data.gk_box(5, 0, 200, 150))
    path = data.write_geojson(
        tmp_path / "nocode.geojson",
        [slightly_moved],
        [{"名称": "市委机关大院", "行政区划代码": data.DISTRICT}],
        "urn:ogc:def:crs:EPSG::4490",
    )
    result = _import(regions, path, kind="compound")
    assert FootprintCode.MATCHED_BY_OVERLAP in result.report.codes()
    assert regions.scalar(select(func.count()).select_from(Compound)) == 2
    renamed = regions.scalar(select(Compound).where(Compound.code == "YL01"))
    assert renamed.name == "市委机关大院"


def test_name_and_code_fields_can_be_named(regions, tmp_path):
    poly = data.to_lonlat(data.gk_box(1000, 1000, 50, 50))
    path = data.write_geojson(
        tmp_path / "custom.geojson",
        [poly],
        [{"YARD": "北院", "YARD_ID": "YL09", "行政区划代码": data.DISTRICT}],
        "urn:ogc:def:crs:EPSG::4490",
    )
    _import(regions, path, kind="compound", name_field="YARD", code_field="YARD_ID")
    assert regions.scalar(select(Compound.name).where(Compound.code == "YL09")) == "北院"
    with pytest.raises(InputRefused, match="没有属性列「NOPE」"):
        _import(regions, path, kind="compound", name_field="NOPE")


def test_unknown_compound_code_is_a_row_error_and_nothing_is_written(regions, tmp_path):
    result = _import(regions, data.write_buildings_gpkg(tmp_path / "buildings.gpkg"))
    assert {e.code for e in result.report.errors} == {FootprintCode.UNKNOWN_COMPOUND}
    assert {e.data["row"] for e in result.report.errors} == {1, 3}
    assert not result.written
    assert regions.scalar(select(func.count()).select_from(Building)) == 0


def test_buildings_before_their_compound_are_linked_when_it_arrives(regions, tmp_path):
    path = data.write_geojson(
        tmp_path / "b.geojson",
        [data.to_lonlat(data.gk_box(20, 20, 60, 20))],
        [{"编码": "LD01", "名称": "1号办公楼", "行政区划代码": data.DISTRICT}],
        "urn:ogc:def:crs:EPSG::4490",
    )
    first = _import(regions, path, kind="building")
    assert FootprintCode.NO_COMPOUND in first.report.codes()
    _import(regions, data.write_compounds_geojson(tmp_path / "compounds.geojson"))
    building = regions.scalar(select(Building).where(Building.code == "LD01"))
    assert building.compound.code == "YL01"


def test_cli_refusal_is_one_line_exit_2_and_success_exit_0(settings, tmp_path):
    with session_scope(settings) as session:
        data.seed_regions(session)
    runner = CliRunner()
    poly = data.gk_box(0, 0, 100, 100)
    bad = data.write_geojson(tmp_path / "bad.geojson", [poly], [{"名称": "某院"}], None)
    refused = runner.invoke(
        root, ["footprints", "import", str(bad), "--kind", "compound"], obj=settings
    )
    assert refused.exit_code == 2
    assert len(refused.output.strip().splitlines()) == 1 and "--crs" in refused.output
    good = data.write_compounds_geojson(tmp_path / "compounds.geojson")
    ok = runner.invoke(root, ["footprints", "import", str(good), "--format", "json"], obj=settings)
    assert ok.exit_code == 0, ok.output
    assert '"created": 2' in ok.output
