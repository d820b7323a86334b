"""Import screens: templates, upload → dry-run preview (row by row) → apply, with progress."""

from __future__ import annotations

from flask import jsonify, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.authz import load_visible, require, roles
from portal.authz.dataio import can_import, can_view_import, importable_kinds
from portal.csvexport import content_disposition
from portal.dataio import bp, jobs, services
from portal.dataio.forms import UploadForm
from portal.dataio.models import KIND_LABELS, ImportJob, ImportKind
from portal.dataio.reading import MAX_FILE_BYTES
from portal.dataio.runner import get_runner
from portal.dataio.template_book import template_workbook
from portal.db import utcnow
from portal.profile import current_profile
from portal.templating import register_nav
from portal.web import current_actor, run

IMPORTERS = ("admin", "procurement", "protection_manager")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The preview lists this many rows of each kind; the counts always cover the whole file.
PREVIEW_LIMIT = 1000

register_nav("dataio.index", "データ取込", set(IMPORTERS), order=90)


@bp.route("/", methods=["GET", "POST"])
@roles(*IMPORTERS)
def index() -> ResponseReturnValue:
    actor = current_actor()
    kinds = importable_kinds(actor)
    require(bool(kinds))
    form = UploadForm()
    form.kind.choices = [(k.value, KIND_LABELS[k]) for k in kinds]
    if form.validate_on_submit():
        kind = ImportKind(form.kind.data)
        require(can_import(actor, kind))
        upload = form.file.data
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        started = run(
            lambda: services.start_import(
                actor=actor,
                kind=kind,
                filename=upload.filename or "",
                data=data,
                sheet=form.sheet.data,
                now=utcnow(),
            ),
            refused="取り込めませんでした。",
        )
        if started:
            get_runner().submit(jobs.preview_import, started.value.id)
            return redirect(url_for("dataio.detail", job_id=started.value.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "dataio/index.html",
        form=form,
        kinds=kinds,
        labels=KIND_LABELS,
        imports=services.recent_imports(actor),
    ), status


@bp.get("/templates/<any(companies, contracts, users):kind>.xlsx")
@roles(*IMPORTERS)
def template(kind: str) -> ResponseReturnValue:
    chosen = ImportKind(kind)
    require(can_import(current_actor(), chosen))
    data = template_workbook(chosen, current_profile().roles)
    response = make_response(data)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = content_disposition(
        f"取込テンプレート_{KIND_LABELS[chosen]}.xlsx"
    )
    return response


@bp.get("/<int:job_id>")
@roles(*IMPORTERS)
def detail(job_id: int) -> ResponseReturnValue:
    job = load_visible(ImportJob, job_id, can_view_import)
    preview = job.preview or {}
    rows = preview.get("rows", [])
    return render_template(
        "dataio/detail.html",
        job=job,
        preview=preview,
        progress=services.progress_of(job),
        stale=services.is_stale(job),
        created=[r for r in rows if r["action"] == "create"][:PREVIEW_LIMIT],
        updated=[r for r in rows if r["action"] == "update"][:PREVIEW_LIMIT],
        refused=preview.get("refused", []),
        limit=PREVIEW_LIMIT,
    )


@bp.get("/<int:job_id>/progress")
@roles(*IMPORTERS)
def progress(job_id: int) -> ResponseReturnValue:
    job = load_visible(ImportJob, job_id, can_view_import)
    return jsonify(services.progress_of(job))


@bp.post("/<int:job_id>/apply")
@roles(*IMPORTERS)
def apply(job_id: int) -> ResponseReturnValue:
    job = load_visible(ImportJob, job_id, can_view_import)
    if run(lambda: services.request_apply(actor=current_actor(), job=job)):
        get_runner().submit(jobs.apply_import, job.id)
    return redirect(url_for("dataio.detail", job_id=job.id))
