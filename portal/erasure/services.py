"""消去・廃棄証明 services: when a certificate is owed, submission, review and closing.

入間市規程 第16条第2項 (沖縄市・龍ヶ崎市 第16条第2項, 広島市要綱 第6 9): when erasure or disposal
is outsourced, at every tier, the city confirms it was done — a staff member witnesses it, or
the contractor hands in a certificate with photos. 第37条第1項(6): the contract provides for
erasure and the return of media at the end. A contract is closed only when every party's
certificate is accepted.

Every service changes data, records the audit entry and flushes; none commits: the view
commits once, so a state change and its audit entry land together.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.account.models import Actor, Role, User
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.contract.models import Contract, ContractStatus
from portal.db import utcnow
from portal.erasure.models import (
    CertificateStatus,
    ErasureCase,
    ErasureCertificate,
    ErasureFile,
    ErasureMediaItem,
    ErasureMethod,
    ErasureObligation,
    ErasurePhoto,
    FileVariant,
    MediaType,
    ObligationStatus,
)
from portal.erasure.uploads import (
    BlobWriter,
    CheckedPdf,
    CheckedPhoto,
    Upload,
    check_pdf,
    sanitize_photos,
    validate_photos,
)
from portal.errors import PortalError
from portal.extensions import db
from portal.filecheck.sniff import safe_content_type
from portal.notification.recipients import company_users, section_managers
from portal.notification.services import notify
from portal.org.models import Company
from portal.profile import current_profile
from portal.subcontract.models import SubcontractRequest
from portal.subcontract.services import approved_tiers_for
from portal.wareki import today_jst, wareki_date

MAX_MEDIA_ITEMS = 100
MAX_PHOTOS = 200
MAX_MEDIA_COUNT = 100_000
MAX_REVIEW_REASON = 2000
# The contract feature's audit action for going into performance (docs/architecture.md): a
# cancelled contract that was once active may have handed data over, so it owes erasure too.
ACTIVATED_ACTION = "contract.activated"
_CHUNK = 500

# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaInput:
    """One row of the media list as entered, with the photos taken of that medium."""

    media_type: MediaType
    identifier: str
    count: int
    method: ErasureMethod
    photos: tuple[Upload, ...] = ()


@dataclass(frozen=True)
class CertificateInput:
    media: tuple[MediaInput, ...]
    erased_on: date | None
    place: str
    operator: str
    witnessed: bool
    witness_name: str
    certificate_pdf: Upload | None
    extra_photos: tuple[Upload, ...] = ()
    note: str = ""


# --- URLs (services also run in jobs, without a request to build them from) ------------------


def case_path(contract_id: int) -> str:
    return f"/erasure/contracts/{contract_id}"


def certificate_path(certificate_id: int) -> str:
    return f"/erasure/certificates/{certificate_id}"


# --- when it is due --------------------------------------------------------------------------


def erasure_due_date(period_end: date, ended_on: date, *, due_days: int) -> date:
    """The day the certificates are due: `due_days` (profile) after the work ended — the
    contract's period end, or the day it entered erasure_pending when that came earlier
    (early termination, cancellation)."""
    return min(period_end, ended_on) + timedelta(days=due_days)


def in_chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    """Slices short enough for one IN list each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_obligations(
    contracts: Sequence[Contract], *, actor: Actor, now: datetime, notify_parties: bool = True
) -> list[ErasureObligation]:
    """Create the missing obligations of erasure_pending contracts: the contractor (party 0)
    and every approved 再委託 tier (入間市規程 第16条第2項: 二以上の段階にわたる委託を含む).

    Idempotent; a tier approved after the first run is added by the next one. Existing rows
    are never removed, so a tier whose approval lapses later still owes its certificate.
    """
    created: list[ErasureObligation] = []
    today = today_jst(now)
    due_days = current_profile().erasure.due_days
    for chunk in in_chunks([c for c in contracts if c.status == ContractStatus.ERASURE_PENDING]):
        ids = [c.id for c in chunk]
        tiers = approved_tiers_for(ids)
        existing = {
            (cid, key)
            for cid, key in db.session.execute(
                sa.select(ErasureObligation.contract_id, ErasureObligation.party_key).where(
                    ErasureObligation.contract_id.in_(ids)
                )
            )
        }
        for contract in chunk:
            if contract.erasure_due_on is None:
                contract.erasure_due_on = erasure_due_date(
                    contract.period_end, today, due_days=due_days
                )
            parties: list[tuple[int, SubcontractRequest | None, int, int]] = [
                (0, None, contract.company_id, 0)
            ]
            parties += [(t.id, t, t.subcontractor_id, t.tier) for t in tiers.get(contract.id, [])]
            new = [
                ErasureObligation(
                    contract=contract,
                    party_key=key,
                    subcontract=sub,
                    company_id=company_id,
                    tier=tier,
                    status=ObligationStatus.PENDING,
                )
                for key, sub, company_id, tier in parties
                if (contract.id, key) not in existing
            ]
            if not new:
                continue
            db.session.flush()
            try:
                # Two requests opening the same case at once: the unique constraint decides,
                # the loser simply sees the winner's rows.
                with db.session.begin_nested():
                    db.session.add_all(new)
                    db.session.flush()
            except IntegrityError:
                continue
            record(
                actor,
                "erasure.obligations_created",
                contract,
                contract_id=contract.id,
                data={
                    "due_on": contract.erasure_due_on.isoformat(),
                    "parties": [
                        {"party_key": o.party_key, "company_id": o.company_id, "tier": o.tier}
                        for o in new
                    ],
                },
                now=now,
            )
            created.extend(new)
            if notify_parties:
                _notify_required(contract, new)
    return created


def _notify_required(contract: Contract, obligations: list[ErasureObligation]) -> None:
    for ob in obligations:
        due = wareki_date(contract.erasure_due_on)
        notify(
            recipients=company_users([ob.company_id]),
            kind="erasure.required",
            subject=f"消去・廃棄証明の提出をお願いします: {contract.title}",
            body=(
                f"契約「{contract.title}」（{contract.number}）の業務が終了しました。"
                f"{ob.label} として、個人情報の消去・廃棄（又は媒体の返却）を行い、"
                f"{due}までに消去・廃棄証明（写真付き）を提出してください。"
            ),
            obj=ob,
            url=case_path(contract.id),
            contract_id=contract.id,
            dedupe_key=f"erasure.required:o{ob.id}",
        )


def _move_to_pending(contract: Contract, *, actor: Actor, now: datetime) -> None:
    before = contract.status
    contract.status = ContractStatus.ERASURE_PENDING
    contract.erasure_due_on = erasure_due_date(
        contract.period_end, today_jst(now), due_days=current_profile().erasure.due_days
    )
    record(
        actor,
        "contract.erasure_required",
        contract,
        contract_id=contract.id,
        data={"from": before.value, "due_on": contract.erasure_due_on.isoformat()},
        now=now,
    )


def start_erasure_check(*, actor: Actor, contract: Contract, now: datetime) -> ErasureCase:
    """Put one contract (active, ending or cancelled) into `erasure_pending` now: due date,
    one obligation per party, notifications. For the contract screens' "終了手続" and demos;
    the daily job does the same for every contract whose period has ended."""
    allowed = {ContractStatus.ACTIVE, ContractStatus.ENDING, ContractStatus.CANCELLED}
    if contract.status not in allowed:
        raise PortalError(
            f"この契約は消去確認を始められる状態ではありません（状態: {contract.status_label}）。"
        )
    _move_to_pending(contract, actor=actor, now=now)
    db.session.flush()
    _ensure_obligations([contract], actor=actor, now=now)
    return load_case(contract)


def mark_ended_contracts(*, actor: Actor, now: datetime) -> int:
    """Move every contract whose period has ended (active/ending), or that was cancelled after
    it went into performance, to `erasure_pending` with due date = period end + the profile's
    due_days, and create what each party owes. Returns how many contracts moved.

    Also completes erasure_pending contracts that reached that state through the contract
    screens (due date, obligations). Idempotent: selects by state, not by "since last run".
    """
    today = today_jst(now)
    was_active = (
        sa.exists()
        .where(AuditEntry.contract_id == Contract.id, AuditEntry.action == ACTIVATED_ACTION)
        .correlate(Contract)
    )
    ended = db.session.scalars(
        sa.select(Contract)
        .where(
            sa.or_(
                sa.and_(
                    Contract.status.in_([ContractStatus.ACTIVE, ContractStatus.ENDING]),
                    Contract.period_end < today,
                ),
                sa.and_(
                    Contract.status == ContractStatus.CANCELLED,
                    Contract.closed_at.is_(None),
                    was_active,
                ),
            )
        )
        .order_by(Contract.id)
    ).all()
    for contract in ended:
        _move_to_pending(contract, actor=actor, now=now)
    db.session.flush()
    has_obligation = sa.exists().where(ErasureObligation.contract_id == Contract.id)
    incomplete = db.session.scalars(
        sa.select(Contract)
        .where(
            Contract.status == ContractStatus.ERASURE_PENDING,
            sa.or_(~has_obligation, Contract.erasure_due_on.is_(None)),
        )
        .order_by(Contract.id)
    ).all()
    pending = {c.id: c for c in [*ended, *incomplete]}
    _ensure_obligations(list(pending.values()), actor=actor, now=now)
    return len(ended)


def sync_tiers(contracts: Sequence[Contract], *, actor: Actor, now: datetime) -> int:
    """Add obligations for tiers approved since the contract entered erasure_pending (and for
    contracts moved there by the contract screens). Returns how many were created."""
    return len(_ensure_obligations(contracts, actor=actor, now=now))


# --- reading -----------------------------------------------------------------------------------


def load_case(contract: Contract) -> ErasureCase:
    """The contract with its obligations (contractor first, then by tier) and their
    submissions, in a fixed number of queries."""
    obligations = db.session.scalars(
        sa.select(ErasureObligation)
        .where(ErasureObligation.contract_id == contract.id)
        .options(
            so.joinedload(ErasureObligation.company),
            so.selectinload(ErasureObligation.certificates).options(
                so.joinedload(ErasureCertificate.submitted_by),
                so.joinedload(ErasureCertificate.reviewed_by),
            ),
        )
        .order_by(ErasureObligation.tier, ErasureObligation.party_key)
    ).all()
    return ErasureCase(contract, list(obligations))


def open_case(*, contract: Contract, actor: Actor, now: datetime) -> ErasureCase:
    """load_case, after adding any obligation not created yet (see sync_tiers)."""
    if contract.status == ContractStatus.ERASURE_PENDING:
        _ensure_obligations([contract], actor=actor, now=now)
    return load_case(contract)


def load_certificate(certificate_id: int) -> ErasureCertificate | None:
    """A submission with its media list, photos and files (for the review page)."""
    return db.session.scalars(
        sa.select(ErasureCertificate)
        .where(ErasureCertificate.id == certificate_id)
        .options(
            so.joinedload(ErasureCertificate.obligation).options(
                so.joinedload(ErasureObligation.contract),
                so.joinedload(ErasureObligation.company),
                so.selectinload(ErasureObligation.certificates),
            ),
            so.joinedload(ErasureCertificate.submitted_by),
            so.joinedload(ErasureCertificate.reviewed_by),
            # The page shows each medium's photos: one query for all, not one per medium.
            so.selectinload(ErasureCertificate.media_items).selectinload(ErasureMediaItem.photos),
            so.selectinload(ErasureCertificate.photos).selectinload(ErasurePhoto.files),
            so.selectinload(ErasureCertificate.files),
        )
    ).first()


def obligation_for(contract: Contract, party_key: int) -> ErasureObligation | None:
    return db.session.scalars(
        sa.select(ErasureObligation)
        .where(
            ErasureObligation.contract_id == contract.id,
            ErasureObligation.party_key == party_key,
        )
        .options(so.selectinload(ErasureObligation.certificates))
    ).first()


# --- submission ----------------------------------------------------------------------------


def _lock_contract(contract: Contract) -> None:
    """Serialise everything that changes one contract's erasure case (PostgreSQL row lock;
    SQLite has one writer anyway) and re-read its state after waiting."""
    db.session.refresh(contract, with_for_update=True)


def _check_submission(obligation: ErasureObligation, data: CertificateInput, today: date) -> None:
    contract = obligation.contract
    if contract.status != ContractStatus.ERASURE_PENDING:
        raise PortalError(
            f"この契約は消去証明の提出を受け付けていません（状態: {contract.status_label}）。"
        )
    if obligation.status == ObligationStatus.SUBMITTED:
        raise PortalError("消去証明は提出済みで、審査中です。差戻しがあった場合に再提出できます。")
    if obligation.status == ObligationStatus.ACCEPTED:
        raise PortalError("消去証明は既に承認されています。")
    problems: list[str] = []
    if not data.media:
        problems.append("消去・廃棄した媒体を1行以上入力してください。")
    if len(data.media) > MAX_MEDIA_ITEMS:
        problems.append(f"媒体は{MAX_MEDIA_ITEMS}行までです。")
    for n, item in enumerate(data.media, start=1):
        if not item.identifier.strip():
            problems.append(
                f"媒体{n}行目: 識別番号・シリアル番号（紙は文書名など）を入力してください。"
            )
        if len(item.identifier) > 200:
            problems.append(f"媒体{n}行目: 識別番号は200文字以内で入力してください。")
        if not 1 <= item.count <= MAX_MEDIA_COUNT:
            problems.append(f"媒体{n}行目: 数量は1以上{MAX_MEDIA_COUNT:,}以下で入力してください。")
    if data.erased_on is None:
        problems.append("消去・廃棄の実施日を入力してください。")
    elif data.erased_on > today:
        problems.append("消去・廃棄の実施日に未来の日付は指定できません。")
    if not data.place.strip():
        problems.append("実施場所を入力してください。")
    if not data.operator.strip():
        problems.append("作業者を入力してください。")
    if len(data.place) > 200 or len(data.operator) > 100:
        problems.append("実施場所は200文字、作業者は100文字以内で入力してください。")
    if data.witnessed and not data.witness_name.strip():
        problems.append("立ち会った市職員の氏名を入力してください。")
    if len(data.witness_name) > 100:
        problems.append("立会者の氏名は100文字以内で入力してください。")
    if data.certificate_pdf is None:
        problems.append("署名（記名押印）済みの消去証明書（PDF）を添付してください。")
    photo_count = sum(len(m.photos) for m in data.media) + len(data.extra_photos)
    if photo_count > MAX_PHOTOS:
        problems.append(f"写真は1回の提出で{MAX_PHOTOS}枚までです。")
    problems += _photo_rule_problems(data)
    if problems:
        raise PortalError(" ".join(problems))


def _photo_rule_problems(data: CertificateInput) -> list[str]:
    """入間市規程 第16条第2項: 職員が立ち会い、又は写真等を付した証明書. Without a witness,
    every medium needs its photos (profile: photos_per_media_item)."""
    rules = current_profile().erasure
    if data.witnessed and rules.witness_or_photos:
        return []
    need = rules.photos_per_media_item
    short = [
        f"{n}行目（{item.identifier or '識別番号なし'}）"
        for n, item in enumerate(data.media, start=1)
        if len(item.photos) < need
    ]
    if not short:
        return []
    return [
        f"市職員の立会いがない場合は、媒体ごとに{need}枚以上の写真が必要です"
        f"{current_profile().cite_note('erasure')}。写真のない媒体: {'、'.join(short)}。"
    ]


@dataclass(frozen=True)
class PreparedSubmission:
    """A submission whose files have all passed their checks and been cleaned (in a temporary
    folder that must outlive the call to submit_certificate)."""

    pdf: CheckedPdf
    photos: tuple[tuple[int | None, CheckedPhoto], ...]


def prepare_submission(
    *, obligation: ErasureObligation, data: CertificateInput, workdir: Path, today: date
) -> PreparedSubmission:
    """Check the rules, then every file (bytes, limits, decode; parsers in a limited child
    process) and write the cleaned copies into `workdir`. Writes nothing to the database or
    the file store; raises PortalError / UploadRejected on the first problem."""
    _check_submission(obligation, data, today)
    if data.certificate_pdf is None:  # refused above; for mypy
        raise PortalError("消去証明書を添付してください。")
    photos: list[tuple[int | None, Upload]] = [
        (m_index, p) for m_index, m in enumerate(data.media) for p in m.photos
    ]
    photos += [(None, p) for p in data.extra_photos]
    uploads = [p for _, p in photos]
    checked_pdf = check_pdf(data.certificate_pdf, workdir)
    infos = validate_photos(uploads)
    checked_photos = sanitize_photos(uploads, infos, workdir)
    return PreparedSubmission(
        pdf=checked_pdf,
        photos=tuple((m, c) for (m, _), c in zip(photos, checked_photos, strict=True)),
    )


def submit_certificate(
    *,
    actor: User,
    obligation: ErasureObligation,
    data: CertificateInput,
    now: datetime | None = None,
    prepared: PreparedSubmission | None = None,
) -> ErasureCertificate:
    """The owing party submits (or, after a send-back, resubmits) its certificate.

    The rules are checked first, then every file (see prepare_submission; pass `prepared` when
    that was done already), then the rules again under the contract's row lock. On any
    refusal no row and no blob remains (blobs already written in this call are deleted).
    Stored: the cleaned PDF, each photo's sanitized display image and thumbnail, and the
    originals only with `keep_original_uploads`.
    """
    now = now or utcnow()
    with tempfile.TemporaryDirectory(prefix="portal-erasure-") as tmp:
        if prepared is None:
            # Files first (seconds for many photos), outside the contract's row lock.
            prepared = prepare_submission(
                obligation=obligation, data=data, workdir=Path(tmp), today=today_jst(now)
            )
        # The state again under the lock: a second submission may have won meanwhile.
        _lock_contract(obligation.contract)
        db.session.refresh(obligation)
        _check_submission(obligation, data, today_jst(now))
        if data.erased_on is None:  # refused above; for mypy
            raise PortalError("消去・廃棄の実施日を入力してください。")
        writer = BlobWriter(now=now)
        try:
            certificate = _store_submission(
                actor=actor,
                obligation=obligation,
                data=data,
                erased_on=data.erased_on,
                prepared=prepared,
                writer=writer,
                now=now,
            )
        except BaseException:
            writer.discard()
            raise
    _notify_submitted(obligation, certificate)
    return certificate


def _store_submission(
    *,
    actor: User,
    obligation: ErasureObligation,
    data: CertificateInput,
    erased_on: date,
    prepared: PreparedSubmission,
    writer: BlobWriter,
    now: datetime,
) -> ErasureCertificate:
    pdf, photos = prepared.pdf, prepared.photos
    keep_original = bool(current_app.extensions["portal_config"].keep_original_uploads)
    version = (obligation.current.version + 1) if obligation.current else 1
    certificate = ErasureCertificate(
        obligation=obligation,
        contract_id=obligation.contract_id,
        version=version,
        status=CertificateStatus.SUBMITTED,
        erased_on=erased_on,
        place=data.place.strip(),
        operator=data.operator.strip(),
        witnessed=data.witnessed,
        witness_name=data.witness_name.strip() if data.witnessed else "",
        note=data.note.strip(),
        submitted_by_id=actor.id,
        submitted_at=now,
    )
    db.session.add(certificate)
    items = [
        ErasureMediaItem(
            certificate=certificate,
            position=n,
            media_type=m.media_type,
            identifier=m.identifier.strip(),
            count=m.count,
            method=m.method,
        )
        for n, m in enumerate(data.media, start=1)
    ]
    db.session.add_all(items)

    meta = pdf.info.metadata
    doc = ErasureFile(
        certificate=certificate,
        variant=FileVariant.CERTIFICATE,
        pages=pdf.info.pages,
        metadata_removed=meta.has_hidden_text or meta.has_active_content,
    )
    doc.set_blob(
        writer.save(pdf.cleaned, "application/pdf"),
        filename=pdf.upload.filename,
        content_type="application/pdf",
    )
    db.session.add(doc)
    if keep_original:
        original = ErasureFile(
            certificate=certificate,
            variant=FileVariant.CERTIFICATE_ORIGINAL,
            pages=pdf.info.pages,
        )
        original.set_blob(
            writer.save(pdf.upload.path, "application/pdf"),
            filename=pdf.upload.filename,
            content_type="application/pdf",
        )
        db.session.add(original)

    for position, (media_index, checked) in enumerate(photos, start=1):
        db.session.add(
            _photo_rows(
                certificate,
                items[media_index] if media_index is not None else None,
                position,
                checked,
                writer,
                keep_original=keep_original,
            )
        )

    obligation.status = ObligationStatus.SUBMITTED
    obligation.accepted_at = None
    db.session.flush()
    record(
        actor,
        "erasure.submitted",
        certificate,
        contract_id=obligation.contract_id,
        data={
            "obligation_id": obligation.id,
            "party_key": obligation.party_key,
            "version": version,
            "media_items": len(items),
            "photos": len(photos),
            "witnessed": data.witnessed,
            "pdf_metadata_removed": doc.metadata_removed,
        },
        now=now,
    )
    return certificate


def _photo_rows(
    certificate: ErasureCertificate,
    item: ErasureMediaItem | None,
    position: int,
    checked: CheckedPhoto,
    writer: BlobWriter,
    *,
    keep_original: bool,
) -> ErasurePhoto:
    info, result = checked.info, checked.sanitized
    photo = ErasurePhoto(
        certificate=certificate,
        media_item=item,
        position=position,
        source_kind=info.kind.value,
        width=result.display_width,
        height=result.display_height,
        had_exif=info.has_exif,
        had_gps=info.has_gps,
    )
    stem = Path(checked.upload.filename).stem or "photo"
    ext = "png" if result.content_type == "image/png" else "jpg"
    served = (
        (FileVariant.PHOTO, checked.display, f"{stem}.{ext}", result.display_width),
        (FileVariant.PHOTO_THUMB, checked.thumb, f"{stem}_thumb.{ext}", result.thumb_width),
    )
    for variant, path, name, width in served:
        row = ErasureFile(
            certificate=certificate,
            photo=photo,
            variant=variant,
            width=width,
            height=(result.display_height if variant == FileVariant.PHOTO else result.thumb_height),
            metadata_removed=info.has_exif,
        )
        blob = writer.save(path, result.content_type)
        row.set_blob(blob, filename=name, content_type=result.content_type)
        db.session.add(row)
    if keep_original:
        content_type = safe_content_type(info.kind)
        row = ErasureFile(
            certificate=certificate,
            photo=photo,
            variant=FileVariant.PHOTO_ORIGINAL,
            width=info.width,
            height=info.height,
        )
        row.set_blob(
            writer.save(checked.upload.path, content_type),
            filename=checked.upload.filename,
            content_type=content_type,
        )
        db.session.add(row)
    return photo


def _notify_submitted(obligation: ErasureObligation, certificate: ErasureCertificate) -> None:
    contract = obligation.contract
    notify(
        recipients=section_managers(contract.section_id),
        kind="erasure.submitted",
        subject=f"消去・廃棄証明が提出されました: {contract.title}",
        body=(
            f"{obligation.label} が契約「{contract.title}」（{contract.number}）の"
            f"消去・廃棄証明（第{certificate.version}版）を提出しました。"
            "写真と媒体一覧を確認し、承認又は差戻しをしてください。"
        ),
        obj=certificate,
        url=certificate_path(certificate.id),
        contract_id=contract.id,
    )


# --- review --------------------------------------------------------------------------------


def _check_reviewable(certificate: ErasureCertificate) -> ErasureObligation:
    obligation = certificate.obligation
    _lock_contract(obligation.contract)
    db.session.refresh(obligation)
    db.session.refresh(certificate)
    if obligation.contract.status != ContractStatus.ERASURE_PENDING:
        raise PortalError("この契約は消去確認待ちではないため、審査できません。")
    if certificate.status != CertificateStatus.SUBMITTED or obligation.current is not certificate:
        raise PortalError(
            "この消去証明は審査待ちではありません（既に審査済みか、新しい版があります）。"
        )
    return obligation


def _party_recipients(obligation: ErasureObligation) -> list[User]:
    # A tier's result also goes to the contractor, who answers for its subcontractors
    # (入間市規程 第37条第4項).
    return company_users({obligation.company_id, obligation.contract.company_id})


def _decide(
    *, actor: User, certificate: ErasureCertificate, accept: bool, reason: str, now: datetime
) -> ErasureObligation:
    """Record the 保護管理者's decision on the submission under review, with its audit entry."""
    if len(reason) > MAX_REVIEW_REASON:
        label = "確認メモ" if accept else "差戻しの理由"
        raise PortalError(f"{label}は{MAX_REVIEW_REASON}文字以内で入力してください。")
    obligation = _check_reviewable(certificate)
    certificate.status = CertificateStatus.ACCEPTED if accept else CertificateStatus.RETURNED
    certificate.reviewed_by_id = actor.id
    certificate.reviewed_at = now
    certificate.review_reason = reason
    obligation.status = ObligationStatus.ACCEPTED if accept else ObligationStatus.RETURNED
    if accept:
        obligation.accepted_at = now
    db.session.flush()
    record(
        actor,
        "erasure.accepted" if accept else "erasure.returned",
        certificate,
        contract_id=obligation.contract_id,
        data={"obligation_id": obligation.id, "version": certificate.version},
        now=now,
    )
    return obligation


def accept_certificate(
    *, actor: User, certificate: ErasureCertificate, note: str = "", now: datetime | None = None
) -> None:
    """The section's 保護管理者 accepts the submission under review."""
    obligation = _decide(
        actor=actor, certificate=certificate, accept=True, reason=note.strip(), now=now or utcnow()
    )
    contract = obligation.contract
    notify(
        recipients=_party_recipients(obligation),
        kind="erasure.accepted",
        subject=f"消去・廃棄証明が承認されました: {contract.title}",
        body=f"{obligation.label} の消去・廃棄証明（第{certificate.version}版）が承認されました。",
        obj=certificate,
        url=certificate_path(certificate.id),
        contract_id=contract.id,
    )
    if load_case(contract).all_accepted:
        notify(
            recipients=section_managers(contract.section_id),
            kind="erasure.all_accepted",
            subject=f"全ての消去・廃棄証明が承認されました: {contract.title}",
            body="委託先及び全ての再委託先の消去・廃棄証明がそろいました。契約を完了できます。",
            obj=contract,
            url=case_path(contract.id),
            contract_id=contract.id,
        )


def return_certificate(
    *, actor: User, certificate: ErasureCertificate, reason: str, now: datetime | None = None
) -> None:
    """The section's 保護管理者 sends the submission back with a reason; the party resubmits."""
    reason = reason.strip()
    if not reason:
        raise PortalError("差戻しの理由を入力してください。")
    obligation = _decide(
        actor=actor, certificate=certificate, accept=False, reason=reason, now=now or utcnow()
    )
    contract = obligation.contract
    notify(
        recipients=_party_recipients(obligation),
        kind="erasure.returned",
        subject=f"消去・廃棄証明が差し戻されました: {contract.title}",
        body=(
            f"{obligation.label} の消去・廃棄証明（第{certificate.version}版）が差し戻されました。"
            f"理由: {reason}\n内容を修正して再提出してください。"
        ),
        obj=certificate,
        url=case_path(contract.id),
        contract_id=contract.id,
    )


# --- closing ---------------------------------------------------------------------------------

_MISSING_PHRASE = {
    ObligationStatus.PENDING: "未提出です",
    ObligationStatus.SUBMITTED: "未承認です",
    ObligationStatus.RETURNED: "差戻し中です（再提出待ち）",
}


def missing_for_close(case: ErasureCase) -> list[str]:
    """What stands between the case and closing, one sentence per party, e.g.
    「再委託先 ガンマデータサービス株式会社（第1層）の消去証明が未承認です」."""
    if not case.obligations:
        return [f"委託先 {case.contract.company.name}の消去証明が未提出です"]
    return [f"{o.label}の消去証明が{_MISSING_PHRASE[o.status]}" for o in case.outstanding]


def close_contract(*, actor: User, contract: Contract, now: datetime | None = None) -> None:
    """Close the contract: allowed only when the contractor's certificate and every approved
    tier's certificate are accepted; otherwise PortalError naming exactly what is missing.
    A closed contract's case is read-only."""
    now = now or utcnow()
    _lock_contract(contract)
    if contract.status == ContractStatus.CLOSED:
        raise PortalError("この契約は既に完了しています。")
    if contract.status != ContractStatus.ERASURE_PENDING:
        raise PortalError(
            f"消去確認待ちの契約だけを完了できます（現在の状態: {contract.status_label}）。"
        )
    # A tier approved since the case was opened owes a certificate too: look again first.
    _ensure_obligations([contract], actor=actor, now=now)
    case = load_case(contract)
    missing = missing_for_close(case)
    if missing:
        raise PortalError("契約を完了できません。" + "。".join(missing) + "。")
    contract.status = ContractStatus.CLOSED
    contract.closed_at = now
    db.session.flush()
    record(
        actor,
        "contract.closed",
        contract,
        contract_id=contract.id,
        data={
            "obligations": [o.id for o in case.obligations],
            "certificates": [o.current.id for o in case.obligations if o.current],
        },
        now=now,
    )
    notify(
        recipients=company_users([contract.company_id]),
        kind="contract.closed",
        subject=f"契約が完了しました: {contract.title}",
        body=f"全ての消去・廃棄証明が承認され、契約「{contract.title}」は完了しました。",
        obj=contract,
        url=case_path(contract.id),
        contract_id=contract.id,
    )


# --- access records ----------------------------------------------------------------------------


def record_file_access(*, actor: User, file: ErasureFile, downloaded: bool) -> None:
    """アクセス記録 (入間市規程 第20条): every view or download of a certificate file or photo."""
    record(
        actor,
        "document.downloaded" if downloaded else "document.viewed",
        file,
        contract_id=file.certificate.contract_id,
        data={
            "feature": "erasure",
            "variant": file.variant.value,
            "served": "original" if file.is_original else "cleaned",
            "certificate_id": file.certificate_id,
            "size": file.size,
        },
    )


# --- overview, dashboard and the scheduler ---------------------------------------------------


def _scope(stmt: sa.Select[Any], user: User) -> sa.Select[Any]:
    """Rows of Contract the user may see in the erasure overview."""
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return stmt
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER} and user.section_id is not None:
        return stmt.where(Contract.section_id == user.section_id)
    if user.role == Role.CONTRACTOR and user.company_id is not None:
        owes = sa.exists().where(
            ErasureObligation.contract_id == Contract.id,
            ErasureObligation.company_id == user.company_id,
        )
        return stmt.where(sa.or_(Contract.company_id == user.company_id, owes))
    return stmt.where(sa.false())


OVERVIEW_STATES = {
    "": "消去確認待ち（全て）",
    "overdue": "期限超過",
    "due_soon": "期限まで14日以内",
    "review": "審査待ちあり",
    "ready": "完了可能（全て承認済）",
    "closed": "完了済",
}


def _outstanding_exists() -> sa.Exists:
    return sa.exists().where(
        ErasureObligation.contract_id == Contract.id,
        ErasureObligation.status != ObligationStatus.ACCEPTED,
    )


def overview_stmt(
    user: User,
    *,
    today: date,
    state: str = "",
    section_id: int | None = None,
    q: str = "",
) -> sa.Select[Contract]:
    """Contracts awaiting erasure proof (or closed), filtered, due date first."""
    any_obligation = sa.exists().where(ErasureObligation.contract_id == Contract.id)
    not_done = sa.or_(_outstanding_exists(), ~any_obligation)
    status = ContractStatus.CLOSED if state == "closed" else ContractStatus.ERASURE_PENDING
    stmt = sa.select(Contract).where(Contract.status == status)
    if state == "overdue":
        stmt = stmt.where(Contract.erasure_due_on < today, not_done)
    elif state == "due_soon":
        stmt = stmt.where(
            Contract.erasure_due_on >= today,
            Contract.erasure_due_on <= today + timedelta(days=14),
            not_done,
        )
    elif state == "review":
        stmt = stmt.where(
            sa.exists().where(
                ErasureObligation.contract_id == Contract.id,
                ErasureObligation.status == ObligationStatus.SUBMITTED,
            )
        )
    elif state == "ready":
        stmt = stmt.where(any_obligation, ~_outstanding_exists())
    if section_id is not None:
        stmt = stmt.where(Contract.section_id == section_id)
    if q:
        # autoescape: a "%" or "_" typed into the search box is a character, not a wildcard
        company_ids = sa.select(Company.id).where(Company.name.icontains(q, autoescape=True))
        stmt = stmt.where(
            sa.or_(
                Contract.title.icontains(q, autoescape=True),
                Contract.number.icontains(q, autoescape=True),
                Contract.company_id.in_(company_ids),
            )
        )
    stmt = _scope(stmt, user)
    order = (
        Contract.closed_at.desc()
        if state == "closed"
        else Contract.erasure_due_on.asc().nulls_last()
    )
    return stmt.order_by(order, Contract.id)


def obligations_by_contract(contract_ids: Sequence[int]) -> dict[int, list[ErasureObligation]]:
    """Obligations (with company) of many contracts in one query per 500 contracts."""
    grouped: dict[int, list[ErasureObligation]] = defaultdict(list)
    for chunk in in_chunks(list(contract_ids)):
        rows = db.session.scalars(
            sa.select(ErasureObligation)
            .where(ErasureObligation.contract_id.in_(chunk))
            .options(so.joinedload(ErasureObligation.company))
            .order_by(
                ErasureObligation.contract_id, ErasureObligation.tier, ErasureObligation.party_key
            )
        )
        for row in rows:
            grouped[row.contract_id].append(row)
    return grouped


def contracts_missing_obligations(contract_ids: Sequence[int]) -> list[Contract]:
    """erasure_pending contracts among `contract_ids` that have no obligation yet."""
    found: list[Contract] = []
    has_obligation = sa.exists().where(ErasureObligation.contract_id == Contract.id)
    for chunk in in_chunks(list(contract_ids)):
        found += db.session.scalars(
            sa.select(Contract).where(
                Contract.id.in_(chunk),
                Contract.status == ContractStatus.ERASURE_PENDING,
                ~has_obligation,
            )
        ).all()
    return found


@dataclass(frozen=True)
class ErasureCounts:
    pending: int = 0  # city: contracts awaiting proof; contractor: own certificates to submit
    overdue: int = 0
    review: int = 0  # submissions waiting for the 保護管理者
    returned: int = 0  # contractor: own submissions sent back


def erasure_counts(user: User, *, today: date) -> ErasureCounts:
    """Dashboard figures for the user's scope (three queries at most)."""
    if user.role == Role.CONTRACTOR:
        if user.company_id is None:
            return ErasureCounts()
        base = (
            sa.select(ErasureObligation.status, Contract.erasure_due_on)
            .join(Contract, Contract.id == ErasureObligation.contract_id)
            .where(
                Contract.status == ContractStatus.ERASURE_PENDING,
                ErasureObligation.company_id == user.company_id,
                ErasureObligation.status != ObligationStatus.ACCEPTED,
            )
        )
        rows = db.session.execute(base).all()
        open_rows = [r for r in rows if r[0] != ObligationStatus.SUBMITTED]
        return ErasureCounts(
            pending=len(open_rows),
            overdue=sum(1 for _, due in open_rows if due is not None and due < today),
            review=sum(1 for s, _ in rows if s == ObligationStatus.SUBMITTED),
            returned=sum(1 for s, _ in rows if s == ObligationStatus.RETURNED),
        )
    pending_stmt = _scope(
        sa.select(sa.func.count(Contract.id)).where(
            Contract.status == ContractStatus.ERASURE_PENDING
        ),
        user,
    )
    any_obligation = sa.exists().where(ErasureObligation.contract_id == Contract.id)
    overdue_stmt = pending_stmt.where(
        Contract.erasure_due_on < today, sa.or_(_outstanding_exists(), ~any_obligation)
    )
    review_stmt = _scope(
        sa.select(sa.func.count(ErasureObligation.id))
        .join(Contract, Contract.id == ErasureObligation.contract_id)
        .where(
            Contract.status == ContractStatus.ERASURE_PENDING,
            ErasureObligation.status == ObligationStatus.SUBMITTED,
        ),
        user,
    )
    return ErasureCounts(
        pending=db.session.scalar(pending_stmt) or 0,
        overdue=db.session.scalar(overdue_stmt) or 0,
        review=db.session.scalar(review_stmt) or 0,
    )


def outstanding_obligations_stmt(
    *, due_before: date | None = None, due_on_or_before: date | None = None
) -> sa.Select[ErasureObligation]:
    """For the scheduler: every obligation not yet accepted of a contract waiting for
    erasure proof, with contract and company loaded, oldest due date first. `due_before=today`
    gives the overdue ones; `due_on_or_before=today + n` the ones to remind. One query whatever
    the number of contracts (iterate with `.execution_options(yield_per=...)`).

    `obligation.next_actor` says who must act: 'contractor' (nothing submitted, or sent back:
    the party's users) or 'protection_manager' (a submission waits for review).
    """
    stmt = (
        sa.select(ErasureObligation)
        .join(Contract, Contract.id == ErasureObligation.contract_id)
        .where(
            Contract.status == ContractStatus.ERASURE_PENDING,
            ErasureObligation.status != ObligationStatus.ACCEPTED,
        )
        .options(
            so.contains_eager(ErasureObligation.contract),
            so.joinedload(ErasureObligation.company),
        )
        .order_by(Contract.erasure_due_on, ErasureObligation.contract_id, ErasureObligation.id)
    )
    if due_before is not None:
        stmt = stmt.where(Contract.erasure_due_on < due_before)
    if due_on_or_before is not None:
        stmt = stmt.where(Contract.erasure_due_on <= due_on_or_before)
    return stmt


def overdue_obligations(*, today: date) -> list[ErasureObligation]:
    """Obligations whose contract's due date has passed and whose certificate is not accepted."""
    return list(db.session.scalars(outstanding_obligations_stmt(due_before=today)).unique())
