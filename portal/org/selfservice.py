"""A contractor keeps its own company record current: contact details directly, certificates
for the city to check, and name / 法人番号 changes as requests the city confirms.

Certificates matter to the 再委託 decision and to the yearly inspection, so one that the
contractor registered counts only after city staff have checked it against the certificate;
until then the company page and the decision warnings say 「市の確認待ち」. A name or 法人番号
is what contracts and approvals are tied to, so it changes only when the city accepts it.
Every change is recorded in the audit log in the same transaction; the company page shows that
history to city staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.account.models import User
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.org import services
from portal.org.models import (
    CertificateKind,
    ChangeRequestStatus,
    Company,
    CompanyCertificate,
    CompanyChangeRequest,
)

HISTORY_LABELS = {
    "company.created": "事業者を登録",
    "company.updated": "事業者情報を変更",
    "company.contact_updated": "委託先が連絡先・所在地を変更",
    "company.certificate_added": "市が認証を登録",
    "company.certificate_submitted": "委託先が認証を登録（市の確認待ち）",
    "company.certificate_confirmed": "市が認証を確認",
    "company.certificate_removed": "認証を削除",
    "company.change_requested": "委託先が名称・法人番号の変更を依頼",
    "company.change_accepted": "名称・法人番号の変更を反映",
    "company.change_rejected": "名称・法人番号の変更を差戻し",
}


def update_contact(
    *, actor: User, company: Company, contact_name: str, contact_email: str, address: str
) -> None:
    """What the contractor may change itself: who the city contacts, and where it is."""
    changed = [
        key
        for key, old, new in (
            ("contact_name", company.contact_name, contact_name),
            ("contact_email", company.contact_email, contact_email),
            ("address", company.address, address),
        )
        if old != new
    ]
    if not changed:
        raise PortalError("変更された項目がありません。")
    company.contact_name, company.contact_email, company.address = (
        contact_name,
        contact_email.lower(),
        address,
    )
    record(actor, "company.contact_updated", company, data={"changed": changed})


def submit_certificate(
    *,
    actor: User,
    company: Company,
    kind: CertificateKind,
    number: str,
    scope: str,
    expires_on: date | None,
    today: date,
) -> CompanyCertificate:
    """A certificate the contractor registers (a renewal, or one it newly holds)."""
    if expires_on is not None and expires_on < today:
        raise PortalError("有効期限が過ぎた認証は登録できません。更新後の認証を登録してください。")
    duplicate = db.session.scalar(
        sa.select(CompanyCertificate.id).where(
            CompanyCertificate.company_id == company.id,
            CompanyCertificate.kind == kind,
            CompanyCertificate.number == number,
            CompanyCertificate.expires_on == expires_on
            if expires_on is not None
            else CompanyCertificate.expires_on.is_(None),
        )
    )
    if duplicate is not None:
        raise PortalError("同じ種類・登録番号・有効期限の認証は登録済みです。")
    cert = CompanyCertificate(
        company=company,
        kind=kind,
        number=number,
        scope=scope,
        expires_on=expires_on,
        submitted_by_id=actor.id,
    )
    db.session.add(cert)
    db.session.flush()
    record(
        actor,
        "company.certificate_submitted",
        cert,
        data={"company_id": company.id, "kind": kind.value},
    )
    return cert


def confirm_certificate(*, actor: User, cert: CompanyCertificate) -> None:
    """City staff have seen the certificate itself: from now on it counts."""
    if not cert.awaiting_confirmation:
        raise PortalError("この認証は確認済みです。")
    cert.confirmed_by_id, cert.confirmed_at = actor.id, utcnow()
    record(
        actor,
        "company.certificate_confirmed",
        cert,
        data={"company_id": cert.company_id, "kind": cert.kind.value},
    )


def request_change(
    *, actor: User, company: Company, name: str, corporate_number: str, reason: str
) -> CompanyChangeRequest:
    if name == company.name and corporate_number == company.corporate_number:
        raise PortalError("名称・法人番号とも現在の登録と同じです。")
    if open_change_request(company) is not None:
        raise PortalError("確認待ちの変更依頼があります。市の確認が済んでから依頼してください。")
    request = CompanyChangeRequest(
        company=company,
        name=name,
        corporate_number=corporate_number,
        reason=reason,
        requested_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    record(actor, "company.change_requested", company, data={"request_id": request.id})
    return request


def decide_change(*, actor: User, request: CompanyChangeRequest, accept: bool, note: str) -> None:
    """Accepting applies the change through the same checks as an edit by city staff (a 法人番号
    already registered for another company is refused)."""
    if request.status is not ChangeRequestStatus.PENDING:
        raise PortalError("この変更依頼は処理済みです。")
    if not accept and not note:
        raise PortalError("差し戻す理由を入力してください。")
    company = request.company
    if accept:
        services.update_company(
            actor=actor,
            company=company,
            name=request.name,
            corporate_number=request.corporate_number,
            address=company.address,
            parent_id=company.parent_id,
        )
    request.status = ChangeRequestStatus.ACCEPTED if accept else ChangeRequestStatus.REJECTED
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, utcnow(), note
    record(
        actor,
        "company.change_accepted" if accept else "company.change_rejected",
        company,
        data={"request_id": request.id},
    )


# --- queries -----------------------------------------------------------------------------------


def open_change_request(company: Company) -> CompanyChangeRequest | None:
    return db.session.scalar(
        sa.select(CompanyChangeRequest).where(
            CompanyChangeRequest.company_id == company.id,
            CompanyChangeRequest.status == ChangeRequestStatus.PENDING,
        )
    )


def change_requests(company: Company) -> list[CompanyChangeRequest]:
    return list(
        db.session.scalars(
            sa.select(CompanyChangeRequest)
            .where(CompanyChangeRequest.company_id == company.id)
            .order_by(CompanyChangeRequest.id.desc())
        )
    )


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    what: str


def history(company: Company, limit: int = 50) -> list[HistoryRow]:
    """The company's own entries and its certificates' entries, newest first."""
    cert_ids = sa.select(CompanyCertificate.id).where(CompanyCertificate.company_id == company.id)
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(
            sa.or_(
                sa.and_(AuditEntry.object_type == "Company", AuditEntry.object_id == company.id),
                sa.and_(
                    AuditEntry.object_type == "CompanyCertificate",
                    AuditEntry.object_id.in_(cert_ids),
                ),
            ),
            AuditEntry.action.like("company.%"),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [
        HistoryRow(e.created_at, e.actor_label, HISTORY_LABELS.get(e.action, "事業者情報の操作"))
        for e in entries
    ]
