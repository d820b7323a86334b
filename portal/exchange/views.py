"""Document exchange screens: contracts, spaces, documents and versions, uploads (with the PDF
sharing check), downloads with access records (入間市 第20条) and the bulk-download warning
(第21条), retention, and the access-record search."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage

from portal.account.forms import ConfirmForm
from portal.account.models import User
from portal.authz import deny, load_visible, require, roles
from portal.authz.exchange import (
    can_add_version,
    can_comment_on_document,
    can_decide_staged_upload,
    can_mark_personal_info,
    can_purge_exchange,
    can_unmark_personal_info,
    can_upload_to_space,
    can_view_access_records,
    can_view_exchange_document,
    can_view_exchange_folder,
    can_view_exchange_space,
    can_view_exchange_version,
    is_read_only,
)
from portal.contract.models import Contract
from portal.db import utcnow
from portal.errors import PortalError
from portal.exchange import bp, services
from portal.exchange.files import KIND_LABELS, kind_of, serve_version
from portal.exchange.forms import (
    CommentForm,
    FolderForm,
    PersonalInfoForm,
    StagedDecisionForm,
    UploadForm,
    VersionForm,
)
from portal.exchange.models import (
    CITY_PARTY,
    ExchangeDocument,
    ExchangeFolder,
    ExchangeReadReceipt,
    ExchangeSpace,
    ExchangeStagedUpload,
    ExchangeVersion,
    company_party,
)
from portal.exchange.zipstream import ZipMember, stream_members, unique_names
from portal.extensions import db
from portal.filecheck.policy import download_headers
from portal.filecheck.sniff import FileKind
from portal.filestore import MissingBlobError, get_filestore
from portal.formatting import file_size
from portal.pagination import paginate
from portal.templating import register_nav
from portal.wareki import JST, jst_datetime
from portal.web.args import page_arg
from portal.xlsxexport import table_response

log = logging.getLogger("portal.exchange")

# 入間市 第22条: the system administrator has no access to documents at all.
READERS = ("procurement", "protection_manager", "chief", "auditor", "contractor")
WRITERS = ("procurement", "protection_manager", "contractor")
RECORD_READERS = ("protection_manager", "auditor", "chief")

register_nav("exchange.index", "文書交換", set(READERS), order=50)
register_nav("exchange.access_records", "アクセス記録", set(RECORD_READERS), order=85)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


bp.add_app_template_filter(file_size, "exchange_size")


def _receipts(
    space: ExchangeSpace, version: ExchangeVersion | None
) -> list[tuple[str, ExchangeReadReceipt | None]]:
    """("市", receipt) and ("受託者"/"再委託先", receipt) for the version shown."""
    parties = [(CITY_PARTY, "市"), (company_party(space.company_id), space.counterpart_label)]
    return [(label, version.receipt_for(p) if version else None) for p, label in parties]


def _flash_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


@contextmanager
def _spooled(upload: FileStorage) -> Iterator[tuple[Path, str]]:
    """The upload in a private temp file (streamed to disk in chunks; never read whole)."""
    with tempfile.TemporaryDirectory(prefix="portal-exchange-") as tmp:
        path = Path(tmp) / "upload"
        upload.save(path)
        yield path, upload.filename or "file"


def _act(form: FlaskForm, back: str, act: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one service and go back: committed with `done` flashed, or rolled back with the
    form's or the service's message."""
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    try:
        act()
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    db.session.commit()
    flash(done, "success")
    return redirect(back)


def _share_upload(
    file: FileStorage,
    back: str,
    share: Callable[[Path, str], services.UploadOutcome],
    done: str,
) -> ResponseReturnValue:
    """Spool the upload, share it (or stage it for the uploader's choice), commit."""
    try:
        with _spooled(file) as (path, filename):
            outcome = share(path, filename)
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    db.session.commit()
    if outcome.staged is not None:
        return redirect(url_for("exchange.staged", staged_id=outcome.staged.id))
    assert outcome.version is not None  # noqa: S101 - one of the two is always set
    flash(done, "success")
    if outcome.removed:
        # The contractor learns what their file carried (広島市要綱 第6 7).
        flash("".join(outcome.removed), "info")
    return redirect(url_for("exchange.document", document_id=outcome.version.document_id))


def _text_arg(name: str) -> str:
    # PostgreSQL refuses NUL in a text parameter (500); nobody searches for one.
    return (request.args.get(name) or "").replace("\x00", "").strip()[:100]


# --- lists ------------------------------------------------------------------------------------


@bp.get("/exchange")
@roles(*READERS)
def index() -> ResponseReturnValue:
    user = _user()
    stmt = (
        sa.select(Contract)
        .where(services.exchange_contracts_filter(user))
        .options(so.joinedload(Contract.company), so.joinedload(Contract.section))
        .order_by(Contract.id.desc())
    )
    q = _text_arg("q")
    if q:
        like = services.like_pattern(q)
        stmt = stmt.where(
            sa.or_(
                Contract.title.ilike(like, escape="\\"), Contract.number.ilike(like, escape="\\")
            )
        )
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    return render_template("exchange/index.html", page=page, q=q)


@bp.get("/exchange/contracts/<int:contract_id>")
@roles(*READERS)
def contract(contract_id: int) -> ResponseReturnValue:
    user = _user()
    item = db.session.scalar(
        sa.select(Contract).where(
            Contract.id == contract_id, services.exchange_contracts_filter(user)
        )
    )
    if item is None:
        deny(hide=True)
    # A GET changes nothing: spaces not yet opened are shown with a button that opens them.
    visible = [s for s in services.space_plan(item) if can_view_exchange_space(user, s)]
    require(bool(visible), hide=True)
    return render_template(
        "exchange/contract.html",
        contract=item,
        spaces=visible,
        can_open={s.tier_key: can_upload_to_space(user, s) for s in visible if s.id is None},
        read_only=is_read_only(item),
        retention_ends=services.retention_ends_at(item),
        can_purge=can_purge_exchange(user, item),
        now=utcnow(),
        confirm=ConfirmForm(),
    )


@bp.post("/exchange/contracts/<int:contract_id>/spaces")
@roles(*WRITERS)
def open_spaces(contract_id: int) -> ResponseReturnValue:
    """Open the contract's spaces that do not exist yet (either side, while it is open)."""
    user = _user()
    item = db.session.scalar(
        sa.select(Contract).where(
            Contract.id == contract_id, services.exchange_contracts_filter(user)
        )
    )
    if item is None:
        deny(hide=True)
    planned = [s for s in services.space_plan(item) if s.id is None]
    require(any(can_upload_to_space(user, s) for s in planned))
    form = ConfirmForm()
    return _act(
        form,
        url_for("exchange.contract", contract_id=contract_id),
        lambda: services.ensure_spaces(actor=user, contract=item),
        "交換スペースを開きました。",
    )


@bp.get("/exchange/spaces/<int:space_id>")
@roles(*READERS)
def space(space_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeSpace, space_id, can_view_exchange_space)
    user = _user()
    documents = services.space_documents(item)
    folders = db.session.scalars(
        sa.select(ExchangeFolder)
        .where(ExchangeFolder.space_id == item.id)
        .order_by(ExchangeFolder.name)
    ).all()
    by_folder: dict[int | None, list[ExchangeDocument]] = {}
    for doc in documents:
        by_folder.setdefault(doc.folder_id, []).append(doc)
    staged = db.session.scalars(
        sa.select(ExchangeStagedUpload)
        .where(
            ExchangeStagedUpload.space_id == item.id,
            ExchangeStagedUpload.uploaded_by_id == user.id,
        )
        .order_by(ExchangeStagedUpload.id)
    ).all()
    upload_form = UploadForm()
    upload_form.folder_id.choices = [(0, "（フォルダなし）")] + [(f.id, f.name) for f in folders]
    return render_template(
        "exchange/space.html",
        space=item,
        folders=folders,
        by_folder=by_folder,
        staged=staged,
        receipts=_receipts,
        can_upload=can_upload_to_space(user, item),
        read_only=is_read_only(item.contract),
        upload_form=upload_form,
        folder_form=FolderForm(),
        kind_labels=KIND_LABELS,
        kind_of=kind_of,
    )


# --- changes ----------------------------------------------------------------------------------


@bp.post("/exchange/spaces/<int:space_id>/folders")
@roles(*WRITERS)
def folder_new(space_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeSpace, space_id, can_view_exchange_space)
    require(can_upload_to_space(current_user, item))
    form = FolderForm()
    return _act(
        form,
        url_for("exchange.space", space_id=space_id),
        lambda: services.create_folder(actor=_user(), space=item, name=form.name.data or ""),
        "フォルダを作成しました。",
    )


@bp.post("/exchange/spaces/<int:space_id>/documents")
@roles(*WRITERS)
def upload(space_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeSpace, space_id, can_view_exchange_space)
    require(can_upload_to_space(current_user, item))
    form = UploadForm()
    folders = db.session.scalars(
        sa.select(ExchangeFolder).where(ExchangeFolder.space_id == item.id)
    ).all()
    form.folder_id.choices = [(0, "（フォルダなし）")] + [(f.id, f.name) for f in folders]
    back = url_for("exchange.space", space_id=space_id)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    folder = next((f for f in folders if f.id == form.folder_id.data), None)
    if folder is None and form.folder_id.data != 0:
        flash("フォルダの指定が正しくありません。", "error")
        return redirect(back)
    return _share_upload(
        form.file.data,
        back,
        lambda path, filename: services.upload_document(
            actor=_user(),
            space=item,
            folder=folder,
            path=path,
            filename=filename,
            personal_info=bool(form.personal_info.data),
            now=utcnow(),
        ),
        "文書を共有しました。",
    )


@bp.get("/exchange/documents/<int:document_id>")
@roles(*READERS)
def document(document_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeDocument, document_id, can_view_exchange_document)
    user = _user()
    versions, comments = services.document_history(item)
    return render_template(
        "exchange/document.html",
        document=item,
        space=item.space,
        versions=versions,
        current=versions[0] if versions else None,
        comments=comments,
        receipts=_receipts,
        can_add_version=can_add_version(user, item),
        can_comment=can_comment_on_document(user, item),
        can_mark=can_mark_personal_info(user, item),
        can_unmark=can_unmark_personal_info(user, item),
        version_form=VersionForm(),
        comment_form=CommentForm(),
        mark_form=PersonalInfoForm(),
        kind_labels=KIND_LABELS,
        kind_of=kind_of,
    )


@bp.post("/exchange/documents/<int:document_id>/versions")
@roles(*WRITERS)
def version_new(document_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeDocument, document_id, can_view_exchange_document)
    require(can_add_version(current_user, item))
    form = VersionForm()
    back = url_for("exchange.document", document_id=document_id)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    return _share_upload(
        form.file.data,
        back,
        lambda path, filename: services.upload_version(
            actor=_user(), document=item, path=path, filename=filename, now=utcnow()
        ),
        "新しい版を共有しました。",
    )


@bp.post("/exchange/documents/<int:document_id>/comments")
@roles(*WRITERS)
def comment(document_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeDocument, document_id, can_view_exchange_document)
    require(can_comment_on_document(current_user, item))
    form = CommentForm()
    return _act(
        form,
        url_for("exchange.document", document_id=document_id) + "#comments",
        lambda: services.add_comment(
            actor=_user(), document=item, body=form.body.data or "", now=utcnow()
        ),
        "コメントを登録しました。",
    )


@bp.post("/exchange/documents/<int:document_id>/personal-info")
@roles(*WRITERS)
def personal_info(document_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeDocument, document_id, can_view_exchange_document)
    user = _user()
    require(can_mark_personal_info(user, item) or can_unmark_personal_info(user, item))
    form = PersonalInfoForm()
    back = url_for("exchange.document", document_id=document_id)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    value = form.value.data == "1"
    require(can_mark_personal_info(user, item) if value else can_unmark_personal_info(user, item))
    try:
        services.set_personal_info(actor=user, document=item, value=value)
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    db.session.commit()
    flash(
        "個人情報を含む文書として記録します。" if value else "「個人情報含む」を外しました。",
        "success",
    )
    return redirect(back)


# --- the PDF sharing check (広島市 第6 7) -----------------------------------------------------


@bp.get("/exchange/staged/<int:staged_id>")
@roles("procurement", "protection_manager")
def staged(staged_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeStagedUpload, staged_id, can_decide_staged_upload)
    return render_template(
        "exchange/staged.html",
        staged=item,
        space=item.space,
        form=StagedDecisionForm(),
        may_send_original=services.may_send_original(_user()),
    )


@bp.post("/exchange/staged/<int:staged_id>")
@roles("procurement", "protection_manager")
def staged_decide(staged_id: int) -> ResponseReturnValue:
    item = load_visible(ExchangeStagedUpload, staged_id, can_decide_staged_upload)
    form = StagedDecisionForm()
    back = url_for("exchange.staged", staged_id=staged_id)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    space_id = item.space_id
    try:
        version, unused = services.send_staged_upload(
            actor=_user(), staged=item, choice=form.choice.data, now=utcnow()
        )
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    db.session.commit()
    services.discard_blobs(unused)
    if version is None:
        flash("送信を取りやめました。アップロードしたファイルは削除しました。", "info")
        return redirect(url_for("exchange.space", space_id=space_id))
    flash(
        "プロパティ・しおり等を削除したファイルを共有しました。元のファイルは共有していません。"
        if version.cleaned
        else "元のファイルをそのまま共有しました。",
        "success",
    )
    return redirect(url_for("exchange.document", document_id=version.document_id))


# --- views and downloads: access records (第20条) and the warning (第21条) -----------------


def _warning_or_confirm(
    versions: Sequence[ExchangeVersion], *, target: str, back: str
) -> ResponseReturnValue | None:
    """Render the 第21条 warning when this transfer goes past the limits and the user has not
    confirmed (a POST from the warning page, CSRF-checked); record either step."""
    user = _user()
    now = utcnow()
    item = versions[0].document.space.contract
    check = services.check_bulk_download(user=user, versions=versions, now=now)
    if not check.exceeds:
        return None
    if request.method != "POST":
        services.warn_bulk_download(actor=user, contract=item, check=check, target=target, now=now)
        db.session.commit()
        return render_template(
            "exchange/bulk_warning.html",
            check=check,
            target=target,
            form=ConfirmForm(),
            action=request.path,
            back=back,
        )
    services.confirm_bulk_download(
        actor=user,
        contract=item,
        check=check,
        target=target,
        url=url_for("exchange.access_records", action="bulk", contract=item.number),
        now=now,
    )
    return None


def _serve_one(version: ExchangeVersion, *, inline: bool) -> ResponseReturnValue:
    warning = _warning_or_confirm(
        [version],
        target=f"version:{version.id}",
        back=url_for("exchange.document", document_id=version.document_id),
    )
    if warning is not None:
        return warning
    try:
        response, as_inline = serve_version(
            get_filestore(),
            key=version.storage_key,
            filename=version.original_filename,
            file_kind=version.file_kind,
            has_active_content=version.has_active_content,
            inline=inline,
            size=version.size,
        )
    except MissingBlobError:
        log.error("exchange: blob of version %s is missing", version.id)
        db.session.rollback()
        abort(404)
    try:
        services.record_access(
            actor=_user(),
            versions=[version],
            action="viewed" if as_inline else "downloaded",
            now=utcnow(),
        )
        db.session.commit()
    except BaseException:
        response.close()
        raise
    return response


@bp.route("/exchange/versions/<int:version_id>/view", methods=["GET", "POST"])
@roles(*READERS)
def view(version_id: int) -> ResponseReturnValue:
    """Inline only for a PDF without active content; everything else is an attachment."""
    version = load_visible(ExchangeVersion, version_id, can_view_exchange_version)
    return _serve_one(version, inline=True)


@bp.route("/exchange/versions/<int:version_id>/download", methods=["GET", "POST"])
@roles(*READERS)
def download(version_id: int) -> ResponseReturnValue:
    version = load_visible(ExchangeVersion, version_id, can_view_exchange_version)
    return _serve_one(version, inline=False)


@bp.route("/exchange/folders/<int:folder_id>/zip", methods=["GET", "POST"])
@roles(*READERS)
def folder_zip(folder_id: int) -> ResponseReturnValue:
    """The current version of every document in the folder, as one streamed ZIP; each file is
    an access record and counts towards the 第21条 window."""
    folder = load_visible(ExchangeFolder, folder_id, can_view_exchange_folder)
    versions = services.folder_versions(folder)
    if not versions:
        flash("このフォルダには文書がありません。", "info")
        return redirect(url_for("exchange.space", space_id=folder.space_id))
    warning = _warning_or_confirm(
        versions,
        target=f"folder:{folder.id}",
        back=url_for("exchange.space", space_id=folder.space_id),
    )
    if warning is not None:
        return warning
    store = get_filestore()
    missing = [v.id for v in versions if not store.exists(v.storage_key)]
    if missing:
        log.error("exchange: blobs of versions %s are missing", missing)
        db.session.rollback()
        abort(404)
    names = unique_names(v.original_filename for v in versions)
    members = [
        ZipMember(name=name, key=v.storage_key, size=v.size, modified_at=v.created_at)
        for name, v in zip(names, versions, strict=True)
    ]
    filename = f"{folder.name}.zip"
    services.record_access(
        actor=_user(), versions=versions, action="downloaded", now=utcnow(), folder=folder
    )
    db.session.commit()
    headers = download_headers(FileKind.ZIP, filename)
    response = Response(stream_members(store, members), mimetype=headers.pop("Content-Type"))
    response.headers.update(headers)
    return response


# --- retention --------------------------------------------------------------------------------


@bp.post("/exchange/contracts/<int:contract_id>/purge")
@roles("protection_manager")
def purge(contract_id: int) -> ResponseReturnValue:
    item = load_visible(Contract, contract_id, can_purge_exchange)
    back = url_for("exchange.contract", contract_id=contract_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    try:
        unused = services.purge_expired_documents(actor=_user(), contract=item, now=utcnow())
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    db.session.commit()
    services.discard_blobs(unused)
    flash("保存期間を過ぎた文書を削除しました（削除は監査ログに記録しました）。", "success")
    return redirect(back)


# --- access records (第20条) -----------------------------------------------------------------


def _date_arg(raw: str, *, end: bool) -> datetime | None:
    try:
        moment = datetime.combine(date.fromisoformat(raw), time.max if end else time.min, JST)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or 0001-01-01 JST: before UTC's first day
        return None


def _id_arg(raw: str) -> int | None:
    try:
        value = int(raw)
    except ValueError:  # also "²": str.isdigit() says yes, int() says no
        return None
    return value if 0 < value < 2**31 else None  # an id column is a 32-bit integer


def _access_filter() -> tuple[services.AccessFilter, dict[str, str]]:
    keys = ("action", "actor", "contract", "document", "personal", "from", "to")
    args = {k: _text_arg(k) for k in keys}
    flt = services.AccessFilter(
        action=args["action"],
        actor=args["actor"],
        contract=args["contract"],
        document_id=_id_arg(args["document"]),
        personal_only=args["personal"] == "1",
        start=_date_arg(args["from"], end=False),
        end=_date_arg(args["to"], end=True),
    )
    return flt, args


ACTION_LABELS = {
    "document.viewed": "閲覧",
    "document.downloaded": "ダウンロード",
    "exchange.bulk_download_warned": "大量ダウンロード警告を表示",
    "exchange.bulk_download_confirmed": "警告を確認して続行",
}


@bp.get("/exchange/access-records")
@roles(*RECORD_READERS)
def access_records() -> ResponseReturnValue:
    user = _user()
    require(can_view_access_records(user))
    flt, args = _access_filter()
    page = paginate(
        services.access_records_query(user, flt),
        page=page_arg(request.args.get("page")),
        per_page=100,
    )
    # Only the parsed filters: url_for() would read the visitor's own `endpoint` or `_scheme`.
    filters: dict[str, Any] = {k: v for k, v in args.items() if v}
    return render_template(
        "exchange/access_records.html",
        page=page,
        args=args,
        csv_url=url_for("exchange.access_records_csv", **filters),
        names=services.describe_entries(page.items),
        labels=ACTION_LABELS,
    )


@bp.get("/exchange/access-records.csv")
@roles(*RECORD_READERS)
def access_records_csv() -> ResponseReturnValue:
    user = _user()
    require(can_view_access_records(user))
    flt, _ = _access_filter()
    stmt = services.access_records_query(user, flt)

    def rows() -> Iterator[list[Any]]:
        batch: list[Any] = []
        for entry in db.session.scalars(stmt.execution_options(yield_per=500)):
            batch.append(entry)
            if len(batch) == 500:
                yield from _csv_rows(batch)
                batch = []
        yield from _csv_rows(batch)

    return table_response(
        "アクセス記録.csv",
        [
            "日時",
            "操作",
            "操作者",
            "操作者ID",
            "契約番号",
            "契約ID",
            "文書ID",
            "文書名",
            "版",
            "版ID",
            "個人情報含む",
            "経路",
            "バイト数",
            "IPアドレス",
            "連番",
            "ハッシュ",
        ],
        rows(),
    )


def _csv_rows(entries: list[Any]) -> Iterator[list[Any]]:
    if not entries:
        return
    names = services.describe_entries(entries)
    for e in entries:
        data = e.data or {}
        is_document = e.object_type == "ExchangeDocument"
        yield [
            jst_datetime(e.created_at),
            ACTION_LABELS.get(e.action, e.action),
            e.actor_label,
            e.actor_id,
            names["contracts"].get(e.contract_id, ""),
            e.contract_id,
            e.object_id if is_document else "",
            names["titles"].get(e.object_id, "（削除済み）") if is_document else "",
            data.get("version", ""),
            data.get("version_id", ""),
            ("はい" if data.get("personal_info") else "いいえ") if is_document else "",
            {"zip": "ZIP", "single": "単体"}.get(str(data.get("via", "")), ""),
            data.get("bytes", data.get("window_bytes", "")),
            e.ip,
            e.seq,
            e.hash,
        ]
