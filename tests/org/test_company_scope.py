"""Who may change a company's master data and certificates: the administrator any company;
section staff (契約担当者・保護管理者) only companies working for their own 課, or not yet
tied to any 課. A 保護管理者 of one 課 cannot delete another 課's contractor's certificates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.dataio.plan import make_importer
from portal.dataio.sheet import SheetRow
from portal.extensions import db as _db
from portal.org.models import CertificateKind, CompanyCertificate
from portal.subcontract.models import SubcontractStatus
from tests.factories import make_company, make_section, make_user
from tests.subcontract.factories import make_contract, make_request


def _cert(company):
    cert = CompanyCertificate(company_id=company.id, kind=CertificateKind.ISMS, number="IS 123")
    _db.session.add(cert)
    _db.session.flush()
    return cert


@pytest.fixture
def world(db):
    own, other = make_section(), make_section()
    ours = make_company()  # holds a contract of our 課
    theirs = make_company()  # holds a contract of another 課
    sub_of_ours = make_company()  # asked for as 再委託先 under our contract
    draft_only = make_company()  # named only in a draft under our contract
    loose = make_company()  # no contract anywhere yet
    ours_contract = make_contract(section=own, company=ours)
    make_contract(section=other, company=theirs)
    make_request(contract=ours_contract, subcontractor=sub_of_ours)
    make_request(contract=ours_contract, subcontractor=draft_only, status=SubcontractStatus.DRAFT)
    make_contract(section=other, company=draft_only)
    return {
        "section": own,
        "ours": ours,
        "theirs": theirs,
        "sub_of_ours": sub_of_ours,
        "draft_only": draft_only,
        "loose": loose,
    }


# (role, company) -> may change; every section-staff user belongs to our 課.
EXPECTED = {
    ("admin", "ours"): True,
    ("admin", "theirs"): True,
    ("admin", "sub_of_ours"): True,
    ("admin", "draft_only"): True,
    ("admin", "loose"): True,
    ("protection_manager", "ours"): True,
    ("protection_manager", "theirs"): False,
    ("protection_manager", "sub_of_ours"): True,
    ("protection_manager", "draft_only"): False,
    ("protection_manager", "loose"): True,
    ("procurement", "ours"): True,
    ("procurement", "theirs"): False,
    ("procurement", "sub_of_ours"): True,
    ("procurement", "draft_only"): False,
    ("procurement", "loose"): True,
}


def _user(role, world):
    return make_user(role, section=world["section"] if role != "admin" else None)


@pytest.mark.parametrize(("role", "which"), sorted(EXPECTED))
def test_certificate_delete_follows_the_scope_table(world, login_as, csrf_token, role, which):
    company = world[which]
    cert = _cert(company)
    client = login_as(_user(role, world))
    path = f"/companies/{company.id}"

    response = client.post(
        f"{path}/certificates/{cert.id}/delete", data={"csrf_token": csrf_token(path)}
    )

    still_there = _db.session.get(CompanyCertificate, cert.id) is not None
    if EXPECTED[(role, which)]:
        assert response.status_code == 302
        assert not still_there
    else:
        assert response.status_code == 403
        assert still_there


@pytest.mark.parametrize(("role", "which"), sorted(EXPECTED))
def test_certificate_add_and_edit_follow_the_scope_table(world, login_as, csrf_token, role, which):
    company = world[which]
    client = login_as(_user(role, world))
    path = f"/companies/{company.id}"

    added = client.post(
        f"{path}/certificates",
        data={"csrf_token": csrf_token(path), "kind": "isms", "number": "IS 777"},
    )
    edit = client.get(f"{path}/edit")
    page = client.get(path).get_data(as_text=True)

    numbers = _db.session.scalars(
        sa.select(CompanyCertificate.number).where(CompanyCertificate.company_id == company.id)
    ).all()
    may = EXPECTED[(role, which)]
    assert added.status_code == (302 if may else 403)
    assert ("IS 777" in numbers) is may
    assert edit.status_code == (200 if may else 403)
    assert ("認証を追加" in page) is may


def test_an_import_cannot_change_another_sections_company(world):
    importer = make_importer("companies", _user("protection_manager", world))
    theirs, ours = world["theirs"], world["ours"]
    importer.prepare([theirs.corporate_number, ours.corporate_number])

    refused = importer.check(
        SheetRow(2, {"corporate_number": theirs.corporate_number, "name": "上書き株式会社"}),
        theirs.corporate_number,
    )
    allowed = importer.check(
        SheetRow(3, {"corporate_number": ours.corporate_number, "name": "自課株式会社"}),
        ours.corporate_number,
    )

    assert any("他の課の委託先" in message for _column, message in refused.problems)
    assert allowed.problems == []
