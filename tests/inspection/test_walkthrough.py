"""In Debian chromium, on the demo city: the 保護管理者 plans an inspection, the contractor
answers and uploads evidence, the inspector records ○/△, and the auditor sees it done."""

from __future__ import annotations

import json

import pytest

from portal.demo import DEMO_USERS
from portal.wareki import today_jst
from tests.fixtures.browser import login, logout
from tests.inspection.factories import pdf_bytes

# portal/demo.py _load_core: section and company keys → the names the CLI prints.
SECTIONS = {"shimin": "市民課", "fukushi": "福祉総務課"}
COMPANIES = {
    "alpha": "株式会社アルファ情報システム",
    "beta": "ベータ印刷株式会社",
    "gamma": "ガンマデータサービス株式会社",
}
MANAGERS = {SECTIONS[s]: email for key, email, _n, _r, s, _c in DEMO_USERS if key.startswith("pm_")}
VENDORS = {COMPANIES[c]: email for _k, email, _n, _r, _s, c in DEMO_USERS if c}
AUDITOR = next(email for key, email, *_ in DEMO_USERS if key == "auditor")


def _free_target(live_server):
    """A demo contract (not a tier) with nothing planned, in a section with a 保護管理者."""
    data = json.loads(live_server.portal("inspections", "status", "--json").stdout)
    for t in data["targets"]:
        if (
            t["tier"] == 0
            and t["status"] in {"not_scheduled", "overdue"}
            and t["section"] in MANAGERS
            and t["company"] in VENDORS
        ):
            return t
    raise AssertionError(f"no free target in the demo: {data['targets']}")


@pytest.mark.browser
def test_schedule_upload_record_and_the_auditor_sees_it_done(page, live_server):
    target = _free_target(live_server)
    number = target["contract_number"]
    today = today_jst().isoformat()

    # 1. The section's 保護管理者 plans an on-site inspection for today.
    login(page, MANAGERS[target["section"]])
    page.goto("/inspections")
    page.locator(f'tr[data-contract="{number}"][data-tier="0"]').get_by_role(
        "link", name="計画する"
    ).click()
    page.get_by_label("検査日").fill(today)
    page.get_by_role("button", name="計画する").click()
    page.wait_for_selector("text=検査を計画しました。")
    detail_url = page.url
    assert page.get_by_test_id("inspection-status").inner_text().startswith("計画済")
    logout(page)

    # 2. The contractor uploads evidence and answers every item.
    login(page, VENDORS[target["company"]])
    page.goto(detail_url)
    page.get_by_label("根拠資料").set_input_files(
        {"name": "管理体制図.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_label("対応する確認項目").select_option("structure")
    page.get_by_role("button", name="アップロード").click()
    page.wait_for_selector("text=管理体制図.pdf を登録しました。")
    for area in page.locator("#answers-form textarea").all():
        area.fill("規程どおり実施しています。")
    page.get_by_role("button", name="提出する").click()
    page.wait_for_selector("text=回答を提出しました。")
    assert page.get_by_test_id("inspection-status").inner_text().startswith("資料提出済")
    logout(page)

    # 3. The inspector (the 保護管理者) records ○ for every item, △ for one.
    login(page, MANAGERS[target["section"]])
    page.goto(detail_url)
    assert page.get_by_role("link", name="管理体制図.pdf").is_visible()
    page.get_by_role("link", name="結果を記録").click()
    keys = page.locator("[data-testid=record-items] tr[data-item]").evaluate_all(
        "rows => rows.map(r => r.dataset.item)"
    )
    for key in keys:
        value = "improved" if key == "staff" else "ok"
        page.locator(f'input[name="result-{key}"][value="{value}"]').check()
    page.get_by_label("所見").fill("研修記録の様式について指導し、改善を確認した。")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_selector("text=検査結果を記録しました。")
    assert page.get_by_test_id("inspection-status").inner_text().startswith("結果記録済")
    logout(page)

    # 4. The auditor sees the contract done on the status page.
    login(page, AUDITOR)
    page.get_by_role("link", name="検査状況", exact=True).click()
    row = page.locator(f'[data-testid=status-rows] tr[data-contract="{number}"][data-tier="0"]')
    assert row.get_attribute("data-status") == "done"
    assert "完了" in row.inner_text()
