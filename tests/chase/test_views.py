"""「今すぐ督促」, the reminder history partial, the scheduler warning and the CLI's input."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from portal.audit.models import AuditEntry
from portal.chase import jobs
from portal.chase.services import (
    load_target,
    record_heartbeat,
    remind_now,
    reminder_history,
    run_chase,
)
from portal.contract.models import ContractStatus
from portal.db import utcnow
from portal.demo import load_demo
from portal.extensions import db as _db
from portal.notification.models import Notification
from tests.chase.factories import make_city, make_contract, make_obligation, make_subcontract
from tests.factories import make_user

HISTORY = '{% with chase_obj=obj %}{% include "chase/_history.html" %}{% endwith %}'


def _remind(client, csrf_token, contract, message=""):
    token = csrf_token("/notifications")
    return client.post(
        f"/chase/remind/Contract/{contract.id}",
        data={"csrf_token": token, "message": message},
    )


def _manual_notes():
    return _db.session.scalars(
        sa.select(Notification).where(Notification.kind == "chase.manual")
    ).all()


def test_manager_reminds_the_contractor_now_and_it_is_recorded_and_audited(
    db, login_as, csrf_token
):
    city = make_city()
    contract = make_contract(city.section, city.company)
    client = login_as(city.pm)

    response = _remind(client, csrf_token, contract, "検査資料を今週中に提出してください")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    notes = _manual_notes()
    assert {n.user_id for n in notes} == {city.vendor.id, city.vendor2.id}
    assert "検査資料を今週中に提出してください" in notes[0].body
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "chase.reminded"))
    assert entry.actor_id == city.pm.id
    assert entry.contract_id == contract.id


def test_a_second_reminder_the_same_day_is_refused(db, login_as, csrf_token):
    city = make_city()
    contract = make_contract(city.section, city.company)
    client = login_as(city.pm)
    _remind(client, csrf_token, contract)

    response = _remind(client, csrf_token, contract)

    assert response.status_code == 302
    assert len(_manual_notes()) == 2
    page = client.get("/notifications").get_data(as_text=True)
    assert "本日すでに督促を送信しています" in page


def test_a_double_click_racing_on_the_unique_key_gets_a_message_not_a_500(
    db, login_as, csrf_token, monkeypatch
):
    from sqlalchemy.exc import IntegrityError

    from portal.chase import services as chase_services

    city = make_city()
    contract = make_contract(city.section, city.company)
    client = login_as(city.pm)

    def _lost_the_race(**_kwargs):
        raise IntegrityError("INSERT", {}, Exception("duplicate dedupe_key"))

    monkeypatch.setattr(chase_services, "remind_now", _lost_the_race)

    response = _remind(client, csrf_token, contract)

    assert response.status_code == 302
    assert _manual_notes() == []
    assert "本日はすでに督促を送信しています" in client.get("/").get_data(as_text=True)


def test_another_sections_manager_cannot_see_the_object(db, login_as, csrf_token):
    city = make_city()
    contract = make_contract(city.section, city.company)
    client = login_as(city.other_pm)

    response = _remind(client, csrf_token, contract)

    assert response.status_code == 404
    assert _manual_notes() == []


def test_a_closed_contract_cannot_be_chased(db, login_as, csrf_token):
    city = make_city()
    contract = make_contract(city.section, city.company, status=ContractStatus.CLOSED)
    client = login_as(city.pm)

    response = _remind(client, csrf_token, contract)

    assert response.status_code == 403


def test_an_unknown_object_type_is_not_found(db, login_as, csrf_token):
    city = make_city()
    client = login_as(city.pm)
    token = csrf_token("/notifications")

    response = client.post("/chase/remind/User/1", data={"csrf_token": token})

    assert response.status_code == 404


def test_an_overlong_message_is_refused_and_nothing_is_saved(db, login_as, csrf_token):
    city = make_city()
    contract = make_contract(city.section, city.company)
    client = login_as(city.pm)

    _remind(client, csrf_token, contract, "督" * 501)

    assert _manual_notes() == []
    assert "500文字以内" in client.get("/notifications").get_data(as_text=True)


def _history_as(app, user, obj):
    with app.test_request_context("/"):
        login_user(user)
        return render_template_string(HISTORY, obj=obj)


def test_history_shows_every_reminder_and_the_button_to_the_manager(app, db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_subcontract(contract, submitted_on=date(2026, 11, 1))
    run_chase(today=date(2026, 11, 24), rules={"subcontract_decision"})

    html = _history_as(app, city.pm, contract)

    assert "再委託の承認判断待ち" in html
    assert city.pm.name in html
    assert "今すぐ督促" in html


def test_contractor_sees_only_reminders_sent_to_its_own_users_and_no_button(app, db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_subcontract(contract, submitted_on=date(2026, 11, 1))
    run_chase(today=date(2026, 11, 24), rules={"subcontract_decision"})

    html = _history_as(app, city.vendor, contract)

    assert "督促履歴" in html
    assert "再委託の承認判断待ち" not in html
    assert "今すぐ督促" not in html


def test_history_is_not_shown_to_the_administrator_or_another_company(app, db):
    city = make_city()
    contract = make_contract(city.section, city.company)

    assert "督促履歴" not in _history_as(app, make_user("admin"), contract)
    assert "督促履歴" not in _history_as(app, city.other_vendor, contract)


# --- scheduler heartbeat on the admin dashboard ---------------------------------------------


def test_admin_is_warned_when_the_scheduler_never_started(db, login_as):
    client = login_as(make_user("admin"))

    html = client.get("/").get_data(as_text=True)

    assert 'data-testid="scheduler-stale"' in html
    assert "スケジューラが起動していません" in html


def test_admin_is_warned_when_the_heartbeat_is_stale(db, login_as):
    record_heartbeat(holder="host:1", now=utcnow() - timedelta(minutes=6))
    client = login_as(make_user("admin"))

    html = client.get("/").get_data(as_text=True)

    assert "5分以上応答していません" in html


def test_a_fresh_heartbeat_shows_the_scheduler_running(db, login_as):
    jobs.beat(now=utcnow())
    client = login_as(make_user("admin"))

    html = client.get("/").get_data(as_text=True)

    assert 'data-testid="scheduler-ok"' in html
    assert "scheduler-stale" not in html


def test_other_roles_see_no_scheduler_panel(db, login_as):
    client = login_as(make_user("chief"))

    html = client.get("/").get_data(as_text=True)

    assert "スケジューラ" not in html


def test_admin_status_page_lists_runs_and_rules(db, login_as):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_subcontract(contract, submitted_on=date(2026, 11, 1))
    run_chase(today=date(2026, 11, 24))
    client = login_as(make_user("admin"))

    html = client.get("/chase/status").get_data(as_text=True)

    assert "再委託の承認判断待ち" in html
    assert "令和8年11月24日" in html


# --- command line ------------------------------------------------------------------------------


def test_an_impossible_date_is_refused_in_japanese(app, db):
    result = app.test_cli_runner().invoke(args=["chase", "run", "--today", "2026-13-45"])

    assert result.exit_code == 2
    assert "YYYY-MM-DD の形式" in result.output


def test_dry_run_command_prints_what_would_be_sent(app, db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_subcontract(contract, submitted_on=date(2026, 11, 1))
    db.session.commit()

    result = app.test_cli_runner().invoke(
        args=["chase", "run", "--today", "2026-11-24", "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    assert "dry-run" in result.output
    assert city.pm.email in result.output
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


# --- demo ---------------------------------------------------------------------------------------


def test_demo_data_produces_visible_reminders_on_first_start(db):
    load_demo(now=utcnow())

    kinds = set(
        db.session.scalars(
            sa.select(Notification.kind).where(Notification.kind.startswith("chase."))
        )
    )

    assert kinds


def test_history_labels_each_reminder_as_its_mail_did(app, db):
    city = make_city()
    contract = make_contract(
        city.section,
        city.company,
        status=ContractStatus.ERASURE_PENDING,
        period_start=date(2025, 4, 1),
        period_end=date(2026, 10, 31),
        erasure_due_on=date(2026, 11, 23),
    )
    make_obligation(contract)
    # The manager's follow-up is the stage named "escalation", but it is 期限超過 to the
    # 保護管理者, not an escalation to the 総括保護管理者.
    run_chase(today=date(2026, 12, 8), rules={"erasure_overdue"})

    entries = reminder_history("Contract", contract.id)

    assert [(e.subject[:6], e.severity_label) for e in entries] == [("【期限超過】", "期限超過")]


def test_history_labels_a_manual_reminder_as_manual(db):
    city = make_city()
    contract = make_contract(city.section, city.company)
    remind_now(actor=city.pm, target=load_target("Contract", contract.id))

    entries = reminder_history("Contract", contract.id)

    assert [e.severity_label for e in entries] == ["手動督促"]
