"""Test data for inspections: contracts, tiers and inspections written directly (flushed,
never committed), and the city profiles loaded from contract_templates/profiles."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from reportlab.pdfgen import canvas

from portal.account.models import User
from portal.config import ROOT_DIR
from portal.contract.models import Contract, ContractStatus
from portal.extensions import db
from portal.inspection.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionMethod,
    InspectionStatus,
    InspectorKind,
    ItemResult,
)
from portal.org.models import Company, Section
from portal.profile import Profile, load_profile
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from portal.wareki import fiscal_year
from tests.factories import make_company, make_section, make_user

_seq = itertools.count(1)
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def profile(name: str) -> Profile:
    return load_profile(name, ROOT_DIR / "contract_templates")


def make_contract(
    *,
    section: Section,
    company: Company,
    status: ContractStatus = ContractStatus.ACTIVE,
    period_start: date = date(2025, 4, 1),
    period_end: date = date(2028, 3, 31),
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=kwargs.pop("number", f"INSP-{n:05d}"),
        title=kwargs.pop("title", f"検査テスト業務委託{n}"),
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


def make_tier(
    contract: Contract,
    subcontractor: Company,
    *,
    parent: SubcontractRequest | None = None,
    status: SubcontractStatus = SubcontractStatus.APPROVED,
    decided_at: datetime = datetime(2025, 4, 10, 1, 0, tzinfo=UTC),
) -> SubcontractRequest:
    tier = SubcontractRequest(
        contract_id=contract.id,
        parent_id=parent.id if parent else None,
        tier=(parent.tier + 1) if parent else 1,
        requester_company_id=parent.subcontractor_id if parent else contract.company_id,
        subcontractor_id=subcontractor.id,
        status=status,
        decided_at=decided_at,
    )
    db.session.add(tier)
    db.session.flush()
    return tier


def make_inspection(
    contract: Contract,
    *,
    prof: Profile,
    fy: int,
    tier: SubcontractRequest | None = None,
    status: InspectionStatus = InspectionStatus.SCHEDULED,
    method: InspectionMethod = InspectionMethod.ONSITE,
    scheduled_on: date | None = None,
    results: dict[str, ItemResult] | None = None,
    default_result: ItemResult = ItemResult.OK,
    actions: Iterable[tuple[str, ActionStatus, date]] = (),
    inspector: User | None = None,
) -> Inspection:
    """An inspection in any state; recorded ones get a result for every item."""
    when = scheduled_on or date(fy, 10, 1)
    inspection = Inspection(
        contract_id=contract.id,
        subcontract_id=tier.id if tier else None,
        company_id=tier.subcontractor_id if tier else contract.company_id,
        fiscal_year=fy,
        scheduled_on=when,
        method=method,
        written_reason="理由" if method == InspectionMethod.WRITTEN else "",
        inspector_kind=InspectorKind.CITY,
        inspector_user_id=inspector.id if inspector else None,
        status=status,
        profile=prof.name,
        performed_on=when if status == InspectionStatus.RECORDED else None,
        recorded_at=NOW if status == InspectionStatus.RECORDED else None,
    )
    db.session.add(inspection)
    db.session.flush()
    items = {}
    for n, item in enumerate(prof.inspection.checklist, start=1):
        result = None
        if status == InspectionStatus.RECORDED:
            result = (results or {}).get(item.key, default_result)
        items[item.key] = InspectionItem(
            inspection_id=inspection.id, position=n, key=item.key, label=item.label, result=result
        )
        db.session.add(items[item.key])
    db.session.flush()
    for key, action_status, due in actions:
        db.session.add(
            CorrectiveAction(
                inspection_id=inspection.id,
                item_id=items[key].id,
                description="改善すること",
                owner="業務責任者",
                due_on=due,
                status=action_status,
            )
        )
    db.session.flush()
    db.session.expire(inspection)
    return inspection


@dataclass
class World:
    """A section with its 保護管理者 and 契約担当, two companies with a user each (alpha is
    the contractor, gamma its subcontractor), another company (delta), and an active
    contract running 令和7年度〜令和9年度 with one approved tier (alpha → gamma)."""

    section: Section
    pm: User
    proc: User
    alpha: Company
    alpha_user: User
    gamma: Company
    gamma_user: User
    delta: Company
    delta_user: User
    contract: Contract
    tier: SubcontractRequest


def make_world() -> World:
    section = make_section()
    alpha, gamma, delta = make_company(), make_company(), make_company()
    contract = make_contract(section=section, company=alpha)
    return World(
        section=section,
        pm=make_user("protection_manager", section=section),
        proc=make_user("procurement", section=section),
        alpha=alpha,
        alpha_user=make_user("contractor", company=alpha),
        gamma=gamma,
        gamma_user=make_user("contractor", company=gamma),
        delta=delta,
        delta_user=make_user("contractor", company=delta),
        contract=contract,
        tier=make_tier(contract, gamma),
    )


def pdf_bytes(text: str = "Evidence") -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def jpeg_with_gps() -> bytes:
    """A small photo whose EXIF names the camera owner and a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "山田 太郎"  # Artist
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 51.0, 24.5), "E", (139.0, 23.0, 27.8)
    buf = io.BytesIO()
    Image.effect_noise((320, 240), 60).convert("RGB").save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()
