"""The long steps of a web import, run by the job runner: the dry run and the apply step.

Each commits once. The apply step reads the stored file again and checks it against the
database as it is now; when the outcome differs from the preview the person confirmed (some
object changed meanwhile), it applies nothing and says so.
"""

from __future__ import annotations

import logging

from portal.authz.dataio import can_import
from portal.dataio.kinds import Importer
from portal.dataio.models import ImportJob, ImportStatus
from portal.dataio.plan import Plan, apply_plan, build_plan, make_importer
from portal.dataio.progress import Reporter
from portal.dataio.reading import read_table
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import get_filestore

log = logging.getLogger(__name__)


def _file_of(job: ImportJob) -> bytes:
    with get_filestore().open(job.storage_key) as stream:
        return stream.read()


def _plan(
    job: ImportJob, reporter: Reporter | None, *, release: bool = False
) -> tuple[Importer, Plan]:
    actor = job.created_by
    if actor is None or not can_import(actor, job.kind):
        raise PortalError("この種類のデータを取り込む権限がありません。", code="forbidden")
    table = read_table(_file_of(job), job.sheet)
    importer = make_importer(job.kind, actor)
    # Nothing is pending in the dry run: committing only ends the read transaction.
    after = db.session.commit if release else None
    return importer, build_plan(importer, table, progress=reporter, after_lookups=after)


def _fail(job_id: int, err: PortalError | None) -> None:
    db.session.rollback()
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    job.status = ImportStatus.FAILED
    job.error_code = (err.code if err else None) or "error"
    job.error_message = (
        err.message if err else "システムエラーのため処理できませんでした。何も反映していません。"
    )
    job.finished_at = utcnow()
    db.session.commit()


def preview_import(job_id: int, *, persist_progress: bool = False) -> None:
    """The dry run: every row checked, the outcome stored for the preview page."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.PREVIEWING:
        return
    reporter = Reporter(job_id, persist=persist_progress)
    try:
        _, plan = _plan(job, reporter, release=True)
        db.session.rollback()  # the checks only read; release the database before writing
        job = db.session.get(ImportJob, job_id)
        if job is None:
            return
        job.preview = plan.preview()
        job.status = ImportStatus.PREVIEWED
        job.progress_done = job.progress_total = len(plan.rows)
        job.finished_at = utcnow()
        db.session.commit()
    except PortalError as err:
        _fail(job_id, err)
    except Exception:
        log.exception("dry run of import %s failed", job_id)
        _fail(job_id, None)
    finally:
        reporter.clear()


def apply_import(job_id: int, *, persist_progress: bool = False) -> None:
    """The apply step: all rows in one transaction with their audit entries, or nothing."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.APPLYING or job.preview is None:
        return
    reporter = Reporter(job_id, persist=persist_progress)
    try:
        importer, plan = _plan(job, None)
        if not plan.ok or plan.actions != job.preview.get("actions"):
            raise PortalError(
                "確認の後に登録内容が変わったため、反映を中止しました（何も反映していません）。"
                "もう一度アップロードして確認してください。",
                code="changed",
            )
        apply_plan(
            importer,
            plan,
            import_obj=job,
            data={"sha256": job.sha256, "source": "web"},
            progress=reporter,
        )
        job.status = ImportStatus.APPLIED
        job.preview = {**plan.preview(), "applied": True}
        job.progress_done = job.progress_total = plan.count("create") + plan.count("update")
        job.finished_at = utcnow()
        db.session.commit()
    except PortalError as err:
        _fail(job_id, err)
    except Exception:
        log.exception("apply step of import %s failed", job_id)
        _fail(job_id, None)
    finally:
        reporter.clear()
