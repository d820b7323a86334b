"""Planning inspections: the rules of each city's profile (入間市 第37条第3項・第4項,
広島市 第10 4・5, 沖縄市 第35条第3項・第4項, 龍ヶ崎市 第35条第3項・第4項)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.contract.models import ContractStatus
from portal.errors import PortalError
from portal.inspection.models import InspectionMethod, InspectionStatus, InspectorKind
from portal.inspection.services import reschedule_inspection, schedule_inspection
from portal.notification.models import Notification
from portal.subcontract.models import SubcontractStatus
from tests.factories import make_section, make_user
from tests.inspection.factories import make_contract, make_tier, make_world, profile

TODAY = date(2026, 11, 20)


def _plan(world, prof, **kw):
    values = {
        "actor": world.pm,
        "profile": prof,
        "contract": world.contract,
        "subcontract": None,
        "scheduled_on": date(2026, 12, 10),
        "method": InspectionMethod.ONSITE,
        "inspector": world.pm,
        "today": TODAY,
    }
    values.update(kw)
    return schedule_inspection(**values)


@pytest.mark.parametrize("name", ["iruma", "hiroshima"])
def test_onsite_principle_cities_refuse_a_written_inspection_without_a_reason(db, name):
    world = make_world()

    with pytest.raises(PortalError, match="原則として実地検査"):
        _plan(world, profile(name), method=InspectionMethod.WRITTEN, written_reason="  ")


def test_iruma_accepts_a_written_inspection_with_a_recorded_reason(db):
    world = make_world()

    inspection = _plan(
        world,
        profile("iruma"),
        method=InspectionMethod.WRITTEN,
        written_reason="取扱件数が少なく書面で確認できるため",
    )

    assert inspection.method == InspectionMethod.WRITTEN
    assert inspection.written_reason == "取扱件数が少なく書面で確認できるため"


@pytest.mark.parametrize("name", ["okinawa", "ryugasaki"])
def test_cities_without_onsite_principle_accept_a_written_inspection_without_a_reason(db, name):
    world = make_world()

    inspection = _plan(world, profile(name), method=InspectionMethod.WRITTEN)

    assert inspection.status == InspectionStatus.SCHEDULED
    assert inspection.profile == name


def test_the_checklist_of_the_profile_is_copied_onto_the_inspection(db):
    world = make_world()
    prof = profile("ryugasaki")

    inspection = _plan(world, prof)

    assert [(i.key, i.label) for i in inspection.items] == [
        (c.key, c.label) for c in prof.inspection.checklist
    ]
    assert inspection.fiscal_year == 2026


def test_scheduling_notifies_the_inspected_company_and_is_audited(db):
    world = make_world()

    inspection = _plan(world, profile("iruma"))

    notified = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "inspection.scheduled")
    ).all()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "inspection.scheduled", AuditEntry.object_id == inspection.id
        )
    ).one()
    assert world.alpha_user.id in notified
    assert world.gamma_user.id not in notified
    assert entry.contract_id == world.contract.id
    assert entry.data["method"] == "onsite"


def test_an_approved_tier_can_be_inspected_through_the_contractor(db):
    world = make_world()

    inspection = _plan(
        world,
        profile("iruma"),
        subcontract=world.tier,
        inspector_kind=InspectorKind.VIA_CONTRACTOR,
        inspector=None,
    )

    assert inspection.company_id == world.gamma.id
    assert inspection.inspector_company_id == world.alpha.id
    assert inspection.inspector_user_id is None


def test_inspecting_through_the_contractor_is_refused_for_the_contractor_itself(db):
    world = make_world()

    with pytest.raises(PortalError, match="再委託先に対してのみ"):
        _plan(world, profile("iruma"), inspector_kind=InspectorKind.VIA_CONTRACTOR)


def test_a_tier_that_is_not_approved_cannot_be_inspected(db):
    world = make_world()
    pending = make_tier(world.contract, world.delta, status=SubcontractStatus.SUBMITTED)

    with pytest.raises(PortalError, match="承認済みの再委託先"):
        _plan(world, profile("iruma"), subcontract=pending)


def test_a_contract_that_is_not_active_cannot_be_scheduled(db):
    world = make_world()
    world.contract.status = ContractStatus.ERASURE_PENDING

    with pytest.raises(PortalError, match="履行中の契約"):
        _plan(world, profile("iruma"))


def test_a_date_outside_the_contract_period_is_refused(db):
    world = make_world()
    short = make_contract(
        section=world.section,
        company=world.alpha,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 12, 31),
    )

    with pytest.raises(PortalError, match="契約期間"):
        _plan(world, profile("iruma"), contract=short, scheduled_on=date(2027, 1, 15))


def test_an_inspection_cannot_be_planned_in_a_fiscal_year_that_has_ended(db):
    world = make_world()

    with pytest.raises(PortalError, match="過去の年度"):
        _plan(world, profile("iruma"), scheduled_on=date(2026, 3, 15))


def test_the_inspector_must_be_staff_of_the_contracts_section(db):
    world = make_world()
    outsider = make_user("protection_manager", section=make_section())

    with pytest.raises(PortalError, match="所管する課の職員"):
        _plan(world, profile("iruma"), inspector=outsider)


def test_a_second_open_inspection_of_the_same_target_in_the_same_year_is_refused(db):
    world = make_world()
    _plan(world, profile("iruma"))

    with pytest.raises(PortalError, match="既に計画"):
        _plan(world, profile("iruma"), scheduled_on=date(2027, 2, 1))


def test_the_tier_and_the_contractor_are_separate_targets_in_the_same_year(db):
    world = make_world()
    _plan(world, profile("iruma"))

    tier_inspection = _plan(world, profile("iruma"), subcontract=world.tier)

    assert tier_inspection.subcontract_id == world.tier.id


def test_rescheduling_moves_the_date_and_keeps_the_rules(db):
    world = make_world()
    inspection = _plan(world, profile("hiroshima"))

    reschedule_inspection(
        actor=world.pm,
        profile=profile("hiroshima"),
        inspection=inspection,
        scheduled_on=date(2027, 1, 20),
        method=InspectionMethod.ONSITE,
        inspector=world.proc,
        today=TODAY,
    )

    assert inspection.scheduled_on == date(2027, 1, 20)
    assert inspection.inspector_user_id == world.proc.id
    with pytest.raises(PortalError, match="原則として実地検査"):
        reschedule_inspection(
            actor=world.pm,
            profile=profile("hiroshima"),
            inspection=inspection,
            scheduled_on=date(2027, 1, 20),
            method=InspectionMethod.WRITTEN,
            inspector=world.proc,
            today=TODAY,
        )
