"""Factories for incidents (flushed, never committed)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from portal.account.models import User
from portal.contract.models import Contract, ContractStatus
from portal.incident import services
from portal.incident.assessment import Facts, People
from portal.incident.models import Incident, IncidentCause
from portal.incident.rules import IncidentRules, load_incident_rules
from portal.org.models import Company, Section
from tests.contract.factories import make_contract
from tests.factories import make_company, make_section, make_user
from tests.incident.test_rules import TEMPLATES

# 2026-12-05 (a Saturday) 10:00 JST: the command contract's example day.
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
TODAY = date(2026, 12, 5)


def rules(profile: str = "iruma") -> IncidentRules:
    return load_incident_rules(profile, TEMPLATES)


@dataclass(frozen=True)
class World:
    section: Section
    pm: User
    proc: User
    chief: User
    auditor: User
    company: Company
    contractor: User
    other_contractor: User
    contract: Contract


def make_world() -> World:
    section = make_section()
    company = make_company()
    return World(
        section=section,
        pm=make_user("protection_manager", section=section),
        proc=make_user("procurement", section=section),
        chief=make_user("chief"),
        auditor=make_user("auditor"),
        company=company,
        contractor=make_user("contractor", company=company),
        other_contractor=make_user("contractor"),
        contract=make_contract(section=section, company=company, status=ContractStatus.ACTIVE),
    )


SENSITIVE_FACTS = Facts(sensitive=("病歴",), people=People(120, 180))


def report_input(contract: Contract, **overrides: Any) -> services.ReportInput:
    base = services.ReportInput(
        contract=contract,
        subcontract=None,
        title="健診結果の誤送付",
        summary="健診結果通知を別の受診者に誤って送付した。",
        occurred_on=date(2026, 12, 3),
        discovered_on=date(2026, 12, 4),
        categories="氏名、住所、健診結果",
        facts=SENSITIVE_FACTS,
        cause=IncidentCause.MISDELIVERY,
        cause_detail="封入作業の確認漏れ",
        containment="誤送付先に連絡し回収した。",
    )
    return replace(base, **overrides)


def make_incident(world: World, *, actor: User | None = None, **overrides: Any) -> Incident:
    return services.report_incident(
        actor=actor or world.contractor,
        data=report_input(world.contract, **overrides),
        rules=rules(),
        now=NOW,
    )
