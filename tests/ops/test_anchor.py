"""入間市 第20条: deleting the newest audit entries is detected once the chain's head has been
recorded outside the audit table (an anchor file, a backup manifest, the auditors' digest)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.account.models import SYSTEM
from portal.audit.services import record
from portal.notification.models import Notification
from portal.ops.jobs import anchor_audit_chain
from tests.core.test_audit_chain import SEED_SCRIPT, _without_triggers
from tests.factories import make_user


def _seeded(make_instance):
    instance = make_instance("audit")
    instance.portal("db", "upgrade")
    subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT.format(n=12, label="seed")],
        env=instance.env,
        check=True,
        capture_output=True,
    )
    return instance


def test_a_truncated_tail_with_a_rewritten_head_passes_alone_but_fails_the_anchor(
    make_instance, tmp_path
):
    instance = _seeded(make_instance)
    anchor = tmp_path / "anchor.json"
    instance.portal("audit", "anchor", "--output", str(anchor))
    # A DBA removes the last two entries and makes the head row agree with what is left.
    _without_triggers(instance.engine, "DELETE FROM audit_entries WHERE seq > :s", {"s": 10})
    with instance.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE audit_chain_head SET seq = 10, "
                "hash = (SELECT hash FROM audit_entries WHERE seq = 10) WHERE id = 1"
            )
        )

    alone = instance.portal("audit", "verify", check=False)
    anchored = instance.portal("audit", "verify", "--anchor", str(anchor), check=False)

    assert json.loads(anchor.read_text())["seq"] == 12
    assert alone.returncode == 0, "without an anchor the truncation is invisible"
    assert anchored.returncode == 1
    assert "seq=12" in anchored.stderr
    assert "chain ends at seq=10" in anchored.stderr
    assert "2 entries were removed from the end" in anchored.stderr


def test_an_anchor_older_than_the_chain_is_satisfied_by_later_entries(make_instance, tmp_path):
    instance = _seeded(make_instance)
    anchor = tmp_path / "anchor.json"
    instance.portal("audit", "anchor", "-o", str(anchor))
    subprocess.run(
        [sys.executable, "-c", SEED_SCRIPT.format(n=3, label="later")],
        env=instance.env,
        check=True,
        capture_output=True,
    )

    result = instance.portal("audit", "verify", "--anchor", str(anchor))

    assert "OK: 15 entries, chain intact, contains anchor seq=12" in result.stdout


def test_a_file_that_is_no_anchor_is_refused_with_its_name(make_instance, tmp_path):
    instance = _seeded(make_instance)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not json")

    result = instance.portal("audit", "verify", "--anchor", str(bogus), check=False)

    assert result.returncode == 1
    assert "notes.txt" in result.stderr
    assert "not an anchor" in result.stderr


def test_the_nightly_job_writes_the_head_to_a_file_and_into_the_auditors_digest(
    app, db, tmp_path, monkeypatch
):
    auditor = make_user("auditor")
    make_user("procurement")
    record(SYSTEM, "test.anchor")
    last = record(SYSTEM, "test.anchor")
    config = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions, "portal_config", dataclasses.replace(config, audit_anchor_dir=tmp_path)
    )
    now = datetime(2026, 12, 7, 16, 5, tzinfo=UTC)  # 01:05 JST on 8 December

    first = anchor_audit_chain(now=now)
    again = anchor_audit_chain(now=now)

    written = json.loads((tmp_path / "audit-anchor-20261208.json").read_text())
    assert written["seq"] == last.seq
    assert written["hash"] == last.hash
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "audit.anchor")
    ).all()
    assert [n.user_id for n in notes] == [auditor.id]
    assert json.dumps({"seq": last.seq, "hash": last.hash}) in notes[0].body
    assert notes[0].mail_status == "pending"
    assert first == 2
    assert again == 1  # the file is rewritten, the auditor is not told twice
