"""Naming a registered company by its 法人番号 in a 再委託 draft shows the contractor only the
public number and name: never the address or ISMS・Pマーク numbers the city (or another
contractor) registered about that company."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db as _db
from portal.org.models import CertificateKind, CompanyCertificate
from portal.subcontract.models import SubcontractRequest
from tests.subcontract.factories import make_world
from tests.subcontract.test_views import _post_form

SECRET_ADDRESS = "東京都港区秘密町9-9-9"
SECRET_MARK = "PM-SECRET-4711"


def _foreign_company_with_secrets(company):
    company.address = SECRET_ADDRESS
    _db.session.add(
        CompanyCertificate(
            company_id=company.id, kind=CertificateKind.PRIVACY_MARK, number=SECRET_MARK
        )
    )
    _db.session.flush()


def test_a_foreign_company_named_by_number_shows_no_registered_details(db, login_as):
    w = make_world()
    _foreign_company_with_secrets(w.gamma)
    client = login_as(w.alpha_user)

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        new_name="",
        new_address="",
        reason="",
    )
    sub = db.session.scalars(sa.select(SubcontractRequest)).one()
    pages = [
        client.get(response.headers["Location"]).get_data(as_text=True),
        client.get(f"/subcontracts/{sub.id}").get_data(as_text=True),
        client.get(f"/subcontracts/{sub.id}/edit").get_data(as_text=True),
    ]

    assert sub.subcontractor_id == w.gamma.id
    for html in pages:
        assert SECRET_ADDRESS not in html
        assert SECRET_MARK not in html
    assert w.gamma.corporate_number in pages[1]
    assert client.get(f"/companies/{w.gamma.id}").status_code in {403, 404}


def test_the_city_still_sees_the_registered_details(db, login_as):
    w = make_world()
    _foreign_company_with_secrets(w.gamma)
    contractor = login_as(w.alpha_user)
    _post_form(
        contractor,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        submit_request="申請する",
    )
    sub = db.session.scalars(sa.select(SubcontractRequest)).one()

    html = login_as(w.pm).get(f"/subcontracts/{sub.id}").get_data(as_text=True)

    assert SECRET_ADDRESS in html
    assert SECRET_MARK in html


def test_a_contractor_sees_its_own_subsidiary_in_full(db, login_as):
    w = make_world()
    w.gamma.parent_id = w.alpha.id
    _foreign_company_with_secrets(w.gamma)
    client = login_as(w.alpha_user)
    _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        reason="",
    )
    sub = db.session.scalars(sa.select(SubcontractRequest)).one()

    html = client.get(f"/subcontracts/{sub.id}").get_data(as_text=True)

    assert SECRET_MARK in html
