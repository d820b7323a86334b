"""Contract register services: particulars, document versions, the clause check, overrides and
the lifecycle. Every change is audited in the caller's transaction; nothing here commits.

入間市 第37条第1項 (the eight matters), 第2項 (minimum scope), 第5項 (派遣), 第6項
(anonymisation); 第18条 (where the information is handled).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import Actor, User
from portal.audit.services import record
from portal.authz.contract import visible_contracts_filter
from portal.contract import confirmation, engine
from portal.contract.models import (
    CLAUSE_STATUS_LABELS,
    ClauseCheck,
    ClauseOverride,
    ClauseResult,
    ClauseStatus,
    Contract,
    ContractDocument,
    ContractKind,
    ContractStatus,
    DocumentRole,
    HandlingLocation,
)
from portal.errors import PortalError, UploadRejected
from portal.extensions import db
from portal.filecheck.sniff import FileKind
from portal.filestore import MissingBlobError, get_filestore
from portal.ocr import IMAGE_CONTENT_TYPES, image_kind
from portal.org.models import Company, Section
from portal.profile import current_profile
from portal.uploads import BlobWriter, UploadLimits, served_label, take_bytes

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
}
_TEXT_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16", "cp932": "Shift_JIS"}
# The body is read first: the engine shows evidence from the earliest document that has it.
ROLE_ORDER = {
    DocumentRole.BODY: 0,
    DocumentRole.SPECIAL_TERMS: 1,
    DocumentRole.SPECIFICATION: 2,
    DocumentRole.OTHER: 3,
}


# JPEG/PNG: a photo of a page, read by OCR; the intake stores it re-encoded without EXIF.
DOCUMENT_KINDS = frozenset(
    {FileKind.PDF, FileKind.DOCX, FileKind.TEXT, FileKind.CSV, FileKind.JPEG, FileKind.PNG}
)
"""What the clause check reads: PDF, Word and plain text (a CSV is text to it)."""


class DocumentRejected(PortalError):
    """An uploaded document cannot be read; nothing was saved. `code` is the engine's code."""


# --- particulars ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractInput:
    """Every particular of a contract a person enters (the form's cleaned data)."""

    number: str
    title: str
    company_id: int
    kind: ContractKind
    fiscal_year: int
    period_start: date
    period_end: date
    pi_categories: str
    sensitive: bool
    people_count: int
    location: HandlingLocation
    cloud_provider: str | None
    cloud_provider_country: str | None
    cloud_server_country: str | None
    minimum_scope: str
    anonymised: bool
    anonymisation_note: str
    retention_years: int


_FIELDS = tuple(f.name for f in fields(ContractInput))


def _clean(data: ContractInput) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in _FIELDS}
    for name in ("number", "title", "pi_categories", "minimum_scope", "anonymisation_note"):
        values[name] = (values[name] or "").strip()
    if not values["number"] or not values["title"]:
        raise PortalError("契約番号と件名を入力してください。")
    if data.period_end < data.period_start:
        raise PortalError("契約期間の終了日は開始日以降の日付にしてください。")
    if data.people_count < 0:
        raise PortalError("本人の数は0以上で入力してください。")
    if db.session.get(Company, data.company_id) is None:
        raise PortalError("委託先事業者を選択してください。")
    cloud = ("cloud_provider", "cloud_provider_country", "cloud_server_country")
    if data.location == HandlingLocation.CLOUD:
        for name in cloud:
            values[name] = (values[name] or "").strip() or None
        if not all(values[name] for name in cloud):
            # 入間市 第18条: the provider's country and the server's country are both "外国".
            raise PortalError(
                "クラウドサービスで取り扱う場合は、クラウドサービス事業者名、事業者の所在国及び"
                f"サーバの所在国を入力してください{current_profile().article_note('foreign')}。"
            )
    else:
        for name in cloud:
            values[name] = None
    if not data.anonymised:
        values["anonymisation_note"] = ""
    return values


def _check_number(number: str, contract_id: int | None) -> None:
    clash = db.session.scalar(sa.select(Contract.id).where(Contract.number == number))
    if clash is not None and clash != contract_id:
        raise PortalError(f"契約番号 {number} は既に登録されています。")


def create_contract(*, actor: User, section_id: int, data: ContractInput) -> Contract:
    """Register a contract (status 起案中) in `section_id`; the caller checked the policy."""
    values = _clean(data)
    _check_number(values["number"], None)
    if db.session.get(Section, section_id) is None:
        raise PortalError("課が登録されていません。")
    contract = Contract(section_id=section_id, created_by_id=actor.id, **values)
    db.session.add(contract)
    db.session.flush()
    record(
        actor,
        "contract.created",
        contract,
        contract_id=contract.id,
        data={"number": contract.number, "section_id": section_id, "company_id": data.company_id},
    )
    return contract


def update_contract(*, actor: User, contract: Contract, data: ContractInput) -> list[str]:
    """Edit the particulars; returns the names of the fields that changed (audited)."""
    values = _clean(data)
    _check_number(values["number"], contract.id)
    changed = [name for name, value in values.items() if getattr(contract, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(contract, name, values[name])
    record(actor, "contract.updated", contract, contract_id=contract.id, data={"fields": changed})
    db.session.flush()
    return changed


# --- documents and the clause check ----------------------------------------------------------


@dataclass(frozen=True)
class UploadOutcome:
    document: ContractDocument
    check: ClauseCheck
    removed: tuple[str, ...] = ()  # what the intake removed, told to the uploader


def current_documents(contract: Contract) -> list[ContractDocument]:
    """The current version of each document, in reading order (body first)."""
    rows = db.session.scalars(
        sa.select(ContractDocument).where(
            ContractDocument.contract_id == contract.id, ContractDocument.is_current.is_(True)
        )
    ).all()
    return sorted(rows, key=lambda d: (ROLE_ORDER[d.role], d.id))


def _content_type(doc: engine.ExtractedDocument, data: bytes = b"") -> str:
    if doc.kind == "image":
        kind = image_kind(data)
        return IMAGE_CONTENT_TYPES[kind] if kind else "application/octet-stream"
    if doc.kind == "text":
        charset = _TEXT_CHARSETS.get(doc.encoding or "utf-8", "utf-8")
        return f"text/plain; charset={charset}"
    return CONTENT_TYPES[doc.kind]


def _read_stored(doc: ContractDocument, limits: engine.Limits) -> engine.ExtractedDocument:
    if doc.ocr_text:
        try:
            return engine.ExtractedDocument.from_dict(json.loads(doc.ocr_text))
        except (ValueError, KeyError, TypeError):
            pass  # read the file again below
    try:
        with get_filestore().open(doc.storage_key) as fh:
            data = fh.read()
    except MissingBlobError as exc:
        raise PortalError(
            f"登録済みの文書「{doc.original_filename}」（第{doc.version}版）のファイルが"
            "見つからないため、条項を確認できません。システム管理者に連絡してください。"
        ) from exc
    try:
        return engine.extract(data, filename=doc.original_filename, limits=limits)
    except engine.DocumentError as err:
        raise PortalError(
            f"登録済みの文書「{doc.original_filename}」（第{doc.version}版）を読み取れません。"
            f"{err.message}",
            code=err.code,
        ) from err


def clause_set_for(contract: Contract) -> engine.ClauseSet:
    """The clause set of the active profile for this contract's kind (委託 / 派遣)."""
    return engine.clause_set_for(contract.kind, current_profile().clause_set)


def latest_check(contract: Contract) -> ClauseCheck | None:
    """The most recent clause check of the contract, results loaded."""
    return db.session.scalar(
        sa.select(ClauseCheck)
        .where(ClauseCheck.contract_id == contract.id)
        .options(so.selectinload(ClauseCheck.results).joinedload(ClauseResult.document))
        .order_by(ClauseCheck.id.desc())
        .limit(1)
    )


def current_overrides(contract: Contract) -> dict[str, ClauseOverride]:
    """The 保護管理者's decisions in force, by clause key."""
    rows = db.session.scalars(
        sa.select(ClauseOverride)
        .where(ClauseOverride.contract_id == contract.id, ClauseOverride.is_current.is_(True))
        .options(so.joinedload(ClauseOverride.decided_by))
        .order_by(ClauseOverride.id)
    ).all()
    return {row.key: row for row in rows}


def _store_check(
    *,
    actor: Actor,
    contract: Contract,
    documents: Sequence[ContractDocument],
    result: engine.CheckResult,
    clause_set: engine.ClauseSet,
    now: datetime,
) -> ClauseCheck:
    previous = latest_check(contract)
    check = ClauseCheck(
        contract_id=contract.id,
        profile=current_profile().name,
        clause_set=result.clause_set,
        ok=result.ok,
        checked_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
    )
    for r in result.clauses:
        doc = documents[r.document_index] if r.document_index is not None else None
        check.results.append(
            ClauseResult(
                no=r.no,
                key=r.key,
                title=r.title,
                status=ClauseStatus(r.status),
                document=doc,
                page=r.page,
                excerpt=r.excerpt,
                highlight_start=r.highlight[0] if r.highlight else None,
                highlight_end=r.highlight[1] if r.highlight else None,
                missing_elements="、".join(clause_set.element_label(k) for k in r.missing_elements),
            )
        )
    db.session.add(check)
    db.session.flush()
    _lapse_overrides(actor=actor, contract=contract, previous=previous, check=check)
    if contract.status == ContractStatus.DRAFT:
        contract.status = ContractStatus.CHECKED
    record(
        actor,
        "contract.checked",
        check,
        contract_id=contract.id,
        data={
            "clause_set": check.clause_set,
            "ok": check.ok,
            "documents": [d.id for d in documents],
            "statuses": {r.key: r.status.value for r in check.results},
        },
        now=now,
    )
    return check


def _lapse_overrides(
    *, actor: Actor, contract: Contract, previous: ClauseCheck | None, check: ClauseCheck
) -> None:
    """An override judged one reading of the documents. When the new check reads a clause
    differently (new or corrected documents), the person must judge it again."""
    overrides = current_overrides(contract)
    if not overrides:
        return
    before = {r.key: r.status for r in previous.results} if previous else {}
    after = {r.key: r.status for r in check.results}
    for key, override in overrides.items():
        if before.get(key) != after.get(key):
            override.is_current = False
            record(
                actor,
                "clause.override_lapsed",
                override,
                contract_id=contract.id,
                data={
                    "key": key,
                    "before": before[key].value if key in before else None,
                    "after": after[key].value if key in after else None,
                },
            )
    db.session.flush()


def upload_document(
    *,
    actor: Actor,
    contract: Contract,
    data: bytes,
    filename: str,
    role: DocumentRole,
    now: datetime,
    limits: engine.Limits | None = None,
) -> UploadOutcome:
    """Add a new version of a contract document and re-check all current documents.

    The bytes are judged and parsed in the sandbox first; a document that cannot be read
    raises DocumentRejected and nothing (no row, no blob) is saved. The previous current
    version of the same role is kept but no longer current (nothing is overwritten).
    """
    limits = limits or engine.current_limits()
    try:
        extracted = engine.extract(data, filename=filename, limits=limits)
    except engine.DocumentError as err:
        raise DocumentRejected(err.message, code=err.code) from err
    # Then the shared intake: what is stored and served is the copy without properties,
    # しおり and JavaScript (PDF) or document properties (Word) (広島市要綱 第6 7); its pages
    # and text are the ones just read.
    try:
        data, intake = take_bytes(
            data,
            filename,
            allowed=DOCUMENT_KINDS,
            limits=UploadLimits.current().capped(
                max_bytes=limits.max_bytes, max_pages=limits.max_pages
            ),
        )
    except UploadRejected as err:
        raise DocumentRejected(err.message, code=str(err.code)) from err
    filename = intake.filename

    # Read the other current documents before anything is saved: a stored document that is
    # missing or unreadable refuses the upload with nothing written.
    others = [(d, _read_stored(d, limits)) for d in current_documents(contract) if d.role != role]
    store = get_filestore()
    content_type = _content_type(extracted, data)
    blob = BlobWriter("contract", now=now).save_bytes(data, content_type)
    try:
        document = _add_version(
            actor=actor,
            contract=contract,
            role=role,
            blob=blob,
            filename=filename,
            extracted=extracted,
            content_type=content_type,
            now=now,
        )
        document.cleaned = intake.cleaned
        check = _check_documents(
            actor=actor, contract=contract, pairs=[*others, (document, extracted)], now=now
        )
    except BaseException:
        store.delete(blob.key)
        raise
    return UploadOutcome(document=document, check=check, removed=intake.removed)


def _add_version(
    *,
    actor: Actor,
    contract: Contract,
    role: DocumentRole,
    blob: Any,
    filename: str,
    extracted: engine.ExtractedDocument,
    content_type: str,
    now: datetime,
) -> ContractDocument:
    previous = db.session.scalars(
        sa.select(ContractDocument).where(
            ContractDocument.contract_id == contract.id, ContractDocument.role == role
        )
    ).all()
    for old in previous:
        old.is_current = False
    document = ContractDocument(
        contract_id=contract.id,
        role=role,
        version=max((d.version for d in previous), default=0) + 1,
        is_current=True,
        file_kind=extracted.kind,
        page_count=extracted.page_count,
        uploaded_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
    )
    document.set_blob(blob, filename=filename, content_type=content_type)
    document.ocr_pages = ",".join(str(n) for n in extracted.ocr_pages)
    if extracted.ocr:
        document.ocr_text = json.dumps(extracted.to_dict(), ensure_ascii=False)
    db.session.add(document)
    db.session.flush()
    record(
        actor,
        "document.uploaded",
        document,
        contract_id=contract.id,
        data={
            "role": role.value,
            "version": document.version,
            "file_kind": document.file_kind,
            "pages": document.page_count,
            "size": document.size,
            "sha256": document.sha256,
            "superseded": [d.id for d in previous if d.id != document.id],
            "ocr_pages": list(extracted.ocr_pages),
        },
        now=now,
    )
    return document


def recheck_contract(
    *, actor: Actor, contract: Contract, now: datetime, limits: engine.Limits | None = None
) -> ClauseCheck:
    """Run the check again over the current documents (e.g. after the clause data changed)."""
    documents = current_documents(contract)
    if not documents:
        raise PortalError("契約書類が登録されていないため、条項を確認できません。")
    limits = limits or engine.current_limits()
    pairs = [(d, _read_stored(d, limits)) for d in documents]
    return _check_documents(actor=actor, contract=contract, pairs=pairs, now=now)


def _check_documents(
    *,
    actor: Actor,
    contract: Contract,
    pairs: Sequence[tuple[ContractDocument, engine.ExtractedDocument]],
    now: datetime,
) -> ClauseCheck:
    """Check the eight clauses over these documents (read body first) and store the result."""
    ordered = sorted(pairs, key=lambda pair: (ROLE_ORDER[pair[0].role], pair[0].id))
    clause_set = clause_set_for(contract)
    result = engine.check([extracted for _doc, extracted in ordered], clause_set)
    return _store_check(
        actor=actor,
        contract=contract,
        documents=[doc for doc, _extracted in ordered],
        result=result,
        clause_set=clause_set,
        now=now,
    )


def record_document_download(*, actor: Actor, document: ContractDocument) -> None:
    """アクセス記録 of a contract document download (入間市 第20条)."""
    record(
        actor,
        "document.downloaded",
        document,
        contract_id=document.contract_id,
        data={
            "role": document.role.value,
            "version": document.version,
            "served": served_label(document.cleaned),
        },
    )


# --- clause results with overrides -----------------------------------------------------------


@dataclass(frozen=True)
class ClauseRow:
    """One of the eight clauses: the machine result and, if any, the 保護管理者's decision."""

    result: ClauseResult
    override: ClauseOverride | None

    @property
    def no(self) -> int:
        return self.result.no

    @property
    def key(self) -> str:
        return self.result.key

    @property
    def title(self) -> str:
        return self.result.title

    @property
    def status(self) -> ClauseStatus:
        return self.override.status if self.override else self.result.status

    @property
    def status_label(self) -> str:
        return CLAUSE_STATUS_LABELS[self.status]


def clause_rows(contract: Contract, check: ClauseCheck | None = None) -> list[ClauseRow]:
    """The eight rows of the latest check with current overrides applied ([] before a check)."""
    check = check or latest_check(contract)
    if check is None:
        return []
    overrides = current_overrides(contract)
    return [ClauseRow(result=r, override=overrides.get(r.key)) for r in check.results]


def override_clause(
    *,
    actor: User,
    contract: Contract,
    key: str,
    status: ClauseStatus,
    reason: str,
    now: datetime,
) -> ClauseOverride:
    """The 保護管理者's written decision on one clause (replaces an earlier one; audited)."""
    reason = reason.strip()
    if not reason:
        raise PortalError("判断の理由を入力してください。")
    rows = {row.key: row for row in clause_rows(contract)}
    if not rows:
        raise PortalError(
            "条項確認の結果がないため、判断を登録できません。先に契約書類を登録してください。"
        )
    row = rows.get(key)
    if row is None:
        raise PortalError("指定された条項はありません。")
    if row.override is not None:
        row.override.is_current = False
    override = ClauseOverride(
        contract_id=contract.id,
        key=key,
        status=status,
        reason=reason,
        is_current=True,
        decided_by_id=actor.id,
        created_at=now,
    )
    db.session.add(override)
    db.session.flush()
    answered = confirmation.answer_with(
        override, actor=actor, url=f"/contracts/{contract.id}#clauses", now=now
    )
    record(
        actor,
        "clause.overridden",
        override,
        contract_id=contract.id,
        data={
            "answers_requests": answered,
            "key": key,
            "check_id": row.result.check_id,
            "machine_status": row.result.status.value,
            "status": status.value,
            "replaces": row.override.id if row.override else None,
        },
        now=now,
    )
    return override


# --- lifecycle -------------------------------------------------------------------------------


def _require_status(contract: Contract, allowed: Iterable[ContractStatus], action: str) -> None:
    if contract.status not in set(allowed):
        raise PortalError(f"状態が「{contract.status_label}」の契約は{action}できません。")


def activate_contract(*, actor: User, contract: Contract, now: datetime) -> None:
    """checked → active, refused while any clause is not present (overrides count)."""
    _require_status(contract, {ContractStatus.CHECKED}, "履行中に")
    rows = clause_rows(contract)
    if not rows:
        raise PortalError("条項確認がまだ行われていないため、履行中にできません。")
    blocking = [row for row in rows if row.status != ClauseStatus.PRESENT]
    if blocking:
        listed = "、".join(f"({row.no}){row.title}［{row.status_label}］" for row in blocking)
        profile = current_profile()
        raise PortalError(
            f"次の事項が契約書類に揃っていないため、履行中にできません"
            f"{profile.cite_note('clauses')}: {listed}。"
            "契約書類を修正して登録し直すか、"
            f"{profile.role_label('protection_manager')}が内容を確認して判断を登録してください。"
        )
    contract.status = ContractStatus.ACTIVE
    record(
        actor,
        "contract.activated",
        contract,
        contract_id=contract.id,
        data={
            "check_id": rows[0].result.check_id,
            "overridden": [row.key for row in rows if row.override is not None],
        },
        now=now,
    )
    db.session.flush()


def start_ending_contract(*, actor: Actor, contract: Contract, now: datetime) -> None:
    """active → ending: the work is finishing; erasure/return will be asked for next."""
    _require_status(contract, {ContractStatus.ACTIVE}, "終了手続に")
    contract.status = ContractStatus.ENDING
    record(actor, "contract.ending_started", contract, contract_id=contract.id, now=now)
    db.session.flush()


def mark_erasure_pending(*, actor: Actor, contract: Contract, now: datetime) -> None:
    """active/ending → erasure_pending (入間市 第16条第2項). The erasure feature owns what that
    means — the due date and what each tier owes — so this delegates to it."""
    from portal.erasure.services import start_erasure_check

    _require_status(contract, {ContractStatus.ACTIVE, ContractStatus.ENDING}, "消去確認待ちに")
    start_erasure_check(actor=actor, contract=contract, now=now)


def cancel_contract(*, actor: User, contract: Contract, now: datetime) -> None:
    """draft/checked → cancelled (a contract that never went into performance)."""
    _require_status(contract, {ContractStatus.DRAFT, ContractStatus.CHECKED}, "取り消し")
    contract.status = ContractStatus.CANCELLED
    record(actor, "contract.cancelled", contract, contract_id=contract.id, now=now)
    db.session.flush()


# --- queries other features use --------------------------------------------------------------


def active_contracts(
    *, section_id: int | None = None, company_id: int | None = None
) -> list[Contract]:
    """Contracts in performance (入間市 第37条第3項: these are inspected every 年度), with
    section and company loaded (one query)."""
    stmt = (
        sa.select(Contract)
        .where(Contract.status == ContractStatus.ACTIVE)
        .options(so.joinedload(Contract.section), so.joinedload(Contract.company))
        .order_by(Contract.id)
    )
    if section_id is not None:
        stmt = stmt.where(Contract.section_id == section_id)
    if company_id is not None:
        stmt = stmt.where(Contract.company_id == company_id)
    return list(db.session.scalars(stmt).all())


def status_counts(*, section_id: int | None = None) -> dict[ContractStatus, int]:
    """Number of contracts per status (of one section, or all)."""
    stmt = sa.select(Contract.status, sa.func.count(Contract.id)).group_by(Contract.status)
    if section_id is not None:
        stmt = stmt.where(Contract.section_id == section_id)
    counts = {status: 0 for status in ContractStatus}
    for status, count in db.session.execute(stmt).all():
        counts[ContractStatus(status)] = int(count)
    return counts


@dataclass(frozen=True)
class ClauseSummary:
    """Latest check of one contract, overrides applied."""

    present: int
    total: int
    overridden: int

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.present == self.total


def clause_summaries(contract_ids: Sequence[int]) -> dict[int, ClauseSummary]:
    """ClauseSummary per contract id (contracts never checked are absent); two queries."""
    if not contract_ids:
        return {}
    ids = list(contract_ids)
    latest = (
        sa.select(sa.func.max(ClauseCheck.id).label("check_id"))
        .where(ClauseCheck.contract_id.in_(ids))
        .group_by(ClauseCheck.contract_id)
        .subquery()
    )
    results = db.session.execute(
        sa.select(ClauseCheck.contract_id, ClauseResult.key, ClauseResult.status)
        .join(ClauseResult, ClauseResult.check_id == ClauseCheck.id)
        .where(ClauseCheck.id.in_(sa.select(latest.c.check_id)))
    ).all()
    overrides = {
        (cid, key): status
        for cid, key, status in db.session.execute(
            sa.select(ClauseOverride.contract_id, ClauseOverride.key, ClauseOverride.status).where(
                ClauseOverride.contract_id.in_(ids), ClauseOverride.is_current.is_(True)
            )
        ).all()
    }
    tally: dict[int, list[int]] = {}
    for cid, key, status in results:
        counts = tally.setdefault(cid, [0, 0, 0])  # present, total, overridden
        override = overrides.get((cid, key))
        counts[0] += (override or status) == ClauseStatus.PRESENT
        counts[1] += 1
        counts[2] += override is not None
    return {cid: ClauseSummary(*counts) for cid, counts in tally.items()}


# --- the register list ------------------------------------------------------------------------

OverdueCondition = Callable[[date], sa.ColumnElement[bool]]
_overdue_conditions: list[OverdueCondition] = []


def register_overdue_condition(condition: OverdueCondition) -> None:
    """Let another feature widen the list's "overdue" filter with an SQL condition on Contract
    (e.g. the inspection feature: no completed inspection in the current 年度)."""
    if condition not in _overdue_conditions:
        _overdue_conditions.append(condition)


def overdue_filter(today: date) -> sa.ColumnElement[bool]:
    """A contract is overdue when its period is over but it is still in performance, or when
    a registered condition says so."""
    base = sa.and_(Contract.status == ContractStatus.ACTIVE, Contract.period_end < today)
    return sa.or_(base, *(condition(today) for condition in _overdue_conditions))


@dataclass(frozen=True)
class ContractFilters:
    q: str = ""
    section_id: int | None = None
    company_id: int | None = None
    status: ContractStatus | None = None
    fiscal_year: int | None = None
    overdue: bool = False


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_contracts_stmt(
    user: Any, filters: ContractFilters, *, today: date
) -> sa.Select[Contract]:
    """The register rows `user` may see, filtered; section and company joined for display."""
    stmt = (
        sa.select(Contract)
        .join(Contract.company)
        .where(visible_contracts_filter(user))
        .options(so.contains_eager(Contract.company), so.joinedload(Contract.section))
        .order_by(Contract.fiscal_year.desc(), Contract.number)
    )
    if filters.q:
        pattern = _like(filters.q)
        stmt = stmt.where(
            sa.or_(
                Contract.title.ilike(pattern, escape="\\"),
                Contract.number.ilike(pattern, escape="\\"),
                Company.name.ilike(pattern, escape="\\"),
            )
        )
    if filters.section_id is not None:
        stmt = stmt.where(Contract.section_id == filters.section_id)
    if filters.company_id is not None:
        stmt = stmt.where(Contract.company_id == filters.company_id)
    if filters.status is not None:
        stmt = stmt.where(Contract.status == filters.status)
    if filters.fiscal_year is not None:
        stmt = stmt.where(Contract.fiscal_year == filters.fiscal_year)
    if filters.overdue:
        stmt = stmt.where(overdue_filter(today))
    return stmt


def overdue_ids(contract_ids: Sequence[int], *, today: date) -> set[int]:
    """Which of these contracts are overdue (one query)."""
    if not contract_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Contract.id).where(Contract.id.in_(list(contract_ids)), overdue_filter(today))
        ).all()
    )


def visible_fiscal_years(user: Any) -> list[int]:
    """The 年度 that occur among the contracts `user` may see, newest first."""
    return list(
        db.session.scalars(
            sa.select(Contract.fiscal_year)
            .where(visible_contracts_filter(user))
            .distinct()
            .order_by(Contract.fiscal_year.desc())
        ).all()
    )
