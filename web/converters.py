"""URL converters: database ids are PostgreSQL integers, so a larger number is simply not found
(rather than an overflow inside the database)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

__all__ = ["MAX_ID", "IdConverter", "init_app"]

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a whole number from 1 to the largest PostgreSQL ``integer``."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003
        super().__init__(map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
