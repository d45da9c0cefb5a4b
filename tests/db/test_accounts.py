"""Logins, roles, jurisdiction scopes and login throttling."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gis_app import accounts
from gis_app import models
from gis_app.cli import root


@pytest.fixture
def regions(db_session):
    for code, name, level, parent in [
        ("370000000000", "山东省", "省", None),
        ("371800000000", "明湖市", "市", "370000000000"),
        ("371802000000", "湖滨区", "县", "371800000000"),
        ("371821000000", "青石县", "县", "371800000000"),
    ]:
        db_session.add(
            models.Region(
                code=code,
                gb_code=code[:6],
                name=name,
                level=level,
                parent_code=parent,
                province_code="37",
            )
        )
        db_session.flush()
    return db_session


def _user(session, username, *grants):
    return accounts.create_user(
        session,
        username=username,
        display_name=username,
        password="correct horse battery",
        grants=grants,
        actor="test",
    )


def test_a_county_role_sees_its_subtree_only(regions):
    user = _user(regions, "huibin", accounts.RoleGrant("bureau_manager", "371802000000"))
    scope = accounts.scope_of(regions, user)
    assert scope.allows("371802001000")
    assert scope.allows("371802000000")
    assert not scope.allows("371821000000")
    assert not scope.allows("371800000000")  # the city above is outside


def test_an_agency_role_and_admin(regions):
    agency = models.Agency(
        name="明湖市财政局", category="市", region_code="371800000000", province_code="37"
    )
    regions.add(agency)
    regions.flush()
    user = _user(regions, "caizheng", accounts.RoleGrant("agency_manager", agency_id=agency.id))
    scope = accounts.scope_of(regions, user)
    assert scope.allows("371800000000", agency.id)
    assert not scope.allows("371800000000", agency.id + 1)
    admin = _user(regions, "root", accounts.RoleGrant("admin"))
    assert accounts.scope_of(regions, admin).everything


def test_scope_filters_rows_in_sql(regions):
    user = _user(regions, "qingshi", accounts.RoleGrant("planner", "371821000000"))
    scope = accounts.scope_of(regions, user)
    names = regions.scalars(
        select(models.Region.name).where(scope.condition(models.Region.code))
    ).all()
    assert names == ["青石县"]


@pytest.mark.parametrize(
    ("grant", "password", "message"),
    [
        (accounts.RoleGrant("wizard", "371800000000"), "long enough pw", "unknown role"),
        (accounts.RoleGrant("planner", "999999000000"), "long enough pw", "unknown region"),
        (accounts.RoleGrant("planner"), "long enough pw", "needs a region"),
        (accounts.RoleGrant("planner", "371800000000"), "short", "at least 10"),
    ],
)
def test_bad_accounts_are_refused(regions, grant, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(
            regions, username="x", display_name="x", password=password, grants=[grant], actor="t"
        )


def test_passwords_are_hashed_and_failures_lock_the_account(regions):
    user = _user(regions, "surveyor1", accounts.RoleGrant("surveyor", "371800000000"))
    assert "correct horse" not in user.password_hash
    now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    assert accounts.authenticate(regions, "surveyor1", "correct horse battery", now=now) is user
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(accounts.LoginRefused, match="wrong password"):
            accounts.authenticate(regions, "surveyor1", "guess", now=now)
    with pytest.raises(accounts.LoginRefused, match="locked"):
        accounts.authenticate(regions, "surveyor1", "correct horse battery", now=now)
    later = now + dt.timedelta(minutes=accounts.LOCK_MINUTES + 1)
    assert accounts.authenticate(regions, "surveyor1", "correct horse battery", now=later) is user


def test_disabled_users_cannot_log_in_and_the_change_is_audited(regions):
    _user(regions, "leaver", accounts.RoleGrant("planner", "371800000000"))
    accounts.disable_user(regions, "leaver", actor="admin")
    with pytest.raises(accounts.LoginRefused, match="disabled"):
        accounts.authenticate(regions, "leaver", "correct horse battery")
    actions = regions.scalars(
        select(models.AuditLog.action).where(models.AuditLog.entity == "app_user")
    ).all()
    assert actions == ["create", "disable"]


def test_users_cli_adds_lists_and_disables(settings):
    runner = CliRunner()
    result = runner.invoke(root, ["users", "add", "admin1", "--role", "admin"], obj=settings)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added admin1 with password ")
    result = runner.invoke(
        root, ["users", "add", "p1", "--role", "planner", "--region", "123"], obj=settings
    )
    assert result.exit_code == 2
    assert "unknown region code 123" in result.output
    result = runner.invoke(root, ["users", "list"], obj=settings)
    assert "admin1" in result.output and "active" in result.output
    result = runner.invoke(root, ["users", "disable", "admin1"], obj=settings)
    assert result.exit_code == 0
    result = runner.invoke(root, ["users", "list"], obj=settings)
    assert "disabled" in result.output
