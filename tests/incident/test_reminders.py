"""Reminders of the PPC clocks: once per stage (warning from day 3, the due day, overdue with
escalation), and exactly once even with two scheduler processes at the same moment."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.db import utcnow
from portal.extensions import db as _db
from portal.incident import jobs, services
from portal.notification.models import Notification
from tests.chase.test_processes import PORTAL, _env, _seed, fresh_db  # noqa: F401
from tests.incident.factories import TODAY, make_incident, make_world


def _kinds(user_id: int) -> list[str]:
    return sorted(
        _db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user_id))
    )


@pytest.fixture
def world(db):
    return make_world()


def _remind(day: date) -> int:
    count = jobs.send_reminders(now=utcnow(), today=day, lock=False)
    assert count is not None
    return count


def test_nothing_is_chased_on_the_day_of_the_report(world):
    make_incident(world)

    assert _remind(TODAY) == 0


def test_the_sokuho_warning_goes_out_once_from_day_three(world):
    make_incident(world)

    first = _remind(date(2026, 12, 7))
    again = _remind(date(2026, 12, 8))

    assert "incident.sokuho_warning" in _kinds(world.pm.id)
    assert "incident.decision_pending" in _kinds(world.pm.id)
    assert first == 2
    assert again == 0


def test_an_overdue_sokuho_is_escalated_to_the_chief(world):
    make_incident(world)

    _remind(date(2026, 12, 10))

    assert "incident.sokuho_overdue" in _kinds(world.chief.id)
    assert "incident.sokuho_overdue" in _kinds(world.pm.id)


def test_a_filed_sokuho_is_not_chased(world):
    incident = make_incident(world)
    services.record_ppc_filing(
        actor=world.pm, incident=incident, kind="sokuho", filed_on=TODAY, today=TODAY
    )

    _remind(date(2026, 12, 10))

    assert not any(k.startswith("incident.sokuho") for k in _kinds(world.pm.id))


def test_an_overdue_measure_is_chased_once(world):
    incident = make_incident(world)
    services.add_measure(
        actor=world.pm,
        incident=incident,
        description="二人確認",
        owner="業務責任者",
        due_on=date(2026, 12, 6),
        today=TODAY,
    )

    _remind(date(2026, 12, 7))
    _remind(date(2026, 12, 8))

    assert Counter(_kinds(world.pm.id))["incident.measure_overdue"] == 1


def _seed_incident():
    world = make_world()
    make_incident(world)
    return {"pm": world.pm.id, "chief": world.chief.id}


def test_two_reminder_processes_at_once_create_each_reminder_exactly_once(
    fresh_db,  # noqa: F811
    tmp_path: Path,
):
    url, engine = fresh_db
    ids = _seed(engine, _seed_incident)
    env = _env(url, tmp_path)
    day = "2026-12-10"  # day 6: 速報 overdue (escalated), decision pending

    procs = [
        subprocess.Popen(
            [PORTAL, "incidents", "remind", "--date", day],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    subprocess.run([PORTAL, "incidents", "remind", "--date", day], env=env, check=True)

    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(Notification.user_id, Notification.kind)))
    per_person = Counter(rows)
    assert per_person[(ids["pm"], "incident.sokuho_overdue")] == 1
    assert per_person[(ids["chief"], "incident.sokuho_overdue")] == 1
    assert per_person[(ids["pm"], "incident.decision_pending")] == 1
    assert max(per_person.values()) == 1
