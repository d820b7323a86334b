"""From a read table to rows keyed by the template's columns: the header row, cell values.

Columns are found by their header text after NFKC and with every space removed, in any order;
title and note rows above the header are skipped, and unknown columns are ignored (and
reported once). A two-row header may carry merged group labels in the row above (e.g.
「委託先」 over 「法人番号」 gives 「委託先法人番号」); a cell merged down over both header rows
keeps its text in the upper row only, which is read for an empty lower cell.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from portal.dataio.reading import Formula, ReadError, Table, Value
from portal.wareki import DateParseError, parse_date

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = True  # a template header the header row must have


@dataclass(frozen=True)
class HeaderMap:
    row: int
    positions: dict[str, int]  # field -> column index
    ignored: tuple[str, ...]  # header texts of unknown columns


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, Value]  # field -> raw value (None when empty)


def normalize_header(value: Value) -> str:
    if value is None or isinstance(value, Formula):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))


def _names_per_column(cells: tuple[Value, ...], above: tuple[Value, ...] | None) -> list[set[str]]:
    names: list[set[str]] = []
    group = ""
    for index, value in enumerate(cells):
        own = normalize_header(value)
        found = {own} if own else set()
        if above is not None:
            upper = normalize_header(above[index]) if index < len(above) else ""
            # A merged group label sits in the first cell of its range; carry it rightwards.
            group = upper or group
            if own and group:
                found.add(group + own)
            elif not own and upper:
                found.add(upper)
        names.append(found)
    return names


def find_header(table: Table, columns: tuple[Column, ...]) -> HeaderMap:
    """The first row holding every required template header (exact text, not a mention)."""
    wanted = {normalize_header(c.header): c for c in columns}
    required = {normalize_header(c.header) for c in columns if c.required}
    previous: tuple[int, tuple[Value, ...]] | None = None
    best_missing: set[str] | None = None
    for number, cells in table.rows:
        above = previous[1] if previous is not None and previous[0] == number - 1 else None
        names = _names_per_column(cells, above)
        present = set().union(*names) if names else set()
        missing = required - present
        if not missing:
            positions: dict[str, int] = {}
            ignored: list[str] = []
            for index, found in enumerate(names):
                matches = [wanted[n] for n in sorted(found) if n in wanted]
                if matches:
                    for column in matches:
                        positions.setdefault(column.field, index)
                elif own := normalize_header(cells[index]):
                    ignored.append(own)
            return HeaderMap(row=number, positions=positions, ignored=tuple(ignored))
        if len(missing) < len(required) and (
            best_missing is None or len(missing) < len(best_missing)
        ):
            best_missing = missing
        previous = (number, cells)
    headers = "、".join(c.header for c in columns if c.required)
    detail = ""
    if best_missing:
        lacking = "、".join(c.header for c in columns if normalize_header(c.header) in best_missing)
        detail = f"（見つからない見出し: {lacking}）"
    raise ReadError(
        "header_not_found",
        f"見出し行が見つかりません{detail}。テンプレートの見出し（{headers}）を1行に並べてください。",
    )


def data_rows(table: Table, header: HeaderMap) -> list[SheetRow]:
    """Rows below the header that have something in a template column (others are ignored)."""
    rows = []
    for number, cells in table.rows:
        if number <= header.row:
            continue
        values = {
            name: cells[index] if index < len(cells) else None
            for name, index in header.positions.items()
        }
        if any(
            v is not None and not (isinstance(v, str) and not v.strip()) for v in values.values()
        ):
            rows.append(SheetRow(number=number, cells=values))
    return rows


# --- cell values ------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's value is unusable; the message is Japanese."""


def text(value: Value) -> str:
    """The cell as trimmed text (ASCII and full-width spaces); numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellError("数式は取り込めません。値として貼り付けてください。")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def nfkc(value: Value) -> str:
    return unicodedata.normalize("NFKC", text(value)).strip()


def date_value(value: Value) -> date | None:
    """A date cell, or text in 和暦/西暦 (令和7年4月1日, R7.4.1, 2025/4/1, full-width digits)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(f"「{text(value)}」を日付として読めません（例: 令和7年4月1日、2025/4/1）。")
    try:
        return parse_date(text(value))
    except DateParseError as exc:
        raise CellError(str(exc)) from None


def count_value(value: Value) -> int | None:
    """A non-negative whole number: 1,200 / １２００ / 1200人."""
    raw = nfkc(value)
    if not raw:
        return None
    cleaned = raw.replace(",", "").removesuffix("人").removesuffix("名").strip()
    if not cleaned.isascii() or not cleaned.isdigit():
        raise CellError(f"「{raw}」は0以上の整数ではありません。")
    number = int(cleaned)
    if number > 2_000_000_000:
        raise CellError(f"「{raw}」は大きすぎます。")
    return number


def choice(value: Value, choices: dict[str, str], label: str) -> str | None:
    """One of the listed choices (compared after NFKC, spaces removed, ASCII upper-cased)."""
    raw = normalize_header(value).upper()
    if not raw:
        return None
    table = {normalize_header(k).upper(): v for k, v in choices.items()}
    if raw not in table:
        raise CellError(f"{label}「{text(value)}」は選択肢（{' / '.join(choices)}）にありません。")
    return table[raw]
