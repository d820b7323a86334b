"""The scheduler process: `portal scheduler`, never inside the web workers.

Built from the features' `jobs.py` (APScheduler 3, BlockingScheduler, Asia/Tokyo):

- a module with `SCHEDULE = (ScheduledJob(...), ...)` is scheduled exactly as listed;
- otherwise each public function of the module with the job signature `f(*, now)` runs
  nightly (01:00 + a few minutes per job, before the 07:00 chase sees the result).

Every run pushes an app context and passes `now`; jobs act as the `system` user (SYSTEM) in
the audit log. `coalesce=True`, `max_instances=1` and `misfire_grace_time` keep a slow or
late job from piling up; the jobs' own database locks keep two scheduler processes from
doing the same work twice.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType, ModuleType
from typing import Any

from flask import Flask

from portal.wareki import JST

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 3600
NIGHTLY_HOUR = 1
START_DELAY = timedelta(seconds=5)

Job = Callable[..., Any]


@dataclass(frozen=True)
class ScheduledJob:
    func: Job
    trigger: str  # "cron" | "interval"
    trigger_args: dict[str, Any] = field(default_factory=dict)
    run_at_start: bool = False

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"


def _is_job(func: Any, module: ModuleType) -> bool:
    if not inspect.isfunction(func) or func.__module__ != module.__name__:
        return False
    if func.__name__.startswith("_"):
        return False
    params = inspect.signature(func).parameters.values()
    required = [p for p in params if p.default is inspect.Parameter.empty]
    return (
        len(required) == 1
        and required[0].name == "now"
        and required[0].kind == inspect.Parameter.KEYWORD_ONLY
    )


def feature_jobs() -> list[ScheduledJob]:
    """Every feature's scheduled jobs, in FEATURES order."""
    from portal import FEATURES

    jobs: list[ScheduledJob] = []
    minute = 0
    for name in FEATURES:
        try:
            module = importlib.import_module(f"portal.{name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name not in {f"portal.{name}", f"portal.{name}.jobs"}:
                raise
            continue
        listed = getattr(module, "SCHEDULE", None)
        if listed is not None:
            jobs += list(listed)
            continue
        for _attr, func in sorted(vars(module).items()):
            if _is_job(func, module):
                jobs.append(ScheduledJob(func, "cron", {"hour": NIGHTLY_HOUR, "minute": minute}))
                minute = (minute + 5) % 60
    return jobs


def run_job(app: Flask, job: ScheduledJob, *, now: datetime | None = None) -> Any:
    """One run of one job: an app context of its own, errors logged, never raised (a failing
    job must not stop the scheduler)."""
    from portal.db import utcnow
    from portal.extensions import db

    with app.app_context():
        try:
            result = job.func(now=now or utcnow())
        except Exception:
            log.exception("job %s failed", job.name)
            db.session.rollback()
            return None
        log.info("job %s done: %s", job.name, result)
        return result


def build_scheduler(app: Flask, jobs: list[ScheduledJob] | None = None) -> Any:
    """The BlockingScheduler with every feature job (not started)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone=JST,
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    start = datetime.now(JST) + START_DELAY
    for i, job in enumerate(jobs if jobs is not None else feature_jobs()):
        kwargs: dict[str, Any] = {}
        if job.run_at_start:
            kwargs["next_run_time"] = start + timedelta(seconds=i)
        scheduler.add_job(
            run_job,
            job.trigger,
            args=(app, job),
            id=job.name,
            name=job.name,
            replace_existing=True,
            **job.trigger_args,
            **kwargs,
        )
    return scheduler


def run_forever(app: Flask) -> None:
    """`portal scheduler`: block until SIGTERM/SIGINT, letting a running job finish."""
    scheduler = build_scheduler(app)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping the scheduler after the running jobs", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    for job in scheduler.get_jobs():
        log.info("scheduled %s (%s)", job.id, job.trigger)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def run_once(app: Flask, *, now: datetime | None = None) -> dict[str, Any]:
    """`portal scheduler --once`: every job once, in schedule order (heartbeat first, then
    the nightly jobs, then the chase and the mail), and return."""
    jobs = feature_jobs()
    ordered = sorted(
        jobs, key=lambda j: 0 if j.trigger == "interval" else (2 if j.run_at_start else 1)
    )
    return {job.name: run_job(app, job, now=now) for job in ordered}
