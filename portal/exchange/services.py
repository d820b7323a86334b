"""Document exchange services: spaces, uploads (with the PDF sharing check), comments, access
records, the bulk-download warning and retention. Each changes data, writes its audit entry in
the same transaction and flushes; none commits: the view commits
once, so a state change and its audit entry land together.

Blobs are written before the rows that point at them; blobs that are no longer
referenced are returned as keys and deleted by the caller *after* the commit
(`discard_blobs`), so a rolled-back transaction never loses a document.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.account.models import Actor, Role, User
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.authz.exchange import READ_ONLY_STATUSES, TIER_OPEN_STATUSES, is_read_only
from portal.contract.models import Contract
from portal.errors import PortalError
from portal.exchange.files import ALLOWED_KINDS, findings_of
from portal.exchange.models import (
    CITY_PARTY,
    ExchangeComment,
    ExchangeDocument,
    ExchangeFolder,
    ExchangeReadReceipt,
    ExchangeSpace,
    ExchangeStagedUpload,
    ExchangeTransfer,
    ExchangeVersion,
    company_party,
)
from portal.extensions import db
from portal.filecheck.errors import FileRejected
from portal.filecheck.policy import clean_filename
from portal.filestore import FileStoreError, StoredBlob, get_filestore
from portal.formatting import file_size
from portal.notification.recipients import company_users
from portal.notification.services import notify
from portal.profile import current_profile
from portal.subcontract.models import SubcontractRequest
from portal.subcontract.services import approved_tiers
from portal.uploads import BlobWriter, Intake, UploadLimits, take
from portal.wareki import wareki_date

log = logging.getLogger("portal.exchange")

ACCESS_ACTIONS = ("document.viewed", "document.downloaded")
BULK_ACTIONS = ("exchange.bulk_download_warned", "exchange.bulk_download_confirmed")
STAGED_UPLOAD_TTL = timedelta(hours=24)

AccessAction = Literal["viewed", "downloaded"]
StagedChoice = Literal["cleaned", "original", "cancel"]


@dataclass(frozen=True)
class UploadOutcome:
    """Either a version that is now shared, or a PDF waiting for its uploader's choice."""

    version: ExchangeVersion | None = None
    staged: ExchangeStagedUpload | None = None
    removed: tuple[str, ...] = ()  # what the intake removed, told to the uploader


# --- spaces -----------------------------------------------------------------------------------


def ensure_spaces(*, actor: Actor, contract: Contract) -> list[ExchangeSpace]:
    """Every space of `contract` — its own and one per approved tier — creating missing ones.

    Spaces of tiers no longer approved are kept (their documents are records); whether a
    company may still open them is decided by `can_view_exchange_space`.
    """
    spaces = {
        s.tier_key: s
        for s in db.session.scalars(
            sa.select(ExchangeSpace)
            .where(ExchangeSpace.contract_id == contract.id)
            .options(so.selectinload(ExchangeSpace.subcontract))
        )
    }
    wanted: list[tuple[int, SubcontractRequest | None]] = [(0, None)]
    wanted += [(tier.id, tier) for tier in approved_tiers(contract)]
    for key, tier in wanted:
        if key in spaces:
            continue
        space = ExchangeSpace(contract=contract, subcontract=tier, tier_key=key)
        try:
            with db.session.begin_nested():
                db.session.add(space)
        except IntegrityError:
            # Created by a concurrent request in the meantime.
            found = db.session.scalar(
                sa.select(ExchangeSpace).where(
                    ExchangeSpace.contract_id == contract.id, ExchangeSpace.tier_key == key
                )
            )
            if found is None:
                raise
            spaces[key] = found
            continue
        spaces[key] = space
        record(
            actor,
            "exchange.space_opened",
            space,
            contract_id=contract.id,
            data={"tier_key": key, "subcontract_id": tier.id if tier else None},
        )
    db.session.flush()
    return sorted(spaces.values(), key=lambda s: (s.tier, s.id))


def space_plan(contract: Contract) -> list[ExchangeSpace]:
    """Every space `contract` has or should have, without creating any (a GET changes
    nothing): the stored ones, and unsaved ones (id None) for tiers that have none yet."""
    stored = {
        s.tier_key: s
        for s in db.session.scalars(
            sa.select(ExchangeSpace)
            .where(ExchangeSpace.contract_id == contract.id)
            .options(so.selectinload(ExchangeSpace.subcontract))
        )
    }
    wanted: list[tuple[int, SubcontractRequest | None]] = [(0, None)]
    wanted += [(tier.id, tier) for tier in approved_tiers(contract)]
    planned = dict(stored)
    for key, tier in wanted:
        if key not in planned:
            # Not added to the session: ExchangeSpace has no back-reference from Contract.
            planned[key] = ExchangeSpace(contract=contract, subcontract=tier, tier_key=key)
    return sorted(planned.values(), key=lambda s: (s.tier, s.id or 0))


def exchange_contracts_filter(user: User) -> sa.ColumnElement[bool]:
    """SQL condition on Contract: contracts with at least one space `user` may see."""
    if not user.is_active:
        return sa.false()
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return sa.true()
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER} and user.section_id is not None:
        return Contract.section_id == user.section_id
    if user.role == Role.CONTRACTOR and user.company_id is not None:
        tiers = sa.select(SubcontractRequest.contract_id).where(
            SubcontractRequest.subcontractor_id == user.company_id,
            SubcontractRequest.status.in_(TIER_OPEN_STATUSES),
        )
        return sa.or_(Contract.company_id == user.company_id, Contract.id.in_(tiers))
    return sa.false()


def space_documents(space: ExchangeSpace) -> list[ExchangeDocument]:
    """The space's documents with versions, receipts and folders loaded (fixed query count)."""
    return list(
        db.session.scalars(
            sa.select(ExchangeDocument)
            .where(ExchangeDocument.space_id == space.id)
            .order_by(ExchangeDocument.title, ExchangeDocument.id)
            .options(
                so.selectinload(ExchangeDocument.versions).selectinload(ExchangeVersion.receipts),
                so.selectinload(ExchangeDocument.versions).selectinload(
                    ExchangeVersion.uploaded_by
                ),
            )
        )
    )


def document_history(
    document: ExchangeDocument,
) -> tuple[list[ExchangeVersion], list[ExchangeComment]]:
    """The document page: versions newest first (receipts and uploaders loaded) and comments
    with their authors, in a fixed number of queries whatever the number of versions."""
    versions = db.session.scalars(
        sa.select(ExchangeVersion)
        .where(ExchangeVersion.document_id == document.id)
        .order_by(ExchangeVersion.number.desc())
        .options(
            so.selectinload(ExchangeVersion.receipts), so.joinedload(ExchangeVersion.uploaded_by)
        )
    ).all()
    comments = db.session.scalars(
        sa.select(ExchangeComment)
        .where(ExchangeComment.document_id == document.id)
        .order_by(ExchangeComment.id)
        .options(so.joinedload(ExchangeComment.author))
    ).all()
    return list(versions), list(comments)


def folder_versions(folder: ExchangeFolder) -> list[ExchangeVersion]:
    """The current version of every document in `folder` (by title), each with its document
    and read receipts, in two queries whatever the number of documents."""
    older = so.aliased(ExchangeVersion)
    latest = (
        sa.select(sa.func.max(older.number))
        .where(older.document_id == ExchangeVersion.document_id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(ExchangeVersion)
            .join(ExchangeVersion.document)
            .where(ExchangeDocument.folder_id == folder.id, ExchangeVersion.number == latest)
            .order_by(ExchangeDocument.title, ExchangeDocument.id)
            .options(
                so.contains_eager(ExchangeVersion.document),
                so.selectinload(ExchangeVersion.receipts),
            )
        )
    )


def party_of(user: Actor, space: ExchangeSpace) -> str | None:
    """The read-receipt party `user` reads for in `space` (None: a reader, not a party)."""
    if not isinstance(user, User):
        return None
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        return CITY_PARTY if user.section_id == space.contract.section_id else None
    if user.role == Role.CONTRACTOR and user.company_id == space.company_id:
        return company_party(space.company_id)
    return None


def _require_writable(contract: Contract) -> None:
    if is_read_only(contract):
        raise PortalError(
            "この契約は完了（または取消）しているため、文書交換は閲覧のみです。"
            "アップロード・コメントはできません。"
        )


# --- folders ----------------------------------------------------------------------------------


def create_folder(*, actor: User, space: ExchangeSpace, name: str) -> ExchangeFolder:
    """Add a folder to a space (either side, while the contract is open)."""
    _require_writable(space.contract)
    name = name.strip()
    if not name or len(name) > 100:
        raise PortalError("フォルダ名は1〜100文字で入力してください。")
    clash = db.session.scalar(
        sa.select(ExchangeFolder.id).where(
            ExchangeFolder.space_id == space.id, ExchangeFolder.name == name
        )
    )
    if clash is not None:
        raise PortalError(f"フォルダ「{name}」は既にあります。")
    folder = ExchangeFolder(space=space, name=name, created_by_id=actor.id)
    db.session.add(folder)
    db.session.flush()
    record(
        actor,
        "exchange.folder_created",
        folder,
        contract_id=space.contract_id,
        data={"space_id": space.id},
    )
    return folder


# --- uploads ----------------------------------------------------------------------------------


def _take(path: Path, filename: str, workdir: Path) -> Intake:
    """The shared intake: type from the bytes, limits, the sandbox, the cleaned copy."""
    try:
        return take(
            path, filename, allowed=ALLOWED_KINDS, limits=UploadLimits.current(), workdir=workdir
        )
    except FileRejected as exc:
        log.info("exchange upload rejected: %s", exc.code)
        raise


def _save_blob(path: Path, content_type: str, now: datetime) -> StoredBlob:
    return BlobWriter("exchange", now=now).save(path, content_type)


def upload_document(
    *,
    actor: User,
    space: ExchangeSpace,
    folder: ExchangeFolder | None,
    path: Path,
    filename: str,
    personal_info: bool,
    now: datetime,
) -> UploadOutcome:
    """Share a new document (version 1) in `space`, validated from its bytes.

    A PDF from the city whose properties, XMP or しおり hold text (or that can run something)
    is not shared yet: it is staged with a cleaned copy and the uploader chooses (広島市 第6 7).
    """
    _require_writable(space.contract)
    if folder is not None and folder.space_id != space.id:
        raise PortalError("フォルダの指定が正しくありません。")
    name = clean_filename(filename)
    return _share(
        actor=actor,
        space=space,
        document=None,
        folder=folder,
        title=name,
        personal_info=personal_info,
        path=path,
        filename=name,
        now=now,
    )


def upload_version(
    *, actor: User, document: ExchangeDocument, path: Path, filename: str, now: datetime
) -> UploadOutcome:
    """Add a new version to `document` (the older versions stay, unchanged); staged like a new
    document when it is a city PDF with hidden text (広島市 第6 7)."""
    _require_writable(document.space.contract)
    return _share(
        actor=actor,
        space=document.space,
        document=document,
        folder=document.folder,
        title=document.title,
        personal_info=document.personal_info,
        path=path,
        filename=clean_filename(filename),
        now=now,
    )


def _share(
    *,
    actor: User,
    space: ExchangeSpace,
    document: ExchangeDocument | None,
    folder: ExchangeFolder | None,
    title: str,
    personal_info: bool,
    path: Path,
    filename: str,
    now: datetime,
) -> UploadOutcome:
    with tempfile.TemporaryDirectory(prefix="exchange-clean-") as tmp:
        intake = _take(path, filename, Path(tmp))
        report = intake.pdf_report
        warn = report is not None and (report.has_hidden_text or report.has_active_content)
        if actor.is_city_staff and warn:
            staged = _stage(
                actor=actor,
                space=space,
                folder=folder,
                document=document,
                title=title,
                personal_info=personal_info,
                path=path,
                intake=intake,
                now=now,
            )
            return UploadOutcome(staged=staged)
        # What is stored and served is the cleaned copy (広島市要綱 第6 7); the upload itself is
        # not kept.
        version = _add_version(
            actor=actor,
            space=space,
            document=document,
            folder=folder,
            title=title if document is not None else intake.filename,
            personal_info=personal_info,
            blob=_save_blob(intake.path, intake.content_type, now),
            filename=intake.filename,
            content_type=intake.content_type,
            file_kind=intake.kind.value,
            page_count=intake.pages,
            has_active_content=False,
            cleaned=intake.cleaned,
            removed=intake.removed,
            now=now,
        )
    return UploadOutcome(version=version, removed=intake.removed)


def _add_version(
    *,
    actor: User,
    space: ExchangeSpace,
    document: ExchangeDocument | None,
    folder: ExchangeFolder | None,
    title: str,
    personal_info: bool,
    blob: StoredBlob,
    filename: str,
    content_type: str,
    file_kind: str,
    page_count: int,
    has_active_content: bool,
    cleaned: bool,
    now: datetime,
    removed: tuple[str, ...] = (),
) -> ExchangeVersion:
    if document is None:
        document = ExchangeDocument(
            space=space,
            folder=folder,
            title=title,
            personal_info=personal_info,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(document)
        db.session.flush()
        number = 1
    else:
        last = db.session.scalar(
            sa.select(sa.func.max(ExchangeVersion.number)).where(
                ExchangeVersion.document_id == document.id
            )
        )
        number = (last or 0) + 1
        document.updated_at = now
    version = ExchangeVersion(
        document=document,
        number=number,
        file_kind=file_kind,
        page_count=page_count,
        has_active_content=has_active_content,
        cleaned=cleaned,
        uploaded_by_id=actor.id,
        created_at=now,
    )
    version.set_blob(blob, filename=filename, content_type=content_type)
    db.session.add(version)
    db.session.flush()
    _mark_read(actor, version, space, now)
    record(
        actor,
        "exchange.document_uploaded" if number == 1 else "exchange.version_uploaded",
        document,
        contract_id=space.contract_id,
        data={
            "space_id": space.id,
            "version_id": version.id,
            "version": number,
            "file_kind": file_kind,
            "size": blob.size,
            "sha256": blob.sha256,
            "cleaned": cleaned,
            "removed": list(removed),
            "personal_info": document.personal_info,
        },
    )
    _notify_counterpart(
        actor,
        space,
        document,
        kind="exchange.document_shared",
        subject=f"文書交換: 契約 {space.contract.number} に文書が共有されました（第{number}版）",
    )
    return version


def _stage(
    *,
    actor: User,
    space: ExchangeSpace,
    folder: ExchangeFolder | None,
    document: ExchangeDocument | None,
    title: str,
    personal_info: bool,
    path: Path,
    intake: Intake,
    now: datetime,
) -> ExchangeStagedUpload:
    """A city PDF whose properties or しおり hold text waits for its uploader to look at what
    was found (広島市要綱 第6 7). The cleaned copy is what will be shared; the original is kept
    until the choice only so that a 保護管理者 may send it where the city keeps originals."""
    assert intake.pdf_report is not None  # noqa: S101 - only PDFs are staged
    report = intake.pdf_report
    clean_error: str | None = None
    filename = intake.filename
    original = _save_blob(path, intake.content_type, now)
    staged = ExchangeStagedUpload(
        space=space,
        folder=folder,
        document=document,
        title=title,
        personal_info=personal_info,
        uploaded_by_id=actor.id,
        page_count=intake.pages,
        has_active_content=report.has_active_content,
        findings=findings_of(report),
        clean_error=clean_error,
        created_at=now,
    )
    staged.set_blob(original, filename=filename, content_type=intake.content_type)
    if clean_error is None:
        cleaned = _save_blob(intake.path, intake.content_type, now)
        staged.cleaned_key = cleaned.key
        staged.cleaned_size = cleaned.size
        staged.cleaned_sha256 = cleaned.sha256
    db.session.add(staged)
    db.session.flush()
    # Only which fields held text, never the text (personal information stays out of the log).
    record(
        actor,
        "exchange.pdf_metadata_found",
        staged,
        contract_id=space.contract_id,
        data={
            "space_id": space.id,
            "document_id": document.id if document else None,
            "info_keys": list(staged.findings["info_keys"]),
            "xmp_values": staged.findings["xmp_count"],
            "outline_titles": len(report.outline_titles),
            "active_content": report.has_active_content,
            "cleaned_copy": clean_error is None,
        },
    )
    return staged


def send_staged_upload(
    *, actor: User, staged: ExchangeStagedUpload, choice: StagedChoice, now: datetime
) -> tuple[ExchangeVersion | None, list[str]]:
    """The uploader sends the cleaned copy (recommended), the original, or nothing.

    Returns the new version (None when cancelled) and the blob keys no longer needed, which
    the caller deletes after committing (`discard_blobs`).
    """
    space = staged.space
    if choice != "cancel":
        _require_writable(space.contract)
    if choice == "original" and not may_send_original(actor):
        raise PortalError(
            "元のファイルはそのまま共有できません。プロパティ・しおり等を削除した版を共有してください"
            f"（元のファイルを残す設定の市で、{current_profile().role_label('protection_manager')}"
            "だけが元のファイルを共有できます）。",
            code="original_not_allowed",
        )
    if choice == "cleaned" and staged.cleaned_key is None:
        raise PortalError(
            "この PDF はクリーニングできませんでした。元のファイルを送るか、取りやめてください。"
        )
    version: ExchangeVersion | None = None
    unused: list[str] = []
    if choice == "cancel":
        unused = [staged.storage_key] + ([staged.cleaned_key] if staged.cleaned_key else [])
    else:
        if choice == "cleaned":
            assert staged.cleaned_key is not None  # noqa: S101 - checked above
            blob = StoredBlob(
                backend=staged.storage_backend,
                key=staged.cleaned_key,
                size=staged.cleaned_size or 0,
                sha256=staged.cleaned_sha256 or "",
            )
            unused = [staged.storage_key]
        else:
            blob = staged.stored_blob
            unused = [staged.cleaned_key] if staged.cleaned_key else []
        version = _add_version(
            actor=actor,
            space=space,
            document=staged.document,
            folder=staged.folder,
            title=staged.title,
            personal_info=staged.personal_info,
            blob=blob,
            filename=staged.original_filename,
            content_type=staged.content_type,
            file_kind="pdf",
            page_count=staged.page_count,
            has_active_content=choice == "original" and staged.has_active_content,
            cleaned=choice == "cleaned",
            now=now,
        )
    record(
        actor,
        {
            "cleaned": "exchange.pdf_sent_cleaned",
            "original": "exchange.pdf_sent_original",
            "cancel": "exchange.upload_cancelled",
        }[choice],
        staged,
        contract_id=space.contract_id,
        data={
            "space_id": space.id,
            "version_id": version.id if version else None,
            "info_keys": list(staged.findings.get("info_keys", [])),
        },
    )
    db.session.delete(staged)
    db.session.flush()
    return version, unused


def may_send_original(actor: Actor) -> bool:
    """Only where the city keeps originals (KEEP_ORIGINAL_UPLOADS), and only a 保護管理者."""
    keep = bool(current_app.extensions["portal_config"].keep_original_uploads)
    return keep and isinstance(actor, User) and actor.role == Role.PROTECTION_MANAGER


def discard_blobs(keys: Iterable[str]) -> int:
    """Delete blobs no row points at any more (after the commit); failures are logged and left
    to the nightly reconcile job. Returns how many were deleted."""
    store = get_filestore()
    done = 0
    for key in keys:
        try:
            store.delete(key)
        except FileStoreError:
            log.warning("exchange: could not delete blob %s", key, exc_info=True)
            continue
        done += 1
    return done


# --- comments and marks -----------------------------------------------------------------------


def add_comment(
    *, actor: User, document: ExchangeDocument, body: str, now: datetime
) -> ExchangeComment:
    """A comment on a document, shown to both sides (its text is not copied into the log)."""
    _require_writable(document.space.contract)
    body = body.strip()
    if not body:
        raise PortalError("コメントを入力してください。")
    if len(body) > 4000:
        raise PortalError("コメントは4000文字以内で入力してください。")
    current = document.current_version
    comment = ExchangeComment(
        document=document,
        version_number=current.number if current else None,
        author_id=actor.id,
        body=body,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    record(
        actor,
        "exchange.comment_added",
        comment,
        contract_id=document.space.contract_id,
        data={"document_id": document.id},
    )
    _notify_counterpart(
        actor,
        document.space,
        document,
        kind="exchange.comment_added",
        subject=f"文書交換: 契約 {document.space.contract.number} の文書にコメントがありました",
    )
    return comment


def set_personal_info(*, actor: User, document: ExchangeDocument, value: bool) -> None:
    """Mark or unmark 個人情報含む (the policies say who may do which)."""
    _require_writable(document.space.contract)
    if document.personal_info == value:
        return
    document.personal_info = value
    record(
        actor,
        "exchange.personal_info_marked" if value else "exchange.personal_info_unmarked",
        document,
        contract_id=document.space.contract_id,
        data={"space_id": document.space_id},
    )
    db.session.flush()


def portal_path(endpoint: str, **values: Any) -> str:
    """A site-relative URL that also works outside a request (jobs, CLI, demo data)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _notify_counterpart(
    actor: User, space: ExchangeSpace, document: ExchangeDocument, *, kind: str, subject: str
) -> None:
    """Tell the other side of the space: the contract's section staff when a contractor acted,
    else the users of the space's company (never the actor; no file name, it may hold PI)."""
    contract = space.contract
    if actor.role == Role.CONTRACTOR:
        candidates = list(
            db.session.scalars(
                sa.select(User).where(
                    User.role.in_([Role.PROCUREMENT, Role.PROTECTION_MANAGER]),
                    User.section_id == contract.section_id,
                    User.is_active.is_(True),
                )
            )
        )
    else:
        candidates = company_users([space.company_id])
    recipients = [u for u in candidates if u.id != actor.id]
    if not recipients:
        return
    notify(
        recipients=recipients,
        kind=kind,
        subject=subject,
        obj=document,
        url=portal_path("exchange.document", document_id=document.id),
        contract_id=contract.id,
    )


# --- access records and the bulk-download warning ---------------------------------------------


@dataclass(frozen=True)
class BulkCheck:
    """A user's transfers in the profile's window plus the one asked for (入間市 第21条)."""

    window_minutes: int
    max_files: int
    max_bytes: int
    prior_files: int
    prior_bytes: int
    files: int
    bytes: int

    @property
    def total_files(self) -> int:
        return self.prior_files + self.files

    @property
    def total_bytes(self) -> int:
        return self.prior_bytes + self.bytes

    @property
    def exceeds(self) -> bool:
        """More than the set amount: reaching it exactly is still allowed without a warning."""
        return self.total_files > self.max_files or self.total_bytes > self.max_bytes

    def as_data(self) -> dict[str, int]:
        return {
            "window_minutes": self.window_minutes,
            "max_files": self.max_files,
            "max_bytes": self.max_bytes,
            "files": self.files,
            "bytes": self.bytes,
            "window_files": self.total_files,
            "window_bytes": self.total_bytes,
        }


def check_bulk_download(
    *, user: User, versions: Sequence[ExchangeVersion], now: datetime
) -> BulkCheck:
    """What this transfer would bring the user's window to, against the profile's limits."""
    rules = current_profile().downloads
    since = now - timedelta(minutes=rules.window_minutes)
    files, size = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(ExchangeTransfer.file_count), 0),
            sa.func.coalesce(sa.func.sum(ExchangeTransfer.byte_count), 0),
        ).where(ExchangeTransfer.user_id == user.id, ExchangeTransfer.created_at > since)
    ).one()
    return BulkCheck(
        window_minutes=rules.window_minutes,
        max_files=rules.max_files,
        max_bytes=rules.max_bytes,
        prior_files=int(files),
        prior_bytes=int(size),
        files=len(versions),
        bytes=sum(v.size for v in versions),
    )


def warn_bulk_download(
    *, actor: User, contract: Contract, check: BulkCheck, target: str, now: datetime
) -> None:
    """The warning page was shown (第21条: 警告表示); recorded, nothing downloaded yet."""
    record(
        actor,
        "exchange.bulk_download_warned",
        contract,
        contract_id=contract.id,
        data={**check.as_data(), "target": target},
        now=now,
    )


def confirm_bulk_download(
    *, actor: User, contract: Contract, check: BulkCheck, target: str, url: str, now: datetime
) -> None:
    """The user confirmed past the warning: recorded, and the section's 保護管理者 and the
    auditors are told (once per user and window)."""
    record(
        actor,
        "exchange.bulk_download_confirmed",
        contract,
        contract_id=contract.id,
        data={**check.as_data(), "target": target},
        now=now,
    )
    recipients = db.session.scalars(
        sa.select(User).where(
            User.is_active,
            sa.or_(
                sa.and_(
                    User.role == Role.PROTECTION_MANAGER, User.section_id == contract.section_id
                ),
                User.role == Role.AUDITOR,
            ),
        )
    ).all()
    window = int(now.timestamp() // (check.window_minutes * 60))
    notify(
        recipients=recipients,
        kind="exchange.bulk_download",
        subject=f"大量ダウンロードの警告: {actor.name} さんが警告を確認して続行しました",
        body=(
            f"契約 {contract.number} の文書交換で、{check.window_minutes}分間に"
            f"{check.total_files}件・{file_size(check.total_bytes)} のダウンロードがありました"
            f"（設定: {check.max_files}件・{file_size(check.max_bytes)}）。"
        ),
        obj=contract,
        url=url,
        contract_id=contract.id,
        dedupe_key=f"exchange.bulk:{actor.id}:{window}",
    )


def record_access(
    *,
    actor: User,
    versions: Sequence[ExchangeVersion],
    action: AccessAction,
    now: datetime,
    folder: ExchangeFolder | None = None,
) -> None:
    """One access record per file (入間市 第20条: who, when, which version, from where — the
    audit store adds the IP), the transfer for the 第21条 window, and read receipts."""
    if not versions:
        return
    contract = versions[0].document.space.contract
    for version in versions:
        document = version.document
        record(
            actor,
            f"document.{action}",
            document,
            contract_id=document.space.contract_id,
            data={
                "version_id": version.id,
                "version": version.number,
                "space_id": document.space_id,
                "personal_info": document.personal_info,
                "bytes": version.size,
                "served": "cleaned" if version.cleaned else "as_uploaded",
                "via": "zip" if folder is not None else "single",
                **({"folder_id": folder.id} if folder is not None else {}),
            },
            now=now,
        )
        _mark_read(actor, version, document.space, now)
    db.session.add(
        ExchangeTransfer(
            user_id=actor.id,
            contract_id=contract.id,
            file_count=len(versions),
            byte_count=sum(v.size for v in versions),
            created_at=now,
        )
    )
    db.session.flush()


def _mark_read(actor: Actor, version: ExchangeVersion, space: ExchangeSpace, now: datetime) -> None:
    party = party_of(actor, space)
    if party is None or not isinstance(actor, User):
        return
    if version.receipt_for(party) is not None:  # loads version.receipts
        return
    receipt = ExchangeReadReceipt(version_id=version.id, party=party, user_id=actor.id, read_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(receipt)
    except IntegrityError:
        return  # the same party read it in a concurrent request: the first time stands
    version.receipts.append(receipt)  # keep the loaded collection in step


@dataclass(frozen=True)
class AccessFilter:
    action: str = ""
    actor: str = ""
    contract: str = ""
    document_id: int | None = None
    personal_only: bool = False
    start: datetime | None = None
    end: datetime | None = None


def access_records_query(user: User, flt: AccessFilter) -> sa.Select[AuditEntry]:
    """Access records (and bulk-download warnings) `user` may read, newest first.

    保護管理者: own section's contracts; 監査責任者 and 総括保護管理者: all.
    """
    actions = {
        "viewed": ("document.viewed",),
        "downloaded": ("document.downloaded",),
        "bulk": BULK_ACTIONS,
    }.get(flt.action, ACCESS_ACTIONS)
    stmt = (
        sa.select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.seq.desc())
    )
    if user.role == Role.PROTECTION_MANAGER:
        stmt = stmt.where(
            AuditEntry.contract_id.in_(
                sa.select(Contract.id).where(Contract.section_id == user.section_id)
            )
        )
    elif user.role not in {Role.AUDITOR, Role.CHIEF}:
        return stmt.where(sa.false())
    if flt.actor:
        stmt = stmt.where(AuditEntry.actor_label.ilike(like_pattern(flt.actor), escape="\\"))
    if flt.contract:
        stmt = stmt.where(
            AuditEntry.contract_id.in_(
                sa.select(Contract.id).where(
                    Contract.number.ilike(like_pattern(flt.contract), escape="\\")
                )
            )
        )
    if flt.document_id is not None:
        stmt = stmt.where(
            AuditEntry.object_type == "ExchangeDocument", AuditEntry.object_id == flt.document_id
        )
    if flt.personal_only:
        stmt = stmt.where(AuditEntry.data["personal_info"].as_boolean() == sa.true())
    if flt.start is not None:
        stmt = stmt.where(AuditEntry.created_at >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(AuditEntry.created_at <= flt.end)
    return stmt


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE ... ESCAPE '\\': the user's % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def describe_entries(entries: Sequence[AuditEntry]) -> dict[str, dict[int, Any]]:
    """Contract numbers and document titles for a page of access records (two queries)."""
    contract_ids = {e.contract_id for e in entries if e.contract_id is not None}
    document_ids = {
        e.object_id
        for e in entries
        if e.object_type == "ExchangeDocument" and e.object_id is not None
    }
    contracts: dict[int, Any] = {}
    titles: dict[int, Any] = {}
    if contract_ids:
        rows = db.session.execute(
            sa.select(Contract.id, Contract.number).where(Contract.id.in_(contract_ids))
        )
        contracts = {cid: number for cid, number in rows}
    if document_ids:
        rows = db.session.execute(
            sa.select(ExchangeDocument.id, ExchangeDocument.title).where(
                ExchangeDocument.id.in_(document_ids)
            )
        )
        titles = {did: title for did, title in rows}
    return {"contracts": contracts, "titles": titles}


# --- retention --------------------------------------------------------------------------------


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def retention_ends_at(contract: Contract) -> datetime | None:
    """When the exchange documents of a closed contract may be deleted (Contract.retention_years
    after closed_at); None while the contract is open."""
    if contract.status not in READ_ONLY_STATUSES or contract.closed_at is None:
        return None
    return _add_years(contract.closed_at, contract.retention_years)


def _contract_documents(contract_ids: Iterable[int]) -> list[ExchangeDocument]:
    ids = list(contract_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ExchangeDocument)
            .join(ExchangeSpace, ExchangeDocument.space_id == ExchangeSpace.id)
            .where(ExchangeSpace.contract_id.in_(ids))
            .order_by(ExchangeDocument.id)
            .options(so.selectinload(ExchangeDocument.versions))
        )
    )


def expired_contracts(*, now: datetime) -> list[tuple[Contract, int]]:
    """Closed contracts past their retention that still hold exchange documents, with counts."""
    rows = db.session.execute(
        sa.select(Contract, sa.func.count(ExchangeDocument.id))
        .join(ExchangeSpace, ExchangeSpace.contract_id == Contract.id)
        .join(ExchangeDocument, ExchangeDocument.space_id == ExchangeSpace.id)
        .where(Contract.status.in_(READ_ONLY_STATUSES), Contract.closed_at.is_not(None))
        .group_by(Contract.id)
        .order_by(Contract.id)
    ).all()
    result = []
    for contract, count in rows:
        ends = retention_ends_at(contract)
        if ends is not None and ends <= now:
            result.append((contract, int(count)))
    return result


def purge_expired_documents(*, actor: User, contract: Contract, now: datetime) -> list[str]:
    """Delete every exchange document of a closed contract whose retention has ended.

    Only after retention (Contract.retention_years from closed_at); each document's deletion
    is audited with its versions' sizes and hashes. Returns the blob keys to delete after the
    commit (`discard_blobs`). The access records stay in the audit log.
    """
    ends = retention_ends_at(contract)
    if ends is None:
        raise PortalError("契約が完了していないため、文書交換の文書は削除できません。")
    if now < ends:
        raise PortalError(
            f"保存期間が終わっていないため削除できません（{wareki_date(ends)} まで保存）。"
        )
    documents = _contract_documents([contract.id])
    staged = db.session.scalars(
        sa.select(ExchangeStagedUpload)
        .join(ExchangeSpace, ExchangeStagedUpload.space_id == ExchangeSpace.id)
        .where(ExchangeSpace.contract_id == contract.id)
    ).all()
    if not documents and not staged:
        raise PortalError("削除できる文書はありません。")
    keys: list[str] = []
    version_count = 0
    for document in documents:
        versions = list(document.versions)
        record(
            actor,
            "exchange.document_purged",
            document,
            contract_id=contract.id,
            data={
                "space_id": document.space_id,
                "personal_info": document.personal_info,
                "versions": [
                    {"version_id": v.id, "version": v.number, "size": v.size, "sha256": v.sha256}
                    for v in versions
                ],
            },
            now=now,
        )
        keys += [v.storage_key for v in versions]
        version_count += len(versions)
    for item in staged:
        keys += [item.storage_key] + ([item.cleaned_key] if item.cleaned_key else [])
    _delete_contract_rows(contract.id)
    record(
        actor,
        "exchange.documents_purged",
        contract,
        contract_id=contract.id,
        data={
            "documents": len(documents),
            "versions": version_count,
            "closed_at": contract.closed_at.isoformat() if contract.closed_at else None,
            "retention_years": contract.retention_years,
        },
        now=now,
    )
    db.session.flush()
    return keys


def _delete_contract_rows(contract_id: int) -> None:
    """Delete the exchange rows of one contract, children first (the spaces stay, empty)."""
    spaces = sa.select(ExchangeSpace.id).where(ExchangeSpace.contract_id == contract_id)
    documents = sa.select(ExchangeDocument.id).where(ExchangeDocument.space_id.in_(spaces))
    versions = sa.select(ExchangeVersion.id).where(ExchangeVersion.document_id.in_(documents))
    for stmt in (
        sa.delete(ExchangeReadReceipt).where(ExchangeReadReceipt.version_id.in_(versions)),
        sa.delete(ExchangeVersion).where(ExchangeVersion.document_id.in_(documents)),
        sa.delete(ExchangeComment).where(ExchangeComment.document_id.in_(documents)),
        sa.delete(ExchangeStagedUpload).where(ExchangeStagedUpload.space_id.in_(spaces)),
        sa.delete(ExchangeDocument).where(ExchangeDocument.space_id.in_(spaces)),
        sa.delete(ExchangeFolder).where(ExchangeFolder.space_id.in_(spaces)),
    ):
        db.session.execute(stmt.execution_options(synchronize_session=False))
    db.session.expire_all()


def stale_staged_uploads(*, now: datetime) -> list[ExchangeStagedUpload]:
    """Staged PDFs nobody decided on within STAGED_UPLOAD_TTL."""
    return list(
        db.session.scalars(
            sa.select(ExchangeStagedUpload)
            .where(ExchangeStagedUpload.created_at < now - STAGED_UPLOAD_TTL)
            .options(so.joinedload(ExchangeStagedUpload.space))
            .order_by(ExchangeStagedUpload.id)
        )
    )


def discard_staged_upload(*, actor: Actor, staged: ExchangeStagedUpload) -> list[str]:
    """Drop a staged PDF (neither copy was shared); returns the blob keys to delete."""
    keys = [staged.storage_key] + ([staged.cleaned_key] if staged.cleaned_key else [])
    record(
        actor,
        "exchange.upload_discarded",
        staged,
        contract_id=staged.space.contract_id,
        data={"space_id": staged.space_id},
    )
    db.session.delete(staged)
    db.session.flush()
    return keys
