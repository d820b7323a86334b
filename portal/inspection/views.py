"""Inspection screens: the section's list and plans, evidence, results, corrective actions,
the auditors' status view with its exports, and the dashboard panel."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from portal.account.models import Role, User
from portal.authz import CITY, deny, load_visible, require, roles
from portal.authz.inspection import (
    can_add_corrective_action,
    can_close_corrective_action,
    can_download_inspection_file,
    can_edit_inspection,
    can_list_inspections,
    can_plan_inspections,
    can_record_inspection,
    can_respond_corrective_action,
    can_schedule_inspection,
    can_submit_inspection_evidence,
    can_view_inspection,
    can_view_inspection_status,
)
from portal.contract.models import Contract
from portal.contract.services import register_overdue_condition
from portal.csvexport import content_disposition
from portal.dashboard.panels import Panel, panel
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import MissingBlobError, get_filestore
from portal.forms import nfkc
from portal.inspection import bp, services
from portal.inspection.export import csv_header, csv_rows, status_pdf
from portal.inspection.forms import (
    ActionForm,
    AnswersForm,
    CancelForm,
    DecisionForm,
    EvidenceForm,
    RecordForm,
    RespondForm,
    ScheduleForm,
    item_choices,
    parse_answers,
    parse_record,
)
from portal.inspection.models import (
    RESULT_LABELS,
    RESULT_SYMBOLS,
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionFile,
    InspectionMethod,
    InspectionStatus,
    InspectorKind,
    ItemResult,
)
from portal.inspection.rules import TARGET_STATUS_LABELS, TargetStatus, method_counts
from portal.inspection.status import (
    StatusReport,
    StatusRow,
    build_matrix,
    city_counts,
    compute_status,
    contract_overdue_condition,
    item_results,
    report_results,
)
from portal.profile import current_profile
from portal.subcontract.models import SubcontractRequest
from portal.templating import register_nav
from portal.uploads import UploadLimits
from portal.wareki import fiscal_year, fiscal_year_label, today_jst
from portal.web.args import page_arg
from portal.xlsxexport import table_response

STATUS_PER_PAGE = 100
_MAX_ID = 2**31 - 1  # ids are 32-bit; a larger query value would overflow the driver
T = TypeVar("T")

register_nav("inspection.index", "検査", {"procurement", "protection_manager", "contractor"}, 30)
# The contract list's 「期限超過」 filter also means a late yearly inspection (DOMAIN.md).
register_overdue_condition(contract_overdue_condition)
register_nav("inspection.status", "検査状況", {"auditor", "chief"}, 31)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _fy_arg() -> int:
    try:
        fy = int(request.args.get("fiscal_year") or fiscal_year(today_jst()))
    except ValueError:
        fy = fiscal_year(today_jst())
    return min(max(fy, 2000), 2100)


def _args() -> dict[str, Any]:
    return dict(request.args.to_dict())


def _int_arg(name: str) -> int | None:
    """A positive id from the query string, or None (absent, not a number, out of range)."""
    try:
        value = int(request.args.get(name) or 0)
    except ValueError:
        return None
    return value if 0 < value <= _MAX_ID else None


def _limits() -> UploadLimits:
    return UploadLimits.current()


def _flash_removed(notices: list[str]) -> None:
    """Tell the uploader what the stored copy no longer carries (広島市要綱 第6 7)."""
    if notices:
        flash("".join(notices), "info")


def _flash_errors(form: Any) -> None:
    for errors in form.errors.values():
        for e in errors:
            flash(str(e), "error")


def _run(call: Callable[[], T], success: str | Callable[[T], str]) -> list[T]:
    """Run one service call: commit and flash `success` ([its result]), or roll back and
    flash why it was refused ([])."""
    try:
        result = call()
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return []
    db.session.commit()
    flash(success if isinstance(success, str) else success(result), "success")
    return [result]


def _load_inspection(inspection_id: int) -> Inspection:
    return load_visible(Inspection, inspection_id, can_view_inspection)


def _detail(inspection: Inspection) -> ResponseReturnValue:
    return redirect(url_for("inspection.detail", inspection_id=inspection.id))


# --- lists -----------------------------------------------------------------------------


@bp.get("/inspections")
@roles(*CITY, "contractor")
def index() -> ResponseReturnValue:
    user = _user()
    require(can_list_inspections(user))
    if user.role in {Role.AUDITOR, Role.CHIEF}:
        return redirect(url_for("inspection.status", **_args()))
    fy = _fy_arg()
    today = today_jst()
    profile = current_profile()
    if user.role == Role.CONTRACTOR:
        inspections = services.inspections_for_company(
            user.company_id or 0, fiscal_years=[fy - 1, fy, fy + 1]
        )
        return render_template(
            "inspection/index_contractor.html",
            inspections=inspections,
            fiscal_year=fy,
            today=today,
        )
    report = compute_status(
        profile=profile, fiscal_year=fy, today=today, section_id=user.section_id
    )
    open_actions = db.session.scalars(
        sa.select(CorrectiveAction)
        .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
        .join(Contract, Contract.id == Inspection.contract_id)
        .where(
            Contract.section_id == user.section_id,
            CorrectiveAction.status != ActionStatus.CLOSED,
        )
        .options(so.joinedload(CorrectiveAction.inspection).joinedload(Inspection.contract))
        .order_by(CorrectiveAction.due_on)
    ).all()
    return render_template(
        "inspection/index.html",
        report=report,
        rows=report.rows,
        counts=report.counts(),
        statuses=list(TargetStatus),
        status_labels=TARGET_STATUS_LABELS,
        open_actions=open_actions,
        fiscal_year=fy,
        today=today,
    )


# --- plan ------------------------------------------------------------------------------


def _section_visible(user: Any, contract: Contract) -> bool:
    return can_plan_inspections(user, contract.section_id)


def _fill_schedule_form(form: ScheduleForm, contract: Contract) -> None:
    form.inspector_id.choices = [(0, "（選択してください）")] + [
        (u.id, f"{u.name}（{current_profile().role_label(u.role.value)}）")
        for u in services.inspector_candidates(contract.section_id)
    ]


def _schedule_inputs(form: ScheduleForm) -> dict[str, Any]:
    inspector = db.session.get(User, form.inspector_id.data) if form.inspector_id.data else None
    return {
        "scheduled_on": form.scheduled_on.data,
        "method": InspectionMethod(form.method.data),
        "written_reason": form.written_reason.data or "",
        "inspector_kind": InspectorKind(form.inspector_kind.data),
        "inspector": inspector,
    }


@bp.route("/inspections/contracts/<int:contract_id>/schedule", methods=["GET", "POST"])
@roles("protection_manager")
def schedule(contract_id: int) -> ResponseReturnValue:
    contract = load_visible(Contract, contract_id, _section_visible)
    require(can_schedule_inspection(_user(), contract))
    tier_id = _int_arg("tier")
    subcontract = None
    if tier_id is not None:
        subcontract = load_visible(
            SubcontractRequest, tier_id, lambda _u, s: s.contract_id == contract.id
        )
    form = ScheduleForm()
    _fill_schedule_form(form, contract)
    if request.method == "GET":
        form.inspector_id.data = _user().id
    profile = current_profile()
    if form.validate_on_submit() and (
        planned := _run(
            lambda: services.schedule_inspection(
                actor=_user(),
                profile=profile,
                contract=contract,
                subcontract=subcontract,
                today=today_jst(),
                **_schedule_inputs(form),
            ),
            "検査を計画しました。検査対象の事業者に資料の提出を依頼しました。",
        )
    ):
        if not method_counts(profile.inspection, planned[0].method):
            flash("この市の規程では書面による確認は年度の検査として数えられません。", "warning")
        return _detail(planned[0])
    return render_template(
        "inspection/schedule.html",
        form=form,
        contract=contract,
        subcontract=subcontract,
        inspection=None,
        rules=profile.inspection,
    ), (422 if request.method == "POST" else 200)


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@roles("protection_manager")
def edit(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    require(can_edit_inspection(_user(), inspection))
    form = ScheduleForm(obj=inspection)
    _fill_schedule_form(form, inspection.contract)
    if request.method == "GET":
        form.method.data = inspection.method.value
        form.inspector_kind.data = inspection.inspector_kind.value
        form.inspector_id.data = inspection.inspector_user_id or 0
    profile = current_profile()
    if form.validate_on_submit() and _run(
        lambda: services.reschedule_inspection(
            actor=_user(),
            profile=profile,
            inspection=inspection,
            today=today_jst(),
            **_schedule_inputs(form),
        ),
        "検査の予定を変更しました。",
    ):
        return _detail(inspection)
    return render_template(
        "inspection/schedule.html",
        form=form,
        contract=inspection.contract,
        subcontract=inspection.subcontract,
        inspection=inspection,
        rules=profile.inspection,
    ), (422 if request.method == "POST" else 200)


@bp.post("/inspections/<int:inspection_id>/cancel")
@roles("protection_manager")
def cancel(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    require(can_edit_inspection(_user(), inspection))
    form = CancelForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(inspection)
    _run(
        lambda: services.cancel_inspection(
            actor=_user(), inspection=inspection, reason=form.reason.data or ""
        ),
        "検査を中止しました。",
    )
    return _detail(inspection)


# --- detail and evidence ---------------------------------------------------------------


@bp.get("/inspections/<int:inspection_id>")
@roles(*CITY, "contractor")
def detail(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    evidence = EvidenceForm()
    evidence.item_key.choices = item_choices(inspection.items)
    action_form = ActionForm()
    action_form.item_key.choices = item_choices(inspection.items)
    files_by_item: dict[int | None, list[InspectionFile]] = {}
    for f in inspection.files:
        if f.action_id is None:
            files_by_item.setdefault(f.item_id, []).append(f)
    return render_template(
        "inspection/detail.html",
        inspection=inspection,
        files_by_item=files_by_item,
        answers_form=AnswersForm(),
        evidence_form=evidence,
        cancel_form=CancelForm(),
        action_form=action_form,
        respond_form=RespondForm(),
        decision_form=DecisionForm(),
        today=today_jst(),
        counts=method_counts(current_profile().inspection, inspection.method),
    )


@bp.post("/inspections/<int:inspection_id>/answers")
@roles("contractor")
def answers(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    today = today_jst()
    require(can_submit_inspection_evidence(_user(), inspection, today))
    form = AnswersForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(inspection)
    submit = request.form.get("action") == "submit"
    _run(
        lambda: services.save_answers(
            actor=_user(),
            inspection=inspection,
            answers=parse_answers(request.form, inspection.items),
            submit=submit,
            today=today,
            now=utcnow(),
        ),
        "回答を提出しました。" if submit else "回答を保存しました。",
    )
    return _detail(inspection)


def _save_upload(upload: FileStorage, tmp: str) -> tuple[Path, str]:
    path = Path(tmp) / "upload"
    upload.save(path)
    return path, upload.filename or "file"


@bp.post("/inspections/<int:inspection_id>/evidence")
@roles("contractor")
def evidence(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    today = today_jst()
    require(can_submit_inspection_evidence(_user(), inspection, today))
    form = EvidenceForm()
    form.item_key.choices = item_choices(inspection.items)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(inspection)
    notices: list[str] = []
    with tempfile.TemporaryDirectory(prefix="insp-up-") as tmp:
        path, filename = _save_upload(form.file.data, tmp)
        done = _run(
            lambda: services.add_evidence_file(
                actor=_user(),
                inspection=inspection,
                path=path,
                filename=filename,
                item_key=form.item_key.data or None,
                limits=_limits(),
                today=today,
                now=utcnow(),
                notices=notices,
            ),
            lambda row: f"{row.original_filename} を登録しました。",
        )
    if done:
        _flash_removed(notices)
    return _detail(inspection)


@bp.get("/inspections/files/<int:file_id>")
@roles(*CITY, "contractor")
def download(file_id: int) -> ResponseReturnValue:
    row = load_visible(InspectionFile, file_id, can_download_inspection_file)
    try:
        response: Response = get_filestore().download_response(
            row.storage_key,
            filename=row.original_filename,
            content_type=row.content_type,
            inline=False,
            size=row.size,
        )
    except MissingBlobError:
        deny(hide=True)  # the reconcile job reports the row without its blob
    # Recorded only once the file is really served (入間市 第20条: アクセス記録).
    services.record_download(actor=_user(), file=row)
    db.session.commit()
    return response


# --- record ----------------------------------------------------------------------------


@bp.route("/inspections/<int:inspection_id>/record", methods=["GET", "POST"])
@roles("procurement", "protection_manager", "contractor")
def record(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    require(can_record_inspection(_user(), inspection))
    form = RecordForm()
    today = today_jst()
    if request.method == "GET":
        form.performed_on.data = min(inspection.scheduled_on, today)

    def record_it() -> None:
        results, notes, actions = parse_record(request.form, inspection.items)
        services.record_inspection(
            actor=_user(),
            profile=current_profile(),
            inspection=inspection,
            results=results,
            notes=notes,
            findings=form.findings.data or "",
            performed_on=form.performed_on.data,
            actions=actions,
            today=today,
            now=utcnow(),
        )

    if form.validate_on_submit() and _run(record_it, "検査結果を記録しました。"):
        return _detail(inspection)
    return render_template(
        "inspection/record.html",
        form=form,
        inspection=inspection,
        posted=request.form,
        results=[(r.value, RESULT_SYMBOLS[r], RESULT_LABELS[r]) for r in ItemResult],
    ), (422 if request.method == "POST" else 200)


# --- corrective actions ----------------------------------------------------------------


@bp.post("/inspections/<int:inspection_id>/actions")
@roles("procurement", "protection_manager", "contractor")
def action_add(inspection_id: int) -> ResponseReturnValue:
    inspection = _load_inspection(inspection_id)
    require(can_add_corrective_action(_user(), inspection))
    form = ActionForm()
    form.item_key.choices = item_choices(inspection.items)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(inspection)
    _run(
        lambda: services.add_corrective_action(
            actor=_user(),
            inspection=inspection,
            data=services.ActionInput(
                item_key=form.item_key.data or None,
                description=form.description.data or "",
                owner=form.owner.data or "",
                due_on=form.due_on.data,
            ),
        ),
        "是正措置を追加しました。",
    )
    return _detail(inspection)


def _visible_action(user: Any, action: CorrectiveAction) -> bool:
    return can_view_inspection(user, action.inspection)


@bp.post("/inspections/actions/<int:action_id>/respond")
@roles("contractor")
def action_respond(action_id: int) -> ResponseReturnValue:
    action = load_visible(CorrectiveAction, action_id, _visible_action)
    require(can_respond_corrective_action(_user(), action))
    form = RespondForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(action.inspection)
    upload: FileStorage | None = form.file.data if form.file.data else None
    notices: list[str] = []
    with tempfile.TemporaryDirectory(prefix="insp-up-") as tmp:
        done = _run(
            lambda: services.respond_corrective_action(
                actor=_user(),
                action=action,
                response=form.response.data or "",
                file=_save_upload(upload, tmp) if upload is not None and upload.filename else None,
                limits=_limits(),
                now=utcnow(),
                notices=notices,
            ),
            "是正措置への対応を報告しました。",
        )
    if done:
        _flash_removed(notices)
    return _detail(action.inspection)


@bp.post("/inspections/actions/<int:action_id>/decide")
@roles("protection_manager")
def action_decide(action_id: int) -> ResponseReturnValue:
    action = load_visible(CorrectiveAction, action_id, _visible_action)
    require(can_close_corrective_action(_user(), action))
    form = DecisionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return _detail(action.inspection)
    if form.decision.data == "return":
        _run(
            lambda: services.return_corrective_action(
                actor=_user(), action=action, reason=form.note.data or ""
            ),
            "是正措置を差し戻しました。",
        )
    else:
        _run(
            lambda: services.close_corrective_action(
                actor=_user(), action=action, note=form.note.data or "", now=utcnow()
            ),
            "是正措置を完了にしました。",
        )
    return _detail(action.inspection)


# --- auditor status view ---------------------------------------------------------------


@dataclass(frozen=True)
class _StatusFilters:
    fiscal_year: int
    section: int | None
    company: int | None
    status: TargetStatus | None
    text: str

    def rows(self, report: StatusReport) -> list[StatusRow]:
        return report.filtered(
            section_id=self.section, company_id=self.company, status=self.status, text=self.text
        )

    def query(self) -> dict[str, Any]:
        values = {
            "fiscal_year": self.fiscal_year,
            "section": self.section,
            "company": self.company,
            "status": self.status.value if self.status else None,
            "q": self.text,
        }
        return {k: v for k, v in values.items() if v}

    def describe(self, report: StatusReport) -> str:
        parts = [n for i, _c, n in report.sections if i == self.section]
        parts += [n for i, n in report.companies if i == self.company]
        if self.status:
            parts.append(TARGET_STATUS_LABELS[self.status])
        if self.text:
            parts.append(f"「{self.text}」を含む")
        return "・".join(parts)


def _status_filters() -> _StatusFilters:
    raw = request.args.get("status") or ""
    return _StatusFilters(
        fiscal_year=_fy_arg(),
        section=_int_arg("section"),
        company=_int_arg("company"),
        status=TargetStatus(raw) if raw in {s.value for s in TargetStatus} else None,
        text=nfkc(request.args.get("q") or "")[:100],
    )


@bp.get("/inspections/status")
@roles("auditor", "chief")
def status() -> ResponseReturnValue:
    require(can_view_inspection_status(_user()))
    filters = _status_filters()
    today = today_jst()
    profile = current_profile()
    report = compute_status(profile=profile, fiscal_year=filters.fiscal_year, today=today)
    rows = filters.rows(report)
    pages = max(1, -(-len(rows) // STATUS_PER_PAGE))
    page = min(page_arg(request.args.get("page")), pages)
    shown = rows[(page - 1) * STATUS_PER_PAGE : page * STATUS_PER_PAGE]
    results = item_results([r.inspection.id for r in shown if r.inspection is not None])
    return render_template(
        "inspection/status.html",
        report=report,
        rows=shown,
        total=len(rows),
        page=page,
        pages=pages,
        all_counts=report.counts(),
        by_section=report.counts_by_section(),
        matrix=build_matrix(profile, shown, results),
        statuses=list(TargetStatus),
        status_labels=TARGET_STATUS_LABELS,
        filters=filters,
        company_name=dict(report.companies).get(filters.company or 0, ""),
        today=today,
        query=filters.query(),
    )


@bp.get("/inspections/status.csv")
@roles("auditor", "chief")
def status_csv() -> ResponseReturnValue:
    require(can_view_inspection_status(_user()))
    filters = _status_filters()
    report = compute_status(
        profile=current_profile(), fiscal_year=filters.fiscal_year, today=today_jst()
    )
    return table_response(
        f"検査状況_{fiscal_year_label(filters.fiscal_year)}.csv",
        csv_header(report),
        list(csv_rows(report, filters.rows(report), report_results(report))),
    )


@bp.get("/inspections/status.pdf")
@roles("auditor", "chief")
def status_pdf_view() -> ResponseReturnValue:
    require(can_view_inspection_status(_user()))
    filters = _status_filters()
    report = compute_status(
        profile=current_profile(), fiscal_year=filters.fiscal_year, today=today_jst()
    )
    try:
        body = status_pdf(
            report,
            filters.rows(report),
            report_results(report),
            generated_at=utcnow(),
            filters=filters.describe(report),
        )
    except PortalError as err:
        flash(err.text, "error")
        return redirect(url_for("inspection.status", **_args()))
    resp = Response(body, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = content_disposition(
        f"検査状況_{fiscal_year_label(filters.fiscal_year)}.pdf"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- dashboard -------------------------------------------------------------------------


@panel
def inspection_panel(user: User) -> Panel | None:
    """今年度の検査: what each role has to do next."""
    today = today_jst()
    fy = fiscal_year(today)
    title = f"検査（{fiscal_year_label(fy)}）"
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        report = compute_status(
            profile=current_profile(), fiscal_year=fy, today=today, section_id=user.section_id
        )
        if not report.rows:
            return None
        waiting = db.session.scalar(
            sa.select(sa.func.count(CorrectiveAction.id))
            .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
            .join(Contract, Contract.id == Inspection.contract_id)
            .where(
                Contract.section_id == user.section_id,
                CorrectiveAction.status == ActionStatus.RESPONDED,
            )
        )
        return Panel(
            title,
            "inspection/_panel.html",
            {
                "kind": "section",
                "counts": report.counts(),
                "labels": TARGET_STATUS_LABELS,
                "statuses": list(TargetStatus),
                "waiting": waiting or 0,
            },
            order=30,
        )
    if user.role == Role.CONTRACTOR and user.company_id is not None:
        open_inspections = db.session.scalar(
            sa.select(sa.func.count(Inspection.id)).where(
                Inspection.company_id == user.company_id,
                Inspection.status == InspectionStatus.SCHEDULED,
                Inspection.scheduled_on >= today,
            )
        )
        open_actions = db.session.scalar(
            sa.select(sa.func.count(CorrectiveAction.id))
            .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
            .where(
                Inspection.company_id == user.company_id,
                CorrectiveAction.status == ActionStatus.OPEN,
            )
        )
        if not open_inspections and not open_actions:
            return None
        return Panel(
            "検査への対応",
            "inspection/_panel.html",
            {"kind": "contractor", "evidence": open_inspections, "actions": open_actions},
            order=30,
        )
    if user.role in {Role.AUDITOR, Role.CHIEF}:
        # Counts only (three aggregate queries): evaluating every target — what the status
        # page does — would cost every home-page load ~0.7 s of CPU at 10,000 contracts.
        counts = city_counts(fy, today=today)
        if not counts.contracts:
            return None
        return Panel(title, "inspection/_panel.html", {"kind": "city", "city": counts}, order=30)
    return None
