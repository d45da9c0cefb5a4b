"""What the work pages share: the regions a user may choose and the analysis context of one.

A region outside the user's jurisdiction is answered like a missing one (404), so a page never
confirms what exists elsewhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask import g
from flask import request

from gis_app.analysis.context import AnalysisError
from gis_app.analysis.context import Context
from gis_app.analysis.context import build_context
from layers.base import FeatureNotFound
from layers.records import visible_regions
from layers.runs import StoredRun
from layers.runs import stored_run
from web.auth import current_scope
from web.database import get_session

__all__ = [
    "RegionChoice",
    "analysis_context",
    "choose_region",
    "regions_for_user",
    "scoped_agency_id",
    "stored_analysis",
]

RegionChoice = dict[str, Any]


def regions_for_user() -> list[RegionChoice]:
    if "visible_regions" not in g:
        g.visible_regions = visible_regions(get_session(), current_scope())
    return g.visible_regions


def choose_region(arg: str = "region") -> RegionChoice | None:
    """The region asked for in ``?region=``, else the user's widest one; None when none."""
    regions = regions_for_user()
    asked = (request.values.get(arg) or "").strip()
    if asked:
        for region in regions:
            if region["code"] == asked:
                return region
        raise FeatureNotFound("region_not_found", f"no region {asked}", region=asked)
    if not regions:
        return None
    return min(regions, key=lambda r: (len(r["code"].rstrip("0")), r["code"]))


def scoped_agency_id() -> int | None:
    """The user's agency when one agency is all they hold (their analyses cover only it)."""
    scope = current_scope()
    if not scope.everything and not scope.region_prefixes and len(scope.agency_ids) == 1:
        return next(iter(scope.agency_ids))
    return None


def stored_analysis(region: RegionChoice) -> StoredRun | None:
    """The newest stored analysis run covering ``region`` for this user, cut to their scope."""
    return stored_run(
        get_session(),
        region_code=region["code"],
        region_level=region["level"],
        agency_id=scoped_agency_id(),
        scope=current_scope(),
    )


def analysis_context(region: RegionChoice, *, as_of: dt.date | None = None) -> Context:
    """The analysis scope of ``region`` (and of the user's agency when that is all they hold)."""
    agency_id = scoped_agency_id()
    try:
        return build_context(
            get_session(),
            current_app.config["GIS_SETTINGS"],
            as_of=as_of,
            region_code=region["code"],
            agency_id=agency_id,
        )
    except AnalysisError as exc:
        raise FeatureNotFound("region_not_found", str(exc), region=region["code"]) from None
