"""How incident dates read on screen, in mail and in the drafts: 和暦 with the weekday."""

from __future__ import annotations

from datetime import date

from portal.wareki import wareki_date

WEEKDAYS = "月火水木金土日"


def wareki_weekday(d: date | None) -> str:
    """2026-12-09 → 令和8年12月9日（水）."""
    if d is None:
        return ""
    return f"{wareki_date(d)}（{WEEKDAYS[d.weekday()]}）"
