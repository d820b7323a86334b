"""The 再委託 workflow through the services: request, decision, every tier (入間市 第37条第4項)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.contract.models import HandlingLocation
from portal.notification.models import Notification
from portal.org.corporate_number import with_check_digit
from portal.org.models import CertificateKind, Company
from portal.subcontract import services
from portal.subcontract.models import SubcontractAction, SubcontractStatus
from tests.subcontract.factories import NOW, details, make_request, make_world


def _actions(db, obj_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "SubcontractRequest", AuditEntry.object_id == obj_id)
            .order_by(AuditEntry.seq)
        )
    )


def _notes(db, user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_full_lifecycle_request_return_correct_resubmit_approve(db):
    w = make_world()

    sub = services.create_subcontract(
        actor=w.alpha_user,
        contract=w.contract,
        subcontractor=None,
        new_subcontractor=services.NewCompany(
            name="新規データ株式会社",
            corporate_number=with_check_digit("700000000001"),
            address="埼玉県入間市1-1",
            certificate_kind=CertificateKind.PRIVACY_MARK,
            certificate_number="第1号",
        ),
        details=details(safeguards=""),
        now=NOW,
    )
    assert sub.status == SubcontractStatus.DRAFT
    assert sub.tier == 1
    assert sub.subcontractor.name == "新規データ株式会社"
    assert [c.kind for c in sub.subcontractor.certificates] == [CertificateKind.PRIVACY_MARK]

    services.update_subcontract(
        actor=w.alpha_user, sub=sub, details=details(), now=NOW + timedelta(minutes=5)
    )
    services.submit_subcontract(actor=w.alpha_user, sub=sub, now=NOW + timedelta(minutes=10))
    assert sub.status == SubcontractStatus.SUBMITTED
    assert _notes(db, w.pm) == ["subcontract.submitted"]

    services.return_subcontract(
        actor=w.pm, sub=sub, reason="安全管理措置の記載が不十分です。", now=NOW + timedelta(days=1)
    )
    assert sub.status == SubcontractStatus.RETURNED
    assert sub.decision_reason == "安全管理措置の記載が不十分です。"
    assert _notes(db, w.alpha_user) == ["subcontract.returned"]

    services.update_subcontract(
        actor=w.alpha_user,
        sub=sub,
        details=details(safeguards="入退室管理、暗号化、年1回の教育"),
        now=NOW + timedelta(days=2),
    )
    services.submit_subcontract(actor=w.alpha_user, sub=sub, now=NOW + timedelta(days=2))
    services.approve_subcontract(
        actor=w.pm,
        sub=sub,
        reason="措置が十分なため。",
        conditions="年度内に実地検査を行う。",
        acknowledged_risks=True,
        now=NOW + timedelta(days=3),
    )

    assert sub.status == SubcontractStatus.APPROVED
    assert sub.conditions == "年度内に実地検査を行う。"
    assert sub.approved_at == NOW + timedelta(days=3)
    assert sub.decided_by_id == w.pm.id
    assert sub.expires_on == w.contract.period_end
    assert services.approved_tiers(w.contract) == [sub]
    assert [e.action for e in sub.events] == [
        SubcontractAction.CREATED,
        SubcontractAction.UPDATED,
        SubcontractAction.SUBMITTED,
        SubcontractAction.RETURNED,
        SubcontractAction.UPDATED,
        SubcontractAction.SUBMITTED,
        SubcontractAction.APPROVED,
    ]
    assert _actions(db, sub.id) == [
        "subcontract.created",
        "subcontract.updated",
        "subcontract.submitted",
        "subcontract.returned",
        "subcontract.updated",
        "subcontract.submitted",
        "subcontract.approved",
    ]
    assert _notes(db, w.alpha_user) == ["subcontract.returned", "subcontract.approved"]
    assert _notes(db, w.pm) == ["subcontract.submitted", "subcontract.submitted"]


def test_approval_notifies_the_subcontractor_which_may_then_ask_for_the_next_tier(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)

    services.approve_subcontract(
        actor=w.pm, sub=sub, reason="妥当", acknowledged_risks=True, now=NOW
    )

    assert _notes(db, w.gamma_user) == ["subcontract.approved"]
    assert _notes(db, w.beta_user) == []


def test_reject_is_final_and_audited(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)

    services.reject_subcontract(actor=w.pm, sub=sub, reason="国外サーバのため不可", now=NOW)

    assert sub.status == SubcontractStatus.REJECTED
    assert sub.approved_at is None
    assert _actions(db, sub.id) == ["subcontract.rejected"]
    assert services.approved_tiers(w.contract) == []


def test_three_tier_chain_each_tier_requested_by_the_approved_subcontractor_above(db):
    w = make_world()

    t1 = services.create_subcontract(
        actor=w.alpha_user,
        contract=w.contract,
        new_subcontractor=services.NewCompany(
            name=w.gamma.name, corporate_number=w.gamma.corporate_number
        ),
        details=details(),
        now=NOW,
    )
    services.submit_subcontract(actor=w.alpha_user, sub=t1, now=NOW)
    services.approve_subcontract(actor=w.pm, sub=t1, reason="可", acknowledged_risks=True, now=NOW)
    t2 = services.create_subcontract(
        actor=w.gamma_user,
        contract=w.contract,
        parent=t1,
        new_subcontractor=services.NewCompany(
            name=w.beta.name, corporate_number=w.beta.corporate_number
        ),
        details=details(location=HandlingLocation.CLOUD, location_detail=""),
        now=NOW,
    )
    t2_missing = services.missing_items(t2)
    services.update_subcontract(
        actor=w.gamma_user,
        sub=t2,
        details=details(
            location=HandlingLocation.CLOUD,
            cloud_provider="ベータクラウド",
            cloud_provider_country="日本",
            cloud_server_country="日本",
        ),
        now=NOW,
    )
    services.submit_subcontract(actor=w.gamma_user, sub=t2, now=NOW)
    services.approve_subcontract(actor=w.pm, sub=t2, reason="可", acknowledged_risks=True, now=NOW)
    t3 = services.create_subcontract(
        actor=w.beta_user,
        contract=w.contract,
        parent=t2,
        new_subcontractor=services.NewCompany(
            name=w.delta.name, corporate_number=w.delta.corporate_number
        ),
        details=details(),
        now=NOW,
    )
    services.submit_subcontract(actor=w.beta_user, sub=t3, now=NOW)
    services.approve_subcontract(actor=w.pm, sub=t3, reason="可", acknowledged_risks=True, now=NOW)

    assert t2_missing == ["クラウド事業者の所在国", "サーバの所在国"]
    assert [(s.tier, s.requester_company_id, s.subcontractor_id) for s in (t1, t2, t3)] == [
        (1, w.alpha.id, w.gamma.id),
        (2, w.gamma.id, w.beta.id),
        (3, w.beta.id, w.delta.id),
    ]
    assert t3.tier_label == "第3次再委託"
    assert services.approved_tiers(w.contract) == [t1, t2, t3]
    assert services.ancestors(t3) == [t1, t2]
    tree = services.build_tree(services.chain_rows(w.contract.id))
    assert [n.request for n in tree] == [t1]
    assert [n.request for n in tree[0].children] == [t2]
    assert [n.request for n in tree[0].children[0].children] == [t3]


def test_withdrawing_an_approved_tier_removes_it_and_every_tier_below_from_approved_tiers(db):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    t2 = make_request(
        contract=w.contract, subcontractor=w.beta, parent=t1, status=SubcontractStatus.APPROVED
    )
    other = make_request(
        contract=w.contract, subcontractor=w.delta, status=SubcontractStatus.APPROVED
    )

    services.withdraw_subcontract(actor=w.alpha_user, sub=t1, reason="業務終了", now=NOW)

    assert t1.status == SubcontractStatus.WITHDRAWN
    assert services.approved_tiers(w.contract) == [other]
    tree = services.build_tree(services.chain_rows(w.contract.id))
    blocked = {n.request.id: n.blocked for n in tree}
    assert blocked == {t1.id: False, other.id: False}
    assert tree[0].children[0].request == t2
    assert tree[0].children[0].blocked is True
    assert tree[0].children[0].effective is False
    assert _notes(db, w.pm) == ["subcontract.withdrawn"]


def test_approved_tiers_for_answers_many_contracts_in_one_query(db, count_queries):
    w = make_world()
    second = make_world()
    a = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    b = make_request(
        contract=second.contract, subcontractor=second.beta, status=SubcontractStatus.APPROVED
    )
    make_request(contract=second.contract, subcontractor=second.delta)
    ids = (w.contract.id, second.contract.id, a.id, b.id)
    db.session.expire_all()

    with count_queries() as statements:
        result = services.approved_tiers_for([ids[0], ids[1]])
        names = [r.subcontractor.name for rows in result.values() for r in rows]

    assert len(statements) == 1
    assert {cid: [r.id for r in rows] for cid, rows in result.items()} == {
        ids[0]: [ids[2]],
        ids[1]: [ids[3]],
    }
    assert sorted(names) == sorted([w.gamma.name, second.beta.name])


def test_a_registered_subsidiary_is_marked_as_subsidiary_even_when_the_box_is_not_ticked(db):
    w = make_world()
    child = Company(name="アルファ子会社", corporate_number=with_check_digit("700000000002"))
    child.parent_id = w.alpha.id
    db.session.add(child)
    db.session.flush()

    sub = services.create_subcontract(
        actor=w.alpha_user,
        contract=w.contract,
        subcontractor=child,
        details=details(is_subsidiary=False),
        now=NOW,
    )

    assert sub.is_subsidiary is True


def test_a_new_company_declared_as_subsidiary_is_registered_with_its_parent(db):
    w = make_world()

    sub = services.create_subcontract(
        actor=w.alpha_user,
        contract=w.contract,
        new_subcontractor=services.NewCompany(
            name="アルファ西日本株式会社", corporate_number=with_check_digit("700000000003")
        ),
        details=details(is_subsidiary=True),
        now=NOW,
    )

    assert sub.subcontractor.parent_id == w.alpha.id
    assert sub.is_subsidiary is True


def test_the_contractor_picks_only_its_subsidiaries_and_companies_it_already_asked_for(db):
    w = make_world()
    child = Company(
        name="アルファ子会社", corporate_number=with_check_digit("700000000004"), parent_id=None
    )
    child.parent_id = w.alpha.id
    db.session.add(child)
    db.session.flush()
    make_request(contract=w.contract, subcontractor=w.beta, status=SubcontractStatus.REJECTED)

    choices = services.subcontractor_choices(w.alpha.id)

    assert {c.id for c in choices} == {child.id, w.beta.id}


def test_a_tier_two_levels_below_a_withdrawn_tier_is_not_an_approved_tier(db):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    t2 = make_request(
        contract=w.contract, subcontractor=w.beta, parent=t1, status=SubcontractStatus.APPROVED
    )
    make_request(
        contract=w.contract, subcontractor=w.delta, parent=t2, status=SubcontractStatus.APPROVED
    )

    services.withdraw_subcontract(actor=w.alpha_user, sub=t1, reason="業務終了", now=NOW)

    assert services.approved_tiers(w.contract) == []
    assert services.approved_tiers_for([w.contract.id]) == {w.contract.id: []}
