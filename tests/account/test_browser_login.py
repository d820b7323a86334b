"""In Debian chromium: every demo role logs in, sees its dashboard and logs out; repeated
failures make the account wait, with the same page for an unknown address."""

from __future__ import annotations

import pytest

from portal.demo import DEMO_USERS
from tests.fixtures.browser import login, logout

ROLE_TITLES = {
    "admin": "システム管理者のホーム",
    "chief": "総括保護管理者のホーム",
    "auditor": "監査責任者のホーム",
    "protection_manager": "保護管理者のホーム",
    "procurement": "契約担当者のホーム",
    "contractor": "委託先担当者のホーム",
}
ONE_PER_ROLE = {role.value: email for _k, email, _n, role, _s, _c in reversed(DEMO_USERS)}


@pytest.mark.browser
@pytest.mark.parametrize(("role", "email"), sorted(ONE_PER_ROLE.items()))
def test_each_demo_role_logs_in_sees_its_dashboard_and_logs_out(page, role, email):
    login(page, email)

    assert page.get_by_test_id("dashboard-title").inner_text() == ROLE_TITLES[role]
    logout(page)
    page.goto("/")
    assert page.url.endswith("/login?next=%2F")


@pytest.mark.browser
def test_repeated_wrong_passwords_make_the_account_wait(page):
    for _ in range(5):
        page.goto("/login")
        page.get_by_label("メールアドレス").fill("lockme@city.example.jp")
        page.get_by_label("パスワード").fill("Wrong-Password-1")
        page.get_by_role("button", name="ログイン").click()
        assert page.get_by_text("メールアドレスまたはパスワードが正しくありません").is_visible()
        assert not page.get_by_text("あと").is_visible()

    page.get_by_label("メールアドレス").fill("lockme@city.example.jp")
    page.get_by_label("パスワード").fill("Demo-Pass-2026!")
    page.get_by_role("button", name="ログイン").click()
    assert page.get_by_text("しばらくログインできません").is_visible()
