"""再委託 services. `approved_tiers*` is the one entry point later stages (inspections,
erasure certificates, document exchange) use to reach every approved tier (入間市 第37条第4項).

The workflow (入間市 第37条第1項(2)・第4項; 広島市 第10 2(2): a subsidiary is a 再委託 too):
a contractor asks (draft → submitted), the contract section's 保護管理者 approves, rejects or
returns it with a reason; a returned request is corrected and submitted again. The
subcontractor of an approved tier may ask for the next tier (再々委託), to any depth.

Every rule is checked before anything is written, so a refused action changes nothing: the
service raises PortalError (Japanese, shown to the user) and the view rolls back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from portal.account.models import Actor, Role, User
from portal.audit.services import record
from portal.clausecheck import (
    ClauseSetError,
    DocumentError,
    ExtractedDocument,
    check_documents,
    extract_document,
    load_clause_set,
)
from portal.clausecheck.sniff import sniff
from portal.contract.models import (
    STATUS_LABELS,
    ClauseStatus,
    Contract,
    ContractStatus,
    HandlingLocation,
)
from portal.db import utcnow
from portal.errors import PortalError, UploadRejected
from portal.extensions import db
from portal.filecheck.sniff import FileKind
from portal.filestore import get_filestore, new_key
from portal.notification.recipients import company_users, section_managers
from portal.notification.services import notify
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CertificateKind, Company
from portal.org.services import add_certificate, create_company
from portal.profile import current_profile
from portal.subcontract.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    SUBCONTRACT_STATUS_LABELS,
    SubcontractAction,
    SubcontractClauseResult,
    SubcontractDocument,
    SubcontractEvent,
    SubcontractRequest,
    SubcontractStatus,
)
from portal.subcontract.risks import Risk, decision_risks
from portal.uploads import UploadLimits, served_label, take_bytes
from portal.wareki import today_jst

# ---------------------------------------------------------------------------------------
# Approved tiers: the API other features call (keep names and semantics)
# ---------------------------------------------------------------------------------------


def _effective(rows: list[SubcontractRequest]) -> list[SubcontractRequest]:
    """Keep approved tiers whose whole chain up to the contract is approved (a rejected or
    withdrawn tier blocks every descendant). `rows` holds the approved rows of the contracts
    concerned, so a parent missing from it is not approved."""
    by_id = {r.id: r for r in rows}

    def unbroken(row: SubcontractRequest) -> bool:
        node: SubcontractRequest | None = row
        while node is not None and node.status == SubcontractStatus.APPROVED:
            if node.parent_id is None:
                return True
            node = by_id.get(node.parent_id)
        return False

    return sorted((r for r in rows if unbroken(r)), key=lambda r: (r.tier, r.id))


def approved_tiers_for(
    contract_ids: Collection[int] | None = None,
) -> dict[int, list[SubcontractRequest]]:
    """Approved, unbroken tiers per contract id — one query whatever the number of contracts.
    `None` means every contract."""
    stmt = (
        sa.select(SubcontractRequest)
        .where(SubcontractRequest.status == SubcontractStatus.APPROVED)
        .options(so.joinedload(SubcontractRequest.subcontractor))
        .order_by(SubcontractRequest.contract_id, SubcontractRequest.tier, SubcontractRequest.id)
    )
    if contract_ids is not None:
        if not contract_ids:
            return {}
        stmt = stmt.where(SubcontractRequest.contract_id.in_(list(contract_ids)))
    grouped: dict[int, list[SubcontractRequest]] = defaultdict(list)
    for row in db.session.scalars(stmt).unique():
        grouped[row.contract_id].append(row)
    return {cid: _effective(rows) for cid, rows in grouped.items()}


def approved_tiers(contract: Contract) -> list[SubcontractRequest]:
    """Every approved tier of one contract, ordered by tier."""
    return approved_tiers_for([contract.id]).get(contract.id, [])


# ---------------------------------------------------------------------------------------
# Input carried from the forms
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCompany:
    """A subcontractor not yet registered: 法人番号 (check digit validated) and its details."""

    name: str
    corporate_number: str
    address: str = ""
    certificate_kind: CertificateKind | None = None
    certificate_number: str = ""
    certificate_expires_on: date | None = None


@dataclass(frozen=True)
class RequestDetails:
    """What the requester declares about the subcontracted work (drafts may be incomplete)."""

    work_part: str = ""
    pi_description: str = ""
    people_count: int = 0
    sensitive: bool = False
    is_subsidiary: bool = False
    location: HandlingLocation = HandlingLocation.CONTRACTOR_SITE
    location_detail: str = ""
    cloud_provider: str = ""
    cloud_provider_country: str = ""
    cloud_server_country: str = ""
    reason: str = ""
    safeguards: str = ""
    same_measures_pledged: bool = False


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    cleaned: bool | None = None  # set by clean_attachment


# ---------------------------------------------------------------------------------------
# The attached subcontract / pledge and its clause check
# ---------------------------------------------------------------------------------------

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
}
CHECK_LABELS = {
    "ok": "8項目すべて確認できました",
    "incomplete": "確認できない項目があります",
    "no_text": "文字情報がないため自動確認できません（目視で確認してください）",
    "unavailable": "自動確認を実行できませんでした（目視で確認してください）",
}


@dataclass(frozen=True)
class ClauseFinding:
    no: int
    key: str
    title: str
    status: ClauseStatus
    page: int | None = None
    excerpt: str = ""
    missing_elements: str = ""


@dataclass(frozen=True)
class CheckedDocument:
    """An attached document that may be stored, and what the clause check found in it."""

    kind: str
    page_count: int
    status: str  # a key of CHECK_LABELS
    message: str = ""
    findings: tuple[ClauseFinding, ...] = field(default=())


ATTACHMENT_KINDS = frozenset({FileKind.PDF, FileKind.DOCX, FileKind.TEXT, FileKind.CSV})


def clean_attachment(upload: Upload) -> Upload:
    """The shared intake (portal.uploads): what is read, stored and served is the copy without
    properties, しおり and JavaScript (広島市要綱 第6 7). Raises UploadRejected (Japanese)."""
    try:
        data, intake = take_bytes(
            upload.data, upload.filename, allowed=ATTACHMENT_KINDS, limits=UploadLimits.current()
        )
    except UploadRejected as err:
        raise PortalError(
            f"添付書類を受け付けられません: {err.message}", code=str(err.code)
        ) from err
    return Upload(data=data, filename=intake.filename, cleaned=intake.cleaned)


def check_attached_document(upload: Upload) -> CheckedDocument:
    """Read the attached subcontract/pledge in the sandbox and run the eight-clause check
    (入間市 第37条第4項: the same measures bind the subcontractor). Raises PortalError for a
    file that cannot be accepted; a scanned PDF without text is accepted for reading by eye."""
    cfg = current_app.extensions["portal_config"]
    try:
        doc = extract_document(
            upload.data,
            filename=upload.filename,
            max_bytes=cfg.max_content_length,
            max_pages=cfg.max_document_pages,
            # A scanned attachment stays "read by eye" (no OCR wait while the form is posted).
            ocr="never",
        )
    except DocumentError as err:
        if err.code == "no_text":
            return CheckedDocument(
                kind=sniff(upload.data).kind,
                page_count=0,
                status="no_text",
                message=err.message,
            )
        raise PortalError(f"添付書類を受け付けられません: {err.message}", code=err.code) from err
    status, message, findings = _clause_check(doc)
    return CheckedDocument(
        kind=doc.kind,
        page_count=doc.page_count,
        status=status,
        message=message,
        findings=findings,
    )


def _clause_check(doc: ExtractedDocument) -> tuple[str, str, tuple[ClauseFinding, ...]]:
    """The eight-clause check (portal.clausecheck) over the attached document, with the
    profile's clause set. A missing or broken clause set is a configuration problem: the
    document is still accepted and marked for reading by eye, and the problem is logged."""
    templates_dir = current_app.extensions["portal_config"].templates_dir
    try:
        clause_set = load_clause_set(current_profile().clause_set, templates_dir)
    except ClauseSetError as exc:
        current_app.logger.error("subcontract clause check: clause set unavailable: %s", exc)
        return "unavailable", CHECK_LABELS["unavailable"], ()
    result = check_documents([doc], clause_set)
    findings = tuple(
        ClauseFinding(
            no=r.no,
            key=r.key,
            title=r.title,
            status=ClauseStatus(r.status),
            page=r.page,
            excerpt=r.excerpt,
            missing_elements="、".join(clause_set.element_label(k) for k in r.missing_elements),
        )
        for r in result.clauses
    )
    missing = [f for f in findings if f.status != ClauseStatus.PRESENT]
    if missing:
        names = "、".join(f"({f.no}) {f.title}" for f in missing)
        return "incomplete", f"確認できない又は不十分な項目: {names}", findings
    return "ok", CHECK_LABELS["ok"], findings


def _store_document(
    *,
    actor: User,
    sub: SubcontractRequest,
    attachment: tuple[Upload, CheckedDocument],
    now: datetime,
) -> SubcontractDocument:
    upload, checked = attachment
    for old in sub.documents:
        old.is_current = False
    content_type = CONTENT_TYPES.get(checked.kind, "application/octet-stream")
    blob = get_filestore().save(new_key("subcontract", now=now), BytesIO(upload.data), content_type)
    doc = SubcontractDocument(
        request=sub,
        file_kind=checked.kind,
        page_count=checked.page_count,
        is_current=True,
        check_status=checked.status,
        check_message=checked.message,
        uploaded_by_id=actor.id,
        created_at=now,
    )
    doc.set_blob(blob, filename=upload.filename, content_type=content_type)
    doc.cleaned = upload.cleaned
    for f in checked.findings:
        doc.results.append(
            SubcontractClauseResult(
                no=f.no,
                key=f.key,
                title=f.title,
                status=f.status,
                page=f.page,
                excerpt=f.excerpt,
                missing_elements=f.missing_elements,
            )
        )
    db.session.add(doc)
    db.session.flush()
    _event(sub, SubcontractAction.DOCUMENT_ADDED, actor, doc.original_filename, now)
    record(
        actor,
        "subcontract.document_added",
        doc,
        contract_id=sub.contract_id,
        data={
            "request_id": sub.id,
            "kind": checked.kind,
            "sha256": doc.sha256,
            "check_status": checked.status,
        },
    )
    return doc


def record_document_download(*, actor: User, doc: SubcontractDocument) -> None:
    """アクセス記録 of a personal-information document (入間市 第20条)."""
    record(
        actor,
        "document.downloaded",
        doc,
        contract_id=doc.request.contract_id,
        data={
            "request_id": doc.request_id,
            "sha256": doc.sha256,
            "served": served_label(doc.cleaned),
        },
    )


# ---------------------------------------------------------------------------------------
# Chain helpers
# ---------------------------------------------------------------------------------------


def ancestors(sub: SubcontractRequest) -> list[SubcontractRequest]:
    """Tier 1 first, up to (not including) `sub`."""
    chain: list[SubcontractRequest] = []
    node = sub.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def chain_blocker(parent: SubcontractRequest | None) -> str | None:
    """Why a request under `parent` cannot go ahead, or None when every tier above it is
    approved (tier n+1 only after tier n; a rejected or withdrawn tier blocks all below)."""
    if parent is None:
        return None
    for node in [*ancestors(parent), parent]:
        if node.status == SubcontractStatus.APPROVED:
            continue
        above = f"上位の{node.tier_label}（{node.subcontractor.name}）"
        if node.status == SubcontractStatus.REJECTED:
            return f"{above}が却下されているため、その下位の再委託は申請・承認できません。"
        if node.status == SubcontractStatus.WITHDRAWN:
            return f"{above}が取り下げられているため、その下位の再委託は申請・承認できません。"
        if node.status == SubcontractStatus.EXPIRED:
            return (
                f"{above}の承認は契約の終了により失効しているため、"
                "その下位の再委託は申請・承認できません。"
            )
        return (
            f"{above}がまだ承認されていません（状態: {node.status_label}）。"
            "上位の再委託が承認されてから申請してください。"
        )
    return None


def chain_rows(contract_id: int) -> list[SubcontractRequest]:
    """Every request of one contract (all tiers), with both companies, in one query."""
    return list(
        db.session.scalars(
            sa.select(SubcontractRequest)
            .where(SubcontractRequest.contract_id == contract_id)
            .options(
                so.joinedload(SubcontractRequest.subcontractor),
                so.joinedload(SubcontractRequest.requester_company),
            )
            .order_by(SubcontractRequest.tier, SubcontractRequest.id)
        ).unique()
    )


@dataclass
class ChainNode:
    request: SubcontractRequest
    effective: bool  # approved, and every tier above it approved
    blocked: bool  # some tier above it is not approved
    children: list[ChainNode] = field(default_factory=list)


def build_tree(
    rows: list[SubcontractRequest], visible: Collection[int] | None = None
) -> list[ChainNode]:
    """The forest of tiers. With `visible`, only those ids are shown; a visible request whose
    parent is hidden becomes a root (a subcontractor sees its own branch only)."""
    by_id = {r.id: r for r in rows}
    effective_ids = {r.id for r in _effective(rows)}
    shown = [r for r in rows if visible is None or r.id in visible]
    nodes: dict[int, ChainNode] = {}
    for r in shown:
        blocked = False
        node = by_id.get(r.parent_id) if r.parent_id is not None else None
        while node is not None:
            if node.status != SubcontractStatus.APPROVED:
                blocked = True
                break
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        nodes[r.id] = ChainNode(request=r, effective=r.id in effective_ids, blocked=blocked)
    roots: list[ChainNode] = []
    for r in shown:
        parent = nodes.get(r.parent_id) if r.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[r.id])
    return roots


def subcontractor_choices(company_id: int) -> list[Company]:
    """Companies a contractor may pick from a list: its own subsidiaries and the companies it
    has already asked for. Any other company is named by its 法人番号 (public data), so the
    city's register of contractors is never listed to a contractor."""
    asked = sa.select(SubcontractRequest.subcontractor_id).where(
        SubcontractRequest.requester_company_id == company_id
    )
    return list(
        db.session.scalars(
            sa.select(Company)
            .where(
                Company.id != company_id,
                sa.or_(Company.parent_id == company_id, Company.id.in_(asked)),
            )
            .order_by(Company.name)
        )
    )


# ---------------------------------------------------------------------------------------
# Internal checks (all raise before anything is written)
# ---------------------------------------------------------------------------------------


def _require_contractor(actor: Actor) -> tuple[User, int]:
    if not isinstance(actor, User) or actor.role != Role.CONTRACTOR or actor.company_id is None:
        raise PortalError("再委託の申請は委託先の担当者だけが行えます。")
    return actor, actor.company_id


def _require_requester(actor: Actor, sub: SubcontractRequest) -> User:
    user, company_id = _require_contractor(actor)
    if company_id != sub.requester_company_id:
        raise PortalError("この申請を操作できるのは、申請した事業者の担当者だけです。")
    return user


def _require_active_contract(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise PortalError(
            "履行中の契約ではないため、再委託の申請・承認はできません"
            f"（契約の状態: {STATUS_LABELS[contract.status]}）。"
        )


def _require_editable(sub: SubcontractRequest, verb: str) -> None:
    if sub.status not in EDITABLE_STATUSES:
        raise PortalError(
            f"「{sub.status_label}」の申請は{verb}できません。"
            "委託先が修正できるのは下書き又は差戻しの申請だけです。"
        )


def _find_company(corporate_number: str) -> Company | None:
    return db.session.scalar(sa.select(Company).where(Company.corporate_number == corporate_number))


def _resolve_subcontractor(
    *,
    requester_company_id: int,
    subcontractor: Company | None,
    new_subcontractor: NewCompany | None,
) -> Company | NewCompany:
    """The registered company, or the new one still to be created. Nothing is written."""
    if subcontractor is not None:
        allowed = {c.id for c in subcontractor_choices(requester_company_id)}
        if subcontractor.id not in allowed:
            raise PortalError(
                "選択された再委託先は指定できません。新しい再委託先は法人番号で指定してください。"
            )
        return subcontractor
    if new_subcontractor is None:
        raise PortalError(
            "再委託先を選択するか、新しい再委託先の法人番号と名称を入力してください。"
        )
    number = normalize_corporate_number(new_subcontractor.corporate_number)
    if not is_valid_corporate_number(number):
        raise PortalError(
            "再委託先の法人番号が正しくありません（13桁で、先頭のチェックデジットが一致すること）。"
        )
    existing = _find_company(number)
    if existing is not None:
        return existing  # 法人番号 is public: naming a registered company picks it
    if not new_subcontractor.name.strip():
        raise PortalError("新しい再委託先の事業者名を入力してください。")
    if new_subcontractor.certificate_kind is not None and not new_subcontractor.certificate_number:
        raise PortalError("認証を登録する場合は登録番号を入力してください。")
    return NewCompany(
        name=new_subcontractor.name.strip(),
        corporate_number=number,
        address=new_subcontractor.address,
        certificate_kind=new_subcontractor.certificate_kind,
        certificate_number=new_subcontractor.certificate_number,
        certificate_expires_on=new_subcontractor.certificate_expires_on,
    )


def _check_target(
    *,
    contract: Contract,
    parent: SubcontractRequest | None,
    requester_company_id: int,
    company: Company | None,
    exclude_id: int | None = None,
) -> None:
    """The subcontractor is not already in this branch of the chain and not asked twice."""
    if company is None:
        return
    if company.id == requester_company_id:
        raise PortalError("自社を再委託先にすることはできません。")
    upstream = {contract.company_id}
    if parent is not None:
        upstream |= {n.subcontractor_id for n in [*ancestors(parent), parent]}
        upstream |= {n.requester_company_id for n in [*ancestors(parent), parent]}
    if company.id in upstream:
        raise PortalError(
            f"{company.name} は既にこの再委託の上位の事業者です。"
            "上位の事業者へ再委託することはできません。"
        )
    clash = db.session.scalar(
        sa.select(SubcontractRequest.id).where(
            SubcontractRequest.contract_id == contract.id,
            SubcontractRequest.parent_id.is_(None)
            if parent is None
            else SubcontractRequest.parent_id == parent.id,
            SubcontractRequest.subcontractor_id == company.id,
            SubcontractRequest.status.in_([*OPEN_STATUSES, SubcontractStatus.APPROVED]),
            SubcontractRequest.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        raise PortalError(
            f"{company.name} への再委託の申請は既にあります（申請番号 {clash}）。"
            "その申請を修正するか、取り下げてから申請してください。"
        )


def _create_company(actor: User, new: NewCompany, *, subsidiary_of: int | None) -> Company:
    company = create_company(
        actor=actor,
        name=new.name,
        corporate_number=new.corporate_number,
        address=new.address,
        parent_id=subsidiary_of,
    )
    if new.certificate_kind is not None:
        add_certificate(
            actor=actor,
            company=company,
            kind=new.certificate_kind,
            number=new.certificate_number,
            expires_on=new.certificate_expires_on,
        )
    return company


@dataclass(frozen=True)
class _Settled:
    company: Company
    is_subsidiary: bool
    attachment: tuple[Upload, CheckedDocument] | None


def _settle(
    *,
    user: User,
    contract: Contract,
    parent: SubcontractRequest | None,
    requester_id: int,
    target: Company | NewCompany,
    details: RequestDetails,
    document: Upload | None,
    exclude_id: int | None = None,
) -> _Settled:
    """The checks shared by creating and correcting a request, then the only write they need
    before the request itself: registering a new subcontractor (with its certificate)."""
    known = target if isinstance(target, Company) else None
    _check_target(
        contract=contract,
        parent=parent,
        requester_company_id=requester_id,
        company=known,
        exclude_id=exclude_id,
    )
    attachment = None
    if document is not None:
        checked = check_attached_document(document)
        attachment = (clean_attachment(document), checked)
    # 広島市 第10 2(2): a subsidiary is a 再委託 too; the capital relation registered for the
    # company marks it even when the requester forgets to.
    subsidiary = details.is_subsidiary or (known is not None and known.parent_id == requester_id)
    company = (
        _create_company(user, target, subsidiary_of=requester_id if subsidiary else None)
        if isinstance(target, NewCompany)
        else target
    )
    return _Settled(company=company, is_subsidiary=subsidiary, attachment=attachment)


def _apply_details(sub: SubcontractRequest, details: RequestDetails) -> None:
    sub.work_part = details.work_part
    sub.pi_description = details.pi_description
    sub.people_count = max(0, details.people_count)
    sub.sensitive = details.sensitive
    sub.location = details.location
    sub.location_detail = details.location_detail
    cloud = details.location == HandlingLocation.CLOUD
    sub.cloud_provider = (details.cloud_provider or None) if cloud else None
    sub.cloud_provider_country = (details.cloud_provider_country or None) if cloud else None
    sub.cloud_server_country = (details.cloud_server_country or None) if cloud else None
    sub.reason = details.reason
    sub.safeguards = details.safeguards
    sub.same_measures_pledged = details.same_measures_pledged


def _event(
    sub: SubcontractRequest,
    action: SubcontractAction,
    actor: Actor,
    note: str,
    now: datetime,
) -> None:
    db.session.add(
        SubcontractEvent(
            request=sub,
            action=action,
            actor_id=actor.id if isinstance(actor, User) else None,
            actor_label=actor.name if isinstance(actor, User) else "システム",
            note=note,
            created_at=now,
        )
    )


def missing_items(sub: SubcontractRequest) -> list[str]:
    """What a request still lacks before it may be submitted (入間市 第37条第1項・第18条)."""
    missing = []
    for value, label in (
        (sub.work_part, "再委託する業務の範囲"),
        (sub.pi_description, "取り扱わせる個人情報の項目"),
        (sub.reason, "再委託が必要な理由"),
        (sub.safeguards, "再委託先の安全管理措置"),
    ):
        if not value.strip():
            missing.append(label)
    if sub.location == HandlingLocation.CLOUD:
        if not sub.cloud_provider_country:
            missing.append("クラウド事業者の所在国")
        if not sub.cloud_server_country:
            missing.append("サーバの所在国")
    elif not sub.location_detail.strip():
        missing.append("取扱場所の所在地・名称")
    if not sub.same_measures_pledged:
        missing.append("同等の措置（8項目）を講じさせる旨の誓約")
    return missing


# ---------------------------------------------------------------------------------------
# The workflow
# ---------------------------------------------------------------------------------------


def create_subcontract(
    *,
    actor: Actor,
    contract: Contract,
    details: RequestDetails,
    parent: SubcontractRequest | None = None,
    subcontractor: Company | None = None,
    new_subcontractor: NewCompany | None = None,
    document: Upload | None = None,
    now: datetime | None = None,
) -> SubcontractRequest:
    """A contractor drafts a request: tier 1 by the contract's company on an active contract,
    or tier n+1 by the subcontractor of the approved tier n (`parent`). Returns the draft."""
    now = now or utcnow()
    user, requester_id = _require_contractor(actor)
    if parent is None:
        if requester_id != contract.company_id:
            raise PortalError("この契約の再委託を申請できるのは、契約の相手方の担当者だけです。")
    else:
        if parent.contract_id != contract.id:
            raise PortalError("上位の再委託と契約が一致しません。")
        if requester_id != parent.subcontractor_id:
            raise PortalError(
                "再々委託を申請できるのは、上位の再委託で承認された再委託先の担当者だけです。"
            )
    _require_active_contract(contract)
    blocker = chain_blocker(parent)
    if blocker:
        raise PortalError(blocker)
    settled = _settle(
        user=user,
        contract=contract,
        parent=parent,
        requester_id=requester_id,
        target=_resolve_subcontractor(
            requester_company_id=requester_id,
            subcontractor=subcontractor,
            new_subcontractor=new_subcontractor,
        ),
        details=details,
        document=document,
    )
    sub = SubcontractRequest(
        contract=contract,
        parent=parent,
        tier=parent.tier + 1 if parent is not None else 1,
        requester_company_id=requester_id,
        subcontractor=settled.company,
        is_subsidiary=settled.is_subsidiary,
        status=SubcontractStatus.DRAFT,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    _apply_details(sub, details)
    db.session.add(sub)
    db.session.flush()
    _event(sub, SubcontractAction.CREATED, user, "", now)
    record(
        user,
        "subcontract.created",
        sub,
        contract_id=contract.id,
        data={
            "tier": sub.tier,
            "parent_id": sub.parent_id,
            "subcontractor_id": settled.company.id,
            "is_subsidiary": settled.is_subsidiary,
        },
    )
    if settled.attachment is not None:
        _store_document(actor=user, sub=sub, attachment=settled.attachment, now=now)
    return sub


def update_subcontract(
    *,
    actor: Actor,
    sub: SubcontractRequest,
    details: RequestDetails,
    subcontractor: Company | None = None,
    new_subcontractor: NewCompany | None = None,
    document: Upload | None = None,
    now: datetime | None = None,
) -> None:
    """The requester corrects a draft or a returned request (never once submitted/decided)."""
    now = now or utcnow()
    user = _require_requester(actor, sub)
    _require_editable(sub, "修正")
    _require_active_contract(sub.contract)
    target: Company | NewCompany
    if subcontractor is None and new_subcontractor is None:
        target = sub.subcontractor  # the form left the subcontractor as it was
    elif subcontractor is not None and subcontractor.id == sub.subcontractor_id:
        target = subcontractor
    else:
        target = _resolve_subcontractor(
            requester_company_id=sub.requester_company_id,
            subcontractor=subcontractor,
            new_subcontractor=new_subcontractor,
        )
    settled = _settle(
        user=user,
        contract=sub.contract,
        parent=sub.parent,
        requester_id=sub.requester_company_id,
        target=target,
        details=details,
        document=document,
        exclude_id=sub.id,
    )
    before = {"subcontractor_id": sub.subcontractor_id, "is_subsidiary": sub.is_subsidiary}
    sub.subcontractor = settled.company
    sub.is_subsidiary = settled.is_subsidiary
    _apply_details(sub, details)
    sub.updated_at = now
    _event(sub, SubcontractAction.UPDATED, user, "", now)
    record(
        user,
        "subcontract.updated",
        sub,
        contract_id=sub.contract_id,
        data={
            "before": before,
            "after": {
                "subcontractor_id": settled.company.id,
                "is_subsidiary": settled.is_subsidiary,
            },
        },
    )
    if settled.attachment is not None:
        _store_document(actor=user, sub=sub, attachment=settled.attachment, now=now)
    db.session.flush()


def detail_path(sub_id: int) -> str:
    """The detail page's path for notifications (services also run in jobs and the CLI,
    where url_for has no request); tests check it equals url_for("subcontract.detail")."""
    return f"/subcontracts/{sub_id}"


def submit_subcontract(
    *, actor: Actor, sub: SubcontractRequest, now: datetime | None = None
) -> None:
    """The requester submits a complete draft (or a corrected returned request) to the
    contract section's 保護管理者, who is notified."""
    now = now or utcnow()
    user = _require_requester(actor, sub)
    _require_editable(sub, "申請")
    _require_active_contract(sub.contract)
    blocker = chain_blocker(sub.parent)
    if blocker:
        raise PortalError(blocker)
    missing = missing_items(sub)
    if missing:
        raise PortalError("次の項目を入力してから申請してください: " + "、".join(missing))
    resubmitted = sub.status == SubcontractStatus.RETURNED
    sub.status = SubcontractStatus.SUBMITTED
    sub.submitted_at = now
    sub.updated_at = now
    _event(sub, SubcontractAction.SUBMITTED, user, "再申請" if resubmitted else "", now)
    record(
        user,
        "subcontract.submitted",
        sub,
        contract_id=sub.contract_id,
        data={"tier": sub.tier, "resubmitted": resubmitted},
    )
    recipients = section_managers(sub.contract.section_id)
    if not recipients:  # no 保護管理者 in the section: escalate to the 総括保護管理者
        recipients = list(
            db.session.scalars(
                sa.select(User).where(User.role == Role.CHIEF, User.is_active.is_(True))
            )
        )
    notify(
        recipients=recipients,
        kind="subcontract.submitted",
        subject=f"{sub.tier_label}の承認申請: {sub.subcontractor.name}"
        + ("（再申請）" if resubmitted else ""),
        body=f"{sub.contract.number} {sub.contract.title} について、"
        f"{sub.requester_company.name} から{sub.tier_label}の承認申請がありました。",
        obj=sub,
        url=detail_path(sub.id),
        contract_id=sub.contract_id,
    )
    db.session.flush()


def _require_decider(actor: Actor, sub: SubcontractRequest) -> User:
    """Nobody decides on their own request: only the contract section's 保護管理者, and never
    the person who created the request."""
    if (
        not isinstance(actor, User)
        or actor.role != Role.PROTECTION_MANAGER
        or actor.section_id != sub.contract.section_id
    ):
        raise PortalError(
            "再委託の承認・却下・差戻しは、契約を所管する課の保護管理者だけが行えます。"
        )
    if actor.id == sub.created_by_id:
        raise PortalError("自分が作成した申請について判断することはできません。")
    if sub.status != SubcontractStatus.SUBMITTED:
        raise PortalError(
            f"「{sub.status_label}」の申請は判断できません。判断できるのは承認待ちの申請だけです。"
        )
    return actor


def _decide(
    *,
    actor: Actor,
    sub: SubcontractRequest,
    status: SubcontractStatus,
    action: SubcontractAction,
    reason: str,
    conditions: str = "",
    acknowledged_risks: bool = False,
    now: datetime | None,
) -> User:
    now = now or utcnow()
    user = _require_decider(actor, sub)
    reason = reason.strip()
    if not reason:
        raise PortalError("理由を入力してください（承認・却下・差戻しのいずれも理由が必要です）。")
    risks: list[Risk] = []
    if status == SubcontractStatus.APPROVED:
        _require_active_contract(sub.contract)
        blocker = chain_blocker(sub.parent)
        if blocker:
            raise PortalError(blocker)
        risks = decision_risks(
            sub,
            today=today_jst(now),
            warn_tier=current_app.extensions["portal_config"].subcontract_warn_tier,
        )
        if risks and not acknowledged_risks:
            raise PortalError(
                f"この申請には確認が必要な点が{len(risks)}件あります。内容を確認したうえで"
                "「警告を確認したうえで承認する」にチェックを入れ、承認する根拠を理由に書いてください。"
            )
    sub.status = status
    sub.decided_at = now
    sub.decided_by_id = user.id
    sub.decision_reason = reason
    sub.updated_at = now
    if status == SubcontractStatus.APPROVED:
        sub.conditions = conditions.strip()
        sub.approved_at = now
        sub.expires_on = sub.contract.period_end
    _event(sub, action, user, reason, now)
    record(
        user,
        f"subcontract.{action.value}",
        sub,
        contract_id=sub.contract_id,
        data={
            "tier": sub.tier,
            "has_conditions": bool(sub.conditions),
            "approved_over": [r.message for r in risks],
        }
        if status == SubcontractStatus.APPROVED
        else {"tier": sub.tier},
    )
    label = SUBCONTRACT_STATUS_LABELS[status]
    companies = [sub.requester_company_id]
    if status == SubcontractStatus.APPROVED:
        companies.append(sub.subcontractor_id)  # it may now see its tier and ask for the next
    notify(
        recipients=company_users(companies),
        kind=f"subcontract.{action.value}",
        subject=f"{sub.tier_label}（{sub.subcontractor.name}）が{label}されました",
        body=f"理由: {reason}" + (f"\n条件: {sub.conditions}" if sub.conditions else ""),
        obj=sub,
        url=detail_path(sub.id),
        contract_id=sub.contract_id,
    )
    db.session.flush()
    return user


def approve_subcontract(
    *,
    actor: Actor,
    sub: SubcontractRequest,
    reason: str,
    conditions: str = "",
    acknowledged_risks: bool = False,
    now: datetime | None = None,
) -> None:
    """The section's 保護管理者 approves a submitted request, optionally with conditions (e.g.
    実地検査 of the subcontractor within the 年度). Needs every tier above approved, and when
    `decision_risks` finds warnings, their acknowledgement (kept in the audit entry)."""
    _decide(
        actor=actor,
        sub=sub,
        status=SubcontractStatus.APPROVED,
        action=SubcontractAction.APPROVED,
        reason=reason,
        conditions=conditions,
        acknowledged_risks=acknowledged_risks,
        now=now,
    )


def reject_subcontract(
    *, actor: Actor, sub: SubcontractRequest, reason: str, now: datetime | None = None
) -> None:
    """The section's 保護管理者 rejects a submitted request (final; it blocks any tier below)."""
    _decide(
        actor=actor,
        sub=sub,
        status=SubcontractStatus.REJECTED,
        action=SubcontractAction.REJECTED,
        reason=reason,
        now=now,
    )


def return_subcontract(
    *, actor: Actor, sub: SubcontractRequest, reason: str, now: datetime | None = None
) -> None:
    """The section's 保護管理者 returns a submitted request for correction (差戻し)."""
    _decide(
        actor=actor,
        sub=sub,
        status=SubcontractStatus.RETURNED,
        action=SubcontractAction.RETURNED,
        reason=reason,
        now=now,
    )


def withdraw_subcontract(
    *, actor: Actor, sub: SubcontractRequest, reason: str, now: datetime | None = None
) -> None:
    """The requester withdraws an open request, or ends an approved subcontract; every tier
    below it is blocked from then on (approved_tiers no longer returns them)."""
    now = now or utcnow()
    user = _require_requester(actor, sub)
    if sub.status not in OPEN_STATUSES and sub.status != SubcontractStatus.APPROVED:
        raise PortalError(f"「{sub.status_label}」の申請は取り下げられません。")
    reason = reason.strip()
    if not reason:
        raise PortalError("取下げの理由を入力してください。")
    was = sub.status
    sub.status = SubcontractStatus.WITHDRAWN
    sub.updated_at = now
    _event(sub, SubcontractAction.WITHDRAWN, user, reason, now)
    record(
        user,
        "subcontract.withdrawn",
        sub,
        contract_id=sub.contract_id,
        data={"from": was.value, "tier": sub.tier},
    )
    if was in {SubcontractStatus.SUBMITTED, SubcontractStatus.APPROVED}:
        notify(
            recipients=section_managers(sub.contract.section_id),
            kind="subcontract.withdrawn",
            subject=f"{sub.tier_label}（{sub.subcontractor.name}）が取り下げられました",
            body=f"理由: {reason}",
            obj=sub,
            url=detail_path(sub.id),
            contract_id=sub.contract_id,
        )
    db.session.flush()


# Approved tiers stay approved while the contract is ending or awaiting erasure: the erasure
# certificates must reach every tier before the contract may close (DOMAIN.md 消去・廃棄証明),
# and they find the tiers through approved_tiers(). They expire when the contract is closed or
# cancelled. A request not yet decided (draft, submitted or returned) expires as soon as the
# contract is no longer active or its period has ended: it can be neither submitted nor
# approved any more, and a returned one would otherwise ask for a correction forever.
_CONTRACT_OVER = (ContractStatus.CLOSED, ContractStatus.CANCELLED)


def expirable(*, today: date) -> sa.Select[SubcontractRequest]:
    """Requests whose approval (or undecided request) ends with their contract."""
    return (
        sa.select(SubcontractRequest)
        .join(SubcontractRequest.contract)
        .where(
            sa.or_(
                sa.and_(
                    SubcontractRequest.status == SubcontractStatus.APPROVED,
                    Contract.status.in_(_CONTRACT_OVER),
                ),
                sa.and_(
                    SubcontractRequest.status.in_(OPEN_STATUSES),
                    sa.or_(Contract.status != ContractStatus.ACTIVE, Contract.period_end < today),
                ),
            )
        )
        .options(
            so.contains_eager(SubcontractRequest.contract),
            so.joinedload(SubcontractRequest.subcontractor),
        )
        .order_by(SubcontractRequest.id)
    )


def expire_subcontract(
    *, actor: Actor, sub: SubcontractRequest, now: datetime | None = None
) -> None:
    """Mark one approval or pending request expired with its contract (jobs call this)."""
    now = now or utcnow()
    was = sub.status
    sub.status = SubcontractStatus.EXPIRED
    sub.updated_at = now
    note = (
        f"契約の状態: {STATUS_LABELS[sub.contract.status]}、"
        f"契約期間の末日: {sub.contract.period_end.isoformat()}"
    )
    _event(sub, SubcontractAction.EXPIRED, actor, note, now)
    record(
        actor,
        "subcontract.expired",
        sub,
        contract_id=sub.contract_id,
        data={"from": was.value, "contract_status": sub.contract.status.value},
    )
    notify(
        recipients=company_users([sub.requester_company_id]),
        kind="subcontract.expired",
        subject=f"{sub.tier_label}（{sub.subcontractor.name}）は契約の終了により失効しました",
        obj=sub,
        url=detail_path(sub.id),
        contract_id=sub.contract_id,
        dedupe_key=f"subcontract.expired:{sub.id}",
    )
    db.session.flush()


# ---------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------


def pending_count(user: User) -> int:
    """Requests waiting for the user's section's decision."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(SubcontractRequest.id))
            .join(SubcontractRequest.contract)
            .where(
                SubcontractRequest.status == SubcontractStatus.SUBMITTED,
                Contract.section_id == user.section_id,
            )
        )
        or 0
    )


def days_waiting(sub: SubcontractRequest, *, today: date | None = None) -> int:
    """Days since submission (JST calendar days); the queue flags it after the profile's
    `subcontract_decision_days`."""
    if sub.submitted_at is None:
        return 0
    return ((today or today_jst()) - today_jst(sub.submitted_at)).days


def returned_count(company_id: int) -> int:
    """The company's requests returned for correction (差戻し)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(SubcontractRequest.id)).where(
                SubcontractRequest.requester_company_id == company_id,
                SubcontractRequest.status == SubcontractStatus.RETURNED,
            )
        )
        or 0
    )


def record_chains_export(*, actor: User, filters: dict[str, Any], count: int) -> None:
    """The city-wide CSV export is recorded (who exported what, how many rows)."""
    record(actor, "subcontract.chains_exported", None, data={"filters": filters, "rows": count})
