"""Imports through the web: upload (then a background dry run), and the request to apply.

The dry run and the apply step themselves are jobs (`portal.dataio.jobs`) run by the job
runner; these services only record what the person asked for, audited, and never commit.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.account.models import User
from portal.audit.services import record
from portal.authz.dataio import can_import
from portal.dataio.models import ImportJob, ImportKind, ImportStatus
from portal.dataio.progress import live_progress
from portal.dataio.reading import MAX_FILE_BYTES, ReadError, parse_table, sniff
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import get_filestore, new_key

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
# A step not heard from for this long died with its process (see portal.dataio.runner).
STALE_AFTER = timedelta(minutes=15)


def start_import(
    *, actor: User, kind: ImportKind, filename: str, data: bytes, sheet: str | None, now: datetime
) -> ImportJob:
    """Store the uploaded file and open an import in 確認中 (the dry run runs next)."""
    if not can_import(actor, kind):
        raise PortalError("この種類のデータを取り込む権限がありません。")
    if len(data) > MAX_FILE_BYTES:
        parse_table(data)  # raises the size refusal
    file_format = sniff(data)  # a PDF or an image is refused here, before it is stored
    blob = get_filestore().save(
        new_key("dataio", now=now), io.BytesIO(data), CONTENT_TYPES[file_format]
    )
    job = ImportJob(
        kind=kind,
        status=ImportStatus.PREVIEWING,
        sheet=(sheet or "").strip() or None,
        created_by_id=actor.id,
    )
    job.set_blob(
        blob, filename=filename or f"import.{file_format}", content_type=CONTENT_TYPES[file_format]
    )
    db.session.add(job)
    db.session.flush()
    record(actor, "import.uploaded", job, data={"kind": kind.value, "size": len(data)})
    return job


def request_apply(*, actor: User, job: ImportJob) -> None:
    """Ask for a previewed import without refused rows to be applied (the uploader only)."""
    if job.status != ImportStatus.PREVIEWED or job.preview is None:
        raise PortalError("この取込は反映できる状態ではありません。")
    if job.preview["counts"]["refused"]:
        raise PortalError(
            "拒否された行があるため反映できません。ファイルを直して、もう一度アップロードしてください。"
        )
    job.status = ImportStatus.APPLYING
    job.progress_done = 0
    job.progress_total = 0
    record(actor, "import.apply_requested", job, data={"kind": job.kind.value})
    db.session.flush()


def recent_imports(actor: User, *, limit: int = 20) -> list[ImportJob]:
    return list(
        db.session.scalars(
            sa.select(ImportJob)
            .where(ImportJob.created_by_id == actor.id)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )


def is_running(job: ImportJob) -> bool:
    return job.status in (ImportStatus.PREVIEWING, ImportStatus.APPLYING)


def is_stale(job: ImportJob, *, now: datetime | None = None) -> bool:
    """A running step that no process is working on any more."""
    if not is_running(job) or live_progress(job.id) is not None:
        return False
    return (now or utcnow()) - job.updated_at > STALE_AFTER


def progress_of(job: ImportJob) -> dict[str, Any]:
    """What the polling page shows: the state and (done, total) of the running step."""
    live = live_progress(job.id)
    done, total = live if live is not None else (job.progress_done, job.progress_total)
    return {
        "status": job.status.value,
        "label": job.status_label,
        "running": is_running(job),
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
    }


__all__ = [
    "ReadError",
    "is_running",
    "is_stale",
    "progress_of",
    "recent_imports",
    "request_apply",
    "start_import",
]
