"""Search: one box in the top bar; a results page and a JSON suggestion API, both scoped."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from gis_app.search import KINDS
from gis_app.search import Hit
from gis_app.search import SearchError
from gis_app.search import search
from web.auth import current_scope
from web.database import get_session
from web.errors import ParameterError

__all__ = ["bp", "hit_url"]

bp = Blueprint("search", __name__)


def hit_url(hit: Hit) -> str:
    """Where a hit jumps to: the room on its floor plan, the building, the compound on the map."""
    if hit.room_id is not None:
        return url_for(
            "map.building", building_id=hit.building_id, floor=hit.floor_id, room=hit.room_id
        )
    if hit.kind == "building":
        return url_for("map.building", building_id=hit.id)
    if hit.kind == "compound":
        return url_for("map.index", compound=hit.id)
    if hit.kind == "agency":
        return url_for("dashboard.index", agency=hit.id)
    return url_for("search.page", q=hit.label)


def _run(limit: int) -> dict[str, list[Hit]]:
    query = request.args.get("q", "")
    try:
        return search(get_session(), current_scope(), query, limit=limit)
    except SearchError as exc:
        raise ParameterError("bad_query", str(exc), reason=str(exc)) from None


@bp.get("/search")
def page() -> str:
    results: dict[str, list[Hit]] | None = None
    if request.args.get("q", "").strip():
        results = _run(limit=50)
    rows: dict[str, list[dict[str, Any]]] = {
        kind: [dict(hit.as_dict(), url=hit_url(hit)) for hit in hits]
        for kind, hits in (results or {}).items()
    }
    return render_template(
        "search/results.html", query=request.args.get("q", ""), results=rows, kinds=KINDS
    )


@bp.get("/api/search")
def api() -> Response:
    """``?q=`` -> up to 8 hits per kind, each with the URL it jumps to."""
    hits = _run(limit=8)
    return jsonify(
        {
            "query": request.args.get("q", ""),
            "results": [
                dict(hit.as_dict(), url=hit_url(hit)) for kind in KINDS for hit in hits[kind]
            ],
        }
    )
