"""Sections and companies: creation and edits, each audited in the same transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import Actor
from portal.audit.services import record
from portal.db import contains
from portal.errors import PortalError
from portal.extensions import db
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CertificateKind, Company, CompanyCertificate, Section


def create_section(*, actor: Actor, code: str, name: str) -> Section:
    """Admin registers a 課."""
    if db.session.scalar(
        sa.select(Section.id).where(sa.or_(Section.code == code, Section.name == name))
    ):
        raise PortalError("同じ課コードまたは課名が既に登録されています。")
    section = Section(code=code, name=name)
    db.session.add(section)
    db.session.flush()
    record(actor, "section.created", section, data={"code": code})
    return section


def _check_company(number: str, company_id: int | None, parent_id: int | None) -> str:
    number = normalize_corporate_number(number)
    if not is_valid_corporate_number(number):
        raise PortalError("法人番号のチェックデジットが正しくありません。")
    clash = db.session.scalar(sa.select(Company.id).where(Company.corporate_number == number))
    if clash is not None and clash != company_id:
        raise PortalError(f"法人番号 {number} の事業者は既に登録されています。")
    if parent_id is not None and company_id is not None:
        # No cycles in capital relationships.
        seen = {company_id}
        current: int | None = parent_id
        while current is not None:
            if current in seen:
                raise PortalError("親会社の指定が循環しています。")
            seen.add(current)
            current = db.session.scalar(sa.select(Company.parent_id).where(Company.id == current))
    return number


def create_company(
    *,
    actor: Actor,
    name: str,
    corporate_number: str,
    address: str = "",
    parent_id: int | None = None,
) -> Company:
    """Register a contractor company; 法人番号 must be valid and unique."""
    number = _check_company(corporate_number, None, parent_id)
    company = Company(name=name, corporate_number=number, address=address, parent_id=parent_id)
    db.session.add(company)
    db.session.flush()
    record(actor, "company.created", company, data={"corporate_number": number})
    return company


def update_company(
    *,
    actor: Actor,
    company: Company,
    name: str,
    corporate_number: str,
    address: str,
    parent_id: int | None,
) -> None:
    """Edit a company's master data."""
    number = _check_company(corporate_number, company.id, parent_id)
    before = {
        "name": company.name,
        "corporate_number": company.corporate_number,
        "parent_id": company.parent_id,
    }
    company.name, company.corporate_number, company.address, company.parent_id = (
        name,
        number,
        address,
        parent_id,
    )
    record(
        actor,
        "company.updated",
        company,
        data={
            "before": before,
            "after": {"name": name, "corporate_number": number, "parent_id": parent_id},
        },
    )
    db.session.flush()


def add_certificate(
    *, actor: Actor, company: Company, kind: CertificateKind, number: str, expires_on: date | None
) -> CompanyCertificate:
    """Record an ISMS / Pマーク / ISMAP certificate with its expiry."""
    cert = CompanyCertificate(company=company, kind=kind, number=number, expires_on=expires_on)
    db.session.add(cert)
    db.session.flush()
    record(
        actor,
        "company.certificate_added",
        cert,
        data={"company_id": company.id, "kind": kind.value},
    )
    return cert


def remove_certificate(*, actor: Actor, cert: CompanyCertificate) -> None:
    """Remove a lapsed or mistaken certificate entry."""
    record(
        actor,
        "company.certificate_removed",
        cert,
        data={"company_id": cert.company_id, "kind": cert.kind.value},
    )
    db.session.delete(cert)
    db.session.flush()


# --- queries the screens list --------------------------------------------------------------


def sections() -> list[Section]:
    """Every 課, by code."""
    return list(db.session.scalars(sa.select(Section).order_by(Section.code)))


def section_choices() -> list[tuple[int, str]]:
    """(id, name) of every 課, by code, for a select box."""
    return [
        (i, n)
        for i, n in db.session.execute(sa.select(Section.id, Section.name).order_by(Section.code))
    ]


def company_choices(*, exclude_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of every company, by name, for a select box (without `exclude_id`)."""
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name))
    return [(i, n) for i, n in rows if i != exclude_id]


def search_companies_stmt(q: str) -> sa.Select[Company]:
    """Companies whose name or 法人番号 contains `q`, certificates loaded, by name."""
    stmt = sa.select(Company).options(so.selectinload(Company.certificates)).order_by(Company.name)
    if q:
        stmt = stmt.where(sa.or_(contains(Company.name, q), contains(Company.corporate_number, q)))
    return stmt


def companies_section_ids(company_ids: Collection[int]) -> dict[int, set[int]]:
    """For each company, the 課 whose contracts it holds or works under as a 再委託先 (a
    request past its draft): whose staff may manage its master data
    (portal.authz.org.can_manage_company). One query for any number of companies."""
    from portal.contract.models import Contract
    from portal.subcontract.models import SubcontractRequest, SubcontractStatus

    found: dict[int, set[int]] = {cid: set() for cid in company_ids}
    ids = list(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        direct = sa.select(Contract.company_id, Contract.section_id).where(
            Contract.company_id.in_(chunk)
        )
        via_subcontract = (
            sa.select(SubcontractRequest.subcontractor_id, Contract.section_id)
            .join(Contract, SubcontractRequest.contract_id == Contract.id)
            .where(
                SubcontractRequest.subcontractor_id.in_(chunk),
                SubcontractRequest.status != SubcontractStatus.DRAFT,
            )
        )
        for company_id, section_id in db.session.execute(sa.union(direct, via_subcontract)):
            found[company_id].add(section_id)
    return found


def company_section_ids(company_id: int) -> set[int]:
    return companies_section_ids([company_id])[company_id]
