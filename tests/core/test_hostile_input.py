"""Hand-made requests get a clear Japanese answer, never a 500 (HELPERS.md)."""

from __future__ import annotations

import pytest

from portal.account.models import SYSTEM
from portal.audit.services import record
from tests.factories import make_company, make_user


@pytest.mark.parametrize(
    "url",
    [
        "/audit?actor=%00",
        "/companies?q=a%00b",
        "/admin/users?q=%00",
        "/contracts?q=%00",
    ],
)
def test_a_nul_character_in_the_query_is_a_japanese_400_not_a_database_error(db, login_as, url):
    # PostgreSQL refuses U+0000 in text parameters; before the check this was a 500 there.
    role = "admin" if url.startswith("/admin") else "auditor"
    client = login_as(make_user(role))

    response = client.get(url)

    assert response.status_code == 400
    assert "NUL文字" in response.get_data(as_text=True)


def test_a_nul_character_in_a_posted_field_saves_nothing(db, login_as, csrf_token):
    client = login_as(make_user("admin"))

    response = client.post(
        "/admin/sections",
        data={"csrf_token": csrf_token("/admin/sections"), "code": "X1", "name": "課\x00"},
    )

    assert response.status_code == 400
    assert "課\x00" not in client.get("/admin/sections").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01",
        "to=0001-01-01",
        "from=99999-01-01",
        "object_id=%C2%B2",
        "object_id=99999999999999999999999",
        "contract_id=-1",
    ],
)
def test_absurd_audit_filters_are_ignored_not_a_500(db, login_as, query):
    client = login_as(make_user("auditor"))

    page = client.get(f"/audit?{query}")
    export = client.get(f"/audit/export.csv?{query}")

    assert page.status_code == 200
    assert export.status_code == 200


def test_query_keys_that_url_for_reads_itself_do_not_break_the_pager(db, login_as):
    for _ in range(55):
        make_company()
    client = login_as(make_user("auditor"))

    response = client.get("/companies?endpoint=x&_external=1&_scheme=javascript&q=")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/companies?q=&amp;page=2"' in html
    assert "javascript" not in html


def test_the_audit_export_link_keeps_the_filters_but_not_the_page(db, login_as):
    for _ in range(3):
        record(SYSTEM, "test.entry")
    client = login_as(make_user("auditor"))

    html = client.get("/audit?action=test.&page=1&endpoint=x").get_data(as_text=True)

    assert 'href="/audit/export.csv?action=test."' in html


def test_a_date_typed_by_hand_gets_a_japanese_message(db, login_as, csrf_token):
    company = make_company()
    client = login_as(make_user("protection_manager"))
    path = f"/companies/{company.id}"

    response = client.post(
        f"{path}/certificates",
        data={"csrf_token": csrf_token(path), "kind": "isms", "number": "1", "expires_on": "abc"},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "「abc」を日付として読めません" in html
    assert "Not a valid" not in html
