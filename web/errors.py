"""One place that turns failures into answers: JSON under ``/api``, Chinese pages elsewhere.

Layer errors carry their HTTP status and a message code translated from the catalogue, so a
bad ``bbox`` reads the same whether it came from the API or a page.
"""

from __future__ import annotations

from flask import Flask
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException

from layers.base import LayerError
from web.converters import MAX_ID
from web.i18n import MESSAGES
from web.i18n import translate

__all__ = ["MACHINE_PREFIXES", "ParameterError", "init_app", "integer_arg", "wants_machine_answer"]

MACHINE_PREFIXES = ("/api/", "/tiles/")
"""Paths read by scripts and map libraries: errors as JSON, 401 instead of the login page."""


class ParameterError(LayerError):
    """A query parameter of a page or API call that cannot be used (answered with 400)."""

    status = 400


def integer_arg(name: str) -> int | None:
    """A positive whole-number query parameter, ``None`` when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise ParameterError(
            "bad_integer", f"{name} must be a positive whole number", name=name, value=raw
        )
    return int(raw)


def _message(exc: LayerError) -> str:
    key = f"err.{exc.code}"
    return translate(key, **exc.params) if key in MESSAGES else str(exc)


def wants_machine_answer() -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _answer(status: int, message: str, code: str):  # noqa: ANN202 - a Flask response tuple
    if wants_machine_answer():
        return jsonify({"error": {"code": code, "status": status, "message": message}}), status
    title_key = f"error_{status}" if f"error_{status}" in MESSAGES else "error_title"
    return render_template(
        "errors.html", status=status, title=translate(title_key), message=message
    ), status


def _layer_error(exc: LayerError):  # noqa: ANN202
    return _answer(exc.status, _message(exc), exc.code)


def _http_error(exc: HTTPException):  # noqa: ANN202
    status = exc.code or 500
    if status == 404:
        message = translate("error_not_found_detail")
    elif status >= 500:
        message = translate("error_internal_detail")
    else:
        message = exc.description or translate("error_title")
    return _answer(status, message, exc.name.lower().replace(" ", "_"))
    # Unhandled exceptions arrive here as InternalServerError after Flask has logged them.


def init_app(app: Flask) -> None:
    app.register_error_handler(LayerError, _layer_error)
    app.register_error_handler(HTTPException, _http_error)
