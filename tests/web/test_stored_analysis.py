"""Dashboards and the planner read the newest stored analysis run; a visit computes nothing.

In 历下区, 市财政局 uses 101 (office, 24 m², 张三), 102 (meeting room, 32 m²), 301 (office,
20 m², 闲置) and 401 (office, 24 m², 王五, a 副局(处)级 with an 18 m² limit): basic area
24 + 32 + 20 + 24 = 100.00 m², of which 301's 20.00 m² stand idle; 王五 is 6.00 m² over.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from gis_app.analysis.context import build_context
from gis_app.analysis.models import AnalysisRun
from gis_app.analysis.models import Finding
from gis_app.analysis.run import run_analysis
from gis_app.app import create_app
from gis_app.config import Settings
from gis_app.models import Occupancy
from gis_app.models import Person
from gis_app.models import Room
from tests.web.cityfixture import LIXIA
from tests.web.cityfixture import QINGSHI
from tests.web.cityfixture import City
from tests.web.cityfixture import insert_city_with_leader
from tests.web.conftest import insert_into
from tests.web.conftest import logged_in
from tests.web.conftest import post_form

JINAN = "370100000000"
RUN_DAY = dt.date(2025, 6, 30)


@pytest.fixture
def world(settings: Settings) -> tuple[Flask, City]:
    """A fresh city (with 王五 over standard in 401) and its users, in this test's database."""

    city = insert_into(settings.database_url, insert_city_with_leader)
    return create_app(settings), city


def _store_run(settings: Settings, region: str) -> tuple[int, int]:
    """A run over ``region`` on RUN_DAY by "analyst": (run id, its findings in 历下区)."""

    def store(session):  # noqa: ANN001, ANN202
        ctx = build_context(session, settings, as_of=RUN_DAY, region_code=region)
        run = run_analysis(session, ctx, actor="analyst")
        session.commit()
        in_lixia = session.scalar(
            select(func.count(Finding.id)).where(
                Finding.run_id == run.id, Finding.region_code.startswith("370102")
            )
        )
        return run.id, in_lixia

    return insert_into(settings.database_url, store)


def _counts(settings: Settings) -> tuple[int, int]:
    def count(session):  # noqa: ANN001, ANN202
        return (
            session.scalar(select(func.count(AnalysisRun.id))),
            session.scalar(select(func.count(Finding.id))),
        )

    return insert_into(settings.database_url, count)


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'id="kpi-{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def test_without_a_run_the_pages_say_so_and_offer_the_button(world, settings: Settings):
    app, _city = world
    lixia = logged_in(app, "lixia")
    for url in ("/dashboard", "/planner/"):
        html = lixia.get(url).get_data(as_text=True)
        assert "尚无覆盖本行政区划的分析结果" in html, url
        assert 'id="rerun-form"' in html and "运行分析" in html, url
        assert 'id="chart-agencies"' not in html
    agency = logged_in(app, "caizheng").get("/dashboard").get_data(as_text=True)
    assert "尚无覆盖本行政区划的分析结果" in agency and "请联系调剂规划人员" in agency
    assert 'id="rerun-form"' not in agency  # an agency manager may not run the analysis
    assert _counts(settings) == (0, 0)  # looking computed and stored nothing


def test_the_pages_show_the_stored_runs_figures_and_date(world, settings: Settings):
    app, city = world
    run_id, in_lixia = _store_run(settings, LIXIA)

    def change_after_the_run(session):  # noqa: ANN001, ANN202
        session.execute(update(Room).where(Room.id == city.meeting_id).values(status="闲置"))
        wang = session.scalar(select(Person.id).where(Person.name == "王五"))
        session.execute(
            update(Occupancy).where(Occupancy.person_id == wang).values(valid_to=RUN_DAY)
        )
        session.commit()

    insert_into(settings.database_url, change_after_the_run)
    lixia = logged_in(app, "lixia")
    html = lixia.get("/dashboard").get_data(as_text=True)
    assert f"数据截至 2025-06-30（分析批次 #{run_id}，analyst 于" in html
    assert f'data-run-id="{run_id}"' in html and "重新分析" in html
    assert _kpi(html, "actual") == "100.00 m²"
    assert _kpi(html, "idle") == "20.00 m²"  # the run's day: 102 was not idle yet
    assert _kpi(html, "findings") == str(in_lixia)
    planner = logged_in(app, "planner").get("/planner/").get_data(as_text=True)
    assert "王五" in planner and "6.00" in planner  # found by the run, moved out since
    english = lixia.get("/dashboard?lang=en").get_data(as_text=True)
    assert f"As of 2025-06-30 (analysis run #{run_id}, run by analyst at" in english
    assert _counts(settings)[0] == 1  # the visits stored nothing more


def test_rerun_needs_csrf_and_the_right_role(world, settings: Settings):
    app, _city = world
    lixia = logged_in(app, "lixia")
    no_token = lixia.post("/dashboard/analysis", data={"region": LIXIA})
    assert no_token.status_code == 400
    agency = logged_in(app, "caizheng")
    assert post_form(agency, "/dashboard/analysis", {"region": LIXIA}).status_code == 403
    elsewhere = post_form(lixia, "/dashboard/analysis", {"region": QINGSHI})
    assert elsewhere.status_code == 404  # not in 历下区's jurisdiction
    assert _counts(settings) == (0, 0)

    done = post_form(lixia, "/dashboard/analysis", {"region": LIXIA})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/dashboard?region={LIXIA}"

    def the_run(session):  # noqa: ANN001, ANN202
        run = session.scalars(select(AnalysisRun)).one()
        return run.id, run.actor, run.region_code, run.as_of

    run_id, actor, region, as_of = insert_into(settings.database_url, the_run)
    assert (actor, region, as_of) == ("lixia", LIXIA, dt.date.today())
    page = lixia.get(done.headers["Location"]).get_data(as_text=True)
    assert f"分析完成：批次 #{run_id}" in page and f'data-run-id="{run_id}"' in page
    assert _kpi(page, "actual") == "100.00 m²"
    planner = logged_in(app, "planner")
    back = post_form(planner, "/dashboard/analysis", {"region": LIXIA, "back": "planner"})
    assert back.headers["Location"] == f"/planner/?region={LIXIA}"
    odd = post_form(planner, "/dashboard/analysis", {"region": LIXIA, "back": "//evil.example"})
    assert odd.headers["Location"] == f"/dashboard?region={LIXIA}"


def test_a_scoped_dashboard_shows_only_its_scope(world, settings: Settings):
    """One run over 济南市 holds both counties; each user sees only their part of it."""
    app, _city = world
    run_id, in_lixia = _store_run(settings, JINAN)
    lixia = logged_in(app, "lixia").get("/dashboard").get_data(as_text=True)
    assert f'data-run-id="{run_id}"' in lixia
    assert "市财政局" in lixia and "历下区教育局" in lixia and "青石县财政局" not in lixia
    assert _kpi(lixia, "findings") == str(in_lixia)
    qingshi = logged_in(app, "qingshi").get("/dashboard").get_data(as_text=True)
    assert "青石县财政局" in qingshi and "市财政局" not in qingshi.replace("青石县财政局", "")
    assert _kpi(qingshi, "actual") == "35.00 m²"  # 201, 7 m x 5 m
    agency = logged_in(app, "caizheng").get("/dashboard").get_data(as_text=True)
    assert f'data-run-id="{run_id}"' in agency
    assert "市财政局" in agency and "历下区教育局" not in agency
    assert _kpi(agency, "actual") == "100.00 m²"
    assert logged_in(app, "lixia").get(f"/dashboard?region={QINGSHI}").status_code == 404
