"""Policies for document exchange.

- The contract's section staff (契約担当, 保護管理者) see every space of the contract and upload.
- 総括保護管理者 and 監査責任者 read every space (read only).
- The contractor company sees every space of its contract; an approved 再委託 tier sees its own
  space and the spaces below it, never a sibling's, nor the contract's own space.
- Upload: the city section staff and the users of the space's own company.
- The system administrator sees no document at all (入間市 第22条: least privilege).
- After the contract is closed (or cancelled) its spaces are read only.
"""

from __future__ import annotations

from typing import Any

from portal.account.models import Role, User
from portal.contract.models import Contract, ContractStatus
from portal.exchange.models import (
    ExchangeDocument,
    ExchangeFolder,
    ExchangeSpace,
    ExchangeStagedUpload,
    ExchangeVersion,
)
from portal.subcontract.models import SubcontractRequest, SubcontractStatus

READ_ONLY_STATUSES = frozenset({ContractStatus.CLOSED, ContractStatus.CANCELLED})
# A tier keeps its space after the contract period ends (EXPIRED); a rejected or withdrawn
# link anywhere in the chain closes it for the companies below that link.
TIER_OPEN_STATUSES = frozenset({SubcontractStatus.APPROVED, SubcontractStatus.EXPIRED})


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_active


def _section_staff_of(user: Any, contract: Contract) -> bool:
    return (
        _is_user(user)
        and user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}
        and user.section_id is not None
        and user.section_id == contract.section_id
    )


def _tier_reaches(company_id: int, sub: SubcontractRequest | None) -> bool:
    """True when `company_id` is the subcontractor of `sub` or of one of its parents and the
    whole chain from the contract down to `sub` is approved (a withdrawn link voids every
    tier below it, as in `approved_tiers`)."""
    node = sub
    found = False
    depth = 0
    while node is not None and depth < 100:
        if node.status not in TIER_OPEN_STATUSES:
            return False
        found = found or node.subcontractor_id == company_id
        node = node.parent
        depth += 1
    return found and node is None


def is_read_only(contract: Contract) -> bool:
    """A closed or cancelled contract's exchange is kept but no longer changes."""
    return contract.status in READ_ONLY_STATUSES


def can_view_exchange_space(user: Any, space: ExchangeSpace) -> bool:
    """Section staff, city-wide readers, the contractor, and tiers at or above the space."""
    if not _is_user(user):
        return False
    contract = space.contract
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return True
    if user.role == Role.CONTRACTOR:
        if user.company_id is None:
            return False
        if user.company_id == contract.company_id:
            return True
        return _tier_reaches(user.company_id, space.subcontract)
    return _section_staff_of(user, contract)


def can_upload_to_space(user: Any, space: ExchangeSpace) -> bool:
    """Either side of the space adds folders, documents and versions while the contract is open."""
    if is_read_only(space.contract) or not can_view_exchange_space(user, space):
        return False
    if user.role == Role.CONTRACTOR:
        return bool(user.company_id == space.company_id)
    return _section_staff_of(user, space.contract)


def can_view_exchange_document(user: Any, document: ExchangeDocument) -> bool:
    """Whoever sees the space sees its documents (every access is recorded)."""
    return can_view_exchange_space(user, document.space)


def can_view_exchange_folder(user: Any, folder: ExchangeFolder) -> bool:
    return can_view_exchange_space(user, folder.space)


def can_view_exchange_version(user: Any, version: ExchangeVersion) -> bool:
    return can_view_exchange_space(user, version.document.space)


def can_comment_on_document(user: Any, document: ExchangeDocument) -> bool:
    """The parties that see the document (not the city-wide readers) comment while open."""
    return (
        not is_read_only(document.space.contract)
        and can_view_exchange_space(user, document.space)
        and user.role not in {Role.CHIEF, Role.AUDITOR}
    )


def can_add_version(user: Any, document: ExchangeDocument) -> bool:
    """Either side of the space uploads a new version."""
    return can_upload_to_space(user, document.space)


def can_mark_personal_info(user: Any, document: ExchangeDocument) -> bool:
    """Either side may mark a document 個人情報含む (more records, never fewer)."""
    return can_upload_to_space(user, document.space)


def can_unmark_personal_info(user: Any, document: ExchangeDocument) -> bool:
    """Only the city's section staff remove the 個人情報含む mark (audited)."""
    return not is_read_only(document.space.contract) and _section_staff_of(
        user, document.space.contract
    )


def can_decide_staged_upload(user: Any, staged: ExchangeStagedUpload) -> bool:
    """Only the uploader sees the warning and chooses what is sent."""
    return _is_user(user) and staged.uploaded_by_id == user.id


def can_purge_exchange(user: Any, contract: Contract) -> bool:
    """The section's 保護管理者 deletes documents whose retention has ended (checked in the
    service, which also refuses before retention ends)."""
    return _section_staff_of(user, contract) and user.role == Role.PROTECTION_MANAGER


def can_view_access_records(user: Any) -> bool:
    """保護管理者 (own section), 監査責任者 and 総括保護管理者 search the access records."""
    return _is_user(user) and user.role in {Role.PROTECTION_MANAGER, Role.AUDITOR, Role.CHIEF}
