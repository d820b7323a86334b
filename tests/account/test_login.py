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


def test_five_failures_make_the_account_wait_even_with_the_right_password(client, db):
    user = make_user("auditor")

    for _ in range(5):
        assert _login(client, user.email, "Wrong-Pass-2026!").status_code == 200
    sixth = _login(client, user.email, PASSWORD)

    assert sixth.status_code == 429
    assert "しばらくログインできません" in sixth.get_data(as_text=True)
    assert "1分ほど待って" in sixth.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert user.locked_at is None  # no lock: the wait ends by itself


def test_the_wait_grows_as_failures_go_on(app, client, db):
    throttle = app.extensions["login_throttle"]
    email = "grow@test.example.jp"

    for _ in range(5):
        throttle.failed(email, "192.0.2.1")
    first = throttle.wait(email, "192.0.2.1")
    for _ in range(5):
        throttle.failed(email, "192.0.2.2")
    second = throttle.wait(email, "192.0.2.2")
    for _ in range(10):
        throttle.failed(email, "192.0.2.3")
    third = throttle.wait(email, "192.0.2.3")

    assert first.scope == second.scope == third.scope == "account"
    assert first.seconds <= 60 < second.seconds <= 15 * 60 < third.seconds <= 3600


def test_one_address_trying_many_accounts_is_made_to_wait(app, client, db):
    throttle = app.extensions["login_throttle"]
    victim = make_user("auditor")

    for n in range(30):
        throttle.failed(f"guess{n}@test.example.jp", "127.0.0.1")
    response = _login(client, victim.email, PASSWORD)

    assert response.status_code == 429
    assert throttle.wait(victim.email, "198.51.100.7") is None  # from elsewhere: allowed


def test_failures_and_waits_are_audited(client, db):
    user = make_user("auditor")

    for _ in range(6):
        _login(client, user.email, "Wrong-Pass-2026!")
    _login(client, "nobody@test.example.jp", "Wrong-Pass-2026!")

    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("account.login_%"))
    ).all()
    on_user = [e.action for e in entries if e.object_id == user.id]
    assert on_user.count("account.login_failed") == 5
    assert on_user.count("account.login_throttled") == 1
    assert any(e.action == "account.login_failed" and e.object_id is None for e in entries)


def test_an_admin_reset_lets_the_waiting_owner_in_at_once(client, db, app):
    from portal.account import services

    user = make_user("auditor")
    for _ in range(5):
        _login(client, user.email, "Wrong-Pass-2026!")
    temporary = services.reset_password(actor=make_user("admin"), user=user)

    response = _login(client, user.email, temporary)

    assert response.status_code == 302


def test_no_hint_about_remaining_attempts(client, db):
    user = make_user("auditor")

    html = _login(client, user.email, "Wrong-Pass-2026!").get_data(as_text=True)

    assert "あと" not in html
    assert "ロック" not in html


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
