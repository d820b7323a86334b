"""Test data for the 再委託 feature: contracts are made directly with the contract model."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.account.models import User
from portal.audit.models import AuditEntry
from portal.contract.models import Contract, ContractStatus, HandlingLocation
from portal.extensions import db
from portal.notification.models import Notification
from portal.org.models import Company, Section
from portal.subcontract.models import SubcontractEvent, SubcontractRequest, SubcontractStatus
from portal.subcontract.services import RequestDetails
from tests.factories import make_company, make_section, make_user

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 令和8年度
_seq = itertools.count(1)


def make_contract(
    *,
    section: Section | None = None,
    company: Company | None = None,
    status: ContractStatus = ContractStatus.ACTIVE,
    period_start: date = date(2026, 4, 1),
    period_end: date = date(2027, 3, 31),
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=kwargs.pop("number", f"TEST-SUB-{n:05d}"),
        title=kwargs.pop("title", f"テスト業務委託{n}"),
        section_id=(section or make_section()).id,
        company_id=(company or make_company()).id,
        status=status,
        fiscal_year=period_start.year if period_start.month >= 4 else period_start.year - 1,
        period_start=period_start,
        period_end=period_end,
        pi_categories="氏名、住所",
        people_count=1000,
        **kwargs,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def details(**overrides: Any) -> RequestDetails:
    """A complete request (everything the submission needs)."""
    values: dict[str, Any] = {
        "work_part": "データ入力業務の一部",
        "pi_description": "氏名、住所、生年月日",
        "people_count": 500,
        "location": HandlingLocation.CONTRACTOR_SITE,
        "location_detail": "東京都千代田区の事業所",
        "reason": "繁忙期の入力量に対応するため",
        "safeguards": "入退室管理、業務端末の持出し禁止",
        "same_measures_pledged": True,
    }
    values.update(overrides)
    return RequestDetails(**values)


@dataclass
class World:
    """One section with its 保護管理者 and 契約担当, the prime contractor alpha (with a user)
    and an active contract; gamma, beta and delta are companies with a user each."""

    section: Section
    pm: User
    proc: User
    alpha: Company
    alpha_user: User
    gamma: Company
    gamma_user: User
    beta: Company
    beta_user: User
    delta: Company
    delta_user: User
    contract: Contract


def make_world(**contract_kwargs: Any) -> World:
    n = next(_seq)  # unique names: several worlds may share one page
    section = make_section()
    alpha = make_company(f"アルファ株式会社{n}")
    gamma = make_company(f"ガンマ株式会社{n}")
    beta = make_company(f"ベータ株式会社{n}")
    delta = make_company(f"デルタ株式会社{n}")
    return World(
        section=section,
        pm=make_user("protection_manager", section=section),
        proc=make_user("procurement", section=section),
        alpha=alpha,
        alpha_user=make_user("contractor", company=alpha),
        gamma=gamma,
        gamma_user=make_user("contractor", company=gamma),
        beta=beta,
        beta_user=make_user("contractor", company=beta),
        delta=delta,
        delta_user=make_user("contractor", company=delta),
        contract=make_contract(section=section, company=alpha, **contract_kwargs),
    )


def make_request(
    *,
    contract: Contract,
    subcontractor: Company,
    parent: SubcontractRequest | None = None,
    status: SubcontractStatus = SubcontractStatus.SUBMITTED,
    created_by: User | None = None,
    **kwargs: Any,
) -> SubcontractRequest:
    """A request in any state, written directly (set-up for rules and lists)."""
    requester_id = parent.subcontractor_id if parent is not None else contract.company_id
    submitted = status != SubcontractStatus.DRAFT
    approved = status == SubcontractStatus.APPROVED or kwargs.pop("was_approved", False)
    sub = SubcontractRequest(
        contract=contract,
        parent=parent,
        tier=parent.tier + 1 if parent is not None else 1,
        requester_company_id=requester_id,
        subcontractor=subcontractor,
        status=status,
        work_part="入力業務",
        pi_description="氏名、住所",
        people_count=100,
        location_detail="事業所",
        reason="理由",
        safeguards="措置",
        same_measures_pledged=True,
        submitted_at=NOW - timedelta(days=3) if submitted else None,
        approved_at=NOW - timedelta(days=1) if approved else None,
        decided_at=NOW - timedelta(days=1) if approved else None,
        created_by_id=created_by.id if created_by is not None else None,
        **kwargs,
    )
    db.session.add(sub)
    db.session.flush()
    return sub


@dataclass(frozen=True)
class Snapshot:
    requests: list[tuple[int, str, int, str, str]]
    events: int
    audit: int
    notifications: int
    companies: int


def snapshot() -> Snapshot:
    """Everything a refused action must leave untouched."""
    db.session.flush()
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(
            SubcontractRequest.id,
            SubcontractRequest.status,
            SubcontractRequest.subcontractor_id,
            SubcontractRequest.work_part,
            SubcontractRequest.decision_reason,
        ).order_by(SubcontractRequest.id)
    ).all()

    def count(model: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    return Snapshot(
        requests=[(r[0], str(r[1]), r[2], r[3], r[4]) for r in rows],
        events=count(SubcontractEvent),
        audit=count(AuditEntry),
        notifications=count(Notification),
        companies=count(Company),
    )
