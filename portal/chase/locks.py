"""One running copy of a job across processes (two schedulers started by mistake).

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own,
released when the job ends — or when the process dies and its connection closes.
SQLite: a row in `job_locks` taken with one atomic UPDATE (`… WHERE expires_at < now`) or
INSERT, on a connection of its own, committed at once; a holder that dies leaves a row that
expires after `ttl`.

The lock only keeps two copies from working at once; correctness does not rest on it: every
job is idempotent on its own (unique dedupe keys, one digest row per user and day).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import SQLAlchemyError

from portal.chase.models import JobLock
from portal.db import utcnow

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=30)
POLL_SECONDS = 0.5
_LOCKS = cast(sa.Table, JobLock.__table__)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from the job name."""
    return int.from_bytes(
        hashlib.sha256(f"portal-job:{name}".encode()).digest()[:8], "big", signed=True
    )


@contextmanager
def job_lock(
    name: str,
    *,
    engine: sa.Engine,
    holder: str,
    ttl: timedelta = DEFAULT_TTL,
    wait: float = 0.0,
) -> Iterator[bool]:
    """`with job_lock("chase.run", engine=..., holder=...) as got:` — `got` is False when
    another process holds the lock (the job should then do nothing). With `wait` (seconds),
    keep trying that long first: for a job whose other copy may have started before this
    one's work existed (the mail run after a chase), skipping would leave work undone."""
    deadline = time.monotonic() + wait
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name, deadline) as got:
            yield got
        return
    got = _take_row(engine, name, holder, ttl)
    while not got and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        got = _take_row(engine, name, holder, ttl)
    try:
        yield got
    finally:
        if got:
            _release_row(engine, name, holder)


@contextmanager
def _advisory(engine: sa.Engine, name: str, deadline: float) -> Iterator[bool]:
    key = advisory_key(name)
    conn = engine.connect()
    try:
        got = bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        conn.commit()  # the lock is held by the session, not the transaction
        while not got and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            got = bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
            conn.commit()
        try:
            yield got
        finally:
            if got:
                try:
                    conn.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
                    conn.commit()
                except SQLAlchemyError:
                    # The connection is broken: closing it releases the lock server-side.
                    conn.invalidate()
    finally:
        conn.close()


def _take_row(engine: sa.Engine, name: str, holder: str, ttl: timedelta) -> bool:
    now = utcnow()
    table = _LOCKS
    with engine.begin() as conn:
        # RETURNING rather than rowcount: what a driver reports for ON CONFLICT varies.
        taken = conn.execute(
            sa.update(table)
            .where(table.c.name == name, table.c.expires_at < now)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
            .returning(table.c.name)
        ).first()
        if taken is None:
            taken = conn.execute(
                sqlite.insert(table)
                .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(table.c.name)
            ).first()
    return taken is not None


def _release_row(engine: sa.Engine, name: str, holder: str) -> None:
    table = _LOCKS
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.update(table)
                .where(table.c.name == name, table.c.holder == holder)
                .values(expires_at=utcnow())
            )
    except SQLAlchemyError:
        log.exception("could not release job lock %s; it expires by itself", name)


def lock_holder(engine: sa.Engine, name: str) -> str | None:
    """Who holds the SQLite lock row now (None when free; always None on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return None
    table = _LOCKS
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(table.c.holder).where(table.c.name == name, table.c.expires_at >= utcnow())
        ).first()
    return row[0] if row else None
