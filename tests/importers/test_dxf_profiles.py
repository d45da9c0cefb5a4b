"""Layer-mapping profiles: shipped TOML files, precedence of command-line globs, fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis_app.report import ImportReport
from survey_import.profiles import ProfileError
from survey_import.profiles import available_profiles
from survey_import.profiles import load_profile
from survey_import.profiles import resolve_layers


def test_shipped_profiles_load() -> None:
    assert {"generic", "archibus", "tarch", "chinese"} <= set(available_profiles())
    for name in available_profiles():
        profile = load_profile(name)
        assert profile.room_layers and profile.title
    assert "房间*" in load_profile("chinese").room_layers


def test_a_profile_file_can_be_given_by_path(tmp_path: Path) -> None:
    path = tmp_path / "bureau.toml"
    path.write_text('room_layers = ["面积-*"]\nlabel_layers = ["注记"]\n', encoding="utf-8")
    profile = load_profile(str(path))
    assert profile.name == "bureau" and profile.room_layers == ("面积-*",)


@pytest.mark.parametrize(
    "text",
    ['room_layers = "RM$"\n', "label_layers = []\n", "room_layers = [\n"],
)
def test_invalid_profile_files_are_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(str(path))


def test_unknown_profile_names_the_available_ones() -> None:
    with pytest.raises(ProfileError, match="archibus"):
        load_profile("nope")


def test_command_line_globs_win_over_the_profile() -> None:
    report = ImportReport()
    choice = resolve_layers(
        profile=load_profile("archibus"),
        room_globs=["Offices"],
        label_globs=[],
        drawing_layers=["RM$", "RM$TXT", "Offices"],
        report=report,
    )
    assert choice.room_layers == ("Offices",)
    assert choice.label_layers == ("RM$TXT", "RM$T*", "*-RM$TXT", "RM$")
    assert {"LAYERS_FROM_OPTIONS", "LAYERS_FROM_PROFILE"} <= report.codes()


def test_profile_without_matching_layers_falls_back_to_detection() -> None:
    report = ImportReport()
    choice = resolve_layers(
        profile=load_profile("tarch"),
        room_globs=[],
        label_globs=[],
        drawing_layers=["0", "WALL"],
        report=report,
    )
    assert choice.room_layers is None and choice.label_layers is None
    assert "PROFILE_NO_MATCH" in report.codes()


def test_globs_matching_nothing_are_kept_and_reported() -> None:
    report = ImportReport()
    choice = resolve_layers(
        profile=None, room_globs=["rooms"], label_globs=[], drawing_layers=["0"], report=report
    )
    assert choice.room_layers == ("rooms",) and choice.label_layers is None
    assert "LAYER_NOT_FOUND" in {w.code for w in report.warnings}
