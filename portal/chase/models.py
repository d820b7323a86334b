"""Tables of the scheduler and the chase.

- `job_locks`: one row per job name; the lock of a job on SQLite (PostgreSQL uses advisory
  locks), so two schedulers started by mistake never run the same job at once.
- `scheduler_heartbeats`: the scheduler's "still alive" row, written every minute.
- `chase_runs`: one row per (non dry-run) chase, with what each rule found and sent.
- `chase_marks`: what each rule last sent for each object it currently chases (the stage and
  its day), so a run knows in one query per rule what is already done. A mark disappears when
  its object no longer falls due.
- `mail_digests`: one row per recipient per day — the "one digest a day" guarantee.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow


class JobLock(Base):
    __tablename__ = "job_locks"

    name: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(200))
    acquired_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]


class SchedulerHeartbeat(Base):
    __tablename__ = "scheduler_heartbeats"

    name: so.Mapped[str] = so.mapped_column(sa.String(50), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(200))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    beat_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ChaseRun(Base):
    __tablename__ = "chase_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(200))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    finished_at: so.Mapped[datetime | None]
    items: so.Mapped[int] = so.mapped_column(default=0)
    notifications: so.Mapped[int] = so.mapped_column(default=0)
    # {rule: {"items": n, "sent": m, "notifications": k}} — counts only, no personal data.
    summary: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)


class ChaseMark(Base):
    __tablename__ = "chase_marks"

    rule: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    object_id: so.Mapped[int] = so.mapped_column(sa.BigInteger, primary_key=True)
    # The item's own key part (e.g. the 年度 for yearly inspections); a new one restarts stages.
    scope: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    stage: so.Mapped[str] = so.mapped_column(sa.String(30))
    stage_on: so.Mapped[date] = so.mapped_column(sa.Date)
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class DigestStatus(enum.StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MailDigest(Base):
    __tablename__ = "mail_digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    status: so.Mapped[DigestStatus] = so.mapped_column(
        str_enum(DigestStatus, length=10), default=DigestStatus.SENDING, index=True
    )
    attempts: so.Mapped[int] = so.mapped_column(default=1)
    notification_count: so.Mapped[int] = so.mapped_column(default=0)
    message_id: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    error: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    claimed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]
