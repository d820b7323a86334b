"""In Debian chromium: a 契約担当 uploads a contract PDF and sees the eight results with their
evidence; the 保護管理者 overrides a missing clause with a written reason and activates."""

from __future__ import annotations

import re

import pytest

from tests.contract import documents
from tests.fixtures.browser import login, logout

DRAFT_TITLE = "次期住民記録システムへのデータ移行業務委託"  # portal/contract/demo.py
REASON = "仕様書第7項に複写・複製の禁止が定められていることを確認した。"


@pytest.mark.browser
def test_upload_shows_eight_results_and_a_protection_manager_overrides_one(page, tmp_path):
    pdf = tmp_path / "移行業務_特記事項.pdf"
    pdf.write_bytes(documents.pdf_file([documents.terms_text(without=("copying",))]))
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "proc.shimin@city.example.jp")
    page.get_by_role("link", name="契約", exact=True).click()
    page.get_by_label("検索語").fill("データ移行")
    page.get_by_role("button", name="絞り込む").click()
    page.get_by_role("link", name=DRAFT_TITLE).click()
    contract_url = page.url
    page.get_by_label("文書の種類").select_option(label="個人情報取扱特記事項")
    page.get_by_label("ファイル（PDF・Word（.docx）・テキスト）").set_input_files(str(pdf))
    page.get_by_role("button", name="登録して確認").click()

    results = page.get_by_test_id("clause-results")
    results.wait_for()
    assert results.locator("tbody tr").count() == 8
    assert results.locator("mark").count() == 7
    copying = results.locator("tr[data-clause=copying]")
    assert "記載なし" in copying.inner_text()
    confidentiality = results.locator("tr[data-clause=confidentiality]")
    assert "移行業務_特記事項.pdf" in confidentiality.inner_text()
    assert "1ページ" in confidentiality.inner_text()
    assert page.get_by_test_id("activation-blocked").is_visible()
    logout(page)

    login(page, "pm.shimin@city.example.jp")
    page.goto(contract_url)
    page.get_by_test_id("override-copying").click()
    page.get_by_label("判断", exact=True).select_option(label="記載あり")
    page.get_by_label("判断の理由").fill(REASON)
    page.get_by_role("button", name="判断を登録").click()

    copying = page.get_by_test_id("clause-results").locator("tr[data-clause=copying]")
    assert "自動判定: 記載なし" in copying.inner_text()
    assert REASON in copying.inner_text()
    assert REASON in page.get_by_test_id("overrides").inner_text()
    page.get_by_role("button", name="履行中にする").click()
    page.wait_for_selector("text=契約を履行中にしました。")
    assert re.search("履行中", page.get_by_test_id("contract-title").inner_text())
