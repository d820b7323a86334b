"""The scheduler is built from the features' jobs, runs apart from the web app, and a failing
job never stops it."""

from __future__ import annotations

import sys
import threading
import types
from datetime import UTC, datetime

from portal import create_app
from portal.chase import jobs
from portal.scheduler import ScheduledJob, build_scheduler, feature_jobs, run_job
from tests.conftest import make_config


def test_scheduler_runs_in_japan_time_and_never_piles_up_a_job(app):
    scheduler = build_scheduler(app)

    assert str(scheduler.timezone) == "Asia/Tokyo"
    assert scheduler._job_defaults["coalesce"] is True
    assert scheduler._job_defaults["max_instances"] == 1
    assert scheduler._job_defaults["misfire_grace_time"] >= 600
    assert scheduler.running is False


def test_scheduler_has_the_chase_the_mail_the_heartbeat_and_other_features_jobs(app):
    names = {job.id for job in build_scheduler(app).get_jobs()}

    assert {
        "portal.chase.jobs.chase_overdue",
        "portal.chase.jobs.send_mail_digests",
        "portal.chase.jobs.beat",
    } <= names
    assert any(not n.startswith("portal.chase.") for n in names)


def test_the_chase_runs_daily_in_the_morning_and_the_heartbeat_every_minute():
    listed = {j.func: j for j in jobs.SCHEDULE}

    assert listed[jobs.chase_overdue].trigger_args == {"hour": 7, "minute": 0}
    assert listed[jobs.beat].trigger_args == {"minutes": 1}
    assert all(j.run_at_start for j in jobs.SCHEDULE)


def test_feature_jobs_without_a_schedule_run_nightly(monkeypatch):
    import portal

    module = types.ModuleType("portal.fakefeature.jobs")

    def sweep(*, now: datetime) -> int:
        return 0

    def not_a_job(day: int) -> int:
        return day

    sweep.__module__ = not_a_job.__module__ = module.__name__
    module.sweep, module.not_a_job = sweep, not_a_job
    monkeypatch.setitem(sys.modules, "portal.fakefeature", types.ModuleType("portal.fakefeature"))
    monkeypatch.setitem(sys.modules, "portal.fakefeature.jobs", module)
    monkeypatch.setattr(portal, "FEATURES", (*portal.FEATURES, "fakefeature"))

    found = [j for j in feature_jobs() if j.func.__module__ == module.__name__]

    assert [j.func for j in found] == [sweep]
    assert found[0].trigger == "cron"
    assert found[0].trigger_args["hour"] == 1


def test_creating_the_app_starts_no_scheduler(tmp_path, database_url):
    before = {t.name for t in threading.enumerate()}

    create_app(make_config(database_url, tmp_path))

    started = {t.name for t in threading.enumerate()} - before
    assert not [n for n in started if "APScheduler" in n or "scheduler" in n.lower()]


def test_a_failing_job_is_logged_and_does_not_stop_the_scheduler(app, db, caplog):
    def broken(*, now: datetime) -> int:
        raise RuntimeError("boom")

    result = run_job(app, ScheduledJob(broken, "interval", {"minutes": 1}))

    assert result is None
    assert "failed" in caplog.text


def test_a_job_receives_an_aware_now_and_an_app_context(app, db):
    seen = {}

    def probe(*, now: datetime) -> int:
        from flask import current_app

        seen["now"] = now
        seen["app"] = current_app.name
        return 1

    assert run_job(app, ScheduledJob(probe, "interval", {"minutes": 1})) == 1
    assert seen["now"].tzinfo is not None
    assert seen["now"] <= datetime.now(UTC)
    assert seen["app"] == app.name
