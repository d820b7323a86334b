"""Test data for the chase: a small city with everything a rule can chase. Flushed only."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from portal.account.models import User
from portal.contract.models import Contract, ContractStatus
from portal.erasure.models import ErasureObligation, ObligationStatus
from portal.extensions import db
from portal.inspection.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionMethod,
    InspectionStatus,
    InspectorKind,
)
from portal.org.models import CertificateKind, Company, CompanyCertificate, Section
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from portal.wareki import JST, fiscal_year
from tests.factories import make_company, make_section, make_user

_seq = itertools.count(1)


def jst_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=JST).astimezone(UTC)


def make_contract(
    section: Section,
    company: Company,
    *,
    status: ContractStatus = ContractStatus.ACTIVE,
    period_start: date = date(2026, 4, 1),
    period_end: date = date(2027, 3, 31),
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=f"CH-{n:05d}",
        title=kwargs.pop("title", f"督促テスト業務委託{n}"),
        section_id=section.id,
        company_id=company.id,
        status=status,
        fiscal_year=fiscal_year(period_start),
        period_start=period_start,
        period_end=period_end,
        **kwargs,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def make_subcontract(
    contract: Contract,
    *,
    submitted_on: date,
    status: SubcontractStatus = SubcontractStatus.SUBMITTED,
    subcontractor: Company | None = None,
) -> SubcontractRequest:
    sub = SubcontractRequest(
        contract_id=contract.id,
        tier=1,
        requester_company_id=contract.company_id,
        subcontractor_id=(subcontractor or make_company()).id,
        work_part="データ入力",
        status=status,
        submitted_at=jst_noon(submitted_on),
    )
    db.session.add(sub)
    db.session.flush()
    return sub


def make_certificate(
    company: Company, *, expires_on: date | None, kind: CertificateKind = CertificateKind.ISMS
) -> CompanyCertificate:
    cert = CompanyCertificate(
        company_id=company.id, kind=kind, number=f"IS {next(_seq):06d}", expires_on=expires_on
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def make_inspection(
    contract: Contract,
    *,
    scheduled_on: date,
    status: InspectionStatus = InspectionStatus.SCHEDULED,
    method: InspectionMethod = InspectionMethod.ONSITE,
) -> Inspection:
    insp = Inspection(
        contract_id=contract.id,
        company_id=contract.company_id,
        fiscal_year=fiscal_year(scheduled_on),
        scheduled_on=scheduled_on,
        method=method,
        inspector_kind=InspectorKind.CITY,
        status=status,
        profile="iruma",
        performed_on=scheduled_on if status == InspectionStatus.RECORDED else None,
    )
    db.session.add(insp)
    db.session.flush()
    return insp


def make_action(
    inspection: Inspection, *, due_on: date, status: ActionStatus = ActionStatus.OPEN
) -> CorrectiveAction:
    action = CorrectiveAction(
        inspection_id=inspection.id,
        description="アクセス権限の棚卸しを行うこと",
        owner="情報システム部",
        due_on=due_on,
        status=status,
    )
    db.session.add(action)
    db.session.flush()
    return action


def make_obligation(
    contract: Contract, *, status: ObligationStatus = ObligationStatus.PENDING
) -> ErasureObligation:
    ob = ErasureObligation(
        contract_id=contract.id, party_key=0, company_id=contract.company_id, tier=0, status=status
    )
    db.session.add(ob)
    db.session.flush()
    return ob


@dataclass
class City:
    """Two sections, two contractor companies, their staff and a 総括保護管理者."""

    section: Section
    other_section: Section
    company: Company
    other_company: Company
    pm: User
    procurement: User
    other_pm: User
    other_procurement: User
    vendor: User
    vendor2: User
    other_vendor: User
    chief: User
    extra: dict[str, Any] = field(default_factory=dict)


def make_city() -> City:
    section, other_section = make_section(), make_section()
    company, other_company = make_company(), make_company()
    return City(
        section=section,
        other_section=other_section,
        company=company,
        other_company=other_company,
        pm=make_user("protection_manager", section=section),
        procurement=make_user("procurement", section=section),
        other_pm=make_user("protection_manager", section=other_section),
        other_procurement=make_user("procurement", section=other_section),
        vendor=make_user("contractor", company=company),
        vendor2=make_user("contractor", company=company),
        other_vendor=make_user("contractor", company=other_company),
        chief=make_user("chief"),
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)
