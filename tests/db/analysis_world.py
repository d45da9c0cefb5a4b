"""A tiny hand-checked world for the analysis, report and planner tests, built with the models.

Rooms are rectangles in the plan frame whose usable area is exactly ``width × depth`` (the
figures in the tests are therefore checked by hand). Buildings stand on real CGCS2000 lon/lat in
明湖市 so PostGIS distances are meaningful.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from shapely.geometry import box
from sqlalchemy.orm import Session

from gis_app import models

AS_OF = dt.date(2026, 6, 30)
PROVINCE = "37"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    import calendar

    years, month0 = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class World:
    """Builders that add rows and flush, returning the model objects."""

    def __init__(self, session: Session):
        self.session = session
        self._floors: dict[tuple[int, str], models.Floor] = {}
        self.province = self.region("370000000000", "山东省", "省", None)
        self.city = self.region("371800000000", "明湖市", "市", self.province)
        self.county = self.region("371802000000", "湖滨区", "县", self.city)
        self.other_county = self.region("371821000000", "青石县", "县", self.city)

    def add(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.flush()
        return obj

    def region(self, code: str, name: str, level: str, parent: models.Region | None):
        return self.add(
            models.Region(
                code=code,
                gb_code=code[:6],
                name=name,
                level=level,
                parent_code=parent.code if parent else None,
                province_code=code[:2],
            )
        )

    def agency(
        self,
        name: str,
        category: str = "县",
        *,
        kind: str = "政府",
        level_name: str | None = None,
        parent: models.Agency | None = None,
        region: models.Region | None = None,
        staff: dict[str, int] | None = None,
        headcount: int | None = None,
    ) -> models.Agency:
        region = region or (self.county if category == "县" else self.city)
        return self.add(
            models.Agency(
                name=name,
                category=category,
                kind=kind,
                level_name=level_name,
                parent_id=parent.id if parent else None,
                region_code=region.code,
                approved_staff=staff or {},
                actual_headcount=headcount,
                province_code=PROVINCE,
            )
        )

    def compound(
        self,
        name: str,
        lon: float,
        lat: float,
        *,
        region: models.Region | None = None,
        land_title: str | None = "鲁(2016)不动产权第0000101号",
        title_holder: str | None = None,
    ) -> models.Compound:
        outline = MultiPolygon([box(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)])
        return self.add(
            models.Compound(
                name=name,
                region_code=(region or self.county).code,
                land_title=land_title,
                title_holder=title_holder,
                geom=from_shape(outline, srid=4490),
                province_code=PROVINCE,
            )
        )

    def building(
        self,
        name: str,
        compound: models.Compound | None,
        lon: float,
        lat: float,
        *,
        high_rise: bool = False,
        use_class: str = "办公",
        tenure: str = "自有",
        title_record: str | None = None,
    ) -> models.Building:
        outline = MultiPolygon([box(lon - 0.0002, lat - 0.0001, lon + 0.0002, lat + 0.0001)])
        return self.add(
            models.Building(
                name=name,
                compound_id=compound.id if compound else None,
                is_high_rise=high_rise,
                use_class=use_class,
                tenure=tenure,
                title_record=title_record,
                footprint=from_shape(outline, srid=4490),
                province_code=PROVINCE,
            )
        )

    def floor(self, building: models.Building, name: str) -> models.Floor:
        key = (building.id, name)
        if key not in self._floors:
            self._floors[key] = self.add(
                models.Floor(
                    building_id=building.id,
                    ordinal=float(name.rstrip("F") or 1),
                    name=name,
                    province_code=PROVINCE,
                )
            )
        return self._floors[key]

    def room(
        self,
        building: models.Building,
        number: str,
        width: float,
        depth: float,
        *,
        use: str | None = "办公室",
        subtype: str | None = "一般办公室",
        agency: models.Agency | None = None,
        floor: str = "1F",
        status: str = "在用",
        status_since: dt.date | None = None,
        approved_use: str | None = None,
    ) -> models.Room:
        shape = MultiPolygon([box(0, 0, width, depth)])
        return self.add(
            models.Room(
                floor_id=self.floor(building, floor).id,
                number=number,
                name=subtype,
                use_category=use,
                use_subtype=subtype,
                approved_use=approved_use,
                status=status,
                status_since=status_since,
                agency_id=agency.id if agency else None,
                plan_geom=from_shape(shape, srid=0),
                usable_area_m2=width * depth,
                area_rule="usable:polygon",
                province_code=PROVINCE,
            )
        )

    def person(
        self,
        agency: models.Agency,
        name: str,
        rank: str,
        *,
        position: str = "",
        status: str = "在职",
        status_date: dt.date | None = None,
        concurrent_agency: models.Agency | None = None,
        concurrent_approved: bool = False,
        concurrent_end: dt.date | None = None,
    ) -> models.Person:
        return self.add(
            models.Person(
                agency_id=agency.id,
                name=name,
                position=position or None,
                rank=rank,
                status=status,
                status_date=status_date,
                concurrent_agency_id=concurrent_agency.id if concurrent_agency else None,
                concurrent_post="兼职" if concurrent_agency else None,
                concurrent_approved=concurrent_approved,
                concurrent_end_date=concurrent_end,
                province_code=PROVINCE,
            )
        )

    def occupy(
        self,
        person: models.Person,
        *rooms: models.Room,
        since: dt.date = dt.date(2020, 1, 1),
        until: dt.date | None = None,
    ) -> None:
        for room in rooms:
            self.add(
                models.Occupancy(
                    person_id=person.id,
                    room_id=room.id,
                    valid_from=since,
                    valid_to=until,
                    province_code=PROVINCE,
                )
            )
