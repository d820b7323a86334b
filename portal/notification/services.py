"""notify(): in-portal notifications (and queued mail) in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from portal.account.models import User
from portal.extensions import db
from portal.notification.models import Notification


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str = "",
    obj: Any = None,
    url: str | None = None,
    contract_id: int | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Queue one notification per active recipient; never commits. With dedupe_key, a
    recipient who already has that key gets nothing new (idempotent chasing)."""
    created: list[Notification] = []
    people = list({u.id: u for u in recipients if u.is_active}.values())
    taken: set[str] = set()
    if dedupe_key and people:
        # One query for every recipient's key, not one per recipient.
        taken = set(
            db.session.scalars(
                sa.select(Notification.dedupe_key).where(
                    Notification.dedupe_key.in_([f"{dedupe_key}:u{u.id}" for u in people])
                )
            )
        )
    for user in people:
        key = f"{dedupe_key}:u{user.id}" if dedupe_key else None
        if key in taken:
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            object_type=type(obj).__name__ if obj is not None else None,
            object_id=getattr(obj, "id", None),
            contract_id=contract_id,
            dedupe_key=key,
        )
        db.session.add(note)
        created.append(note)
    db.session.flush()
    return created


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def notifications_stmt(user: User) -> sa.Select[Notification]:
    """The user's notifications, newest first."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(*, actor: User, note: Notification, now: datetime) -> None:
    """The recipient has opened the notification (its own; unchanged when already read)."""
    if note.read_at is None:
        note.read_at = now
        db.session.flush()


def mark_all_read(*, actor: User, now: datetime) -> None:
    """Every unread notification of the recipient is read."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
