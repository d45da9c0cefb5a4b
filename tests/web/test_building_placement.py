"""The building page says which floor plans are not on the map or do not fit the footprint."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.affinity import translate
from shapely.geometry import MultiPolygon
from shapely.geometry import box

from gis_app import models
from tests.web.conftest import insert_into

FOOTPRINT = box(117.0, 36.6, 117.0004, 36.6002)  # about 36 m x 22 m


def _building_with_floors(session) -> int:  # noqa: ANN001
    session.add(
        models.Region(
            code="371800000000", gb_code="371800", name="明湖市", level="市", province_code="37"
        )
    )
    session.flush()
    compound = models.Compound(name="市委大院", region_code="371800000000", province_code="37")
    building = models.Building(
        name="1号楼",
        compound=compound,
        footprint=from_shape(MultiPolygon([FOOTPRINT]), srid=4490),
        floors_above=3,
        province_code="37",
    )
    session.add_all([compound, building])
    session.flush()
    inside = MultiPolygon([box(117.0001, 36.6001, 117.0002, 36.60015)])
    outside = MultiPolygon([translate(inside.geoms[0], xoff=0.01)])  # about 900 m east
    for ordinal, name, map_geom in ((1, "1F", inside), (2, "2F", None), (3, "3F", outside)):
        floor = models.Floor(building=building, ordinal=ordinal, name=name, province_code="37")
        session.add(floor)
        session.flush()
        session.add(
            models.Room(
                floor_id=floor.id,
                number=f"{ordinal}01",
                plan_geom=from_shape(MultiPolygon([box(0, 0, 6, 4)]), srid=0),
                map_geom=None if map_geom is None else from_shape(map_geom, srid=4490),
                usable_area_m2=24.0,
                area_rule="usable:polygon-minus-holes",
                province_code="37",
            )
        )
    session.commit()
    return building.id


def test_floor_list_flags_unplaced_and_misfitting_plans(empty_client, settings):
    building_id = insert_into(settings.database_url, _building_with_floors)
    page = empty_client.get(f"/buildings/{building_id}").get_data(as_text=True)
    floors = page.split('id="floor-list"')[1].split("</ol>")[0]
    first, second, third = floors.split('<li class="floor')[1:4]
    assert "1F" in first and "floor-placement" not in first
    assert "2F" in second and "未配准，未上图" in second
    assert "3F" in third and "与楼栋轮廓不符：仅 0% 在轮廓内" in third
