"""What each chase rule finds, whom it notifies, and that it does so once."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.audit.models import AuditEntry
from portal.chase.models import ChaseMark, ChaseRun
from portal.chase.services import run_chase
from portal.contract.models import Contract, ContractStatus
from portal.erasure.models import ObligationStatus
from portal.extensions import db
from portal.inspection.models import ActionStatus, InspectionStatus
from portal.notification.models import Notification
from portal.org.models import CertificateKind, CompanyCertificate
from portal.profile import load_profile
from portal.subcontract.models import SubcontractStatus
from tests.chase.factories import (
    days,
    make_action,
    make_certificate,
    make_city,
    make_contract,
    make_inspection,
    make_obligation,
    make_subcontract,
)
from tests.factories import make_company

TODAY = date(2026, 11, 24)


def _recipients(rule: str) -> dict[int, list[str]]:
    """user id → dedupe keys of that rule's notifications."""
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.dedupe_key).where(
            Notification.kind == f"chase.{rule}"
        )
    )
    out: dict[int, list[str]] = {}
    for uid, key in rows:
        out.setdefault(uid, []).append(key)
    return out


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _hiroshima():
    return load_profile("hiroshima", current_app.extensions["portal_config"].templates_dir)


def _recorded_contract(city, **kwargs):
    """An active contract whose yearly inspection is done (so only the rule under test fires)."""
    contract = make_contract(city.section, city.company, **kwargs)
    make_inspection(contract, scheduled_on=date(2026, 5, 20), status=InspectionStatus.RECORDED)
    return contract


# --- 再委託 ---------------------------------------------------------------------------------


def test_subcontract_waiting_longer_than_the_decision_days_reminds_the_sections_manager(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(15))

    run_chase(today=TODAY, rules={"subcontract_decision"})

    assert set(_recipients("subcontract_decision")) == {city.pm.id}


def test_subcontract_decided_in_time_is_not_chased(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(30), status=SubcontractStatus.APPROVED)
    make_subcontract(contract, submitted_on=TODAY - days(5))

    report = run_chase(today=TODAY, rules={"subcontract_decision"})

    assert report.sent == []


def test_a_reminder_goes_three_days_before_the_decision_is_due(db):
    city = make_city()
    contract = _recorded_contract(city)
    sub = make_subcontract(contract, submitted_on=TODAY - days(11))

    report = run_chase(today=TODAY, rules={"subcontract_decision"})

    assert [(s.object_id, s.stage) for s in report.sent] == [(sub.id, "before3")]
    assert report.sent[0].user_ids == (city.pm.id,)


def test_a_second_run_the_same_day_sends_nothing(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(20))
    make_certificate(city.company, expires_on=TODAY + days(10))
    first = run_chase(today=TODAY)
    count = _count(Notification)

    second = run_chase(today=TODAY)

    assert first.sent
    assert second.sent == []
    assert _count(Notification) == count


def test_a_missed_day_sends_only_the_stage_that_applies_now(db):
    city = make_city()
    contract = _recorded_contract(city)
    sub = make_subcontract(contract, submitted_on=TODAY - days(16))

    report = run_chase(today=TODAY, rules={"subcontract_decision"})

    assert [(s.object_id, s.stage) for s in report.sent] == [(sub.id, "due")]


def test_the_next_stage_is_sent_when_it_begins(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(11))
    run_chase(today=TODAY, rules={"subcontract_decision"})

    later = run_chase(today=TODAY + days(4), rules={"subcontract_decision"})

    assert [s.stage for s in later.sent] == ["due"]
    assert len(_recipients("subcontract_decision")[city.pm.id]) == 2


def test_a_section_without_a_manager_falls_back_to_the_chief(db):
    city = make_city()
    city.pm.is_active = False
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(20))

    run_chase(today=TODAY, rules={"subcontract_decision"})

    assert set(_recipients("subcontract_decision")) == {city.chief.id}


# --- 認証 (ISMS / Pマーク) ---------------------------------------------------------------


def test_expiring_certificate_reaches_the_contractor_and_procurement_of_sections_with_contracts(
    db,
):
    city = make_city()
    _recorded_contract(city)
    make_contract(city.other_section, city.company, status=ContractStatus.CLOSED)
    make_certificate(city.company, expires_on=TODAY + days(10), kind=CertificateKind.PRIVACY_MARK)

    run_chase(today=TODAY, rules={"certificate_expiry"})

    assert set(_recipients("certificate_expiry")) == {
        city.vendor.id,
        city.vendor2.id,
        city.procurement.id,
    }


def test_a_renewed_certificate_is_not_chased(db):
    city = make_city()
    _recorded_contract(city)
    make_certificate(city.company, expires_on=TODAY + days(10))
    make_certificate(city.company, expires_on=TODAY + days(375))

    report = run_chase(today=TODAY, rules={"certificate_expiry"})

    assert report.sent == []


def test_certificate_of_a_company_without_active_contracts_is_not_chased(db):
    city = make_city()
    make_contract(city.section, city.other_company, status=ContractStatus.CLOSED)
    make_certificate(city.other_company, expires_on=TODAY + days(10))

    report = run_chase(today=TODAY, rules={"certificate_expiry"})

    assert report.sent == []


def test_certificate_reminders_follow_the_configured_days(db):
    city = make_city()
    _recorded_contract(city)
    cert = make_certificate(city.company, expires_on=TODAY + days(60))

    stages = [
        (day, [s.stage for s in run_chase(today=day, rules={"certificate_expiry"}).sent])
        for day in (TODAY - days(1), TODAY, TODAY + days(46), TODAY + days(57), TODAY + days(61))
    ]

    assert cert.id
    assert stages == [
        (TODAY - days(1), []),
        (TODAY, ["before60"]),
        (TODAY + days(46), ["before14"]),
        (TODAY + days(57), ["before3"]),
        (TODAY + days(61), ["expired"]),
    ]


# --- 消去・廃棄証明 ------------------------------------------------------------------------


def _erasure_contract(city, due):
    return make_contract(
        city.section,
        city.company,
        status=ContractStatus.ERASURE_PENDING,
        period_start=date(2025, 4, 1),
        period_end=due - days(30),
        erasure_due_on=due,
    )


def test_erasure_certificate_overdue_goes_to_the_contractor_then_the_manager(db):
    city = make_city()
    contract = _erasure_contract(city, TODAY - days(1))
    make_obligation(contract)

    first = run_chase(today=TODAY, rules={"erasure_overdue"})
    escalated = run_chase(today=TODAY + days(14), rules={"erasure_overdue"})

    assert [(s.stage, set(s.user_ids)) for s in first.sent] == [
        ("due", {city.vendor.id, city.vendor2.id})
    ]
    assert [(s.stage, set(s.user_ids)) for s in escalated.sent] == [("escalation", {city.pm.id})]


def test_erasure_certificate_waiting_for_review_goes_to_the_manager(db):
    city = make_city()
    contract = _erasure_contract(city, TODAY - days(2))
    make_obligation(contract, status=ObligationStatus.SUBMITTED)

    report = run_chase(today=TODAY, rules={"erasure_overdue"})

    assert [set(s.user_ids) for s in report.sent] == [{city.pm.id}]


def test_accepted_erasure_certificates_are_not_chased(db):
    city = make_city()
    contract = _erasure_contract(city, TODAY - days(2))
    make_obligation(contract, status=ObligationStatus.ACCEPTED)

    report = run_chase(today=TODAY, rules={"erasure_overdue"})

    assert report.sent == []


def test_erasure_reminder_goes_before_the_due_date(db):
    city = make_city()
    contract = _erasure_contract(city, TODAY + days(3))
    make_obligation(contract)

    report = run_chase(today=TODAY, rules={"erasure_overdue"})

    assert [(s.stage, set(s.user_ids)) for s in report.sent] == [
        ("before3", {city.vendor.id, city.vendor2.id})
    ]


# --- 年度検査 -------------------------------------------------------------------------------


def test_inspection_not_scheduled_reminds_the_manager_before_the_deadline(db):
    city = make_city()
    contract = make_contract(city.section, city.company)

    report = run_chase(today=date(2026, 6, 16), rules={"inspection_unscheduled"})

    assert [(s.object_id, s.stage, s.user_ids) for s in report.sent] == [
        (contract.id, "before14", (city.pm.id,))
    ]


def test_escalation_to_the_chief_happens_after_the_set_days(db):
    city = make_city()
    make_contract(city.section, city.company)
    # schedule_by 06-30: overdue from 07-01, escalation 14 days later (07-15).

    before = run_chase(today=date(2026, 7, 14), rules={"inspection_unscheduled"})
    on_day = run_chase(today=date(2026, 7, 15), rules={"inspection_unscheduled"})

    assert [(s.stage, s.user_ids) for s in before.sent] == [("due", (city.pm.id,))]
    assert [(s.stage, s.severity, s.user_ids) for s in on_day.sent] == [
        ("escalation", "escalation", (city.chief.id,))
    ]


def test_hiroshima_warns_the_manager_instead_of_escalating(db):
    city = make_city()
    make_contract(city.section, city.company)
    run_chase(today=date(2026, 7, 1), rules={"inspection_unscheduled"}, profile=_hiroshima())

    report = run_chase(
        today=date(2026, 7, 15), rules={"inspection_unscheduled"}, profile=_hiroshima()
    )

    assert [(s.stage, s.severity, s.user_ids) for s in report.sent] == [
        ("warning", "warning", (city.pm.id,))
    ]
    assert city.chief.id not in _recipients("inspection_unscheduled")
    assert "努力義務" in db.session.scalar(
        sa.select(Notification.body).where(Notification.dedupe_key.contains(":warning:"))
    )


def test_only_active_contracts_are_chased_for_inspections(db):
    city = make_city()
    make_contract(city.section, city.company, status=ContractStatus.ENDING)

    report = run_chase(today=date(2026, 7, 15), rules={"inspection_unscheduled"})

    assert report.sent == []


def test_scheduled_inspection_reminds_the_contractor_for_evidence_then_the_manager(db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    insp = make_inspection(contract, scheduled_on=date(2026, 9, 10))

    before = run_chase(today=date(2026, 9, 7), rules={"inspection_record_missing"})
    after = run_chase(today=date(2026, 9, 11), rules={"inspection_record_missing"})

    assert [(s.object_id, s.stage, set(s.user_ids)) for s in before.sent] == [
        (insp.id, "before3", {city.vendor.id, city.vendor2.id})
    ]
    assert [(s.stage, set(s.user_ids)) for s in after.sent] == [
        ("due", {city.pm.id, city.vendor.id, city.vendor2.id})
    ]


def test_passed_inspection_with_evidence_in_reminds_only_the_manager(db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_inspection(
        contract, scheduled_on=date(2026, 9, 10), status=InspectionStatus.EVIDENCE_SUBMITTED
    )

    report = run_chase(today=date(2026, 9, 12), rules={"inspection_record_missing"})

    assert [s.user_ids for s in report.sent] == [(city.pm.id,)]


def test_year_end_without_a_done_inspection_warns_manager_and_contractor(db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_inspection(contract, scheduled_on=date(2027, 3, 10))

    report = run_chase(today=date(2027, 1, 30), rules={"inspection_year_end"})

    assert [(s.stage, set(s.user_ids)) for s in report.sent] == [
        ("before60", {city.pm.id, city.vendor.id, city.vendor2.id})
    ]


def test_a_city_that_sends_no_reminders_before_due_dates_still_gets_the_year_end_warning(db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_inspection(contract, scheduled_on=date(2027, 3, 10))
    iruma = load_profile("iruma", current_app.extensions["portal_config"].templates_dir)
    no_reminders = dataclasses.replace(
        iruma, chase=dataclasses.replace(iruma.chase, remind_days_before=())
    )

    report = run_chase(today=date(2027, 1, 30), rules={"inspection_year_end"}, profile=no_reminders)

    assert [s.stage for s in report.sent] == ["before60"]


def test_recorded_inspection_ends_the_inspection_chase(db):
    city = make_city()
    _recorded_contract(city)

    report = run_chase(
        today=date(2027, 2, 20),
        rules={"inspection_unscheduled", "inspection_record_missing", "inspection_year_end"},
    )

    assert report.sent == []


def test_open_corrective_action_past_due_goes_to_the_contractor_then_the_chief(db):
    city = make_city()
    contract = _recorded_contract(city)
    insp = make_inspection(
        contract, scheduled_on=date(2026, 6, 1), status=InspectionStatus.RECORDED
    )
    action = make_action(insp, due_on=TODAY - days(1))

    first = run_chase(today=TODAY, rules={"corrective_action_overdue"})
    later = run_chase(today=TODAY + days(14), rules={"corrective_action_overdue"})

    assert [(s.object_id, s.stage, set(s.user_ids)) for s in first.sent] == [
        (action.id, "due", {city.vendor.id, city.vendor2.id})
    ]
    assert [(s.stage, s.user_ids) for s in later.sent] == [("escalation", (city.chief.id,))]


def test_answered_corrective_action_waits_on_the_manager(db):
    city = make_city()
    contract = _recorded_contract(city)
    insp = make_inspection(
        contract, scheduled_on=date(2026, 6, 1), status=InspectionStatus.RECORDED
    )
    make_action(insp, due_on=TODAY - days(1), status=ActionStatus.RESPONDED)

    report = run_chase(today=TODAY, rules={"corrective_action_overdue"})

    assert [s.user_ids for s in report.sent] == [(city.pm.id,)]


# --- who sees what ---------------------------------------------------------------------------


def test_each_recipient_gets_only_what_concerns_them(db):
    city = make_city()
    mine = _recorded_contract(city)
    theirs = make_contract(city.other_section, city.other_company)
    make_inspection(theirs, scheduled_on=date(2026, 5, 20), status=InspectionStatus.RECORDED)
    make_subcontract(mine, submitted_on=TODAY - days(20))
    make_subcontract(theirs, submitted_on=TODAY - days(20))
    make_certificate(city.company, expires_on=TODAY + days(5))
    make_certificate(city.other_company, expires_on=TODAY + days(5))

    run_chase(today=TODAY)

    notes = db.session.execute(
        sa.select(Notification.user_id, Notification.contract_id, Notification.object_id)
    ).all()
    seen = {}
    for uid, contract_id, object_id in notes:
        seen.setdefault(uid, set()).add(contract_id or ("cert", object_id))
    mine_cert = db.session.scalar(
        sa.select(CompanyCertificate.id).where(CompanyCertificate.company_id == city.company.id)
    )
    theirs_cert = db.session.scalar(
        sa.select(CompanyCertificate.id).where(
            CompanyCertificate.company_id == city.other_company.id
        )
    )
    assert seen[city.pm.id] == {mine.id}
    assert seen[city.other_pm.id] == {theirs.id}
    assert seen[city.vendor.id] == {("cert", mine_cert)}
    assert seen[city.other_vendor.id] == {("cert", theirs_cert)}
    assert seen[city.procurement.id] == {("cert", mine_cert)}
    assert seen[city.other_procurement.id] == {("cert", theirs_cert)}


def test_inactive_users_get_nothing(db):
    city = make_city()
    _recorded_contract(city)
    city.vendor2.is_active = False
    make_certificate(city.company, expires_on=TODAY + days(5))

    run_chase(today=TODAY, rules={"certificate_expiry"})

    assert city.vendor2.id not in _recipients("certificate_expiry")


# --- dry run and bookkeeping --------------------------------------------------------------


def test_dry_run_reports_what_would_be_sent_and_writes_nothing(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(20))
    make_certificate(city.company, expires_on=TODAY + days(5))
    before = {m: _count(m) for m in (Notification, ChaseMark, ChaseRun, AuditEntry)}

    dry = run_chase(today=TODAY, dry_run=True)

    assert {m: _count(m) for m in before} == before
    assert {(s.rule, s.object_id) for s in dry.sent} == {
        (s.rule, s.object_id) for s in run_chase(today=TODAY).sent
    }


def test_a_real_run_is_recorded_and_audited_as_the_system(db):
    city = make_city()
    contract = _recorded_contract(city)
    make_subcontract(contract, submitted_on=TODAY - days(20))

    report = run_chase(today=TODAY)

    run = db.session.get(ChaseRun, report.run_id)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "chase.run"))
    assert run.summary["subcontract_decision"]["sent"] == 1
    assert entry.actor_id is None
    assert entry.actor_label in {"system", "システム"}


def test_marks_of_items_no_longer_due_are_dropped(db):
    city = make_city()
    contract = _recorded_contract(city)
    sub = make_subcontract(contract, submitted_on=TODAY - days(20))
    run_chase(today=TODAY, rules={"subcontract_decision"})
    sub.status = SubcontractStatus.APPROVED
    db.session.flush()

    run_chase(today=TODAY + days(1), rules={"subcontract_decision"})

    assert _count(ChaseMark) == 0


def _queries_for(n, count_queries, today=date(2027, 2, 10)):
    """Queries of one full chase over `n` contracts with something due in every rule."""
    savepoint = db.session.begin_nested()
    city = make_city()
    for i in range(n):
        contract = make_contract(city.section, city.company)
        make_subcontract(contract, submitted_on=today - days(20))
        if i % 2:
            insp = make_inspection(contract, scheduled_on=today - days(3))
            make_action(insp, due_on=today - days(2))
        make_obligation(_erasure_contract(city, today - days(1)))
        company = make_company()
        make_contract(city.other_section, company)
        make_certificate(company, expires_on=today + days(5))
    with count_queries() as statements:
        report = run_chase(today=today)
    rules = {r.rule: r.sent for r in report.rules}
    savepoint.rollback()
    return len(statements), rules


def test_chase_runs_the_same_number_of_queries_for_3_and_30_contracts(db, count_queries):
    small, small_rules = _queries_for(3, count_queries)
    large, large_rules = _queries_for(30, count_queries)

    assert all(small_rules.values()), small_rules
    assert large_rules["subcontract_decision"] == 30
    assert small == large
    assert small <= 25  # see run_chase: recipients, 7 rules × (items + marks), writes, run


# --- the chase reads the inspection feature's targets ----------------------------------------


def _inspection_world():
    from portal.inspection.models import InspectionMethod

    city = make_city()
    fy_contract = {"period_start": date(2026, 4, 1), "period_end": date(2027, 3, 31)}
    plain = make_contract(city.section, city.company, **fy_contract)
    planned = make_contract(city.section, city.company, **fy_contract)
    make_inspection(planned, scheduled_on=date(2026, 9, 1))
    make_inspection(planned, scheduled_on=date(2026, 10, 1))
    done = make_contract(city.section, city.company, **fy_contract)
    make_inspection(done, scheduled_on=date(2026, 6, 1), status=InspectionStatus.RECORDED)
    written = make_contract(city.section, city.company, **fy_contract)
    make_inspection(
        written,
        scheduled_on=date(2026, 6, 1),
        status=InspectionStatus.RECORDED,
        method=InspectionMethod.WRITTEN,
    )
    make_contract(city.section, city.company, status=ContractStatus.ENDING, **fy_contract)
    two_year = make_contract(
        city.section, city.company, period_start=date(2025, 4, 1), period_end=date(2027, 3, 31)
    )
    make_inspection(two_year, scheduled_on=date(2025, 7, 1), status=InspectionStatus.RECORDED)
    make_contract(
        city.section, city.company, period_start=date(2027, 4, 1), period_end=date(2028, 3, 31)
    )
    late = make_contract(
        city.section, city.company, period_start=date(2026, 9, 15), period_end=date(2027, 9, 14)
    )
    with_tiers = make_contract(city.section, city.company, **fy_contract)
    tier1 = make_subcontract(
        with_tiers, submitted_on=date(2026, 5, 1), status=SubcontractStatus.APPROVED
    )
    tier1.decided_at = tier1.submitted_at + days(10)
    rejected = make_subcontract(
        with_tiers, submitted_on=date(2026, 5, 1), status=SubcontractStatus.REJECTED
    )
    orphan = make_subcontract(
        with_tiers, submitted_on=date(2026, 5, 2), status=SubcontractStatus.APPROVED
    )
    orphan.parent_id, orphan.tier = rejected.id, 2
    withdrawn = make_subcontract(
        with_tiers, submitted_on=date(2026, 5, 3), status=SubcontractStatus.WITHDRAWN
    )
    inspected = make_inspection(with_tiers, scheduled_on=date(2026, 11, 1))
    inspected.subcontract_id, inspected.company_id = withdrawn.id, withdrawn.subcontractor_id
    db.session.flush()
    return city, [plain, planned, done, written, late, with_tiers]


@pytest.mark.parametrize(
    ("profile_name", "change"),
    [
        ("iruma", {}),
        ("hiroshima", {}),
        ("ryugasaki", {}),
        ("iruma", {"written_counts": False}),
        ("okinawa", {"frequency_months": 24}),
    ],
)
def test_the_chase_sees_the_same_unsatisfied_targets_as_the_inspection_status_page(
    db, profile_name, change
):
    from portal.chase.base import ChaseContext
    from portal.chase.chasers import inspection_targets
    from portal.inspection.rules import TargetStatus, deadlines
    from portal.inspection.status import compute_status

    _inspection_world()
    profile = load_profile(profile_name, current_app.extensions["portal_config"].templates_dir)
    profile = dataclasses.replace(
        profile, inspection=dataclasses.replace(profile.inspection, **change)
    )
    today = date(2026, 11, 24)
    report = compute_status(profile=profile, fiscal_year=2026, today=today)
    active = set(
        db.session.scalars(sa.select(Contract.id).where(Contract.status == ContractStatus.ACTIVE))
    )
    expected = {
        (
            r.contract_id,
            r.subcontract_id,
            r.inspection.id if r.inspection and r.inspection.is_open else None,
            r.deadlines.schedule_by,
        )
        for r in report.rows
        if r.contract_id in active
        and r.status not in {TargetStatus.DONE, TargetStatus.ACTIONS_OPEN}
    }

    mine = {
        (
            t.contract_id,
            t.subcontract_id,
            t.open_id,
            deadlines(profile.inspection, 2026, t.start).schedule_by,
        )
        for t in inspection_targets(ChaseContext(today=today, profile=profile))
    }

    assert mine == expected
    assert len(expected) >= 5
