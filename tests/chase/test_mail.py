"""Daily digests over real SMTP (aiosmtpd sink): one per recipient per day, exactly once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.chase.jobs import deliver_digests
from portal.chase.models import DigestStatus, MailDigest
from portal.chase.services import (
    claim_digest,
    deliver_now,
    load_target,
    remind_now,
    run_chase,
)
from portal.mail import MailSettings
from portal.notification.models import Notification
from portal.notification.services import notify
from tests.chase.factories import (
    days,
    make_certificate,
    make_city,
    make_contract,
    make_obligation,
    make_subcontract,
)
from tests.fixtures.smtp import free_port

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 23, 22, 15, tzinfo=UTC)  # 07:15 on TODAY in Japan


def _settings(sink) -> MailSettings:
    config = dataclasses.replace(
        current_app.extensions["portal_config"],
        mail_enabled=True,
        mail_server=sink.host,
        mail_port=sink.port,
        mail_sender="itaku-portal@city.example.jp",
        base_url="https://portal.city.example.jp",
    )
    return MailSettings.from_config(config)


def _busy_city():
    """The PM has one overdue 再委託; the contractor an expiring certificate and an overdue
    erasure proof; procurement the certificate."""
    city = make_city()
    contract = make_contract(city.section, city.company)
    make_subcontract(contract, submitted_on=TODAY - days(20))
    make_certificate(city.company, expires_on=TODAY + days(5))
    ended = make_contract(
        city.section,
        city.company,
        status="erasure_pending",
        period_start=date(2025, 4, 1),
        period_end=date(2026, 10, 1),
        erasure_due_on=TODAY - days(1),
    )
    make_obligation(ended)
    run_chase(today=TODAY, rules={"subcontract_decision", "certificate_expiry", "erasure_overdue"})
    return city


def test_the_right_people_get_one_digest_each(db, mail_sink):
    city = _busy_city()

    report = deliver_digests(now=NOW, day=TODAY, settings=_settings(mail_sink), lock=False)

    to = sorted(m["X-Envelope-To"] for m in mail_sink.messages)
    assert to == sorted(u.email for u in (city.pm, city.procurement, city.vendor, city.vendor2))
    assert sorted(e for e, _n in report.sent) == to
    vendor_mail = mail_sink.to(city.vendor.email)[0]
    body = vendor_mail.get_content()
    assert vendor_mail["Subject"] == "【委託先監督ポータル】令和8年11月24日のお知らせ（2件）"
    assert "認証の有効期限が近づいています" in body
    assert "消去・廃棄証明の提出期限を過ぎています" in body
    assert "https://portal.city.example.jp/companies/" in body
    assert "再委託" not in body  # the PM's item is not the contractor's business


def test_digest_is_proper_utf8_mail_with_headers(db, mail_sink):
    city = _busy_city()

    deliver_digests(now=NOW, day=TODAY, settings=_settings(mail_sink), lock=False)

    msg = mail_sink.to(city.pm.email)[0]
    assert msg.get_content_charset() == "utf-8"
    assert msg["From"].addresses[0].addr_spec == "itaku-portal@city.example.jp"
    assert msg["From"].addresses[0].display_name == "委託先監督ポータル"
    assert msg["To"].addresses[0].addr_spec == city.pm.email
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"]
    assert msg["Date"]
    assert msg.get_content().startswith(f"{city.pm.name} 様")


def test_a_second_delivery_the_same_day_sends_nothing(db, mail_sink):
    _busy_city()
    settings = _settings(mail_sink)
    deliver_digests(now=NOW, day=TODAY, settings=settings, lock=False)
    mail_sink.clear()

    again = deliver_digests(now=NOW, day=TODAY, settings=settings, lock=False)

    assert mail_sink.messages == []
    assert again.sent == []


def test_delivered_notifications_are_marked_sent(db, mail_sink):
    _busy_city()

    deliver_digests(now=NOW, day=TODAY, settings=_settings(mail_sink), lock=False)

    statuses = set(db.session.scalars(sa.select(Notification.mail_status)))
    assert statuses == {"sent"}


def test_a_notification_after_the_days_digest_waits_for_the_next_day(db, mail_sink):
    city = _busy_city()
    settings = _settings(mail_sink)
    deliver_digests(now=NOW, day=TODAY, settings=settings, lock=False)
    notify(recipients=[city.pm], kind="test.late", subject="午後のお知らせ")
    mail_sink.clear()

    same_day = deliver_digests(now=NOW, day=TODAY, settings=settings, lock=False)
    next_day = deliver_digests(now=NOW, day=TODAY + days(1), settings=settings, lock=False)

    assert same_day.sent == []
    assert next_day.sent == [(city.pm.email, 1)]
    assert "午後のお知らせ" in mail_sink.to(city.pm.email)[0].get_content()


def test_a_failed_delivery_is_retried_the_same_day(db, mail_sink):
    city = _busy_city()
    down = dataclasses.replace(_settings(mail_sink), port=free_port())

    failed = deliver_digests(now=NOW, day=TODAY, settings=down, lock=False)
    pending = set(db.session.scalars(sa.select(Notification.mail_status)))
    retried = deliver_digests(now=NOW, day=TODAY, settings=_settings(mail_sink), lock=False)

    assert len(failed.failed) == 4
    assert pending == {"pending"}
    assert len(retried.sent) == 4
    digest = db.session.scalar(sa.select(MailDigest).where(MailDigest.user_id == city.pm.id))
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 2)


def test_mail_disabled_sends_nothing_and_keeps_notifications_in_the_portal(db, mail_sink):
    _busy_city()
    off = dataclasses.replace(_settings(mail_sink), enabled=False)

    report = deliver_digests(now=NOW, day=TODAY, settings=off, lock=False)

    assert report.enabled is False
    assert mail_sink.messages == []
    assert set(db.session.scalars(sa.select(Notification.mail_status))) == {"pending"}


def test_remind_now_mails_the_contractor_at_once(db, mail_sink):
    city = make_city()
    contract = make_contract(city.section, city.company)
    target = load_target("Contract", contract.id)

    notes = remind_now(actor=city.pm, target=target, message="資料の提出をお願いします")
    sent = deliver_now(notes, settings=_settings(mail_sink))

    assert sent == 2
    assert sorted(m["X-Envelope-To"] for m in mail_sink.messages) == sorted(
        [city.vendor.email, city.vendor2.email]
    )
    assert "資料の提出をお願いします" in mail_sink.messages[0].get_content()
    assert {n.mail_status for n in notes} == {"sent"}


def test_remind_now_with_the_mail_server_down_leaves_it_for_the_digest(db, mail_sink):
    city = make_city()
    contract = make_contract(city.section, city.company)
    notes = remind_now(actor=city.pm, target=load_target("Contract", contract.id))
    down = dataclasses.replace(_settings(mail_sink), port=free_port())

    sent = deliver_now(notes, settings=down)

    assert sent == 0
    assert {n.mail_status for n in notes} == {"pending"}
    db.session.flush()


def test_an_address_the_mail_library_cannot_write_fails_alone_and_the_others_still_get_mail(
    db, mail_sink
):
    city = _busy_city()
    city.vendor.email = "taro yamada@test.example.jp"  # a stray space, e.g. from an import
    db.session.flush()

    report = deliver_digests(now=NOW, day=TODAY, settings=_settings(mail_sink), lock=False)

    assert [e for e, _err in report.failed] == [city.vendor.email]
    assert sorted(m["X-Envelope-To"] for m in mail_sink.messages) == sorted(
        u.email for u in (city.pm, city.procurement, city.vendor2)
    )
    digest = db.session.scalar(sa.select(MailDigest).where(MailDigest.user_id == city.vendor.id))
    assert digest.status == DigestStatus.FAILED


def test_a_digest_left_sending_by_a_dead_process_goes_out_on_a_later_run(db, mail_sink):
    city = _busy_city()
    settings = _settings(mail_sink)
    claim_digest(user_id=city.pm.id, day=TODAY, now=NOW - timedelta(hours=2))  # then it died

    report = deliver_digests(now=NOW, day=TODAY, settings=settings, lock=False)

    assert (city.pm.email, 1) in report.sent
    digest = db.session.scalar(sa.select(MailDigest).where(MailDigest.user_id == city.pm.id))
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 2)
