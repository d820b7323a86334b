"""What the scheduler will chase on a given day (portal.inspection.due)."""

from __future__ import annotations

from datetime import date

from portal.inspection.due import (
    overdue_actions,
    unrecorded_inspections,
    unscheduled_targets,
    year_end_targets,
)
from portal.inspection.models import ActionStatus, InspectionStatus
from tests.inspection.factories import make_contract, make_inspection, make_world, profile

IRUMA = profile("iruma")


def test_targets_without_a_plan_after_the_deadline_are_listed_with_days_late(db):
    world = make_world()

    before = unscheduled_targets(profile=IRUMA, today=date(2026, 6, 30))
    after = unscheduled_targets(profile=IRUMA, today=date(2026, 7, 3))

    assert before == []
    assert [(t.contract_id, t.subcontract_id, t.days_late) for t in after] == [
        (world.contract.id, None, 3),
        (world.contract.id, world.tier.id, 3),
    ]
    assert after[0].section_id == world.section.id
    assert after[1].company_id == world.gamma.id
    assert after[0].violation


def test_hiroshima_marks_the_unplanned_targets_as_warnings(db):
    make_world()

    listed = unscheduled_targets(profile=profile("hiroshima"), today=date(2026, 7, 3))

    assert [t.violation for t in listed] == [False, False]


def test_inspections_whose_date_passed_without_a_record_are_listed(db):
    world = make_world()
    late = make_inspection(world.contract, prof=IRUMA, fy=2026, scheduled_on=date(2026, 10, 1))
    make_inspection(
        make_contract(section=world.section, company=world.alpha),
        prof=IRUMA,
        fy=2026,
        scheduled_on=date(2026, 10, 1),
        status=InspectionStatus.RECORDED,
    )

    listed = unrecorded_inspections(today=date(2026, 10, 8))

    assert [(i.inspection_id, i.days_late, i.section_id) for i in listed] == [
        (late.id, 7, world.section.id)
    ]


def test_targets_not_done_near_the_year_end_are_listed(db):
    world = make_world()
    make_inspection(world.contract, prof=IRUMA, fy=2026, status=InspectionStatus.RECORDED)

    early = year_end_targets(profile=IRUMA, today=date(2027, 1, 29))
    late = year_end_targets(profile=IRUMA, today=date(2027, 1, 30))

    assert early == []
    assert [(t.subcontract_id, t.deadline, t.days_late) for t in late] == [
        (world.tier.id, date(2027, 3, 31), -60)
    ]


def test_corrective_actions_past_due_are_listed_until_closed(db):
    world = make_world()
    inspection = make_inspection(
        world.contract,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        actions=[
            ("storage", ActionStatus.OPEN, date(2026, 11, 1)),
            ("copying", ActionStatus.RESPONDED, date(2026, 11, 1)),
            ("purpose", ActionStatus.CLOSED, date(2026, 11, 1)),
            ("transport", ActionStatus.OPEN, date(2026, 12, 1)),
        ],
    )

    listed = overdue_actions(profile=IRUMA, today=date(2026, 11, 5))

    assert [(a.inspection_id, a.days_late) for a in listed] == [(inspection.id, 4)] * 2
    assert {a.action_id for a in listed} == {a.id for a in inspection.actions[:2]}
