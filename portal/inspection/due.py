"""What the scheduler chases on a given day (for the chase feature; no notification here).

Each function takes `today` (JST date) and the profile explicitly and issues a constant number
of queries whatever the number of contracts:

- `unscheduled_targets`  targets with nothing planned after the scheduling deadline (3 queries)
- `unrecorded_inspections` planned inspections whose date passed without a record (1 query)
- `year_end_targets`     targets not yet satisfied inside year_end_warning_days (3 queries)
- `overdue_actions`      corrective actions not closed after due date + grace (1 query)
- `due_items`            all four, sharing one status computation (5 queries)

Results carry ids only (contract, tier, section, company, inspection, action) so the caller
picks recipients (contractor → 保護管理者 → 総括保護管理者) and builds dedupe keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.contract.models import Contract
from portal.extensions import db
from portal.inspection.models import (
    OPEN_STATUSES,
    ActionStatus,
    CorrectiveAction,
    Inspection,
)
from portal.inspection.rules import OverdueReason, TargetStatus
from portal.inspection.status import StatusReport, compute_status
from portal.profile import Profile
from portal.wareki import fiscal_year


@dataclass(frozen=True)
class DueTarget:
    contract_id: int
    subcontract_id: int | None
    section_id: int
    company_id: int  # the inspected company
    contractor_id: int  # the contract's company
    fiscal_year: int
    deadline: date
    days_late: int  # negative: days left (year-end warnings)
    violation: bool  # False under 広島市 第10 4 (努める): a warning
    inspection_id: int | None


@dataclass(frozen=True)
class DueInspection:
    inspection_id: int
    contract_id: int
    subcontract_id: int | None
    section_id: int
    company_id: int
    inspector_user_id: int | None
    inspector_company_id: int | None
    scheduled_on: date
    days_late: int


@dataclass(frozen=True)
class DueAction:
    action_id: int
    inspection_id: int
    contract_id: int
    section_id: int
    company_id: int
    due_on: date
    days_late: int


@dataclass(frozen=True)
class InspectionDue:
    unscheduled: list[DueTarget]
    unrecorded: list[DueInspection]
    year_end: list[DueTarget]
    actions_past_due: list[DueAction]


def _unscheduled(report: StatusReport) -> list[DueTarget]:
    return [
        DueTarget(
            contract_id=r.contract_id,
            subcontract_id=r.subcontract_id,
            section_id=r.section_id,
            company_id=r.company_id,
            contractor_id=r.contractor_id,
            fiscal_year=report.fiscal_year,
            deadline=r.deadlines.schedule_by,
            days_late=(report.today - r.deadlines.schedule_by).days,
            violation=r.overdue_is_violation,
            inspection_id=None,
        )
        for r in report.rows
        if r.status == TargetStatus.OVERDUE and r.overdue_reason == OverdueReason.NOT_SCHEDULED
    ]


def _year_end(report: StatusReport) -> list[DueTarget]:
    return [
        DueTarget(
            contract_id=r.contract_id,
            subcontract_id=r.subcontract_id,
            section_id=r.section_id,
            company_id=r.company_id,
            contractor_id=r.contractor_id,
            fiscal_year=report.fiscal_year,
            deadline=r.deadlines.complete_by,
            days_late=(report.today - r.deadlines.complete_by).days,
            violation=r.overdue_is_violation,
            inspection_id=r.inspection.id if r.inspection else None,
        )
        for r in report.rows
        if r.near_year_end and r.status not in (TargetStatus.DONE, TargetStatus.ACTIONS_OPEN)
    ]


def _report(profile: Profile, today: date) -> StatusReport:
    return compute_status(profile=profile, fiscal_year=fiscal_year(today), today=today)


def unscheduled_targets(*, profile: Profile, today: date) -> list[DueTarget]:
    """Targets of the current 年度 with nothing planned after their scheduling deadline."""
    return _unscheduled(_report(profile, today))


def year_end_targets(*, profile: Profile, today: date) -> list[DueTarget]:
    """Targets not yet inspected when the 年度 ends within `year_end_warning_days`."""
    return _year_end(_report(profile, today))


def unrecorded_inspections(*, today: date) -> list[DueInspection]:
    """Planned inspections whose date has passed without a recorded result (one query)."""
    stmt = (
        sa.select(
            Inspection.id,
            Inspection.contract_id,
            Inspection.subcontract_id,
            Contract.section_id,
            Inspection.company_id,
            Inspection.inspector_user_id,
            Inspection.inspector_company_id,
            Inspection.scheduled_on,
        )
        .join(Contract, Contract.id == Inspection.contract_id)
        .where(Inspection.status.in_(list(OPEN_STATUSES)), Inspection.scheduled_on < today)
        .order_by(Inspection.scheduled_on, Inspection.id)
    )
    return [
        DueInspection(
            inspection_id=r[0],
            contract_id=r[1],
            subcontract_id=r[2],
            section_id=r[3],
            company_id=r[4],
            inspector_user_id=r[5],
            inspector_company_id=r[6],
            scheduled_on=r[7],
            days_late=(today - r[7]).days,
        )
        for r in db.session.execute(stmt)
    ]


def overdue_actions(*, profile: Profile, today: date) -> list[DueAction]:
    """Corrective actions not closed after their due date plus the profile's grace days
    (a response waiting for the 保護管理者 counts: the action is still open)."""
    limit = today - timedelta(days=profile.chase.action_overdue_grace_days)
    stmt = (
        sa.select(
            CorrectiveAction.id,
            CorrectiveAction.inspection_id,
            Inspection.contract_id,
            Contract.section_id,
            Inspection.company_id,
            CorrectiveAction.due_on,
        )
        .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
        .join(Contract, Contract.id == Inspection.contract_id)
        .where(CorrectiveAction.status != ActionStatus.CLOSED, CorrectiveAction.due_on < limit)
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
    )
    return [
        DueAction(
            action_id=r[0],
            inspection_id=r[1],
            contract_id=r[2],
            section_id=r[3],
            company_id=r[4],
            due_on=r[5],
            days_late=(today - r[5]).days,
        )
        for r in db.session.execute(stmt)
    ]


def due_items(*, profile: Profile, today: date) -> InspectionDue:
    """Everything the scheduler chases today, computing the 年度 status once (5 queries)."""
    report = _report(profile, today)
    return InspectionDue(
        unscheduled=_unscheduled(report),
        unrecorded=unrecorded_inspections(today=today),
        year_end=_year_end(report),
        actions_past_due=overdue_actions(profile=profile, today=today),
    )
