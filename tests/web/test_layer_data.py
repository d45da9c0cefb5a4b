"""Layer answers that depend on the data's life cycle: retired rooms, occupancy periods."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from gis_app.accounts import Scope
from gis_app.app import create_app
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from layers.records import room_card
from layers.rooms import RoomsProvider
from tests.web.cityfixture import PROVINCE
from tests.web.cityfixture import insert_city
from tests.web.cityfixture import insert_users
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in

EVERYTHING = Scope(everything=True)


def test_retired_rooms_leave_the_plan_but_keep_their_card(settings):
    city = insert_into(settings.database_url, insert_city)

    def retire(session):
        session.execute(
            update(Room)
            .where(Room.id == city.meeting_id)
            .values(retired_at=dt.datetime.now(dt.UTC))
        )
        session.commit()

    insert_into(settings.database_url, retire)
    insert_into(settings.database_url, insert_users)
    client = logged_in(create_app(settings), "lixia")
    rooms = client.get(f"/api/floors/{city.floor_1f_id}/rooms").get_json()
    assert city.meeting_id not in [f["id"] for f in rooms["features"]]
    assert client.get(f"/api/buildings/{city.building_id}").get_json()["floors"][1] == {
        "id": city.floor_1f_id,
        "name": "1F",
        "ordinal": 1.0,
        "room_count": 2,
        "usable_area_m2": 36.0,
        "has_plan": True,
        "placement": "吻合",  # the remaining rooms still lie inside the footprint
        "share_inside": 1.0,
    }
    page = client.get(f"/rooms/{city.meeting_id}").get_data(as_text=True)
    assert "该房间已在新测绘中撤销" in page


def test_occupancy_periods_are_half_open(db_session):
    city = insert_city(db_session)
    office = db_session.get(Room, city.office_id)
    wang = Person(agency_id=city.agency_id, name="王五", rank="科员", province_code=PROVINCE)
    db_session.add(wang)
    db_session.add(
        Occupancy(person=wang, room=office, valid_from=dt.date(2030, 1, 1), province_code="37")
    )
    db_session.flush()

    def names(day):
        fc = RoomsProvider(frame="plan", today=day).query(
            db_session, floor_id=city.floor_1f_id, scope=EVERYTHING
        )
        by_id = {f["id"]: f["properties"] for f in fc["features"]}
        return [o["name"] for o in by_id[city.office_id]["occupants"]]

    assert names(dt.date(2022, 2, 28)) == ["李四"]
    assert names(dt.date(2022, 3, 1)) == ["张三"]  # 李四's last day was the day before
    assert names(dt.date(2030, 1, 1)) == ["张三", "王五"]
    card = room_card(db_session, city.office_id, EVERYTHING, today=dt.date(2020, 6, 1))
    assert [o["name"] for o in card["occupants"]] == ["李四"]
    assert len(card["history"]) == 3
