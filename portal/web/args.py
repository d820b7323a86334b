"""Query-string arguments: the one parser for each shape a list page filters on.

A query argument is typed by hand in the address bar as often as it comes from a form, so
every parser takes the raw text (`request.args.get(...)`, possibly None) and returns None or
a safe default rather than raising: a bad filter is ignored, never a 500.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime, time
from typing import TypeVar

from portal.wareki import JST, fiscal_year, today_jst

MAX_PAGE = 100_000  # an absurd ?page= must not overflow OFFSET (PostgreSQL bigint)
MAX_ID = 2**31 - 1  # ids are INTEGER columns (the <int:> URL converter has the same cap)
MAX_TEXT = 100  # a search box; longer input is cut, not refused
FISCAL_YEARS = (2000, 2100)

E = TypeVar("E", bound=enum.Enum)


def page_arg(raw: str | None) -> int:
    """?page=: 1 when absent or not a number, at most MAX_PAGE."""
    try:
        return min(MAX_PAGE, max(1, int(raw or "1")))
    except ValueError:
        return 1


def int_arg(raw: str | None, *, high: int = MAX_ID) -> int | None:
    """A positive id or number up to `high` from the query string, or None.

    ASCII digits only: str.isdigit() accepts '²', which int() then refuses (a 500), and a
    number beyond INTEGER overflows the driver on PostgreSQL and SQLite.
    """
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= high else None


def date_arg(raw: str | None, *, end: bool = False) -> datetime | None:
    """'YYYY-MM-DD' as the first (or, with end=True, the last) instant of that day in Tokyo.

    Years before 1900 are refused: 0001-01-01 00:00 JST is before datetime.min in UTC and
    would raise OverflowError when the column converts it.
    """
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    if day.year < 1900:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=JST)


def text_arg(raw: str | None, *, limit: int = MAX_TEXT, normalize: bool = False) -> str:
    """Search text: trimmed, at most `limit` characters; NFKC-normalised with `normalize`
    (full-width digits typed by a Japanese keyboard match the stored half-width ones)."""
    text = raw or ""
    if normalize:
        text = unicodedata.normalize("NFKC", text)
    return text.strip()[:limit]


def choice_arg(raw: str | None, choices: type[E]) -> E | None:
    """One member of the enum `choices` by its value, or None."""
    for member in choices:
        if member.value == raw:
            return member
    return None


def flag_arg(raw: str | None) -> bool:
    """A checkbox filter: on only for "1"."""
    return raw == "1"


def yes_no_arg(raw: str | None) -> bool | None:
    """A three-way filter: "yes" → True, "no" → False, anything else → None (no filter)."""
    return {"yes": True, "no": False}.get(raw or "")


def fiscal_year_arg(raw: str | None, *, today: date | None = None) -> int:
    """?fiscal_year=: the current 年度 when absent or not a number, clamped to 2000-2100."""
    current = fiscal_year(today or today_jst())
    value = int_arg(raw)
    low, high = FISCAL_YEARS
    return min(max(value if value is not None else current, low), high)
