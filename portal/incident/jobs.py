"""Reminders of the PPC clocks, the pending decision and overdue measures (scheduler job).

Each reminder goes out once per stage (warning from day 3, due day, overdue …): the dedupe
key names the case, the clock, the stage and the due date, and `notify()` skips a key that
already exists. The job lock keeps two schedulers from running it at the same time, so two
processes started by mistake still send each reminder exactly once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from portal.chase.locks import job_lock
from portal.chase.services import process_holder
from portal.extensions import db
from portal.incident import services
from portal.incident.display import wareki_weekday
from portal.incident.models import Incident, IncidentStatus
from portal.incident.rules import IncidentRules, current_rules
from portal.scheduler import ScheduledJob
from portal.wareki import today_jst, wareki_date

log = logging.getLogger(__name__)

LOCK = "incident.remind"
DECISION_AFTER_DAYS = 1  # a case still undecided on day 2 is chased


def _remind_one(incident: Incident, rules: IncidentRules, today: date) -> int:
    sent = 0
    base_roles = tuple(dict.fromkeys((*rules.told_at_once, rules.ppc_reporter)))
    if (
        incident.status == IncidentStatus.REPORTED
        and (today - incident.known_on).days >= DECISION_AFTER_DAYS
    ):
        sent += len(
            services.tell(
                incident,
                services.recipients_for(rules.told_at_once, incident.section_id),
                what="decision_pending",
                subject=f"【判断待ち】漏えい等事案: {incident.title}",
                body="委員会への報告の要否がまだ判断されていません。速報の期限に間に合うよう判断してください。",
                dedupe_key=f"incident:{incident.id}:decision:pending",
            )
        )
    for clock in services.clocks(incident, rules, today):
        if clock.due is None or clock.stage not in {"warning", "due_today", "overdue"}:
            continue
        roles = base_roles + (rules.escalation if clock.stage == "overdue" else ())
        word = {
            "warning": "期限が近づいています",
            "due_today": "本日が期限です",
            "overdue": "期限を過ぎています",
        }
        sent += len(
            services.tell(
                incident,
                services.recipients_for(roles, incident.section_id),
                what=f"{clock.key}_{clock.stage}",
                subject=f"【{clock.label}】{word[clock.stage]}: {incident.title}",
                body=(
                    f"個人情報保護委員会への{clock.label}の期限は{wareki_weekday(clock.due)}です"
                    f"（{wareki_date(incident.known_on)}を1日目として{clock.day}日目）。"
                    "報告したら、ポータルに報告日を記録してください。"
                ),
                dedupe_key=f"incident:{incident.id}:{clock.key}:{clock.stage}:{clock.due.isoformat()}",
            )
        )
    for measure in incident.measures:
        if measure.done_on is None and measure.due_on < today:
            sent += len(
                services.tell(
                    incident,
                    services.recipients_for(rules.told_at_once, incident.section_id),
                    what="measure_overdue",
                    subject=f"【再発防止策】期限を過ぎています: {incident.title}",
                    body=(
                        f"{measure.description}（担当: {measure.owner}、"
                        f"期限: {wareki_date(measure.due_on)}）"
                    ),
                    dedupe_key=f"incident:{incident.id}:measure:{measure.id}:overdue",
                )
            )
    return sent


def send_reminders(*, now: datetime, today: date | None = None, lock: bool = True) -> int | None:
    """Create today's reminders and commit; None when another process holds the lock.
    `lock=False` is for tests inside one open transaction (the lock needs its own connection)."""
    today = today or today_jst(now)
    rules = current_rules()

    def work() -> int:
        try:
            count = sum(
                _remind_one(i, rules, today) for i in services.open_incidents_for_reminders()
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return count

    if not lock:
        return work()
    with job_lock(LOCK, engine=db.engine, holder=process_holder()) as got:
        if not got:
            log.info("incident reminders for %s skipped: another process holds the lock", today)
            return None
        return work()


def remind_incident_deadlines(*, now: datetime) -> int:
    """The scheduler's run: how many notifications were created."""
    return send_reminders(now=now) or 0


# Before the 07:15 mail digest; once at start too (idempotent), so a scheduler that was down
# catches up when it comes back.
SCHEDULE = (
    ScheduledJob(remind_incident_deadlines, "cron", {"hour": 6, "minute": 30}, run_at_start=True),
)
