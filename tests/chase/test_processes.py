"""Real processes against one fresh database (SQLite file or PostgreSQL, whichever the suite
runs on): two schedulers at once send each mail exactly once; the job lock; the scheduler
process itself (heartbeat, clean stop)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.chase.locks import job_lock, lock_holder
from portal.chase.models import ChaseRun, JobLock, MailDigest, SchedulerHeartbeat
from portal.cli import run_migrations
from portal.contract.models import ContractStatus
from portal.db import make_engine, utcnow
from portal.extensions import db as _db
from portal.notification.models import Notification
from portal.wareki import today_jst
from tests.chase.factories import (
    days,
    make_certificate,
    make_city,
    make_contract,
    make_obligation,
    make_subcontract,
)
from tests.conftest import SECRET, create_database, using_postgresql

PORTAL = str(Path(sys.executable).parent / "portal")


@pytest.fixture
def fresh_db(tmp_path):
    url, drop = create_database(tmp_path, "chase")
    run_migrations(url)
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    yield url, engine
    engine.dispose()
    drop()


def _seed(engine, build):
    """Run `build()` with the portal session bound to the fresh database and commit."""
    with engine.connect() as conn:
        trans = conn.begin()
        with _db.bound_to(conn):
            result = build()
            _db.session.commit()
        trans.commit()
    return result


def _busy_city(today: date):
    city = make_city()
    contract = make_contract(
        city.section, city.company, period_start=today - days(30), period_end=today + days(300)
    )
    make_subcontract(contract, submitted_on=today - days(20))
    make_certificate(city.company, expires_on=today + days(5))
    ended = make_contract(
        city.section,
        city.company,
        status=ContractStatus.ERASURE_PENDING,
        period_start=today - days(400),
        period_end=today - days(31),
        erasure_due_on=today - days(1),
    )
    make_obligation(ended)
    return {u: getattr(city, u).email for u in ("pm", "procurement", "vendor", "vendor2")}


def _env(url: str, tmp_path: Path, sink=None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": SECRET,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "MAIL_ENABLED": "1" if sink else "0",
        "MAIL_SENDER": "itaku-portal@city.example.jp",
    }
    if sink:
        env |= {"MAIL_SERVER": sink.host, "MAIL_PORT": str(sink.port)}
    return env


def _run_at_once(commands: list[list[str]], env: dict[str, str]) -> list[str]:
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        outputs.append(out)
    return outputs


def _count(engine, stmt) -> int:
    with engine.connect() as conn:
        return conn.scalar(stmt)


def test_two_scheduler_processes_at_once_send_each_mail_exactly_once(fresh_db, mail_sink, tmp_path):
    url, engine = fresh_db
    people = _seed(engine, lambda: _busy_city(today_jst()))

    _run_at_once([[PORTAL, "scheduler", "--once"]] * 2, _env(url, tmp_path, mail_sink))

    addresses = [m["X-Envelope-To"] for m in mail_sink.messages]
    assert sorted(addresses) == sorted(set(addresses))
    assert set(people.values()) <= set(addresses)
    # Each process ran the chase (one after the other, under the lock) or skipped it; every
    # item was sent by exactly one of them.
    with engine.connect() as conn:
        sent_per_run = list(conn.scalars(sa.select(ChaseRun.items)))
        keys = list(
            conn.scalars(
                sa.select(Notification.dedupe_key).where(Notification.kind.startswith("chase."))
            )
        )
    assert 1 <= len(sent_per_run) <= 2
    assert sum(sent_per_run) == len({k.rsplit(":u", 1)[0] for k in keys})
    assert _count(
        engine, sa.select(sa.func.count(MailDigest.id)).where(MailDigest.status == "sent")
    ) == len(addresses)
    assert (
        _count(
            engine,
            sa.select(sa.func.count(Notification.id)).where(Notification.mail_status != "sent"),
        )
        == 0
    )


def test_two_chase_runs_and_two_mail_runs_at_once_notify_each_item_once(
    fresh_db, mail_sink, tmp_path
):
    url, engine = fresh_db
    day = date(2026, 11, 24)
    people = _seed(engine, lambda: _busy_city(day))
    env = _env(url, tmp_path, mail_sink)

    outs = _run_at_once([[PORTAL, "chase", "run", "--today", day.isoformat(), "--json"]] * 2, env)
    _run_at_once([[PORTAL, "chase", "send-mail", "--today", day.isoformat()]] * 2, env)

    reports = [json.loads(o) for o in outs]
    sent = [(s["rule"], s["object_id"], s["stage"]) for r in reports for s in r["sent"]]
    assert len(sent) == len(set(sent)) == 3
    assert sorted(m["X-Envelope-To"] for m in mail_sink.messages) == sorted(people.values())
    keys = _count(engine, sa.select(sa.func.count(sa.distinct(Notification.dedupe_key))))
    assert _count(engine, sa.select(sa.func.count(Notification.id))) == keys == 6


def test_dry_run_from_the_command_line_sends_and_writes_nothing(fresh_db, mail_sink, tmp_path):
    url, engine = fresh_db
    day = date(2026, 11, 24)
    _seed(engine, lambda: _busy_city(day))
    env = _env(url, tmp_path, mail_sink)

    (out,) = _run_at_once(
        [[PORTAL, "chase", "run", "--today", day.isoformat(), "--dry-run", "--json"]], env
    )
    _run_at_once([[PORTAL, "chase", "send-mail", "--today", day.isoformat()]], env)

    report = json.loads(out)
    assert report["dry_run"] is True
    assert {s["rule"] for s in report["sent"]} == {
        "subcontract_decision",
        "certificate_expiry",
        "erasure_overdue",
    }
    assert _count(engine, sa.select(sa.func.count(Notification.id))) == 0
    assert _count(engine, sa.select(sa.func.count(ChaseRun.id))) == 0
    assert mail_sink.messages == []


def test_a_job_lock_is_held_by_one_process_at_a_time(fresh_db):
    _url, engine = fresh_db

    with (
        job_lock("test.job", engine=engine, holder="first") as first,
        job_lock("test.job", engine=engine, holder="second") as second,
    ):
        inner = second
    with job_lock("test.job", engine=engine, holder="third") as third:
        after = third

    assert (first, inner, after) == (True, False, True)


def test_a_lock_left_by_a_dead_holder_is_taken_over(fresh_db):
    _url, engine = fresh_db
    if using_postgresql():
        # The advisory lock belongs to the dead process's connection: closing it frees it.
        from portal.chase.locks import advisory_key

        conn = engine.connect()
        conn.scalar(sa.select(sa.func.pg_try_advisory_lock(advisory_key("test.job"))))
        conn.commit()
        with job_lock("test.job", engine=engine, holder="b") as while_alive:
            pass
        conn.close()
    else:
        # The lock row of a holder that died stays until it expires.
        with engine.begin() as conn:
            conn.execute(
                sa.insert(JobLock.__table__).values(
                    name="test.job",
                    holder="dead",
                    acquired_at=utcnow() - timedelta(hours=2),
                    expires_at=utcnow() - timedelta(hours=1),
                )
            )
        while_alive = False

    with job_lock("test.job", engine=engine, holder="new") as taken:
        holder = lock_holder(engine, "test.job")

    assert while_alive is False
    assert taken is True
    assert holder in {None, "new"}


def test_the_scheduler_process_beats_and_stops_cleanly_on_sigterm(fresh_db, tmp_path):
    url, engine = fresh_db
    proc = subprocess.Popen(
        [PORTAL, "scheduler"],
        env=_env(url, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        beat = None
        while beat is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1)
            with engine.connect() as conn:
                beat = conn.scalar(sa.select(SchedulerHeartbeat.beat_at))
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()

    assert beat is not None, err
    assert proc.returncode == 0, err
    assert "Asia/Tokyo" in err or "scheduled" in err


def test_a_waiting_job_gets_the_lock_when_the_holder_finishes(fresh_db):
    import threading

    _url, engine = fresh_db
    held, release = threading.Event(), threading.Event()

    def holder():
        with job_lock("test.wait", engine=engine, holder="first") as got:
            assert got
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()

    with job_lock("test.wait", engine=engine, holder="second", wait=30) as got:
        waited_for_it = got
    thread.join(10)

    assert waited_for_it is True
