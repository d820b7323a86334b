"""In Debian chromium: realistic 2,000-row registers of each kind, with the awkward cases,
through the dry run and the apply step; a second import of the same files changes nothing."""

from __future__ import annotations

import pytest

from tests.dataio.books import (
    CONTRACT_HEADER,
    contract_row,
    corporate_number,
    realistic_companies,
    realistic_contracts,
    realistic_users,
    xlsx_bytes,
)
from tests.fixtures.browser import login, logout

ROWS = 2000
WAIT_MS = 180_000
IRUMA_ROLES = {
    "procurement": "契約担当者",
    "protection_manager": "保護管理者",
    "auditor": "監査責任者",
    "contractor": "委託先担当者",
}


def _upload(page, kind_label: str, path) -> None:
    page.goto("/imports/")
    page.get_by_label("取り込むデータ").select_option(label=kind_label)
    page.get_by_label("ファイル（Excelブック .xlsx または CSV）").set_input_files(str(path))
    # The step runs in the background; on SQLite the next page may wait for its lock.
    page.get_by_role("button", name="アップロードして確認").click(no_wait_after=True)
    page.get_by_test_id("import-counts").wait_for(timeout=WAIT_MS)


def _count(page, action: str) -> int:
    return int(page.get_by_test_id(f"count-{action}").inner_text())


def _apply(page) -> None:
    page.get_by_role("button", name="反映する").click(no_wait_after=True)
    page.get_by_test_id("import-applied").wait_for(timeout=WAIT_MS)


@pytest.mark.browser
def test_registers_of_each_kind_import_through_the_dry_run_and_apply_then_change_nothing(
    page, tmp_path
):
    page.on("dialog", lambda dialog: dialog.accept())
    companies = [corporate_number(n) for n in range(1, ROWS + 1)]
    company_book = tmp_path / "委託先一覧.xlsx"
    company_book.write_bytes(realistic_companies(ROWS))
    user_book = tmp_path / "職員一覧.xlsx"
    user_book.write_bytes(
        realistic_users(
            ROWS, roles=IRUMA_ROLES, sections=["市民課", "福祉総務課", "J01"], companies=companies
        )
    )
    contracts = realistic_contracts(ROWS, sections=["市民課", "S01"], companies=companies)
    contract_book = tmp_path / "契約一覧.xlsx"
    contract_book.write_bytes(contracts)
    # The same register with the mistakes people make: a 合計 row, an impossible date, an
    # unregistered company, another 課.
    bad_rows = [
        [*CONTRACT_HEADER],
        contract_row(1, section="市民課", company=companies[0]),
        contract_row(2, section="市民課", company=companies[1], 契約開始日="令和7年2月30日"),
        contract_row(3, section="市民課", company=corporate_number(ROWS + 500)),
        contract_row(4, section="福祉総務課", company=companies[2]),
        ["", "合計", "", "", "", "", "", "", "", "3,600", ""],
    ]
    bad_book = tmp_path / "契約一覧_誤り.xlsx"
    bad_book.write_bytes(xlsx_bytes(bad_rows, above=[["委託契約一覧"]]))

    login(page, "admin@city.example.jp")
    _upload(page, "委託先事業者", company_book)
    assert (_count(page, "create"), _count(page, "refused")) == (ROWS, 0)
    assert "テンプレートにない列（備考、更新日）は読み飛ばしました" in page.content()
    _apply(page)
    _upload(page, "委託先事業者", company_book)
    assert (_count(page, "create"), _count(page, "update"), _count(page, "unchanged")) == (
        0,
        0,
        ROWS,
    )
    assert page.get_by_text("反映する変更はありません").is_visible()

    _upload(page, "利用者", user_book)
    assert (_count(page, "create"), _count(page, "refused")) == (ROWS, 0)
    _apply(page)
    _upload(page, "利用者", user_book)
    assert _count(page, "unchanged") == ROWS
    logout(page)

    login(page, "proc.shimin@city.example.jp")
    _upload(page, "委託契約", bad_book)
    refused = page.get_by_test_id("refused-rows").inner_text()
    assert "4行目: 契約開始日: 「令和7年2月30日」は存在しない日付です。" in refused
    assert "5行目: 委託先法人番号:" in refused
    assert "6行目: 担当課: 担当課「福祉総務課」の契約は取り込めません（所属の課のみ）。" in refused
    assert "7行目: 契約番号: 契約番号がありません" in refused
    assert page.get_by_role("button", name="反映する").count() == 0

    _upload(page, "委託契約", contract_book)
    assert (_count(page, "create"), _count(page, "refused")) == (ROWS, 0)
    _apply(page)
    _upload(page, "委託契約", contract_book)
    assert (_count(page, "create"), _count(page, "update"), _count(page, "unchanged")) == (
        0,
        0,
        ROWS,
    )
