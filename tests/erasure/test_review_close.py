"""Review by the section's 保護管理者, and closing only when every tier's certificate is
accepted (入間市規程 第16条第2項: 二以上の段階にわたる委託を含む)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.authz.erasure import can_close_erasure_case, can_review_erasure, can_submit_erasure
from portal.contract.models import ContractStatus
from portal.erasure import services
from portal.erasure.models import CertificateStatus, ObligationStatus
from portal.errors import PortalError
from portal.notification.models import Notification
from tests.erasure.factories import NOW, Case, make_tier, submission, submit
from tests.factories import make_company, make_user


def _accept(case, cert):
    services.accept_certificate(actor=case.manager, certificate=cert, now=NOW)


def test_sending_back_needs_a_reason(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)

    with pytest.raises(PortalError, match="差戻しの理由を入力してください"):
        services.return_certificate(actor=case.manager, certificate=cert, reason="  ", now=NOW)

    assert cert.status == CertificateStatus.SUBMITTED


def test_sending_back_records_the_reason_and_tells_the_contractor(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)

    services.return_certificate(
        actor=case.manager, certificate=cert, reason="HDDのシリアルが写っていません。", now=NOW
    )

    assert cert.status == CertificateStatus.RETURNED
    assert cert.review_reason == "HDDのシリアルが写っていません。"
    assert case.obligation().status == ObligationStatus.RETURNED
    note = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "erasure.returned")
    ).one()
    assert note.user_id == case.vendor.id
    assert "HDDのシリアルが写っていません。" in note.body
    assert db.session.scalar(
        sa.select(AuditEntry.id).where(
            AuditEntry.action == "erasure.returned", AuditEntry.object_id == cert.id
        )
    )


def test_accepting_marks_the_party_done_and_tells_the_contractor(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)

    _accept(case, cert)

    assert cert.status == CertificateStatus.ACCEPTED
    assert cert.reviewed_by_id == case.manager.id
    assert case.obligation().status == ObligationStatus.ACCEPTED
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert {"erasure.accepted", "erasure.all_accepted"} <= kinds


def test_a_tiers_result_also_goes_to_the_contractor(db, tmp_path):
    case = Case(tiers=1)
    cert = submit(case, tmp_path, party_key=case.tiers[0].id)

    _accept(case, cert)

    recipients = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "erasure.accepted")
        )
    )
    assert recipients == {case.vendor.id, case.tier_users[0].id}


def test_a_certificate_cannot_be_reviewed_twice(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    _accept(case, cert)

    with pytest.raises(PortalError, match="審査待ちではありません"):
        services.return_certificate(actor=case.manager, certificate=cert, reason="x", now=NOW)


def test_closing_is_refused_until_every_tier_is_accepted_naming_what_is_missing(db, tmp_path):
    case = Case()
    gamma = make_company("ガンマデータサービス株式会社")
    tier = make_tier(case.contract, gamma)
    gamma_user = make_user("contractor", company=gamma)
    services.open_case(contract=case.contract, actor=case.manager, now=NOW)
    _accept(case, submit(case, tmp_path))
    tier_cert = services.submit_certificate(
        actor=gamma_user,
        obligation=case.obligation(tier.id),
        data=submission(tmp_path),
        now=NOW,
    )

    with pytest.raises(PortalError) as err:
        services.close_contract(actor=case.manager, contract=case.contract, now=NOW)

    assert err.value.message == (
        "契約を完了できません。"
        "再委託先 ガンマデータサービス株式会社（第1層）の消去証明が未承認です。"
    )
    assert case.contract.status == ContractStatus.ERASURE_PENDING

    _accept(case, tier_cert)
    services.close_contract(actor=case.manager, contract=case.contract, now=NOW)

    assert case.contract.status == ContractStatus.CLOSED
    assert case.contract.closed_at == NOW


def test_the_refusal_names_every_party_not_accepted_and_why(db, tmp_path):
    case = Case(tiers=2)
    first = submit(case, tmp_path)
    services.return_certificate(actor=case.manager, certificate=first, reason="再提出", now=NOW)
    submit(case, tmp_path, party_key=case.tiers[0].id)

    with pytest.raises(PortalError) as err:
        services.close_contract(actor=case.manager, contract=case.contract, now=NOW)

    assert err.value.message == (
        "契約を完了できません。"
        f"委託先 {case.company.name}の消去証明が差戻し中です（再提出待ち）。"
        "再委託先 再委託テスト株式会社1（第1層）の消去証明が未承認です。"
        "再委託先 再委託テスト株式会社2（第2層）の消去証明が未提出です。"
    )


def test_a_tier_approved_after_everything_else_was_accepted_still_blocks_closing(db, tmp_path):
    case = Case()
    _accept(case, submit(case, tmp_path))
    make_tier(case.contract, make_company("遅延承認株式会社"))

    with pytest.raises(PortalError, match="遅延承認株式会社（第1層）の消去証明が未提出です"):
        services.close_contract(actor=case.manager, contract=case.contract, now=NOW)


def test_closing_is_audited_with_the_accepted_certificates(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    _accept(case, cert)

    services.close_contract(actor=case.manager, contract=case.contract, now=NOW)

    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "contract.closed", AuditEntry.contract_id == case.contract.id
        )
    ).one()
    assert entry.data["certificates"] == [cert.id]


def test_a_closed_contract_is_read_only(db, tmp_path):
    case = Case(tiers=1)
    _accept(case, submit(case, tmp_path))
    _accept(case, submit(case, tmp_path, party_key=case.tiers[0].id))
    services.close_contract(actor=case.manager, contract=case.contract, now=NOW)
    closed_case = services.load_case(case.contract)

    with pytest.raises(PortalError, match="既に完了"):
        services.close_contract(actor=case.manager, contract=case.contract, now=NOW)
    assert not can_close_erasure_case(case.manager, closed_case)
    assert not any(can_submit_erasure(case.vendor, o) for o in closed_case.obligations)
    assert not can_review_erasure(case.manager, closed_case.obligations[0].current)


def test_nothing_can_be_submitted_once_the_contract_is_closed(db, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    services.return_certificate(actor=case.manager, certificate=cert, reason="再提出", now=NOW)
    case.contract.status = ContractStatus.CLOSED  # e.g. closed by an administrator's fix
    db.session.flush()

    with pytest.raises(PortalError, match="提出を受け付けていません"):
        submit(case, tmp_path)
