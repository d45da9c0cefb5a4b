"""Writing report tables to Excel and CSV, with spreadsheet formula injection defused.

A cell text starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) would be run as a
formula by Excel or WPS; such texts are written with a leading apostrophe, the usual defence
(OWASP "CSV injection"). Numbers stay numbers; areas get two decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gis_app.reports.tables import Table

__all__ = ["escape_cell", "write_csv", "write_xlsx"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
AREA_FORMAT = "0.00"
RATIO_HEADERS = ("超标比例",)


def escape_cell(value: Any) -> Any:
    """The value as it may be written to a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any, area: bool) -> Any:
    value = escape_cell(value)
    if area and isinstance(value, float):
        return round(value, 2)
    return value


def write_xlsx(tables: list[Table], path: Path, *, subtitle: str) -> None:
    """One sheet per table: title in row 1, headers in row 2, data, then the 合计 row."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([escape_cell(f"{table.title} ({subtitle})")])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([escape_cell(h) for h in table.headers])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        body = list(table.rows)
        if table.totals is not None:
            body.append(table.totals)
        for row in body:
            sheet.append([_cell(v, i in table.area_columns) for i, v in enumerate(row)])
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                index = cell.column - 1
                if index in table.area_columns and isinstance(cell.value, int | float):
                    cell.number_format = AREA_FORMAT
                elif table.headers[index] in RATIO_HEADERS and isinstance(cell.value, float):
                    cell.number_format = "0.00%"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        if table.totals is not None:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        for i, header in enumerate(table.headers, 1):
            sheet.column_dimensions[get_column_letter(i)].width = max(
                8, min(40, 2 * len(header) + 2)
            )
        sheet.freeze_panes = "A3"
    book.save(path)


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 with BOM (Excel opens it with the Chinese intact), headers first, 合计 last."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape_cell(h) for h in table.headers])
        body = list(table.rows) + ([table.totals] if table.totals is not None else [])
        for row in body:
            out = []
            for i, value in enumerate(row):
                value = _cell(value, i in table.area_columns)
                if i in table.area_columns and isinstance(value, float):
                    value = f"{value:.2f}"
                out.append("" if value is None else value)
            writer.writerow(out)
