"""One ``Settings`` object, read from ``GIS_APP_*`` environment variables once, at the edge.

Nothing else in the project reads ``os.environ``: the CLI builds a ``Settings`` with
:meth:`Settings.from_env` and passes it down; tests construct one directly.
Parsers are strict: a value that cannot be understood is an error, not a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from pathlib import Path

__all__ = ["ConfigError", "Settings", "default_var_dir", "parse_bool"]

PREFIX = "GIS_APP_"


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{PREFIX}{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def _parse_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a whole number") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{PREFIX}{name}={value} is outside {minimum}..{maximum}")
    return value


def default_var_dir() -> Path:
    """``var/`` beside the source checkout when running from one, else in the working directory."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    return Path.cwd() / "var"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults of the embedded single-machine setup."""

    database_url: str | None = None
    """``GIS_APP_DATABASE_URL``; unset = use (and start if needed) the private cluster in var/."""
    var_dir: Path = Path("var")
    """``GIS_APP_VAR_DIR``: the private cluster, uploads, generated sample data."""
    pg_bin: Path | None = None
    """``GIS_APP_PG_BIN``: folder of initdb/pg_ctl; found automatically when unset."""
    pg_port: int = 54329
    """``GIS_APP_PG_PORT``: port number of the private cluster (Unix socket only, no TCP)."""
    db_name: str = "gis_app"
    secret_key: str | None = None
    """``GIS_APP_SECRET_KEY``; unset = a random key kept in var/secret_key."""
    host: str = "127.0.0.1"
    port: int = 5000
    base_map_url: str | None = None
    """``GIS_APP_BASE_MAP_URL``: XYZ tile template of an intranet or 天地图 tile server; none by
    default (government intranets have no internet): the map shows our own outlines."""
    base_map_attribution: str = ""
    language: str = "zh"
    """``GIS_APP_LANGUAGE``: default UI language, zh or en."""
    idle_threshold_months: int = 6
    toilet_inside_limit: bool = True
    """``GIS_APP_TOILET_INSIDE_LIMIT``: count a permitted ≤6 m² in-suite toilet in the leader's
    limit (the 2014 standard's note 4 reading used by most provinces)."""
    session_minutes: int = 120
    """``GIS_APP_SESSION_MINUTES``: idle web sessions expire after this."""
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        values: dict[str, object] = {"var_dir": default_var_dir()}
        if (url := get("DATABASE_URL")) is not None:
            values["database_url"] = _normalise_url(url)
        if (raw := get("VAR_DIR")) is not None:
            values["var_dir"] = Path(raw).expanduser().resolve()
        if (raw := get("PG_BIN")) is not None:
            values["pg_bin"] = Path(raw)
        if (raw := get("PG_PORT")) is not None:
            values["pg_port"] = _parse_int("PG_PORT", raw, minimum=1024, maximum=65535)
        if (raw := get("DB_NAME")) is not None:
            values["db_name"] = raw
        if (raw := get("SECRET_KEY")) is not None:
            values["secret_key"] = raw
        if (raw := get("HOST")) is not None:
            values["host"] = raw
        if (raw := get("PORT")) is not None:
            values["port"] = _parse_int("PORT", raw, minimum=1, maximum=65535)
        if (raw := get("BASE_MAP_URL")) is not None:
            if "{z}" not in raw or "{x}" not in raw or "{y}" not in raw:
                raise ConfigError(
                    f"{PREFIX}BASE_MAP_URL must be an XYZ template with {{z}}/{{x}}/{{y}}"
                )
            values["base_map_url"] = raw
        if (raw := get("BASE_MAP_ATTRIBUTION")) is not None:
            values["base_map_attribution"] = raw
        if (raw := get("LANGUAGE")) is not None:
            if raw not in ("zh", "en"):
                raise ConfigError(f"{PREFIX}LANGUAGE={raw!r}: use zh or en")
            values["language"] = raw
        if (raw := get("IDLE_THRESHOLD_MONTHS")) is not None:
            values["idle_threshold_months"] = _parse_int(
                "IDLE_THRESHOLD_MONTHS", raw, minimum=1, maximum=120
            )
        if (raw := get("TOILET_INSIDE_LIMIT")) is not None:
            values["toilet_inside_limit"] = parse_bool("TOILET_INSIDE_LIMIT", raw)
        if (raw := get("SESSION_MINUTES")) is not None:
            values["session_minutes"] = _parse_int("SESSION_MINUTES", raw, minimum=1, maximum=10080)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def embedded(self) -> bool:
        """True when the app runs its own private PostgreSQL cluster."""
        return self.database_url is None

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> dict[str, str]:
        """The live configuration for ``gis-app config check``, secrets masked."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "secret_key" and value:
                value = "***"
            if f.name == "database_url" and value:
                value = _mask_password(value)
            out[f.name] = "" if value is None else str(value)
        return out


def _normalise_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spellings and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("postgresql+psycopg://"):
        return url
    raise ConfigError(
        f"{PREFIX}DATABASE_URL must be a PostgreSQL URL (postgresql://user:pass@host:port/db)"
    )


def _mask_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    creds, at, tail = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{tail}"
