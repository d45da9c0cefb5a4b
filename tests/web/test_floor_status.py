"""超标 on the floor plan: a room whose occupants exceed their standard in the newest stored
analysis run is shown (coloured, listed, in the legend) as over standard, in both languages,
while its stored 使用状态 stays what the survey said."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from gis_app.accounts import Scope
from gis_app.analysis.context import build_context
from gis_app.analysis.run import run_analysis
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from layers.rooms import RoomsProvider
from layers.styles import FLOOR_STATUS_COLOURS
from layers.styles import OVER_STANDARD_STATUS
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import PROVINCE
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city
from tests.web.cityfixture import insert_grid_floor
from tests.web.cityfixture import seat_over_standard_leader
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in

EVERYTHING = Scope(everything=True)


def _shown(session: Session, floor_id: int, scope: Scope = EVERYTHING) -> dict[str, tuple]:
    rooms = RoomsProvider(frame="plan").query(session, floor_id=floor_id, scope=scope)
    return {
        f["properties"]["number"]: (
            f["properties"]["shown_status"],
            f["properties"]["over_standard"],
            f["properties"]["status"],
        )
        for f in rooms["features"]
    }


def _leader_floor(session: Session) -> tuple[City, int, int]:
    city = insert_city(session)
    floor_id = insert_grid_floor(session, city.building_id, "4F", 4, rooms=3)
    return city, floor_id, seat_over_standard_leader(session, city, floor_id)


def _analyse(session: Session, settings) -> None:  # noqa: ANN001
    run_analysis(session, build_context(session, settings, region_code=LIXIA), actor="test")


def test_over_standard_comes_from_the_newest_stored_run(db_session, settings):
    _city, floor_id, _room_id = _leader_floor(db_session)
    stored = _shown(db_session, floor_id)
    # no stored run yet: nothing is computed for the plan, every room shows its own status
    assert all(shown == status and not over for shown, over, status in stored.values())

    _analyse(db_session, settings)
    shown = _shown(db_session, floor_id)
    assert shown["401"] == (OVER_STANDARD_STATUS, True, stored["401"][2])
    assert shown["402"] == stored["402"] and shown["403"] == stored["403"]

    # 王五 moves out and a newer run finds nothing: the plan follows the newest run
    db_session.execute(
        update(Occupancy).where(Occupancy.person_id.is_not(None)).values(valid_to=dt.date.today())
    )
    _analyse(db_session, settings)
    assert _shown(db_session, floor_id)["401"] == stored["401"]


def test_a_shared_office_over_its_occupants_limits_is_over_standard(db_session, settings):
    city = insert_city(db_session)
    floor_id = insert_grid_floor(db_session, city.building_id, "4F", 4, rooms=4)
    office = db_session.query(Room).filter_by(floor_id=floor_id, number="404").one()
    office.agency_id = city.agency_id  # 24 m² for two clerks of a 市 agency (9 m² each)
    for name in ("甲", "乙"):
        clerk = Person(agency_id=city.agency_id, name=name, position="科员", rank="局(处)级以下",
                       province_code=PROVINCE)  # fmt: skip
        db_session.add(Occupancy(person=clerk, room=office, valid_from=dt.date(2023, 1, 1),
                                 province_code=PROVINCE))  # fmt: skip
    db_session.flush()
    _analyse(db_session, settings)
    shown = _shown(db_session, floor_id)
    assert shown["404"][:2] == (OVER_STANDARD_STATUS, True)  # rule 4 names the room itself
    assert not any(shown[number][1] for number in ("401", "402", "403"))


def test_users_scoped_to_the_agency_or_the_region_see_it_over_standard(db_session, settings):
    city, floor_id, _room_id = _leader_floor(db_session)
    _analyse(db_session, settings)
    own = Scope(agency_ids=frozenset({city.agency_id}))
    assert _shown(db_session, floor_id, own)["401"][:2] == (OVER_STANDARD_STATUS, True)
    region = Scope(region_prefixes=frozenset({LIXIA[:6]}))
    assert _shown(db_session, floor_id, region)["401"][:2] == (OVER_STANDARD_STATUS, True)


@pytest.fixture(scope="module")
def leader_floor_id(city_database: tuple[str, City], city_settings) -> int:  # noqa: ANN001
    url, city = city_database

    def fill(session: Session) -> int:
        floor_id = insert_grid_floor(session, city.building_id, "4F", 4, rooms=3)
        seat_over_standard_leader(session, city, floor_id)
        _analyse(session, city_settings)
        session.commit()
        return floor_id

    return insert_into(url, fill)


def test_rooms_api_gives_the_status_to_show_and_its_colour(app: Flask, leader_floor_id: int):
    client = logged_in(app, "lixia")
    body = client.get(f"/api/floors/{leader_floor_id}/rooms").get_json()
    by_number = {f["properties"]["number"]: f["properties"] for f in body["features"]}
    leader = by_number["401"]
    assert leader["over_standard"] is True and leader["shown_status"] == "超标"
    assert leader["status"] != "超标"  # the stored status is kept beside it
    assert by_number["402"]["over_standard"] is False
    assert by_number["402"]["shown_status"] == by_number["402"]["status"]
    assert body["colours"]["status"]["超标"] == FLOOR_STATUS_COLOURS[OVER_STANDARD_STATUS]
    # every status the plan can show has a colour distinct from the others
    assert len(set(body["colours"]["status"].values())) == len(body["colours"]["status"])


@pytest.mark.parametrize(("lang", "label"), [("zh", "超标"), ("en", "Over standard")])
def test_the_status_legend_names_over_standard(app: Flask, city: City, leader_floor_id: int,
                                               lang: str, label: str):  # fmt: skip
    client = logged_in(app, "lixia")
    page = client.get(f"/buildings/{city.building_id}?floor={leader_floor_id}&lang={lang}")
    html = page.get_data(as_text=True)
    legend = html[html.index('data-legend="status"') :]
    legend = legend[: legend.index("</ul>")]
    colour = FLOOR_STATUS_COLOURS[OVER_STANDARD_STATUS]
    assert f'<span class="swatch" style="background: {colour}"></span>{label}</li>' in legend
