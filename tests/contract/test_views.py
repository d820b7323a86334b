"""Contract register pages: who sees what, forms, uploads, activation, overrides, list, CSV."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.contract.models import (
    ClauseCheck,
    ClauseOverride,
    ClauseStatus,
    Contract,
    ContractDocument,
    ContractStatus,
)
from portal.filestore import get_filestore
from portal.wareki import fiscal_year, today_jst
from tests.contract import documents
from tests.contract.factories import make_check, make_contract, make_document
from tests.factories import make_company, make_section, make_user


def _blob_keys() -> set[str]:
    return set(get_filestore().iter_keys("contract/"))


@pytest.fixture
def section(db):
    return make_section()


@pytest.fixture
def company(db):
    return make_company()


@pytest.fixture
def contract(section, company):
    return make_contract(section=section, company=company)


def _upload(client, csrf_token, contract, data: bytes, filename: str, role="special_terms"):
    path = f"/contracts/{contract.id}"
    return client.post(
        f"{path}/documents",
        data={
            "csrf_token": csrf_token(path),
            "role": role,
            "document": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def _post(client, csrf_token, contract, action: str, **data):
    path = f"/contracts/{contract.id}"
    return client.post(f"{path}/{action}", data={"csrf_token": csrf_token(path), **data})


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROCUREMENT, Role.PROTECTION_MANAGER])
def test_section_staff_see_and_edit_their_own_sections_contract(login_as, contract, role):
    client = login_as(make_user(role, section=contract.section))

    detail = client.get(f"/contracts/{contract.id}")
    edit = client.get(f"/contracts/{contract.id}/edit")

    assert detail.status_code == 200
    assert contract.title in detail.get_data(as_text=True)
    assert edit.status_code == 200


@pytest.mark.parametrize("path", ["", "/edit"])
def test_section_staff_cannot_reach_another_sections_contract(login_as, contract, path):
    client = login_as(make_user(Role.PROCUREMENT))

    response = client.get(f"/contracts/{contract.id}{path}")

    assert response.status_code == 404


def test_a_contractor_sees_its_own_companys_contract_read_only(login_as, contract):
    client = login_as(make_user(Role.CONTRACTOR, company=contract.company))

    response = client.get(f"/contracts/{contract.id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "内容を編集" not in html
    assert 'data-testid="upload-form"' not in html
    assert 'data-testid="history"' not in html


def test_a_contractor_gets_404_for_another_companys_contract(login_as, contract):
    client = login_as(make_user(Role.CONTRACTOR))

    assert client.get(f"/contracts/{contract.id}").status_code == 404


def test_a_contractor_cannot_upload_even_to_its_own_contract(login_as, csrf_token, contract):
    client = login_as(make_user(Role.CONTRACTOR, company=contract.company))

    response = client.post(f"/contracts/{contract.id}/documents", data={})

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/contracts", "/contracts/{id}", "/contracts/export.csv"])
def test_the_administrator_sees_no_contract(login_as, contract, path):
    # 入間市 第22条: least privilege for the system administrator.
    client = login_as(make_user(Role.ADMIN))

    response = client.get(path.format(id=contract.id))

    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.CHIEF, Role.AUDITOR])
def test_citywide_readers_see_every_contract_but_cannot_edit(login_as, contract, role):
    client = login_as(make_user(role))

    assert client.get(f"/contracts/{contract.id}").status_code == 200
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 403


def test_a_closed_contract_cannot_be_edited(login_as, contract):
    contract.status = ContractStatus.CLOSED
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    assert client.get(f"/contracts/{contract.id}/edit").status_code == 403


def test_the_detail_page_shows_the_history_of_the_contract(db, login_as, csrf_token, contract):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    _upload(client, csrf_token, contract, documents.text_file(), "特記事項.txt")

    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)

    assert "document.uploaded" in html
    assert "contract.checked" in html


# --- create and edit --------------------------------------------------------------------------


def _contract_form(csrf_token, path, company, **changes):
    data = {
        "csrf_token": csrf_token(path),
        "number": "Ｒ８－０１２",
        "title": "窓口業務委託",
        "company_id": company.id,
        "kind": "itaku",
        "fiscal_year": 2026,
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "pi_categories": "氏名、住所",
        "people_count": "300",
        "location": "city_premises",
        "minimum_scope": "窓口業務に必要な範囲に限る。",
        "retention_years": "5",
    }
    data.update(changes)
    return data


def test_procurement_registers_a_contract_in_its_own_section(db, login_as, csrf_token, company):
    user = make_user(Role.PROCUREMENT)
    client = login_as(user)

    response = client.post(
        "/contracts/new", data=_contract_form(csrf_token, "/contracts/new", company)
    )

    contract = db.session.scalars(sa.select(Contract)).one()
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/contracts/{contract.id}")
    assert contract.section_id == user.section_id
    assert contract.number == "R8-012"  # NFKC: full-width input normalised
    assert contract.status == ContractStatus.DRAFT


def test_cloud_handling_without_countries_is_refused_with_the_article(
    db, login_as, csrf_token, company
):
    client = login_as(make_user(Role.PROCUREMENT))

    response = client.post(
        "/contracts/new",
        data=_contract_form(
            csrf_token, "/contracts/new", company, location="cloud", cloud_provider="X社"
        ),
    )

    assert response.status_code == 422
    assert "第18条" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Contract.id))) == 0


def test_editing_changes_the_particulars(db, login_as, csrf_token, contract):
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=contract.section))
    path = f"/contracts/{contract.id}/edit"

    response = client.post(
        path,
        data=_contract_form(
            csrf_token,
            path,
            contract.company,
            number=contract.number,
            title="変更後の件名",
            sensitive="y",
        ),
    )

    assert response.status_code == 302
    assert contract.title == "変更後の件名"
    assert contract.sensitive


# --- upload -----------------------------------------------------------------------------------


def test_uploading_a_pdf_shows_eight_results_with_evidence(db, login_as, csrf_token, contract):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = _upload(client, csrf_token, contract, documents.good_pdf(), "特記事項.pdf")
    page = client.get(f"/contracts/{contract.id}")

    html = page.get_data(as_text=True)
    assert response.status_code == 302
    assert html.count('data-clause="') == 8
    assert html.count("<mark>") == 8
    assert "特記事項.pdf" in html
    assert "1ページ" in html
    assert 'data-testid="clauses-ok"' in html
    assert contract.status == ContractStatus.CHECKED


BAD_UPLOADS = {
    "encrypted": (documents.encrypted_pdf, "暗号化"),
    "no_text": (documents.scanned_pdf, "OCR"),
    "malformed": (documents.truncated_pdf, "途中で切れて"),
    "empty": (lambda: b"", "空です"),
    "unsupported_type": (documents.png_file, "PNG画像"),
}


@pytest.mark.parametrize("code", sorted(BAD_UPLOADS))
def test_a_bad_upload_shows_the_japanese_message_and_saves_nothing(
    db, login_as, csrf_token, contract, code
):
    make_bytes, words = BAD_UPLOADS[code]
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    keys = _blob_keys()

    response = _upload(client, csrf_token, contract, make_bytes(), "契約書.pdf")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in html
    assert f"エラーコード: {code}" in html
    assert db.session.scalar(sa.select(sa.func.count(ContractDocument.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ClauseCheck.id))) == 0
    assert _blob_keys() == keys


def test_a_pdf_over_the_page_limit_is_refused_as_too_large(
    app, db, login_as, csrf_token, contract, monkeypatch
):
    config = app.extensions["portal_config"]
    monkeypatch.setitem(app.extensions, "portal_config", replace(config, max_document_pages=3))
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    keys = _blob_keys()

    response = _upload(client, csrf_token, contract, documents.blank_pdf(4), "契約書.pdf")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ページ数が多すぎます" in html
    assert "エラーコード: too_large" in html
    assert db.session.scalar(sa.select(sa.func.count(ContractDocument.id))) == 0
    assert _blob_keys() == keys


def test_an_upload_without_a_file_is_refused(db, login_as, csrf_token, contract):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    path = f"/contracts/{contract.id}"

    response = client.post(
        f"{path}/documents", data={"csrf_token": csrf_token(path), "role": "body"}
    )

    assert response.status_code == 422
    assert "ファイルを選択してください" in response.get_data(as_text=True)


def test_a_document_download_is_recorded_as_an_access(db, login_as, contract):
    document = make_document(contract, data="本文".encode())
    client = login_as(make_user(Role.CONTRACTOR, company=contract.company))

    response = client.get(f"/contracts/{contract.id}/documents/{document.id}")
    body = response.get_data()
    response.close()

    assert response.status_code == 200
    assert body == "本文".encode()
    assert "attachment" in response.headers["Content-Disposition"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "document.downloaded")
    ).one()
    assert (entry.object_id, entry.contract_id) == (document.id, contract.id)


def test_a_document_of_another_contract_is_not_found(db, login_as, contract):
    other = make_contract(section=contract.section)
    document = make_document(other)
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = client.get(f"/contracts/{contract.id}/documents/{document.id}")

    assert response.status_code == 404


# --- activation and override ------------------------------------------------------------------


def test_activation_is_refused_with_a_missing_clause_and_allowed_after_an_override(
    db, login_as, csrf_token, contract
):
    procurement = make_user(Role.PROCUREMENT, section=contract.section)
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    client = login_as(procurement)
    _upload(client, csrf_token, contract, documents.text_file(without=("copying",)), "t.txt")

    refused = _post(client, csrf_token, contract, "activate")
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)

    assert refused.status_code == 302
    assert contract.status == ContractStatus.CHECKED
    assert "履行中にできません" in page
    assert "(3)個人情報の複製等の制限［記載なし］" in page

    client = login_as(manager)
    override_path = f"/contracts/{contract.id}/clauses/copying/override"
    overridden = client.post(
        override_path,
        data={
            "csrf_token": csrf_token(override_path),
            "status": "present",
            "reason": "仕様書第4項に複製禁止の定めがあることを確認した。",
        },
    )
    activated = _post(client, csrf_token, contract, "activate")

    assert overridden.status_code == 302
    assert activated.status_code == 302
    assert contract.status == ContractStatus.ACTIVE
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "仕様書第4項に複製禁止の定めがあることを確認した。" in page
    assert "自動判定: 記載なし" in page


def test_an_override_without_a_reason_is_refused(db, login_as, csrf_token, contract):
    make_check(contract, {"copying": ClauseStatus.MISSING})
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=contract.section))
    path = f"/contracts/{contract.id}/clauses/copying/override"

    response = client.post(
        path, data={"csrf_token": csrf_token(path), "status": "present", "reason": ""}
    )

    assert response.status_code == 422
    assert "判断の理由を入力してください" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ClauseOverride.id))) == 0


def test_a_protection_manager_of_another_section_cannot_override(db, login_as, contract):
    make_check(contract)
    client = login_as(make_user(Role.PROTECTION_MANAGER))

    response = client.get(f"/contracts/{contract.id}/clauses/copying/override")

    assert response.status_code == 404


def test_procurement_staff_cannot_override(db, login_as, contract):
    make_check(contract)
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = client.get(f"/contracts/{contract.id}/clauses/copying/override")

    assert response.status_code == 403


def test_an_unknown_clause_key_is_not_found(db, login_as, contract):
    make_check(contract)
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=contract.section))

    response = client.get(f"/contracts/{contract.id}/clauses/nonsense/override")

    assert response.status_code == 404


def test_ending_and_erasure_pending_follow_activation(db, login_as, csrf_token, contract):
    make_check(contract)
    contract.status = ContractStatus.ACTIVE
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    _post(client, csrf_token, contract, "end")
    assert contract.status == ContractStatus.ENDING
    _post(client, csrf_token, contract, "erasure-pending")

    assert contract.status == ContractStatus.ERASURE_PENDING
    assert contract.erasure_due_on is not None


def test_a_transition_that_the_status_does_not_allow_is_forbidden(
    db, login_as, csrf_token, contract
):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = _post(client, csrf_token, contract, "end")

    assert response.status_code == 403
    assert contract.status == ContractStatus.DRAFT


def test_cancelling_a_draft(db, login_as, csrf_token, contract):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    _post(client, csrf_token, contract, "cancel")

    assert contract.status == ContractStatus.CANCELLED


# --- list, filters, CSV ---------------------------------------------------------------------


def _titles(html: str, contracts) -> set[str]:
    return {c.title for c in contracts if c.title in html}


def test_the_list_searches_title_number_and_company(db, login_as, section):
    alpha = make_company("アルファ情報")
    a = make_contract(section=section, company=alpha, title="住民票写し交付業務")
    b = make_contract(section=section, title="健診データ入力", number="KEN-77")
    c = make_contract(section=section, title="広報誌配送")
    client = login_as(make_user(Role.AUDITOR))

    by_title = client.get("/contracts?q=住民票").get_data(as_text=True)
    by_number = client.get("/contracts?q=ken-77").get_data(as_text=True)
    by_company = client.get("/contracts?q=アルファ").get_data(as_text=True)

    assert _titles(by_title, [a, b, c]) == {a.title}
    assert _titles(by_number, [a, b, c]) == {b.title}
    assert _titles(by_company, [a, b, c]) == {a.title}


def test_the_list_filters_by_section_company_status_and_fiscal_year(db, login_as):
    s1, s2 = make_section(), make_section()
    co = make_company()
    a = make_contract(section=s1, company=co, status=ContractStatus.ACTIVE, fiscal_year=2025)
    b = make_contract(section=s2, company=co, fiscal_year=2026)
    c = make_contract(section=s2, status=ContractStatus.ACTIVE, fiscal_year=2026)
    client = login_as(make_user(Role.CHIEF))

    def shown(query: str) -> set[str]:
        return _titles(client.get(f"/contracts?{query}").get_data(as_text=True), [a, b, c])

    assert shown(f"section_id={s2.id}") == {b.title, c.title}
    assert shown(f"company_id={co.id}") == {a.title, b.title}
    assert shown("status=active") == {a.title, c.title}
    assert shown("fiscal_year=2025") == {a.title}
    assert shown("status=nonsense&fiscal_year=abc") == {a.title, b.title, c.title}


def test_the_year_filter_is_shown_in_wareki(db, login_as, section):
    make_contract(section=section, fiscal_year=2026)
    client = login_as(make_user(Role.PROCUREMENT, section=section))

    html = client.get("/contracts").get_data(as_text=True)

    assert '<option value="2026" >令和8年度</option>' in html


def test_the_overdue_filter_shows_active_contracts_past_their_period(db, login_as, section):
    late = make_contract(
        section=section,
        status=ContractStatus.ACTIVE,
        fiscal_year=2020,
        period_start=date(2020, 4, 1),
        period_end=date(2021, 3, 31),
    )
    # Started today: neither past its period nor late for its yearly inspection (which the
    # inspection feature adds to this filter; tests/inspection/test_contract_overdue.py).
    running = make_contract(
        section=section,
        status=ContractStatus.ACTIVE,
        fiscal_year=fiscal_year(today_jst()),
        period_start=today_jst(),
        period_end=date(2099, 3, 31),
    )
    client = login_as(make_user(Role.PROCUREMENT, section=section))

    html = client.get("/contracts?overdue=1").get_data(as_text=True)

    assert _titles(html, [late, running]) == {late.title}
    assert "期限超過" in html


def test_section_staff_and_contractors_list_only_what_they_may_see(db, login_as, section):
    company = make_company()
    own = make_contract(section=section, company=company)
    other = make_contract()

    staff_html = (
        login_as(make_user(Role.PROCUREMENT, section=section)).get("/contracts").get_data(True)
    )
    vendor_html = (
        login_as(make_user(Role.CONTRACTOR, company=company)).get("/contracts").get_data(True)
    )

    assert _titles(staff_html, [own, other]) == {own.title}
    assert _titles(vendor_html, [own, other]) == {own.title}


def test_the_list_is_paginated(db, login_as, section):
    for n in range(55):
        make_contract(section=section, number=f"P-{n:03d}")
    client = login_as(make_user(Role.PROCUREMENT, section=section))

    first = client.get("/contracts").get_data(as_text=True)
    second = client.get("/contracts?page=2").get_data(as_text=True)

    assert "1 / 2 ページ（全55件）" in first
    assert "P-049" in first
    assert "P-050" not in first
    assert "P-050" in second


def test_the_csv_export_has_a_bom_and_only_visible_rows(db, login_as, section):
    own = make_contract(section=section, title="=HYPERLINK(1)")
    make_check(own, {"copying": ClauseStatus.MISSING})
    other = make_contract(title="他課の契約")
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    response = client.get("/contracts/export.csv")

    body = response.get_data()
    text = body.decode("utf-8-sig")
    assert body.startswith("\ufeff".encode())
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "'=HYPERLINK(1)" in text
    assert other.title not in text
    assert "7/8" in text
    assert text.count("\r\n") == 2
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == "contract.register_exported"
            )
        )
        == 1
    )


def test_the_list_page_costs_the_same_number_of_queries_for_5_or_30_contracts(
    db, login_as, count_queries, section
):
    user = make_user(Role.PROCUREMENT, section=section)
    client = login_as(user)

    def measure() -> int:
        client.get("/contracts")  # warm up the session and caches
        with count_queries() as statements:
            response = client.get("/contracts")
        assert response.status_code == 200
        return len(statements)

    for _ in range(5):
        c = make_contract(section=section)
        make_check(c)
    five = measure()
    for _ in range(25):
        c = make_contract(section=section, company=make_company())
        make_check(c, {"copying": ClauseStatus.PARTIAL})
    thirty = measure()

    assert five == thirty


# --- dashboard --------------------------------------------------------------------------------


def _render_panel(app, user):
    from flask import render_template
    from flask_login import login_user

    from portal.contract.views import section_contracts_panel

    panel = section_contracts_panel(user)
    if panel is None:
        return None
    with app.test_request_context("/"):
        login_user(user)
        return render_template(panel.template, ctx=panel.context)


def test_section_staff_see_their_sections_contract_counts_on_the_dashboard(app, db, section):
    # The panel is rendered on its own: the dashboard also holds other features' panels.
    make_contract(section=section, status=ContractStatus.ACTIVE)
    make_contract(section=section, status=ContractStatus.ACTIVE)
    make_contract(status=ContractStatus.ACTIVE)

    html = _render_panel(app, make_user(Role.PROCUREMENT, section=section))

    assert 'data-testid="contract-panel"' in html
    assert "履行中</a></th><td>2件" in html


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.CHIEF, Role.ADMIN])
def test_the_dashboard_panel_is_only_for_section_staff(app, db, role):
    assert _render_panel(app, make_user(role)) is None


# --- 個人情報取扱特記事項 --------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK\x03\x04"), ("pdf", b"%PDF-")])
def test_the_special_terms_are_drafted_from_the_particulars(db, login_as, contract, fmt, magic):
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = client.get(f"/contracts/{contract.id}/special-terms.{fmt}")

    assert response.status_code == 200
    assert response.data.startswith(magic)
    assert "attachment" in response.headers["Content-Disposition"]
    assert contract.number in response.headers["Content-Disposition"]


def test_the_drafted_special_terms_attach_as_a_document_with_eight_present(
    db, login_as, csrf_token, contract
):
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=contract.section))

    response = _post(client, csrf_token, contract, "special-terms/attach", fmt="pdf")

    document = db.session.scalars(sa.select(ContractDocument)).one()
    check = db.session.scalars(sa.select(ClauseCheck)).one()
    assert response.status_code == 302
    assert (document.role.value, document.file_kind) == ("special_terms", "pdf")
    assert check.ok
    assert {r.document_id for r in check.results} == {document.id}


def test_a_contractor_cannot_draft_special_terms(db, login_as, contract):
    client = login_as(make_user(Role.CONTRACTOR, company=contract.company))

    assert client.get(f"/contracts/{contract.id}/special-terms.pdf").status_code == 403


def test_hand_made_list_filters_are_ignored_not_a_500(db, login_as, section):
    contract = make_contract(section=section)
    client = login_as(make_user(Role.CHIEF))

    response = client.get("/contracts?section_id=%C2%B2&company_id=99999999999&fiscal_year=-1")

    assert response.status_code == 200
    assert contract.title in response.get_data(as_text=True)


def test_a_special_terms_draft_that_cannot_be_made_explains_why(
    db, login_as, contract, monkeypatch
):
    from portal.clausecheck.draft import FontNotFoundError
    from portal.contract import drafting

    def no_font(*_args, **_kwargs):
        raise FontNotFoundError("IPAexGothic")

    monkeypatch.setattr(drafting, "draft_tokki_pdf", no_font)
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    response = client.get(f"/contracts/{contract.id}/special-terms.pdf")

    assert response.status_code == 302
    assert "システム管理者に連絡してください" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_the_history_names_the_move_to_the_erasure_check_in_japanese(
    db, login_as, csrf_token, contract
):
    make_check(contract)
    contract.status = ContractStatus.ENDING
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))

    _post(client, csrf_token, contract, "erasure-pending")

    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "消去・返却の確認待ちに変更 <code>contract.erasure_required</code>" in html
