"""The room card's findings (stored run first, computed only when none covers the room) and its
survey versions, through the service and through the page and API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from gis_app.accounts import Scope
from gis_app.analysis.context import build_context
from gis_app.analysis.models import Finding
from gis_app.analysis.run import run_analysis
from gis_app.app import create_app
from gis_app.models import Occupancy
from gis_app.models import RoomVersion
from gis_app.models import SurveyBatch
from layers.base import FeatureNotFound
from layers.findings import covering_run
from layers.records import room_record
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import PROVINCE
from tests.web.cityfixture import QINGSHI
from tests.web.cityfixture import insert_city
from tests.web.cityfixture import insert_grid_floor
from tests.web.cityfixture import insert_users
from tests.web.cityfixture import seat_over_standard_leader
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in

EVERYTHING = Scope(everything=True)


def _leader_room(session) -> tuple[object, int]:  # noqa: ANN001
    city = insert_city(session)
    floor_id = insert_grid_floor(session, city.building_id, "4F", 4, rooms=3)
    return city, seat_over_standard_leader(session, city, floor_id)


def test_without_a_stored_run_the_rooms_findings_are_computed(db_session, settings):
    _city, room_id = _leader_room(db_session)
    record = room_record(db_session, settings, room_id, EVERYTHING)
    assert record["findings"]["source"]["kind"] == "computed"
    (finding,) = [f for f in record["findings"]["findings"] if f["rule"] == 3]
    assert finding["kind"] == "leader_over_standard" and finding["person"] == "王五"
    assert (finding["area_m2"], finding["limit_m2"], finding["excess_m2"]) == (24.0, 18.0, 6.0)
    assert finding["standard"] == record["findings"]["source"]["standard"]
    assert finding["rooms"] == [{"number": "401", "building": "1号办公楼", "area": 24.0}]
    assert finding["about"] == "room"
    assert db_session.query(Finding).count() == 0  # looking stores nothing


def test_a_stored_run_is_read_not_recomputed(db_session, settings):
    _city, room_id = _leader_room(db_session)
    run = run_analysis(db_session, build_context(db_session, settings, region_code=LIXIA),
                       actor="test")  # fmt: skip
    assert covering_run(db_session, LIXIA, None) == run
    assert covering_run(db_session, QINGSHI, None) is None
    # the occupant leaves after the run: the card still shows what the run found that day
    db_session.execute(update(Occupancy).where(Occupancy.room_id == room_id)
                       .values(valid_to=dt.date.today()))  # fmt: skip
    record = room_record(db_session, settings, room_id, EVERYTHING)
    source = record["findings"]["source"]
    assert source == {"kind": "stored", "run_id": run.id, "as_of": run.as_of.isoformat(),
                      "standard": source["standard"]}  # fmt: skip
    rules = [f["rule"] for f in record["findings"]["findings"]]
    assert 3 in rules
    leader = next(f for f in record["findings"]["findings"] if f["rule"] == 3)
    assert leader["excess_m2"] == 6.0 and leader["figures"]["limit"] == 18.0


def test_findings_follow_the_users_scope(db_session, settings):
    city, room_id = _leader_room(db_session)
    run_analysis(db_session, build_context(db_session, settings, region_code=LIXIA), actor="t")
    own = Scope(agency_ids=frozenset({city.agency_id}))
    assert [f["rule"] for f in room_record(db_session, settings, room_id, own)["findings"]
            ["findings"]] == [3]  # fmt: skip
    region = Scope(region_prefixes=frozenset({LIXIA[:6]}))
    assert 3 in [f["rule"] for f in room_record(db_session, settings, room_id, region)
                 ["findings"]["findings"]]  # fmt: skip
    with pytest.raises(FeatureNotFound):  # another agency's user does not see the room at all
        room_record(
            db_session, settings, room_id, Scope(agency_ids=frozenset({city.edu_agency_id}))
        )


def test_survey_versions_are_listed_newest_first(db_session, settings):
    city = insert_city(db_session)
    batches = [
        SurveyBatch(sha256=f"{n:064d}", file_name=f"1F-{year}.dxf", building_id=city.building_id,
                    floor_id=city.floor_1f_id, floor_name="1F", status="confirmed",
                    created_by="test", decided_at=dt.datetime(year, 5, 1, tzinfo=dt.UTC),
                    province_code=PROVINCE)
        for n, year in enumerate((2021, 2024), start=1)
    ]  # fmt: skip
    db_session.add_all(batches)
    db_session.flush()
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPolygon
    from shapely.geometry import box

    for batch, (start, end, area) in zip(
        batches,
        [(dt.datetime(2021, 5, 1, tzinfo=dt.UTC), dt.datetime(2024, 5, 1, tzinfo=dt.UTC), 23.5),
         (dt.datetime(2024, 5, 1, tzinfo=dt.UTC), None, 24.0)],
        strict=True,
    ):  # fmt: skip
        db_session.add(
            RoomVersion(room_id=city.office_id, survey_batch_id=batch.id, valid_from=start,
                        valid_to=end, number="101", usable_area_m2=area,
                        plan_geom=from_shape(MultiPolygon([box(0, 0, 6, 4)]), srid=0),
                        area_rule="inner_outline", province_code=PROVINCE)
        )  # fmt: skip
    db_session.flush()
    versions = room_record(db_session, settings, city.office_id, EVERYTHING)["versions"]
    assert [(v["valid_from"], v["valid_to"], v["usable_area_m2"], v["file_name"])
            for v in versions] == [
        ("2024-05-01", None, 24.0, "1F-2024.dxf"),
        ("2021-05-01", "2024-05-01", 23.5, "1F-2021.dxf"),
    ]  # fmt: skip
    assert versions[0]["batch_id"] == batches[1].id and versions[0]["confirmed_on"] == "2024-05-01"


def test_room_page_and_api_show_findings_and_versions(settings):
    def fill(session):  # noqa: ANN001, ANN202
        city, room_id = _leader_room(session)
        insert_users(session)
        return city, room_id

    _city, room_id = insert_into(settings.database_url, fill)
    client = logged_in(create_app(settings), "caizheng")
    card = client.get(f"/api/rooms/{room_id}").get_json()
    assert card["findings"]["source"]["kind"] == "computed"
    assert [f["rule"] for f in card["findings"]["findings"]] == [3]
    assert card["versions"] == []
    html = client.get(f"/rooms/{room_id}").get_data(as_text=True)
    for text in ("问题与依据", "领导干部办公室超标", "面积 24.00 m²", "标准 18.00 m²",
                 "超出 6.00 m²", "即时计算", "测绘版本"):  # fmt: skip
        assert text in html, text
