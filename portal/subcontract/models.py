"""再委託 requests: any depth of tiers (入間市 第37条第1項(2), 第4項; 広島市 第10 2(2))."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.contract.models import ClauseStatus, HandlingLocation
from portal.db import Base, str_enum, utcnow
from portal.filestore.models import StoredFileMixin

if TYPE_CHECKING:
    from portal.account.models import User
    from portal.contract.models import Contract
    from portal.org.models import Company


class SubcontractStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # 差戻し: the requester corrects and resubmits
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # the contract ended


SUBCONTRACT_STATUS_LABELS = {
    SubcontractStatus.DRAFT: "下書き",
    SubcontractStatus.SUBMITTED: "承認待ち",
    SubcontractStatus.RETURNED: "差戻し",
    SubcontractStatus.APPROVED: "承認",
    SubcontractStatus.REJECTED: "却下",
    SubcontractStatus.WITHDRAWN: "取下げ",
    SubcontractStatus.EXPIRED: "期間満了",
}


# Where the subcontractor handles the data (入間市 第18条), worded from the request's side.
LOCATION_LABELS = {
    HandlingLocation.CITY_PREMISES: "市の施設内",
    HandlingLocation.CONTRACTOR_SITE: "再委託先の事業所",
    HandlingLocation.CLOUD: "クラウドサービス",
}


class SubcontractRequest(Base):
    """One tier: `requester_company` (tier n-1, the contractor for tier 1) asks to hand part of
    the work to `subcontractor` (tier n). `parent` is the approved tier n-1 request, if any."""

    __tablename__ = "subcontract_requests"
    __table_args__ = (sa.CheckConstraint("tier >= 1", name="tier_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    tier: so.Mapped[int] = so.mapped_column(default=1)
    requester_company_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("companies.id"), index=True
    )
    subcontractor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    is_subsidiary: so.Mapped[bool] = so.mapped_column(default=False)
    work_part: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    pi_description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    people_count: so.Mapped[int] = so.mapped_column(default=0)
    sensitive: so.Mapped[bool] = so.mapped_column(default=False)  # 要配慮個人情報を含む
    location: so.Mapped[HandlingLocation] = so.mapped_column(
        str_enum(HandlingLocation), default=HandlingLocation.CONTRACTOR_SITE
    )
    # 入間市 第18条: where the data is handled; for a cloud, the provider's and the server's country
    location_detail: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    cloud_provider: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    cloud_provider_country: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    cloud_server_country: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    safeguards: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    same_measures_pledged: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[SubcontractStatus] = so.mapped_column(
        str_enum(SubcontractStatus), default=SubcontractStatus.DRAFT, index=True
    )
    conditions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decision_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    decided_at: so.Mapped[datetime | None]
    # Set once at approval and never cleared: an expired or later withdrawn tier was approved,
    # so its subcontractor keeps seeing its tier and below (authz/subcontract.py).
    approved_at: so.Mapped[datetime | None]
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    expires_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    contract: so.Mapped[Contract] = so.relationship()
    parent: so.Mapped[SubcontractRequest | None] = so.relationship(
        back_populates="children", remote_side=[id]
    )
    children: so.Mapped[list[SubcontractRequest]] = so.relationship(back_populates="parent")
    requester_company: so.Mapped[Company] = so.relationship(foreign_keys=[requester_company_id])
    subcontractor: so.Mapped[Company] = so.relationship(foreign_keys=[subcontractor_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])
    documents: so.Mapped[list[SubcontractDocument]] = so.relationship(
        back_populates="request", order_by="SubcontractDocument.id"
    )
    events: so.Mapped[list[SubcontractEvent]] = so.relationship(
        back_populates="request", order_by="SubcontractEvent.id"
    )

    @property
    def status_label(self) -> str:
        return SUBCONTRACT_STATUS_LABELS[self.status]

    @property
    def tier_label(self) -> str:
        return tier_label(self.tier)

    @property
    def location_label(self) -> str:
        return LOCATION_LABELS[self.location]

    @property
    def is_open(self) -> bool:
        """Still in the requester's or the decider's hands."""
        return self.status in OPEN_STATUSES

    @property
    def current_document(self) -> SubcontractDocument | None:
        current = [d for d in self.documents if d.is_current]
        return current[-1] if current else None


def tier_label(tier: int) -> str:
    """1 → 再委託 (第1次), 2 → 再々委託 (第2次), n → 第n次再委託."""
    if tier == 1:
        return "再委託（第1次）"
    if tier == 2:
        return "再々委託（第2次）"
    return f"第{tier}次再委託"


OPEN_STATUSES = frozenset(
    {SubcontractStatus.DRAFT, SubcontractStatus.SUBMITTED, SubcontractStatus.RETURNED}
)
# 入間市 第37条第4項: the contractor corrects only what is in its hands.
EDITABLE_STATUSES = frozenset({SubcontractStatus.DRAFT, SubcontractStatus.RETURNED})


class SubcontractDocument(StoredFileMixin, Base):
    """The subcontract or the written pledge attached to a request (one version per upload;
    a new upload supersedes, never overwrites), with the result of the eight-clause check."""

    __tablename__ = "subcontract_documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    file_kind: so.Mapped[str] = so.mapped_column(sa.String(10))  # pdf | docx | text
    page_count: so.Mapped[int] = so.mapped_column(default=0)
    is_current: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    # ok | incomplete | no_text | unavailable (see services.CHECK_LABELS)
    check_status: so.Mapped[str] = so.mapped_column(sa.String(20), default="unavailable")
    check_message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # True: the stored blob is the intake's cleaned copy (portal.uploads); False: stored as
    # sent (text); None: stored before uploads were cleaned. Access records name the version.
    cleaned: so.Mapped[bool | None] = so.mapped_column(default=None)

    request: so.Mapped[SubcontractRequest] = so.relationship(back_populates="documents")
    uploaded_by: so.Mapped[User | None] = so.relationship()
    results: so.Mapped[list[SubcontractClauseResult]] = so.relationship(
        back_populates="document",
        order_by="SubcontractClauseResult.no",
        cascade="all, delete-orphan",
    )


class SubcontractClauseResult(Base):
    """One of the eight clauses (入間市 第37条第1項) as found in an attached document."""

    __tablename__ = "subcontract_clause_results"
    __table_args__ = (sa.UniqueConstraint("document_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("subcontract_documents.id"), index=True
    )
    no: so.Mapped[int]
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    status: so.Mapped[ClauseStatus] = so.mapped_column(str_enum(ClauseStatus))
    page: so.Mapped[int | None]
    excerpt: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    missing_elements: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    document: so.Mapped[SubcontractDocument] = so.relationship(back_populates="results")


class SubcontractAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DOCUMENT_ADDED = "document_added"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


ACTION_LABELS = {
    SubcontractAction.CREATED: "作成",
    SubcontractAction.UPDATED: "修正",
    SubcontractAction.DOCUMENT_ADDED: "書類の添付",
    SubcontractAction.SUBMITTED: "申請",
    SubcontractAction.RETURNED: "差戻し",
    SubcontractAction.APPROVED: "承認",
    SubcontractAction.REJECTED: "却下",
    SubcontractAction.WITHDRAWN: "取下げ",
    SubcontractAction.EXPIRED: "期間満了",
}


class SubcontractEvent(Base):
    """The request's history as both sides see it (the audit log is the tamper-proof copy)."""

    __tablename__ = "subcontract_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    action: so.Mapped[SubcontractAction] = so.mapped_column(str_enum(SubcontractAction))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(120))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    request: so.Mapped[SubcontractRequest] = so.relationship(back_populates="events")
    actor: so.Mapped[User | None] = so.relationship()

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]
