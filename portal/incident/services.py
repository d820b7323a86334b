"""Incident workflow: report → decision on reportability → PPC filings, publication and
notices → cause analysis, measures, sharing → closure.

Every state change is written together with its audit entry in the caller's transaction;
nothing here commits. Refusals are PortalError with a Japanese message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import Actor, Role, User
from portal.audit.services import record
from portal.contract.models import Contract, ContractStatus
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.incident.assessment import GROUND_LABELS, Facts, Ground, assess, kakuho_is_extended
from portal.incident.clocks import Deadlines, day_number, deadlines
from portal.incident.files import MAX_FILES, BlobWriter, Limits, Stored, Upload
from portal.incident.models import (
    Incident,
    IncidentCause,
    IncidentFile,
    IncidentMeasure,
    IncidentShare,
    IncidentStatus,
    facts_columns,
)
from portal.incident.rules import IncidentRules
from portal.notification.models import Notification
from portal.notification.recipients import section_managers
from portal.notification.services import notify
from portal.org.models import Section
from portal.subcontract.models import SubcontractRequest
from portal.subcontract.services import approved_tiers
from portal.wareki import fiscal_year, today_jst, wareki_date

# A leak can come to light during performance or after it (data not yet erased).
REPORTABLE_CONTRACT_STATUSES = frozenset(
    {
        ContractStatus.ACTIVE,
        ContractStatus.ENDING,
        ContractStatus.ERASURE_PENDING,
        ContractStatus.CLOSED,
    }
)
MAX_TITLE = 200
MAX_TEXT = 10_000
KIND_PREFIX = "incident."


def incident_url(incident: Incident) -> str:
    return f"/incidents/{incident.id}"


# --- who is told --------------------------------------------------------------------------


def recipients_for(roles: Iterable[str], section_id: int) -> list[User]:
    """Active accounts for role keys: section roles within the section, city-wide roles all."""
    people: dict[int, User] = {}
    for role in roles:
        if role == Role.PROTECTION_MANAGER:
            found = section_managers(section_id)
        elif role == Role.PROCUREMENT:
            found = list(
                db.session.scalars(
                    sa.select(User).where(
                        User.role == Role.PROCUREMENT,
                        User.section_id == section_id,
                        User.is_active.is_(True),
                    )
                )
            )
        else:
            found = list(
                db.session.scalars(
                    sa.select(User).where(User.role == Role(role), User.is_active.is_(True))
                )
            )
        people.update({u.id: u for u in found})
    return list(people.values())


def tell(
    incident: Incident,
    recipients: Sequence[User],
    *,
    what: str,
    subject: str,
    body: str,
    dedupe_key: str | None = None,
    immediate: bool = False,
) -> list[Notification]:
    """Notify about `incident` (in-portal bell and mail); `immediate` marks the rows for a
    mail right after the commit instead of the daily digest."""
    notes = notify(
        recipients=recipients,
        kind=KIND_PREFIX + what,
        subject=subject[:200],
        body=body,
        obj=incident,
        url=incident_url(incident),
        contract_id=incident.contract_id,
        dedupe_key=dedupe_key,
    )
    if immediate:
        # Mailed by the view right after the commit (chase.services.deliver_now), not in the
        # next daily digest: the rules say 直ちに / 速やかに.
        for note in notes:
            note.mail_status = "sending"
        db.session.flush()
    return notes


def notes_to_mail_now(incident: Incident) -> list[Notification]:
    """The notifications about `incident` marked for mailing at once (`tell(immediate=True)`)."""
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.mail_status == "sending",
                Notification.object_type == "Incident",
                Notification.object_id == incident.id,
            )
        )
    )


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    contract: Contract
    subcontract: SubcontractRequest | None
    title: str
    summary: str
    occurred_on: date | None
    discovered_on: date
    categories: str
    facts: Facts
    cause: IncidentCause
    cause_detail: str
    containment: str
    known_on: date | None = None  # staff only: the city learned of it before this report
    known_on_reason: str = ""


def _require_text(value: str, label: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise PortalError(f"{label}を入力してください。")
    if len(value) > limit:
        raise PortalError(f"{label}は{limit}文字以内で入力してください。")
    return value


def _check_dates(data: ReportInput, today: date) -> None:
    if data.discovered_on > today:
        raise PortalError("把握日に未来の日付は指定できません。")
    if data.occurred_on is not None and data.occurred_on > data.discovered_on:
        raise PortalError("発生日が把握日より後になっています。")
    if data.known_on is not None:
        if data.known_on > today:
            raise PortalError("市が把握した日に未来の日付は指定できません。")
        if not data.known_on_reason.strip():
            raise PortalError("市が把握した日を報告日以外にする理由を入力してください。")


def tier_choices(contract: Contract) -> list[SubcontractRequest]:
    """Where the case may have happened: the contractor itself or an approved tier."""
    return approved_tiers(contract)


def report_incident(
    *,
    actor: User,
    data: ReportInput,
    rules: IncidentRules,
    uploads: Sequence[Upload] = (),
    limits: Limits | None = None,
    now: datetime | None = None,
    notices: list[str] | None = None,
) -> Incident:
    """A contractor or the section's staff reports a case; `notices` receives what the intake
    removed from the attachments (told to the reporter). The section's 保護管理者 (and the
    roles the profile names) are told at once (入間市 第39条第1項, 広島市 第12 1)."""
    now = now or utcnow()
    today = today_jst(now)
    contract = data.contract
    if contract.status not in REPORTABLE_CONTRACT_STATUSES:
        raise PortalError("この契約は履行前または取消済みのため、事案を報告できません。")
    if data.subcontract is not None and data.subcontract.id not in {
        t.id for t in tier_choices(contract)
    }:
        raise PortalError("選択した再委託先はこの契約の承認済みの再委託先ではありません。")
    if data.known_on is not None and actor.role == Role.CONTRACTOR:
        raise PortalError("市が把握した日は市の職員が記録します。")
    _check_dates(data, today)
    if len(uploads) > MAX_FILES:
        raise PortalError(f"添付ファイルは{MAX_FILES}件までです。")
    assessment = assess(data.facts)
    known_on = data.known_on or today
    incident = Incident(
        contract=contract,
        section_id=contract.section_id,
        company_id=data.subcontract.subcontractor_id if data.subcontract else contract.company_id,
        subcontract=data.subcontract,
        tier=data.subcontract.tier if data.subcontract else 0,
        status=IncidentStatus.REPORTED,
        fiscal_year=fiscal_year(known_on),
        title=_require_text(data.title, "件名", MAX_TITLE),
        summary=_require_text(data.summary, "事案の概要"),
        occurred_on=data.occurred_on,
        discovered_on=data.discovered_on,
        known_on=known_on,
        known_on_reason=data.known_on_reason.strip(),
        categories=data.categories.strip()[:MAX_TEXT],
        cause=data.cause,
        cause_detail=data.cause_detail.strip()[:MAX_TEXT],
        containment=data.containment.strip()[:MAX_TEXT],
        reported_by_id=actor.id,
        reported_at=now,
        auto_reportable=assessment.reportable,
        auto_grounds=[g.value for g in assessment.grounds],
        **facts_columns(data.facts),
    )
    db.session.add(incident)
    db.session.flush()
    writer = BlobWriter(now=now)
    try:
        for upload in uploads:
            stored = writer.store(upload, limits or _default_limits())
            if notices is not None:
                notices.extend(n for n in stored.removed if n not in notices)
            _attach(incident, stored, actor)
    except BaseException:
        writer.discard()
        raise
    record(
        actor,
        "incident.reported",
        incident,
        contract_id=contract.id,
        data={
            "tier": incident.tier,
            "cause": incident.cause.value,
            "known_on": known_on.isoformat(),
            "auto_reportable": assessment.reportable,
            "grounds": incident.auto_grounds,
            "files": len(uploads),
        },
        now=now,
    )
    _tell_reported(incident, actor, rules, reportable=assessment.reportable)
    return incident


def _default_limits() -> Limits:
    return Limits.current()


def _attach(incident: Incident, stored: Stored, actor: User) -> IncidentFile:
    row = IncidentFile(incident=incident, uploaded_by_id=actor.id)
    row.set_blob(stored.blob, filename=stored.filename, content_type=stored.content_type)
    db.session.add(row)
    db.session.flush()
    return row


def _tell_reported(
    incident: Incident, actor: User, rules: IncidentRules, *, reportable: bool
) -> None:
    verdict = "報告対象（判定）" if reportable else "報告対象外（判定）"
    body = "\n".join(
        [
            f"{incident.contract.title}（{incident.contract.number}）で漏えい等の事案が報告されました。",
            f"報告者: {actor.name}",
            f"件名: {incident.title}",
            f"個人情報保護委員会への報告: {verdict}",
            f"速報・確報の期限は{wareki_date(incident.known_on)}を1日目として数えます。",
            f"（{rules.cite('report')}）",
        ]
    )
    tell(
        incident,
        recipients_for(rules.told_at_once, incident.section_id),
        what="reported",
        subject=f"【至急】漏えい等事案の報告: {incident.title}",
        body=body,
        dedupe_key=f"incident:{incident.id}:reported",
        immediate=True,
    )
    if reportable:
        # A case the rules call reportable is 特に重大: the next tier is told at once too.
        tell(
            incident,
            recipients_for(rules.escalation, incident.section_id),
            what="escalated",
            subject=f"【至急】報告対象の可能性がある漏えい等事案: {incident.title}",
            body=body + f"\n（{rules.cite('escalation')}）",
            dedupe_key=f"incident:{incident.id}:escalated",
            immediate=True,
        )


def add_files(
    *,
    actor: User,
    incident: Incident,
    uploads: Sequence[Upload],
    limits: Limits | None = None,
    now: datetime | None = None,
    notices: list[str] | None = None,
) -> list[IncidentFile]:
    """More attachments (a contractor's written report, photos) while the case is open;
    `notices` receives what the intake removed from them (told to the uploader)."""
    now = now or utcnow()
    if not incident.is_open:
        raise PortalError("完了した事案には添付できません。")
    if not uploads:
        raise PortalError("ファイルを選択してください。")
    if len(incident.files) + len(uploads) > MAX_FILES * 3:
        raise PortalError(f"1件の事案に添付できるファイルは{MAX_FILES * 3}件までです。")
    writer = BlobWriter(now=now)
    rows = []
    try:
        for upload in uploads:
            stored = writer.store(upload, limits or _default_limits())
            if notices is not None:
                notices.extend(n for n in stored.removed if n not in notices)
            rows.append(_attach(incident, stored, actor))
    except BaseException:
        writer.discard()
        raise
    record(
        actor,
        "incident.files_added",
        incident,
        contract_id=incident.contract_id,
        data={"files": [r.id for r in rows]},
        now=now,
    )
    return rows


def record_file_download(*, actor: Actor, file: IncidentFile) -> None:
    """アクセス記録 (入間市 第20条)."""
    record(
        actor,
        "document.downloaded",
        file,
        contract_id=file.incident.contract_id,
        # Attachments have always been stored as the cleaned copy (portal.uploads).
        data={"incident_id": file.incident_id, "size": file.size, "served": "cleaned"},
    )


# --- facts and the day of knowledge -----------------------------------------------------


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise PortalError("この事案は完了しているため変更できません。")


def revise_facts(*, actor: User, incident: Incident, facts: Facts, reason: str) -> None:
    """Staff correct what is known (a number of people grows, a suspicion is confirmed or
    ruled out); the rules' answer is recomputed, the decision stays as recorded."""
    _require_open(incident)
    reason = _require_text(reason, "更新の理由")
    before = incident.auto_grounds
    for key, value in facts_columns(facts).items():
        setattr(incident, key, value)
    assessment = assess(facts)
    incident.auto_reportable = assessment.reportable
    incident.auto_grounds = [g.value for g in assessment.grounds]
    db.session.flush()
    record(
        actor,
        "incident.facts_revised",
        incident,
        contract_id=incident.contract_id,
        data={"grounds_before": before, "grounds_after": incident.auto_grounds, "reason": reason},
    )


def set_known_on(
    *, actor: User, incident: Incident, known_on: date, reason: str, today: date
) -> None:
    """Staff record the day the city really learned of it (day 1 of the clocks)."""
    _require_open(incident)
    if known_on > today:
        raise PortalError("市が把握した日に未来の日付は指定できません。")
    reason = _require_text(reason, "把握日を変更する理由")
    before = incident.known_on
    incident.known_on = known_on
    incident.known_on_reason = reason
    incident.fiscal_year = fiscal_year(known_on)
    db.session.flush()
    record(
        actor,
        "incident.known_on_changed",
        incident,
        contract_id=incident.contract_id,
        data={"before": before.isoformat(), "after": known_on.isoformat()},
    )


# --- the decision ---------------------------------------------------------------------------


def decide_reportability(
    *,
    actor: User,
    incident: Incident,
    reportable: bool,
    reason: str,
    rules: IncidentRules,
    now: datetime | None = None,
) -> None:
    """The 保護管理者 confirms or changes the rules' answer, always with a written reason."""
    now = now or utcnow()
    _require_open(incident)
    reason = _require_text(reason, "判断の理由")
    previous = incident.reportable
    incident.reportable = reportable
    incident.decision_reason = reason
    incident.decided_by_id = actor.id
    incident.decided_at = now
    incident.status = IncidentStatus.DECIDED
    if incident.notify_individuals is None and reportable:
        incident.notify_individuals = True  # 法第68条第2項
    db.session.flush()
    record(
        actor,
        "incident.reportability_decided",
        incident,
        contract_id=incident.contract_id,
        data={
            "reportable": reportable,
            "auto_reportable": incident.auto_reportable,
            "overrides_rules": reportable != incident.auto_reportable,
            "previous": previous,
        },
        now=now,
    )
    verdict = "報告を要する" if reportable else "報告を要しない"
    tell(
        incident,
        recipients_for(rules.escalation, incident.section_id),
        what="decided",
        subject=f"漏えい等事案の判断: {incident.title}（委員会への{verdict}）",
        body=(
            f"{actor.name}が個人情報保護委員会への報告について「{verdict}」と判断しました。\n"
            f"理由: {reason}\n（{rules.cite('escalation')}）"
        ),
    )


# --- PPC filings, publication and notices -----------------------------------------------------


def record_ppc_filing(
    *, actor: User, incident: Incident, kind: str, filed_on: date, today: date
) -> None:
    """Staff record the day they filed the 速報 or 確報 on the PPC's form (the portal itself
    sends nothing outside)."""
    _require_open(incident)
    if not incident.effective_reportable:
        raise PortalError("委員会への報告を要しない事案です。")
    if kind not in {"sokuho", "kakuho"}:
        raise PortalError("報告の種類が正しくありません。")
    if filed_on > today:
        raise PortalError("報告日に未来の日付は指定できません。")
    if filed_on < incident.known_on:
        raise PortalError("報告日が市の把握日より前になっています。")
    if kind == "kakuho" and (
        incident.sokuho_filed_on is None or filed_on < incident.sokuho_filed_on
    ):
        raise PortalError("確報は速報の後に記録してください。")
    setattr(incident, f"{kind}_filed_on", filed_on)
    db.session.flush()
    record(
        actor,
        f"incident.{kind}_filed",
        incident,
        contract_id=incident.contract_id,
        data={"filed_on": filed_on.isoformat()},
    )


@dataclass(frozen=True)
class ResponseInput:
    notify_individuals: bool
    notify_note: str
    individuals_notified_on: date | None
    publish: bool
    publication_note: str
    published_on: date | None


def decide_response(*, actor: User, incident: Incident, data: ResponseInput, today: date) -> None:
    """本人への通知 and 公表: required notices are tracked to done; when the PPC need not be
    told, what was decided about publication and contacting the people is still recorded
    (入間市 第41条, 広島市 第12 9)."""
    _require_open(incident)
    for d in (data.individuals_notified_on, data.published_on):
        if d is not None and d > today:
            raise PortalError("実施日に未来の日付は指定できません。")
    if (
        incident.effective_reportable
        and not data.notify_individuals
        and not data.notify_note.strip()
    ):
        raise PortalError(
            "報告対象の事案では本人への通知が必要です（個人情報保護法 第68条第2項）。"
            "通知しない場合は、通知が困難な理由と代わりの措置を記入してください。"
        )
    if not data.notify_individuals and data.individuals_notified_on is not None:
        raise PortalError("本人へ通知しない場合、通知日は入力できません。")
    if not data.publish and data.published_on is not None:
        raise PortalError("公表しない場合、公表日は入力できません。")
    if not data.publish and not data.publication_note.strip():
        raise PortalError("公表しない場合は、その理由を記入してください。")
    incident.notify_individuals = data.notify_individuals
    incident.notify_note = data.notify_note.strip()[:MAX_TEXT]
    incident.individuals_notified_on = data.individuals_notified_on
    incident.publish = data.publish
    incident.publication_note = data.publication_note.strip()[:MAX_TEXT]
    incident.published_on = data.published_on
    db.session.flush()
    record(
        actor,
        "incident.response_decided",
        incident,
        contract_id=incident.contract_id,
        data={
            "notify_individuals": data.notify_individuals,
            "notified": data.individuals_notified_on is not None,
            "publish": data.publish,
            "published": data.published_on is not None,
        },
    )


# --- follow-up ------------------------------------------------------------------------------


def record_cause_analysis(*, actor: User, incident: Incident, analysis: str) -> None:
    """原因の分析 (入間市 第39条第5項, 広島市 第12 6)."""
    _require_open(incident)
    incident.cause_analysis = _require_text(analysis, "原因の分析")
    db.session.flush()
    record(actor, "incident.cause_analysed", incident, contract_id=incident.contract_id)


def add_measure(
    *, actor: User, incident: Incident, description: str, owner: str, due_on: date, today: date
) -> IncidentMeasure:
    """A 再発防止策 with who does it and by when."""
    _require_open(incident)
    if due_on < today:
        raise PortalError("期限に過去の日付は指定できません。")
    measure = IncidentMeasure(
        incident=incident,
        description=_require_text(description, "再発防止策"),
        owner=_require_text(owner, "担当", 100),
        due_on=due_on,
        created_by_id=actor.id,
    )
    db.session.add(measure)
    db.session.flush()
    record(
        actor,
        "incident.measure_added",
        measure,
        contract_id=incident.contract_id,
        data={"incident_id": incident.id, "due_on": due_on.isoformat()},
    )
    return measure


def complete_measure(*, actor: User, measure: IncidentMeasure, done_on: date, today: date) -> None:
    _require_open(measure.incident)
    if measure.done_on is not None:
        raise PortalError("この再発防止策は完了済みです。")
    if done_on > today:
        raise PortalError("完了日に未来の日付は指定できません。")
    measure.done_on = done_on
    db.session.flush()
    record(
        actor,
        "incident.measure_done",
        measure,
        contract_id=measure.incident.contract_id,
        data={"incident_id": measure.incident_id, "done_on": done_on.isoformat()},
    )


def share_measures(
    *,
    actor: User,
    incident: Incident,
    section_ids: Sequence[int],
    rules: IncidentRules,
    now: datetime | None = None,
) -> list[IncidentShare]:
    """同種の業務を実施している部局等に再発防止措置を共有 (広島市 第12 6): each chosen section's
    保護管理者 gets the measures (not the case's personal details)."""
    now = now or utcnow()
    _require_open(incident)
    if not incident.measures:
        raise PortalError("共有する再発防止策がありません。先に再発防止策を登録してください。")
    already = {s.section_id for s in incident.shares}
    wanted = [
        sid
        for sid in dict.fromkeys(section_ids)
        if sid not in already and sid != incident.section_id
    ]
    sections = list(db.session.scalars(sa.select(Section).where(Section.id.in_(wanted))))
    if not sections:
        raise PortalError("共有先の課を選択してください（共有済みの課と自課は選べません）。")
    lines = [f"{incident.section.name}で発生した漏えい等事案の再発防止策を共有します。", ""]
    lines += [
        f"・{m.description}（担当: {m.owner}、期限: {wareki_date(m.due_on)}）"
        for m in incident.measures
    ]
    if incident.cause_analysis:
        lines += ["", f"原因: {incident.cause_label}"]
    lines += ["", f"（{rules.cite('sharing')}）"]
    shares = []
    for section in sections:
        share = IncidentShare(
            incident=incident, section_id=section.id, shared_by_id=actor.id, shared_at=now
        )
        db.session.add(share)
        shares.append(share)
        notify(
            recipients=section_managers(section.id),
            kind=KIND_PREFIX + "shared",
            subject=f"再発防止策の共有: {incident.cause_label}の事案（{incident.section.name}）",
            body="\n".join(lines),
            obj=incident,
            url=None,
            dedupe_key=f"incident:{incident.id}:shared:s{section.id}",
        )
    db.session.flush()
    record(
        actor,
        "incident.measures_shared",
        incident,
        contract_id=incident.contract_id,
        data={"sections": [s.id for s in sections]},
        now=now,
    )
    return shares


def closure_blockers(incident: Incident) -> list[str]:
    """What is still missing before the 保護管理者 may close the case."""
    missing = []
    if incident.reportable is None:
        missing.append("委員会への報告の要否を判断してください。")
    if incident.effective_reportable:
        if incident.sokuho_filed_on is None:
            missing.append("速報の報告日を記録してください。")
        if incident.kakuho_filed_on is None:
            missing.append("確報の報告日を記録してください。")
    if incident.notify_individuals is None or incident.publish is None:
        missing.append("本人への通知と公表について判断を記録してください。")
    elif incident.notify_individuals and incident.individuals_notified_on is None:
        missing.append("本人への通知の実施日を記録してください。")
    if incident.publish and incident.published_on is None:
        missing.append("公表の実施日を記録してください。")
    if not incident.cause_analysis:
        missing.append("原因の分析を記録してください。")
    if not incident.measures:
        missing.append("再発防止策を登録してください。")
    elif any(m.done_on is None for m in incident.measures):
        missing.append("未完了の再発防止策があります。")
    return missing


def close_incident(
    *, actor: User, incident: Incident, note: str, now: datetime | None = None
) -> None:
    """The 保護管理者 closes the case once every duty is recorded."""
    now = now or utcnow()
    _require_open(incident)
    missing = closure_blockers(incident)
    if missing:
        raise PortalError("完了にできません: " + " ".join(missing))
    incident.closure_note = _require_text(note, "完了の所見")
    incident.status = IncidentStatus.CLOSED
    incident.closed_by_id = actor.id
    incident.closed_at = now
    db.session.flush()
    record(actor, "incident.closed", incident, contract_id=incident.contract_id, now=now)


# --- the clock as shown and chased --------------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    key: str  # sokuho | kakuho | notice
    label: str
    due: date | None
    filed_on: date | None
    stage: str  # done | waiting | warning | due_today | overdue | not_required
    day: int  # today's day number (day 1 = known_on)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


STAGE_LABELS = {
    "done": "済",
    "waiting": "期限前",
    "warning": "期限が近い",
    "due_today": "本日期限",
    "overdue": "期限超過",
    "not_required": "不要",
}


def incident_deadlines(incident: Incident, rules: IncidentRules) -> Deadlines:
    grounds = [Ground(g) for g in incident.auto_grounds]
    return deadlines(
        incident.known_on,
        unlawful_purpose=kakuho_is_extended(grounds) or incident.unlawful_purpose_risk,
        rules=rules.clocks,
    )


def _stage(today: date, due: date, warn_from: date, filed_on: date | None) -> str:
    if filed_on is not None:
        return "done"
    if today > due:
        return "overdue"
    if today == due:
        return "due_today"
    if today >= warn_from:
        return "warning"
    return "waiting"


def clocks(incident: Incident, rules: IncidentRules, today: date) -> list[ClockState]:
    """The 速報 and 確報 clocks (and the 本人通知 task) of one case for `today`."""
    d = incident_deadlines(incident, rules)
    n = day_number(incident.known_on, today)
    if not incident.effective_reportable:
        return [
            ClockState("sokuho", "速報", None, None, "not_required", n),
            ClockState("kakuho", "確報", None, None, "not_required", n),
        ]
    states = [
        ClockState(
            "sokuho",
            "速報",
            d.sokuho_due,
            incident.sokuho_filed_on,
            _stage(today, d.sokuho_due, d.sokuho_warn_from, incident.sokuho_filed_on),
            n,
        ),
        ClockState(
            "kakuho",
            "確報",
            d.kakuho_due,
            incident.kakuho_filed_on,
            _stage(today, d.kakuho_due, d.kakuho_warn_from, incident.kakuho_filed_on),
            n,
        ),
    ]
    if incident.notify_individuals is not False:
        done = incident.individuals_notified_on
        stage = "done" if done else ("warning" if today >= d.sokuho_warn_from else "waiting")
        states.append(ClockState("notice", "本人への通知", None, done, stage, n))
    return states


def grounds_text(incident: Incident) -> list[str]:
    return [GROUND_LABELS[Ground(g)] for g in incident.auto_grounds]


# --- queries ----------------------------------------------------------------------------------


def open_incidents_for_reminders() -> list[Incident]:
    return list(
        db.session.scalars(
            sa.select(Incident)
            .where(Incident.status != IncidentStatus.CLOSED)
            .options(so.joinedload(Incident.contract))
            .order_by(Incident.id)
        ).unique()
    )


def incidents_of_contract(contract_id: int) -> list[Incident]:
    return list(
        db.session.scalars(
            sa.select(Incident)
            .where(Incident.contract_id == contract_id)
            .order_by(Incident.id.desc())
        )
    )


def company_incident_record(company_id: int, *, since: date | None) -> list[Incident]:
    """The contractor's cases (as the contractor or as the tier where it happened) known on or
    after `since` (the previous inspection), for the next inspection's record."""
    stmt = (
        sa.select(Incident)
        .join(Contract, Contract.id == Incident.contract_id)
        .where(sa.or_(Incident.company_id == company_id, Contract.company_id == company_id))
        .order_by(Incident.known_on.desc(), Incident.id.desc())
    )
    if since is not None:
        stmt = stmt.where(Incident.known_on >= since)
    return list(db.session.scalars(stmt))
