from __future__ import annotations

import re

import sqlalchemy as sa

from portal.account.models import User
from portal.audit.models import AuditEntry
from tests.factories import PASSWORD, make_user


def _login(client, email, password):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_correct_password_logs_in_and_records_the_login(client, db):
    user = make_user("auditor")

    response = _login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == user.id)
    ).all()
    assert "account.login" in actions


def test_email_is_matched_case_insensitively_and_after_nfkc(client, db):
    user = make_user("auditor", email="mixed@test.example.jp")

    response = _login(client, "ＭＩＸＥＤ@test.example.jp", PASSWORD)

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert user.failed_logins == 0


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, db):
    make_user("auditor", email="known@test.example.jp")

    unknown = _login(client, "nobody@test.example.jp", PASSWORD).get_data(as_text=True)
    wrong = _login(client, "known@test.example.jp", "Wrong-Pass-2026!").get_data(as_text=True)

    assert "メールアドレスまたはパスワードが正しくありません" in unknown
    assert "メールアドレスまたはパスワードが正しくありません" in wrong


def test_account_locks_after_five_failures_with_a_clear_message(client, db):
    user = make_user("auditor")

    for _ in range(4):
        _login(client, user.email, "Wrong-Pass-2026!")
    fifth = _login(client, user.email, "Wrong-Pass-2026!").get_data(as_text=True)
    after = _login(client, user.email, PASSWORD).get_data(as_text=True)

    assert "ロックされています" in fifth
    assert "ロックされています" in after
    assert user.locked_at is not None
    assert client.get("/").status_code == 302


def test_failure_message_says_how_many_attempts_remain(client, db):
    user = make_user("auditor")

    html = _login(client, user.email, "Wrong-Pass-2026!").get_data(as_text=True)

    assert "あと4回" in html


def test_deactivated_account_cannot_log_in(client, db):
    user = make_user("auditor", is_active=False)

    html = _login(client, user.email, PASSWORD).get_data(as_text=True)

    assert "無効" in html
    assert client.get("/").status_code == 302


def test_login_starts_a_fresh_session(client, db):
    user = make_user("auditor")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"

    _login(client, user.email, PASSWORD)

    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_login_redirect_only_goes_to_same_site_paths(client, db):
    user = make_user("auditor")
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    response = client.post(
        "/login?next=//evil.example.com/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )

    assert response.headers["Location"] == "/"


def test_forged_csrf_token_is_refused_with_a_japanese_page(client, db):
    user = make_user("auditor")

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"}
    )

    assert response.status_code == 400
    assert "不正な送信" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.last_login_at).where(User.id == user.id)) is None
