from __future__ import annotations

import sqlalchemy as sa

from portal.account.models import User
from portal.audit.models import AuditEntry
from tests.factories import make_company, make_section, make_user


def _post(client, csrf_token, path, data, token_path=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(token_path or path)})


def test_admin_creates_a_contractor_account(db, login_as, csrf_token):
    client = login_as(make_user("admin"))
    company = make_company()

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "new.vendor@test.example.jp",
            "name": "新規 担当",
            "role": "contractor",
            "section_id": 0,
            "company_id": company.id,
            "password": "Initial-Pass-2026",
        },
    )

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.vendor@test.example.jp"))
    assert user.company_id == company.id
    assert user.must_change_password
    assert (
        db.session.scalar(
            sa.select(AuditEntry.action).where(
                AuditEntry.object_id == user.id, AuditEntry.object_type == "User"
            )
        )
        == "account.created"
    )


def test_duplicate_email_is_refused_with_a_message(db, login_as, csrf_token):
    client = login_as(make_user("admin"))
    make_user("auditor", email="taken@test.example.jp")

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "taken@test.example.jp",
            "name": "重複",
            "role": "auditor",
            "section_id": 0,
            "company_id": 0,
            "password": "Initial-Pass-2026",
        },
    )

    assert response.status_code == 422
    assert "既に登録されています" in response.get_data(as_text=True)


def test_weak_initial_password_is_refused(db, login_as, csrf_token):
    client = login_as(make_user("admin"))

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "weak@test.example.jp",
            "name": "弱い",
            "role": "auditor",
            "section_id": 0,
            "company_id": 0,
            "password": "password1234",
        },
    )

    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.email == "weak@test.example.jp")) is None


def test_contractor_without_a_company_is_refused(db, login_as, csrf_token):
    client = login_as(make_user("admin"))

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "orphan@test.example.jp",
            "name": "所属なし",
            "role": "contractor",
            "section_id": 0,
            "company_id": 0,
            "password": "Initial-Pass-2026",
        },
    )

    assert response.status_code == 422
    assert "委託先事業者を指定" in response.get_data(as_text=True)


def test_section_staff_without_a_section_is_refused(db, login_as, csrf_token):
    client = login_as(make_user("admin"))

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "nosection@test.example.jp",
            "name": "課なし",
            "role": "procurement",
            "section_id": 0,
            "company_id": 0,
            "password": "Initial-Pass-2026",
        },
    )

    assert response.status_code == 422


def test_admin_unlocks_a_locked_account(db, login_as, csrf_token):
    from portal.db import utcnow

    client = login_as(make_user("admin"))
    locked = make_user("auditor", locked_at=utcnow(), failed_logins=5)

    response = _post(
        client,
        csrf_token,
        f"/admin/users/{locked.id}/unlock",
        {},
        token_path=f"/admin/users/{locked.id}",
    )

    assert response.status_code == 302
    assert locked.locked_at is None
    assert locked.failed_logins == 0


def test_admin_reset_shows_a_one_time_password_and_forces_a_change(db, login_as, csrf_token):
    client = login_as(make_user("admin"))
    user = make_user("auditor")
    version = user.session_version

    response = _post(
        client,
        csrf_token,
        f"/admin/users/{user.id}/reset",
        {},
        token_path=f"/admin/users/{user.id}",
    )

    assert response.status_code == 302
    assert "仮パスワードを発行しました" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert user.must_change_password
    assert user.session_version == version + 1


def test_admin_cannot_deactivate_themselves(db, login_as, csrf_token):
    admin = make_user("admin")
    client = login_as(admin)

    _post(
        client,
        csrf_token,
        f"/admin/users/{admin.id}/deactivate",
        {},
        token_path=f"/admin/users/{admin.id}",
    )

    assert admin.is_active


def test_admin_user_list_searches_by_name(db, login_as):
    client = login_as(make_user("admin"))
    make_user("auditor", name="検索対象 太郎")
    make_user("auditor", name="別人 花子")

    html = client.get("/admin/users?q=検索対象").get_data(as_text=True)

    assert "検索対象 太郎" in html
    assert "別人 花子" not in html


def test_admin_sees_no_contract_documents_or_audit_log(db, login_as):
    # 入間市 第22条: least privilege for administrators.
    client = login_as(make_user("admin"))

    assert client.get("/audit").status_code == 403


def test_unknown_user_id_is_404_for_admin(db, login_as):
    client = login_as(make_user("admin"))

    assert client.get("/admin/users/999999").status_code == 404


def test_section_staff_accounts_keep_their_section(db):
    section = make_section()
    user = make_user("procurement", section=section)

    assert user.section_id == section.id


def test_admin_cannot_change_their_own_role(db, login_as, csrf_token):
    # Otherwise the last administrator could demote themselves and nobody could manage accounts.
    admin = make_user("admin")
    client = login_as(admin)
    path = f"/admin/users/{admin.id}"

    response = _post(
        client,
        csrf_token,
        path,
        {"name": admin.name, "role": "auditor", "section_id": 0, "company_id": 0},
    )

    assert response.status_code == 422
    assert "自分自身の役割は変更できません" in response.get_data(as_text=True)
    assert admin.role == "admin"


def test_admin_edits_another_accounts_role_and_affiliation(db, login_as, csrf_token):
    client = login_as(make_user("admin"))
    section = make_section()
    user = make_user("auditor")
    path = f"/admin/users/{user.id}"

    response = _post(
        client,
        csrf_token,
        path,
        {"name": "異動 太郎", "role": "procurement", "section_id": section.id, "company_id": 0},
    )

    assert response.status_code == 302
    assert (user.name, user.role, user.section_id) == ("異動 太郎", "procurement", section.id)


def test_a_choice_that_is_not_offered_gets_a_japanese_message(db, login_as, csrf_token):
    client = login_as(make_user("admin"))

    response = _post(
        client,
        csrf_token,
        "/admin/users/new",
        {
            "email": "x@test.example.jp",
            "name": "選択肢外",
            "role": "superuser",
            "section_id": "abc",
            "company_id": 0,
            "password": "Initial-Pass-2026",
        },
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "選択肢の中から選んでください" in html
    assert "Not a valid" not in html
    assert db.session.scalar(sa.select(User).where(User.email == "x@test.example.jp")) is None
