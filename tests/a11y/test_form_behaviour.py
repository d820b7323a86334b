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


ROWS_PAGE = """<!doctype html><html lang="ja"><body><main>
<form method="post" action="/nowhere" enctype="multipart/form-data">
<table class="list media-rows" id="media-rows"><tbody>
<tr data-testid="media-row-0"><td>1</td>
<td><select name="media-0-media_type" aria-label="1行目 媒体の種類">
<option value="">（選択）</option><option value="hdd">HDD</option></select></td>
<td><input name="media-0-identifier" id="media-0-identifier" aria-label="1行目 識別番号"></td>
<td><input type="file" name="media-0-photos" aria-label="1行目 写真"></td></tr>
</tbody></table>
<button type="submit" name="add_rows" value="3" data-add-rows="media-rows" data-max-rows="5">
媒体の行を増やす</button></form></main></body></html>"""


@pytest.mark.browser
def test_adding_rows_in_the_page_keeps_typed_text_and_chosen_photos(page: Any, tmp_path) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    page.goto("/login")
    url = page.url
    page.set_content(ROWS_PAGE)
    # The page's own script, as served (the CSP allows only scripts from the site).
    page.add_script_tag(url="/static/portal.js")
    page.get_by_label("1行目 媒体の種類").select_option("hdd")
    page.get_by_label("1行目 識別番号").fill("SN-1")
    page.get_by_label("1行目 写真").set_input_files(str(photo))

    page.get_by_role("button", name="媒体の行を増やす").click()

    assert page.locator("tr[data-testid^=media-row-]").count() == 4
    assert page.get_by_label("1行目 識別番号").input_value() == "SN-1"
    assert page.get_by_label("1行目 写真").evaluate("el => el.files.length") == 1
    fourth = page.get_by_label("4行目 識別番号")
    assert fourth.get_attribute("name") == "media-3-identifier"
    assert fourth.input_value() == ""
    assert page.get_by_label("4行目 媒体の種類").input_value() == ""
    assert page.url == url  # nothing was posted

    page.get_by_role("button", name="媒体の行を増やす").click()
    assert page.locator("tr[data-testid^=media-row-]").count() == 5  # data-max-rows
    assert page.get_by_role("button", name="媒体の行を増やす").is_hidden()
