from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.account.models import User
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.authz import CITY, SECTION_STAFF, load_visible, require, roles
from portal.authz.contract import (
    can_activate_contract,
    can_attach_special_terms,
    can_cancel_contract,
    can_check_contract,
    can_create_contract,
    can_download_contract_document,
    can_draft_special_terms,
    can_edit_contract,
    can_end_contract,
    can_export_contracts,
    can_override_clause,
    can_request_confirmation,
    can_request_erasure,
    can_upload_contract_document,
    can_view_contract,
    can_view_contract_history,
)
from portal.contract import bp, confirmation, drafting, services
from portal.contract.forms import (
    ConfirmationRequestForm,
    ContractForm,
    OverrideForm,
    UploadForm,
    fiscal_year_choices,
)
from portal.contract.models import (
    ROLE_LABELS,
    STATUS_LABELS,
    ClauseOverride,
    ClauseStatus,
    Contract,
    ContractDocument,
    ContractKind,
    ContractStatus,
    DocumentRole,
    HandlingLocation,
)
from portal.csvexport import content_disposition
from portal.dashboard.panels import Panel, panel
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import FileStoreError, get_filestore
from portal.org.models import Company, Section
from portal.pagination import paginate
from portal.profile import current_profile
from portal.templating import register_nav
from portal.wareki import fiscal_year, fiscal_year_label, today_jst, wareki_date
from portal.web import flash_refusal
from portal.web.args import int_arg, page_arg
from portal.xlsxexport import table_response

VIEWERS = (*sorted(CITY), "contractor")
STAFF = tuple(sorted(SECTION_STAFF))
HISTORY_LIMIT = 200
OCR_NOTICE = "OCRで読み取った文書です。結果を原本で確認してください。"
# Japanese names of this feature's audit actions on the detail page (others show the code).
ACTION_LABELS = {
    "contract.created": "契約を登録",
    "contract.updated": "契約の内容を変更",
    "document.uploaded": "契約書類を登録",
    "document.downloaded": "契約書類をダウンロード",
    "contract.checked": "条項を確認",
    "clause.overridden": "条項の判断を登録",
    "clause.override_lapsed": "条項の判断が失効（書類の変更）",
    "contract.activated": "履行中に変更",
    "contract.ending_started": "終了手続を開始",
    "contract.erasure_required": "消去・返却の確認待ちに変更",
    "contract.cancelled": "契約を取消",
    "contract.closed": "契約を完了",
}

register_nav("contract.index", "契約", set(VIEWERS), order=10)


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _load(contract_id: int) -> Contract:
    return load_visible(Contract, contract_id, can_view_contract)


def _commit_or_discard(keys: Sequence[str]) -> None:
    """Commit; if the commit fails, the blobs just saved are deleted (nothing half-saved)."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store = get_filestore()
        for key in keys:
            store.delete(key)
        raise


def _detail_url(contract: Contract, anchor: str = "") -> str:
    url = url_for("contract.detail", contract_id=contract.id)
    return f"{url}#{anchor}" if anchor else url


# --- list and export ---------------------------------------------------------------------------


def _filters() -> services.ContractFilters:
    status_raw = request.args.get("status") or ""
    status = ContractStatus(status_raw) if status_raw in ContractStatus._value2member_map_ else None
    return services.ContractFilters(
        q=(request.args.get("q") or "").strip()[:100],
        section_id=int_arg(request.args.get("section_id")),
        company_id=int_arg(request.args.get("company_id")),
        status=status,
        fiscal_year=int_arg(request.args.get("fiscal_year")),
        overdue=request.args.get("overdue") == "1",
    )


@bp.get("/contracts")
@roles(*VIEWERS)
def index() -> ResponseReturnValue:
    user = _actor()
    filters = _filters()
    today = today_jst()
    page = paginate(
        services.search_contracts_stmt(user, filters, today=today),
        page=page_arg(request.args.get("page")),
    )
    ids = [c.id for c in page.items]
    city = user.role != "contractor"
    sections = (
        db.session.execute(sa.select(Section.id, Section.name).order_by(Section.code)).all()
        if user.role in {"chief", "auditor"}
        else []
    )
    companies = (
        db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
        if city
        else []
    )
    return render_template(
        "contract/index.html",
        page=page,
        filters=filters,
        summaries=services.clause_summaries(ids),
        overdue=services.overdue_ids(ids, today=today),
        years=services.visible_fiscal_years(user),
        sections=sections,
        companies=companies,
        statuses=STATUS_LABELS,
        can_create=can_create_contract(user),
        can_export=can_export_contracts(user),
    )


CSV_HEADER = [
    "契約番号",
    "件名",
    "課",
    "委託先事業者",
    "法人番号",
    "種類",
    "状態",
    "年度",
    "契約期間（開始）",
    "契約期間（終了）",
    "取り扱う個人情報の項目",
    "要配慮個人情報",
    "本人の数",
    "取扱場所",
    "クラウドサービス事業者",
    "事業者の所在国",
    "サーバの所在国",
    "匿名化・仮名化",
    "条項確認（記載ありの数／8）",
    "消去確認の期限",
]


def _csv_rows(stmt: sa.Select[Contract], batch: int = 500) -> Iterator[list[Any]]:
    chunk: list[Contract] = []

    def flush() -> Iterator[list[Any]]:
        summaries = services.clause_summaries([c.id for c in chunk])
        for c in chunk:
            summary = summaries.get(c.id)
            yield [
                c.number,
                c.title,
                c.section.name,
                c.company.name,
                c.company.corporate_number,
                c.kind_label,
                c.status_label,
                fiscal_year_label(c.fiscal_year),
                c.period_start.isoformat(),
                c.period_end.isoformat(),
                c.pi_categories,
                "あり" if c.sensitive else "なし",
                c.people_count,
                c.location_label,
                c.cloud_provider or "",
                c.cloud_provider_country or "",
                c.cloud_server_country or "",
                "あり" if c.anonymised else "なし",
                f"{summary.present}/{summary.total}" if summary else "未確認",
                c.erasure_due_on.isoformat() if c.erasure_due_on else "",
            ]

    for contract in db.session.scalars(stmt).unique():
        chunk.append(contract)
        if len(chunk) >= batch:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


@bp.get("/contracts/export.csv")
@roles(*sorted(CITY))
def export() -> ResponseReturnValue:
    user = _actor()
    filters = _filters()
    stmt = services.search_contracts_stmt(user, filters, today=today_jst())
    record(
        user,
        "contract.register_exported",
        data={
            "status": filters.status.value if filters.status else None,
            "fiscal_year": filters.fiscal_year,
            "section_id": filters.section_id,
            "company_id": filters.company_id,
            "overdue": filters.overdue,
        },
    )
    db.session.commit()
    return table_response(f"契約一覧_{today_jst().isoformat()}.csv", CSV_HEADER, _csv_rows(stmt))


# --- create and edit ---------------------------------------------------------------------------


def _prepare_form(form: ContractForm, contract: Contract | None) -> None:
    rows = db.session.execute(sa.select(Company.id, Company.name).order_by(Company.name)).all()
    form.company_id.choices = [(0, "（選択してください）")] + [(i, n) for i, n in rows]
    current = fiscal_year(today_jst())
    form.fiscal_year.choices = fiscal_year_choices(
        current, contract.fiscal_year if contract else None
    )
    if request.method == "GET" and contract is None:
        form.fiscal_year.data = current


def _input(form: ContractForm) -> services.ContractInput:
    return services.ContractInput(
        number=form.number.data or "",
        title=form.title.data or "",
        company_id=form.company_id.data or 0,
        kind=ContractKind(form.kind.data),
        fiscal_year=form.fiscal_year.data,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        pi_categories=form.pi_categories.data or "",
        sensitive=bool(form.sensitive.data),
        people_count=form.people_count.data or 0,
        location=HandlingLocation(form.location.data),
        cloud_provider=form.cloud_provider.data or None,
        cloud_provider_country=form.cloud_provider_country.data or None,
        cloud_server_country=form.cloud_server_country.data or None,
        minimum_scope=form.minimum_scope.data or "",
        anonymised=bool(form.anonymised.data),
        anonymisation_note=form.anonymisation_note.data or "",
        retention_years=form.retention_years.data if form.retention_years.data is not None else 5,
    )


@bp.route("/contracts/new", methods=["GET", "POST"])
@roles(*STAFF)
def new() -> ResponseReturnValue:
    user = _actor()
    require(can_create_contract(user))
    form = ContractForm()
    _prepare_form(form, None)
    if form.validate_on_submit():
        try:
            contract = services.create_contract(
                actor=user, section_id=user.section_id or 0, data=_input(form)
            )
        except PortalError as err:
            flash_refusal(err)
            return render_template("contract/form.html", form=form, contract=None), 422
        db.session.commit()
        flash(f"契約「{contract.title}」を登録しました。契約書類を登録してください。", "success")
        return redirect(_detail_url(contract, "documents"))
    return render_template("contract/form.html", form=form, contract=None), (
        422 if form.errors else 200
    )


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@roles(*STAFF)
def edit(contract_id: int) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_edit_contract(current_user, contract))
    form = ContractForm(obj=contract)
    _prepare_form(form, contract)
    if request.method == "GET":
        form.kind.data = contract.kind.value
        form.location.data = contract.location.value
    if form.validate_on_submit():
        try:
            changed = services.update_contract(actor=_actor(), contract=contract, data=_input(form))
        except PortalError as err:
            flash_refusal(err)
            return render_template("contract/form.html", form=form, contract=contract), 422
        db.session.commit()
        flash("契約の内容を更新しました。" if changed else "変更はありませんでした。", "success")
        return redirect(_detail_url(contract))
    return render_template("contract/form.html", form=form, contract=contract), (
        422 if form.errors else 200
    )


# --- detail ----------------------------------------------------------------------------------


def _render_detail(
    contract: Contract, *, upload_form: UploadForm | None = None, status: int = 200
) -> ResponseReturnValue:
    user = _actor()
    check = services.latest_check(contract)
    documents = db.session.scalars(
        sa.select(ContractDocument)
        .where(ContractDocument.contract_id == contract.id)
        .options(so.joinedload(ContractDocument.uploaded_by))
    ).all()
    # Reading order (body first) is not alphabetical, so it is applied here rather than in SQL.
    documents = sorted(documents, key=lambda d: (services.ROLE_ORDER[d.role], -d.version))
    overrides = db.session.scalars(
        sa.select(ClauseOverride)
        .where(ClauseOverride.contract_id == contract.id)
        .options(so.joinedload(ClauseOverride.decided_by))
        .order_by(ClauseOverride.id.desc())
    ).all()
    history: Sequence[AuditEntry] = []
    if can_view_contract_history(user, contract):
        history = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.contract_id == contract.id)
            .order_by(AuditEntry.seq.desc())
            .limit(HISTORY_LIMIT)
        ).all()
    rows = services.clause_rows(contract, check)
    return render_template(
        "contract/detail.html",
        contract=contract,
        check=check,
        rows=rows,
        asked=confirmation.open_requests(contract),
        titles={row.key: f"({row.no}){row.title}" for row in rows},
        blocking=[row for row in rows if row.status != ClauseStatus.PRESENT],
        documents=documents,
        overrides=overrides,
        history=history,
        history_limit=HISTORY_LIMIT,
        action_labels=ACTION_LABELS,
        upload_form=upload_form or UploadForm(),
        role_labels=ROLE_LABELS,
    ), status


@bp.get("/contracts/<int:contract_id>")
@roles(*VIEWERS)
def detail(contract_id: int) -> ResponseReturnValue:
    return _render_detail(_load(contract_id))


@bp.post("/contracts/<int:contract_id>/documents")
@roles(*STAFF)
def upload(contract_id: int) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_upload_contract_document(current_user, contract))
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_detail(contract, upload_form=form, status=422)
    storage = form.document.data
    try:
        outcome = services.upload_document(
            actor=_actor(),
            contract=contract,
            data=storage.read(),
            filename=storage.filename or "document",
            role=DocumentRole(form.role.data),
            now=utcnow(),
        )
    except PortalError as err:
        db.session.rollback()
        form.document.errors = [err.text]
        flash(f"登録できませんでした。{err.text}", "error")
        return _render_detail(contract, upload_form=form, status=422)
    _commit_or_discard([outcome.document.storage_key])
    doc = outcome.document
    result = "8項目すべて記載あり" if outcome.check.ok else "記載が不足している項目があります"
    ocr_note = OCR_NOTICE if doc.ocr_pages else ""
    flash(
        f"{doc.role_label}（第{doc.version}版）を登録し、条項を確認しました: {result}。{ocr_note}",
        "success" if outcome.check.ok and not ocr_note else "warning",
    )
    if outcome.removed:
        # Stored without what the file carried unseen (広島市要綱 第6 7); say what.
        flash("".join(outcome.removed), "info")
    return redirect(_detail_url(contract, "clauses"))


@bp.get("/contracts/<int:contract_id>/documents/<int:document_id>")
@roles(*VIEWERS)
def download(contract_id: int, document_id: int) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_download_contract_document(current_user, contract))
    document = load_visible(
        ContractDocument, document_id, lambda _u, d: d.contract_id == contract.id
    )
    try:
        response = get_filestore().download_response(
            document.storage_key,
            filename=document.original_filename,
            content_type=document.content_type,
            size=document.size,
        )
    except FileStoreError:
        flash("ファイルが見つかりません。システム管理者に連絡してください。", "error")
        return redirect(_detail_url(contract, "documents"))
    services.record_document_download(actor=_actor(), document=document)
    db.session.commit()
    return response


@bp.post("/contracts/<int:contract_id>/check")
@roles(*STAFF)
def recheck(contract_id: int) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_check_contract(current_user, contract))
    try:
        check = services.recheck_contract(actor=_actor(), contract=contract, now=utcnow())
    except PortalError as err:
        flash_refusal(err)
    else:
        db.session.commit()
        flash(
            "条項を確認し直しました"
            + ("（8項目すべて記載あり）。" if check.ok else "（不足があります）。"),
            "success" if check.ok else "warning",
        )
    return redirect(_detail_url(contract, "clauses"))


@bp.route("/contracts/<int:contract_id>/clauses/<key>/override", methods=["GET", "POST"])
@roles("protection_manager")
def override(contract_id: int, key: str) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_override_clause(current_user, contract))
    row = next((r for r in services.clause_rows(contract) if r.key == key), None)
    if row is None:
        abort(404)
    form = OverrideForm()
    if request.method == "GET":
        form.status.data = row.status.value
    if form.validate_on_submit():
        try:
            services.override_clause(
                actor=_actor(),
                contract=contract,
                key=key,
                status=ClauseStatus(form.status.data),
                reason=form.reason.data or "",
                now=utcnow(),
            )
        except PortalError as err:
            flash_refusal(err)
        else:
            db.session.commit()
            flash(f"({row.no}){row.title} の判断を登録しました。", "success")
            return redirect(_detail_url(contract, "clauses"))
    return render_template(
        "contract/override.html",
        contract=contract,
        row=row,
        form=form,
        asked=confirmation.open_requests(contract).get(key),
    ), (422 if form.errors or request.method == "POST" else 200)


@bp.route("/contracts/<int:contract_id>/clauses/<key>/confirmation", methods=["GET", "POST"])
@roles("procurement")
def request_confirmation(contract_id: int, key: str) -> ResponseReturnValue:
    """Procurement asks the section's 保護管理者 to judge a clause the check did not find."""
    contract = _load(contract_id)
    require(can_request_confirmation(current_user, contract))
    row = next((r for r in services.clause_rows(contract) if r.key == key), None)
    if row is None:
        abort(404)
    form = ConfirmationRequestForm()
    if form.validate_on_submit():
        try:
            confirmation.request_confirmation(
                actor=_actor(),
                contract=contract,
                key=key,
                title=f"({row.no}){row.title}",
                reason=form.reason.data or "",
                url=url_for("contract.override", contract_id=contract.id, key=key),
                now=utcnow(),
            )
        except PortalError as err:
            flash_refusal(err)
        else:
            db.session.commit()
            manager = current_profile().role_label("protection_manager")
            flash(f"({row.no}){row.title} について、{manager}に確認を依頼しました。", "success")
            return redirect(_detail_url(contract, "clauses"))
    return render_template("contract/confirmation.html", contract=contract, row=row, form=form), (
        422 if request.method == "POST" else 200
    )


# --- lifecycle -------------------------------------------------------------------------------


def _transition(
    contract_id: int,
    policy: Callable[[Any, Contract], bool],
    change: Callable[..., None],
    done: Callable[[Contract], str],
) -> ResponseReturnValue:
    """Move a contract to its next state: the policy decides who and from which state, the
    service re-checks the state (and, for activation, the eight clauses)."""
    contract = _load(contract_id)
    require(policy(current_user, contract))
    try:
        change(actor=_actor(), contract=contract, now=utcnow())
    except PortalError as err:
        flash_refusal(err)
    else:
        db.session.commit()
        flash(done(contract), "success")
    return redirect(_detail_url(contract))


@bp.post("/contracts/<int:contract_id>/activate")
@roles(*STAFF)
def activate(contract_id: int) -> ResponseReturnValue:
    return _transition(
        contract_id,
        can_activate_contract,
        services.activate_contract,
        lambda _c: "契約を履行中にしました。",
    )


@bp.post("/contracts/<int:contract_id>/end")
@roles(*STAFF)
def start_ending(contract_id: int) -> ResponseReturnValue:
    return _transition(
        contract_id,
        can_end_contract,
        services.start_ending_contract,
        lambda _c: "終了手続を開始しました。",
    )


@bp.post("/contracts/<int:contract_id>/erasure-pending")
@roles(*STAFF)
def erasure_pending(contract_id: int) -> ResponseReturnValue:
    return _transition(
        contract_id,
        can_request_erasure,
        services.mark_erasure_pending,
        lambda c: (
            f"消去・返却の確認待ちにしました（証明書の期限: {wareki_date(c.erasure_due_on)}）。"
        ),
    )


@bp.post("/contracts/<int:contract_id>/cancel")
@roles(*STAFF)
def cancel(contract_id: int) -> ResponseReturnValue:
    return _transition(
        contract_id,
        can_cancel_contract,
        services.cancel_contract,
        lambda _c: "契約を取り消しました。",
    )


# --- 個人情報取扱特記事項 ----------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>/special-terms.<any(docx, pdf):fmt>")
@roles(*STAFF)
def special_terms(contract_id: int, fmt: str) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_draft_special_terms(current_user, contract))
    try:
        drafted = drafting.draft_special_terms(contract, fmt)
    except PortalError as err:
        flash_refusal(err)
        return redirect(_detail_url(contract, "documents"))
    response = Response(drafted.data, mimetype=drafted.content_type)
    response.headers["Content-Disposition"] = content_disposition(drafted.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/contracts/<int:contract_id>/special-terms/attach")
@roles(*STAFF)
def attach_special_terms(contract_id: int) -> ResponseReturnValue:
    contract = _load(contract_id)
    require(can_attach_special_terms(current_user, contract))
    fmt = "docx" if request.form.get("fmt") == "docx" else "pdf"
    try:
        outcome = drafting.attach_special_terms(
            actor=_actor(), contract=contract, fmt=fmt, now=utcnow()
        )
    except PortalError as err:
        flash_refusal(err)
        return redirect(_detail_url(contract))
    _commit_or_discard([outcome.document.storage_key])
    flash(
        f"個人情報取扱特記事項を作成して第{outcome.document.version}版として登録し、"
        "条項を確認しました。",
        "success" if outcome.check.ok else "warning",
    )
    return redirect(_detail_url(contract, "clauses"))


# --- dashboard ----------------------------------------------------------------------------------


@panel
def confirmation_requests_panel(user: User) -> Panel | None:
    """保護管理者: clause results procurement asked them to judge, oldest first."""
    count, rows = confirmation.waiting_for(user)
    if not count:
        return None
    return Panel(
        title=f"条項の確認依頼（{count}件）",
        template="contract/_confirmation_panel.html",
        context={"count": count, "rows": rows},
        order=5,
    )


@panel
def section_contracts_panel(user: User) -> Panel | None:
    """Section staff: how many of the section's contracts are in each state."""
    if user.role not in SECTION_STAFF or user.section_id is None:
        return None
    counts = services.status_counts(section_id=user.section_id)
    return Panel(
        title="所属課の契約",
        template="contract/_panel.html",
        context={"counts": counts, "labels": STATUS_LABELS},
        order=10,
    )
