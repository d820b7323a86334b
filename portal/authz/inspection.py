"""Policies for annual inspections and corrective actions.

- The section's 保護管理者 schedules, reschedules and cancels inspections and closes
  corrective actions (入間市 第37条第3項; the 保護管理者 is responsible for the section).
- The inspected company (the contractor, or the subcontractor of a tier) sees the request,
  answers the checklist, uploads evidence and answers corrective actions; no other company
  even sees that the inspection exists (404).
- The inspector records the result: the city staff member named, the section's 保護管理者,
  or — 委託先を通じて (第37条第4項) — the company one tier up.
- 総括保護管理者 and 監査責任者 read everything; the administrator nothing (第22条).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.account.models import Role, User
from portal.contract.models import Contract, ContractStatus
from portal.inspection.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionFile,
    InspectionStatus,
    InspectorKind,
)


def _active_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_active


def _section_staff(user: Any, section_id: int) -> bool:
    return (
        _active_user(user)
        and user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}
        and user.section_id == section_id
    )


def _manager_of(user: Any, section_id: int) -> bool:
    return (
        _active_user(user)
        and user.role == Role.PROTECTION_MANAGER
        and user.section_id == section_id
    )


def _inspected_company_user(user: Any, inspection: Inspection) -> bool:
    return (
        _active_user(user)
        and user.role == Role.CONTRACTOR
        and user.company_id == inspection.company_id
    )


def _inspecting_company_user(user: Any, inspection: Inspection) -> bool:
    return (
        _active_user(user)
        and user.role == Role.CONTRACTOR
        and inspection.inspector_kind == InspectorKind.VIA_CONTRACTOR
        and inspection.inspector_company_id is not None
        and user.company_id == inspection.inspector_company_id
    )


def can_list_inspections(user: Any) -> bool:
    """City staff and contractors have an inspection list (the administrator has none)."""
    return _active_user(user) and user.role != Role.ADMIN


def can_view_inspection_status(user: Any) -> bool:
    """The city-wide status view and its exports: 監査責任者 and 総括保護管理者."""
    return _active_user(user) and user.role in {Role.AUDITOR, Role.CHIEF}


def can_plan_inspections(user: Any, section_id: int) -> bool:
    """Whether the user plans inspections for contracts of this section (its 保護管理者)."""
    return _manager_of(user, section_id)


def can_schedule_inspection(user: Any, contract: Contract) -> bool:
    """The 保護管理者 of the contract's section plans inspections of an active contract."""
    return _manager_of(user, contract.section_id) and contract.status == ContractStatus.ACTIVE


def can_view_inspection(user: Any, inspection: Inspection) -> bool:
    """Who may see an inspection at all (others get 404)."""
    if not _active_user(user):
        return False
    if user.role in {Role.AUDITOR, Role.CHIEF}:
        return True
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        return _section_staff(user, inspection.contract.section_id)
    if user.role == Role.CONTRACTOR:
        return _inspected_company_user(user, inspection) or _inspecting_company_user(
            user, inspection
        )
    return False


def can_edit_inspection(user: Any, inspection: Inspection) -> bool:
    """Reschedule or cancel: the section's 保護管理者, until the result is recorded."""
    return _manager_of(user, inspection.contract.section_id) and inspection.is_open


def can_submit_inspection_evidence(user: Any, inspection: Inspection, today: date) -> bool:
    """The inspected company answers and uploads until the end of the inspection day."""
    return (
        _inspected_company_user(user, inspection)
        and inspection.is_open
        and today <= inspection.scheduled_on
    )


def _is_inspector(user: Any, inspection: Inspection) -> bool:
    """The section's 保護管理者, the staff member named, or — 委託先を通じて (第37条第4項) —
    the company one tier up."""
    if _manager_of(user, inspection.contract.section_id):
        return True
    if inspection.inspector_kind == InspectorKind.VIA_CONTRACTOR:
        return _inspecting_company_user(user, inspection)
    return (
        _section_staff(user, inspection.contract.section_id)
        and inspection.inspector_user_id == user.id
    )


def can_record_inspection(user: Any, inspection: Inspection) -> bool:
    """The named inspector, the section's 保護管理者, or the inspecting company (委託先を通じて)."""
    return inspection.is_open and _is_inspector(user, inspection)


def can_add_corrective_action(user: Any, inspection: Inspection) -> bool:
    """After the record: the 保護管理者 or whoever could have recorded it."""
    return inspection.status == InspectionStatus.RECORDED and _is_inspector(user, inspection)


def can_respond_corrective_action(user: Any, action: CorrectiveAction) -> bool:
    """The inspected company answers an action that is not closed."""
    return _inspected_company_user(user, action.inspection) and action.status in {
        ActionStatus.OPEN,
        ActionStatus.RESPONDED,
    }


def can_close_corrective_action(user: Any, action: CorrectiveAction) -> bool:
    """Only the section's 保護管理者 closes (or returns) a corrective action."""
    return _manager_of(user, action.inspection.contract.section_id) and action.is_open


def can_download_inspection_file(user: Any, file: InspectionFile) -> bool:
    """Whoever may see the inspection may download its evidence (each download audited)."""
    return can_view_inspection(user, file.inspection)
