"""漏えい等事案 (incident), its 再発防止策 (measures), shares with similar sections and files.

One row per case. The facts the contractor reported, the automatic assessment (kept as
computed at each change of the facts) and the 保護管理者's decision are separate columns, so
the page can show what the rules say next to what a person decided and why.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow
from portal.filestore.models import StoredFileMixin
from portal.incident.assessment import Facts, People

if TYPE_CHECKING:
    from portal.account.models import User
    from portal.contract.models import Contract
    from portal.org.models import Company, Section
    from portal.subcontract.models import SubcontractRequest


class IncidentStatus(enum.StrEnum):
    REPORTED = "reported"  # waiting for the 保護管理者's decision on reportability
    DECIDED = "decided"  # decision recorded; reports, notices and follow-up under way
    CLOSED = "closed"  # closed by the 保護管理者


STATUS_LABELS = {
    IncidentStatus.REPORTED: "報告受付（判断待ち）",
    IncidentStatus.DECIDED: "対応中",
    IncidentStatus.CLOSED: "完了",
}


class IncidentCause(enum.StrEnum):
    MISDELIVERY = "misdelivery"
    LOSS = "loss"
    THEFT = "theft"
    UNAUTHORIZED_ACCESS = "unauthorized_access"
    RANSOMWARE = "ransomware"
    INSIDER = "insider"
    OTHER = "other"


CAUSE_LABELS = {
    IncidentCause.MISDELIVERY: "誤送付（誤送信・誤交付を含む）",
    IncidentCause.LOSS: "紛失",
    IncidentCause.THEFT: "盗難",
    IncidentCause.UNAUTHORIZED_ACCESS: "不正アクセス",
    IncidentCause.RANSOMWARE: "ランサムウェア",
    IncidentCause.INSIDER: "内部不正",
    IncidentCause.OTHER: "その他",
}


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        sa.CheckConstraint("people_min >= 0 AND people_max >= people_min", name="people_range"),
        sa.CheckConstraint("tier >= 0", name="tier_non_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    # Denormalised from the contract: lists and recipients are scoped by section and company.
    section_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sections.id"), index=True)
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    # Where it happened: 0 = the contractor itself, n = the approved 再委託 tier n.
    subcontract_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    tier: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[IncidentStatus] = so.mapped_column(
        str_enum(IncidentStatus), default=IncidentStatus.REPORTED, index=True
    )
    fiscal_year: so.Mapped[int] = so.mapped_column(index=True)  # 年度 of the day of knowledge

    # What happened (the report)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    occurred_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    discovered_on: so.Mapped[date] = so.mapped_column(sa.Date)  # the reporter found it
    # Day 1 of the PPC's clocks: the day the city learned of it (the report date unless
    # staff record otherwise, with a reason).
    known_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    known_on_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    categories: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # 氏名、住所 …
    sensitive_kinds: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    ordinance_sensitive: so.Mapped[bool] = so.mapped_column(default=False)
    people_min: so.Mapped[int] = so.mapped_column(default=0)
    people_max: so.Mapped[int] = so.mapped_column(default=0)
    cause: so.Mapped[IncidentCause] = so.mapped_column(str_enum(IncidentCause))
    cause_detail: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    unlawful_purpose_risk: so.Mapped[bool] = so.mapped_column(default=False)
    financial_damage_risk: so.Mapped[bool] = so.mapped_column(default=False)
    encrypted_key_safe: so.Mapped[bool] = so.mapped_column(default=False)
    containment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reported_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reported_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    # The rules' answer for the current facts (assessment.assess)
    auto_reportable: so.Mapped[bool] = so.mapped_column(default=False)
    auto_grounds: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    # The 保護管理者's decision (法第68条第1項)
    reportable: so.Mapped[bool | None]
    decision_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]

    # Reports to the PPC, entered by staff after filing them on the PPC's own form
    sokuho_filed_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    kakuho_filed_on: so.Mapped[date | None] = so.mapped_column(sa.Date)

    # 本人への通知 (法第68条第2項) or, when not required, 本人への連絡 (第41条等)
    notify_individuals: so.Mapped[bool | None]
    notify_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    individuals_notified_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    # 公表 (入間市 第41条, 広島市 第12 9)
    publish: so.Mapped[bool | None]
    publication_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    published_on: so.Mapped[date | None] = so.mapped_column(sa.Date)

    # Follow-up
    cause_analysis: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closure_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    closed_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    contract: so.Mapped[Contract] = so.relationship()
    section: so.Mapped[Section] = so.relationship()
    company: so.Mapped[Company] = so.relationship()
    subcontract: so.Mapped[SubcontractRequest | None] = so.relationship()
    reported_by: so.Mapped[User | None] = so.relationship(foreign_keys=[reported_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])
    closed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[closed_by_id])
    measures: so.Mapped[list[IncidentMeasure]] = so.relationship(
        back_populates="incident", order_by="IncidentMeasure.id", cascade="all, delete-orphan"
    )
    shares: so.Mapped[list[IncidentShare]] = so.relationship(
        back_populates="incident", order_by="IncidentShare.id", cascade="all, delete-orphan"
    )
    files: so.Mapped[list[IncidentFile]] = so.relationship(
        back_populates="incident", order_by="IncidentFile.id"
    )

    @property
    def number(self) -> str:
        return f"事案{self.fiscal_year}-{self.id:04d}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS[self.cause]

    @property
    def people(self) -> People:
        return People(self.people_min, self.people_max)

    @property
    def facts(self) -> Facts:
        return Facts(
            sensitive=tuple(self.sensitive_kinds or ()),
            ordinance_sensitive=self.ordinance_sensitive,
            people=self.people,
            financial_damage_risk=self.financial_damage_risk,
            unlawful_purpose_risk=self.unlawful_purpose_risk,
            encrypted_key_safe=self.encrypted_key_safe,
        )

    @property
    def effective_reportable(self) -> bool:
        """The decision when made, else what the rules say (the clocks run meanwhile)."""
        return self.auto_reportable if self.reportable is None else self.reportable

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED


class IncidentMeasure(Base):
    """One 再発防止策 with its owner and due date (入間市 第39条第5項, 広島市 第12 6)."""

    __tablename__ = "incident_measures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("incidents.id"), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    owner: so.Mapped[str] = so.mapped_column(sa.String(100))
    due_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    done_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    incident: so.Mapped[Incident] = so.relationship(back_populates="measures")


class IncidentShare(Base):
    """The measures shared with a section doing similar work (広島市 第12 6)."""

    __tablename__ = "incident_shares"
    __table_args__ = (sa.UniqueConstraint("incident_id", "section_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("incidents.id"), index=True)
    section_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sections.id"), index=True)
    shared_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    shared_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    incident: so.Mapped[Incident] = so.relationship(back_populates="shares")
    section: so.Mapped[Section] = so.relationship()


class IncidentFile(StoredFileMixin, Base):
    """An attachment of the report (photos, the contractor's own report, screenshots)."""

    __tablename__ = "incident_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("incidents.id"), index=True)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    incident: so.Mapped[Incident] = so.relationship(back_populates="files")


def facts_columns(facts: Facts) -> dict[str, Any]:
    """The Incident columns that hold `facts`."""
    return {
        "sensitive_kinds": list(facts.sensitive),
        "ordinance_sensitive": facts.ordinance_sensitive,
        "people_min": facts.people.min,
        "people_max": facts.people.max,
        "financial_damage_risk": facts.financial_damage_risk,
        "unlawful_purpose_risk": facts.unlawful_purpose_risk,
        "encrypted_key_safe": facts.encrypted_key_safe,
    }
