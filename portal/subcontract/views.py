"""再委託 screens: request (every tier), decision queue, detail, chain view, city-wide list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.account.models import Role, User
from portal.authz import deny, load_visible, require, roles
from portal.authz.subcontract import (
    can_edit_subcontract,
    can_list_subcontract_chains,
    can_request_next_tier,
    can_request_subcontract,
    can_view_contract_chain,
    can_view_subcontract,
    can_view_subcontract_document,
    can_view_subcontract_queue,
    is_requester,
    is_section_manager,
)
from portal.contract.models import (
    STATUS_LABELS,
    Contract,
    ContractStatus,
    HandlingLocation,
)
from portal.dashboard.panels import Panel, panel
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import MissingBlobError, get_filestore
from portal.org.models import CERTIFICATE_LABELS, CertificateKind, Company, Section
from portal.pagination import paginate
from portal.profile import current_profile
from portal.subcontract import bp, services
from portal.subcontract.forms import (
    NEW_COMPANY,
    DecisionForm,
    SubcontractForm,
    SubmitForm,
    WithdrawForm,
)
from portal.subcontract.models import (
    LOCATION_LABELS,
    SUBCONTRACT_STATUS_LABELS,
    SubcontractDocument,
    SubcontractRequest,
    SubcontractStatus,
    tier_label,
)
from portal.subcontract.risks import decision_risks
from portal.templating import register_nav
from portal.wareki import jst_datetime, today_jst
from portal.web.args import page_arg
from portal.xlsxexport import table_response

REQUEST_VIEWERS = ("contractor", "procurement", "protection_manager", "chief", "auditor")
CHAIN_LISTERS = ("chief", "auditor", "procurement", "protection_manager")

register_nav("subcontract.index", "再委託", {"contractor"}, order=20)
register_nav("subcontract.queue", "再委託", {"procurement", "protection_manager"}, order=20)
register_nav("subcontract.chains", "再委託", {"chief", "auditor"}, order=20)


def _contract_url(contract: Contract, allowed: bool) -> str | None:
    """The contract feature's page, when the user sees the whole contract."""
    return url_for("contract.detail", contract_id=contract.id) if allowed else None


def _flash_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


# --- the request form ---------------------------------------------------------------------


def _fill_choices(form: SubcontractForm, company_id: int, current: Company | None) -> None:
    companies = services.subcontractor_choices(company_id)
    if current is not None and all(c.id != current.id for c in companies):
        companies.insert(0, current)
    form.subcontractor_id.choices = [
        (NEW_COMPANY, "新しい事業者を法人番号で指定する（下の欄に入力）")
    ] + [(c.id, f"{c.name}（法人番号 {c.corporate_number}）") for c in companies]


@dataclass(frozen=True)
class _FormInput:
    company: Company | None
    new: services.NewCompany | None
    details: services.RequestDetails
    upload: services.Upload | None


def _form_input(form: SubcontractForm) -> _FormInput:
    company = None
    new = None
    chosen = form.subcontractor_id.data or NEW_COMPANY
    if chosen != NEW_COMPANY:
        company = db.session.get(Company, chosen)
        if company is None:
            raise PortalError("選択された再委託先は指定できません。")
    elif form.new_corporate_number.data or form.new_name.data:
        new = services.NewCompany(
            name=form.new_name.data or "",
            corporate_number=form.new_corporate_number.data or "",
            address=form.new_address.data or "",
            certificate_kind=CertificateKind(form.certificate_kind.data)
            if form.certificate_kind.data
            else None,
            certificate_number=form.certificate_number.data or "",
            certificate_expires_on=form.certificate_expires_on.data,
        )
    details = services.RequestDetails(
        work_part=form.work_part.data or "",
        pi_description=form.pi_description.data or "",
        people_count=form.people_count.data or 0,
        sensitive=bool(form.sensitive.data),
        is_subsidiary=bool(form.is_subsidiary.data),
        location=HandlingLocation(form.location.data),
        location_detail=form.location_detail.data or "",
        cloud_provider=form.cloud_provider.data or "",
        cloud_provider_country=form.cloud_provider_country.data or "",
        cloud_server_country=form.cloud_server_country.data or "",
        reason=form.reason.data or "",
        safeguards=form.safeguards.data or "",
        same_measures_pledged=bool(form.same_measures_pledged.data),
    )
    upload = None
    file = form.document.data
    if isinstance(file, FileStorage) and file.filename:
        upload = services.Upload(data=file.read(), filename=file.filename)
    return _FormInput(company=company, new=new, details=details, upload=upload)


def _after_save(sub: SubcontractRequest, form: SubcontractForm, saved: str) -> ResponseReturnValue:
    """Commit the saved draft; with 申請する, submit it too (a refused submission keeps the
    draft and says what is missing)."""
    if form.submit_request.data:
        try:
            services.submit_subcontract(actor=_actor(), sub=sub)
        except PortalError as err:
            db.session.commit()  # the draft itself was saved as the user asked
            flash(f"{saved}が、申請はできませんでした。{err.text}", "warning")
            return redirect(url_for("subcontract.edit", sub_id=sub.id))
        db.session.commit()
        flash("申請しました。保護管理者の判断をお待ちください。", "success")
        return redirect(url_for("subcontract.detail", sub_id=sub.id))
    db.session.commit()
    flash(f"{saved}。", "success")
    return redirect(url_for("subcontract.detail", sub_id=sub.id))


def _render_form(
    form: SubcontractForm,
    *,
    contract: Contract,
    parent: SubcontractRequest | None,
    sub: SubcontractRequest | None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "subcontract/form.html",
            form=form,
            contract=contract,
            parent=parent,
            sub=sub,
            chain=[*services.ancestors(parent), parent] if parent is not None else [],
            new_tier_label=tier_label(sub.tier if sub else (parent.tier + 1 if parent else 1)),
        ),
        status,
    )


def _save_form(
    form: SubcontractForm,
    *,
    contract: Contract,
    parent: SubcontractRequest | None,
    sub: SubcontractRequest | None,
    save: Callable[[_FormInput], SubcontractRequest],
) -> ResponseReturnValue:
    """The request screen, new (`sub` None) or correction: on a valid POST, save through
    `save`; a refused save rolls back and shows the form again with the user's input."""
    if not form.validate_on_submit():
        return _render_form(
            form, contract=contract, parent=parent, sub=sub, status=422 if form.errors else 200
        )
    try:
        saved = save(_form_input(form))
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        if sub is not None and not can_edit_subcontract(current_user, sub):
            return redirect(url_for("subcontract.detail", sub_id=sub.id))  # nothing to fix
        return _render_form(form, contract=contract, parent=parent, sub=sub, status=422)
    return _after_save(saved, form, "下書きを保存しました" if sub is None else "修正を保存しました")


def _create(contract: Contract, parent: SubcontractRequest | None) -> ResponseReturnValue:
    user = _actor()
    form = SubcontractForm()
    _fill_choices(form, user.company_id or 0, None)
    return _save_form(
        form,
        contract=contract,
        parent=parent,
        sub=None,
        save=lambda given: services.create_subcontract(
            actor=user,
            contract=contract,
            parent=parent,
            subcontractor=given.company,
            new_subcontractor=given.new,
            details=given.details,
            document=given.upload,
        ),
    )


@bp.route("/subcontracts/contract/<int:contract_id>/new", methods=["GET", "POST"])
@roles("contractor")
def new(contract_id: int) -> ResponseReturnValue:
    contract = load_visible(Contract, contract_id, can_view_contract_chain)
    require(can_request_subcontract(current_user, contract))
    return _create(contract, None)


@bp.route("/subcontracts/<int:sub_id>/next", methods=["GET", "POST"])
@roles("contractor")
def new_next(sub_id: int) -> ResponseReturnValue:
    parent = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    require(can_request_next_tier(current_user, parent))
    return _create(parent.contract, parent)


@bp.route("/subcontracts/<int:sub_id>/edit", methods=["GET", "POST"])
@roles("contractor")
def edit(sub_id: int) -> ResponseReturnValue:
    sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    require(is_requester(current_user, sub))
    user = _actor()
    form = SubcontractForm(obj=sub)
    _fill_choices(form, user.company_id or 0, sub.subcontractor)
    if request.method == "GET":
        form.subcontractor_id.data = sub.subcontractor_id
        form.location.data = sub.location.value
        form.cloud_provider.data = sub.cloud_provider or ""
        form.cloud_provider_country.data = sub.cloud_provider_country or ""
        form.cloud_server_country.data = sub.cloud_server_country or ""

    def save(given: _FormInput) -> SubcontractRequest:
        services.update_subcontract(
            actor=user,
            sub=sub,
            subcontractor=given.company,
            new_subcontractor=given.new,
            details=given.details,
            document=given.upload,
        )
        return sub

    return _save_form(form, contract=sub.contract, parent=sub.parent, sub=sub, save=save)


# --- workflow actions ---------------------------------------------------------------------


def _act(sub: SubcontractRequest, form: FlaskForm, act: Callable[[], None], done: str) -> Response:
    """Run one workflow service on `sub` and come back to its page: committed with `done`
    flashed, or rolled back with the form's or the service's message."""
    back = redirect(url_for("subcontract.detail", sub_id=sub.id))
    if not form.validate_on_submit():
        _flash_errors(form)
        return back
    try:
        act()
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return back
    db.session.commit()
    flash(done, "success")
    return back


@bp.post("/subcontracts/<int:sub_id>/submit")
@roles("contractor")
def submit(sub_id: int) -> ResponseReturnValue:
    sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    require(is_requester(current_user, sub))
    return _act(
        sub,
        SubmitForm(),
        lambda: services.submit_subcontract(actor=_actor(), sub=sub),
        "申請しました。保護管理者の判断をお待ちください。",
    )


@bp.post("/subcontracts/<int:sub_id>/withdraw")
@roles("contractor")
def withdraw(sub_id: int) -> ResponseReturnValue:
    sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    require(is_requester(current_user, sub))
    form = WithdrawForm()
    return _act(
        sub,
        form,
        lambda: services.withdraw_subcontract(
            actor=_actor(), sub=sub, reason=form.reason.data or ""
        ),
        "申請を取り下げました。",
    )


DECISION_MESSAGES = {
    "approve": "承認しました。",
    "reject": "却下しました。",
    "return": "差し戻しました。",
}


@bp.post("/subcontracts/<int:sub_id>/<any(approve, reject, return):decision>")
@roles("protection_manager")
def decide(sub_id: int, decision: str) -> ResponseReturnValue:
    """A refused decision comes back to the page with what was typed (reason, conditions,
    the acknowledgement), the refusal flashed and the form's errors beside their fields."""
    sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    require(is_section_manager(current_user, sub))
    form = DecisionForm()
    if not form.validate_on_submit():
        return _render_detail(sub, decision_form=form), 422
    reason = form.reason.data or ""
    try:
        if decision == "approve":
            services.approve_subcontract(
                actor=_actor(),
                sub=sub,
                reason=reason,
                conditions=form.conditions.data or "",
                acknowledged_risks=bool(form.acknowledge_risks.data),
            )
        elif decision == "reject":
            services.reject_subcontract(actor=_actor(), sub=sub, reason=reason)
        else:
            services.return_subcontract(actor=_actor(), sub=sub, reason=reason)
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
        return _render_detail(sub, decision_form=form), 422
    db.session.commit()
    flash(DECISION_MESSAGES[decision], "success")
    return redirect(url_for("subcontract.detail", sub_id=sub.id))


# --- detail and documents -----------------------------------------------------------------


@bp.get("/subcontracts/<int:sub_id>")
@roles(*REQUEST_VIEWERS)
def detail(sub_id: int) -> ResponseReturnValue:
    sub = load_visible(SubcontractRequest, sub_id, can_view_subcontract)
    return _render_detail(sub)


def _render_detail(sub: SubcontractRequest, *, decision_form: DecisionForm | None = None) -> str:
    user = _actor()
    rows = services.chain_rows(sub.contract_id)
    visible = {r.id for r in rows if can_view_subcontract(user, r)}
    above = [a for a in services.ancestors(sub) if a.id in visible]
    below = [c for c in sub.children if c.id in visible]
    return render_template(
        "subcontract/detail.html",
        sub=sub,
        contract=sub.contract,
        above=above,
        below=below,
        blocker=services.chain_blocker(sub.parent),
        missing=services.missing_items(sub) if sub.status != SubcontractStatus.SUBMITTED else [],
        decision_form=decision_form or DecisionForm(),
        risks=decision_risks(
            sub,
            today=today_jst(),
            warn_tier=current_app.extensions["portal_config"].subcontract_warn_tier,
        )
        if sub.status == SubcontractStatus.SUBMITTED
        else [],
        withdraw_form=WithdrawForm(),
        submit_form=SubmitForm(),
        check_labels=services.CHECK_LABELS,
        certificate_labels=CERTIFICATE_LABELS,
        show_contract_chain=can_view_contract_chain(user, sub.contract),
        contract_url=_contract_url(sub.contract, can_view_contract_chain(user, sub.contract)),
        days_waiting=services.days_waiting(sub),
        decision_days=current_profile().chase.subcontract_decision_days,
    )


@bp.get("/subcontracts/<int:sub_id>/documents/<int:doc_id>")
@roles(*REQUEST_VIEWERS)
def document(sub_id: int, doc_id: int) -> ResponseReturnValue:
    doc = load_visible(SubcontractDocument, doc_id, can_view_subcontract_document)
    require(doc.request_id == sub_id, hide=True)
    try:
        response = get_filestore().download_response(
            doc.storage_key,
            filename=doc.original_filename,
            content_type=doc.content_type,
            inline=False,
            size=doc.size,
        )
    except MissingBlobError:
        abort(404)  # nothing was served, so nothing is recorded
    try:
        services.record_document_download(actor=_actor(), doc=doc)
        db.session.commit()
    except BaseException:
        response.close()
        raise
    return response


# --- lists ------------------------------------------------------------------------------


@bp.get("/subcontracts/")
@roles("contractor")
def index() -> ResponseReturnValue:
    user = _actor()
    company_id = user.company_id or 0
    contracts = db.session.scalars(
        sa.select(Contract)
        .where(Contract.company_id == company_id, Contract.status == ContractStatus.ACTIVE)
        .options(so.joinedload(Contract.section))
        .order_by(Contract.period_end, Contract.id)
        .limit(100)
    ).all()
    approved_own = db.session.scalars(
        sa.select(SubcontractRequest)
        .join(SubcontractRequest.contract)
        .where(
            SubcontractRequest.subcontractor_id == company_id,
            SubcontractRequest.status == SubcontractStatus.APPROVED,
            Contract.status == ContractStatus.ACTIVE,
        )
        .options(
            so.joinedload(SubcontractRequest.contract),
            so.joinedload(SubcontractRequest.requester_company),
        )
        .order_by(SubcontractRequest.id)
        .limit(100)
    ).all()
    status = request.args.get("status") or ""
    stmt = (
        sa.select(SubcontractRequest)
        .where(SubcontractRequest.requester_company_id == company_id)
        .options(
            so.joinedload(SubcontractRequest.contract),
            so.joinedload(SubcontractRequest.subcontractor),
        )
        .order_by(SubcontractRequest.updated_at.desc(), SubcontractRequest.id.desc())
    )
    if status in {s.value for s in SubcontractStatus}:
        stmt = stmt.where(SubcontractRequest.status == status)
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    return render_template(
        "subcontract/index.html",
        contracts=contracts,
        approved_own=approved_own,
        page=page,
        status=status,
        status_labels=SUBCONTRACT_STATUS_LABELS,
    )


def _yes_no(raw: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(raw or "")


def _int_arg(raw: str | None, *, high: int = 2**31 - 1) -> int | None:
    """A positive integer query argument up to `high` (an id column is 32-bit); else None."""
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value <= high else None


def _text_arg(name: str) -> str:
    # PostgreSQL refuses NUL in a text parameter (500); nobody searches for one.
    return (request.args.get(name) or "").replace("\x00", "").strip()[:100]


@bp.get("/subcontracts/queue")
@roles("procurement", "protection_manager")
def queue() -> ResponseReturnValue:
    user = _actor()
    require(can_view_subcontract_queue(user))
    status = request.args.get("status", SubcontractStatus.SUBMITTED.value)
    q = _text_arg("q")
    tier = _int_arg(request.args.get("tier"), high=99)
    subsidiary = _yes_no(request.args.get("subsidiary"))
    sub_co = so.aliased(Company)
    req_co = so.aliased(Company)
    stmt = (
        sa.select(SubcontractRequest)
        .join(SubcontractRequest.contract)
        .join(sub_co, SubcontractRequest.subcontractor)
        .join(req_co, SubcontractRequest.requester_company)
        .where(
            Contract.section_id == user.section_id,
            SubcontractRequest.submitted_at.is_not(None),
        )
        .options(
            so.contains_eager(SubcontractRequest.contract),
            so.contains_eager(SubcontractRequest.subcontractor.of_type(sub_co)),
            so.contains_eager(SubcontractRequest.requester_company.of_type(req_co)),
        )
    )
    if status in {s.value for s in SubcontractStatus}:
        stmt = stmt.where(SubcontractRequest.status == status)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            sa.or_(
                sub_co.name.ilike(like),
                sub_co.corporate_number.like(like),
                req_co.name.ilike(like),
                Contract.number.ilike(like),
                Contract.title.ilike(like),
            )
        )
    if tier is not None:
        stmt = stmt.where(SubcontractRequest.tier == tier)
    if subsidiary is not None:
        stmt = stmt.where(SubcontractRequest.is_subsidiary.is_(subsidiary))
    stmt = stmt.order_by(SubcontractRequest.submitted_at, SubcontractRequest.id)
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    today = today_jst()
    return render_template(
        "subcontract/queue.html",
        page=page,
        status=status,
        q=q,
        tier=tier,
        subsidiary=request.args.get("subsidiary") or "",
        status_labels=SUBCONTRACT_STATUS_LABELS,
        waiting={s.id: services.days_waiting(s, today=today) for s in page.items},
        decision_days=current_profile().chase.subcontract_decision_days,
    )


# --- chains -------------------------------------------------------------------------------


@bp.get("/subcontracts/contract/<int:contract_id>")
@roles(*REQUEST_VIEWERS)
def chain(contract_id: int) -> ResponseReturnValue:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        deny(hide=True)
    user = _actor()
    rows = services.chain_rows(contract.id)
    full = can_view_contract_chain(user, contract)
    visible = {r.id for r in rows if can_view_subcontract(user, r)}
    # A subcontractor that is not the contract's company sees the page for its own branch.
    require(full or bool(visible), hide=True)
    return render_template(
        "subcontract/chain.html",
        contract=contract,
        tree=services.build_tree(rows, visible),
        full=full,
        contract_url=_contract_url(contract, full),
        can_request=can_request_subcontract(user, contract),
        contract_status=STATUS_LABELS[contract.status],
    )


CHAIN_CSV_HEADER = (
    "契約番号",
    "契約名",
    "担当課",
    "受託者",
    "次数",
    "申請者（委託元）",
    "再委託先",
    "再委託先の法人番号",
    "子会社",
    "状態",
    "取扱場所",
    "取扱場所の所在地・名称",
    "クラウド事業者の所在国",
    "サーバの所在国",
    "承認の条件",
    "申請日時",
    "判断日時",
    "承認の有効期限",
)


def _chains_query(user: User) -> tuple[sa.Select[Any], dict[str, Any]]:
    section_id = _int_arg(request.args.get("section"))
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        section_id = user.section_id  # section staff see their own section's chains
    company = _text_arg("company")
    status = request.args.get("status") or ""
    subsidiary = _yes_no(request.args.get("subsidiary"))
    scope = request.args.get("scope") or "active"
    sub_co = so.aliased(Company)
    req_co = so.aliased(Company)
    main_co = so.aliased(Company)
    stmt = (
        sa.select(SubcontractRequest)
        .join(SubcontractRequest.contract)
        .join(Section, Contract.section)
        .join(main_co, Contract.company)
        .join(sub_co, SubcontractRequest.subcontractor)
        .join(req_co, SubcontractRequest.requester_company)
        .where(SubcontractRequest.submitted_at.is_not(None))
        .options(
            so.contains_eager(SubcontractRequest.contract).contains_eager(Contract.section),
            so.contains_eager(SubcontractRequest.contract).contains_eager(
                Contract.company.of_type(main_co)
            ),
            so.contains_eager(SubcontractRequest.subcontractor.of_type(sub_co)),
            so.contains_eager(SubcontractRequest.requester_company.of_type(req_co)),
        )
    )
    if scope != "all":
        stmt = stmt.where(Contract.status.not_in([ContractStatus.CLOSED, ContractStatus.CANCELLED]))
    if section_id is not None:
        stmt = stmt.where(Contract.section_id == section_id)
    if company:
        like = f"%{company}%"
        stmt = stmt.where(
            sa.or_(
                *(
                    sa.or_(co.name.ilike(like), co.corporate_number.like(like))
                    for co in (sub_co, req_co, main_co)
                )
            )
        )
    if status in {s.value for s in SubcontractStatus}:
        stmt = stmt.where(SubcontractRequest.status == status)
    if subsidiary is not None:
        stmt = stmt.where(SubcontractRequest.is_subsidiary.is_(subsidiary))
    stmt = stmt.order_by(
        Section.code, Contract.number, SubcontractRequest.tier, SubcontractRequest.id
    )
    filters = {
        "section": section_id,
        "company": company,
        "status": status,
        "subsidiary": request.args.get("subsidiary") or "",
        "scope": scope,
    }
    return stmt, filters


@bp.get("/subcontracts/chains")
@roles(*CHAIN_LISTERS)
def chains() -> ResponseReturnValue:
    user = _actor()
    require(can_list_subcontract_chains(user))
    stmt, filters = _chains_query(user)
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    citywide = user.role in {Role.CHIEF, Role.AUDITOR}
    sections = (
        db.session.scalars(sa.select(Section).order_by(Section.code)).all() if citywide else []
    )
    return render_template(
        "subcontract/chains.html",
        page=page,
        filters=filters,
        sections=sections,
        citywide=citywide,
        # Only the parsed filters: url_for() would read the visitor's own `endpoint` or `_scheme`.
        csv_url=url_for(
            "subcontract.chains_csv", **{k: v for k, v in filters.items() if v not in (None, "")}
        ),
        status_labels=SUBCONTRACT_STATUS_LABELS,
    )


@bp.get("/subcontracts/chains.csv")
@roles(*CHAIN_LISTERS)
def chains_csv() -> ResponseReturnValue:
    user = _actor()
    require(can_list_subcontract_chains(user))
    stmt, filters = _chains_query(user)
    rows = [
        (
            s.contract.number,
            s.contract.title,
            s.contract.section.name,
            s.contract.company.name,
            s.tier,
            s.requester_company.name,
            s.subcontractor.name,
            s.subcontractor.corporate_number,
            "子会社" if s.is_subsidiary else "",
            s.status_label,
            LOCATION_LABELS[s.location],
            s.location_detail,
            s.cloud_provider_country or "",
            s.cloud_server_country or "",
            s.conditions if s.status == SubcontractStatus.APPROVED else "",
            jst_datetime(s.submitted_at),
            jst_datetime(s.decided_at),
            s.expires_on.isoformat() if s.expires_on else "",
        )
        for s in db.session.scalars(stmt).unique()
    ]
    services.record_chains_export(actor=user, filters=filters, count=len(rows))
    db.session.commit()
    return table_response(f"再委託一覧_{today_jst().isoformat()}.csv", CHAIN_CSV_HEADER, rows)


# --- dashboard ----------------------------------------------------------------------------


@panel
def pending_panel(user: User) -> Panel | None:
    """保護管理者: how many 再委託 requests wait for the section's decision."""
    if user.role != Role.PROTECTION_MANAGER:
        return None
    return Panel(
        title="再委託の承認待ち",
        template="subcontract/_panel.html",
        context={
            "count": services.pending_count(user),
            "days": current_profile().chase.subcontract_decision_days,
        },
        order=20,
    )


@panel
def returned_panel(user: User) -> Panel | None:
    """委託先: requests returned for correction."""
    if user.role != Role.CONTRACTOR or user.company_id is None:
        return None
    count = services.returned_count(user.company_id)
    if not count:
        return None
    return Panel(
        title="差し戻された再委託の申請",
        template="subcontract/_returned_panel.html",
        context={"count": count},
        order=20,
    )
