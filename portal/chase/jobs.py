"""Scheduled work of the chase: plain functions, idempotent, each commits.

The scheduler (portal/scheduler.py) and the CLI (`portal chase run`, `portal chase send-mail`)
call the same functions. Each takes a database lock first (portal/chase/locks.py), so two
schedulers started by mistake do the work once; and each is idempotent without the lock too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app

from portal.chase import services
from portal.chase.locks import job_lock
from portal.chase.services import ChaseReport
from portal.extensions import db
from portal.mail import Mailer, MailError, MailSettings
from portal.scheduler import ScheduledJob
from portal.wareki import today_jst

log = logging.getLogger(__name__)

CHASE_LOCK = "chase.run"
MAIL_LOCK = "chase.send_mail"
MAIL_LOCK_WAIT_SECONDS = 600.0
# One holder name per process for the heartbeat (a restart shows as a new holder).
_PROCESS = services.process_holder()
_started: dict[str, datetime] = {}


@contextmanager
def _maybe_lock(name: str, holder: str, lock: bool, wait: float = 0.0) -> Iterator[bool]:
    if not lock:
        yield True
        return
    with job_lock(name, engine=db.engine, holder=holder, wait=wait) as got:
        yield got


def run_chase_job(
    *, now: datetime, today: date | None = None, dry_run: bool = False, lock: bool = True
) -> ChaseReport:
    """Chase everything due on `today` (default: today in Japan) and commit, under the job
    lock. A dry run takes no lock and writes nothing. `lock=False` is for tests that run
    inside one open transaction (the lock needs a connection of its own)."""
    today = today or today_jst(now)
    if dry_run:
        try:
            return services.run_chase(today=today, dry_run=True, now=now)
        finally:
            db.session.rollback()
    holder = services.process_holder()
    with _maybe_lock(CHASE_LOCK, holder, lock) as got:
        if not got:
            log.info("chase for %s skipped: another process holds the lock", today)
            return ChaseReport(day=today, dry_run=False, skipped="locked")
        try:
            report = services.run_chase(today=today, now=now, holder=holder)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    log.info(
        "chase for %s: %d item(s), %d notification(s)",
        today,
        len(report.sent),
        report.notifications,
    )
    return report


def chase_overdue(*, now: datetime) -> int:
    """The scheduler's daily chase; returns how many items had a reminder sent."""
    return len(run_chase_job(now=now).sent)


@dataclass
class MailReport:
    day: date
    enabled: bool = True
    skipped: str | None = None
    sent: list[tuple[str, int]] = field(default_factory=list)  # (email, notifications)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (email, error)

    def as_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "enabled": self.enabled,
            "skipped": self.skipped,
            "sent": [{"to": e, "notifications": n} for e, n in self.sent],
            "failed": [{"to": e, "error": err} for e, err in self.failed],
        }


def deliver_digests(
    *,
    now: datetime,
    day: date | None = None,
    settings: MailSettings | None = None,
    lock: bool = True,
) -> MailReport:
    """Mail each user's pending notifications as ONE digest for the day (at most one per
    user and day). Commits the claim before talking to SMTP and the result after it."""
    day = day or today_jst(now)
    settings = settings or MailSettings.from_config(current_app.extensions["portal_config"])
    report = MailReport(day=day, enabled=settings.enabled)
    if not settings.enabled:
        log.info("mail is disabled (MAIL_ENABLED); notifications stay in the portal")
        return report
    holder = services.process_holder()
    # Wait for a mail run already under way instead of skipping: it may have looked for
    # pending notifications before this process's chase committed them.
    with _maybe_lock(MAIL_LOCK, holder, lock, wait=MAIL_LOCK_WAIT_SECONDS) as got:
        if not got:
            report.skipped = "locked"
            return report
        services.recover_stale_digests(now=now)
        db.session.commit()
        mailer: Mailer | None = None
        try:
            for user_id in services.digest_recipients():
                claim = services.claim_digest(user_id=user_id, day=day, now=now)
                db.session.commit()
                if claim is None:
                    continue
                try:
                    msg = services.build_digest(claim, settings=settings, now=now)
                    if mailer is None:
                        mailer = Mailer(settings).__enter__()
                    mailer.send(msg)
                except MailError as exc:
                    log.warning("digest to user %s failed: %s", user_id, exc)
                    services.finish_digest(claim, now=now, error=str(exc))
                    report.failed.append((claim.email, str(exc)))
                    if mailer is not None:
                        mailer.__exit__(None, None, None)
                        mailer = None
                else:
                    services.finish_digest(claim, now=now, message_id=str(msg["Message-ID"]))
                    report.sent.append((claim.email, len(claim.note_ids)))
                db.session.commit()
        finally:
            if mailer is not None:
                mailer.__exit__(None, None, None)
            db.session.rollback()
    log.info("digests for %s: %d sent, %d failed", day, len(report.sent), len(report.failed))
    return report


def send_mail_digests(*, now: datetime) -> int:
    """The scheduler's mail run; returns how many digests went out."""
    return len(deliver_digests(now=now).sent)


def beat(*, now: datetime) -> int:
    """Record that the scheduler is alive (the admin dashboard warns when it goes stale)."""
    first = _PROCESS not in _started
    started = _started.setdefault(_PROCESS, now)
    services.record_heartbeat(holder=_PROCESS, now=now, started_at=started if first else None)
    db.session.commit()
    return 1


# Times are Asia/Tokyo. The chase runs once at start too (idempotent), so a scheduler that
# was down at 07:00 catches up when it comes back.
SCHEDULE = (
    ScheduledJob(beat, "interval", {"minutes": 1}, run_at_start=True),
    ScheduledJob(chase_overdue, "cron", {"hour": 7, "minute": 0}, run_at_start=True),
    ScheduledJob(send_mail_digests, "cron", {"hour": "7-18", "minute": 15}, run_at_start=True),
)
