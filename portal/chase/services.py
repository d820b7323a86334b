"""The chase: find what falls due, notify whoever must act next, exactly once.

`run_chase` runs every rule of `portal.chase.chasers` for one day. Per rule it reads the
open items (a constant number of queries, whatever the number of contracts) and what was
already sent for them (`ChaseMark`, one query); then, for the whole run, it inserts the new
notifications in one statement (`INSERT … ON CONFLICT (dedupe_key) DO NOTHING`), upserts the
marks and records the run. The unique `Notification.dedupe_key`
(`chase:<rule>:<type>:<id>:<scope>:<stage>:<stage day>:u<user>`) is the last guard: even two
processes that both got past the job lock insert each reminder once.

Mail: the day's pending notifications of a user go out as ONE digest (`MailDigest`, unique per
user and day). `claim_digest` / `finish_digest` keep the claim and the result in separate
transactions, so the job (portal/chase/jobs.py) commits before and after talking to SMTP.

Services never commit (the view commits once, so a state change and its audit entry land together).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.account.models import SYSTEM, Actor, Role, User
from portal.audit.services import record
from portal.chase.base import (
    SEVERITY_LABELS,
    Audience,
    ChaseContext,
    DueItem,
    RuleResult,
    Sent,
    current_stage,
)
from portal.chase.chasers import (
    CHASERS,
    CONTRACT_PATH,
    ERASURE_CASE_PATH,
    INSPECTION_PATH,
    RULE_LABELS,
    SUBCONTRACT_PATH,
    contract_title,
)
from portal.chase.models import (
    ChaseMark,
    ChaseRun,
    DigestStatus,
    MailDigest,
    SchedulerHeartbeat,
)
from portal.contract.models import Contract, ContractStatus
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.mail import (
    DigestEntry,
    Mailer,
    MailError,
    MailSettings,
    absolute_url,
    compose,
    digest_text,
)
from portal.notification.models import Notification
from portal.profile import Profile, current_profile
from portal.wareki import today_jst

log = logging.getLogger(__name__)

# Core tables for the bulk statements (no ORM bookkeeping per row).
_NOTIFICATIONS = cast(sa.Table, Notification.__table__)
_MARKS = cast(sa.Table, ChaseMark.__table__)
_DIGESTS = cast(sa.Table, MailDigest.__table__)
_HEARTBEATS = cast(sa.Table, SchedulerHeartbeat.__table__)

KIND_PREFIX = "chase."
_SECTION_AUDIENCES = frozenset({Audience.SECTION_PM, Audience.SECTION_PROCUREMENT})
MANUAL_RULE = "manual"
HEARTBEAT_NAME = "scheduler"
HEARTBEAT_STALE_AFTER = timedelta(minutes=5)
DIGEST_MAX_ATTEMPTS = 3
# A digest still "sending" after this long belonged to a process that died mid-way.
DIGEST_STALE_AFTER = timedelta(hours=1)
_OPEN_CONTRACT = frozenset(
    {
        ContractStatus.CHECKED,
        ContractStatus.ACTIVE,
        ContractStatus.ENDING,
        ContractStatus.ERASURE_PENDING,
    }
)


def process_holder() -> str:
    """Who holds a lock or writes a heartbeat: host, pid and a per-call nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- recipients -----------------------------------------------------------------------------


@dataclass
class Directory:
    """Active users who may receive chase notifications, indexed (one query per run)."""

    emails: dict[int, str] = field(default_factory=dict)
    pm_by_section: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    procurement_by_section: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    contractors_by_company: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    chiefs: list[int] = field(default_factory=list)
    _cache: dict[tuple[Any, ...], tuple[tuple[int, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )

    @classmethod
    def load(cls) -> Directory:
        d = cls()
        rows = db.session.connection().execute(
            sa.select(User.id, User.email, User.role, User.section_id, User.company_id)
            .where(
                User.is_active.is_(True),
                User.role.in_(
                    [Role.PROTECTION_MANAGER, Role.PROCUREMENT, Role.CONTRACTOR, Role.CHIEF]
                ),
            )
            .order_by(User.id)
        )
        for uid, email, role, section_id, company_id in rows:
            d.emails[uid] = email
            if role == Role.PROTECTION_MANAGER and section_id is not None:
                d.pm_by_section[section_id].append(uid)
            elif role == Role.PROCUREMENT and section_id is not None:
                d.procurement_by_section[section_id].append(uid)
            elif role == Role.CONTRACTOR and company_id is not None:
                d.contractors_by_company[company_id].append(uid)
            elif role == Role.CHIEF:
                d.chiefs.append(uid)
        return d

    def resolve(
        self, audience: frozenset[Audience], item: DueItem
    ) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """The users of `audience` for the item, and their addresses. Nobody found (a section
        without a 保護管理者, a 再委託先 without accounts) falls back to the 保護管理者, then
        the 総括保護管理者, so no reminder is silently dropped."""
        # Cached on what the audience reads (a contractor-only stage does not depend on the
        # section), so 100,000 items resolve in a few thousand distinct lookups.
        by_section = bool(audience & _SECTION_AUDIENCES)
        key = (
            audience,
            item.section_ids if by_section else None,
            item.company_ids if Audience.CONTRACTOR in audience else None,
        )
        found = self._cache.get(key)
        if found is None:
            full_key = (audience, item.section_ids, item.company_ids)
            found = self._cache.get(full_key)
            if found is None:
                found, fell_back = self._compute(audience, item)
                self._cache[full_key if fell_back and not by_section else key] = found
        return found

    def _compute(
        self, audience: frozenset[Audience], item: DueItem
    ) -> tuple[tuple[tuple[int, ...], tuple[str, ...]], bool]:
        ids: list[int] = []
        for aud in sorted(audience):
            if aud == Audience.SECTION_PM:
                for s in item.section_ids:
                    ids += self.pm_by_section.get(s, [])
            elif aud == Audience.SECTION_PROCUREMENT:
                for s in item.section_ids:
                    ids += self.procurement_by_section.get(s, [])
            elif aud == Audience.CONTRACTOR:
                for c in item.company_ids:
                    ids += self.contractors_by_company.get(c, [])
            elif aud == Audience.CHIEF:
                ids += self.chiefs
        fell_back = not ids
        if not ids:
            for s in item.section_ids:
                ids += self.pm_by_section.get(s, [])
        if not ids:
            ids = list(self.chiefs)
        users = tuple(dict.fromkeys(ids))
        return (users, tuple(self.emails[u] for u in users)), fell_back


# --- the run --------------------------------------------------------------------------------


@dataclass
class ChaseReport:
    day: date
    dry_run: bool
    rules: list[RuleResult] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    run_id: int | None = None
    skipped: str | None = None  # why nothing ran (e.g. another process holds the lock)

    @property
    def notifications(self) -> int:
        return sum(len(s.user_ids) for s in self.sent)

    def as_dict(self, *, details: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "day": self.day.isoformat(),
            "dry_run": self.dry_run,
            "skipped": self.skipped,
            "run_id": self.run_id,
            "items_sent": len(self.sent),
            "notifications": self.notifications,
            "rules": [
                {
                    "rule": r.rule,
                    "label": r.label,
                    "available": r.available,
                    "items": r.items,
                    "sent": r.sent,
                    "notifications": r.notifications,
                    **({"note": r.note} if r.note else {}),
                }
                for r in self.rules
            ],
        }
        if details:
            out["sent"] = [
                {
                    "rule": s.rule,
                    "object_type": s.object_type,
                    "object_id": s.object_id,
                    "stage": s.stage,
                    "stage_on": s.stage_on.isoformat(),
                    "severity": str(s.severity),
                    "subject": s.subject,
                    "recipients": list(s.emails),
                }
                for s in self.sent
            ]
        return out


def dedupe_key(item: DueItem, stage_name: str, stage_on: date) -> str:
    return (
        f"chase:{item.rule}:{item.object_type}:{item.object_id}:{item.scope}:"
        f"{stage_name}:{stage_on.isoformat()}"
    )


def _insert(table: sa.Table) -> Any:
    """INSERT with ON CONFLICT (the dialect's own construct; both dialects spell it alike)."""
    return (postgresql.insert if db.is_postgresql else sqlite.insert)(table)


def _insert_ignoring_duplicates(
    table: sa.Table, rows: Sequence[dict[str, Any]], index_elements: list[str]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL) for many rows at once."""
    if not rows:
        return
    stmt = _insert(table).on_conflict_do_nothing(index_elements=index_elements)
    db.session.execute(stmt, list(rows))


def _upsert_marks(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(_MARKS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["rule", "object_type", "object_id"],
        set_={
            "scope": stmt.excluded.scope,
            "stage": stmt.excluded.stage,
            "stage_on": stmt.excluded.stage_on,
            "sent_at": stmt.excluded.sent_at,
        },
    )
    db.session.execute(stmt, list(rows))


def _marks(rule: str) -> dict[tuple[str, int], tuple[str, str, date]]:
    rows = db.session.connection().execute(
        sa.select(
            ChaseMark.object_type,
            ChaseMark.object_id,
            ChaseMark.scope,
            ChaseMark.stage,
            ChaseMark.stage_on,
        ).where(ChaseMark.rule == rule)
    )
    return {(t, i): (scope, stage, on) for t, i, scope, stage, on in rows}


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """A run creates a handful of small acyclic objects per open item (hundreds of thousands
    for a large city); the cyclic garbage collector would re-scan all of them again and
    again, doubling the run's time (measured: bench/bench_chase.py). Reference counting
    still frees everything; the collector is back on when the run ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _subject_only(chaser: Any, item: DueItem, stage: Any, ctx: ChaseContext) -> str:
    return str(chaser.message(item, stage, ctx, with_body=False)[0])


def run_chase(
    *,
    today: date,
    dry_run: bool = False,
    profile: Profile | None = None,
    now: datetime | None = None,
    rules: Collection[str] | None = None,
    actor: Actor = SYSTEM,
    holder: str | None = None,
) -> ChaseReport:
    """Run every chase rule for `today` (never commits).

    Sends — i.e. records as Notification rows, which the bell shows and the mail job
    delivers — the current stage of every open item that has not had it yet. With
    `dry_run`, computes the same and writes nothing. Query count: one for the recipients,
    per rule its item queries plus one for its marks, then three writes and the run record.
    """
    with _without_cyclic_gc():
        return _run_chase(
            today=today,
            dry_run=dry_run,
            profile=profile,
            now=now,
            rules=rules,
            actor=actor,
            holder=holder,
        )


def _run_chase(
    *,
    today: date,
    dry_run: bool,
    profile: Profile | None,
    now: datetime | None,
    rules: Collection[str] | None,
    actor: Actor,
    holder: str | None,
) -> ChaseReport:
    now = now or utcnow()
    ctx = ChaseContext(today=today, profile=profile or current_profile())
    report = ChaseReport(day=today, dry_run=dry_run)
    directory = Directory.load()
    notes: list[dict[str, Any]] = []
    mark_rows: list[dict[str, Any]] = []
    stale_marks: list[dict[str, Any]] = []
    for chaser in CHASERS:
        if rules is not None and chaser.rule not in rules:
            continue
        result = RuleResult(rule=chaser.rule, label=chaser.label)
        report.rules.append(result)
        if not chaser.available():
            result.available = False
            result.note = "機能が未導入のため対象外"
            continue
        marks = _marks(chaser.rule)
        seen: set[tuple[str, int]] = set()
        for item in chaser.due_items(ctx):
            item_key = (item.object_type, item.object_id)
            seen.add(item_key)
            stage = current_stage(item.stages, today)
            if stage is None:
                continue
            result.items += 1
            if marks.get(item_key) == (item.scope, stage.name, stage.on):
                continue  # already sent
            users, emails = directory.resolve(stage.audience, item)
            subject: str | Callable[[], str]
            if dry_run:
                subject = partial(_subject_only, chaser, item, stage, ctx)
            else:
                subject, body = chaser.message(item, stage, ctx)
                key = dedupe_key(item, stage.name, stage.on)
                kind = KIND_PREFIX + chaser.rule
                notes.extend(
                    {
                        "user_id": uid,
                        "kind": kind,
                        "subject": subject,
                        "body": body,
                        "url": item.url,
                        "object_type": item.object_type,
                        "object_id": item.object_id,
                        "contract_id": item.contract_id,
                        "dedupe_key": f"{key}:u{uid}",
                        "created_at": now,
                        "read_at": None,
                        "mail_status": "pending",
                        "mailed_at": None,
                    }
                    for uid in users
                )
                mark_rows.append(
                    {
                        "rule": chaser.rule,
                        "object_type": item.object_type,
                        "object_id": item.object_id,
                        "scope": item.scope,
                        "stage": stage.name,
                        "stage_on": stage.on,
                        "sent_at": now,
                    }
                )
            result.sent += 1
            result.notifications += len(users)
            report.sent.append(
                Sent(
                    chaser.rule,
                    item.object_type,
                    item.object_id,
                    stage.name,
                    stage.on,
                    stage.severity,
                    subject,
                    users,
                    emails,
                )
            )
        # Marks of items no longer open (done, withdrawn, renewed) are dropped, so the table
        # holds only what is being chased now.
        stale_marks += [{"r": chaser.rule, "t": t, "i": i} for (t, i) in marks.keys() - seen]
    if dry_run:
        return report
    _insert_ignoring_duplicates(_NOTIFICATIONS, notes, ["dedupe_key"])
    _upsert_marks(mark_rows)
    if stale_marks:
        db.session.execute(
            sa.delete(_MARKS).where(
                _MARKS.c.rule == sa.bindparam("r"),
                _MARKS.c.object_type == sa.bindparam("t"),
                _MARKS.c.object_id == sa.bindparam("i"),
            ),
            stale_marks,
        )
    summary = {
        r.rule: {"items": r.items, "sent": r.sent, "notifications": r.notifications}
        for r in report.rules
    }
    run = ChaseRun(
        day=today,
        holder=holder or process_holder(),
        started_at=now,
        finished_at=utcnow(),
        items=len(report.sent),
        notifications=report.notifications,
        summary=summary,
    )
    db.session.add(run)
    db.session.flush()
    report.run_id = run.id
    record(
        actor,
        "chase.run",
        run,
        data={"day": today.isoformat(), "sent": len(report.sent), "rules": summary},
    )
    return report


# --- reminder history and 「今すぐ督促」 --------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """An object a reminder can be about, with what the policies and the history need."""

    object_type: str
    object_id: int
    obj: Any
    title: str
    url: str | None
    contract_id: int | None
    contract_status: ContractStatus | None
    section_id: int | None
    company_ids: tuple[int, ...]

    @property
    def is_open(self) -> bool:
        return self.contract_status in _OPEN_CONTRACT


def _contract_target(c: Contract, object_type: str, obj: Any, url: str, *extra: int) -> Target:
    return Target(
        object_type=object_type,
        object_id=obj.id,
        obj=obj,
        title=contract_title(c.number, c.title),
        url=url,
        contract_id=c.id,
        contract_status=c.status,
        section_id=c.section_id,
        company_ids=tuple(dict.fromkeys([*extra, c.company_id])),
    )


def target_for(obj: Any) -> Target | None:
    """The chase target of a model instance (None for objects reminders are not about)."""
    name = type(obj).__name__
    if name == "Contract":
        return _contract_target(obj, name, obj, CONTRACT_PATH.format(obj.id))
    if name == "SubcontractRequest":
        return _contract_target(
            obj.contract, name, obj, SUBCONTRACT_PATH.format(obj.id), obj.requester_company_id
        )
    if name == "Inspection":
        return _contract_target(
            obj.contract, name, obj, INSPECTION_PATH.format(obj.id), obj.company_id
        )
    if name == "CorrectiveAction":
        insp = obj.inspection
        return _contract_target(
            insp.contract, name, obj, INSPECTION_PATH.format(insp.id), insp.company_id
        )
    if name == "ErasureObligation":
        return _contract_target(
            obj.contract, name, obj, ERASURE_CASE_PATH.format(obj.contract_id), obj.company_id
        )
    return None


def load_target(object_type: str, object_id: int) -> Target | None:
    """Load the object named in a URL; None when the type is unknown or the row missing."""
    model = _model_for(object_type)
    if model is None:
        return None
    obj = db.session.get(model, object_id)
    return target_for(obj) if obj is not None else None


def _model_for(object_type: str) -> type[Any] | None:
    if object_type == "Contract":
        return Contract
    if object_type == "SubcontractRequest":
        from portal.subcontract.models import SubcontractRequest

        return SubcontractRequest
    try:
        if object_type in {"Inspection", "CorrectiveAction"}:
            from portal.inspection import models as inspection_models

            return getattr(inspection_models, object_type)  # type: ignore[no-any-return]
        if object_type == "ErasureObligation":
            from portal.erasure.models import ErasureObligation

            return ErasureObligation
    except ModuleNotFoundError:
        return None
    return None


@dataclass(frozen=True)
class HistoryEntry:
    created_at: datetime
    rule: str
    rule_label: str
    subject: str
    severity_label: str
    recipients: tuple[str, ...]  # "氏名（役割）"
    mailed: int  # how many of the recipients' mails went out


_SEVERITY_LABEL_SET = frozenset(SEVERITY_LABELS.values())


def _severity_of(rule: str, subject: str) -> str:
    """The label the subject starts with (「【期限超過】…」, written by the chaser from the
    stage's severity): a stage name alone does not tell it (erasure's "escalation" goes to
    the 保護管理者 as 期限超過, not to the 総括保護管理者)."""
    if rule == MANUAL_RULE:
        return "手動督促"
    label = subject[1 : subject.find("】")] if subject.startswith("【") else ""
    return label if label in _SEVERITY_LABEL_SET else ""


def reminder_history(
    object_type: str, object_id: int, *, viewer: Any = None, limit: int = 50
) -> list[HistoryEntry]:
    """Every reminder sent about the object, newest first (one query). For a Contract, the
    reminders about its inspections, tiers and erasure proof are included. A contractor
    viewer sees only what was sent to its own company's users (each recipient sees only what
    concerns them); city staff see every recipient."""
    cond = sa.and_(Notification.object_type == object_type, Notification.object_id == object_id)
    if object_type == "Contract":
        cond = sa.or_(cond, Notification.contract_id == object_id)
    stmt = (
        sa.select(
            Notification.created_at,
            Notification.kind,
            Notification.subject,
            Notification.dedupe_key,
            Notification.mail_status,
            User.name,
            User.role,
            User.company_id,
        )
        .join(User, User.id == Notification.user_id)
        .where(cond, Notification.kind.startswith(KIND_PREFIX))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit * 20)
    )
    if isinstance(viewer, User) and viewer.role == Role.CONTRACTOR:
        stmt = stmt.where(User.company_id == viewer.company_id, User.role == Role.CONTRACTOR)
    profile = current_profile()
    grouped: dict[str, dict[str, Any]] = {}
    for created_at, kind, subject, key, mail_status, name, role, _company in db.session.execute(
        stmt
    ):
        base = (key or f"{kind}:{created_at.isoformat()}").rsplit(":u", 1)[0]
        entry = grouped.get(base)
        if entry is None:
            if len(grouped) >= limit:
                continue
            rule = kind.removeprefix(KIND_PREFIX)
            entry = grouped[base] = {
                "created_at": created_at,
                "rule": rule,
                "rule_label": RULE_LABELS.get(rule, rule),
                "subject": subject,
                "severity_label": _severity_of(rule, subject),
                "recipients": [],
                "mailed": 0,
            }
        entry["recipients"].append(f"{name}（{profile.role_label(str(role))}）")
        entry["mailed"] += mail_status == "sent"
    return [HistoryEntry(**{**e, "recipients": tuple(e["recipients"])}) for e in grouped.values()]


def manual_recipients(target: Target) -> list[User]:
    """「今すぐ督促」 goes to the side the 保護管理者 is waiting for: the contractor's users
    (and those of the inspected or submitting company)."""
    if not target.company_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.role == Role.CONTRACTOR,
                User.company_id.in_(target.company_ids),
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )


def remind_now(
    *, actor: User, target: Target, message: str = "", now: datetime | None = None
) -> list[Notification]:
    """The 保護管理者 sends one reminder about `target` now (at most once a day per object).

    Recorded like every reminder (Notification rows, so it shows in the history and the
    bell) and audited. The rows are created with mail_status 'sending': the caller mails them
    at once (`deliver_now`), and the daily digest does not pick them up meanwhile."""
    now = now or utcnow()
    if not target.is_open:
        raise PortalError("この契約は終了または取消済みのため、督促できません。")
    message = " ".join(message.split())
    if len(message) > 500:
        raise PortalError("督促のメッセージは500文字以内で入力してください。")
    recipients = manual_recipients(target)
    if not recipients:
        raise PortalError("督促先となる委託先の担当者アカウントが登録されていません。")
    day = today_jst(now)
    key = (
        f"chase:{MANUAL_RULE}:{target.object_type}:{target.object_id}:{day.isoformat()}:"
        f"manual:{day.isoformat()}"
    )
    if db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.dedupe_key.startswith(key))
    ):
        raise PortalError("この案件には本日すでに督促を送信しています（1日1回まで）。")
    subject = f"【督促】{target.title}"[:200]
    lines = [
        f"{actor.name}（{current_profile().role_label('protection_manager')}）から督促がありました。",
        "",
        f"対象: {target.title}",
    ]
    if message:
        lines += ["", f"メッセージ: {message}"]
    lines += ["", "ポータルで内容を確認し、対応してください。"]
    notes = []
    for user in recipients:
        note = Notification(
            user_id=user.id,
            kind=KIND_PREFIX + MANUAL_RULE,
            subject=subject,
            body="\n".join(lines),
            url=target.url,
            object_type=target.object_type,
            object_id=target.object_id,
            contract_id=target.contract_id,
            dedupe_key=f"{key}:u{user.id}",
            created_at=now,
            mail_status="sending",
        )
        db.session.add(note)
        notes.append(note)
    db.session.flush()
    record(
        actor,
        "chase.reminded",
        target.obj,
        contract_id=target.contract_id,
        data={
            "object_type": target.object_type,
            "object_id": target.object_id,
            "recipients": len(notes),
            "with_message": bool(message),
        },
        now=now,
    )
    return notes


def deliver_now(
    notes: Sequence[Notification], *, settings: MailSettings, now: datetime | None = None
) -> int:
    """Mail notifications one by one right away (「今すぐ督促」); marks them sent, or back to
    pending for the next digest when mail is off or the server fails. Never commits."""
    now = now or utcnow()
    if not notes:
        return 0
    if not settings.enabled:
        for note in notes:
            note.mail_status = "pending"
        db.session.flush()
        return 0
    users = {
        u.id: u
        for u in db.session.scalars(sa.select(User).where(User.id.in_([n.user_id for n in notes])))
    }
    sent = 0
    try:
        with Mailer(settings) as mailer:
            for note in notes:
                user = users[note.user_id]
                body = note.body
                link = absolute_url(settings.base_url, note.url)
                if link:
                    body += f"\n\n{link}\n"
                mailer.send(
                    compose(
                        settings=settings,
                        to_address=user.email,
                        to_name=user.name,
                        subject=note.subject,
                        body=f"{user.name} 様\n\n{body}",
                        now=now,
                    )
                )
                note.mail_status = "sent"
                note.mailed_at = now
                sent += 1
    except MailError as exc:
        log.warning("immediate reminder mail failed: %s", exc)
    for note in notes:
        if note.mail_status != "sent":
            note.mail_status = "pending"
    db.session.flush()
    return sent


# --- heartbeat -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatStatus:
    state: str  # ok | stale | never
    beat_at: datetime | None
    holder: str | None
    started_at: datetime | None

    @property
    def stale(self) -> bool:
        return self.state != "ok"


def record_heartbeat(*, holder: str, now: datetime, started_at: datetime | None = None) -> None:
    """The scheduler is alive (one upsert; never commits)."""
    stmt = _insert(_HEARTBEATS).values(
        name=HEARTBEAT_NAME, holder=holder, started_at=started_at or now, beat_at=now
    )
    update: dict[str, Any] = {"holder": stmt.excluded.holder, "beat_at": stmt.excluded.beat_at}
    if started_at is not None:
        update["started_at"] = stmt.excluded.started_at
    db.session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=update))


def heartbeat_status(*, now: datetime | None = None) -> HeartbeatStatus:
    now = now or utcnow()
    row = db.session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if row is None:
        return HeartbeatStatus("never", None, None, None)
    state = "stale" if now - row.beat_at > HEARTBEAT_STALE_AFTER else "ok"
    return HeartbeatStatus(state, row.beat_at, row.holder, row.started_at)


def recent_runs(limit: int = 10) -> list[ChaseRun]:
    return list(db.session.scalars(sa.select(ChaseRun).order_by(ChaseRun.id.desc()).limit(limit)))


# --- daily digests ------------------------------------------------------------------------


@dataclass
class DigestClaim:
    digest_id: int
    user_id: int
    email: str
    name: str
    day: date
    note_ids: list[int]
    entries: list[DigestEntry]


def recover_stale_digests(*, now: datetime) -> int:
    """A digest left 'sending' by a process that died: give its notifications back to the
    queue (they may go out twice; losing them silently would be worse)."""
    users = list(
        db.session.scalars(
            sa.update(_DIGESTS)
            .where(
                _DIGESTS.c.status == DigestStatus.SENDING.value,
                _DIGESTS.c.claimed_at < now - DIGEST_STALE_AFTER,
            )
            .values(status=DigestStatus.FAILED.value, error="interrupted")
            .returning(_DIGESTS.c.user_id)
        )
    )
    if users:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.user_id.in_(set(users)), Notification.mail_status == "sending")
            .values(mail_status="pending")
        )
    return len(users)


def digest_recipients() -> list[int]:
    """Active users with notifications waiting for mail (one query)."""
    return list(
        db.session.scalars(
            sa.select(Notification.user_id)
            .join(User, User.id == Notification.user_id)
            .where(Notification.mail_status == "pending", User.is_active.is_(True))
            .distinct()
            .order_by(Notification.user_id)
        )
    )


def claim_digest(*, user_id: int, day: date, now: datetime) -> DigestClaim | None:
    """Take the user's digest of `day` (at most one per user and day, whatever the number of
    processes) and the notifications it carries. None when there is nothing to send or the
    day's digest is already taken. Never commits: the caller commits before mailing."""
    ids = list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.user_id == user_id, Notification.mail_status == "pending")
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if not ids:
        return None
    # RETURNING, not rowcount: drivers disagree on rowcount for INSERT … ON CONFLICT.
    digest_id = db.session.execute(
        _insert(_DIGESTS)
        .values(
            user_id=user_id,
            day=day,
            status=DigestStatus.SENDING.value,
            attempts=1,
            notification_count=len(ids),
            claimed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(_DIGESTS.c.id)
    ).scalar_one_or_none()
    if digest_id is None:
        digest_id = db.session.execute(
            sa.update(_DIGESTS)
            .where(
                _DIGESTS.c.user_id == user_id,
                _DIGESTS.c.day == day,
                _DIGESTS.c.status == DigestStatus.FAILED.value,
                _DIGESTS.c.attempts < DIGEST_MAX_ATTEMPTS,
            )
            .values(
                status=DigestStatus.SENDING.value,
                attempts=_DIGESTS.c.attempts + 1,
                claimed_at=now,
                notification_count=len(ids),
                error=None,
            )
            .returning(_DIGESTS.c.id)
        ).scalar_one_or_none()
        if digest_id is None:
            return None
    # Only what is still pending is ours (an immediate reminder may have taken some).
    ids = sorted(
        db.session.scalars(
            sa.update(_NOTIFICATIONS)
            .where(_NOTIFICATIONS.c.id.in_(ids), _NOTIFICATIONS.c.mail_status == "pending")
            .values(mail_status="sending")
            .returning(_NOTIFICATIONS.c.id)
        )
    )
    user = db.session.get(User, user_id)
    if user is None:  # deleted meanwhile
        return None
    entries = [
        DigestEntry(subject=s, body=b, url=u, created_at=c)
        for s, b, u, c in db.session.execute(
            sa.select(
                Notification.subject, Notification.body, Notification.url, Notification.created_at
            )
            .where(Notification.id.in_(ids))
            .order_by(Notification.created_at, Notification.id)
        )
    ]
    return DigestClaim(digest_id, user_id, user.email, user.name, day, ids, entries)


def build_digest(claim: DigestClaim, *, settings: MailSettings, now: datetime) -> Any:
    subject, body = digest_text(
        settings=settings, name=claim.name, day=claim.day, entries=claim.entries
    )
    return compose(
        settings=settings,
        to_address=claim.email,
        to_name=claim.name,
        subject=subject,
        body=body,
        now=now,
    )


def finish_digest(
    claim: DigestClaim, *, now: datetime, message_id: str | None = None, error: str | None = None
) -> None:
    """Record the outcome: sent (notifications marked sent) or failed (back to pending,
    retried later the same day up to DIGEST_MAX_ATTEMPTS)."""
    ok = error is None
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(claim.note_ids), Notification.mail_status == "sending")
        .values(mail_status="sent" if ok else "pending", mailed_at=now if ok else None)
    )
    db.session.execute(
        sa.update(MailDigest)
        .where(MailDigest.id == claim.digest_id)
        .values(
            status=DigestStatus.SENT if ok else DigestStatus.FAILED,
            sent_at=now if ok else None,
            message_id=message_id,
            error=(error or "")[:300] or None,
            notification_count=len(claim.note_ids),
        )
    )
