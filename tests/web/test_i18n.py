"""The message catalogue is complete: both languages, same placeholders, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gis_app import vocab as vocabularies
from web.i18n import LANGUAGES
from web.i18n import MESSAGES
from web.i18n import SHARED_WITH_SCRIPTS
from web.i18n import VOCAB_EN

WEB = Path(__file__).resolve().parents[2] / "web"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert _placeholders(entry["zh"]) == _placeholders(entry["en"])


def test_templates_use_only_known_messages():
    used = set()
    for template in (WEB / "templates").rglob("*.html"):
        used |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", template.read_text("utf-8")))
    assert used, "no message found: the pattern is stale"
    assert used - set(MESSAGES) == set()


def test_scripts_use_only_messages_they_are_given():
    given = {k[3:] for k in MESSAGES if k.startswith("js.")} | set(SHARED_WITH_SCRIPTS)
    used = set()
    for script in (WEB / "static" / "js").glob("*.js"):
        used |= set(re.findall(r"""\bt\(\s*["']([^"']+)["']""", script.read_text("utf-8")))
    assert used, "no message found: the pattern is stale"
    assert used - given == set()


def test_error_codes_raised_have_messages():
    raised = set()
    for folder in ("layers", "web"):
        for module in (WEB.parent / folder).rglob("*.py"):
            found = re.findall(
                r"""(?:Error|NotFound)\(\s*["']([a-z_]+)["']""", module.read_text("utf-8")
            )
            raised |= set(found)
    assert "bbox_not_four_numbers" in raised
    assert {f"err.{code}" for code in raised} - set(MESSAGES) == set()


@pytest.mark.parametrize(
    "enum",
    [
        vocabularies.RoomUse,
        vocabularies.RoomStatus,
        vocabularies.OccupantStatus,
        vocabularies.BuildingUse,
        vocabularies.Tenure,
    ],
)
def test_vocabularies_have_english_labels(enum):
    assert {str(v) for v in enum} - set(VOCAB_EN) == set()


def test_room_subtypes_have_english_labels():
    subtypes = {s for group in vocabularies.ROOM_SUBTYPES.values() for s in group}
    assert subtypes - set(VOCAB_EN) == set()
