"""Users, roles and jurisdiction: who may log in, and which part of the estate they may see.

A role is held within a jurisdiction: a region subtree (by 12-digit code) and/or one agency.
:class:`Scope` turns a user's roles into the filter every page, API, tile, export and search
applies. Passwords are stored as salted scrypt hashes; repeated failures lock the account for a
while (login throttling). Services never commit; the CLI command or request does.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from gis_app import audit
from gis_app.models import Agency
from gis_app.models import AppUser
from gis_app.models import Region
from gis_app.models import UserRole
from gis_app.vocab import USER_ROLES

__all__ = [
    "ROLES",
    "AccountError",
    "LoginRefused",
    "RoleGrant",
    "Scope",
    "authenticate",
    "create_user",
    "disable_user",
    "generate_password",
    "list_users",
    "region_prefix",
    "scope_of",
]

ROLES = USER_ROLES
MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
_PREFIX_LENGTH = {"省": 2, "市": 4, "县": 6, "乡": 9, "村": 12}


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


class LoginRefused(Exception):
    """Wrong user name or password, a disabled or a locked account (same message to the user)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RoleGrant:
    role: str
    region_code: str | None = None
    agency_id: int | None = None


def region_prefix(code: str, level: str) -> str:
    """The part of a 12-digit code shared by every division below it.

    >>> region_prefix("371802000000", "县")
    '371802'
    """
    return code[: _PREFIX_LENGTH[level]]


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, or regions (by code prefix) and agencies."""

    everything: bool = False
    region_prefixes: frozenset[str] = frozenset()
    agency_ids: frozenset[int] = frozenset()

    def allows(self, region_code: str | None, agency_id: int | None = None) -> bool:
        if self.everything:
            return True
        if agency_id is not None and agency_id in self.agency_ids:
            return True
        return region_code is not None and any(
            region_code.startswith(p) for p in self.region_prefixes
        )

    def condition(
        self,
        region_column: ColumnElement[str] | None,
        agency_column: ColumnElement[int] | None = None,
    ) -> ColumnElement[bool]:
        """A SQL condition for rows whose region code / agency id fall in the scope."""
        if self.everything:
            return true()
        parts: list[ColumnElement[bool]] = []
        if region_column is not None:
            parts += [region_column.startswith(p) for p in sorted(self.region_prefixes)]
        if agency_column is not None and self.agency_ids:
            parts.append(agency_column.in_(sorted(self.agency_ids)))
        return or_(*parts) if parts else false()


def scope_of(session: Session, user: AppUser) -> Scope:
    """The union of the jurisdictions of a user's roles; admins see everything."""
    prefixes: set[str] = set()
    agencies: set[int] = set()
    for grant in user.roles:
        if grant.role == "admin":
            return Scope(everything=True)
        if grant.region_code is not None:
            region = session.get(Region, grant.region_code)
            if region is not None:
                prefixes.add(region_prefix(region.code, region.level))
        if grant.agency_id is not None:
            agencies.add(grant.agency_id)
    return Scope(region_prefixes=frozenset(prefixes), agency_ids=frozenset(agencies))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    grants: Iterable[RoleGrant],
    actor: str,
) -> AppUser:
    """Add a user with roles; refuses unknown roles, regions, agencies and weak passwords."""
    username = username.strip()
    if not username or len(username) > 60:
        raise AccountError("user name must be 1-60 characters")
    if session.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    grants = list(grants)
    if not grants:
        raise AccountError("a user needs at least one role")
    user = AppUser(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
        active=True,
        failed_logins=0,
    )
    for grant in grants:
        _check_grant(session, grant)
        user.roles.append(
            UserRole(role=grant.role, region_code=grant.region_code, agency_id=grant.agency_id)
        )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="app_user",
        entity_id=user.id,
        before=None,
        after={
            "username": username,
            "display_name": user.display_name,
            "roles": [[g.role, g.region_code, g.agency_id] for g in grants],
        },
        province_code=None,
    )
    return user


def _check_grant(session: Session, grant: RoleGrant) -> None:
    if grant.role not in ROLES:
        raise AccountError(f"unknown role {grant.role!r}; roles: {', '.join(ROLES)}")
    if grant.region_code is not None and session.get(Region, grant.region_code) is None:
        raise AccountError(f"unknown region code {grant.region_code}")
    if grant.agency_id is not None and session.get(Agency, grant.agency_id) is None:
        raise AccountError(f"unknown agency id {grant.agency_id}")
    if grant.role != "admin" and grant.region_code is None and grant.agency_id is None:
        raise AccountError(f"role {grant.role} needs a region (--region) or an agency (--agency)")


def disable_user(session: Session, username: str, *, actor: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    if user.active:
        user.active = False
        audit.record(
            session,
            actor=actor,
            action="disable",
            entity="app_user",
            entity_id=user.id,
            before={"active": True},
            after={"active": False},
            province_code=None,
        )
    return user


def list_users(session: Session) -> list[AppUser]:
    return list(
        session.scalars(
            select(AppUser).options(selectinload(AppUser.roles)).order_by(AppUser.username)
        )
    )


def authenticate(
    session: Session, username: str, password: str, *, now: dt.datetime | None = None
) -> AppUser:
    """The user for these credentials, or :class:`LoginRefused`.

    Failures are counted and lock the account for ``LOCK_MINUTES`` after ``MAX_FAILED_LOGINS``
    in a row, so the caller commits the session even when the login is refused.
    """
    now = now or dt.datetime.now(dt.UTC)
    user = session.scalar(select(AppUser).where(AppUser.username == username.strip()))
    if user is None:
        check_password_hash(generate_password_hash("timing"), password)  # same cost either way
        raise LoginRefused("unknown user")
    if not user.active:
        raise LoginRefused("disabled")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("locked")
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        raise LoginRefused("wrong password")
    user.failed_logins = 0
    user.locked_until = None
    return user
