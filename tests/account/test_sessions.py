from __future__ import annotations

import time

import sqlalchemy as sa

from portal.account import services
from portal.account.models import User
from portal.org.models import Section
from tests.factories import PASSWORD, make_user


def test_logout_ends_every_session_of_the_user(app, db, login_as):
    user = make_user("auditor")
    first = login_as(user)
    second = app.test_client()  # the same class as `client`: commits before requests
    with second.session_transaction() as sess:
        now = int(time.time())
        sess.update(_user_id=user.get_id(), _fresh=True, login_at=now, seen_at=now)
    assert second.get("/").status_code == 200

    services.logout(actor=db.session.get(User, user.id))
    db.session.commit()

    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302


def test_deactivation_ends_the_users_sessions_immediately(db, login_as):
    admin = make_user("admin")
    user = make_user("auditor")
    client = login_as(user)
    assert client.get("/").status_code == 200

    services.set_active(actor=admin, user=db.session.get(User, user.id), active=False)
    db.session.commit()

    assert client.get("/").status_code == 302


def test_idle_session_expires_after_thirty_minutes(db, login_as):
    client = login_as(make_user("auditor"))
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 31 * 60

    response = client.get("/")

    assert response.status_code == 302
    assert "一定時間操作がなかったため" in client.get("/login").get_data(as_text=True)


def test_session_expires_twelve_hours_after_login_even_when_active(db, login_as):
    client = login_as(make_user("auditor"))
    with client.session_transaction() as sess:
        sess["login_at"] = int(time.time()) - 12 * 3600 - 60

    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(db, login_as):
    client = login_as(make_user("auditor"))
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - 29 * 60

    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_password_change_requires_the_current_password(db, login_as, csrf_token):
    user = make_user("auditor")
    client = login_as(user)
    old_hash = user.password_hash

    response = client.post(
        "/account/password",
        data={
            "current": "not-it",
            "new": "Brand-New-Pass-77",
            "confirm": "Brand-New-Pass-77",
            "csrf_token": csrf_token("/account/password"),
        },
    )

    assert response.status_code == 422
    assert "現在のパスワードが正しくありません" in response.get_data(as_text=True)
    assert user.password_hash == old_hash


def test_weak_new_password_is_refused(db, login_as, csrf_token):
    client = login_as(make_user("auditor"))

    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "short",
            "confirm": "short",
            "csrf_token": csrf_token("/account/password"),
        },
    )

    assert response.status_code == 422
    assert "12文字以上" in response.get_data(as_text=True)


def test_password_change_keeps_this_session_and_ends_the_others(app, db, login_as, csrf_token):
    user = make_user("auditor")
    client = login_as(user)
    other = app.test_client()
    with other.session_transaction() as sess:
        now = int(time.time())
        sess.update(_user_id=user.get_id(), _fresh=True, login_at=now, seen_at=now)

    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "Brand-New-Pass-77",
            "confirm": "Brand-New-Pass-77",
            "csrf_token": csrf_token("/account/password"),
        },
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_user_with_a_temporary_password_is_sent_to_change_it(db, login_as):
    client = login_as(make_user("auditor", must_change_password=True))

    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")


def test_a_temporary_password_cannot_be_used_to_post_changes(db, login_as, csrf_token):
    client = login_as(make_user("admin", must_change_password=True))
    token = csrf_token("/account/password")

    response = client.post("/admin/sections", data={"csrf_token": token, "code": "Z9", "name": "x"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
    assert db.session.scalar(sa.select(Section).where(Section.code == "Z9")) is None
