"""Policies for contracts, their documents and the clause check.

- 契約担当 and 保護管理者 register and edit the contracts of their own section.
- 委託先 (contractor) users see their own company's contracts, read only.
- 総括保護管理者 and 監査責任者 read every contract.
- The system administrator sees no contract and no document (入間市 第22条: least privilege).
- Only the section's 保護管理者 overrides a clause result (written reason, audited).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.account.models import CITY_ROLES, CITYWIDE_ROLES, SECTION_ROLES, Role
from portal.authz import is_active_user, is_section_staff
from portal.contract.models import Contract, ContractStatus

# A contract's particulars and documents may change until it is closed or cancelled.
_EDITABLE = frozenset(
    {
        ContractStatus.DRAFT,
        ContractStatus.CHECKED,
        ContractStatus.ACTIVE,
        ContractStatus.ENDING,
        ContractStatus.ERASURE_PENDING,
    }
)
# New contract documents (amendments, a corrected 特記事項) until the work has ended.
_DOCUMENTS_OPEN = frozenset(
    {ContractStatus.DRAFT, ContractStatus.CHECKED, ContractStatus.ACTIVE, ContractStatus.ENDING}
)
# 第37条第1項: the eight matters are decided before and during performance.
_OVERRIDE_OPEN = frozenset({ContractStatus.DRAFT, ContractStatus.CHECKED, ContractStatus.ACTIVE})


def _section_staff_of(user: Any, contract: Contract) -> bool:
    return is_section_staff(user, contract.section_id)


def can_create_contract(user: Any) -> bool:
    """契約担当 and 保護管理者 register contracts (in their own section)."""
    return is_active_user(user) and user.role in SECTION_ROLES and user.section_id is not None


def can_export_contracts(user: Any) -> bool:
    """City staff export the register (only the rows they may see)."""
    return is_active_user(user) and user.role in CITY_ROLES


def can_view_contract(user: Any, contract: Contract) -> bool:
    """Own section (section staff), own company (contractor), or city-wide readers."""
    if not is_active_user(user):
        return False
    if user.role in CITYWIDE_ROLES:
        return True
    if user.role == Role.CONTRACTOR:
        return user.company_id is not None and user.company_id == contract.company_id
    return _section_staff_of(user, contract)


def can_view_contract_history(user: Any, contract: Contract) -> bool:
    """The audit trail of a contract is for the city's staff who may see the contract."""
    return can_view_contract(user, contract) and user.role in CITY_ROLES


def can_edit_contract(user: Any, contract: Contract) -> bool:
    """Section staff edit their own section's contracts until closed or cancelled."""
    return _section_staff_of(user, contract) and contract.status in _EDITABLE


def can_upload_contract_document(user: Any, contract: Contract) -> bool:
    """Section staff add document versions until the work has ended."""
    return _section_staff_of(user, contract) and contract.status in _DOCUMENTS_OPEN


def can_check_contract(user: Any, contract: Contract) -> bool:
    """Re-running the clause check is open to whoever may upload documents."""
    return can_upload_contract_document(user, contract)


def can_download_contract_document(user: Any, contract: Contract) -> bool:
    """Whoever may see the contract may download its documents (the download is recorded)."""
    return can_view_contract(user, contract)


def can_draft_special_terms(user: Any, contract: Contract) -> bool:
    """Section staff generate the 個人情報取扱特記事項 for their contracts."""
    return _section_staff_of(user, contract) and contract.status in _EDITABLE


def can_attach_special_terms(user: Any, contract: Contract) -> bool:
    """Attaching the generated 特記事項 is a document upload."""
    return can_upload_contract_document(user, contract)


def can_override_clause(user: Any, contract: Contract) -> bool:
    """Only the section's 保護管理者 overrides a clause result (before or during performance)."""
    return (
        _section_staff_of(user, contract)
        and user.role == Role.PROTECTION_MANAGER
        and contract.status in _OVERRIDE_OPEN
    )


def can_request_confirmation(user: Any, contract: Contract) -> bool:
    """Section procurement asks its 保護管理者 to judge a clause (while a judgement is open)."""
    return (
        _section_staff_of(user, contract)
        and user.role == Role.PROCUREMENT
        and contract.status in _OVERRIDE_OPEN
    )


def can_activate_contract(user: Any, contract: Contract) -> bool:
    """Section staff put a checked contract into performance (the service checks clauses)."""
    return _section_staff_of(user, contract) and contract.status == ContractStatus.CHECKED


def can_end_contract(user: Any, contract: Contract) -> bool:
    """Section staff start the ending procedure of an active contract."""
    return _section_staff_of(user, contract) and contract.status == ContractStatus.ACTIVE


def can_request_erasure(user: Any, contract: Contract) -> bool:
    """Section staff move an ending contract on to the erasure/return check."""
    return _section_staff_of(user, contract) and contract.status == ContractStatus.ENDING


def can_cancel_contract(user: Any, contract: Contract) -> bool:
    """A contract that never went into performance may be cancelled by its section."""
    return _section_staff_of(user, contract) and contract.status in {
        ContractStatus.DRAFT,
        ContractStatus.CHECKED,
    }


def visible_contracts_filter(user: Any) -> sa.ColumnElement[bool]:
    """SQL condition on Contract matching exactly the rows can_view_contract allows.

    Other features use it to scope their own lists (e.g. inspections of visible contracts).
    """
    if not is_active_user(user):
        return sa.false()
    if user.role in CITYWIDE_ROLES:
        return sa.true()
    if user.role == Role.CONTRACTOR and user.company_id is not None:
        return Contract.company_id == sa.literal(int(user.company_id))
    if user.role in SECTION_ROLES and user.section_id is not None:
        return Contract.section_id == sa.literal(int(user.section_id))
    return sa.false()
