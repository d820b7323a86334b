"""The erasure screens over HTTP: visibility, uploads, serving cleaned files, overview."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa
from PIL import Image

from portal.account.models import SYSTEM, Role
from portal.audit.models import AuditEntry
from portal.contract.models import ContractStatus
from portal.erasure import services
from portal.erasure.models import ErasureCertificate
from tests.erasure.factories import (
    NOW,
    Case,
    certificate_pdf,
    jpeg_with_gps,
    make_contract,
    saved_state,
    submit,
    text_file,
)
from tests.factories import make_company, make_section, make_user


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def _submit_url(case, party_key=0):
    return f"/erasure/contracts/{case.contract.id}/parties/{party_key}/submit"


def _form(client, case, tmp_path, *, photo=None, pdf=None, **extra):
    data = {
        "csrf_token": _token(client, _submit_url(case)),
        "media-0-media_type": "hdd",
        "media-0-identifier": "ＳＮ－１２３",  # full-width: stored NFKC-normalised
        "media-0-count": "1",
        "media-0-method": "physical_destruction",
        "media-0-photos": (
            (photo or jpeg_with_gps(tmp_path / "p.jpg", size=(320, 240))).open("rb"),
            "IMG_0001.jpg",
        ),
        "erased_on": "2026-05-28",
        "place": "本社 消去室",
        "operator": "作業 一郎",
        "certificate_pdf": ((pdf or certificate_pdf(tmp_path / "c.pdf")).open("rb"), "証明書.pdf"),
    }
    data.update(extra)
    return data


def _file_ids(html):
    return [int(i) for i in re.findall(r"/erasure/files/(\d+)", html)]


# --- visibility ------------------------------------------------------------------------------


def test_another_companys_contractor_gets_404_for_every_erasure_page(db, login_as, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    client = login_as(make_user(Role.CONTRACTOR))

    urls = [
        f"/erasure/contracts/{case.contract.id}",
        _submit_url(case),
        f"/erasure/certificates/{cert.id}",
        f"/erasure/files/{cert.document.id}",
        f"/erasure/files/{cert.photos[0].thumb.id}",
    ]

    assert [client.get(u).status_code for u in urls] == [404] * len(urls)


def test_a_protection_manager_of_another_section_gets_404(db, login_as, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    client = login_as(make_user(Role.PROTECTION_MANAGER))

    assert client.get(f"/erasure/contracts/{case.contract.id}").status_code == 404
    assert client.get(f"/erasure/certificates/{cert.id}").status_code == 404


def test_a_tier_sees_its_own_certificate_but_not_the_contractors(db, login_as, tmp_path):
    case = Case(tiers=1)
    own = submit(case, tmp_path, party_key=case.tiers[0].id)
    prime = submit(case, tmp_path)
    client = login_as(case.tier_users[0])

    assert client.get(f"/erasure/contracts/{case.contract.id}").status_code == 200
    assert client.get(f"/erasure/certificates/{own.id}").status_code == 200
    assert client.get(f"/erasure/certificates/{prime.id}").status_code == 404
    assert client.get(f"/erasure/files/{prime.document.id}").status_code == 404


def test_the_contractor_sees_its_tiers_certificate_but_cannot_submit_for_it(db, login_as, tmp_path):
    case = Case(tiers=1)
    tier_cert = submit(case, tmp_path, party_key=case.tiers[0].id)
    client = login_as(case.vendor)

    assert client.get(f"/erasure/certificates/{tier_cert.id}").status_code == 200
    assert client.get(_submit_url(case, case.tiers[0].id)).status_code == 403


def test_submitting_while_under_review_is_forbidden(db, login_as, tmp_path):
    case = Case()
    submit(case, tmp_path)
    client = login_as(case.vendor)

    assert client.get(_submit_url(case)).status_code == 403


def test_originals_are_for_the_city_only(app, db, login_as, tmp_path, monkeypatch):
    import dataclasses

    config = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions, "portal_config", dataclasses.replace(config, keep_original_uploads=True)
    )
    case = Case()
    cert = submit(case, tmp_path, items=1)
    original = cert.photos[0].original

    assert login_as(case.vendor).get(f"/erasure/files/{original.id}").status_code == 404
    response = login_as(case.manager).get(f"/erasure/files/{original.id}")
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")


# --- submission over HTTP --------------------------------------------------------------------


def test_a_contractor_submits_through_the_form_and_the_reviewer_sees_cleaned_files(
    db, login_as, tmp_path
):
    case = Case()
    client = login_as(case.vendor)

    response = client.post(
        _submit_url(case), data=_form(client, case, tmp_path), content_type="multipart/form-data"
    )

    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    cert = db.session.scalars(
        sa.select(ErasureCertificate).where(ErasureCertificate.contract_id == case.contract.id)
    ).one()
    assert cert.media_items[0].identifier == "SN-123"
    reviewer = login_as(case.manager)
    page = reviewer.get(f"/erasure/certificates/{cert.id}").get_data(as_text=True)
    assert "承認する" in page
    assert "差し戻す" in page
    assert "位置情報（GPS）を含む写真 1 枚は、位置情報を削除して表示しています" in page

    thumb = reviewer.get(f"/erasure/files/{cert.photos[0].thumb.id}")
    thumb_data = thumb.data
    thumb.close()
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.headers["Content-Disposition"].startswith("inline")
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in thumb.headers["Content-Security-Policy"]
    assert thumb.headers["Cache-Control"] == "private, no-store"
    assert len(Image.open(io.BytesIO(thumb_data)).getexif()) == 0

    pdf = reviewer.get(f"/erasure/files/{cert.document.id}")
    pdf_data = pdf.data
    pdf.close()
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert b"/Author" not in pdf_data

    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(
            AuditEntry.contract_id == case.contract.id, AuditEntry.action.like("document.%")
        )
    ).all()
    assert sorted(actions) == ["document.downloaded", "document.viewed"]


def test_a_photo_can_be_downloaded_as_an_attachment_and_that_is_recorded(db, login_as, tmp_path):
    case = Case()
    cert = submit(case, tmp_path, items=1)
    client = login_as(case.manager)

    response = client.get(f"/erasure/files/{cert.photos[0].display.id}?download=1")
    response.close()

    assert response.headers["Content-Disposition"].startswith("attachment")
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "document.downloaded")
    ).one()
    assert (entry.object_type, entry.object_id) == ("ErasureFile", cert.photos[0].display.id)
    assert entry.data["variant"] == "photo"


def test_a_rejected_upload_shows_why_and_saves_nothing(db, login_as, tmp_path):
    case = Case()
    client = login_as(case.vendor)
    form = _form(client, case, tmp_path, photo=text_file(tmp_path / "memo.txt"))
    before = saved_state()

    response = client.post(_submit_url(case), data=form, content_type="multipart/form-data")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "写真「IMG_0001.jpg」を受け付けられません。画像ファイルではありません。" in html
    assert saved_state() == before


def test_a_row_with_photos_but_no_medium_is_refused(db, login_as, tmp_path):
    case = Case()
    client = login_as(case.vendor)
    form = _form(client, case, tmp_path)
    form["media-1-photos"] = (jpeg_with_gps(tmp_path / "x.jpg", (320, 240)).open("rb"), "x.jpg")

    response = client.post(_submit_url(case), data=form, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "媒体2行目: 写真があるのに媒体の内容が入力されていません。" in response.get_data(
        as_text=True
    )


def test_the_resubmission_form_starts_from_the_returned_version(db, login_as, tmp_path):
    case = Case()
    cert = submit(case, tmp_path, items=1)
    services.return_certificate(
        actor=case.manager, certificate=cert, reason="写真が暗いです", now=NOW
    )
    client = login_as(case.vendor)

    html = client.get(_submit_url(case)).get_data(as_text=True)

    assert "差戻し理由:</strong> 写真が暗いです" in html
    assert f'value="{cert.media_items[0].identifier}"' in html
    assert 'value="委託先本社 消去作業室"' in html


# --- review and close over HTTP ----------------------------------------------------------------


def test_the_manager_sends_back_accepts_and_closes_through_the_screens(db, login_as, tmp_path):
    case = Case()
    first = submit(case, tmp_path)
    client = login_as(case.manager)
    cert_url = f"/erasure/certificates/{first.id}"

    no_reason = client.post(
        f"{cert_url}/return", data={"csrf_token": _token(client, cert_url), "reason": ""}
    )
    db.session.refresh(first)
    assert first.status == "submitted"
    refused = client.post(
        f"/erasure/contracts/{case.contract.id}/close",
        data={"csrf_token": _token(client, cert_url)},
        follow_redirects=True,
    )
    sent_back = client.post(
        f"{cert_url}/return", data={"csrf_token": _token(client, cert_url), "reason": "不鮮明"}
    )

    assert no_reason.status_code == 302
    assert (
        f"契約を完了できません。委託先 {case.company.name}の消去証明が未承認です。"
        in refused.get_data(as_text=True)
    )
    assert sent_back.status_code == 302
    db.session.refresh(first)
    assert first.status == "returned"

    second = submit(case, tmp_path)
    second_url = f"/erasure/certificates/{second.id}"
    client.post(f"{second_url}/accept", data={"csrf_token": _token(client, second_url)})
    closed = client.post(
        f"/erasure/contracts/{case.contract.id}/close",
        data={"csrf_token": _token(client, second_url)},
        follow_redirects=True,
    )

    assert "契約を完了しました。" in closed.get_data(as_text=True)
    db.session.refresh(case.contract)
    assert case.contract.status == ContractStatus.CLOSED


def test_procurement_staff_read_the_case_but_may_not_review(db, login_as, tmp_path):
    case = Case()
    cert = submit(case, tmp_path)
    client = login_as(make_user(Role.PROCUREMENT, section=case.section))

    page = client.get(f"/erasure/certificates/{cert.id}")

    assert page.status_code == 200
    assert "承認する" not in page.get_data(as_text=True)
    assert client.post(f"/erasure/certificates/{cert.id}/accept").status_code == 403


# --- overview -----------------------------------------------------------------------------------


def _pending(section, company, period_end):
    contract = make_contract(section=section, company=company, period_end=period_end)
    services.start_erasure_check(actor=SYSTEM, contract=contract, now=NOW)
    return contract


def test_the_overview_shows_own_section_with_overdue_highlighted(db, login_as, monkeypatch):
    monkeypatch.setattr("portal.erasure.views.today_jst", lambda: date(2026, 6, 1))
    section = make_section()
    company = make_company()
    overdue = _pending(section, company, date(2026, 4, 1))  # due 2026-05-01
    upcoming = _pending(section, company, date(2026, 5, 25))
    other = _pending(make_section(), company, date(2026, 4, 1))
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    html = client.get("/erasure/").get_data(as_text=True)

    assert overdue.title in html
    assert upcoming.title in html
    assert other.title not in html
    row = re.search(rf'<tr class="overdue"[^>]*>(?:(?!</tr>).)*{overdue.title}', html, re.S)
    assert row is not None
    assert "期限超過 31日" in html
    only_overdue = client.get("/erasure/?state=overdue").get_data(as_text=True)
    assert overdue.title in only_overdue
    assert upcoming.title not in only_overdue


def test_chief_sees_every_section_and_can_filter_by_section(db, login_as):
    a, b = make_section(), make_section()
    company = make_company()
    in_a = _pending(a, company, date(2026, 5, 1))
    in_b = _pending(b, company, date(2026, 5, 1))
    client = login_as(make_user(Role.CHIEF))

    everything = client.get("/erasure/").get_data(as_text=True)
    only_b = client.get(f"/erasure/?section={b.id}").get_data(as_text=True)

    assert in_a.title in everything
    assert in_b.title in everything
    assert in_a.title not in only_b
    assert in_b.title in only_b


def test_a_contractor_lists_only_cases_it_owes(db, login_as):
    company = make_company()
    mine = _pending(make_section(), company, date(2026, 5, 1))
    theirs = _pending(make_section(), make_company(), date(2026, 5, 1))
    client = login_as(make_user(Role.CONTRACTOR, company=company))

    html = client.get("/erasure/").get_data(as_text=True)

    assert mine.title in html
    assert theirs.title not in html


def test_the_overview_uses_the_same_number_of_queries_for_few_or_many_contracts(
    db, login_as, count_queries
):
    section, company = make_section(), make_company()
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))
    _pending(section, company, date(2026, 5, 1))
    client.get("/erasure/")
    with count_queries() as few:
        client.get("/erasure/")
    for _ in range(12):
        _pending(section, company, date(2026, 5, 1))
    client.get("/erasure/")

    with count_queries() as many:
        client.get("/erasure/")

    assert len(many) == len(few)


def test_the_overview_is_paginated(db, login_as):
    section, company = make_section(), make_company()
    for _ in range(51):
        _pending(section, company, date(2026, 5, 1))
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    first = client.get("/erasure/").get_data(as_text=True)
    second = client.get("/erasure/?page=2").get_data(as_text=True)

    assert "1 / 2 ページ（全51件）" in first
    assert first.count('data-testid="erasure-row"') == 50
    assert second.count('data-testid="erasure-row"') == 1


def test_the_csv_export_has_a_bom_the_due_dates_and_what_is_missing(db, login_as, monkeypatch):
    monkeypatch.setattr("portal.erasure.views.today_jst", lambda: date(2026, 6, 1))
    section = make_section()
    contract = _pending(section, make_company("株式会社CSV"), date(2026, 4, 1))
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    response = client.get("/erasure/export.csv?state=overdue")

    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff契約番号,件名,担当課,委託先,契約期間終了日,提出期限")
    assert "\r\n" in text
    line = next(ln for ln in text.splitlines() if contract.number in ln)
    assert "2026-05-01,期限超過,31,消去確認待ち,0/1,委託先 株式会社CSV（未提出）" in line


def test_a_contract_moved_by_the_contract_screens_appears_with_its_obligations(db, login_as):
    section = make_section()
    contract = make_contract(
        section=section, status=ContractStatus.ERASURE_PENDING, period_end=date(2026, 5, 20)
    )
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    html = client.get("/erasure/").get_data(as_text=True)

    assert f"委託先 {contract.company.name}: 未提出" in html
    assert contract.erasure_due_on == date(2026, 6, 19)


def test_the_dashboard_panel_counts_pending_overdue_and_review(db, login_as, tmp_path, monkeypatch):
    monkeypatch.setattr("portal.erasure.panels.today_jst", lambda: date(2026, 6, 1))
    case = Case(period_end=date(2026, 4, 1))
    submit(case, tmp_path)
    client = login_as(case.manager)

    html = client.get("/").get_data(as_text=True)

    assert 'data-testid="erasure-panel"' in html
    assert "消去確認待ちの契約: <strong>1</strong> 件" in html
    assert "審査待ちの消去証明: 1 件" in html
    assert "提出期限超過 1 件" in html


def test_the_contractors_panel_says_what_to_submit(db, login_as, monkeypatch):
    monkeypatch.setattr("portal.erasure.panels.today_jst", lambda: date(2026, 6, 1))
    case = Case(period_end=date(2026, 4, 1))

    html = login_as(case.vendor).get("/").get_data(as_text=True)

    assert "提出が必要な消去・廃棄証明: <strong>1</strong> 件" in html
    assert "提出期限超過 1 件" in html


def test_a_tier_sees_only_its_own_line_in_the_overview(db, login_as):
    case = Case(tiers=2)

    html = login_as(case.tier_users[1]).get("/erasure/").get_data(as_text=True)

    assert case.contract.title in html
    assert "再委託テスト株式会社2（第2層）: 未提出" in html
    assert "再委託テスト株式会社1（第1層）" not in html
    assert f"委託先 {case.company.name}:" not in html


def test_a_count_that_is_not_a_number_is_refused_in_japanese(db, login_as, tmp_path):
    case = Case()
    client = login_as(case.vendor)
    form = _form(client, case, tmp_path, **{"media-0-count": "二台"})
    before = saved_state()

    response = client.post(_submit_url(case), data=form, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "1行目: 数量は数字で入力してください。" in response.get_data(as_text=True)
    assert saved_state() == before


def test_ids_and_filters_beyond_the_integer_range_are_not_found_not_errors(db, login_as):
    client = login_as(make_user(Role.CHIEF))
    huge = "99999999999999999999"

    statuses = [
        client.get(f"/erasure/contracts/{huge}").status_code,
        client.get(f"/erasure/certificates/{huge}").status_code,
        client.get(f"/erasure/files/{huge}").status_code,
        client.get(f"/erasure/?section={huge}&page={huge}").status_code,
    ]

    assert statuses == [404, 404, 404, 200]


def test_the_certificate_page_uses_the_same_number_of_queries_for_one_or_many_media(
    db, login_as, count_queries, tmp_path
):
    one, many = Case(), Case(section=make_section())
    few_cert = submit(one, tmp_path / "one", items=1)
    many_cert = submit(many, tmp_path / "many", items=6)
    client = login_as(make_user(Role.CHIEF))
    client.get(f"/erasure/certificates/{few_cert.id}")

    db.session.expire_all()
    with count_queries() as few_queries:
        client.get(f"/erasure/certificates/{few_cert.id}")
    db.session.expire_all()
    with count_queries() as many_queries:
        html = client.get(f"/erasure/certificates/{many_cert.id}").get_data(as_text=True)

    assert html.count('class="thumb"') == 6
    assert len(many_queries) == len(few_queries)


def test_a_tampered_media_type_or_method_is_refused_in_japanese(db, login_as, tmp_path):
    case = Case()
    client = login_as(case.vendor)
    form = _form(
        client, case, tmp_path, **{"media-0-media_type": "floppy", "media-0-method": "burn"}
    )
    before = saved_state()

    response = client.post(_submit_url(case), data=form, content_type="multipart/form-data")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1行目: 媒体の種類を一覧から選んでください。" in html
    assert "1行目: 消去・廃棄の方法を一覧から選んでください。" in html
    assert "Not a valid choice" not in html
    assert saved_state() == before


def test_a_rejected_upload_names_its_error_code(db, login_as, tmp_path):
    case = Case()
    client = login_as(case.vendor)
    form = _form(client, case, tmp_path, photo=text_file(tmp_path / "memo.txt"))

    response = client.post(_submit_url(case), data=form, content_type="multipart/form-data")

    assert "（エラーコード: not_an_image）" in response.get_data(as_text=True)


def test_a_send_back_reason_too_long_gets_a_japanese_message_and_changes_nothing(
    db, login_as, tmp_path
):
    case = Case()
    cert = submit(case, tmp_path)
    client = login_as(case.manager)
    url = f"/erasure/certificates/{cert.id}"

    client.post(f"{url}/return", data={"csrf_token": _token(client, url), "reason": "長" * 2001})

    html = client.get(url).get_data(as_text=True)
    db.session.refresh(cert)
    assert "差戻しの理由は2000文字以内で入力してください。" in html
    assert cert.status == "submitted"


def test_a_percent_sign_in_the_search_is_a_character_not_a_wildcard(db, login_as):
    section, company = make_section(), make_company()
    plain = _pending(section, company, date(2026, 5, 1))
    marked = make_contract(section=section, company=company, title="100%集計業務委託")
    services.start_erasure_check(actor=SYSTEM, contract=marked, now=NOW)
    client = login_as(make_user(Role.PROTECTION_MANAGER, section=section))

    html = client.get("/erasure/?q=%25").get_data(as_text=True)

    assert marked.title in html
    assert plain.title not in html


def test_adding_rows_without_javascript_keeps_what_was_typed_and_saves_nothing(
    db, login_as, tmp_path
):
    case = Case()
    client = login_as(case.vendor)
    data = _form(client, case, tmp_path, add_rows="3")

    response = client.post(_submit_url(case), data=data, content_type="multipart/form-data")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'data-testid="media-row-(\d+)"', html)
    assert len(rows) >= 4
    assert 'value="SN-123"' in html
    assert 'value="本社 消去室"' in html
    assert "選んだ写真はもう一度選んでください" in html
    assert "error-summary" not in html
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ErasureCertificate)
            .where(ErasureCertificate.contract_id == case.contract.id)
        )
        == 0
    )
