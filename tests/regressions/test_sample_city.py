"""The sample city, loaded by `gis-app demo` through the real importers, is what it promises:
every drawn floor live with its areas, and exactly the deliberate cases found by the checker."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis_app import models
from gis_app.analysis.context import build_context
from gis_app.analysis.run import compute_findings
from gis_app.cli import root
from gis_app.config import Settings


def _query(settings: Settings, sql: str, **params: object) -> list:
    engine = create_engine(settings.database_url or "")
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def test_every_surveyed_floor_is_live_with_the_drawn_areas(demo_settings, demo_manifest):
    rows = _query(
        demo_settings,
        """SELECT b.code, f.name, count(r.id), round(sum(r.usable_area_m2)::numeric, 2),
                  count(r.map_geom)
           FROM room r JOIN floor f ON f.id = r.floor_id JOIN building b ON b.id = f.building_id
           WHERE r.retired_at IS NULL GROUP BY b.code, f.name""",
    )
    live = {(code, floor): (n, float(total), mapped) for code, floor, n, total, mapped in rows}
    assert len(demo_manifest["floors"]) >= 20
    for floor in demo_manifest["floors"]:
        n, total, mapped = live[(floor["building"], floor["floor"])]
        assert n == floor["room_count"], floor["file"]
        assert total == pytest.approx(floor["total_area"], abs=0.01), floor["file"]
        assert mapped == n  # every room was placed on the map by the footprint fit
    people = _query(demo_settings, "SELECT count(*) FROM person")[0][0]
    assert people >= 300


def test_every_sample_floor_is_fitted_to_its_footprint_by_the_outer_walls(demo_settings):
    """The sample drawings have no drawn floor outline: the fit traces the outer wall face,
    which lies on the footprint (fitting the rooms merged reached only IoU ~0.88)."""
    rows = _query(
        demo_settings,
        """SELECT georef->>'outline_source', (georef->>'iou')::float FROM floor
           WHERE georef IS NOT NULL""",
    )
    assert len(rows) >= 20
    for source, iou in rows:
        assert source == "outer_walls"
        assert iou >= 0.99


def test_a_second_demo_run_reuses_the_data(demo_settings):
    result = CliRunner().invoke(root, ["demo", "--no-serve"], obj=demo_settings)
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    assert "demo-planner" in result.output


@pytest.fixture(scope="module")
def findings(demo_settings: Settings, demo_manifest: dict) -> list:
    engine = create_engine(demo_settings.database_url or "")
    try:
        with Session(engine) as session:
            as_of = dt.date.fromisoformat(demo_manifest["as_of"])
            drafts = compute_findings(session, build_context(session, demo_settings, as_of=as_of))
            people = dict(session.execute(select(models.Person.id, models.Person.name)).all())
            rooms = {
                room_id: (code, number)
                for room_id, code, number in session.execute(
                    select(models.Room.id, models.Building.code, models.Room.number)
                    .join(models.Floor, models.Floor.id == models.Room.floor_id)
                    .join(models.Building, models.Building.id == models.Floor.building_id)
                )
            }
            session.rollback()
    finally:
        engine.dispose()
    return [(d, people.get(d.person_id), rooms.get(d.room_id)) for d in drafts]


def test_exactly_the_deliberate_cases_are_found(findings, demo_manifest):
    expected = Counter(
        c["kind"] for c in demo_manifest["deliberate_cases"] if c["expected_finding"]
    )
    assert Counter(d.kind for d, _, _ in findings) == expected


def _case_findings(findings, case):
    who = case.get("who", {}).get("name")
    rooms = {(r["building"], r["number"]) for r in case["rooms"]}
    return [
        d
        for d, person, room in findings
        if d.kind == case["kind"] and (person == who if who else room in rooms)
    ]


@pytest.mark.parametrize(
    "kind",
    [
        "leader_over_standard",
        "shared_office_over",
        "toilet_not_eligible",
        "retired_still_holding_office",
        "transferred_still_holding_office",
        "second_office_without_approval",
        "concurrent_post_ended_office_held",
        "idle_room_flagged",
        "leased_out",
        "lease_expired_not_recovered",
        "room_not_in_ledger",
    ],
)
def test_each_deliberate_case_has_its_figures(findings, demo_manifest, kind):
    cases = [c for c in demo_manifest["deliberate_cases"] if c["kind"] == kind]
    assert cases
    for case in cases:
        (finding,) = _case_findings(findings, case)
        figures = case["expected"]
        if kind == "leader_over_standard":
            assert finding.area_m2 == pytest.approx(figures["total"], abs=0.005)
            assert finding.limit_m2 == case["who"]["limit"]
            assert finding.excess_m2 == pytest.approx(figures["excess"], abs=0.005)
        elif kind == "shared_office_over":
            assert finding.area_m2 == pytest.approx(figures["area"], abs=0.005)
            assert finding.limit_m2 == pytest.approx(figures["sum_of_limits"], abs=0.005)
            assert finding.excess_m2 == pytest.approx(figures["excess"], abs=0.005)
        elif kind == "toilet_not_eligible":
            assert finding.area_m2 == pytest.approx(figures["toilet"], abs=0.005)
        elif kind in ("retired_still_holding_office", "transferred_still_holding_office"):
            assert finding.area_m2 == pytest.approx(figures["office"], abs=0.005)
            assert f"已逾期 {figures['days_overdue']} 天" in finding.message
        elif kind == "idle_room_flagged":
            assert finding.area_m2 == pytest.approx(figures["area"], abs=0.005)
            assert figures["idle_since"] in finding.message
        elif kind == "leased_out":
            assert finding.area_m2 == pytest.approx(figures["area"], abs=0.005)
            for key in ("counterparty", "counterparty_kind", "contract_start", "contract_end"):
                assert finding.figures[key] == figures[key], key
            assert finding.evidence["contract"]["counterparty"] == figures["counterparty"]
        elif kind == "lease_expired_not_recovered":
            assert finding.area_m2 == pytest.approx(figures["area"], abs=0.005)
            assert finding.figures["contract_end"] == figures["contract_end"]
            assert finding.figures["days_overdue"] == figures["days_overdue"]
            assert f"已逾期 {figures['days_overdue']} 天" in finding.message
        elif kind == "room_not_in_ledger":
            assert finding.area_m2 == pytest.approx(figures["area"], abs=0.005)
            assert (finding.figures["building"], finding.figures["number"]) == (
                figures["building"],
                figures["number"],
            )


def test_the_cases_that_must_not_be_found_are_not(findings, demo_manifest):
    for case in demo_manifest["deliberate_cases"]:
        if not case["expected_finding"]:
            assert _case_findings(findings, case) == [], case["kind"]


def test_the_demo_stores_an_analysis_run_of_the_deliberate_findings(demo_settings, demo_manifest):
    expected = sum(1 for c in demo_manifest["deliberate_cases"] if c["expected_finding"])
    ((runs, findings),) = _query(
        demo_settings,
        "SELECT count(*), (SELECT count(*) FROM finding) FROM analysis_run",
    )
    assert (runs, findings) == (1, expected)
