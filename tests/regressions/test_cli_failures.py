"""The command line fails with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gis_app.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_a_database_url_pointing_at_nothing_gives_one_line_and_a_failure_code():
    result = _run("db", "status", env={"GIS_APP_DATABASE_URL": "postgresql://x@127.0.0.1:1/none"})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot connect" in lines[0] and "127.0.0.1" in lines[0]


def test_a_bad_setting_names_the_variable():
    result = _run("db", "status", env={"GIS_APP_PG_PORT": "not-a-port"})
    assert result.returncode == 2
    assert result.stderr.strip() == "gis-app: GIS_APP_PG_PORT='not-a-port' is not a whole number"


def test_the_private_cluster_commands_refuse_an_external_url():
    result = _run("db", "stop", env={"GIS_APP_DATABASE_URL": "postgresql://x@127.0.0.1:1/none"})
    assert result.returncode == 2
    assert "manages only the private cluster" in result.stderr
    assert "Traceback" not in result.stderr
