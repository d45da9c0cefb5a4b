"""The console-script entry point: what it sets up before any command runs."""

from __future__ import annotations

import os

import pytest

from gis_app import cli


class _Left(Exception):
    """Stands in for the process leaving (``os._exit``)."""


@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("4", "4")])
def test_openblas_runs_one_thread_unless_the_user_said_otherwise(monkeypatch, preset, expected):
    if preset is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", preset)
    seen: list[str | None] = []

    def run(**kwargs: object) -> None:
        seen.append(os.environ.get("OPENBLAS_NUM_THREADS"))

    def leave(code: object) -> None:
        raise _Left(code)

    monkeypatch.setattr(cli.root, "main", run)
    monkeypatch.setattr(cli, "_leave", leave)
    with pytest.raises(_Left):
        cli.main()
    assert seen == [expected]
