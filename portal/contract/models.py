"""Contracts (委託契約), their documents and the eight-clause check results.

入間市 第37条: the contract must state the eight matters (第1項), keep the scope minimal
(第2項), and be checked yearly (第3項); 第18条: where the information is handled (cloud).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow
from portal.filestore.models import StoredFileMixin

if TYPE_CHECKING:
    from portal.account.models import User
    from portal.org.models import Company, Section


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"
    CHECKED = "checked"
    ACTIVE = "active"
    ENDING = "ending"
    ERASURE_PENDING = "erasure_pending"
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ContractStatus.DRAFT: "起案中",
    ContractStatus.CHECKED: "条項確認済",
    ContractStatus.ACTIVE: "履行中",
    ContractStatus.ENDING: "終了手続中",
    ContractStatus.ERASURE_PENDING: "消去確認待ち",
    ContractStatus.CLOSED: "完了",
    ContractStatus.CANCELLED: "取消",
}


class ContractKind(enum.StrEnum):
    ITAKU = "itaku"  # 委託
    HAKEN = "haken"  # 労働者派遣 (第37条第5項: 秘密保持義務等)


KIND_LABELS = {ContractKind.ITAKU: "委託", ContractKind.HAKEN: "労働者派遣"}


class HandlingLocation(enum.StrEnum):
    CITY_PREMISES = "city_premises"
    CONTRACTOR_SITE = "contractor_site"
    CLOUD = "cloud"


LOCATION_LABELS = {
    HandlingLocation.CITY_PREMISES: "市の施設内",
    HandlingLocation.CONTRACTOR_SITE: "委託先の事業所",
    HandlingLocation.CLOUD: "クラウドサービス",
}


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.CheckConstraint("people_count >= 0", name="people_count_non_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(50), unique=True, index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    section_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sections.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    kind: so.Mapped[ContractKind] = so.mapped_column(
        str_enum(ContractKind), default=ContractKind.ITAKU
    )
    status: so.Mapped[ContractStatus] = so.mapped_column(
        str_enum(ContractStatus), default=ContractStatus.DRAFT, index=True
    )
    fiscal_year: so.Mapped[int] = so.mapped_column(index=True)  # 年度 of the contract
    period_start: so.Mapped[date] = so.mapped_column(sa.Date)
    period_end: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    # Personal information handled
    pi_categories: so.Mapped[str] = so.mapped_column(
        sa.Text, default=""
    )  # e.g. 氏名、住所、生年月日
    sensitive: so.Mapped[bool] = so.mapped_column(default=False)  # 要配慮個人情報
    people_count: so.Mapped[int] = so.mapped_column(default=0)
    # Where it is handled (第18条: provider's country and the server's country)
    location: so.Mapped[HandlingLocation] = so.mapped_column(
        str_enum(HandlingLocation), default=HandlingLocation.CONTRACTOR_SITE
    )
    cloud_provider: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    cloud_provider_country: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    cloud_server_country: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    minimum_scope: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # 第37条第2項
    anonymised: so.Mapped[bool] = so.mapped_column(default=False)  # 第37条第6項
    anonymisation_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    retention_years: so.Mapped[int] = so.mapped_column(default=5)
    erasure_due_on: so.Mapped[date | None] = so.mapped_column(sa.Date, index=True)
    closed_at: so.Mapped[datetime | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    section: so.Mapped[Section] = so.relationship()
    company: so.Mapped[Company] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    documents: so.Mapped[list[ContractDocument]] = so.relationship(
        back_populates="contract", order_by="ContractDocument.id"
    )
    checks: so.Mapped[list[ClauseCheck]] = so.relationship(
        back_populates="contract", order_by="ClauseCheck.id"
    )
    overrides: so.Mapped[list[ClauseOverride]] = so.relationship(
        back_populates="contract", order_by="ClauseOverride.id"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def location_label(self) -> str:
        return LOCATION_LABELS[self.location]


class DocumentRole(enum.StrEnum):
    BODY = "body"  # 契約書本体
    SPECIAL_TERMS = "special_terms"  # 個人情報取扱特記事項 (別記)
    SPECIFICATION = "specification"  # 仕様書
    OTHER = "other"


ROLE_LABELS = {
    DocumentRole.BODY: "契約書（本体）",
    DocumentRole.SPECIAL_TERMS: "個人情報取扱特記事項",
    DocumentRole.SPECIFICATION: "仕様書",
    DocumentRole.OTHER: "その他",
}


class ContractDocument(StoredFileMixin, Base):
    """One uploaded version; a new upload of the same role supersedes, never overwrites."""

    __tablename__ = "contract_documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    role: so.Mapped[DocumentRole] = so.mapped_column(str_enum(DocumentRole))
    version: so.Mapped[int] = so.mapped_column(default=1)
    is_current: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    file_kind: so.Mapped[str] = so.mapped_column(sa.String(10))  # pdf | docx | text | image
    page_count: so.Mapped[int] = so.mapped_column(default=0)
    # Pages read by OCR (scanned, no text layer), comma-separated: "2,3". Empty: none.
    ocr_pages: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    # The pages as read at upload (ExtractedDocument.to_dict, JSON) when OCR was used: a re-check
    # reads them instead of running OCR again (minutes for a long scan).
    ocr_text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # True: the stored blob is the intake's cleaned copy (portal.uploads); False: stored as
    # sent (text); None: stored before uploads were cleaned. Access records name the version.
    cleaned: so.Mapped[bool | None] = so.mapped_column(default=None)

    contract: so.Mapped[Contract] = so.relationship(back_populates="documents")
    uploaded_by: so.Mapped[User | None] = so.relationship()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def ocr_page_numbers(self) -> list[int]:
        return [int(n) for n in self.ocr_pages.split(",") if n.strip()]


class ClauseStatus(enum.StrEnum):
    PRESENT = "present"
    PARTIAL = "partial"
    MISSING = "missing"


CLAUSE_STATUS_LABELS = {
    ClauseStatus.PRESENT: "記載あり",
    ClauseStatus.PARTIAL: "一部不足",
    ClauseStatus.MISSING: "記載なし",
}


class ClauseCheck(Base):
    """One run of the eight-clause check over the contract's current documents."""

    __tablename__ = "clause_checks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    profile: so.Mapped[str] = so.mapped_column(sa.String(40))
    clause_set: so.Mapped[str] = so.mapped_column(sa.String(40))
    ok: so.Mapped[bool] = so.mapped_column(default=False)
    checked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    contract: so.Mapped[Contract] = so.relationship(back_populates="checks")
    results: so.Mapped[list[ClauseResult]] = so.relationship(
        back_populates="check", order_by="ClauseResult.no", cascade="all, delete-orphan"
    )


class ClauseResult(Base):
    __tablename__ = "clause_results"
    __table_args__ = (sa.UniqueConstraint("check_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    check_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clause_checks.id"), index=True)
    no: so.Mapped[int]
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[ClauseStatus] = so.mapped_column(str_enum(ClauseStatus))
    document_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contract_documents.id"))
    page: so.Mapped[int | None]
    excerpt: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    highlight_start: so.Mapped[int | None]
    highlight_end: so.Mapped[int | None]
    missing_elements: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    check: so.Mapped[ClauseCheck] = so.relationship(back_populates="results")
    document: so.Mapped[ContractDocument | None] = so.relationship()

    @property
    def status_label(self) -> str:
        return CLAUSE_STATUS_LABELS[self.status]

    @property
    def excerpt_parts(self) -> tuple[str, str, str]:
        """(before, evidence, after): the template wraps the middle part in <mark>."""
        text = self.excerpt
        start, end = self.highlight_start, self.highlight_end
        if start is None or end is None or not 0 <= start <= end <= len(text):
            return text, "", ""
        return text[:start], text[start:end], text[end:]


class ClauseOverride(Base):
    """A 保護管理者's written decision that a clause counts as present (or not); audited."""

    __tablename__ = "clause_overrides"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    status: so.Mapped[ClauseStatus] = so.mapped_column(str_enum(ClauseStatus))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    is_current: so.Mapped[bool] = so.mapped_column(default=True)
    decided_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    contract: so.Mapped[Contract] = so.relationship(back_populates="overrides")
    decided_by: so.Mapped[User] = so.relationship()

    @property
    def status_label(self) -> str:
        return CLAUSE_STATUS_LABELS[self.status]


class ConfirmationStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


CONFIRMATION_STATUS_LABELS = {
    ConfirmationStatus.OPEN: "確認待ち",
    ConfirmationStatus.ANSWERED: "判断済み",
}


class ConfirmationRequest(Base):
    """Procurement asks the section's 保護管理者 to look at one clause result (with why); it is
    answered by the 保護管理者's judgement on that clause."""

    __tablename__ = "clause_confirmation_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[ConfirmationStatus] = so.mapped_column(
        str_enum(ConfirmationStatus), default=ConfirmationStatus.OPEN, index=True
    )
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    answered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    answered_at: so.Mapped[datetime | None]
    override_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clause_overrides.id"))

    contract: so.Mapped[Contract] = so.relationship()
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id])
    answered_by: so.Mapped[User | None] = so.relationship(foreign_keys=[answered_by_id])

    @property
    def status_label(self) -> str:
        return CONFIRMATION_STATUS_LABELS[self.status]
