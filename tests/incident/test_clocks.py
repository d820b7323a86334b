"""The PPC's clocks: day of knowledge = day 1; 速報 on day 5 (warning from day 3); 確報 day 30,
day 60 for an unlawful purpose (施行規則 第44条), moved past Saturdays, Sundays, national
holidays (振替休日 and 国民の休日 included) and 12/29–1/3."""

from __future__ import annotations

from datetime import date

import pytest

from portal.incident.clocks import (
    ClockRules,
    closed_day_reason,
    day_n,
    day_number,
    deadlines,
    next_open_day,
)
from portal.wareki import fiscal_year

RULES = ClockRules()

# (case, day 1, unlawful purpose, 速報, 確報 nominal, 確報 due)
CASES = [
    (
        "no closed day on day 30",
        date(2026, 6, 1),
        False,
        date(2026, 6, 5),
        date(2026, 6, 30),
        date(2026, 6, 30),
    ),
    (
        "day 30 on a Saturday",
        date(2027, 3, 5),
        False,
        date(2027, 3, 9),
        date(2027, 4, 3),
        date(2027, 4, 5),
    ),
    (
        "day 30 on a Sunday in 年末年始",
        date(2026, 12, 5),
        False,
        date(2026, 12, 9),
        date(2027, 1, 3),
        date(2027, 1, 4),
    ),
    (
        "day 30 on a weekday in 年末年始 (12/29)",
        date(2026, 11, 30),
        False,
        date(2026, 12, 4),
        date(2026, 12, 29),
        date(2027, 1, 4),
    ),
    (
        "Golden Week with 振替休日 (5/6)",
        date(2026, 4, 4),
        False,
        date(2026, 4, 8),
        date(2026, 5, 3),
        date(2026, 5, 7),
    ),
    (
        "敬老の日 then 国民の休日 then 秋分の日",
        date(2026, 8, 23),
        False,
        date(2026, 8, 27),
        date(2026, 9, 21),
        date(2026, 9, 24),
    ),
    (
        "day 60 for an unlawful purpose, on 成人の日",
        date(2026, 11, 13),
        True,
        date(2026, 11, 17),
        date(2027, 1, 11),
        date(2027, 1, 12),
    ),
    (
        "day 60 on a working day",
        date(2026, 12, 5),
        True,
        date(2026, 12, 9),
        date(2027, 2, 2),
        date(2027, 2, 2),
    ),
    # 2020: 海の日 and スポーツの日 were moved by the Olympics special measures act; only a
    # maintained holiday calendar knows this.
    (
        "2020's moved 海の日 and スポーツの日",
        date(2020, 6, 24),
        False,
        date(2020, 6, 28),
        date(2020, 7, 23),
        date(2020, 7, 27),
    ),
]


@pytest.mark.parametrize(
    ("case", "day1", "unlawful", "sokuho", "nominal", "kakuho"), CASES, ids=[c[0] for c in CASES]
)
def test_deadlines_are_counted_from_day_one_and_moved_past_closed_days(
    case, day1, unlawful, sokuho, nominal, kakuho
):
    d = deadlines(day1, unlawful_purpose=unlawful, rules=RULES)

    assert d.sokuho_due == sokuho
    assert d.kakuho_nominal == nominal
    assert d.kakuho_due == kakuho
    assert d.kakuho_days == (60 if unlawful else 30)


def test_the_sokuho_warning_starts_on_day_three():
    d = deadlines(date(2026, 12, 5), unlawful_purpose=False, rules=RULES)

    assert d.sokuho_warn_from == date(2026, 12, 7)
    assert day_number(date(2026, 12, 5), d.sokuho_warn_from) == 3


def test_the_sokuho_days_come_from_the_rules():
    rules = ClockRules(sokuho_due_day=4, sokuho_warn_day=2)

    d = deadlines(date(2026, 12, 5), unlawful_purpose=False, rules=rules)

    assert (d.sokuho_warn_from, d.sokuho_due) == (date(2026, 12, 6), date(2026, 12, 8))


def test_a_deadline_in_the_next_fiscal_year_keeps_its_own_year():
    d = deadlines(date(2027, 3, 20), unlawful_purpose=False, rules=RULES)

    assert fiscal_year(d.known_on) == 2026
    assert d.kakuho_nominal == date(2027, 4, 18)  # a Sunday in 令和9年度
    assert d.kakuho_due == date(2027, 4, 19)
    assert fiscal_year(d.kakuho_due) == 2027


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 9, 22), "国民の休日"),
        (date(2026, 5, 6), "振替休日"),
        (date(2026, 12, 29), "年末年始"),
        (date(2027, 1, 2), "土曜日"),
        (date(2026, 12, 28), None),
    ],
)
def test_closed_days_are_named(day, reason):
    got = closed_day_reason(day)

    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert reason in got


def test_an_open_day_is_its_own_next_open_day():
    assert next_open_day(date(2026, 12, 28)) == date(2026, 12, 28)


def test_days_are_counted_from_one():
    assert day_n(date(2026, 12, 5), 1) == date(2026, 12, 5)
    with pytest.raises(ValueError, match="from 1"):
        day_n(date(2026, 12, 5), 0)


def test_inconsistent_clock_rules_are_refused():
    with pytest.raises(ValueError, match="sokuho_warn_day"):
        ClockRules(sokuho_due_day=3, sokuho_warn_day=4)
    with pytest.raises(ValueError, match="kakuho"):
        ClockRules(kakuho_days=90, kakuho_days_unlawful=60)
