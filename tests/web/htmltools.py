"""Reading rendered pages in tests with the standard library's HTML parser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

URL_ATTRIBUTES = {"src", "href", "action", "poster", "data"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: dict[str, str] = {}
        self._script_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in URL_ATTRIBUTES and v is not None]
        if tag == "script" and values.get("id"):
            self._script_id = values["id"]

    def handle_data(self, data: str) -> None:
        if self._script_id is not None:
            self.scripts[self._script_id] = self.scripts.get(self._script_id, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_id = None


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def page_config(html: str) -> dict[str, Any]:
    return json.loads(parse(html).scripts["page-config"])


def external_urls(text: str) -> list[str]:
    """Every absolute or protocol-relative URL in ``text`` (pages must have none)."""
    return re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>]*", text)


def csrf_token(html: str) -> str:
    """The CSRF token a page carries in its ``<meta name="csrf-token">``."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found, "page has no CSRF token"
    return found.group(1)
