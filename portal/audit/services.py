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
from portal.db import utcnow
from portal.extensions import db

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
    never personal information (STYLE §3).
    """
    session = db.session
    if obj is not None and getattr(obj, "id", None) is None:
        session.flush()
    head = session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
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
    session.execute(sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(hash=entry.hash))
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
