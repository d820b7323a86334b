"""自社情報・認証: a contractor keeps its record current; what the city relies on (certificates,
name, 法人番号) changes only after city staff have checked it; every step is audited."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.org.models import (
    CertificateKind,
    ChangeRequestStatus,
    Company,
    CompanyCertificate,
    CompanyChangeRequest,
)
from portal.wareki import today_jst
from tests.factories import make_company, make_user


def _actions(db):
    return [a for (a,) in db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq))]


def _contractor(company=None):
    company = company or make_company("株式会社自社テスト")
    return company, make_user("contractor", company=company)


def _next_year() -> str:
    return (today_jst() + timedelta(days=365)).isoformat()


def test_the_contractor_menu_leads_to_its_own_company_only(db, login_as):
    _company, user = _contractor()
    make_company("株式会社よその会社")
    client = login_as(user)

    page = client.get("/my-company").get_data(as_text=True)

    assert 'href="/my-company"' in page
    assert "株式会社自社テスト" in page
    assert "株式会社よその会社" not in page


def test_the_contractor_changes_its_contact_and_the_change_is_audited(db, login_as, csrf_token):
    company, user = _contractor()
    client = login_as(user)

    response = client.post(
        "/my-company/contact",
        data={
            "csrf_token": csrf_token("/my-company"),
            "contact_name": "山田　花子",
            "contact_email": "Hanako@Example.JP",
            "address": "埼玉県入間市豊岡1-2-3",
        },
    )

    assert response.status_code == 302
    assert (company.contact_name, company.contact_email) == ("山田 花子", "hanako@example.jp")
    assert company.address == "埼玉県入間市豊岡1-2-3"
    assert _actions(db)[-1] == "company.contact_updated"


def test_a_bad_address_keeps_what_was_typed_and_changes_nothing(db, login_as, csrf_token):
    company, user = _contractor()
    before = company.address
    client = login_as(user)

    response = client.post(
        "/my-company/contact",
        data={
            "csrf_token": csrf_token("/my-company"),
            "contact_name": "山田 花子",
            "contact_email": "not-an-address",
            "address": "新しい所在地",
        },
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "メールアドレスの形式が正しくありません。" in html
    assert 'value="新しい所在地"' in html
    assert company.address == before
    assert "company.contact_updated" not in _actions(db)


def test_a_certificate_the_contractor_registers_waits_for_the_citys_check(db, login_as, csrf_token):
    company, user = _contractor()
    client = login_as(user)

    response = client.post(
        "/my-company/certificates",
        data={
            "csrf_token": csrf_token("/my-company"),
            "kind": "privacy_mark",
            "number": "第10800099号",
            "scope": "本社",
            "expires_on": "令和10年3月31日",
        },
    )

    assert response.status_code == 302
    cert = db.session.scalar(
        sa.select(CompanyCertificate).where(CompanyCertificate.company_id == company.id)
    )
    assert cert.expires_on == date(2028, 3, 31)
    assert cert.awaiting_confirmation
    assert "市の確認待ち" in client.get("/my-company").get_data(as_text=True)

    # The contractor cannot confirm its own certificate.
    denied = client.post(
        f"/companies/{company.id}/certificates/{cert.id}/confirm",
        data={"csrf_token": csrf_token("/my-company")},
    )
    assert denied.status_code == 403
    assert cert.awaiting_confirmation

    staff = login_as(make_user("procurement"))
    detail = f"/companies/{company.id}"
    assert "委託先が登録・市の確認待ち" in staff.get(detail).get_data(as_text=True)
    confirmed = staff.post(
        f"{detail}/certificates/{cert.id}/confirm", data={"csrf_token": csrf_token(detail)}
    )
    assert confirmed.status_code == 302
    assert not cert.awaiting_confirmation
    page = staff.get(detail).get_data(as_text=True)
    assert "委託先が認証を登録（市の確認待ち）" in page
    assert "市が認証を確認" in page
    assert _actions(db)[-2:] == ["company.certificate_submitted", "company.certificate_confirmed"]


def test_an_expired_or_duplicate_certificate_is_refused(db, login_as, csrf_token):
    company, user = _contractor()
    client = login_as(user)
    form = {
        "kind": "isms",
        "number": "IS 999",
        "scope": "",
        "expires_on": (today_jst() - timedelta(days=1)).isoformat(),
    }

    expired = client.post(
        "/my-company/certificates", data={"csrf_token": csrf_token("/my-company"), **form}
    )
    assert expired.status_code == 422
    assert "有効期限が過ぎた認証は登録できません" in expired.get_data(as_text=True)

    form["expires_on"] = _next_year()
    for expected in (302, 422):
        response = client.post(
            "/my-company/certificates", data={"csrf_token": csrf_token("/my-company"), **form}
        )
        assert response.status_code == expected
    assert "登録済みです" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CompanyCertificate)
            .where(CompanyCertificate.company_id == company.id)
        )
        == 1
    )


def test_another_companys_certificate_cannot_be_confirmed_through_this_company(
    db, login_as, csrf_token
):
    company, _user = _contractor()
    other = make_company()
    foreign = CompanyCertificate(
        company=other, kind=CertificateKind.ISMS, number="X", submitted_by_id=_user.id
    )
    db.session.add(foreign)
    db.session.flush()
    staff = login_as(make_user("procurement"))

    response = staff.post(
        f"/companies/{company.id}/certificates/{foreign.id}/confirm",
        data={"csrf_token": csrf_token(f"/companies/{company.id}")},
    )

    assert response.status_code == 404
    assert foreign.awaiting_confirmation


def test_a_name_change_applies_only_when_the_city_accepts_it(db, login_as, csrf_token):
    company, user = _contractor()
    old_number = company.corporate_number
    client = login_as(user)

    asked = client.post(
        "/my-company/change-request",
        data={
            "csrf_token": csrf_token("/my-company"),
            "name": "株式会社新商号",
            "corporate_number": old_number,
            "reason": "商号変更（令和8年4月1日）",
        },
    )
    assert asked.status_code == 302
    assert company.name == "株式会社自社テスト"
    assert "依頼中です" in client.get("/my-company").get_data(as_text=True)

    staff = login_as(make_user("procurement"))
    detail = f"/companies/{company.id}"
    request = db.session.scalar(sa.select(CompanyChangeRequest))
    refused = staff.post(
        f"{detail}/change-requests/{request.id}",
        data={"csrf_token": csrf_token(detail), "decision": "reject", "note": ""},
    )
    assert refused.status_code == 302
    assert request.status is ChangeRequestStatus.PENDING

    accepted = staff.post(
        f"{detail}/change-requests/{request.id}",
        data={"csrf_token": csrf_token(detail), "decision": "accept", "note": ""},
    )
    assert accepted.status_code == 302
    assert request.status is ChangeRequestStatus.ACCEPTED
    assert company.name == "株式会社新商号"
    assert _actions(db)[-3:] == [
        "company.change_requested",
        "company.updated",
        "company.change_accepted",
    ]


def test_a_corporate_number_of_another_company_is_refused_at_acceptance(db, login_as, csrf_token):
    company, user = _contractor()
    taken = make_company("株式会社既存")
    client = login_as(user)
    client.post(
        "/my-company/change-request",
        data={
            "csrf_token": csrf_token("/my-company"),
            "name": company.name,
            "corporate_number": taken.corporate_number,
            "reason": "合併",
        },
    )
    request = db.session.scalar(sa.select(CompanyChangeRequest))
    staff = login_as(make_user("procurement"))
    detail = f"/companies/{company.id}"

    staff.post(
        f"{detail}/change-requests/{request.id}",
        data={"csrf_token": csrf_token(detail), "decision": "accept", "note": ""},
    )

    db.session.refresh(request)
    assert request.status is ChangeRequestStatus.PENDING
    assert db.session.get(Company, company.id).corporate_number != taken.corporate_number
    assert "company.change_accepted" not in _actions(db)
