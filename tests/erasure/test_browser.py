"""The whole erasure flow in a real browser: submit → send back → resubmit → accept → close.

Works on the demo's fresh case (portal/erasure/demo.py FRESH_CASE_TITLE): 株式会社アルファ情報
システム's contract in 市民課, reviewed by 保護 太郎 (pm.shimin)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.erasure.demo import FRESH_CASE_TITLE
from portal.wareki import today_jst
from tests.erasure.factories import certificate_pdf, jpeg_with_gps
from tests.fixtures.browser import login, logout

VENDOR = "tanto@alpha.example.jp"
MANAGER = "pm.shimin@city.example.jp"


def _open_case(page):
    page.goto("/erasure/")
    page.get_by_role("link", name=FRESH_CASE_TITLE).click()
    page.get_by_test_id("case-title").wait_for()


def _attach(page, photo, pdf):
    page.get_by_label("1行目 写真").set_input_files(str(photo))
    page.get_by_label("署名済みの消去証明書（PDF）").set_input_files(str(pdf))
    page.get_by_role("button", name="提出する").click()


@pytest.mark.browser
def test_submit_send_back_resubmit_accept_and_close(page, tmp_path):
    photo = jpeg_with_gps(tmp_path / "IMG_0420.jpg", size=(640, 480))
    pdf = certificate_pdf(tmp_path / "消去証明書.pdf")
    erased_on = (today_jst() - timedelta(days=1)).isoformat()
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The contractor submits.
    login(page, VENDOR)
    _open_case(page)
    page.get_by_role("link", name="消去証明を提出する").click()
    page.get_by_label("1行目 媒体の種類").select_option("hdd")
    page.get_by_label("1行目 識別番号").fill("WD-BROWSER-001")
    page.get_by_label("1行目 数量").fill("1")
    page.get_by_label("1行目 方法").select_option("physical_destruction")
    page.get_by_label("消去・廃棄の実施日").fill(erased_on)
    page.get_by_label("実施場所").fill("アルファ本社 消去室")
    page.get_by_label("作業者（氏名・所属）").fill("消去 作業員")
    _attach(page, photo, pdf)
    assert page.get_by_test_id("certificate-status").inner_text() == "審査待ち"
    logout(page)

    # 2. The 保護管理者 sends it back with a reason.
    login(page, MANAGER)
    _open_case(page)
    page.get_by_role("link", name="審査する").click()
    assert page.get_by_test_id("media-list").get_by_role("img").count() == 1
    page.get_by_label("差戻しの理由").fill("シリアル番号が読み取れる写真を添付してください。")
    page.get_by_role("button", name="差し戻す").click()
    page.get_by_text("消去・廃棄証明を差し戻しました。").wait_for()
    assert page.get_by_test_id("obligation-0").get_by_test_id("obligation-status").inner_text() == (
        "差戻し中"
    )
    logout(page)

    # 3. The contractor resubmits: the form starts from the returned version.
    login(page, VENDOR)
    _open_case(page)
    page.get_by_role("link", name="再提出する").click()
    assert "シリアル番号が読み取れる写真" in page.get_by_test_id("return-reason").inner_text()
    assert page.get_by_label("1行目 識別番号").input_value() == "WD-BROWSER-001"
    _attach(page, photo, pdf)
    assert page.get_by_test_id("certificate-status").inner_text() == "審査待ち"
    logout(page)

    # 4. The 保護管理者 accepts and closes the contract.
    login(page, MANAGER)
    _open_case(page)
    page.get_by_role("link", name="審査する").click()
    page.get_by_role("button", name="承認する").click()
    page.get_by_text("消去・廃棄証明を承認しました。").wait_for()
    page.get_by_role("button", name="契約を完了する").click()
    page.get_by_text("契約を完了しました。").wait_for()
    assert page.get_by_test_id("contract-status").inner_text().startswith("完了")
    assert page.get_by_role("button", name="契約を完了する").count() == 0
