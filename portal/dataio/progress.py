"""Progress of a running import, for the page that polls it.

Each step reports (done, total) here. The numbers are kept in this process (the web server
that started the job answers the page's polls from memory) and, when the job runs in the
background on PostgreSQL, also written to the import's row through a connection of their
own, outside the job's transaction, so a page served by another worker process sees them.
SQLite has one writer at a time and the job's transaction holds it, so there the numbers stay
in memory (SQLite is the single-process office default).
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from portal.dataio.models import ImportJob
from portal.extensions import db

_live: dict[int, tuple[int, int]] = {}
_lock = threading.Lock()
_WRITE_EVERY_S = 0.5


class Reporter:
    """A callable `(done, total)` for one import's running step."""

    def __init__(self, job_id: int, *, persist: bool) -> None:
        self.job_id = job_id
        self.persist = persist and db.is_postgresql
        self._last_write = 0.0

    def __call__(self, done: int, total: int) -> None:
        with _lock:
            _live[self.job_id] = (done, total)
        now = time.monotonic()
        if self.persist and (now - self._last_write >= _WRITE_EVERY_S or done >= total):
            self._last_write = now
            with db.engine.begin() as conn:
                conn.execute(
                    sa.update(ImportJob)
                    .where(ImportJob.id == self.job_id)
                    .values(progress_done=done, progress_total=total)
                )

    def clear(self) -> None:
        with _lock:
            _live.pop(self.job_id, None)


def live_progress(job_id: int) -> tuple[int, int] | None:
    with _lock:
        return _live.get(job_id)
