"""Policies for 消去・廃棄証明 (erasure certificates) and closing a contract.

- The contractor submits its own certificate; each approved 再委託 tier submits its own
  (入間市規程 第16条第2項: 二以上の段階にわたる委託を含む). The contractor also sees its tiers'
  certificates (第37条第4項: 委託先を通じて), a tier sees only its own.
- Only the section's 保護管理者 accepts or sends back a certificate, and closes the contract.
- 契約担当 of the section, 総括保護管理者 and 監査責任者 read everything of the case.
- The system administrator sees no certificate and no photo (第22条: least privilege).
- Originals of uploads (kept only where the city configures it) are for the city's staff only:
  they still carry the photo's EXIF/GPS and the PDF's properties.
"""

from __future__ import annotations

from typing import Any

from portal.account.models import Role, User
from portal.contract.models import Contract, ContractStatus
from portal.erasure.models import (
    CertificateStatus,
    ErasureCase,
    ErasureCertificate,
    ErasureFile,
    ErasureObligation,
    ObligationStatus,
)

_LIST_ROLES = frozenset(
    {Role.PROCUREMENT, Role.PROTECTION_MANAGER, Role.CHIEF, Role.AUDITOR, Role.CONTRACTOR}
)
_CITY_ROLES = frozenset({Role.PROCUREMENT, Role.PROTECTION_MANAGER, Role.CHIEF, Role.AUDITOR})


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_active


def _city_reader(user: Any, contract: Contract) -> bool:
    """総括保護管理者/監査責任者 (all) or the contract's own section staff."""
    if not _is_user(user):
        return False
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return True
    return (
        user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}
        and user.section_id is not None
        and user.section_id == contract.section_id
    )


def _contractor_of(user: Any, company_id: int) -> bool:
    return (
        _is_user(user)
        and user.role == Role.CONTRACTOR
        and user.company_id is not None
        and user.company_id == company_id
    )


def _section_manager(user: Any, contract: Contract) -> bool:
    return _city_reader(user, contract) and user.role == Role.PROTECTION_MANAGER


def can_list_erasure(user: Any) -> bool:
    """The overview: section staff (own section), chief/auditor (all), contractors (own)."""
    return _is_user(user) and user.role in _LIST_ROLES


def can_export_erasure(user: Any) -> bool:
    """CSV export of the overview is for the city's staff."""
    return _is_user(user) and user.role in _CITY_ROLES


def can_view_erasure_case(user: Any, case: ErasureCase) -> bool:
    """City readers of the contract, the contractor, and every company that owes a certificate."""
    if _city_reader(user, case.contract):
        return True
    return any(
        _contractor_of(user, cid)
        for cid in {case.contract.company_id, *(o.company_id for o in case.obligations)}
    )


def can_view_obligation(user: Any, obligation: ErasureObligation) -> bool:
    """A party sees its own certificates; the contractor also sees its tiers'."""
    return (
        _city_reader(user, obligation.contract)
        or _contractor_of(user, obligation.company_id)
        or _contractor_of(user, obligation.contract.company_id)
    )


def can_view_erasure_certificate(user: Any, certificate: ErasureCertificate) -> bool:
    """Whoever may see the obligation may see each of its submissions."""
    return can_view_obligation(user, certificate.obligation)


def can_submit_erasure(user: Any, obligation: ErasureObligation) -> bool:
    """The owing company's own users submit (or resubmit after a send-back) while the contract
    waits for erasure proof."""
    return (
        _contractor_of(user, obligation.company_id)
        and obligation.contract.status == ContractStatus.ERASURE_PENDING
        and obligation.status in {ObligationStatus.PENDING, ObligationStatus.RETURNED}
    )


def can_review_erasure(user: Any, certificate: ErasureCertificate) -> bool:
    """The section's 保護管理者 accepts or sends back the submission under review."""
    obligation = certificate.obligation
    return (
        _section_manager(user, obligation.contract)
        and obligation.contract.status == ContractStatus.ERASURE_PENDING
        and certificate.status == CertificateStatus.SUBMITTED
        and obligation.current is certificate
    )


def can_close_erasure_case(user: Any, case: ErasureCase) -> bool:
    """The section's 保護管理者 may try to close; the service refuses, naming what is missing,
    unless every party's certificate is accepted."""
    return (
        _section_manager(user, case.contract)
        and case.contract.status == ContractStatus.ERASURE_PENDING
    )


def can_view_erasure_file(user: Any, file: ErasureFile) -> bool:
    """Served copies go to whoever sees the certificate; originals to the city only."""
    if not can_view_erasure_certificate(user, file.certificate):
        return False
    return not file.is_original or _city_reader(user, file.certificate.contract)
