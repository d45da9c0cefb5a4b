"""Reading tables as people fill them in: xlsx sheets and CSV files with Chinese or English headers.

Real forms write the same column many ways ("统一社会信用代码", "信用代码", "credit_code",
"房间号（多个用、分隔）"). A :class:`Columns` spec lists the spellings of each field; headers are
compared after dropping spaces, brackets' notes, case and full-width forms. Cells come back as
stripped strings (numbers without a spurious ``.0``, dates as ``date``) with their sheet row
number, so every problem can name sheet, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

__all__ = [
    "Columns",
    "InputRefused",
    "Row",
    "Table",
    "normalize_header",
    "parse_bool",
    "parse_date",
    "parse_int",
    "read_csv",
    "read_workbook",
]


class InputRefused(ValueError):
    """The input cannot be used at all (unreadable, no CRS, missing columns): one clear line."""


_FULLWIDTH = str.maketrans(
    {"（": "(", "）": ")", "：": ":", "－": "-", "—": "-", "＿": "_", "\u3000": " "}
)


def normalize_header(raw: object) -> str:
    """A header reduced to what identifies it: no spaces, notes in brackets, case or width."""
    text = str(raw or "").translate(_FULLWIDTH).strip().lower()
    text = re.sub(r"\([^)]*(分隔|格式|填写|例|选填|必填|多个)[^)]*\)", "", text)
    text = re.sub(r"[\s*＊]+", "", text)
    return text.replace("_", "").replace("-", "")


@dataclass(frozen=True)
class Columns:
    """The fields of one sheet: field name → accepted header spellings (first is the canonical)."""

    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ()

    def match(self, headers: list[object]) -> tuple[dict[str, int], dict[int, str]]:
        """Map fields to column indexes; also return the unmatched headers by index."""
        wanted = {
            normalize_header(s): name for name, spellings in self.fields.items() for s in spellings
        }
        found: dict[str, int] = {}
        extra: dict[int, str] = {}
        for i, header in enumerate(headers):
            if header is None or str(header).strip() == "":
                continue
            name = wanted.get(normalize_header(header))
            if name is not None and name not in found:
                found[name] = i
            else:
                extra[i] = str(header).strip()
        return found, extra

    def header(self, name: str) -> str:
        return self.fields[name][0]


@dataclass
class Row:
    """One data row: cells by field name, the sheet's row number, the raw extra columns."""

    sheet: str
    number: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else str(value).strip() or None

    def where(self, column: str | None = None) -> str:
        """ "人员表第5行「职级」列" – the place a message points to."""
        place = f"{self.sheet}表第{self.number}行"
        return f"{place}「{column}」列" if column else place


@dataclass
class Table:
    """A sheet's header row and data rows (as cells, before the fields are matched)."""

    name: str
    headers: list[object]
    rows: list[tuple[int, list[object]]]

    def records(self, columns: Columns) -> tuple[list[Row], dict[int, str]]:
        """Rows keyed by field; raises InputRefused when a required column is missing."""
        found, extra = columns.match(self.headers)
        missing = [columns.header(n) for n in columns.required if n not in found]
        if missing:
            seen = "、".join(str(h) for h in self.headers if h not in (None, "")) or "无"
            raise InputRefused(f"{self.name}表缺少必需的列: {'、'.join(missing)} (表头为: {seen})")
        out = []
        for number, cells in self.rows:
            values = {name: _cell(cells, i) for name, i in found.items()}
            extras = {h: _cell(cells, i) for i, h in extra.items()}
            out.append(Row(self.name, number, values, extras))
        return out, extra


def _cell(cells: list[object], index: int) -> Any:
    if index >= len(cells):
        return None
    value = cells[index]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _data_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[int, list[object]]]:
    for number, cells in enumerate(rows, start=2):
        cells = list(cells)
        if any(c is not None and str(c).strip() != "" for c in cells):
            yield number, cells


def read_workbook(path: Path) -> dict[str, Table]:
    """Every sheet of an xlsx file: the first non-empty row is the header."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputRefused(f"{path.name}: 不是可读的 xlsx 文件 ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - zipfile.BadZipFile and friends: not an xlsx
        raise InputRefused(f"{path.name}: 不是可读的 xlsx 文件 ({type(exc).__name__})") from None
    tables = {}
    try:
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            start = next(
                (i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)), None
            )
            if start is None:
                continue
            body = [(n + start, cells) for n, cells in _data_rows(rows[start + 1 :])]
            tables[sheet.title.strip()] = Table(sheet.title.strip(), list(rows[start]), body)
    finally:
        workbook.close()
    return tables


def read_csv(path: Path, name: str) -> Table:
    """A CSV file as one table: UTF-8 (with or without BOM), else GB18030 as Excel saves it."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputRefused(f"{path.name}: 编码无法识别 (应为 UTF-8 或 GBK)")
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(content), dialect))
    if not rows:
        raise InputRefused(f"{path.name}: 文件为空")
    return Table(name, list(rows[0]), list(_data_rows(rows[1:])))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m", "%Y年%m月")


def parse_date(value: Any) -> dt.date | None:
    """A date as forms write it (2023-05-01, 2023/5/1, 2023年5月1日, an Excel date); None if not."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"「{text}」不是日期 (应如 2023-05-01)")


def parse_int(value: Any) -> int | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"「{text}」不是整数") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"「{text}」不是非负整数")
    return int(number)


_TRUE = {"是", "有", "已批准", "批准", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "无", "未批准", "n", "no", "false", "0"}


def parse_bool(value: Any) -> bool | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"「{value}」应为 是/否")
