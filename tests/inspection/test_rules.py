"""The yearly-inspection rules of each city's profile, as pure date arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from portal.inspection.models import InspectionMethod
from portal.inspection.rules import (
    OverdueReason,
    TargetStatus,
    deadlines,
    evaluate,
    method_counts,
    parse_month_day,
    window_years,
    written_needs_reason,
)
from portal.profile import ProfileError
from tests.inspection.factories import profile


def _evaluate(rules, today, **kw):
    values = {
        "fy": 2026,
        "today": today,
        "target_start": date(2026, 4, 1),
        "satisfied": False,
        "actions_open": False,
        "open_inspection_status": None,
        "open_scheduled_on": None,
    }
    values.update(kw)
    return evaluate(rules, **values)


def test_only_iruma_and_hiroshima_need_a_reason_for_a_written_inspection():
    needs = {
        name: written_needs_reason(profile(name).inspection)
        for name in ("iruma", "hiroshima", "okinawa", "ryugasaki")
    }

    assert needs == {"iruma": True, "hiroshima": True, "okinawa": False, "ryugasaki": False}


@pytest.mark.parametrize("name", ["iruma", "hiroshima", "okinawa", "ryugasaki"])
def test_every_seed_profile_counts_written_and_onsite_inspections_for_the_year(name):
    rules = profile(name).inspection

    assert method_counts(rules, InspectionMethod.ONSITE)
    assert method_counts(rules, InspectionMethod.WRITTEN)


def test_a_profile_that_does_not_count_written_inspections_only_counts_onsite_ones():
    rules = dataclasses.replace(profile("iruma").inspection, written_counts=False)

    assert not method_counts(rules, InspectionMethod.WRITTEN)
    assert method_counts(rules, InspectionMethod.ONSITE)


def test_the_scheduling_deadline_is_schedule_by_in_the_fiscal_year_and_completion_is_march_31():
    d = deadlines(profile("iruma").inspection, 2026)

    assert d.schedule_by == date(2026, 6, 30)
    assert d.complete_by == date(2027, 3, 31)
    assert d.year_end_warning_from == date(2027, 1, 30)


def test_a_contract_starting_mid_year_gets_the_same_lead_time_from_its_own_start():
    d = deadlines(profile("iruma").inspection, 2026, date(2026, 10, 1))

    assert d.schedule_by == date(2026, 12, 30)


def test_a_target_starting_in_march_is_never_given_a_deadline_after_the_year_end():
    d = deadlines(profile("iruma").inspection, 2026, date(2027, 3, 1))

    assert d.schedule_by == date(2027, 3, 31)


def test_a_schedule_by_in_january_to_march_falls_in_the_next_calendar_year():
    assert parse_month_day("02-15", 2026) == date(2027, 2, 15)


@pytest.mark.parametrize("value", ["13-01", "02-30", "june", ""])
def test_a_malformed_schedule_by_is_a_profile_error(value):
    with pytest.raises(ProfileError):
        parse_month_day(value, 2026)


def test_an_unscheduled_target_is_not_overdue_until_the_scheduling_deadline():
    ev = _evaluate(profile("iruma").inspection, date(2026, 6, 30))

    assert ev.status == TargetStatus.NOT_SCHEDULED


def test_an_unscheduled_target_is_overdue_the_day_after_the_scheduling_deadline():
    ev = _evaluate(profile("iruma").inspection, date(2026, 7, 1))

    assert ev.status == TargetStatus.OVERDUE
    assert ev.overdue_reason == OverdueReason.NOT_SCHEDULED


def test_a_scheduled_target_is_not_overdue_before_the_year_ends_even_after_its_date():
    ev = _evaluate(
        profile("iruma").inspection,
        date(2026, 11, 1),
        open_inspection_status="scheduled",
        open_scheduled_on=date(2026, 10, 1),
    )

    assert ev.status == TargetStatus.SCHEDULED
    assert ev.record_late


def test_a_target_without_a_record_when_the_year_has_ended_is_overdue():
    ev = _evaluate(
        # 龍ヶ崎市 once the city has set its own yearly interval (its rule sets none).
        profile("ryugasaki").inspection.with_interval(12),
        date(2027, 4, 1),
        open_inspection_status="evidence_submitted",
        open_scheduled_on=date(2027, 3, 20),
    )

    assert ev.status == TargetStatus.OVERDUE
    assert ev.overdue_reason == OverdueReason.YEAR_ENDED


def test_a_satisfied_target_with_open_actions_shows_actions_open_and_without_them_done():
    rules = profile("okinawa").inspection

    assert _evaluate(rules, date(2027, 5, 1), satisfied=True, actions_open=True).status == (
        TargetStatus.ACTIONS_OPEN
    )
    assert _evaluate(rules, date(2027, 5, 1), satisfied=True).status == TargetStatus.DONE


def test_nothing_is_overdue_when_the_profile_does_not_require_inspections():
    rules = dataclasses.replace(profile("okinawa").inspection, required=False)

    assert _evaluate(rules, date(2027, 4, 1)).status == TargetStatus.NOT_SCHEDULED


def test_the_year_end_warning_starts_year_end_warning_days_before_march_31():
    rules = profile("iruma").inspection

    assert not _evaluate(rules, date(2027, 1, 29)).near_year_end
    assert _evaluate(rules, date(2027, 1, 30)).near_year_end


def test_okinawa_with_a_24_month_frequency_lets_one_inspection_cover_two_fiscal_years():
    rules = dataclasses.replace(profile("okinawa").inspection, frequency_months=24)

    assert window_years(rules) == 2
    assert window_years(profile("okinawa").inspection) == 1
