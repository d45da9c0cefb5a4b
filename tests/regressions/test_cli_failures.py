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


def test_the_whole_output_and_the_exit_code_survive_the_quick_exit(tmp_path):
    """The CLI ends with ``os._exit`` after flushing: a long JSON document on a pipe arrives
    whole, and exit codes 0 and 2 arrive as the command set them."""
    import json

    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for i in range(600):
        x, y = (i % 30) * 5000, (i // 30) * 5000
        msp.add_lwpolyline([(x, y), (x + 4000, y), (x + 4000, y + 4000), (x, y + 4000)], close=True)
        msp.add_text(f"{100 + i} 办公室", height=300).set_placement((x + 2000, y + 2000))
    path = tmp_path / "600.dxf"
    doc.saveas(path)
    done = _run("survey", "import", str(path), "--dry-run", "--format", "json", env={})
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65536  # more than a pipe holds unread
    rooms = json.loads(done.stdout)["floors"][0]["rooms"]
    assert len(rooms) == 600 and rooms[-1]["area_m2"] == 16.0

    junk = tmp_path / "junk.dxf"
    junk.write_text("not a drawing")
    refused = _run("survey", "import", str(junk), "--dry-run", env={})
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr


def test_ctrl_c_outside_a_command_s_own_handling_is_one_line_and_exit_130(monkeypatch, tmp_path):
    """Click's own answer, "Aborted!" and exit 1, would read as "the drawing has errors"."""
    from click.testing import CliRunner

    from gis_app.cli import EXIT_INTERRUPTED
    from gis_app.cli import root
    from survey_import import commands

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "_check_arguments", interrupted)
    result = CliRunner().invoke(root, ["survey", "import", str(tmp_path / "x.dxf"), "--dry-run"])
    assert result.exit_code == EXIT_INTERRUPTED == 130
    assert "gis-app: interrupted" in result.output and "Aborted" not in result.output
