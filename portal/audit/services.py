"""record() writes an audit entry in the caller's transaction; verify() checks the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from portal.account.models import Actor, User
from portal.audit.models import AuditChainHead, AuditEntry
from portal.db import contains, utcnow
from portal.extensions import db
from portal.wareki import jst_datetime

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "contract_id": entry.contract_id,
        "data": entry.data,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _object_ref(obj: Any) -> tuple[str | None, int | None]:
    if obj is None:
        return None, None
    return type(obj).__name__, getattr(obj, "id", None)


def record(
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    contract_id: int | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the current transaction (never commits).

    `data` holds small structured facts (ids, states, before/after of non-personal fields);
    never personal information: the log is kept longer than the records it describes.
    """
    session = db.session
    if obj is not None and getattr(obj, "id", None) is None:
        session.flush()
    # synchronize_session=False: the default "evaluate" scans every object in the session for
    # each entry, which made a transaction writing thousands of entries (an import) quadratic.
    head = session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if head is None:
        # First entry ever: create the head row (unique pk stops a concurrent double insert).
        session.add(AuditChainHead(id=1, seq=1, hash=GENESIS))
        session.flush()
        seq, prev = 1, GENESIS
    else:
        seq, prev = head
    object_type, object_id = _object_ref(obj)
    entry = AuditEntry(
        seq=seq,
        created_at=now or utcnow(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor.name if isinstance(actor, User) else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        contract_id=contract_id,
        data=data or {},
        ip=request.remote_addr if has_request_context() else None,
        prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(hash=entry.hash)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    entry_id: int | None
    reason: str


def _iter_entries(batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        db.session.expunge_all()


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return (entries checked, first problem or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in _iter_entries():
        if entry.seq != expected_seq:
            return count, ChainProblem(
                expected_seq, None, f"seq {expected_seq} is missing (deleted entry?)"
            )
        if entry.prev_hash != expected_prev:
            return count, ChainProblem(
                entry.seq, entry.id, "prev_hash does not match the previous entry (inserted?)"
            )
        if entry_hash(entry) != entry.hash:
            return count, ChainProblem(
                entry.seq, entry.id, "content does not match its hash (altered)"
            )
        expected_prev = entry.hash
        expected_seq += 1
        count += 1
    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return count, ChainProblem(
            count + 1,
            None,
            f"chain head says {head.seq} entries but {count} were found (tail deleted?)",
        )
    return count, None


# --- the log screen and its export ---------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the log screen filters on (each None or empty when not asked for)."""

    action: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: int | None = None
    contract_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


EXPORT_HEADER = (
    "連番",
    "日時",
    "操作者",
    "操作者ID",
    "操作",
    "対象種別",
    "対象ID",
    "契約ID",
    "IPアドレス",
    "ハッシュ",
)


def entries_stmt(flt: AuditFilter) -> sa.Select[AuditEntry]:
    """The entries the filter selects, newest first."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.seq.desc())
    if flt.action:
        stmt = stmt.where(AuditEntry.action.startswith(flt.action, autoescape=True))
    if flt.actor:
        stmt = stmt.where(contains(AuditEntry.actor_label, flt.actor))
    if flt.object_type:
        stmt = stmt.where(AuditEntry.object_type == flt.object_type)
    if flt.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == flt.object_id)
    if flt.contract_id is not None:
        stmt = stmt.where(AuditEntry.contract_id == flt.contract_id)
    if flt.start is not None:
        stmt = stmt.where(AuditEntry.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditEntry.created_at <= flt.end)
    return stmt


def record_export(*, actor: Actor, filters: dict[str, str]) -> None:
    """Taking a copy of the log out is itself recorded (入間市 第20条: アクセス記録): the log
    names staff and their IP addresses. The actor filter is left out (it names a person)."""
    record(actor, "audit.exported", data={k: v for k, v in filters.items() if v and k != "actor"})


def export_rows(stmt: sa.Select[AuditEntry]) -> Iterator[list[Any]]:
    """One CSV row per entry, streamed from the database in batches."""
    for e in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            e.seq,
            jst_datetime(e.created_at),
            e.actor_label,
            e.actor_id,
            e.action,
            e.object_type,
            e.object_id,
            e.contract_id,
            e.ip,
            e.hash,
        ]
