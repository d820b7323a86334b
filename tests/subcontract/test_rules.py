"""Each 再委託 rule refuses the forbidden action with a clear message and changes
nothing (the snapshot covers requests, history, audit log, notifications and companies)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.contract.models import ContractStatus
from portal.errors import PortalError
from portal.org.corporate_number import with_check_digit
from portal.subcontract import services
from portal.subcontract.models import SubcontractStatus
from tests.factories import make_user
from tests.subcontract.factories import NOW, details, make_request, make_world, snapshot


def _refused(call, message: str) -> None:
    before = snapshot()
    with pytest.raises(PortalError, match=re.escape(message)):
        call()
    assert snapshot() == before


# --- no tier n+1 before tier n is approved ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (SubcontractStatus.SUBMITTED, "がまだ承認されていません（状態: 承認待ち）"),
        (SubcontractStatus.RETURNED, "がまだ承認されていません（状態: 差戻し）"),
        (SubcontractStatus.DRAFT, "がまだ承認されていません（状態: 下書き）"),
    ],
)
def test_next_tier_cannot_be_requested_before_the_tier_above_is_approved(db, status, message):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=status)

    _refused(
        lambda: services.create_subcontract(
            actor=w.gamma_user,
            contract=w.contract,
            parent=t1,
            new_subcontractor=services.NewCompany(
                name="新会社", corporate_number=with_check_digit("710000000001")
            ),
            details=details(),
        ),
        message,
    )


def test_next_tier_cannot_be_approved_when_the_tier_above_is_no_longer_approved(db):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    t2 = make_request(contract=w.contract, subcontractor=w.beta, parent=t1)
    t1.status = SubcontractStatus.WITHDRAWN

    _refused(
        lambda: services.approve_subcontract(actor=w.pm, sub=t2, reason="可"),
        "が取り下げられているため、その下位の再委託は申請・承認できません。",
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (SubcontractStatus.REJECTED, "が却下されているため"),
        (SubcontractStatus.WITHDRAWN, "が取り下げられているため"),
        (SubcontractStatus.EXPIRED, "の承認は契約の終了により失効しているため"),
    ],
)
def test_a_rejected_or_withdrawn_tier_blocks_requests_below_it(db, status, message):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=status)

    _refused(
        lambda: services.create_subcontract(
            actor=w.gamma_user,
            contract=w.contract,
            parent=t1,
            new_subcontractor=services.NewCompany(
                name=w.beta.name, corporate_number=w.beta.corporate_number
            ),
            details=details(),
        ),
        message,
    )


def test_a_withdrawn_grandparent_blocks_submitting_a_great_grandchild(db):
    w = make_world()
    t1 = make_request(
        contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.WITHDRAWN
    )
    t1.approved_at = NOW
    t2 = make_request(
        contract=w.contract, subcontractor=w.beta, parent=t1, status=SubcontractStatus.APPROVED
    )
    t3 = make_request(
        contract=w.contract, subcontractor=w.delta, parent=t2, status=SubcontractStatus.DRAFT
    )

    _refused(
        lambda: services.submit_subcontract(actor=w.beta_user, sub=t3),
        f"上位の再委託（第1次）（{w.gamma.name}）が取り下げられているため",
    )


# --- the contractor edits only while draft or returned --------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        SubcontractStatus.SUBMITTED,
        SubcontractStatus.APPROVED,
        SubcontractStatus.REJECTED,
        SubcontractStatus.WITHDRAWN,
        SubcontractStatus.EXPIRED,
    ],
)
def test_contractor_cannot_edit_a_request_that_is_not_draft_or_returned(db, status):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma, status=status)

    _refused(
        lambda: services.update_subcontract(
            actor=w.alpha_user, sub=sub, details=details(work_part="書き換え")
        ),
        f"「{sub.status_label}」の申請は修正できません。委託先が修正できるのは下書き又は差戻しの申請だけです。",
    )


def test_contractor_cannot_submit_a_request_twice(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)

    _refused(
        lambda: services.submit_subcontract(actor=w.alpha_user, sub=sub),
        "「承認待ち」の申請は申請できません。",
    )


def test_another_company_cannot_edit_the_request(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.DRAFT)

    _refused(
        lambda: services.update_subcontract(actor=w.gamma_user, sub=sub, details=details()),
        "この申請を操作できるのは、申請した事業者の担当者だけです。",
    )


def test_an_incomplete_request_cannot_be_submitted_and_the_message_lists_what_is_missing(db):
    w = make_world()
    sub = services.create_subcontract(
        actor=w.alpha_user,
        contract=w.contract,
        new_subcontractor=services.NewCompany(
            name=w.gamma.name, corporate_number=w.gamma.corporate_number
        ),
        details=details(reason="", same_measures_pledged=False),
    )

    _refused(
        lambda: services.submit_subcontract(actor=w.alpha_user, sub=sub),
        "次の項目を入力してから申請してください: "
        "再委託が必要な理由、同等の措置（8項目）を講じさせる旨の誓約",
    )


# --- nobody decides on their own request -------------------------------------------------


def test_the_creator_of_a_request_cannot_decide_on_it(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma, created_by=w.pm)

    _refused(
        lambda: services.approve_subcontract(actor=w.pm, sub=sub, reason="自分で承認"),
        "自分が作成した申請について判断することはできません。",
    )


@pytest.mark.parametrize("who", ["other_pm", "proc", "chief", "contractor"])
def test_only_the_contract_sections_protection_manager_decides(db, who):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    actor = {
        "other_pm": make_user("protection_manager"),
        "proc": w.proc,
        "chief": make_user("chief"),
        "contractor": w.alpha_user,
    }[who]

    _refused(
        lambda: services.approve_subcontract(actor=actor, sub=sub, reason="可"),
        "再委託の承認・却下・差戻しは、契約を所管する課の保護管理者だけが行えます。",
    )


@pytest.mark.parametrize("decide", ["approve", "reject", "return"])
def test_every_decision_needs_a_reason(db, decide):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    call = {
        "approve": services.approve_subcontract,
        "reject": services.reject_subcontract,
        "return": services.return_subcontract,
    }[decide]

    _refused(lambda: call(actor=w.pm, sub=sub, reason="  "), "理由を入力してください")


def test_a_decided_request_cannot_be_decided_again(db):
    w = make_world()
    sub = make_request(
        contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.REJECTED
    )

    _refused(
        lambda: services.approve_subcontract(actor=w.pm, sub=sub, reason="やはり承認"),
        "「却下」の申請は判断できません。判断できるのは承認待ちの申請だけです。",
    )


# --- requests only on active contracts, by the right company ------------------------------


@pytest.mark.parametrize(
    "status", [ContractStatus.DRAFT, ContractStatus.ERASURE_PENDING, ContractStatus.CLOSED]
)
def test_no_request_on_a_contract_that_is_not_active(db, status):
    w = make_world(status=status)

    _refused(
        lambda: services.create_subcontract(
            actor=w.alpha_user,
            contract=w.contract,
            new_subcontractor=services.NewCompany(
                name=w.gamma.name, corporate_number=w.gamma.corporate_number
            ),
            details=details(),
        ),
        "履行中の契約ではないため、再委託の申請・承認はできません",
    )


def test_another_company_cannot_request_on_the_contract(db):
    w = make_world()

    _refused(
        lambda: services.create_subcontract(
            actor=w.gamma_user,
            contract=w.contract,
            new_subcontractor=services.NewCompany(
                name=w.beta.name, corporate_number=w.beta.corporate_number
            ),
            details=details(),
        ),
        "この契約の再委託を申請できるのは、契約の相手方の担当者だけです。",
    )


def test_only_the_approved_subcontractor_may_request_the_next_tier(db):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)

    _refused(
        lambda: services.create_subcontract(
            actor=w.beta_user,
            contract=w.contract,
            parent=t1,
            new_subcontractor=services.NewCompany(
                name=w.delta.name, corporate_number=w.delta.corporate_number
            ),
            details=details(),
        ),
        "再々委託を申請できるのは、上位の再委託で承認された再委託先の担当者だけです。",
    )


def test_an_invalid_corporate_number_is_refused_and_no_company_is_created(db):
    w = make_world()

    _refused(
        lambda: services.create_subcontract(
            actor=w.alpha_user,
            contract=w.contract,
            new_subcontractor=services.NewCompany(
                name="誤り株式会社", corporate_number="1234567890123"
            ),
            details=details(),
        ),
        "再委託先の法人番号が正しくありません",
    )


def test_subcontracting_back_up_the_chain_is_refused(db):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)

    _refused(
        lambda: services.create_subcontract(
            actor=w.gamma_user,
            contract=w.contract,
            parent=t1,
            new_subcontractor=services.NewCompany(
                name=w.alpha.name, corporate_number=w.alpha.corporate_number
            ),
            details=details(),
        ),
        f"{w.alpha.name} は既にこの再委託の上位の事業者です。",
    )


def test_the_same_subcontractor_cannot_be_requested_twice_at_the_same_place(db):
    w = make_world()
    first = make_request(contract=w.contract, subcontractor=w.gamma)

    _refused(
        lambda: services.create_subcontract(
            actor=w.alpha_user,
            contract=w.contract,
            subcontractor=w.gamma,
            details=details(),
        ),
        f"{w.gamma.name} への再委託の申請は既にあります（申請番号 {first.id}）。",
    )


def test_a_company_outside_the_choices_cannot_be_picked_by_id(db):
    w = make_world()

    _refused(
        lambda: services.create_subcontract(
            actor=w.alpha_user, contract=w.contract, subcontractor=w.delta, details=details()
        ),
        "選択された再委託先は指定できません。",
    )


def test_withdrawing_needs_a_reason_and_an_open_or_approved_request(db):
    w = make_world()
    sub = make_request(
        contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.REJECTED
    )
    open_sub = make_request(contract=w.contract, subcontractor=w.beta)

    _refused(
        lambda: services.withdraw_subcontract(actor=w.alpha_user, sub=sub, reason="取下げ"),
        "「却下」の申請は取り下げられません。",
    )
    _refused(
        lambda: services.withdraw_subcontract(actor=w.alpha_user, sub=open_sub, reason=""),
        "取下げの理由を入力してください。",
    )


# --- approvals expire with the contract --------------------------------------------------


def test_expire_job_marks_approvals_of_closed_contracts_and_pending_requests_of_ended_ones(db):
    from portal.subcontract.jobs import expire_subcontracts

    closed = make_world(status=ContractStatus.CLOSED)
    ended = make_world(period_start=date(2025, 4, 1), period_end=date(2026, 3, 31))
    erasure = make_world(status=ContractStatus.ERASURE_PENDING)
    live = make_world()
    a = make_request(
        contract=closed.contract, subcontractor=closed.gamma, status=SubcontractStatus.APPROVED
    )
    b = make_request(contract=ended.contract, subcontractor=ended.gamma)
    keep_for_erasure = make_request(
        contract=erasure.contract, subcontractor=erasure.gamma, status=SubcontractStatus.APPROVED
    )
    keep_live = make_request(contract=live.contract, subcontractor=live.gamma)
    keep_approved = make_request(
        contract=ended.contract, subcontractor=ended.beta, status=SubcontractStatus.APPROVED
    )

    first = expire_subcontracts(now=NOW)
    second = expire_subcontracts(now=NOW)

    assert (first, second) == (2, 0)
    assert a.status == SubcontractStatus.EXPIRED
    assert b.status == SubcontractStatus.EXPIRED
    assert keep_for_erasure.status == SubcontractStatus.APPROVED
    assert keep_live.status == SubcontractStatus.SUBMITTED
    assert keep_approved.status == SubcontractStatus.APPROVED
    assert services.approved_tiers(closed.contract) == []
    assert services.approved_tiers(erasure.contract) == [keep_for_erasure]
    assert [e.action.value for e in a.events] == ["expired"]


def test_expire_job_also_expires_drafts_and_returned_requests_of_an_ended_contract(db):
    from portal.subcontract.jobs import expire_subcontracts

    ended = make_world(status=ContractStatus.ERASURE_PENDING)
    draft = make_request(
        contract=ended.contract, subcontractor=ended.gamma, status=SubcontractStatus.DRAFT
    )
    returned = make_request(
        contract=ended.contract, subcontractor=ended.beta, status=SubcontractStatus.RETURNED
    )
    live = make_world()
    keep = make_request(
        contract=live.contract, subcontractor=live.gamma, status=SubcontractStatus.RETURNED
    )

    count = expire_subcontracts(now=NOW)

    assert count == 2
    assert (draft.status, returned.status) == (SubcontractStatus.EXPIRED,) * 2
    assert keep.status == SubcontractStatus.RETURNED
    assert services.returned_count(ended.alpha.id) == 0


def test_expire_command_runs_the_job(app, db):
    make_world(status=ContractStatus.CANCELLED)
    w = make_world(status=ContractStatus.CANCELLED)
    make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)

    result = app.test_cli_runner().invoke(args=["subcontracts", "expire"])

    assert result.exit_code == 0, result.output
    assert "expired 1 subcontract request(s)" in result.output
