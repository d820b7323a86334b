"""In Debian chromium: the contractor submits a 再委託 request, the 保護管理者 returns it, the
contractor corrects and resubmits, the 保護管理者 approves, and the chain view shows it."""

from __future__ import annotations

import pytest

from portal.org.corporate_number import with_check_digit
from tests.fixtures.browser import login, logout

VENDOR = "tanto@alpha.example.jp"  # portal/demo.py DEMO_USERS vendor_alpha
MANAGERS = {"市民課": "pm.shimin@city.example.jp", "福祉総務課": "pm.fukushi@city.example.jp"}
COMPANY = "入間ブラウザ検証データ株式会社"
RETURN_REASON = "安全管理措置を具体的に記載してください。入退室管理と暗号化の内容が必要です。"
CONDITIONS = "年度内に再委託先の実地検査を行うこと。"


@pytest.mark.browser
def test_submit_return_correct_resubmit_approve_and_the_chain_shows_it(page):
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, VENDOR)
    page.get_by_role("link", name="再委託", exact=True).click()
    page.get_by_test_id("contracts").get_by_role("link", name="再委託を申請").first.click()
    section = page.locator("dl.facts dt:text-is('担当課') + dd").inner_text().strip()
    page.get_by_label("事業者名（新規）").fill(COMPANY)
    page.get_by_label("法人番号（新規）").fill(with_check_digit("730000000001"))
    page.get_by_label("所在地（新規）").fill("埼玉県入間市豊岡一丁目2番3号")
    page.get_by_label("再委託する業務の範囲").fill("申請書の入力業務のうち繁忙期の一部")
    page.get_by_label("取り扱わせる個人情報の項目").fill("氏名、住所、生年月日")
    page.get_by_label("対象となる人数（概数）").fill("３０００")
    page.get_by_label("取扱場所の所在地・名称").fill("再委託先 入間事業所")
    page.get_by_label("再委託が必要な理由").fill("繁忙期の入力量に対応するため。")
    page.get_by_label("再委託先の安全管理措置").fill("適切に管理する。")
    page.get_by_label("再委託先にも当社と同等の措置").check()
    page.get_by_role("button", name="申請する").click()
    page.wait_for_selector("text=申請しました。保護管理者の判断をお待ちください。")
    detail_url = page.url
    assert page.get_by_test_id("status").first.inner_text() == "承認待ち"
    logout(page)

    login(page, MANAGERS[section])
    page.get_by_role("link", name="再委託", exact=True).click()
    page.get_by_test_id("queue").get_by_role("link", name=COMPANY).click()
    page.get_by_label("理由", exact=True).fill(RETURN_REASON)
    page.get_by_role("button", name="差し戻す").click()
    page.wait_for_selector("text=差し戻しました。")
    logout(page)

    login(page, VENDOR)
    assert page.get_by_test_id("subcontract-returned").is_visible()
    page.goto(detail_url)
    assert RETURN_REASON in page.get_by_test_id("decision").inner_text()
    page.get_by_role("link", name="修正する").click()
    page.get_by_label("再委託先の安全管理措置").fill(
        "入退室管理された専用区画で作業し、端末は暗号化。業務従事者に年1回の研修を行う。"
    )
    page.get_by_role("button", name="申請する").click()
    page.wait_for_selector("text=申請しました。保護管理者の判断をお待ちください。")
    logout(page)

    login(page, MANAGERS[section])
    page.goto(detail_url)
    page.get_by_label("理由", exact=True).fill("措置が具体的に示され、十分と認められるため。")
    page.get_by_label("承認の条件（任意。例: 年度内に再委託先の実地検査を行う）").fill(CONDITIONS)
    risks = page.get_by_test_id("decision-risks")
    assert "契約書又は誓約書が添付されていません" in risks.inner_text()
    page.get_by_role("button", name="承認する").click()
    # Approving over a warning needs the acknowledgement; what was typed is still there.
    page.wait_for_selector("text=確認が必要な点が")
    assert page.get_by_label("理由", exact=True).input_value().startswith("措置が具体的に")
    assert page.get_by_label(
        "承認の条件（任意。例: 年度内に再委託先の実地検査を行う）"
    ).input_value()
    page.get_by_label("警告を確認したうえで承認する").check()
    page.get_by_role("button", name="承認する").click()
    page.wait_for_selector("text=承認しました。")
    page.get_by_role("link", name="再委託の全体（チェーン）を見る").click()

    node = page.get_by_test_id("chain-node").filter(has_text=COMPANY)
    assert node.count() == 1
    text = node.inner_text()
    assert "承認" in text
    assert "再委託（第1次）" in text
    assert f"承認の条件: {CONDITIONS}" in text
    assert "再委託先 入間事業所" in text
