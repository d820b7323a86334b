"""Excel (.xlsx) beside every CSV export: the same header and rows, as a workbook auditors
can filter and sort.

- openpyxl's write-only mode streams the rows into the file (no workbook in memory);
- the header row is frozen and bold, columns are sized from the header and the first rows,
  and the autofilter is on;
- dates are real dates shown in 和暦 (an ISO date `2026-04-01`, or `2026-04-01 09:30` as
  `portal.wareki.jst_datetime` writes, is turned into a date cell, so the CSV row builders are
  reused unchanged);
- a 年度 column is added from the first date of each row when the export has none;
- formula-injection safe like the CSV: text is always stored as text, never as a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.csvexport import content_disposition
from portal.wareki import JST, fiscal_year, fiscal_year_label

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's Japanese-calendar display (locale 0x411 = 日本語; ggg = 令和, e = the era's year).
WAREKI_DATE = '[$-411]ggge"年"m"月"d"日"'
WAREKI_DATETIME = '[$-411]ggge"年"m"月"d"日" hh:mm'
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
_SIZED_FROM = 200
_MAX_WIDTH = 60


def _as_value(value: Any) -> Any:
    """Cell value: ISO text → date/datetime (naive, Japan time); everything else as is."""
    if isinstance(value, datetime):
        return value.astimezone(JST).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value
        if _ISO_DATETIME.match(value):
            try:
                return datetime.fromisoformat(value.replace(" ", "T"))
            except ValueError:
                return value
    return value


def _first_date(values: Sequence[Any]) -> date | None:
    for v in values:
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
    return None


def _width(value: Any) -> float:
    if isinstance(value, datetime):
        return 22
    if isinstance(value, date):
        return 16
    text = "" if value is None else str(value)
    # Full-width characters take about two columns.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2


def _cell(ws: Worksheet, value: Any, *, bold: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        # A text starting with = must stay text: Excel would run it as a formula.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = WAREKI_DATETIME
    elif isinstance(value, date):
        cell.number_format = WAREKI_DATE
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "一覧"
) -> bytes:
    """The workbook as bytes (see the module docstring for what it holds)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    iterator = iter(rows)
    first = [[_as_value(v) for v in row] for row in islice(iterator, _SIZED_FROM)]
    add_year = "年度" not in header and any(_first_date(r) for r in first)
    columns = [*header, "年度"] if add_year else list(header)

    def complete(values: list[Any]) -> list[Any]:
        if not add_year:
            return values
        day = _first_date(values)
        return [*values, fiscal_year_label(fiscal_year(day)) if day else ""]

    sized = [complete(r) for r in first]
    for index, title in enumerate(columns, start=1):
        widest = max([_width(title) + 2, *(_width(r[index - 1]) for r in sized if index <= len(r))])
        ws.column_dimensions[get_column_letter(index)].width = min(widest, _MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, title, bold=True) for title in columns])
    count = 0
    for values in sized:
        ws.append([_cell(ws, v) for v in values])
        count += 1
    for row in iterator:
        ws.append([_cell(ws, v) for v in complete([_as_value(v) for v in row])])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "一覧"
) -> Response:
    """An .xlsx download of `header` and `rows` (the same arguments as `csv_response`)."""
    resp = Response(xlsx_bytes(header, rows, sheet=sheet), mimetype=XLSX_MIMETYPE)
    resp.headers["Content-Disposition"] = content_disposition(filename)
    return resp


def wants_xlsx(args: Any) -> bool:
    """The export's format from the query string (`?format=xlsx`; CSV otherwise)."""
    return bool(args.get("format") == "xlsx")


def table_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """The export in the format the request asks for: `?format=xlsx` gives the workbook,
    anything else the CSV (`filename` names the CSV; the workbook takes the .xlsx suffix)."""
    from flask import request

    from portal.csvexport import csv_response

    if wants_xlsx(request.args):
        return xlsx_response(filename.removesuffix(".csv") + ".xlsx", header, rows)
    return csv_response(filename, header, rows)
