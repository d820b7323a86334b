"""和暦 and 年度 helpers. 年度 runs April 1 – March 31 (地方自治法 第208条)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name); newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


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
