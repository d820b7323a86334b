"""In Debian chromium: a file over the limit is stopped before sending, with the input kept;
errors are summarised at the top and the summary receives the focus."""

from __future__ import annotations

from typing import Any

import pytest

from portal.demo import DEMO_USERS
from tests.fixtures.browser import login

EMAILS = {key: email for key, email, *_rest in DEMO_USERS}


@pytest.mark.browser
def test_a_file_over_the_limit_is_stopped_before_it_is_sent(page: Any, tmp_path) -> None:
    big = tmp_path / "一覧.csv"
    big.write_text("法人番号,名称\n" + "1234567890123,株式会社テスト\n" * 50, encoding="utf-8")
    login(page, EMAILS["admin"])
    page.goto("/imports/")
    upload = page.locator("input[type=file]")
    # Pretend the server accepts only 100 bytes, as if MAX_CONTENT_LENGTH were that small.
    upload.evaluate("el => el.setAttribute('data-max-bytes', '100')")
    upload.set_input_files(str(big))

    assert "ファイルが大きすぎます" in page.locator("[data-size-error]").inner_text()
    url = page.url
    page.locator("main form button[type=submit]").first.click()
    assert page.url == url
    assert page.locator("input[type=file]").evaluate("el => el.files.length") == 1


@pytest.mark.browser
def test_the_error_summary_lists_every_error_and_takes_the_focus(page: Any) -> None:
    login(page, EMAILS["proc_shimin"])
    page.goto("/companies/new")
    page.get_by_label("法人番号").fill("12")
    page.locator("main form button[type=submit]").first.click()

    summary = page.locator("[data-error-summary]")
    assert "入力内容を確認してください（2件）" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")
    summary.get_by_role("link", name="法人番号", exact=False).click()
    assert page.evaluate("document.activeElement.id") == "corporate_number"
    assert page.get_by_label("法人番号").input_value() == "12"
