"""List pages: one pagination helper and the parsing of their query arguments.

A query argument is typed by hand in the address bar as often as it comes from a form, so
every parser here returns None (the filter is ignored) rather than raising.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from portal.extensions import db
from portal.wareki import JST

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: sa.Select[Any], *, page: int, per_page: int = 50) -> Page[Any]:
    """Run `stmt` for one page plus one COUNT query (two queries whatever the size)."""
    page = max(1, page)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


MAX_PAGE = 100_000  # an absurd ?page= must not overflow OFFSET (PostgreSQL bigint)
MAX_ID = 2**31 - 1  # ids are INTEGER columns (the <int:> URL converter has the same cap)


def page_arg(raw: str | None) -> int:
    try:
        return min(MAX_PAGE, max(1, int(raw or "1")))
    except ValueError:
        return 1


def int_arg(raw: str | None) -> int | None:
    """A positive id or year from the query string, or None.

    ASCII digits only: str.isdigit() accepts '²', which int() then refuses (a 500), and a
    number beyond INTEGER overflows the driver on PostgreSQL and SQLite.
    """
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


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
