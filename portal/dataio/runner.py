"""Where an import's long steps run: a small, replaceable job runner.

The portal has no job queue. `ThreadRunner` runs each step in a daemon thread of the web
process with its own app context and database session; a queue (RQ, Celery) can replace it
by providing the same `submit`. Tests install `InlineRunner`, which runs the step at once in
the request's own session.

A step that dies with the process (a restart in the middle) leaves its import "確認中" or
"反映中": the apply step is one transaction, so nothing of it was saved, and the page offers
to upload the file again (`services.is_stale`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app

from portal.extensions import db

log = logging.getLogger(__name__)

Step = Callable[..., None]


class JobRunner(Protocol):
    def submit(self, step: Step, job_id: int) -> None: ...


class ThreadRunner:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def submit(self, step: Step, job_id: int) -> None:
        thread = threading.Thread(
            target=self._run, args=(step, job_id), name=f"import-{job_id}", daemon=True
        )
        thread.start()

    def _run(self, step: Step, job_id: int) -> None:
        with self.app.app_context():
            try:
                step(job_id, persist_progress=True)
            except Exception:  # the step records its own failure; this is the last resort
                log.exception("import step %s failed for import %s", step.__name__, job_id)
            finally:
                db.session.remove()


class InlineRunner:
    def submit(self, step: Step, job_id: int) -> None:
        step(job_id, persist_progress=False)


def get_runner() -> JobRunner:
    runner: Any = current_app.extensions.get("dataio_runner")
    if runner is None:
        runner = ThreadRunner(current_app._get_current_object())  # type: ignore[attr-defined]
        current_app.extensions["dataio_runner"] = runner
    return runner  # type: ignore[no-any-return]
