"""The embedded default: `gis-app` starts (or reuses) a private cluster under var/."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gis_app.cli import root
from gis_app.cluster import LocalCluster
from gis_app.config import Settings
from gis_app.db import current_revision
from gis_app.db import get_engine
from gis_app.db import head_revision
from gis_app.db import open_database


@pytest.fixture
def var_dir():
    base = Path(tempfile.mkdtemp(prefix="gis-app-embedded-", dir="/tmp"))
    base.chmod(0o755)
    var = base / "var"
    yield var
    LocalCluster(base_dir=var, port=54390).destroy()
    shutil.rmtree(base, ignore_errors=True)


def test_open_database_creates_starts_and_migrates_then_reuses(var_dir):
    settings = Settings(var_dir=var_dir, pg_port=54390)
    engine = open_database(settings)
    assert current_revision(engine) == head_revision()
    cluster = LocalCluster(base_dir=var_dir, port=54390)
    assert cluster.running()
    assert Path(cluster.socket_dir, ".s.PGSQL.54390").exists()

    again = open_database(settings)
    assert again is engine  # one engine per URL and process, the cluster reused

    runner = CliRunner()
    result = runner.invoke(root, ["db", "status"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "running      yes" in result.output
    result = runner.invoke(root, ["db", "stop"], obj=settings)
    assert result.output.strip() == "stopped"
    get_engine.cache_clear()
    assert not cluster.running()
    result = runner.invoke(root, ["db", "start"], obj=settings)
    assert result.exit_code == 0, result.output
    assert cluster.running()


def test_a_folder_the_server_user_cannot_enter_moves_the_cluster(tmp_path):
    """pytest's tmp_path is 0700 and root-owned: the postgres user cannot use it."""
    cluster = LocalCluster(base_dir=tmp_path / "var", port=54391, durable=False)
    try:
        cluster.ensure_running()
        if os.geteuid() == 0:
            assert cluster.home() != cluster.base_dir
            assert (cluster.base_dir / "pg-location").read_text().strip() == str(cluster.home())
        else:
            assert cluster.home() == cluster.base_dir
        assert cluster.running()
    finally:
        cluster.destroy()
    assert not cluster.data_dir.exists()
