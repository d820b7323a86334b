"""再委託 requests: any depth of tiers (入間市 第37条第1項(2), 第4項; 広島市 第10 2(2))."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.contract.models import HandlingLocation
from portal.db import Base, str_enum, utcnow

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
    location: so.Mapped[HandlingLocation] = so.mapped_column(
        str_enum(HandlingLocation), default=HandlingLocation.CONTRACTOR_SITE
    )
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

    @property
    def status_label(self) -> str:
        return SUBCONTRACT_STATUS_LABELS[self.status]
