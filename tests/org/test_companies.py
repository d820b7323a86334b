from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.account.models import SYSTEM
from portal.errors import PortalError
from portal.org import services
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import Company
from tests.factories import make_company, make_user


@pytest.mark.parametrize("number", ["7000012050002", "9010001000015", "8030001000014"])
def test_valid_corporate_numbers_pass_the_check_digit(number):
    assert is_valid_corporate_number(number)


@pytest.mark.parametrize(
    "number", ["8000012050002", "700001205000", "70000120500021", "700001205000A", ""]
)
def test_invalid_corporate_numbers_fail(number):
    assert not is_valid_corporate_number(number)


def test_full_width_digits_and_hyphens_are_normalised():
    assert normalize_corporate_number("７０００-０１２０-５０００２") == "7000012050002"


def _form(csrf_token, path, **data):
    return {"csrf_token": csrf_token(path), "address": "", "parent_id": 0, **data}


def test_procurement_registers_a_company(db, login_as, csrf_token):
    client = login_as(make_user("procurement"))

    response = client.post(
        "/companies/new",
        data=_form(
            csrf_token,
            "/companies/new",
            name="株式会社テスト登録",
            corporate_number="７００００１２０５０００２",
        ),
    )

    assert response.status_code == 302
    company = db.session.scalar(sa.select(Company).where(Company.name == "株式会社テスト登録"))
    assert company.corporate_number == "7000012050002"


def test_bad_check_digit_gets_a_clear_message_and_saves_nothing(db, login_as, csrf_token):
    client = login_as(make_user("procurement"))

    response = client.post(
        "/companies/new",
        data=_form(
            csrf_token, "/companies/new", name="株式会社不正番号", corporate_number="8000012050002"
        ),
    )

    assert response.status_code == 422
    assert "チェックデジット" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Company).where(Company.name == "株式会社不正番号")) is None


def test_duplicate_corporate_number_is_refused(db):
    existing = make_company()

    with pytest.raises(PortalError, match="既に登録"):
        services.create_company(
            actor=SYSTEM, name="別名", corporate_number=existing.corporate_number
        )


def test_parent_cycle_is_refused(db):
    parent = make_company()
    child = make_company(parent_id=parent.id)

    with pytest.raises(PortalError, match="循環"):
        services.update_company(
            actor=SYSTEM,
            company=parent,
            name=parent.name,
            corporate_number=parent.corporate_number,
            address="",
            parent_id=child.id,
        )


def test_contractor_sees_own_company_but_not_another(db, login_as):
    own = make_company()
    other = make_company()
    client = login_as(make_user("contractor", company=own))

    assert client.get(f"/companies/{own.id}").status_code == 200
    assert client.get(f"/companies/{other.id}").status_code == 404


def test_certificate_with_expiry_is_recorded(db, login_as, csrf_token):
    company = make_company()
    client = login_as(make_user("protection_manager"))
    path = f"/companies/{company.id}"

    response = client.post(
        f"{path}/certificates",
        data={
            "csrf_token": csrf_token(path),
            "kind": "isms",
            "number": "IS 999",
            "expires_on": "2027-03-31",
        },
    )

    assert response.status_code == 302
    assert "IS 999" in client.get(path).get_data(as_text=True)
    assert "令和9年3月31日" in client.get(path).get_data(as_text=True)


def test_company_list_loads_certificates_without_n_plus_one(db, login_as, count_queries):
    client = login_as(make_user("auditor"))
    for _ in range(3):
        make_company()
    with count_queries() as few:
        client.get("/companies")
    for _ in range(20):
        make_company()

    with count_queries() as many:
        client.get("/companies")

    assert len(many) == len(few)
