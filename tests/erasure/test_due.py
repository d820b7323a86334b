"""When erasure proof is due, and who owes it (入間市規程 第16条第2項, 第37条第1項(6))."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.account.models import SYSTEM, Role
from portal.audit.services import record
from portal.contract.models import ContractStatus
from portal.erasure import jobs, services
from portal.erasure.models import ErasureObligation, ObligationStatus
from portal.notification.models import Notification
from portal.subcontract.models import SubcontractStatus
from tests.erasure.factories import NOW, TODAY, Case, make_contract, make_tier, submit
from tests.factories import make_company, make_user


def _obligations(contract):
    return services.load_case(contract).obligations


def test_a_contract_whose_period_ended_is_due_period_end_plus_the_profiles_days(db):
    contract = make_contract(period_end=date(2026, 5, 10))

    moved = jobs.mark_ended_contracts(now=NOW)

    assert moved == 1
    assert contract.status == ContractStatus.ERASURE_PENDING
    assert contract.erasure_due_on == date(2026, 6, 9)  # iruma: due_days = 30


def test_an_ending_contract_past_its_period_moves_too_and_one_still_running_does_not(db):
    ending = make_contract(status=ContractStatus.ENDING, period_end=date(2026, 5, 31))
    running = make_contract(period_end=TODAY)

    jobs.mark_ended_contracts(now=NOW)

    assert ending.status == ContractStatus.ERASURE_PENDING
    assert running.status == ContractStatus.ACTIVE
    assert running.erasure_due_on is None


def test_running_the_job_twice_moves_nothing_more_and_creates_no_duplicate_obligation(db):
    contract = make_contract(period_end=date(2026, 5, 10))
    jobs.mark_ended_contracts(now=NOW)

    second = jobs.mark_ended_contracts(now=NOW)

    assert second == 0
    assert len(_obligations(contract)) == 1


def test_the_contractor_and_every_approved_tier_owe_their_own_certificate(db):
    contract = make_contract(period_end=date(2026, 5, 10))
    gamma = make_company("ガンマデータサービス株式会社")
    tier1 = make_tier(contract, gamma)
    tier2 = make_tier(contract, parent=tier1)
    make_tier(contract, status=SubcontractStatus.REJECTED)

    jobs.mark_ended_contracts(now=NOW)

    obligations = _obligations(contract)
    assert [(o.party_key, o.tier, o.company_id) for o in obligations] == [
        (0, 0, contract.company_id),
        (tier1.id, 1, gamma.id),
        (tier2.id, 2, tier2.subcontractor_id),
    ]
    assert [o.label for o in obligations][:2] == [
        f"委託先 {contract.company.name}",
        "再委託先 ガンマデータサービス株式会社（第1層）",
    ]
    assert {o.status for o in obligations} == {ObligationStatus.PENDING}


def test_each_owing_company_is_told_what_is_due_and_by_when(db):
    contract = make_contract(period_end=date(2026, 5, 10))
    vendor = make_user(Role.CONTRACTOR, company=contract.company)
    tier = make_tier(contract)
    tier_user = make_user(Role.CONTRACTOR, company=tier.subcontractor)

    jobs.mark_ended_contracts(now=NOW)
    jobs.mark_ended_contracts(now=NOW)

    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "erasure.required")
    ).all()
    assert sorted(n.user_id for n in notes) == sorted([vendor.id, tier_user.id])
    assert all("令和8年6月9日" in n.body for n in notes)


def test_a_cancelled_contract_that_was_in_performance_owes_erasure_one_never_active_does_not(db):
    performed = make_contract(status=ContractStatus.CANCELLED, period_end=date(2027, 3, 31))
    record(SYSTEM, "contract.activated", performed, contract_id=performed.id)
    never = make_contract(status=ContractStatus.CANCELLED, period_end=date(2027, 3, 31))

    jobs.mark_ended_contracts(now=NOW)

    assert performed.status == ContractStatus.ERASURE_PENDING
    assert performed.erasure_due_on == date(2026, 7, 1)  # cancelled today: today + 30 days
    assert never.status == ContractStatus.CANCELLED


def test_a_contract_put_into_erasure_pending_by_the_contract_screens_is_completed(db):
    contract = make_contract(status=ContractStatus.ERASURE_PENDING, period_end=date(2026, 5, 20))

    moved = jobs.mark_ended_contracts(now=NOW)

    assert moved == 0
    assert contract.erasure_due_on == date(2026, 6, 19)
    assert [o.party_key for o in _obligations(contract)] == [0]


def test_a_tier_approved_later_is_added_when_the_case_is_opened(db):
    case = Case()
    late = make_tier(case.contract)

    opened = services.open_case(contract=case.contract, actor=SYSTEM, now=NOW)

    assert [o.party_key for o in opened.obligations] == [0, late.id]


def test_an_obligation_stays_when_its_tiers_approval_later_lapses(db):
    case = Case(tiers=1)
    case.tiers[0].status = SubcontractStatus.EXPIRED
    db.session.flush()

    opened = services.open_case(contract=case.contract, actor=SYSTEM, now=NOW)

    assert [o.party_key for o in opened.obligations] == [0, case.tiers[0].id]


def test_the_scheduler_finds_overdue_parties_and_who_must_act(db, tmp_path):
    overdue = Case(tiers=1, period_end=date(2026, 4, 10))  # due 2026-05-10
    submit(overdue, tmp_path, party_key=0)
    Case(period_end=date(2026, 5, 25))  # due 2026-06-24: not overdue

    found = services.overdue_obligations(today=TODAY)

    assert [(o.contract_id, o.party_key, o.next_actor) for o in found] == [
        (overdue.contract.id, 0, "protection_manager"),
        (overdue.contract.id, overdue.tiers[0].id, "contractor"),
    ]


def test_accepted_parties_and_closed_contracts_are_not_overdue(db, tmp_path):
    case = Case(period_end=date(2026, 4, 10))
    cert = submit(case, tmp_path)
    services.accept_certificate(actor=case.manager, certificate=cert, now=NOW)

    found = services.overdue_obligations(today=TODAY)

    assert case.contract.id not in {o.contract_id for o in found}


def test_reminders_can_select_what_falls_due_within_a_window(db):
    soon = Case(period_end=date(2026, 5, 5))  # due 2026-06-04
    later = Case(period_end=date(2026, 5, 25))  # due 2026-06-24

    stmt = services.outstanding_obligations_stmt(due_on_or_before=date(2026, 6, 14))
    found = {o.contract_id for o in db.session.scalars(stmt).unique()}

    assert soon.contract.id in found
    assert later.contract.id not in found


def test_the_cli_runs_the_job_for_a_given_day_and_lists_overdue_parties(app, db):
    contract = make_contract(period_end=date(2026, 4, 1))
    runner = app.test_cli_runner()

    moved = runner.invoke(args=["erasure", "mark-ended", "--today", "2026-06-01"])
    listed = runner.invoke(args=["erasure", "overdue", "--today", "2026-06-01", "--json"])

    assert moved.exit_code == 0, moved.output
    assert "1 contract(s)" in moved.output
    rows = json.loads(listed.output)
    mine = [r for r in rows if r["contract_id"] == contract.id]
    assert mine == [
        {
            "contract_id": contract.id,
            "contract_number": contract.number,
            "obligation_id": mine[0]["obligation_id"],
            "party": f"委託先 {contract.company.name}",
            "tier": 0,
            "status": "pending",
            "next_actor": "contractor",
            "due_on": "2026-05-01",
            "days_overdue": 31,
        }
    ]


def test_the_cli_refuses_a_malformed_day(app, db):
    result = app.test_cli_runner().invoke(args=["erasure", "mark-ended", "--today", "6/1"])

    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_obligation_rows_are_unique_per_contract_and_party(db):
    case = Case()

    db.session.add(
        ErasureObligation(
            contract_id=case.contract.id, party_key=0, company_id=case.company.id, tier=0
        )
    )

    with pytest.raises(IntegrityError):
        db.session.flush()
