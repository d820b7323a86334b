"""入間市 第20条: the audit log is tamper-evident (hash chain) and append-only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.account.models import SYSTEM
from portal.audit.models import AuditEntry
from portal.audit.services import record, verify_chain
from portal.cli import run_migrations
from portal.db import make_engine
from tests.conftest import SECRET, create_database, using_postgresql
from tests.factories import make_user

PORTAL = str(Path(sys.executable).parent / "portal")


def test_entries_chain_each_to_the_previous_hash(db):
    user = make_user("auditor")

    first = record(user, "test.first", user, data={"n": 1})
    second = record(SYSTEM, "test.second", None, data={"n": 2})

    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert second.actor_label == "system"


def test_verify_accepts_an_untouched_chain(db):
    record(SYSTEM, "test.one")
    record(SYSTEM, "test.two")

    count, problem = verify_chain()

    assert problem is None
    assert count >= 2


def test_the_database_refuses_to_update_an_audit_row(db):
    entry = record(SYSTEM, "test.protected")
    db.session.commit()

    with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
        db.session.execute(
            sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(action="x")
        )


def test_the_database_refuses_to_delete_an_audit_row(db):
    entry = record(SYSTEM, "test.protected")
    db.session.commit()

    with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))


# --- `portal audit verify` against a real database, tampered with by someone who bypasses
# the triggers (a DBA): it must exit non-zero and name the first bad entry.


SEED_SCRIPT = (
    "from portal import create_app\n"
    "from portal.account.models import SYSTEM\n"
    "from portal.audit.services import record\n"
    "from portal.extensions import db\n"
    "app = create_app()\n"
    "with app.app_context():\n"
    "    for i in range({n}):\n"
    "        record(SYSTEM, 'test.{label}', data={{'i': i}})\n"
    "        db.session.commit()\n"
)


@pytest.fixture
def audited_db(tmp_path):
    url, drop = create_database(tmp_path, "audit")
    run_migrations(url)
    env = {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "STORAGE_DIR": str(tmp_path / "s"),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT.format(n=12, label="seed")],
        env=env,
        check=True,
        capture_output=True,
    )
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    yield engine, env
    engine.dispose()
    drop()


def _without_triggers(engine, statement, params):
    with engine.begin() as conn:
        if using_postgresql():
            conn.exec_driver_sql(
                "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"
            )
            conn.execute(sa.text(statement), params)
            conn.exec_driver_sql("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_delete")
            conn.execute(sa.text(statement), params)


def _verify(env):
    return subprocess.run([PORTAL, "audit", "verify"], env=env, capture_output=True, text=True)


def test_verify_passes_on_an_untouched_database(audited_db):
    _engine, env = audited_db

    result = _verify(env)

    assert result.returncode == 0, result.stderr
    assert "chain intact" in result.stdout


def test_verify_names_an_altered_entry(audited_db):
    engine, env = audited_db
    _without_triggers(engine, "UPDATE audit_entries SET action = 'forged' WHERE seq = :s", {"s": 5})

    result = _verify(env)

    assert result.returncode == 1
    assert "seq=5" in result.stderr
    assert "altered" in result.stderr


def test_verify_names_a_deleted_entry(audited_db):
    engine, env = audited_db
    _without_triggers(engine, "DELETE FROM audit_entries WHERE seq = :s", {"s": 7})

    result = _verify(env)

    assert result.returncode == 1
    assert "seq=7" in result.stderr


def test_verify_notices_a_deleted_tail(audited_db):
    engine, env = audited_db
    with engine.connect() as conn:
        last = conn.scalar(sa.text("SELECT max(seq) FROM audit_entries"))
    _without_triggers(engine, "DELETE FROM audit_entries WHERE seq = :s", {"s": last})

    result = _verify(env)

    assert result.returncode == 1
    assert "tail deleted" in result.stderr


def test_verify_names_an_inserted_entry(audited_db):
    engine, env = audited_db
    # Make room at seq 3 (in two steps: the unique index is checked row by row).
    _without_triggers(
        engine, "UPDATE audit_entries SET seq = seq + 1000000 WHERE seq >= :s", {"s": 3}
    )
    _without_triggers(
        engine, "UPDATE audit_entries SET seq = seq - 999999 WHERE seq >= :s", {"s": 3}
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_entries"
                " (seq, created_at, actor_label, action, data, prev_hash, hash)"
                " VALUES (3, :now, 'intruder', 'forged.insert', '{}', :h, :h)"
            ),
            {"now": "2026-01-01 00:00:00+00:00", "h": "f" * 64},
        )

    result = _verify(env)

    assert result.returncode == 1
    assert "seq=3" in result.stderr


def test_two_processes_writing_at_once_never_fork_the_chain(audited_db):
    _engine, env = audited_db
    script = SEED_SCRIPT.format(n=40, label="concurrent")

    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    codes = [p.wait(timeout=120) for p in procs]
    result = _verify(env)

    assert codes == [0, 0]
    assert result.returncode == 0, result.stderr
