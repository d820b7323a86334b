"""和暦 and 年度 helpers. 年度 runs April 1 – March 31 (地方自治法 第208条)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name); newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)
# Initials people type for the eras (R7.4.1, H31.4.30).
ERA_INITIALS = {"R": "令和", "H": "平成", "S": "昭和"}


def today_jst(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(JST).date()


def fiscal_year(d: date) -> int:
    """2026-04-01 → 2026; 2027-03-31 → 2026."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def _era_year(name: str, n: int) -> str:
    return f"{name}{'元' if n == 1 else n}年"


def fiscal_year_label(fy: int) -> str:
    """年度 label, e.g. 2026 → 令和8年度; 2019 → 令和元年度 (the customary label)."""
    for start, name in ERAS:
        if fy >= start.year:
            return f"{_era_year(name, fy - start.year + 1)}度"
    return f"{fy}年度"


def wareki_date(d: date | datetime | None) -> str:
    """2026-05-12 → 令和8年5月12日."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.astimezone(JST).date()
    for start, name in ERAS:
        if d >= start:
            return f"{_era_year(name, d.year - start.year + 1)}{d.month}月{d.day}日"
    return f"{d.year}年{d.month}月{d.day}日"


def jst_datetime(dt: datetime | None) -> str:
    """UTC timestamp → 'YYYY-MM-DD HH:MM' in Asia/Tokyo for display."""
    if dt is None:
        return ""
    return dt.astimezone(JST).strftime("%Y-%m-%d %H:%M")


class DateParseError(ValueError):
    """A text is not a date a person could mean; the message is Japanese, for the UI."""


_WAREKI_RE = re.compile(
    r"^(?P<era>令和|平成|昭和|[RHS])\s*(?P<y>元|\d{1,2})\s*[./\-年]\s*(?P<m>\d{1,2})"
    r"\s*[./\-月]\s*(?P<d>\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_SEIREKI_RE = re.compile(
    r"^(?P<y>\d{4})\s*[./\-年]\s*(?P<m>\d{1,2})\s*[./\-月]\s*(?P<d>\d{1,2})\s*日?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")


def _era_bounds(name: str) -> tuple[date, date | None]:
    """First and last day of an era (None: the present era has no last day yet)."""
    for index, (start, era) in enumerate(ERAS):
        if era == name:
            end = ERAS[index - 1][0] - timedelta(days=1) if index > 0 else None
            return start, end
    raise KeyError(name)


def _make_date(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise DateParseError(f"「{text}」は存在しない日付です。") from None


def parse_date(raw: str | date | datetime) -> date:
    """A date as people write it: 令和7年4月1日, R7.4.1, 2025/4/1, 2025-04-01, 2025年4月1日,
    20250401, with full-width digits (NFKC) and 元年. Raises `DateParseError` (Japanese message)
    for text that is no date and for impossible ones (2月30日, 令和1年4月1日 before the era)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    if match := _WAREKI_RE.match(text):
        era = match["era"]
        era = ERA_INITIALS.get(era.upper(), era)
        year_in_era = 1 if match["y"] == "元" else int(match["y"])
        if year_in_era < 1:
            raise DateParseError(f"「{raw}」は存在しない日付です。")
        start, end = _era_bounds(era)
        result = _make_date(start.year + year_in_era - 1, int(match["m"]), int(match["d"]), raw)
        if result < start or (end is not None and result > end):
            raise DateParseError(f"「{raw}」は{era}の期間にない日付です。")
        return result
    match = _SEIREKI_RE.match(text) or _COMPACT_RE.match(text)
    if match:
        return _make_date(int(match["y"]), int(match["m"]), int(match["d"]), raw)
    raise DateParseError(
        f"「{raw}」を日付として読めません（例: 令和7年4月1日、R7.4.1、2025/4/1）。"
    )
