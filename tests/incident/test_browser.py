"""A leak from report to export in a real browser: the contractor reports, the 保護管理者
confirms reportability and sees the clock, the auditor finds the case in the export.

Works on the demo's 住民記録システム運用保守業務委託 (市民課 × 株式会社アルファ情報システム,
in performance), reviewed by 保護 太郎 (pm.shimin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.incident.clocks import ClockRules, deadlines
from portal.incident.display import wareki_weekday
from portal.wareki import today_jst
from tests.erasure.factories import certificate_pdf
from tests.fixtures.browser import login, logout

VENDOR = "tanto@alpha.example.jp"
MANAGER = "pm.shimin@city.example.jp"
AUDITOR = "auditor@city.example.jp"
CONTRACT = "住民記録システム運用保守業務委託"
TITLE = "住民票写しの誤送付 ブラウザ確認"


@pytest.mark.browser
def test_a_contractor_reports_the_manager_confirms_and_the_auditor_exports(page, tmp_path):
    today = today_jst()
    due = deadlines(today, unlawful_purpose=False, rules=ClockRules())
    pdf = certificate_pdf(tmp_path / "事故報告書.pdf")

    # 1. The contractor reports, with its written report attached.
    login(page, VENDOR)
    page.get_by_role("link", name="漏えい等事案").first.click()
    page.get_by_test_id("report-incident").click()
    value = page.locator("option", has_text=CONTRACT).first.get_attribute("value")
    page.get_by_test_id("contract").select_option(value)
    page.get_by_label("件名").fill(TITLE)
    page.get_by_label("何が起きたか（事案の概要）").fill("住民票の写しを別の世帯に郵送した。")
    page.get_by_label("把握した日", exact=True).fill(today.isoformat())
    page.get_by_label("病歴", exact=True).check()
    page.get_by_label("本人の数（確定数、又は推計の下限）").fill("3")
    page.get_by_label("原因", exact=True).select_option("misdelivery")
    page.get_by_label("添付ファイル（PDF・写真、10件まで）").set_input_files(str(pdf))
    page.get_by_test_id("submit-report").click()
    assert page.get_by_test_id("incident-title").inner_text().endswith(TITLE)
    number = page.get_by_test_id("incident-title").inner_text().split(" ")[0]
    logout(page)

    # 2. The 保護管理者 is told on the dashboard, confirms reportability and sees the clock.
    login(page, MANAGER)
    panel = page.get_by_test_id("incident-panel")
    panel.get_by_role("link", name=f"{number} {TITLE}").click()
    assert "要配慮個人情報が含まれる" in page.get_by_test_id("grounds").inner_text()
    page.get_by_label("報告を要する", exact=True).check()
    page.get_by_label("判断の理由").fill("病歴を含むため（別表(1)）。")
    page.get_by_test_id("decide").click()
    assert "報告を要する" in page.get_by_test_id("decision").inner_text()
    assert (
        page.get_by_test_id("clock-sokuho-due")
        .inner_text()
        .startswith(wareki_weekday(due.sokuho_due))
    )
    assert (
        page.get_by_test_id("clock-kakuho-due")
        .inner_text()
        .startswith(wareki_weekday(due.kakuho_due))
    )
    logout(page)

    # 3. The auditor finds the case in the export.
    login(page, AUDITOR)
    page.goto("/incidents")
    with page.expect_download() as info:
        page.get_by_test_id("export-incidents").click()
    body = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    row = next(line for line in body.splitlines() if line.startswith(number))
    assert TITLE in row
    assert due.kakuho_due.isoformat() in row
    assert ",要," in row
