"""The decision page warns before a risky 再委託 is approved; approving over it is acknowledged."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.contract.models import ClauseStatus
from portal.errors import PortalError
from portal.extensions import db
from portal.org.models import CertificateKind, CompanyCertificate
from portal.subcontract import services
from portal.subcontract.models import (
    SubcontractClauseResult,
    SubcontractDocument,
    SubcontractStatus,
)
from portal.subcontract.risks import decision_risks
from tests.subcontract.factories import NOW, make_request, make_world

TODAY = date(2026, 6, 1)


def _certificate(company, expires_on, submitted_by_id=None):
    db.session.add(
        CompanyCertificate(
            company_id=company.id,
            kind=CertificateKind.PRIVACY_MARK,
            number="10820001(01)",
            expires_on=expires_on,
            submitted_by_id=submitted_by_id,
        )
    )
    db.session.flush()
    db.session.refresh(company)


def _pledge(sub, statuses):
    doc = SubcontractDocument(
        request_id=sub.id,
        file_kind="pdf",
        check_status="ok" if set(statuses) == {ClauseStatus.PRESENT} else "incomplete",
        original_filename="誓約書.pdf",
        storage_backend="local",
        storage_key=f"test/{sub.id}",
        size=10,
        sha256="0" * 64,
        content_type="application/pdf",
    )
    db.session.add(doc)
    db.session.flush()
    for no, status in enumerate(statuses, start=1):
        db.session.add(
            SubcontractClauseResult(
                document_id=doc.id, no=no, key=f"k{no}", title=f"条項{no}", status=status
            )
        )
    db.session.flush()
    db.session.refresh(sub)


def test_a_clean_request_has_no_warning(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    _certificate(w.gamma, date(2027, 3, 31))
    _pledge(sub, [ClauseStatus.PRESENT] * 8)

    assert decision_risks(sub, today=TODAY) == []


def test_a_certificate_only_the_contractor_vouches_for_is_a_warning(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    _certificate(w.gamma, date(2027, 3, 31), submitted_by_id=w.pm.id)
    _pledge(sub, [ClauseStatus.PRESENT] * 8)

    risks = decision_risks(sub, today=TODAY)

    assert [r.code for r in risks] == ["certificate_unconfirmed"]
    assert "市が認証書をまだ確認していません" in risks[0].message


def test_a_tier_deeper_than_the_citys_setting_is_a_warning(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    _certificate(w.gamma, date(2027, 3, 31))
    _pledge(sub, [ClauseStatus.PRESENT] * 8)
    sub.tier = 3

    risks = decision_risks(sub, today=TODAY, warn_tier=2)

    assert [r.code for r in risks] == ["deep_tier"]
    assert risks[0].message.startswith("第3次再委託の申請です。市の設定では第2次までを想定")
    assert decision_risks(sub, today=TODAY, warn_tier=3) == []
    assert decision_risks(sub, today=TODAY, warn_tier=0) == []


def test_an_expired_mark_a_failing_pledge_and_a_foreign_server_are_each_named(db):
    w = make_world()
    sub = make_request(
        contract=w.contract, subcontractor=w.gamma, cloud_server_country="シンガポール"
    )
    _certificate(w.gamma, date(2025, 3, 31))
    _pledge(sub, [ClauseStatus.MISSING] * 7 + [ClauseStatus.PARTIAL])

    messages = [r.message for r in decision_risks(sub, today=TODAY)]

    assert messages[0] == (
        "再委託先のプライバシーマーク（登録番号 10820001(01)）は"
        "令和7年3月31日に有効期限が切れています。"
    )
    assert "8項目が確認できません" in messages[1]
    assert "条項8（一部のみ）" in messages[1]
    assert "サーバの所在国が外国（シンガポール）です" in messages[2]


def test_approving_over_a_warning_needs_the_acknowledgement_and_audits_the_warnings(db):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)  # no certificate, no file

    savepoint = db.session.begin_nested()
    with pytest.raises(PortalError, match="確認が必要な点が2件"):
        services.approve_subcontract(actor=w.pm, sub=sub, reason="妥当", now=NOW)
    savepoint.rollback()
    db.session.refresh(sub)
    assert sub.status == SubcontractStatus.SUBMITTED

    services.approve_subcontract(
        actor=w.pm, sub=sub, reason="紙の誓約書を確認した", acknowledged_risks=True, now=NOW
    )
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "subcontract.approved")
    )
    assert entry is not None
    assert len(entry.data["approved_over"]) == 2
    assert "認証" in entry.data["approved_over"][0]


def test_a_refused_approval_comes_back_with_what_was_typed(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.pm)
    page = client.get(f"/subcontracts/{sub.id}").get_data(as_text=True)
    assert 'data-testid="decision-risks"' in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    response = client.post(
        f"/subcontracts/{sub.id}/approve",
        data={"csrf_token": token, "reason": "書面で確認済み", "conditions": "年度内に実地検査"},
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "確認が必要な点が2件" in html
    assert "書面で確認済み" in html
    assert "年度内に実地検査" in html
    db.session.refresh(sub)
    assert sub.status == SubcontractStatus.SUBMITTED
