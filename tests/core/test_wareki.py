from datetime import UTC, date, datetime

import pytest

from portal.wareki import (
    DateParseError,
    fiscal_year,
    fiscal_year_label,
    jst_datetime,
    parse_date,
    today_jst,
    wareki_date,
)


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2026, 4, 1), 2026),
        (date(2027, 3, 31), 2026),
        (date(2026, 3, 31), 2025),
        (date(2026, 12, 31), 2026),
    ],
)
def test_fiscal_year_runs_from_april_to_march(day, fy):
    assert fiscal_year(day) == fy


def test_fiscal_year_label_in_wareki():
    assert fiscal_year_label(2026) == "令和8年度"
    assert fiscal_year_label(2019) == "令和元年度"
    assert fiscal_year_label(2018) == "平成30年度"


def test_dates_in_wareki_switch_era_on_the_first_day():
    assert wareki_date(date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_date(date(2026, 5, 12)) == "令和8年5月12日"


def test_utc_timestamps_are_shown_in_tokyo_time():
    late_utc = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)

    assert jst_datetime(late_utc) == "2026-04-01 01:30"
    assert today_jst(late_utc) == date(2026, 4, 1)
    assert fiscal_year(today_jst(late_utc)) == 2026


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年4月1日", date(2025, 4, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("㋿7年4月1日", date(2025, 4, 1)),
        ("2025/4/1", date(2025, 4, 1)),
        ("２０２５年４月１日", date(2025, 4, 1)),
        ("20250401", date(2025, 4, 1)),
    ],
)
def test_parse_date_reads_wareki_and_seireki(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2025/2/29", "令和元年4月30日", "平成31年5月1日", "R0.1.1", "明日"]
)
def test_parse_date_refuses_impossible_dates_in_japanese(text):
    with pytest.raises(DateParseError) as refused:
        parse_date(text)

    assert "日付" in str(refused.value)
