"""In Debian chromium: a city user shares a PDF whose properties name a resident, sees the
warning, sends the cleaned copy, and the contractor downloads a PDF without them
(広島市要綱 第6 7)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.demo import DEMO_USERS
from tests.exchange.factories import pdf_with_properties
from tests.fixtures.browser import login, logout

EMAILS = {key: email for key, email, *_rest in DEMO_USERS}


@pytest.mark.browser
def test_a_city_user_shares_a_cleaned_pdf_and_the_contractor_downloads_it(page, tmp_path):
    pdf = tmp_path / "申請書_山田.pdf"
    pdf.write_bytes(pdf_with_properties())
    login(page, EMAILS["proc_shimin"])
    # Other browser tests add contracts to the shared server, so the list is searched, as a
    # clerk would, rather than read off its first page.
    page.goto("/exchange?q=住民記録システム運用保守")
    page.locator("tr", has_text="株式会社アルファ情報システム").filter(
        has_text="履行中"
    ).first.get_by_role("link").click()
    page.get_by_role("link", name="委託先（株式会社アルファ情報システム）").click()

    page.get_by_label("ファイル", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="アップロードして共有").click()

    warning = page.get_by_test_id("metadata-warning")
    assert warning.is_visible()
    properties = page.get_by_test_id("found-properties").inner_text()
    assert "山田太郎様 申請書" in properties
    assert "市民課 山田" in properties
    assert "山田太郎様の申請" in page.get_by_test_id("found-outline").inner_text()
    assert "佐藤 花子" in page.get_by_test_id("found-xmp").inner_text()
    page.get_by_role(
        "button", name="プロパティ・XMP・しおり等を削除した版を共有する（推奨）"
    ).click()
    page.wait_for_selector("text=元のファイルは共有していません")
    document_url = page.url
    logout(page)

    login(page, EMAILS["vendor_alpha"])
    page.goto(document_url)
    with page.expect_download() as info:
        page.get_by_role("link", name="ダウンロード").first.click()
    download = info.value

    data = Path(download.path()).read_bytes()
    reader = PdfReader(io.BytesIO(data))
    metadata = reader.metadata or {}
    assert download.suggested_filename == "申請書_山田.pdf"
    assert not metadata.get("/Title")
    assert not metadata.get("/Author")
    assert reader.outline == []
    assert reader.xmp_metadata is None
    assert "申請書" in reader.pages[0].extract_text()
