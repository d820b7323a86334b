"""Who sees which space: a tier sees its own space and below, never a sibling's; the
contractor sees all of its contract's spaces; another company or section gets 404."""

from __future__ import annotations

import pytest

from portal.account.models import Role
from portal.authz.exchange import can_upload_to_space, can_view_exchange_space
from portal.subcontract.models import SubcontractStatus
from tests.exchange.factories import Setup, fetch, make_tier, space_for, upload
from tests.factories import make_company, make_user


@pytest.fixture
def tiers(db):
    """contract (company A) ─ tier 1 (B) ─ tier 2 (C)
    └ tier 1 (D, a sibling of B)"""
    s = Setup()
    b, c, d = make_company(), make_company(), make_company()
    t1 = make_tier(s.contract, subcontractor=b)
    t2 = make_tier(s.contract, subcontractor=c, parent=t1)
    sibling = make_tier(s.contract, subcontractor=d)
    users = {
        "a": s.vendor,
        "b": make_user(Role.CONTRACTOR, company=b),
        "c": make_user(Role.CONTRACTOR, company=c),
        "d": make_user(Role.CONTRACTOR, company=d),
    }
    spaces = {
        "main": space_for(s.contract, None),
        "t1": space_for(s.contract, t1),
        "t2": space_for(s.contract, t2),
        "sibling": space_for(s.contract, sibling),
    }
    return s, users, spaces, (t1, t2, sibling)


def _visible(user, spaces):
    return {name for name, space in spaces.items() if can_view_exchange_space(user, space)}


def test_the_contractor_sees_every_space_of_its_contract(tiers):
    _s, users, spaces, _ = tiers

    assert _visible(users["a"], spaces) == {"main", "t1", "t2", "sibling"}


def test_a_tier_sees_its_own_space_and_below_but_not_a_siblings_nor_the_contracts(tiers):
    _s, users, spaces, _ = tiers

    assert _visible(users["b"], spaces) == {"t1", "t2"}
    assert _visible(users["c"], spaces) == {"t2"}
    assert _visible(users["d"], spaces) == {"sibling"}


def test_section_staff_and_city_wide_readers_see_every_space_but_admin_none(tiers):
    s, _users, spaces, _ = tiers

    assert _visible(s.clerk, spaces) == set(spaces)
    assert _visible(make_user(Role.AUDITOR), spaces) == set(spaces)
    assert _visible(make_user(Role.CHIEF), spaces) == set(spaces)
    assert _visible(make_user(Role.ADMIN), spaces) == set()
    assert _visible(make_user(Role.PROCUREMENT), spaces) == set()  # another section


def test_only_the_spaces_own_company_and_the_city_upload_into_it(tiers):
    s, users, spaces, _ = tiers

    assert can_upload_to_space(users["b"], spaces["t1"])
    assert not can_upload_to_space(users["b"], spaces["t2"])  # sees it, but it is C's space
    assert not can_upload_to_space(users["a"], spaces["t1"])
    assert can_upload_to_space(s.clerk, spaces["t2"])
    assert not can_upload_to_space(make_user(Role.AUDITOR), spaces["main"])


def test_a_withdrawn_link_closes_the_spaces_below_it_to_the_companies_below(tiers):
    _s, users, spaces, (t1, _t2, _sibling) = tiers

    t1.status = SubcontractStatus.WITHDRAWN

    assert _visible(users["b"], spaces) == set()
    assert _visible(users["c"], spaces) == set()  # C worked under B's voided link
    assert _visible(users["a"], spaces) == {"main", "t1", "t2", "sibling"}


def test_an_expired_tier_keeps_its_space(tiers):
    _s, users, spaces, (t1, _t2, _sibling) = tiers

    t1.status = SubcontractStatus.EXPIRED

    assert _visible(users["b"], spaces) == {"t1", "t2"}


def test_a_sibling_tier_gets_404_for_every_url_of_another_tiers_space(tiers, tmp_path, login_as):
    _s, users, spaces, _ = tiers
    version = upload(tmp_path, actor=users["b"], space=spaces["t1"])
    from portal.exchange import services

    folder = services.create_folder(actor=users["b"], space=spaces["t1"], name="B社")
    client = login_as(users["d"])

    statuses = [
        client.get(f"/exchange/spaces/{spaces['t1'].id}").status_code,
        client.get(f"/exchange/documents/{version.document_id}").status_code,
        fetch(client, f"/exchange/versions/{version.id}/download").status_code,
        fetch(client, f"/exchange/versions/{version.id}/view").status_code,
        fetch(client, f"/exchange/folders/{folder.id}/zip").status_code,
    ]

    assert statuses == [404] * 5


def test_another_company_gets_404_for_the_contract_and_its_documents(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    stranger = make_user(Role.CONTRACTOR, company=make_company())
    client = login_as(stranger)

    assert client.get(f"/exchange/contracts/{s.contract.id}").status_code == 404
    assert client.get(f"/exchange/spaces/{s.space.id}").status_code == 404
    assert client.get(f"/exchange/documents/{version.document_id}").status_code == 404
    assert fetch(client, f"/exchange/versions/{version.id}/download").status_code == 404
    assert s.contract.number not in client.get("/exchange").get_data(as_text=True)


def test_staff_of_another_section_get_404(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space)
    client = login_as(make_user(Role.PROTECTION_MANAGER))

    assert client.get(f"/exchange/spaces/{s.space.id}").status_code == 404
    assert fetch(client, f"/exchange/versions/{version.id}/download").status_code == 404


def test_the_administrator_is_refused_every_exchange_page(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space)
    client = login_as(make_user(Role.ADMIN))

    assert client.get("/exchange").status_code == 403
    assert client.get(f"/exchange/spaces/{s.space.id}").status_code == 403
    assert fetch(client, f"/exchange/versions/{version.id}/download").status_code == 403
    assert client.get("/exchange/access-records").status_code == 403


def test_a_tier_company_finds_the_contract_in_its_list_and_only_its_spaces_on_it(tiers, login_as):
    s, users, spaces, _ = tiers
    client = login_as(users["b"])

    listing = client.get("/exchange").get_data(as_text=True)
    page = client.get(f"/exchange/contracts/{s.contract.id}").get_data(as_text=True)

    assert s.contract.number in listing
    assert f"/exchange/spaces/{spaces['t1'].id}" in page
    assert f"/exchange/spaces/{spaces['t2'].id}" in page
    assert f'/exchange/spaces/{spaces["main"].id}"' not in page
    assert f'/exchange/spaces/{spaces["sibling"].id}"' not in page


def test_a_tier_upload_through_the_form_into_a_space_below_is_forbidden(
    tiers, login_as, csrf_token
):
    import io

    _s, users, spaces, _ = tiers
    client = login_as(users["b"])
    token = csrf_token(f"/exchange/spaces/{spaces['t1'].id}")

    response = client.post(
        f"/exchange/spaces/{spaces['t2'].id}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(b"a,b\r\n1,2\r\n"), "x.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 403


def test_the_contract_page_get_creates_no_space_and_the_button_opens_them(db, login_as, csrf_token):
    import sqlalchemy as sa

    from portal.audit.models import AuditEntry
    from portal.exchange.models import ExchangeSpace
    from tests.exchange.factories import make_contract
    from tests.factories import make_company, make_section, make_user

    section, company = make_section(), make_company()
    contract = make_contract(section=section, company=company)
    vendor = make_user(Role.CONTRACTOR, company=company)
    client = login_as(vendor)

    def counts():
        spaces = db.session.scalar(sa.select(sa.func.count(ExchangeSpace.id)))
        entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
        return spaces, entries

    before = counts()
    page = client.get(f"/exchange/contracts/{contract.id}")

    assert page.status_code == 200
    assert "まだ開かれていません" in page.get_data(as_text=True)
    assert counts() == before
    token = csrf_token(f"/exchange/contracts/{contract.id}")
    response = client.post(f"/exchange/contracts/{contract.id}/spaces", data={"csrf_token": token})
    assert response.status_code == 302
    assert counts()[0] == before[0] + 1
    assert "まだ開かれていません" not in client.get(f"/exchange/contracts/{contract.id}").get_data(
        as_text=True
    )
