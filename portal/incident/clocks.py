"""The PPC's clocks for a leak, counted as the PPC counts them.

- Day 1 is the day the city learned of the case (a contractor's report date, unless staff
  record another day of knowledge).
- 速報: 「速やかに」 — in practice within about 3–5 days; due on day `sokuho_due_day` (5), with a
  warning from day `sokuho_warn_day` (3). Both come from the profile.
- 確報: by day 30, or day 60 when the case may have been done for an unlawful purpose
  (個人情報保護法施行規則 第44条). When that day is a Saturday, Sunday, national holiday
  (振替休日 and 国民の休日 included, from `jpholiday`) or falls in 12/29–1/3 (年末年始), the due
  date moves to the next day that is none of these.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import jpholiday


@dataclass(frozen=True)
class ClockRules:
    sokuho_due_day: int = 5
    sokuho_warn_day: int = 3
    kakuho_days: int = 30
    kakuho_days_unlawful: int = 60
    kakuho_warn_days_before: int = 7

    def __post_init__(self) -> None:
        if not 1 <= self.sokuho_warn_day <= self.sokuho_due_day:
            raise ValueError("sokuho_warn_day must be between 1 and sokuho_due_day")
        if not self.sokuho_due_day <= self.kakuho_days <= self.kakuho_days_unlawful:
            raise ValueError("deadlines must satisfy sokuho <= kakuho <= kakuho_unlawful")
        if self.kakuho_warn_days_before < 0:
            raise ValueError("kakuho_warn_days_before must not be negative")


def is_year_end_closure(d: date) -> bool:
    """12/29–1/3: the 年末年始 on which offices are closed (行政機関の休日に関する法律 第1条)."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def closed_day_reason(d: date) -> str | None:
    """Why `d` is not a working day (土曜日 / 日曜日 / the holiday's name / 年末年始), or None."""
    if d.weekday() == 5:
        return "土曜日"
    if d.weekday() == 6:
        return "日曜日"
    name = jpholiday.is_holiday_name(d)
    if name:
        return str(name)
    if is_year_end_closure(d):
        return "年末年始"
    return None


def is_closed_day(d: date) -> bool:
    return closed_day_reason(d) is not None


def next_open_day(d: date) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    while is_closed_day(d):
        d += timedelta(days=1)
    return d


def day_n(day1: date, n: int) -> date:
    """The n-th day counting `day1` as day 1."""
    if n < 1:
        raise ValueError("days are counted from 1")
    return day1 + timedelta(days=n - 1)


def day_number(day1: date, today: date) -> int:
    """Which day `today` is, counting `day1` as day 1 (0 or less: before the day of knowledge)."""
    return (today - day1).days + 1


@dataclass(frozen=True)
class Deadlines:
    known_on: date
    sokuho_warn_from: date
    sokuho_due: date
    kakuho_nominal: date  # day 30 / 60 before moving past closed days
    kakuho_due: date
    kakuho_warn_from: date
    kakuho_extended: bool

    @property
    def kakuho_days(self) -> int:
        return day_number(self.known_on, self.kakuho_nominal)

    @property
    def kakuho_moved_because(self) -> str | None:
        """Why the 確報 date moved (the reason for its nominal day), or None."""
        if self.kakuho_due == self.kakuho_nominal:
            return None
        return closed_day_reason(self.kakuho_nominal)


def deadlines(known_on: date, *, unlawful_purpose: bool, rules: ClockRules) -> Deadlines:
    """The 速報 and 確報 dates for a case the city learned of on `known_on`."""
    n = rules.kakuho_days_unlawful if unlawful_purpose else rules.kakuho_days
    nominal = day_n(known_on, n)
    due = next_open_day(nominal)
    return Deadlines(
        known_on=known_on,
        sokuho_warn_from=day_n(known_on, rules.sokuho_warn_day),
        sokuho_due=day_n(known_on, rules.sokuho_due_day),
        kakuho_nominal=nominal,
        kakuho_due=due,
        kakuho_warn_from=max(known_on, due - timedelta(days=rules.kakuho_warn_days_before)),
        kakuho_extended=unlawful_purpose,
    )
