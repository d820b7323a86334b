"""Erasure certificate screens: overview, case, submission, review, closing, files."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from portal.account.models import SYSTEM, Role, User
from portal.authz import deny, require, roles
from portal.authz.erasure import (
    can_close_erasure_case,
    can_export_erasure,
    can_list_erasure,
    can_review_erasure,
    can_submit_erasure,
    can_view_erasure_case,
    can_view_erasure_certificate,
    can_view_erasure_file,
    can_view_obligation,
)
from portal.contract.models import Contract
from portal.db import utcnow
from portal.erasure import bp, services
from portal.erasure import panels as _panels  # noqa: F401 - the import registers the panel
from portal.erasure.forms import DEFAULT_ROWS, MAX_ROWS, AcceptForm, CertificateForm, CloseForm
from portal.erasure.forms import ReturnForm as SendBackForm
from portal.erasure.models import (
    INLINE_VARIANTS,
    ErasureCase,
    ErasureCertificate,
    ErasureFile,
    ErasureMethod,
    ErasureObligation,
    MediaType,
    ObligationStatus,
)
from portal.erasure.uploads import Upload, describe_limits, discard_blobs
from portal.errors import PortalError
from portal.extensions import db
from portal.filecheck.policy import download_headers
from portal.filecheck.sniff import FileKind
from portal.filestore import MissingBlobError, clean_filename, get_filestore
from portal.org.models import Section
from portal.pagination import paginate
from portal.profile import current_profile
from portal.templating import register_nav
from portal.wareki import jst_datetime, today_jst
from portal.web.args import int_arg, page_arg
from portal.xlsxexport import table_response

LIST_ROLES = ("procurement", "protection_manager", "chief", "auditor", "contractor")
CITY_ROLES = ("procurement", "protection_manager", "chief", "auditor")

register_nav("erasure.index", "消去証明", set(LIST_ROLES), order=40)

_KIND_BY_TYPE = {
    "image/jpeg": FileKind.JPEG,
    "image/png": FileKind.PNG,
    "image/heic": FileKind.HEIC,
    "image/heif": FileKind.HEIF,
    "image/webp": FileKind.WEBP,
    "application/pdf": FileKind.PDF,
}
_MAX_PAGE = 100_000


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


# --- overview ----------------------------------------------------------------------------------


def _filters(user: User) -> dict[str, Any]:
    state = request.args.get("state") or ""
    if state not in services.OVERVIEW_STATES:
        state = ""
    section_id = int_arg(request.args.get("section"))
    if user.role not in {Role.CHIEF, Role.AUDITOR}:
        section_id = None  # section staff see their own section only (scoped in the query)
    q = (request.args.get("q") or "").strip()[:100]
    return {"state": state, "section_id": section_id, "q": q}


@bp.get("/erasure/")
@roles(*LIST_ROLES)
def index() -> ResponseReturnValue:
    user = _user()
    require(can_list_erasure(user))
    today = today_jst()
    filters = _filters(user)
    stmt = services.overview_stmt(user, today=today, **filters).options(
        so.joinedload(Contract.company), so.joinedload(Contract.section)
    )
    page = paginate(stmt, page=min(page_arg(request.args.get("page")), _MAX_PAGE))
    ids = [c.id for c in page.items]
    # Contracts moved to erasure_pending by the contract screens get their obligations here
    # (the daily job does the same); nothing to do in the usual case.
    missing = services.contracts_missing_obligations(ids)
    if missing:
        services.sync_tiers(missing, actor=SYSTEM, now=utcnow())
        db.session.commit()
    sections: list[Section] = []
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        sections = list(db.session.scalars(sa.select(Section).order_by(Section.code)))
    obligations = services.obligations_by_contract(ids)
    if user.role == Role.CONTRACTOR:
        # A tier sees its own line only; the contractor sees its tiers (as on the case page).
        prime = {c.id for c in page.items if c.company_id == user.company_id}
        obligations = {
            cid: [o for o in obs if cid in prime or o.company_id == user.company_id]
            for cid, obs in obligations.items()
        }
    return render_template(
        "erasure/index.html",
        page=page,
        obligations=obligations,
        filters=filters,
        states=services.OVERVIEW_STATES,
        sections=sections,
        today=today,
    )


@bp.get("/erasure/export.csv")
@roles(*CITY_ROLES)
def export() -> ResponseReturnValue:
    user = _user()
    require(can_export_erasure(user))
    today = today_jst()
    stmt = services.overview_stmt(user, today=today, **_filters(user))
    ids = list(db.session.scalars(stmt.with_only_columns(Contract.id)))

    def rows() -> Iterator[list[Any]]:
        for chunk in services.in_chunks(ids):
            contracts = {
                c.id: c
                for c in db.session.scalars(
                    sa.select(Contract)
                    .where(Contract.id.in_(chunk))
                    .options(so.joinedload(Contract.company), so.joinedload(Contract.section))
                )
            }
            obligations = services.obligations_by_contract(chunk)
            for cid in chunk:
                c = contracts[cid]
                obs = obligations.get(cid, [])
                accepted = sum(1 for o in obs if o.status == ObligationStatus.ACCEPTED)
                due = c.erasure_due_on
                overdue = due is not None and due < today and accepted < max(len(obs), 1)
                yield [
                    c.number,
                    c.title,
                    c.section.name,
                    c.company.name,
                    c.period_end.isoformat(),
                    due.isoformat() if due else "",
                    "期限超過" if overdue else "",
                    (today - due).days if overdue and due else "",
                    c.status_label,
                    f"{accepted}/{len(obs)}",
                    "、".join(
                        f"{o.label}（{o.status_label}）"
                        for o in obs
                        if o.status != ObligationStatus.ACCEPTED
                    ),
                    jst_datetime(c.closed_at),
                ]

    return table_response(
        "消去証明_一覧.csv",
        [
            "契約番号",
            "件名",
            "担当課",
            "委託先",
            "契約期間終了日",
            "提出期限",
            "期限超過",
            "超過日数",
            "契約の状態",
            "承認済/提出者数",
            "未完了の提出者",
            "完了日時",
        ],
        rows(),
    )


# --- one contract ------------------------------------------------------------------------------


def _open_case(contract_id: int) -> ErasureCase:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        deny(hide=True)
    # Creating a missing obligation here is housekeeping the daily job would do anyway; it is
    # committed only if the user may see the case (otherwise the request rolls back).
    case = services.open_case(contract=contract, actor=SYSTEM, now=utcnow())
    require(can_view_erasure_case(_user(), case), hide=True)
    return case


@bp.get("/erasure/contracts/<int:contract_id>")
@roles(*LIST_ROLES)
def case(contract_id: int) -> ResponseReturnValue:
    case = _open_case(contract_id)
    db.session.commit()
    user = _user()
    visible = [o for o in case.obligations if can_view_obligation(user, o)]
    return render_template(
        "erasure/case.html",
        case=case,
        contract=case.contract,
        obligations=visible,
        missing=services.missing_for_close(case),
        close_form=CloseForm(),
        today=today_jst(),
    )


def _rows_arg() -> int:
    rows = int_arg(request.args.get("rows"))
    return min(MAX_ROWS, rows) if rows is not None else DEFAULT_ROWS


def _prefill(form: CertificateForm, obligation: ErasureObligation) -> None:
    """After a send-back, start from the previous version's text (files are uploaded again)."""
    previous = obligation.current
    if previous is None:
        return
    form.erased_on.data = previous.erased_on
    form.place.data = previous.place
    form.operator.data = previous.operator
    form.witnessed.data = previous.witnessed
    form.witness_name.data = previous.witness_name
    form.note.data = previous.note
    while len(form.media) < len(previous.media_items):
        form.media.append_entry()
    for entry, item in zip(form.media, previous.media_items, strict=False):
        entry.form.media_type.data = item.media_type.value
        entry.form.identifier.data = item.identifier
        entry.form.count.data = item.count
        entry.form.method.data = item.method.value


def removed_notices(prepared: services.PreparedSubmission) -> list[str]:
    """What was removed from the submission's files, each kind of removal said once."""
    notices = list(prepared.pdf.removed)
    for _media, photo in prepared.photos:
        notices += [n for n in photo.removed if n not in notices]
    return notices


def _save_upload(storage: FileStorage, workdir: Path, n: int) -> Upload:
    path = workdir / f"upload-{n}"
    storage.save(path)
    return Upload(path=path, filename=clean_filename(storage.filename or "upload"))


def _certificate_input(form: CertificateForm, workdir: Path) -> services.CertificateInput:
    """Turn the form into the service's input, streaming every file to `workdir`."""
    counter = iter(range(1, 10_000))
    media: list[services.MediaInput] = []
    for n, entry in enumerate(form.media, start=1):
        row = entry.form
        files = [f for f in (row.photos.data or []) if isinstance(f, FileStorage) and f]
        if not (row.media_type.data or row.identifier.data or row.count.data or row.method.data):
            if files:
                raise PortalError(f"媒体{n}行目: 写真があるのに媒体の内容が入力されていません。")
            continue
        if not row.media_type.data:
            raise PortalError(f"媒体{n}行目: 媒体の種類を選んでください。")
        if not row.method.data:
            raise PortalError(f"媒体{n}行目: 消去・廃棄の方法を選んでください。")
        media.append(
            services.MediaInput(
                media_type=MediaType(row.media_type.data),
                identifier=row.identifier.data or "",
                count=int(row.count.data) if row.count.data else 0,
                method=ErasureMethod(row.method.data),
                photos=tuple(_save_upload(f, workdir, next(counter)) for f in files),
            )
        )
    pdf = form.certificate_pdf.data
    extra = [f for f in (form.extra_photos.data or []) if isinstance(f, FileStorage) and f]
    return services.CertificateInput(
        media=tuple(media),
        erased_on=form.erased_on.data,
        place=form.place.data or "",
        operator=form.operator.data or "",
        witnessed=bool(form.witnessed.data),
        witness_name=form.witness_name.data or "",
        certificate_pdf=(
            _save_upload(pdf, workdir, next(counter)) if isinstance(pdf, FileStorage) else None
        ),
        extra_photos=tuple(_save_upload(f, workdir, next(counter)) for f in extra),
        note=form.note.data or "",
    )


@bp.route(
    "/erasure/contracts/<int:contract_id>/parties/<int:party_key>/submit",
    methods=["GET", "POST"],
)
@roles("contractor")
def submit(contract_id: int, party_key: int) -> ResponseReturnValue:
    case = _open_case(contract_id)
    user = _user()
    obligation = case.obligation(party_key)
    if obligation is None or not can_view_obligation(user, obligation):
        deny(hide=True)
    require(can_submit_erasure(user, obligation))
    db.session.commit()  # obligations created by _open_case
    form = CertificateForm()
    rows = _rows_arg()
    if request.method == "GET" and obligation.status == ObligationStatus.RETURNED:
        _prefill(form, obligation)
    while len(form.media) < rows:
        form.media.append_entry()
    adding = request.method == "POST" and "add_rows" in request.form
    if adding:
        # Without JavaScript the 行を増やす button posts the form: what was typed comes back
        # with more rows, nothing is checked or saved (browsers never refill file inputs).
        for _ in range(min(3, MAX_ROWS - len(form.media))):
            form.media.append_entry()
        if any(f for entry in form.media for f in (entry.form.photos.data or [])):
            flash("行を増やしました。選んだ写真はもう一度選んでください。", "warning")
    elif form.validate_on_submit():
        certificate: ErasureCertificate | None = None
        removed: list[str] = []
        with tempfile.TemporaryDirectory(prefix="portal-upload-") as tmp:
            try:
                data = _certificate_input(form, Path(tmp))
                prepared = services.prepare_submission(
                    obligation=obligation, data=data, workdir=Path(tmp), today=today_jst()
                )
                certificate = services.submit_certificate(
                    actor=user, obligation=obligation, data=data, prepared=prepared
                )
                removed = removed_notices(prepared)
                keys = [f.storage_key for f in certificate.files]
                try:
                    db.session.commit()
                except SQLAlchemyError:
                    db.session.rollback()
                    discard_blobs(keys)
                    raise
            except PortalError as err:
                db.session.rollback()
                flash(err.text, "error")
        if certificate is not None:
            flash("消去・廃棄証明を提出しました。市の保護管理者が確認します。", "success")
            if removed:
                # The contractor learns what the photos and the PDF carried (広島市要綱 第6 7).
                flash("".join(removed), "info")
            return redirect(url_for("erasure.certificate", certificate_id=certificate.id))
    status = 422 if request.method == "POST" and not adding else 200
    return render_template(
        "erasure/submit.html",
        form=form,
        case=case,
        contract=case.contract,
        obligation=obligation,
        rows=max(rows, len(form.media)),
        max_rows=MAX_ROWS,
        limits=describe_limits(),
        rules=current_profile().erasure,
    ), status


# --- review --------------------------------------------------------------------------------


def _load_certificate(certificate_id: int) -> ErasureCertificate:
    certificate = services.load_certificate(certificate_id)
    if certificate is None:
        deny(hide=True)
    require(can_view_erasure_certificate(_user(), certificate), hide=True)
    return certificate


@bp.get("/erasure/certificates/<int:certificate_id>")
@roles(*LIST_ROLES)
def certificate(certificate_id: int) -> ResponseReturnValue:
    cert = _load_certificate(certificate_id)
    return render_template(
        "erasure/certificate.html",
        cert=cert,
        obligation=cert.obligation,
        contract=cert.obligation.contract,
        accept_form=AcceptForm(),
        return_form=SendBackForm(),
    )


def _review(
    certificate_id: int,
    form: AcceptForm | SendBackForm,
    decide: Callable[[ErasureCertificate], None],
    done: str,
) -> ResponseReturnValue:
    """One review decision by the section's 保護管理者; back to the certificate on refusal."""
    cert = _load_certificate(certificate_id)
    require(can_review_erasure(_user(), cert))
    if not form.validate_on_submit():
        _flash_errors(form)
    elif _run(lambda: decide(cert), done):
        return redirect(url_for("erasure.case", contract_id=cert.contract_id))
    return redirect(url_for("erasure.certificate", certificate_id=certificate_id))


@bp.post("/erasure/certificates/<int:certificate_id>/accept")
@roles("protection_manager")
def accept(certificate_id: int) -> ResponseReturnValue:
    form = AcceptForm()
    return _review(
        certificate_id,
        form,
        lambda cert: services.accept_certificate(
            actor=_user(), certificate=cert, note=form.note.data or ""
        ),
        "消去・廃棄証明を承認しました。",
    )


@bp.post("/erasure/certificates/<int:certificate_id>/return")
@roles("protection_manager")
def send_back(certificate_id: int) -> ResponseReturnValue:
    form = SendBackForm()
    return _review(
        certificate_id,
        form,
        lambda cert: services.return_certificate(
            actor=_user(), certificate=cert, reason=form.reason.data or ""
        ),
        "消去・廃棄証明を差し戻しました。提出者に通知しました。",
    )


def _flash_errors(form: Any) -> None:
    for errors in form.errors.values():
        for e in errors:
            flash(str(e), "error")


def _run(call: Callable[[], None], success: str) -> bool:
    """Run one service call and commit, or roll back and show why it was refused."""
    try:
        call()
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


@bp.post("/erasure/contracts/<int:contract_id>/close")
@roles("protection_manager")
def close(contract_id: int) -> ResponseReturnValue:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        deny(hide=True)
    case = services.load_case(contract)
    require(can_view_erasure_case(_user(), case), hide=True)
    require(can_close_erasure_case(_user(), case))
    if CloseForm().validate_on_submit():
        _run(
            lambda: services.close_contract(actor=_user(), contract=contract),
            "契約を完了しました。",
        )
    return redirect(url_for("erasure.case", contract_id=contract_id))


# --- files -----------------------------------------------------------------------------------


@bp.get("/erasure/files/<int:file_id>")
@roles(*LIST_ROLES)
def file(file_id: int) -> ResponseReturnValue:
    row = db.session.scalars(
        sa.select(ErasureFile)
        .where(ErasureFile.id == file_id)
        .options(so.joinedload(ErasureFile.certificate).joinedload(ErasureCertificate.obligation))
    ).first()
    if row is None:
        deny(hide=True)
    user = _user()
    require(can_view_erasure_file(user, row), hide=True)
    # Inline only for the re-encoded photo and thumbnail (EXIF/GPS removed); the PDF (cleaned)
    # and any original are attachments.
    inline = row.variant in INLINE_VARIANTS and request.args.get("download") != "1"
    kind = _KIND_BY_TYPE.get(row.content_type, FileKind.UNKNOWN)
    headers = download_headers(
        kind, row.original_filename, inline=inline, sanitized=row.variant in INLINE_VARIANTS
    )
    try:
        response: Response = get_filestore().download_response(
            row.storage_key,
            filename=row.original_filename,
            content_type=headers["Content-Type"],
            inline=inline,
            size=row.size,
        )
    except MissingBlobError:
        deny(hide=True)
    response.headers.update(headers)
    services.record_file_access(actor=user, file=row, downloaded=not inline)
    db.session.commit()
    return response
