"""Sections (課) and contractor companies with their certificates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from portal.account.models import User


class Section(Base):
    __tablename__ = "sections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True, index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    users: so.Mapped[list[User]] = so.relationship(back_populates="section")


class Company(Base):
    __tablename__ = "companies"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    # 法人番号 (13 digits, check digit validated: 法人番号の指定等に関する省令 第2条)
    corporate_number: so.Mapped[str] = so.mapped_column(sa.String(13), unique=True, index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # The company's contact person for the city (from the imported register).
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="", server_default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="", server_default="")
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    parent: so.Mapped[Company | None] = so.relationship(
        back_populates="subsidiaries", remote_side=[id]
    )
    subsidiaries: so.Mapped[list[Company]] = so.relationship(back_populates="parent")
    certificates: so.Mapped[list[CompanyCertificate]] = so.relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyCertificate.id"
    )
    users: so.Mapped[list[User]] = so.relationship(back_populates="company")


class CertificateKind(enum.StrEnum):
    ISMS = "isms"
    PRIVACY_MARK = "privacy_mark"
    ISMAP = "ismap"
    OTHER = "other"


CERTIFICATE_LABELS = {
    CertificateKind.ISMS: "ISMS (ISO/IEC 27001)",
    CertificateKind.PRIVACY_MARK: "プライバシーマーク",
    CertificateKind.ISMAP: "ISMAP (クラウドサービス)",
    CertificateKind.OTHER: "その他",
}


class CompanyCertificate(Base):
    __tablename__ = "company_certificates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    kind: so.Mapped[CertificateKind] = so.mapped_column(str_enum(CertificateKind))
    number: so.Mapped[str] = so.mapped_column(sa.String(100))
    expires_on: so.Mapped[date | None] = so.mapped_column(sa.Date, index=True)
    # What the certificate covers (適用範囲), as written on it.
    scope: so.Mapped[str] = so.mapped_column(sa.String(300), default="", server_default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Registered by the contractor itself: it counts only once city staff have checked it
    # against the certificate (a self-declared Pマーク is not evidence of one).
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    confirmed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: so.Mapped[datetime | None]

    company: so.Mapped[Company] = so.relationship(back_populates="certificates")
    submitted_by: so.Mapped[User | None] = so.relationship(foreign_keys=[submitted_by_id])

    @property
    def kind_label(self) -> str:
        return CERTIFICATE_LABELS[self.kind]

    @property
    def awaiting_confirmation(self) -> bool:
        return self.submitted_by_id is not None and self.confirmed_at is None

    def expiry_state(self, today: date) -> str:
        """有効 / 期限間近 (90 days) / 期限切れ / 期限なし, for the lists."""
        if self.expires_on is None:
            return "期限なし"
        if self.expires_on < today:
            return "期限切れ"
        if (self.expires_on - today).days <= 90:
            return "期限間近"
        return "有効"


class ChangeRequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


CHANGE_REQUEST_LABELS = {
    ChangeRequestStatus.PENDING: "市の確認待ち",
    ChangeRequestStatus.ACCEPTED: "反映済み",
    ChangeRequestStatus.REJECTED: "差戻し",
}


class CompanyChangeRequest(Base):
    """A contractor asks to change its name or 法人番号: the city confirms it before the master
    data changes, because contracts, 再委託 approvals and certificates are tied to them."""

    __tablename__ = "company_change_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    corporate_number: so.Mapped[str] = so.mapped_column(sa.String(13))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[ChangeRequestStatus] = so.mapped_column(
        str_enum(ChangeRequestStatus), default=ChangeRequestStatus.PENDING, index=True
    )
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]
    decision_note: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    company: so.Mapped[Company] = so.relationship()
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id])

    @property
    def status_label(self) -> str:
        return CHANGE_REQUEST_LABELS[self.status]
