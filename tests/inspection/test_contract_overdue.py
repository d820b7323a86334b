"""The contract list's 「期限超過」 filter counts a late yearly inspection (入間市 第37条第3項)."""

from __future__ import annotations

from datetime import date

from portal.contract.services import overdue_ids
from portal.inspection.models import InspectionStatus
from tests.factories import make_company, make_section
from tests.inspection.factories import make_contract, make_inspection, profile

IRUMA = profile("iruma")
AFTER_SCHEDULE_BY = date(2026, 11, 24)  # iruma: plan by 06-30
BEFORE_SCHEDULE_BY = date(2026, 5, 10)


def _contracts():
    section, company = make_section(), make_company()
    return [make_contract(section=section, company=company) for _ in range(4)]


def test_an_unplanned_contract_is_overdue_only_after_the_schedule_by_date(app, db):
    unplanned, *_ = _contracts()

    assert overdue_ids([unplanned.id], today=BEFORE_SCHEDULE_BY) == set()
    assert overdue_ids([unplanned.id], today=AFTER_SCHEDULE_BY) == {unplanned.id}


def test_a_planned_day_that_passed_without_a_record_is_overdue(app, db):
    future, passed, recorded, last_year_only = _contracts()
    make_inspection(future, prof=IRUMA, fy=2026, scheduled_on=date(2026, 12, 1))
    make_inspection(passed, prof=IRUMA, fy=2026, scheduled_on=date(2026, 10, 1))
    make_inspection(
        recorded,
        prof=IRUMA,
        fy=2026,
        scheduled_on=date(2026, 10, 1),
        status=InspectionStatus.RECORDED,
    )
    make_inspection(
        last_year_only,
        prof=IRUMA,
        fy=2025,
        scheduled_on=date(2025, 10, 1),
        status=InspectionStatus.RECORDED,
    )

    ids = [c.id for c in (future, passed, recorded, last_year_only)]

    assert overdue_ids(ids, today=AFTER_SCHEDULE_BY) == {passed.id, last_year_only.id}


def test_a_contract_that_started_late_gets_the_same_lead_time_to_plan(app, db):
    section, company = make_section(), make_company()
    recent = make_contract(section=section, company=company, period_start=date(2026, 10, 1))

    # iruma: 90 days from the 年度 start to 06-30, so from 2026-10-01 the plan is due 12-30.
    assert overdue_ids([recent.id], today=AFTER_SCHEDULE_BY) == set()
    assert overdue_ids([recent.id], today=date(2027, 1, 5)) == {recent.id}
