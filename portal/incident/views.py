"""Incident screens. Thin: load (404 when not visible), require, one service call, one
commit, flash, redirect."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from portal.account.models import CITY_ROLES, CITYWIDE_ROLES, Role, User
from portal.authz import CITY, deny, load_visible, require, roles
from portal.authz.contract import can_view_contract
from portal.authz.incident import (
    can_add_incident_file,
    can_decide_incident,
    can_download_incident_file,
    can_export_incidents,
    can_manage_incident,
    can_record_ppc_filing,
    can_report_incident,
    can_view_incident,
    can_view_incident_decision,
)
from portal.chase.services import deliver_now
from portal.contract.models import Contract
from portal.csvexport import content_disposition, csv_response
from portal.dashboard.panels import Panel, panel
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.filestore import MissingBlobError, get_filestore
from portal.incident import bp, drafts, queries, services
from portal.incident.assessment import PEOPLE_THRESHOLD
from portal.incident.display import wareki_weekday
from portal.incident.files import BlobWriter, Upload
from portal.incident.forms import (
    AnalysisForm,
    CloseForm,
    DecisionForm,
    FactsForm,
    FilesForm,
    FilingForm,
    KnownOnForm,
    MeasureDoneForm,
    MeasureForm,
    ReportForm,
    ResponseForm,
    ShareForm,
)
from portal.incident.models import (
    STATUS_LABELS,
    Incident,
    IncidentCause,
    IncidentFile,
    IncidentMeasure,
    IncidentStatus,
)
from portal.incident.rules import LAW_CRITERIA, LAW_DEADLINES, LAW_NOTICE, current_rules
from portal.mail import MailSettings
from portal.profile import current_profile
from portal.templating import register_nav
from portal.wareki import today_jst, wareki_date
from portal.web import Outcome, commit, current_actor, flash_form_errors, flash_refusal, paged, run
from portal.web.args import choice_arg, int_arg

T = TypeVar("T")
VIEWERS = (*CITY, "contractor")
REPORTERS = ("procurement", "protection_manager", "contractor")

bp.add_app_template_filter(wareki_weekday, "wareki_wd")


def _load(incident_id: int) -> Incident:
    return load_visible(Incident, incident_id, can_view_incident)


def _back(incident: Incident, anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for("incident.detail", incident_id=incident.id) + anchor)


def _mail_now(incident: Incident) -> None:
    """Mail the notifications about `incident` that its service marked for sending at once
    (told 直ちに), after the report itself is committed; the rest waits for the digest."""
    notes = services.notes_to_mail_now(incident)
    if notes:
        deliver_now(
            notes, settings=MailSettings.from_config(current_app.extensions["portal_config"])
        )
        commit()


def _uploads(files: list[Any], workdir: Path) -> list[Upload]:
    out = []
    for n, storage in enumerate(f for f in files if isinstance(f, FileStorage) and f):
        path = workdir / f"upload-{n}"
        storage.save(path)
        out.append(Upload(path=path, filename=storage.filename or f"添付{n + 1}"))
    return out


# --- list and export --------------------------------------------------------------------------


def _filters() -> dict[str, Any]:
    return {
        "status": choice_arg(request.args.get("status"), IncidentStatus),
        "fiscal_year": int_arg(request.args.get("fy")),
    }


@bp.get("/incidents")
@roles(*VIEWERS)
def index() -> ResponseReturnValue:
    user = current_actor()
    require(True)
    page = paged(queries.list_stmt(user, **_filters()))
    return render_template(
        "incident/index.html",
        page=page,
        rules=current_rules(),
        statuses=[(s.value, label) for s, label in STATUS_LABELS.items()],
        status=request.args.get("status", ""),
        fy=int_arg(request.args.get("fy")),
    )


@bp.get("/incidents/export.csv")
@roles(*CITY)
def export() -> ResponseReturnValue:
    user = current_actor()
    require(can_export_incidents(user))
    rules = current_rules()
    items = queries.export_items(user, **_filters())
    return csv_response(
        f"漏えい等事案_{today_jst().isoformat()}.csv",
        queries.EXPORT_HEADER,
        queries.export_rows(items, rules),
    )


# --- report -----------------------------------------------------------------------------------


@bp.route("/incidents/new", methods=["GET", "POST"])
@roles(*REPORTERS)
def new() -> ResponseReturnValue:
    user = current_actor()
    require(can_report_incident(user))
    rules = current_rules()
    contracts = queries.reportable_contracts(user)
    form = ReportForm()
    form.contract_id.choices = [(c.id, f"{c.number} {c.title}") for c in contracts]
    chosen = next((c for c in contracts if c.id == form.contract_id.data), None)
    if chosen is None and len(contracts) == 1:
        chosen = contracts[0]
    tiers = services.tier_choices(chosen) if chosen else []
    form.tier.choices = [(0, "委託先（元請）")] + [
        (t.id, f"再委託 第{t.tier}次: {t.subcontractor.name}") for t in tiers
    ]
    staff = user.role != Role.CONTRACTOR
    if form.validate_on_submit():
        contract = next((c for c in contracts if c.id == form.contract_id.data), None)
        tier = next((t for t in tiers if t.id == form.tier.data), None)
        if contract is None or (form.tier.data and tier is None):
            flash("契約又は発生した事業者の選択が正しくありません。", "error")
        else:
            data = services.ReportInput(
                contract=contract,
                subcontract=tier,
                title=form.title.data or "",
                summary=form.summary.data or "",
                occurred_on=form.occurred_on.data,
                discovered_on=form.discovered_on.data,
                categories=form.categories.data or "",
                facts=form.facts(),
                cause=IncidentCause(form.cause.data),
                cause_detail=form.cause_detail.data or "",
                containment=form.containment.data or "",
                known_on=form.known_on.data if staff else None,
                known_on_reason=(form.known_on_reason.data or "") if staff else "",
            )
            notices: list[str] = []
            incident = _create(user, data, form.files.data or [], notices)
            if incident is not None:
                _mail_now(incident)
                flash(
                    f"事案を報告しました（{incident.number}）。担当課の"
                    f"{current_profile().role_label('protection_manager')}に通知しました。",
                    "success",
                )
                if notices:
                    flash("".join(notices), "info")
                return _back(incident)
    elif request.method == "POST":
        flash_form_errors(form)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "incident/new.html", form=form, contracts=contracts, rules=rules, staff=staff
    ), status


def _create(
    user: User, data: services.ReportInput, files: list[Any], notices: list[str]
) -> Incident | None:
    with tempfile.TemporaryDirectory(prefix="portal-incident-") as tmp:
        uploads = _uploads(files, Path(tmp))
        written: list[str] = []

        def report() -> Incident:
            incident = services.report_incident(
                actor=user, data=data, rules=current_rules(), uploads=uploads, notices=notices
            )
            written.extend(f.storage_key for f in incident.files)
            return incident

        outcome = _run_keeping_blobs(report, written)
    return outcome.value if outcome else None


def _run_keeping_blobs(call: Callable[[], T], written: list[str]) -> Outcome[T]:
    """run() for a service that stored blobs: a refusal already removed them; a commit that
    fails removes them here, so no file outlives its rows."""
    try:
        return run(call)
    except SQLAlchemyError:
        db.session.rollback()
        writer = BlobWriter(now=utcnow())
        writer.keys = list(written)
        writer.discard()
        raise


# --- detail -------------------------------------------------------------------------------------


@bp.get("/incidents/<int:incident_id>")
@roles(*VIEWERS)
def detail(incident_id: int) -> ResponseReturnValue:
    incident = _load(incident_id)
    user = current_actor()
    rules = current_rules()
    today = today_jst()
    city = can_view_incident_decision(user, incident)
    facts_form = FactsForm(formdata=None)
    facts_form.sensitive.data = list(incident.sensitive_kinds)
    facts_form.ordinance_sensitive.data = incident.ordinance_sensitive
    facts_form.people_min.data = incident.people_min
    facts_form.people_max.data = None if incident.people.is_exact else incident.people_max
    facts_form.financial_damage_risk.data = incident.financial_damage_risk
    facts_form.unlawful_purpose_risk.data = incident.unlawful_purpose_risk
    facts_form.encrypted.data = "yes" if incident.encrypted_key_safe else "no"
    decision_form = DecisionForm(formdata=None)
    decision_form.reportable.data = (
        ("yes" if incident.auto_reportable else "no")
        if incident.reportable is None
        else ("yes" if incident.reportable else "no")
    )
    if incident.reportable is None:
        decision_form.reason.data = "規則による判定のとおり。" + "、".join(
            services.grounds_text(incident)
        )
    response_form = ResponseForm(formdata=None)
    if incident.notify_individuals is not None:
        response_form.notify_individuals.data = "yes" if incident.notify_individuals else "no"
    if incident.publish is not None:
        response_form.publish.data = "yes" if incident.publish else "no"
    response_form.notify_note.data = incident.notify_note
    response_form.individuals_notified_on.data = incident.individuals_notified_on
    response_form.publication_note.data = incident.publication_note
    response_form.published_on.data = incident.published_on
    analysis_form = AnalysisForm(formdata=None)
    analysis_form.analysis.data = incident.cause_analysis
    share_form = ShareForm(formdata=None)
    sections = queries.sections_to_share(incident) if city else []
    share_form.section_ids.choices = [(s.id, s.name) for s in sections]
    filing_form = FilingForm(formdata=None)
    filing_form.kind.data = "kakuho" if incident.sokuho_filed_on else "sokuho"
    filing_form.filed_on.data = today
    known_on_form = KnownOnForm(formdata=None)
    known_on_form.known_on.data = incident.known_on
    return render_template(
        "incident/detail.html",
        incident=incident,
        rules=rules,
        city=city,
        today=today,
        grounds=services.grounds_text(incident),
        clocks=services.clocks(incident, rules, today),
        deadlines=services.incident_deadlines(incident, rules),
        wareki_known=wareki_date(incident.known_on),
        threshold=PEOPLE_THRESHOLD,
        law_criteria=LAW_CRITERIA,
        law_deadlines=LAW_DEADLINES,
        law_notice=LAW_NOTICE,
        blockers=services.closure_blockers(incident),
        sections=sections,
        decision_form=decision_form,
        facts_form=facts_form,
        known_on_form=known_on_form,
        filing_form=filing_form,
        response_form=response_form,
        analysis_form=analysis_form,
        measure_form=MeasureForm(formdata=None),
        done_form=MeasureDoneForm(formdata=None),
        share_form=share_form,
        close_form=CloseForm(formdata=None),
        files_form=FilesForm(formdata=None),
    )


def _posted(incident_id: int, policy: Callable[[Any, Incident], bool]) -> Incident:
    incident = _load(incident_id)
    require(policy(current_actor(), incident))
    return incident


@bp.post("/incidents/<int:incident_id>/decision")
@roles("protection_manager")
def decide(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_decide_incident)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#reportability")
    run(
        lambda: services.decide_reportability(
            actor=current_actor(),
            incident=incident,
            reportable=form.reportable.data == "yes",
            reason=form.reason.data or "",
            rules=current_rules(),
        ),
        success="委員会への報告の要否の判断を記録しました。",
    )
    return _back(incident, "#clock")


@bp.post("/incidents/<int:incident_id>/facts")
@roles("protection_manager")
def facts(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = FactsForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident)
    run(
        lambda: services.revise_facts(
            actor=current_actor(),
            incident=incident,
            facts=form.facts(),
            reason=form.reason.data or "",
        ),
        success="事実を更新し、規則による判定をやり直しました。",
    )
    return _back(incident, "#reportability")


@bp.post("/incidents/<int:incident_id>/known-on")
@roles("protection_manager")
def known_on(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = KnownOnForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident)
    run(
        lambda: services.set_known_on(
            actor=current_actor(),
            incident=incident,
            known_on=form.known_on.data,
            reason=form.reason.data or "",
            today=today_jst(),
        ),
        success="市が把握した日を変更しました。期限を数え直しています。",
    )
    return _back(incident, "#clock")


def _filing_policy(user: Any, incident: Incident) -> bool:
    return can_record_ppc_filing(user, incident, current_rules().ppc_reporter)


@bp.post("/incidents/<int:incident_id>/filing")
@roles("protection_manager", "auditor")
def filing(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, _filing_policy)
    form = FilingForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#clock")
    run(
        lambda: services.record_ppc_filing(
            actor=current_actor(),
            incident=incident,
            kind=form.kind.data,
            filed_on=form.filed_on.data,
            today=today_jst(),
        ),
        success="委員会への報告日を記録しました。",
    )
    return _back(incident, "#clock")


@bp.post("/incidents/<int:incident_id>/response")
@roles("protection_manager")
def response(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = ResponseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#response")
    data = services.ResponseInput(
        notify_individuals=form.notify_individuals.data == "yes",
        notify_note=form.notify_note.data or "",
        individuals_notified_on=form.individuals_notified_on.data,
        publish=form.publish.data == "yes",
        publication_note=form.publication_note.data or "",
        published_on=form.published_on.data,
    )
    run(
        lambda: services.decide_response(
            actor=current_actor(), incident=incident, data=data, today=today_jst()
        ),
        success="本人への通知・公表の判断を記録しました。",
    )
    return _back(incident, "#response")


@bp.post("/incidents/<int:incident_id>/analysis")
@roles("protection_manager")
def analysis(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = AnalysisForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#follow-up")
    run(
        lambda: services.record_cause_analysis(
            actor=current_actor(), incident=incident, analysis=form.analysis.data or ""
        ),
        success="原因の分析を記録しました。",
    )
    return _back(incident, "#follow-up")


@bp.post("/incidents/<int:incident_id>/measures")
@roles("protection_manager")
def add_measure(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = MeasureForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#follow-up")
    run(
        lambda: services.add_measure(
            actor=current_actor(),
            incident=incident,
            description=form.description.data or "",
            owner=form.owner.data or "",
            due_on=form.due_on.data,
            today=today_jst(),
        ),
        success="再発防止策を追加しました。",
    )
    return _back(incident, "#follow-up")


def _visible_measure(user: Any, measure: IncidentMeasure) -> bool:
    return can_view_incident(user, measure.incident)


@bp.post("/incidents/measures/<int:measure_id>/done")
@roles("protection_manager")
def measure_done(measure_id: int) -> ResponseReturnValue:
    measure = load_visible(IncidentMeasure, measure_id, _visible_measure)
    require(can_manage_incident(current_actor(), measure.incident))
    form = MeasureDoneForm()
    if form.validate_on_submit():
        run(
            lambda: services.complete_measure(
                actor=current_actor(), measure=measure, done_on=form.done_on.data, today=today_jst()
            ),
            success="再発防止策を完了にしました。",
        )
    else:
        flash_form_errors(form)
    return _back(measure.incident, "#follow-up")


@bp.post("/incidents/<int:incident_id>/share")
@roles("protection_manager")
def share(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = ShareForm()
    form.section_ids.choices = [(s.id, s.name) for s in queries.sections_to_share(incident)]
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#follow-up")
    run(
        lambda: services.share_measures(
            actor=current_actor(),
            incident=incident,
            section_ids=list(form.section_ids.data or []),
            rules=current_rules(),
        ),
        success="再発防止策を共有しました。",
    )
    return _back(incident, "#follow-up")


@bp.post("/incidents/<int:incident_id>/close")
@roles("protection_manager")
def close(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_manage_incident)
    form = CloseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#close")
    run(
        lambda: services.close_incident(
            actor=current_actor(), incident=incident, note=form.note.data or ""
        ),
        success="事案を完了しました。",
    )
    return _back(incident)


# --- files and drafts ---------------------------------------------------------------------------


@bp.post("/incidents/<int:incident_id>/files")
@roles(*REPORTERS)
def files(incident_id: int) -> ResponseReturnValue:
    incident = _posted(incident_id, can_add_incident_file)
    form = FilesForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(incident, "#files")
    with tempfile.TemporaryDirectory(prefix="portal-incident-") as tmp:
        uploads = _uploads(form.files.data or [], Path(tmp))
        written: list[str] = []
        notices: list[str] = []

        def add() -> list[IncidentFile]:
            rows = services.add_files(
                actor=current_actor(), incident=incident, uploads=uploads, notices=notices
            )
            written.extend(r.storage_key for r in rows)
            return rows

        outcome = _run_keeping_blobs(add, written)
    if outcome:
        flash(f"ファイルを{len(outcome.value)}件添付しました。", "success")
        if notices:
            # The uploader learns what the attachments carried (広島市要綱 第6 7).
            flash("".join(notices), "info")
    return _back(incident, "#files")


def _file_visible(user: Any, row: IncidentFile) -> bool:
    return can_download_incident_file(user, row.incident)


@bp.get("/incidents/files/<int:file_id>")
@roles(*VIEWERS)
def download(file_id: int) -> ResponseReturnValue:
    row = load_visible(IncidentFile, file_id, _file_visible)
    try:
        resp: Response = get_filestore().download_response(
            row.storage_key,
            filename=row.original_filename,
            content_type=row.content_type,
            inline=False,
            size=row.size,
        )
    except MissingBlobError:
        deny(hide=True)
    services.record_file_download(actor=current_actor(), file=row)
    commit()
    return resp


@bp.get("/incidents/<int:incident_id>/draft/<kind>.<fmt>")
@roles(*CITY)
def draft(incident_id: int, kind: str, fmt: str) -> ResponseReturnValue:
    incident = _load(incident_id)
    require(can_view_incident_decision(current_actor(), incident))
    if kind not in drafts.KINDS or fmt not in {"pdf", "csv"}:
        deny(hide=True)
    rules = current_rules()
    fields = drafts.draft_fields(
        incident, kind=kind, rules=rules, deadlines=services.incident_deadlines(incident, rules)
    )
    today = today_jst()
    name = drafts.draft_filename(incident, kind, fmt, today)
    if fmt == "csv":
        return csv_response(name, drafts.CSV_HEADER, fields)
    try:
        pdf = drafts.draft_pdf(fields, kind=kind, city=rules.city, generated_at=utcnow())
    except PortalError as err:
        flash_refusal(err)
        return _back(incident, "#clock")
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = content_disposition(name)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- hooks into other screens ---------------------------------------------------------------


@bp.app_template_global("contract_incidents")
def contract_incidents(contract: Contract) -> list[Incident] | None:
    """For contract/detail.html: the contract's incidents (None when not the user's to see)."""
    user = current_user
    if not getattr(user, "is_authenticated", False) or not can_view_contract(user, contract):
        return None
    return [i for i in services.incidents_of_contract(contract.id) if can_view_incident(user, i)]


@dataclass(frozen=True)
class InspectionRecord:
    since: date | None
    incidents: list[Incident]

    @property
    def open(self) -> int:
        return sum(i.is_open for i in self.incidents)


@bp.app_template_global("inspection_incident_record")
def inspection_incident_record(inspection: Any) -> InspectionRecord | None:
    """For inspection/detail.html: the inspected company's cases since the previous yearly
    inspection (a year back when there is none), for the city's staff."""
    user = current_user
    if not getattr(user, "is_authenticated", False) or user.role not in CITY_ROLES:
        return None
    company_id = getattr(inspection, "company_id", None)
    if company_id is None:
        return None
    since = queries.previous_inspection_day(inspection)
    return InspectionRecord(since, services.company_incident_record(company_id, since=since))


# --- dashboard and navigation ---------------------------------------------------------------


@dataclass(frozen=True)
class PanelRow:
    incident: Incident
    clocks: list[services.ClockState]


@panel
def incident_panel(user: User) -> Panel | None:
    """Open cases with their clocks: the section's staff, the city-wide readers, the contractor."""
    if not (can_report_incident(user) or user.role in CITYWIDE_ROLES):
        return None
    rules = current_rules()
    today = today_jst()
    items = queries.open_for_panel(user)
    city = user.role in CITY_ROLES
    rows = [PanelRow(i, services.clocks(i, rules, today) if city else []) for i in items]
    urgent = city and any(
        r.incident.status == IncidentStatus.REPORTED
        or any(c.stage in {"due_today", "overdue"} for c in r.clocks)
        for r in rows
    )
    return Panel(
        title="漏えい等事案",
        template="incident/_panel.html",
        context={"rows": rows, "can_report": can_report_incident(user)},
        order=1 if urgent else 40,
    )


register_nav("incident.index", "漏えい等事案", set(VIEWERS), order=65)
