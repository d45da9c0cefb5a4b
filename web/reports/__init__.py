"""Reports: choose a region and a year, download the official tables as Excel (or CSV)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request
from flask import send_file
from werkzeug.exceptions import Forbidden

from gis_app.reports.excel import write_csv
from gis_app.reports.excel import write_xlsx
from gis_app.reports.tables import REPORTS
from gis_app.reports.tables import build_report
from gis_app.reports.tables import report_as_of
from web.auth import current_scope
from web.database import get_session
from web.errors import ParameterError
from web.i18n import translate
from web.scoped import analysis_context
from web.scoped import choose_region
from web.scoped import regions_for_user

__all__ = ["bp"]

bp = Blueprint("reports", __name__)


@bp.before_request
def _regional_users_only() -> None:
    """Reports cover whole regions: a user scoped to agencies only must not get one."""
    scope = current_scope()
    if not (scope.everything or scope.region_prefixes):
        raise Forbidden(translate("forbidden_role"))


FIRST_YEAR = 2000
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _year() -> int:
    raw = request.args.get("year", "")
    last = dt.date.today().year
    if not (raw.isascii() and raw.isdigit()) or not FIRST_YEAR <= int(raw) <= last:
        raise ParameterError(
            "bad_year", f"year must be {FIRST_YEAR}..{last}", first=FIRST_YEAR, last=last
        )
    return int(raw)


@bp.get("/reports")
def index() -> str:
    region = choose_region()
    return render_template(
        "reports/index.html",
        region=region,
        regions=regions_for_user(),
        reports=[(name, title, len(builders)) for name, (title, builders) in REPORTS.items()],
        years=list(range(dt.date.today().year, FIRST_YEAR - 1, -1))[:10],
    )


@bp.get("/reports/download")
def download() -> Response:
    """``?name=&region=&year=&format=xlsx|csv``: the report built now from the database."""
    name = request.args.get("name", "")
    if name not in REPORTS:
        raise ParameterError("bad_report", f"no report {name!r}", value=name)
    fmt = request.args.get("format", "xlsx")
    title, builders = REPORTS[name]
    if fmt not in MIMETYPES or (fmt == "csv" and len(builders) > 1):
        raise ParameterError("bad_report_format", f"format {fmt!r} not possible", value=fmt)
    year = _year()
    region = choose_region()
    if region is None:
        raise ParameterError("no_region", "no region in scope")
    ctx = analysis_context(region, as_of=report_as_of(year))
    tables = build_report(get_session(), ctx, name)
    with tempfile.TemporaryDirectory(prefix="gis-report-") as folder:
        path = Path(folder) / f"report.{fmt}"
        if fmt == "csv":
            write_csv(tables[0], path)
        else:
            write_xlsx(tables, path, subtitle=f"{region['name']} {region['code']} {year}年度")
        data = path.read_bytes()
    filename = f"{title}_{region['name']}_{year}.{fmt}"
    response = send_file(
        io.BytesIO(data),
        mimetype=MIMETYPES[fmt],
        as_attachment=True,
        download_name=filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
