"""Annual inspections (実地検査 / 書面) of contracts and approved 再委託 tiers.

入間市 第37条第3項: 少なくとも毎年度1回以上、原則として実地検査により確認する.
入間市 第37条第4項: 再委託先にも、委託先を通じて又は委託元自らが同じ確認を行う.
The per-item results use the 龍ヶ崎市 audit scale: ○ 適正 / △ 指導により改善 /
× 改善を要する / - 該当なし (003_ryugasaki_iinkai_shiryo.txt, 内部監査結果一覧).
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
    from portal.contract.models import Contract
    from portal.org.models import Company
    from portal.subcontract.models import SubcontractRequest


class InspectionMethod(enum.StrEnum):
    ONSITE = "onsite"  # 実地検査
    WRITTEN = "written"  # 書面による報告


METHOD_LABELS = {InspectionMethod.ONSITE: "実地検査", InspectionMethod.WRITTEN: "書面"}


class InspectorKind(enum.StrEnum):
    CITY = "city"  # 委託元自らが (city staff of the section)
    VIA_CONTRACTOR = "via_contractor"  # 委託先を通じて (第37条第4項): tier n-1 inspects tier n


INSPECTOR_KIND_LABELS = {
    InspectorKind.CITY: "市職員",
    InspectorKind.VIA_CONTRACTOR: "委託先を通じて",
}


class InspectionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    EVIDENCE_SUBMITTED = "evidence_submitted"
    RECORDED = "recorded"
    CANCELLED = "cancelled"


INSPECTION_STATUS_LABELS = {
    InspectionStatus.SCHEDULED: "計画済",
    InspectionStatus.EVIDENCE_SUBMITTED: "資料提出済",
    InspectionStatus.RECORDED: "結果記録済",
    InspectionStatus.CANCELLED: "中止",
}
OPEN_STATUSES = frozenset({InspectionStatus.SCHEDULED, InspectionStatus.EVIDENCE_SUBMITTED})


class ItemResult(enum.StrEnum):
    OK = "ok"  # ○ 適正
    IMPROVED = "improved"  # △ 指導により改善
    NEEDS_IMPROVEMENT = "needs_improvement"  # × 改善を要する
    NOT_APPLICABLE = "not_applicable"  # - 該当なし


RESULT_SYMBOLS = {
    ItemResult.OK: "○",
    ItemResult.IMPROVED: "△",
    ItemResult.NEEDS_IMPROVEMENT: "×",
    ItemResult.NOT_APPLICABLE: "-",
}
RESULT_LABELS = {
    ItemResult.OK: "適正",
    ItemResult.IMPROVED: "指導により改善",
    ItemResult.NEEDS_IMPROVEMENT: "改善を要する",
    ItemResult.NOT_APPLICABLE: "該当なし",
}


class ActionStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the contractor
    RESPONDED = "responded"  # the contractor answered; the 保護管理者 decides
    CLOSED = "closed"


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: "対応待ち",
    ActionStatus.RESPONDED: "回答済（確認待ち）",
    ActionStatus.CLOSED: "完了",
}


class Inspection(Base):
    """One planned check of one target (a contract, or one approved tier of it) in a 年度."""

    __tablename__ = "inspections"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    # The approved 再委託 tier inspected; NULL = the contractor itself.
    subcontract_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    # The inspected company (the contract's company, or the tier's subcontractor): who may
    # see the request and upload evidence.
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    fiscal_year: so.Mapped[int] = so.mapped_column(index=True)
    scheduled_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    method: so.Mapped[InspectionMethod] = so.mapped_column(str_enum(InspectionMethod))
    written_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    inspector_kind: so.Mapped[InspectorKind] = so.mapped_column(str_enum(InspectorKind))
    inspector_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id"), index=True
    )
    # 委託先を通じて: the company that inspects its own subcontractor (tier n-1).
    inspector_company_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("companies.id"), index=True
    )
    status: so.Mapped[InspectionStatus] = so.mapped_column(
        str_enum(InspectionStatus), default=InspectionStatus.SCHEDULED, index=True
    )
    profile: so.Mapped[str] = so.mapped_column(sa.String(40))
    evidence_submitted_at: so.Mapped[datetime | None]
    performed_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    findings: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    recorded_at: so.Mapped[datetime | None]
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    contract: so.Mapped[Contract] = so.relationship()
    subcontract: so.Mapped[SubcontractRequest | None] = so.relationship()
    company: so.Mapped[Company] = so.relationship(foreign_keys=[company_id])
    inspector_user: so.Mapped[User | None] = so.relationship(foreign_keys=[inspector_user_id])
    inspector_company: so.Mapped[Company | None] = so.relationship(
        foreign_keys=[inspector_company_id]
    )
    recorded_by: so.Mapped[User | None] = so.relationship(foreign_keys=[recorded_by_id])
    created_by: so.Mapped[User | None] = so.relationship(foreign_keys=[created_by_id])
    items: so.Mapped[list[InspectionItem]] = so.relationship(
        back_populates="inspection", order_by="InspectionItem.position"
    )
    files: so.Mapped[list[InspectionFile]] = so.relationship(
        back_populates="inspection", order_by="InspectionFile.id"
    )
    actions: so.Mapped[list[CorrectiveAction]] = so.relationship(
        back_populates="inspection", order_by="CorrectiveAction.id"
    )

    @property
    def status_label(self) -> str:
        return INSPECTION_STATUS_LABELS[self.status]

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    @property
    def inspector_label(self) -> str:
        if self.inspector_kind == InspectorKind.VIA_CONTRACTOR:
            name = self.inspector_company.name if self.inspector_company else ""
            return f"委託先を通じて（{name}）"
        return self.inspector_user.name if self.inspector_user else "市職員"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def tier(self) -> int:
        return self.subcontract.tier if self.subcontract is not None else 0

    @property
    def open_actions(self) -> list[CorrectiveAction]:
        return [a for a in self.actions if a.status != ActionStatus.CLOSED]

    @property
    def is_clean(self) -> bool:
        """Recorded, and no × item still has a corrective action that is not closed."""
        if self.status != InspectionStatus.RECORDED:
            return False
        failing = {i.id for i in self.items if i.result == ItemResult.NEEDS_IMPROVEMENT}
        return not any(a.item_id in failing for a in self.open_actions)


class InspectionItem(Base):
    """One checklist item, copied from the profile when the inspection is scheduled (so a
    later change of the profile does not rewrite what was asked and answered)."""

    __tablename__ = "inspection_items"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inspections.id"), index=True)
    position: so.Mapped[int]
    key: so.Mapped[str] = so.mapped_column(sa.String(40))
    label: so.Mapped[str] = so.mapped_column(sa.String(200))
    answer: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # the contractor's
    answered_at: so.Mapped[datetime | None]
    result: so.Mapped[ItemResult | None] = so.mapped_column(str_enum(ItemResult))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # the inspector's

    inspection: so.Mapped[Inspection] = so.relationship(back_populates="items")

    @property
    def symbol(self) -> str:
        return RESULT_SYMBOLS[self.result] if self.result is not None else ""

    @property
    def result_label(self) -> str:
        return RESULT_LABELS[self.result] if self.result is not None else ""


class CorrectiveAction(Base):
    """是正措置: what must change, who owns it, by when; the contractor answers, the
    保護管理者 closes (or returns it)."""

    __tablename__ = "corrective_actions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("inspection_items.id"), index=True
    )
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    owner: so.Mapped[str] = so.mapped_column(sa.String(200))
    due_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    status: so.Mapped[ActionStatus] = so.mapped_column(
        str_enum(ActionStatus), default=ActionStatus.OPEN, index=True
    )
    response: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    responded_at: so.Mapped[datetime | None]
    responded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decision_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closed_at: so.Mapped[datetime | None]
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    inspection: so.Mapped[Inspection] = so.relationship(back_populates="actions")
    item: so.Mapped[InspectionItem | None] = so.relationship()
    responded_by: so.Mapped[User | None] = so.relationship(foreign_keys=[responded_by_id])
    closed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[closed_by_id])
    files: so.Mapped[list[InspectionFile]] = so.relationship(
        back_populates="action", order_by="InspectionFile.id"
    )

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status != ActionStatus.CLOSED


class InspectionFile(StoredFileMixin, Base):
    """Evidence uploaded by the inspected company: for the inspection, one checklist item,
    or a corrective action's response. Validated from its bytes before it is stored."""

    __tablename__ = "inspection_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    inspection_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("inspection_items.id"), index=True
    )
    action_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("corrective_actions.id"), index=True
    )
    file_kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # True: the stored blob is the intake's cleaned copy (portal.uploads); False: stored as
    # sent (text); None: stored before uploads were cleaned. Access records name the version.
    cleaned: so.Mapped[bool | None] = so.mapped_column(default=None)

    inspection: so.Mapped[Inspection] = so.relationship(back_populates="files")
    item: so.Mapped[InspectionItem | None] = so.relationship()
    action: so.Mapped[CorrectiveAction | None] = so.relationship(back_populates="files")
    uploaded_by: so.Mapped[User | None] = so.relationship()
