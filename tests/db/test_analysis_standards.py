"""Editing the standards: validation (乡级 ceiling, 1999 guard) and the audit trail."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gis_app.cli import root
from gis_app.models import AuditLog
from gis_app.standards.store import StandardsError
from gis_app.standards.store import active_version
from gis_app.standards.store import legacy_matches
from gis_app.standards.store import limit_table
from gis_app.standards.store import set_k
from gis_app.standards.store import set_limit
from gis_app.standards.store import set_service_index
from gis_app.standards.store import version_by_code


def test_the_migration_seeds_2014_active_and_1999_legacy(db_session):
    version = active_version(db_session)
    assert (version.code, version.document) == ("2014", "发改投资〔2014〕2674号")
    assert limit_table(db_session, version)[("县", "县级正职")] == 30
    legacy = version_by_code(db_session, "1999")
    assert not legacy.active and limit_table(db_session, legacy)[("县", "县级正职")] == 20
    assert legacy_matches(db_session, version) == []


def test_a_township_row_is_per_province_and_at_most_the_county_deputy(db_session):
    with pytest.raises(StandardsError, match="请指定省级代码"):
        set_limit(db_session, category="乡", rank="乡级正职", limit_m2=24, actor="t")
    with pytest.raises(StandardsError, match="不得超过县级副职"):
        set_limit(
            db_session, category="乡", rank="乡级正职", limit_m2=25, province_code="42", actor="t"
        )
    row = set_limit(
        db_session, category="乡", rank="乡级正职", limit_m2=24, province_code="42", actor="admin"
    )
    assert limit_table(db_session, active_version(db_session), "42")[("乡", "乡级正职")] == 24
    assert ("乡", "乡级正职") not in limit_table(db_session, active_version(db_session), "37")
    entry = db_session.scalars(select(AuditLog).where(AuditLog.entity == "standard_limit")).one()
    assert (entry.actor, entry.action, entry.entity_id) == ("admin", "create", str(row.id))
    assert entry.after["limit_m2"] == 24 and entry.province_code == "42"

    set_limit(
        db_session, category="乡", rank="乡级正职", limit_m2=18, province_code="42", actor="admin"
    )
    update = db_session.scalars(
        select(AuditLog).where(AuditLog.entity == "standard_limit").order_by(AuditLog.id.desc())
    ).first()
    assert update.before == {"limit_m2": 24.0} and update.action == "update"


def test_bad_edits_are_refused(db_session):
    with pytest.raises(StandardsError, match="不属于县级机关"):
        set_limit(db_session, category="县", rank="正厅(局)级", limit_m2=30, actor="t")
    with pytest.raises(StandardsError, match="全国统一"):
        set_limit(
            db_session, category="县", rank="县级正职", limit_m2=30, province_code="37", actor="t"
        )
    with pytest.raises(StandardsError, match="单位类别"):
        set_limit(db_session, category="村", rank="x", limit_m2=9, actor="t")
    with pytest.raises(StandardsError, match="0-20"):
        set_service_index(db_session, category="县", m2_per_person=40, actor="t")


def test_the_1999_figures_are_refused_unless_insisted_on(db_session):
    with pytest.raises(StandardsError, match="1999年标准"):
        set_limit(db_session, category="市", rank="市级正职", limit_m2=32, actor="t")
    with pytest.raises(StandardsError, match="1999年标准的系数"):
        set_k(db_session, k_multi_storey=0.60, k_high_rise=0.60, actor="t")
    set_k(db_session, k_multi_storey=0.60, k_high_rise=0.57, actor="t", allow_legacy=True)
    matches = legacy_matches(db_session, active_version(db_session))
    assert {m.what for m in matches} == {"k_multi_storey", "k_high_rise"}


def test_a_province_service_index_overrides_the_national_one(db_session):
    set_service_index(db_session, category="乡", m2_per_person=8, province_code="42", actor="t")
    entry = db_session.scalars(
        select(AuditLog).where(AuditLog.entity == "standard_service_index")
    ).one()
    assert entry.after["m2_per_person"] == 8 and entry.after["province_code"] == "42"


def test_the_standards_and_analyze_commands(settings):
    runner = CliRunner()
    shown = runner.invoke(root, ["standards", "show"], obj=settings)
    assert shown.exit_code == 0, shown.output
    assert "县: 县级正职 30、县级副职 24、正科级 18、副科级 12、科级以下 9" in shown.output
    refused = runner.invoke(root, ["standards", "set-limit", "县", "县级正职", "20"], obj=settings)
    assert refused.exit_code == 2 and "1999年标准" in refused.output
    assert "Traceback" not in refused.output
    done = runner.invoke(
        root, ["standards", "set-limit", "乡", "乡级正职", "20", "--province", "37"], obj=settings
    )
    assert done.exit_code == 0 and "乡 乡级正职 = 20.00 m² (省 37)" in done.output

    analysed = runner.invoke(root, ["analyze", "--as-of", "2026-06-30"], obj=settings)
    assert analysed.exit_code == 0, analysed.output
    assert "分析 #1: 2026-06-30 标准 2014" in analysed.output
    assert "发现问题 0 项" in analysed.output
    unknown = runner.invoke(root, ["analyze", "--region", "110000000000"], obj=settings)
    assert unknown.exit_code == 2 and "行政区划代码 110000000000 不存在" in unknown.output
