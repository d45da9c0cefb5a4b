"""Each checker rule of standards.md §7 on a small world whose figures are checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from gis_app.analysis.checks import gk3_zone
from gis_app.analysis.context import build_context
from gis_app.analysis.run import compute_findings
from gis_app.config import Settings
from gis_app.standards.store import set_limit
from tests.db.analysis_world import AS_OF
from tests.db.analysis_world import World
from tests.db.analysis_world import months_before


def findings(session, *, toilet_inside_limit=True, idle_months=6, as_of=AS_OF, **scope):
    settings = Settings(toilet_inside_limit=toilet_inside_limit, idle_threshold_months=idle_months)
    ctx = build_context(session, settings, as_of=as_of, **scope)
    return compute_findings(session, ctx)


def only(found, kind):
    matching = [f for f in found if f.kind == kind]
    assert len(matching) == 1, [(f.kind, f.message) for f in found]
    return matching[0]


@pytest.fixture
def world(db_session):
    return World(db_session)


@pytest.fixture
def site(world):
    compound = world.compound("区政府大院", 117.113, 36.688)
    return world.building("区政府办公楼", compound, 117.113, 36.688)


# -- rule 3: the leader's suite ----------------------------------------------------------------


def test_a_county_head_with_26_m2_office_and_8_m2_rest_room_is_4_m2_over_30(world, site):
    gov = world.agency("湖滨区人民政府", staff={"县级正职": 1, "科级以下": 20})
    head = world.person(gov, "张三", "县级正职", position="区长")
    office = world.room(site, "301", 6.5, 4.0, subtype="领导办公室", agency=gov)
    rest = world.room(site, "302", 4.0, 2.0, use="服务用房", subtype="休息室", agency=gov)
    world.occupy(head, office, rest)

    finding = only(findings(world.session), "leader_over_standard")

    assert finding.rule == 3
    assert finding.person_id == head.id
    assert finding.figures["office"] == 26.0
    assert finding.figures["rest_room"] == 8.0
    assert finding.figures["total"] == 34.0
    assert finding.figures["limit"] == 30.0
    assert finding.figures["excess"] == 4.0
    assert finding.excess_m2 == pytest.approx(4.0)
    assert {r["room_id"] for r in finding.evidence["rooms"]} == {office.id, rest.id}
    assert finding.evidence["standard"]["code"] == "2014"


def test_a_suite_within_the_limit_is_no_finding(world, site):
    gov = world.agency("湖滨区人民政府", staff={"县级副职": 1})
    deputy = world.person(gov, "李四", "县级副职")
    world.occupy(
        deputy,
        world.room(site, "303", 5.0, 4.0, subtype="领导办公室", agency=gov),
        world.room(site, "304", 2.0, 2.0, use="服务用房", subtype="休息室", agency=gov),
    )

    assert findings(world.session) == []


def test_a_private_meeting_room_counts_but_a_shared_one_does_not(world, site):
    gov = world.agency("湖滨区人民政府", staff={"县级副职": 1, "科级以下": 1})
    deputy = world.person(gov, "李四", "县级副职")
    clerk = world.person(gov, "王五", "科级以下")
    office = world.room(site, "303", 5.0, 4.0, subtype="领导办公室", agency=gov)
    private = world.room(site, "305", 3.0, 2.0, use="服务用房", subtype="会议室", agency=gov)
    world.occupy(deputy, office, private)

    finding = only(findings(world.session), "leader_over_standard")
    assert (finding.figures["meeting_room"], finding.figures["total"]) == (6.0, 26.0)
    assert finding.figures["excess"] == 2.0

    world.occupy(clerk, private)  # the meeting room is now shared: not part of the suite
    assert [f.kind for f in findings(world.session)] == []


# -- rule 5 and the toilet policy ----------------------------------------------------------------


def _city_head_with_toilet(world, site, toilet_area_depth):
    gov = world.agency("明湖市人民政府", "市", kind="政府", staff={"市级正职": 1})
    mayor = world.person(gov, "赵六", "市级正职", position="市长")
    world.occupy(
        mayor,
        world.room(site, "601", 6.0, 6.0, subtype="领导办公室", agency=gov),
        world.room(
            site, "602", 2.0, toilet_area_depth, use="服务用房", subtype="卫生间", agency=gov
        ),
    )
    return mayor


def test_an_eligible_toilet_counts_inside_the_limit_when_the_policy_says_so(world, site):
    _city_head_with_toilet(world, site, 4.0)  # 36 + 8 = 44 > 42; toilet 8 > 6 m² cap

    on = findings(world.session, toilet_inside_limit=True)
    over = only(on, "leader_over_standard")
    assert over.figures["total"] == 44.0
    assert (over.figures["limit"], over.figures["excess"]) == (42.0, 2.0)
    cap = only(on, "toilet_over_cap")
    assert cap.rule == 5 and cap.figures["toilet_excess"] == 2.0 and cap.excess_m2 == 2.0

    off = findings(world.session, toilet_inside_limit=False)
    # Only the 2 m² above the permitted 6 m² count: 36 + 2 = 38 ≤ 42
    assert [f.kind for f in off] == ["toilet_over_cap"]


def test_an_eligible_toilet_of_5_m2_is_excluded_when_the_policy_is_off(world, site):
    _city_head_with_toilet(world, site, 2.5)  # 36 + 5 = 41 ≤ 42 either way
    assert findings(world.session, toilet_inside_limit=True) == []
    assert findings(world.session, toilet_inside_limit=False) == []


def test_a_toilet_in_a_deputy_bureau_heads_suite_is_a_finding(world, site):
    bureau = world.agency("明湖市财政局", "市", staff={"副局(处)级": 1})
    deputy = world.person(bureau, "钱七", "副局(处)级", position="副局长")
    world.occupy(
        deputy,
        world.room(site, "310", 2.4, 5.4, subtype="领导办公室", agency=bureau),
        world.room(site, "311", 1.5, 2.6, use="服务用房", subtype="卫生间", agency=bureau),
    )

    found = findings(world.session)
    toilet = only(found, "toilet_not_eligible")
    assert toilet.figures["toilet"] == 3.9
    assert toilet.figures["total"] == 16.86  # 12.96 + 3.9 ≤ 18: not over the area limit
    assert toilet.figures["toilet_eligible"] is False
    assert (toilet.figures["toilet_excess"], toilet.figures["excess"]) == (3.9, 0.0)
    assert toilet.figures["total_toilet_excluded"] == 12.96
    assert [f.kind for f in found] == ["toilet_not_eligible"]


def test_a_toilet_of_a_city_peoples_congress_head_is_not_eligible(world, site):
    congress = world.agency("明湖市人大常委会", "市", kind="人大", staff={"市级正职": 1})
    head = world.person(congress, "孙八", "市级正职")
    world.occupy(
        head,
        world.room(site, "401", 5.0, 6.0, subtype="领导办公室", agency=congress),
        world.room(site, "402", 2.0, 2.0, use="服务用房", subtype="卫生间", agency=congress),
    )
    assert only(findings(world.session), "toilet_not_eligible").figures["toilet"] == 4.0


# -- rule 1: note-1/note-2 remapping -----------------------------------------------------------


def test_a_bureau_of_a_sub_provincial_city_uses_the_provincial_bureau_limit(world, site):
    city = world.agency(
        "副省级市人民政府", "市", level_name="副省级", staff={"市级正职": 1, "市级副职": 1}
    )
    bureau = world.agency(
        "副省级市财政局", "市", level_name="副厅级", parent=city, staff={"正局(处)级": 1}
    )
    head = world.person(bureau, "周九", "正局(处)级")
    world.occupy(head, world.room(site, "501", 6.0, 4.5, subtype="领导办公室", agency=bureau))

    # 27 m²: over the 市 row's 24, within the 省 row's 正厅(局)级 30 (note 1)
    assert findings(world.session) == []

    plain = world.agency("普通市财政局", "市", level_name="正处级", staff={"正局(处)级": 1})
    other = world.person(plain, "吴十", "正局(处)级")
    world.occupy(other, world.room(site, "502", 6.0, 4.5, subtype="领导办公室", agency=plain))
    finding = only(findings(world.session), "leader_over_standard")
    assert finding.person_id == other.id
    assert (finding.figures["limit"], finding.figures["excess"]) == (24.0, 3.0)


def test_a_central_bureau_level_dispatched_unit_uses_the_provincial_row(world, site):
    unit = world.agency(
        "某部驻明湖派出机构", "中央", level_name="正司（局）级", staff={"正司(局)级": 1, "处级": 2}
    )
    head = world.person(unit, "郑一", "正司(局)级")
    world.occupy(head, world.room(site, "701", 7.0, 4.0, subtype="领导办公室", agency=unit))

    # 28 m²: over the central 正司(局)级 24, within the provincial 正厅(局)级 30 (note 2)
    assert [f.kind for f in findings(world.session)] == []


def test_a_rank_outside_the_agencys_row_is_reported(world, site):
    gov = world.agency("湖滨区人民政府", staff={"县级正职": 1})
    world.person(gov, "王二", "正厅(局)级")
    finding = only(findings(world.session), "rank_not_in_row")
    assert finding.rule == 1 and finding.figures["category"] == "县"


# -- rule 2: the 乡级 row ----------------------------------------------------------------------


def test_township_people_need_their_provinces_row(world, site):
    town = world.agency("青石镇人民政府", "乡", region=world.other_county, staff={"乡级正职": 1})
    head = world.person(town, "冯二", "乡级正职")
    world.occupy(head, world.room(site, "101", 5.0, 4.0, subtype="领导办公室", agency=town))

    missing = only(findings(world.session), "township_row_missing")
    assert missing.rule == 2 and missing.figures["people"] == 1

    set_limit(
        world.session, category="乡", rank="乡级正职", limit_m2=18, province_code="37", actor="test"
    )
    over = only(findings(world.session), "leader_over_standard")
    assert (over.figures["limit"], over.figures["excess"]) == (18.0, 2.0)


# -- rule 4: shared offices --------------------------------------------------------------------


def test_a_shared_office_is_compared_with_the_sum_of_its_occupants_limits(world, site):
    bureau = world.agency("明湖市财政局", "市", staff={"局(处)级以下": 5})
    a = world.person(bureau, "甲", "局(处)级以下")
    b = world.person(bureau, "乙", "局(处)级以下")
    over = world.room(site, "320", 3.6, 6.0, agency=bureau)  # 21.6 m² for 2 × 9
    world.occupy(a, over)
    world.occupy(b, over)
    c, d, e = (world.person(bureau, n, "局(处)级以下") for n in "丙丁戊")
    within = world.room(site, "321", 4.2, 6.0, agency=bureau)  # 25.2 m² for 3 × 9
    for p in (c, d, e):
        world.occupy(p, within)

    finding = only(findings(world.session), "shared_office_over")
    assert finding.rule == 4 and finding.room_id == over.id
    assert finding.figures == {
        "area": 21.6,
        "occupants": 2,
        "sum_of_limits": 18.0,
        "per_person": 10.8,
        "excess": 3.6,
    }
    assert {p["name"] for p in finding.evidence["people"]} == {"甲", "乙"}


# -- rule 6 and 7: entitlement --------------------------------------------------------------------


def test_entitlement_a_b_d_against_actual_with_the_service_index(world, site):
    gov = world.agency("湖滨区人民政府", staff={"县级正职": 1, "科级以下": 4}, headcount=4)
    # A = 30 + 4 × 9 = 66; B = 5 × 7 = 35; D = 0.09 × 101 = 9.09; basic 110.09
    world.room(site, "101", 10.0, 7.0, agency=gov)  # office 70 > 66
    world.room(site, "102", 5.0, 6.0, use="服务用房", subtype="会议室", agency=gov)  # 30
    world.room(site, "103", 2.0, 5.0, use="设备用房", subtype="变配电室", agency=gov)  # 10 > 9.09

    finding = only(findings(world.session), "entitlement_exceeded")
    assert finding.rule == 6
    figures = finding.figures
    assert figures["office"] == {
        "entitled": 66.0,
        "actual": 70.0,
        "excess": 4.0,
        "excess_ratio": 0.0606,
    }
    assert figures["service"]["entitled"] == 35.0 and figures["service"]["excess"] == 0.0
    assert figures["equipment"] == {
        "entitled": 9.09,
        "actual": 10.0,
        "excess": 0.91,
        "excess_ratio": 0.1001,
    }
    assert figures["basic"]["entitled"] == 110.09 and figures["basic"]["actual"] == 110.0
    assert figures["basic"]["excess"] == 0.0
    assert figures["over"] == ["office", "equipment"]
    assert figures["approved_staff"] == 5
    assert (figures["actual_headcount"], figures["vacancies"]) == (4, 1)
    assert figures["k"] == 0.65
    assert figures["building_entitled"] == round(110.09 / 0.65, 2)


def test_a_high_rise_agency_uses_k_60_percent(world):
    tower = world.building(
        "市政府大楼", world.compound("大院", 117.12, 36.67), 117.12, 36.67, high_rise=True
    )
    gov = world.agency("明湖市人民政府", "市", staff={"市级正职": 1})
    world.room(tower, "101", 10.0, 5.0, agency=gov)  # 50 > A = 42
    figures = only(findings(world.session), "entitlement_exceeded").figures
    # A 42 + B 8 + D 4.5 = 54.5; S = 54.5 / 0.60
    assert figures["basic"]["entitled"] == 54.5
    assert figures["k"] == 0.6
    assert figures["building_entitled"] == round(54.5 / 0.6, 2)


def test_an_agency_using_space_without_approved_staff_is_reported(world, site):
    gov = world.agency("无编制单位")
    world.room(site, "101", 3.0, 3.0, agency=gov, status="在用", use="服务用房", subtype="档案室")
    assert only(findings(world.session), "no_approved_staff").rule == 7


# -- rule 8 ----------------------------------------------------------------------------------


def test_a_room_without_use_category_cannot_be_counted(world, site):
    gov = world.agency("湖滨区人民政府", staff={"科级以下": 1})
    world.room(site, "109", 3.0, 3.0, use=None, subtype=None, agency=gov)
    assert only(findings(world.session), "unclassified_room").rule == 8


# -- rule 9: one office per leader ---------------------------------------------------------------


def test_two_offices_without_a_concurrent_post(world, site):
    bureau = world.agency("明湖市财政局", "市", staff={"正局(处)级": 1})
    head = world.person(bureau, "褚一", "正局(处)级")
    first = world.room(site, "330", 2.8, 5.4, subtype="领导办公室", agency=bureau)
    second = world.room(site, "110", 3.0, 2.8, subtype="领导办公室", agency=bureau)
    world.occupy(head, first, second)

    finding = only(findings(world.session), "second_office_without_approval")
    assert finding.rule == 9
    assert finding.figures["offices"] == 2
    assert sorted(finding.figures["areas"]) == [8.4, 15.12]
    assert finding.figures["total"] == 23.52 and finding.figures["limit"] == 24.0
    assert finding.figures["concurrent_approved"] is None  # no concurrent post at all


def test_an_approved_smaller_second_office_is_allowed_and_a_large_one_is_not(world, site):
    main = world.agency("明湖市发改委", "市", staff={"正局(处)级": 1})
    office = world.agency("明湖市政府办", "市", staff={"副局(处)级": 1})
    head = world.person(
        main, "卫二", "正局(处)级", concurrent_agency=office, concurrent_approved=True
    )
    world.occupy(head, world.room(site, "301", 2.8, 5.4, subtype="领导办公室", agency=main))
    second = world.room(site, "501", 3.0, 2.8, subtype="领导办公室", agency=office)
    world.occupy(head, second)
    assert findings(world.session) == []

    second.usable_area_m2 = 24.0
    world.session.flush()
    finding = only(findings(world.session), "concurrent_office_not_smaller")
    assert finding.figures["concurrent_office_area"] == 24.0


def test_an_office_of_an_ended_concurrent_post_is_due_two_months_later(world, site):
    main = world.agency("明湖市自然资源局", "市", staff={"正局(处)级": 1})
    other = world.agency("明湖市财政局", "市", staff={"正局(处)级": 1})
    ended = months_before(AS_OF, 3)
    head = world.person(
        main,
        "蒋三",
        "正局(处)级",
        concurrent_agency=other,
        concurrent_approved=True,
        concurrent_end=ended,
    )
    world.occupy(
        head,
        world.room(site, "201", 2.8, 5.4, subtype="领导办公室", agency=main),
        world.room(site, "305", 3.0, 2.8, subtype="领导办公室", agency=other),
    )

    finding = only(findings(world.session), "concurrent_post_ended_office_held")
    vacate_by = months_before(AS_OF, 1)
    assert finding.figures["vacate_by"] == vacate_by.isoformat()
    assert finding.figures["days_overdue"] == (AS_OF - vacate_by).days == 31
    assert finding.figures["offices"] == 2

    # Two months to the day: still within the deadline
    assert findings(world.session, as_of=vacate_by) == []


def test_three_offices_are_never_allowed(world, site):
    bureau = world.agency("明湖市财政局", "市", staff={"正局(处)级": 1})
    head = world.person(bureau, "沈四", "正局(处)级")
    world.occupy(head, *(world.room(site, f"90{i}", 2.0, 2.0, agency=bureau) for i in range(3)))
    assert only(findings(world.session), "too_many_offices").figures["offices"] == 3


# -- rule 10: retired or transferred ---------------------------------------------------------------


def test_a_retired_holder_is_overdue_one_month_after_retirement(world, site):
    congress = world.agency("明湖市人大常委会", "市", kind="人大", staff={"市级副职": 1})
    retired_on = months_before(AS_OF, 3)
    deputy = world.person(congress, "韩五", "市级副职", status="退休", status_date=retired_on)
    world.occupy(deputy, world.room(site, "202", 6.0, 3.6, subtype="领导办公室", agency=congress))

    finding = only(findings(world.session), "retired_still_holding_office")
    vacate_by = months_before(AS_OF, 2)
    assert finding.rule == 10
    assert finding.figures["vacate_by"] == vacate_by.isoformat()
    assert finding.figures["days_overdue"] == (AS_OF - vacate_by).days
    assert finding.figures["office"] == 21.6

    # One month to the day after retirement: not yet overdue
    assert findings(world.session, as_of=months_before(AS_OF, 2)) == []


def test_a_transferred_holder_who_handed_over_is_no_finding(world, site):
    bureau = world.agency("明湖市发改委", "市", staff={"副局(处)级": 1})
    gone = world.person(
        bureau, "杨六", "副局(处)级", status="调离", status_date=months_before(AS_OF, 2)
    )
    room = world.room(site, "303", 3.0, 5.4, subtype="领导办公室", agency=bureau)
    world.occupy(gone, room)
    assert only(findings(world.session), "transferred_still_holding_office").rule == 10

    occupancy = gone.occupancies[0]
    occupancy.valid_to = months_before(AS_OF, 2) + dt.timedelta(days=10)
    world.session.flush()
    kinds = [f.kind for f in findings(world.session)]
    assert "transferred_still_holding_office" not in kinds


# -- rules 11, 12, 13 ----------------------------------------------------------------------------


def test_a_leased_out_room_is_a_violation(world, site):
    gov = world.agency("明湖市机关事务管理局", "市", staff={"局(处)级以下": 5})
    room = world.room(
        site, "105", 3.6, 6.0, agency=gov, status="出租", status_since=months_before(AS_OF, 14)
    )
    finding = only(findings(world.session), "leased_out")
    assert finding.rule == 11 and finding.room_id == room.id
    assert finding.figures["area"] == 21.6
    assert finding.figures["status_date"] == months_before(AS_OF, 14).isoformat()


def test_change_of_use_and_technical_rooms_used_as_offices(world, site):
    gov = world.agency("明湖市自然资源局", "市", staff={"局(处)级以下": 10})
    archive = world.room(site, "120", 4.0, 5.0, agency=gov, approved_use="服务用房")
    lab = world.building(
        "检测中心", None, 117.114, 36.689, use_class="技术业务", title_record="鲁(2016)第1号"
    )
    in_lab = world.room(lab, "101", 4.0, 5.0, agency=gov, approved_use="技术业务用房")
    occupant = world.person(gov, "朱七", "局(处)级以下")
    world.occupy(occupant, archive)
    other = world.person(gov, "秦八", "局(处)级以下")
    world.occupy(other, in_lab)

    found = findings(world.session)
    assert only(found, "change_of_use").room_id == archive.id
    assert only(found, "technical_used_as_office").room_id == in_lab.id


@pytest.mark.parametrize(("months", "flagged"), [(5, False), (7, True)])
def test_idle_for_5_months_is_not_yet_flagged_and_7_months_is(world, site, months, flagged):
    gov = world.agency("湖滨区人民政府", staff={"科级以下": 10})
    left_on = months_before(AS_OF, months)
    room = world.room(site, "201", 3.0, 6.0, agency=gov, status="闲置", status_since=left_on)
    former = world.person(gov, "尤九", "科级以下")
    world.occupy(former, room, since=dt.date(2019, 1, 1), until=left_on)
    world.occupy(former, world.room(site, "202", 3.0, 3.0, agency=gov), since=left_on)

    idle = [f for f in findings(world.session) if f.rule == 13]
    if not flagged:
        assert idle == []
        return
    (finding,) = idle
    assert finding.kind == "idle_room_flagged" and finding.room_id == room.id
    assert finding.figures["idle_since"] == left_on.isoformat()
    assert finding.figures["days_idle"] == (AS_OF - left_on).days
    assert finding.figures["area"] == 18.0


def test_idle_since_comes_from_the_history_when_the_status_was_not_updated(world, site):
    gov = world.agency("湖滨区人民政府", staff={"科级以下": 10})
    room = world.room(site, "203", 3.0, 6.0, agency=gov)  # 在用, nobody in it
    left_on = dt.date(2025, 12, 30)  # exactly 6 months before AS_OF: flagged
    world.occupy(world.person(gov, "许十", "科级以下"), room, until=left_on)
    finding = only(findings(world.session), "idle_room_flagged")
    assert finding.figures["idle_since"] == "2025-12-30"
    assert findings(world.session, idle_months=7) == []


# -- rules 14, 16, 17 ----------------------------------------------------------------------------


def test_title_records(world):
    no_title = world.compound("无证大院", 117.15, 36.66, land_title=None)
    wrong = world.compound("登记在使用单位", 117.16, 36.66, title_holder="明湖市财政局")
    world.compound("登记在机关事务局", 117.17, 36.66, title_holder="明湖市机关事务管理局")
    rented = world.building("租用楼", wrong, 117.16, 36.66, tenure="租用")
    world.building("自有楼", wrong, 117.16, 36.66)
    lone = world.building("无院落楼", None, 117.18, 36.66)

    found = findings(world.session)
    assert only(found, "no_land_title").compound_id == no_title.id
    assert only(found, "title_not_bureau").compound_id == wrong.id
    assert only(found, "lease_without_agreement").building_id == rented.id
    assert only(found, "no_title_record").building_id == lone.id
    assert {f.rule for f in found} == {14}


def test_swapped_axes_are_caught(world):
    world.compound("坐标颠倒", 36.66, 117.15)
    finding = only(findings(world.session), "geometry_out_of_range")
    assert finding.rule == 16


def test_gauss_kruger_zone_from_longitude():
    assert gk3_zone(102.0) == (34, 4522, 4543)
    assert gk3_zone(126.0) == (42, 4530, 4551)
    assert gk3_zone(117.12) == (39, 4527, 4548)
    with pytest.raises(ValueError):
        gk3_zone(60.0)


def test_a_1999_value_in_the_active_table_is_flagged(world):
    set_limit(
        world.session, category="县", rank="县级正职", limit_m2=20, actor="test", allow_legacy=True
    )
    finding = only(findings(world.session), "legacy_value")
    assert finding.rule == 17
    assert (finding.figures["value"], finding.figures["legacy_value"]) == (20.0, 20.0)


# -- scope ---------------------------------------------------------------------------------------


def test_scope_by_region_and_agency(world, site):
    county_gov = world.agency("湖滨区人民政府", staff={"县级正职": 1})
    other_gov = world.agency("青石县人民政府", region=world.other_county, staff={"县级正职": 1})
    for gov, number in ((county_gov, "1"), (other_gov, "2")):
        head = world.person(gov, f"县长{number}", "县级正职")
        world.occupy(head, world.room(site, number, 8.0, 4.0, subtype="领导办公室", agency=gov))

    def over(**scope):
        return [
            f.agency_id
            for f in findings(world.session, **scope)
            if f.kind == "leader_over_standard"
        ]

    assert sorted(over()) == sorted([county_gov.id, other_gov.id])
    assert over(region_code="371821000000") == [other_gov.id]
    assert over(agency_id=county_gov.id) == [county_gov.id]


def test_a_run_stores_its_findings_with_the_standard_version_and_policy(world, site):
    from gis_app.analysis.run import run_analysis

    gov = world.agency("湖滨区人民政府", staff={"县级正职": 1, "科级以下": 20})
    head = world.person(gov, "张三", "县级正职")
    world.occupy(head, world.room(site, "301", 8.0, 4.0, subtype="领导办公室", agency=gov))
    settings = Settings(toilet_inside_limit=False)
    ctx = build_context(world.session, settings, as_of=AS_OF, region_code="371802000000")
    run = run_analysis(world.session, ctx, actor="test")

    (stored,) = run.findings
    assert (stored.rule, stored.kind, stored.person_id) == (3, "leader_over_standard", head.id)
    assert stored.standard_version_id == ctx.version.id and stored.as_of == AS_OF
    assert stored.province_code == "37" and stored.figures["excess"] == 2.0
    assert run.parameters["toilet_inside_limit"] is False
    assert run.summary["by_kind"] == {"3:leader_over_standard": 1}
