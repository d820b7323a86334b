"""Who sees and acts on 再委託 requests (入間市 第37条第1項(2)・第4項).

Visibility policy:
- 総括保護管理者 / 監査責任者: every request that was ever submitted, city-wide (read only).
- 契約担当 / 保護管理者: every submitted request on a contract of their own section.
- 委託先 (contractor), by company:
  - the requester company sees the requests it made (drafts included);
  - the contract's company (the prime contractor) sees the whole chain of its contracts;
  - the subcontractor company sees its own tier once approved, and every tier below it —
    never a sibling's branch, never the tiers above it;
  - other companies see nothing (404: ids cannot be probed).
- システム管理者: nothing (入間市 第22条: least privilege).
Drafts (never submitted) are seen only by the company writing them.

Policies are pure: they read the objects and their relationships, never Flask globals. Which
state an action needs is checked here for buttons and again in the services, which refuse
with a Japanese message.
"""

from __future__ import annotations

from typing import Any

from portal.account.models import Role, User
from portal.contract.models import ContractStatus
from portal.subcontract.models import EDITABLE_STATUSES, OPEN_STATUSES, SubcontractStatus


def _contractor_company(user: Any) -> int | None:
    if isinstance(user, User) and user.role == Role.CONTRACTOR and user.is_active:
        return user.company_id
    return None


def is_requester(user: Any, sub: Any) -> bool:
    """The user belongs to the company that made (or is making) the request."""
    company = _contractor_company(user)
    return company is not None and company == sub.requester_company_id


def is_section_manager(user: Any, sub: Any) -> bool:
    """The user is a 保護管理者 of the section that owns the request's contract."""
    return (
        isinstance(user, User)
        and user.role == Role.PROTECTION_MANAGER
        and user.section_id is not None
        and user.section_id == sub.contract.section_id
    )


def approved_subcontractor_above(company_id: int, sub: Any) -> bool:
    """`company_id` is the subcontractor of `sub` or of a tier above it, and that tier was
    approved (an approval later expired or withdrawn still counts: it saw the work)."""
    node = sub
    while node is not None:
        if node.subcontractor_id == company_id and (
            node.approved_at is not None or node.status == SubcontractStatus.APPROVED
        ):
            return True
        node = node.parent
    return False


def can_view_subcontract(user: Any, sub: Any) -> bool:
    """See the visibility policy in the module docstring."""
    if not isinstance(user, User):
        return False
    company = _contractor_company(user)
    if company is not None:
        if company == sub.requester_company_id:
            return True
        if sub.submitted_at is None:
            return False
        if company == sub.contract.company_id:
            return True
        return approved_subcontractor_above(company, sub)
    if sub.submitted_at is None:
        return False
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return True
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        return user.section_id is not None and user.section_id == sub.contract.section_id
    return False


def can_view_subcontract_document(user: Any, doc: Any) -> bool:
    """Whoever sees the request sees its attached subcontract or pledge."""
    return can_view_subcontract(user, doc.request)


def can_view_contract_chain(user: Any, contract: Any) -> bool:
    """The whole chain of a contract: the city staff who see the contract, and its company.
    (A subcontractor sees the chain page limited to its own branch; the view decides.)"""
    if not isinstance(user, User):
        return False
    company = _contractor_company(user)
    if company is not None:
        return bool(company == contract.company_id)
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return True
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        return user.section_id is not None and user.section_id == contract.section_id
    return False


def can_request_subcontract(user: Any, contract: Any) -> bool:
    """Tier 1: a user of the contract's company, on an active contract."""
    company = _contractor_company(user)
    return (
        company is not None
        and company == contract.company_id
        and contract.status == ContractStatus.ACTIVE
    )


def can_request_next_tier(user: Any, parent: Any) -> bool:
    """Tier n+1 (再々委託): a user of tier n's subcontractor once tier n is approved."""
    company = _contractor_company(user)
    return (
        company is not None
        and company == parent.subcontractor_id
        and parent.status == SubcontractStatus.APPROVED
        and parent.contract.status == ContractStatus.ACTIVE
    )


def can_edit_subcontract(user: Any, sub: Any) -> bool:
    """The requester company, while the request is a draft or returned for correction."""
    return is_requester(user, sub) and sub.status in EDITABLE_STATUSES


def can_withdraw_subcontract(user: Any, sub: Any) -> bool:
    """The requester company withdraws an open request or ends an approved subcontract."""
    return is_requester(user, sub) and (
        sub.status in OPEN_STATUSES or sub.status == SubcontractStatus.APPROVED
    )


def can_decide_subcontract(user: Any, sub: Any) -> bool:
    """The contract section's 保護管理者, on a submitted request they did not create."""
    return (
        is_section_manager(user, sub)
        and sub.status == SubcontractStatus.SUBMITTED
        and user.id != sub.created_by_id
    )


def can_view_subcontract_queue(user: Any) -> bool:
    """The section's staff see its pending requests; only the 保護管理者 decides."""
    return isinstance(user, User) and user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}


def can_list_subcontract_chains(user: Any) -> bool:
    """City-wide for 総括保護管理者 and 監査責任者; own section for the section's staff."""
    return isinstance(user, User) and user.role in {
        Role.CHIEF,
        Role.AUDITOR,
        Role.PROCUREMENT,
        Role.PROTECTION_MANAGER,
    }
