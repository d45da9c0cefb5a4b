"""Settings are read once from GIS_APP_* and refuse values they cannot understand."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis_app.config import ConfigError
from gis_app.config import Settings


def test_defaults_use_the_embedded_cluster():
    settings = Settings.from_env({})
    assert settings.embedded
    assert settings.var_dir.name == "var"
    assert settings.port == 5000
    assert settings.language == "zh"


def test_database_url_pins_the_psycopg_driver():
    settings = Settings.from_env({"GIS_APP_DATABASE_URL": "postgresql://u:secret@db:5432/gis"})
    assert settings.database_url == "postgresql+psycopg://u:secret@db:5432/gis"
    assert not settings.embedded
    assert "secret" not in settings.describe()["database_url"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GIS_APP_DATABASE_URL", "mysql://x@y/z", "must be a PostgreSQL URL"),
        ("GIS_APP_PORT", "eighty", "is not a whole number"),
        ("GIS_APP_PORT", "70000", "outside"),
        ("GIS_APP_TOILET_INSIDE_LIMIT", "maybe", "is not a boolean"),
        ("GIS_APP_LANGUAGE", "fr", "use zh or en"),
        ("GIS_APP_BASE_MAP_URL", "http://tiles.example/{z}.png", "XYZ template"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name, value, message):
    with pytest.raises(ConfigError, match=message) as excinfo:
        Settings.from_env({name: value})
    assert name.removeprefix("GIS_APP_") in str(excinfo.value)


def test_values_are_parsed():
    settings = Settings.from_env(
        {
            "GIS_APP_VAR_DIR": "/tmp/gis-var",
            "GIS_APP_PG_PORT": "6543",
            "GIS_APP_IDLE_THRESHOLD_MONTHS": "12",
            "GIS_APP_TOILET_INSIDE_LIMIT": "no",
            "GIS_APP_BASE_MAP_URL": "http://tiles.intranet/{z}/{x}/{y}.png",
        }
    )
    assert settings.var_dir == Path("/tmp/gis-var")
    assert settings.pg_port == 6543
    assert settings.idle_threshold_months == 12
    assert settings.toilet_inside_limit is False
    assert settings.base_map_url == "http://tiles.intranet/{z}/{x}/{y}.png"
