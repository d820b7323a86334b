"""Inspection services: plan, evidence, record, corrective actions.

Every function takes the acting user and the city's `profile` explicitly (views pass
`current_profile()`; tests pass any profile), changes data, writes the audit entry in the same
transaction, flushes and never commits: the view commits once, so a state change and its audit
entry land together. Business rules raise PortalError (Japanese); uploads go through the shared
intake (portal.uploads), whose refusals are UploadRejected.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import Actor, Role, User
from portal.audit.services import record
from portal.contract.models import Contract, ContractStatus
from portal.errors import PortalError
from portal.extensions import db
from portal.filecheck.images import ACCEPTED_IMAGE_KINDS
from portal.filecheck.sniff import FileKind
from portal.filestore import get_filestore, new_key
from portal.inspection.models import (
    OPEN_STATUSES,
    RESULT_SYMBOLS,
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionFile,
    InspectionItem,
    InspectionMethod,
    InspectionStatus,
    InspectorKind,
    ItemResult,
)
from portal.inspection.rules import method_counts, written_needs_reason
from portal.notification.recipients import company_users, section_managers
from portal.notification.services import notify
from portal.profile import Profile
from portal.subcontract.models import SubcontractRequest
from portal.subcontract.services import approved_tiers
from portal.uploads import UploadLimits, served_label, take
from portal.wareki import fiscal_year, wareki_date

MAX_ANSWER = 4000
MAX_FINDINGS = 20000
MAX_REASON = 2000
EVIDENCE_KINDS = frozenset({FileKind.PDF, FileKind.DOCX, FileKind.XLSX} | ACCEPTED_IMAGE_KINDS)


@dataclass(frozen=True)
class ActionInput:
    """A corrective action entered with the record (or later)."""

    item_key: str | None
    description: str
    owner: str
    due_on: date | None


def inspection_url(inspection: Inspection) -> str:
    return f"/inspections/{inspection.id}"


# --- recipients ------------------------------------------------------------------------


def inspector_candidates(section_id: int) -> list[User]:
    """City staff who may be named inspector: the section's 契約担当 and 保護管理者."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.role.in_([Role.PROCUREMENT, Role.PROTECTION_MANAGER]),
                User.section_id == section_id,
                User.is_active,
            )
            .order_by(User.role.desc(), User.name)
        )
    )


def _few(labels: list[str]) -> str:
    return "、".join(labels[:3]) + ("ほか" if len(labels) > 3 else "")


# --- plan ------------------------------------------------------------------------------


def _check_plan(
    *,
    profile: Profile,
    contract: Contract,
    subcontract: SubcontractRequest | None,
    scheduled_on: date,
    method: InspectionMethod,
    written_reason: str,
    inspector_kind: InspectorKind,
    inspector: User | None,
    today: date,
    exclude_id: int | None = None,
) -> dict[str, Any]:
    """Validate a plan; returns the Inspection columns it sets (schedule and reschedule)."""
    rules = profile.inspection
    if contract.status != ContractStatus.ACTIVE:
        raise PortalError("履行中の契約についてのみ検査を計画できます。")
    if not contract.period_start <= scheduled_on <= contract.period_end:
        raise PortalError(
            f"検査日は契約期間（{wareki_date(contract.period_start)}〜"
            f"{wareki_date(contract.period_end)}）内の日付にしてください。"
        )
    fy = fiscal_year(scheduled_on)
    if fy < fiscal_year(today):
        raise PortalError("過去の年度の検査は計画できません。")
    if subcontract is not None and subcontract.id not in {t.id for t in approved_tiers(contract)}:
        raise PortalError("承認済みの再委託先についてのみ検査を計画できます。")
    if method == InspectionMethod.WRITTEN:
        if written_needs_reason(rules) and not written_reason.strip():
            # 入間市 第37条第3項 / 広島市 第10 4: 原則として実地検査
            raise PortalError(
                f"{profile.cite('inspection') or profile.rule_title}では原則として実地検査です。"
                "書面で確認する場合は、その理由を記入してください。"
            )
        if len(written_reason) > MAX_REASON:
            raise PortalError(f"理由は{MAX_REASON}文字以内で入力してください。")
    inspector_company_id: int | None = None
    if inspector_kind == InspectorKind.VIA_CONTRACTOR:
        # 第37条第4項: 委託先を通じて — only for a subcontractor, by the company one tier up.
        if subcontract is None:
            raise PortalError("「委託先を通じて」の検査は再委託先に対してのみ選べます。")
        inspector_company_id = subcontract.requester_company_id
    else:
        if (
            inspector is None
            or not inspector.is_active
            or inspector.role not in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}
            or inspector.section_id != contract.section_id
        ):
            raise PortalError("検査者には、この契約を所管する課の職員を選んでください。")
    clash = db.session.scalar(
        sa.select(Inspection.id).where(
            Inspection.contract_id == contract.id,
            Inspection.subcontract_id.is_(None)
            if subcontract is None
            else Inspection.subcontract_id == subcontract.id,
            Inspection.fiscal_year == fy,
            Inspection.status.in_(list(OPEN_STATUSES)),
            Inspection.id != (exclude_id or 0),
        )
    )
    if clash is not None:
        raise PortalError("この対象には、同じ年度に結果未記録の検査が既に計画されています。")
    city = inspector_kind == InspectorKind.CITY
    return {
        "fiscal_year": fy,
        "scheduled_on": scheduled_on,
        "method": method,
        "written_reason": written_reason.strip() if method == InspectionMethod.WRITTEN else "",
        "inspector_kind": inspector_kind,
        "inspector_user_id": inspector.id if city and inspector else None,
        "inspector_company_id": inspector_company_id,
    }


def schedule_inspection(
    *,
    actor: Actor,
    profile: Profile,
    contract: Contract,
    subcontract: SubcontractRequest | None,
    scheduled_on: date,
    method: InspectionMethod,
    written_reason: str = "",
    inspector_kind: InspectorKind = InspectorKind.CITY,
    inspector: User | None = None,
    today: date,
) -> Inspection:
    """The section's 保護管理者 plans the yearly check of a contract or an approved tier
    (入間市 第37条第3項・第4項). The checklist is copied from the profile; the inspected
    company is asked for evidence."""
    plan = _check_plan(
        profile=profile,
        contract=contract,
        subcontract=subcontract,
        scheduled_on=scheduled_on,
        method=method,
        written_reason=written_reason,
        inspector_kind=inspector_kind,
        inspector=inspector,
        today=today,
    )
    company_id = subcontract.subcontractor_id if subcontract else contract.company_id
    inspection = Inspection(
        contract=contract,
        subcontract=subcontract,
        company_id=company_id,
        status=InspectionStatus.SCHEDULED,
        profile=profile.name,
        created_by_id=actor.id,
        **plan,
    )
    db.session.add(inspection)
    for n, item in enumerate(profile.inspection.checklist, start=1):
        db.session.add(
            InspectionItem(inspection=inspection, position=n, key=item.key, label=item.label)
        )
    db.session.flush()
    record(
        actor,
        "inspection.scheduled",
        inspection,
        contract_id=contract.id,
        data={
            "fiscal_year": inspection.fiscal_year,
            "subcontract_id": subcontract.id if subcontract else None,
            "scheduled_on": scheduled_on.isoformat(),
            "method": method.value,
            "inspector_kind": inspector_kind.value,
            "counts_for_year": method_counts(profile.inspection, method),
        },
    )
    notify(
        recipients=company_users([company_id, inspection.inspector_company_id]),
        kind="inspection.scheduled",
        subject=f"検査の予定（{wareki_date(scheduled_on)}）: {contract.title}",
        body=(
            "個人情報の取扱状況の検査が予定されました。検査日までにチェックリストへの回答と"
            "根拠資料の提出をお願いします。"
        ),
        obj=inspection,
        url=inspection_url(inspection),
        contract_id=contract.id,
    )
    return inspection


def reschedule_inspection(
    *,
    actor: Actor,
    profile: Profile,
    inspection: Inspection,
    scheduled_on: date,
    method: InspectionMethod,
    written_reason: str = "",
    inspector_kind: InspectorKind = InspectorKind.CITY,
    inspector: User | None = None,
    today: date,
) -> None:
    """Change the date, method or inspector of an inspection not yet recorded."""
    if not inspection.is_open:
        raise PortalError("結果を記録した検査・中止した検査は変更できません。")
    plan = _check_plan(
        profile=profile,
        contract=inspection.contract,
        subcontract=inspection.subcontract,
        scheduled_on=scheduled_on,
        method=method,
        written_reason=written_reason,
        inspector_kind=inspector_kind,
        inspector=inspector,
        today=today,
        exclude_id=inspection.id,
    )
    before = {
        "scheduled_on": inspection.scheduled_on.isoformat(),
        "method": inspection.method.value,
    }
    for column, value in plan.items():
        setattr(inspection, column, value)
    db.session.flush()
    record(
        actor,
        "inspection.rescheduled",
        inspection,
        contract_id=inspection.contract_id,
        data={
            "before": before,
            "after": {"scheduled_on": scheduled_on.isoformat(), "method": method.value},
        },
    )
    notify(
        recipients=company_users([inspection.company_id, inspection.inspector_company_id]),
        kind="inspection.rescheduled",
        subject=f"検査の予定が変更されました（{wareki_date(scheduled_on)}）",
        obj=inspection,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )


def cancel_inspection(*, actor: Actor, inspection: Inspection, reason: str) -> None:
    """Cancel a planned inspection with a reason (the target becomes unplanned again)."""
    if not inspection.is_open:
        raise PortalError("結果を記録した検査・中止した検査は中止できません。")
    reason = reason.strip()
    if not reason:
        raise PortalError("中止の理由を入力してください。")
    if len(reason) > MAX_REASON:
        raise PortalError(f"理由は{MAX_REASON}文字以内で入力してください。")
    inspection.status = InspectionStatus.CANCELLED
    inspection.cancel_reason = reason
    db.session.flush()
    record(actor, "inspection.cancelled", inspection, contract_id=inspection.contract_id)
    notify(
        recipients=company_users([inspection.company_id, inspection.inspector_company_id]),
        kind="inspection.cancelled",
        subject="予定されていた検査が中止されました",
        obj=inspection,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )


# --- evidence --------------------------------------------------------------------------


def _require_evidence_window(inspection: Inspection, today: date) -> None:
    if not inspection.is_open:
        raise PortalError("この検査は結果が記録済み又は中止のため、資料を提出できません。")
    if today > inspection.scheduled_on:
        raise PortalError(
            f"検査日（{wareki_date(inspection.scheduled_on)}）を過ぎたため、資料の提出はできません。"
            "所管課の保護管理者に連絡してください。"
        )


def _item_by_key(inspection: Inspection, key: str | None) -> InspectionItem | None:
    if not key:
        return None
    for item in inspection.items:
        if item.key == key:
            return item
    raise PortalError("確認項目の指定が正しくありません。")


def save_answers(
    *,
    actor: Actor,
    inspection: Inspection,
    answers: Mapping[str, str],
    submit: bool,
    today: date,
    now: datetime,
) -> None:
    """The inspected company answers the checklist; `submit` hands it in (every item answered)."""
    _require_evidence_window(inspection, today)
    items = {i.key: i for i in inspection.items}
    unknown = set(answers) - set(items)
    if unknown:
        raise PortalError("確認項目の指定が正しくありません。")
    for key, text in answers.items():
        text = text.strip()
        if len(text) > MAX_ANSWER:
            raise PortalError(f"回答は1項目{MAX_ANSWER}文字以内で入力してください。")
        if text != items[key].answer:
            items[key].answer = text
            items[key].answered_at = now
    if submit:
        missing = [i.label for i in inspection.items if not i.answer]
        if missing:
            raise PortalError(
                f"提出する前に、すべての確認項目に回答してください（未回答: {_few(missing)}）。"
            )
        inspection.status = InspectionStatus.EVIDENCE_SUBMITTED
        inspection.evidence_submitted_at = now
    db.session.flush()
    record(
        actor,
        "inspection.evidence_submitted" if submit else "inspection.answers_saved",
        inspection,
        contract_id=inspection.contract_id,
        data={"answered": sum(1 for i in inspection.items if i.answer)},
    )
    if submit:
        recipients = section_managers(inspection.contract.section_id)
        if inspection.inspector_user is not None:
            recipients.append(inspection.inspector_user)
        recipients += company_users([inspection.inspector_company_id])
        notify(
            recipients=recipients,
            kind="inspection.evidence_submitted",
            subject=f"検査資料が提出されました: {inspection.contract.title}",
            obj=inspection,
            url=inspection_url(inspection),
            contract_id=inspection.contract_id,
        )


def _store_validated(
    path: Path, filename: str, *, limits: UploadLimits, now: datetime, notices: list[str] | None
) -> tuple[InspectionFile, FileKind]:
    """The shared intake (portal.uploads), then the blob; returns an unsaved row with it set.

    What is stored is the cleaned copy: PDFs without properties, XMP, しおり, JavaScript and
    actions; photos re-encoded without EXIF/GPS; Word/Excel without document properties
    (広島市要綱 第6 7). Anything else is refused. `notices` receives what was removed.
    """
    with tempfile.TemporaryDirectory(prefix="insp-clean-") as tmp:
        intake = take(path, filename, allowed=EVIDENCE_KINDS, limits=limits, workdir=Path(tmp))
        with intake.path.open("rb") as fh:
            blob = get_filestore().save(new_key("inspection", now=now), fh, intake.content_type)
    row = InspectionFile(file_kind=intake.kind.value)
    row.set_blob(blob, filename=intake.filename, content_type=intake.content_type)
    row.cleaned = intake.cleaned
    if notices is not None:
        notices.extend(intake.removed)
    return row, intake.kind


def add_evidence_file(
    *,
    actor: Actor,
    inspection: Inspection,
    path: Path,
    filename: str,
    item_key: str | None,
    limits: UploadLimits,
    today: date,
    now: datetime,
    notices: list[str] | None = None,
) -> InspectionFile:
    """The inspected company uploads one evidence file (through the shared intake)."""
    _require_evidence_window(inspection, today)
    item = _item_by_key(inspection, item_key)
    removed: list[str] = []
    row, kind = _store_validated(path, filename, limits=limits, now=now, notices=removed)
    if notices is not None:
        notices.extend(removed)
    row.inspection = inspection
    row.item = item
    row.uploaded_by_id = actor.id
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "inspection.evidence_uploaded",
        row,
        contract_id=inspection.contract_id,
        data={
            "inspection_id": inspection.id,
            "item": item.key if item else None,
            "kind": kind.value,
            "size": row.size,
            "sha256": row.sha256,
            "served": "cleaned",
            "removed": removed,
        },
    )
    return row


def record_download(*, actor: Actor, file: InspectionFile) -> None:
    """アクセス記録 (入間市 第20条): every download of evidence is audited."""
    record(
        actor,
        "document.downloaded",
        file,
        contract_id=file.inspection.contract_id,
        data={
            "inspection_id": file.inspection_id,
            "size": file.size,
            "served": served_label(file.cleaned),
        },
    )


# --- record ----------------------------------------------------------------------------


def _check_action(action: ActionInput, *, not_before: date) -> None:
    if not action.description.strip():
        raise PortalError("是正措置の内容を入力してください。")
    if not action.owner.strip():
        raise PortalError("是正措置の担当（責任者）を入力してください。")
    if action.due_on is None:
        raise PortalError("是正措置の期限を入力してください。")
    if action.due_on < not_before:
        raise PortalError("是正措置の期限は検査日以降の日付にしてください。")
    if len(action.description) > MAX_ANSWER or len(action.owner) > 200:
        raise PortalError("是正措置の内容・担当が長すぎます。")


def _new_action(
    actor: Actor, inspection: Inspection, item: InspectionItem | None, data: ActionInput
) -> CorrectiveAction:
    if data.due_on is None:  # _check_action ran first; keeps the type checker honest
        raise PortalError("是正措置の期限を入力してください。")
    action = CorrectiveAction(
        inspection=inspection,
        item=item,
        description=data.description.strip(),
        owner=data.owner.strip(),
        due_on=data.due_on,
        status=ActionStatus.OPEN,
        created_by_id=actor.id,
    )
    db.session.add(action)
    return action


def record_inspection(
    *,
    actor: Actor,
    profile: Profile,
    inspection: Inspection,
    results: Mapping[str, ItemResult],
    notes: Mapping[str, str],
    findings: str,
    performed_on: date,
    actions: Sequence[ActionInput] = (),
    today: date,
    now: datetime,
) -> None:
    """The inspector records ○△×- per item, findings and corrective actions. Every × item
    (改善を要する) needs a corrective action with owner and due date. The inspection is then
    complete; it is clean once no × item has an open action."""
    if not inspection.is_open:
        raise PortalError("この検査は既に結果が記録されているか、中止されています。")
    if performed_on > today:
        raise PortalError("実施日に未来の日付は指定できません。")
    if fiscal_year(performed_on) != inspection.fiscal_year:
        raise PortalError("実施日は検査を計画した年度内の日付にしてください。")
    items = {i.key: i for i in inspection.items}
    if set(results) - set(items) or set(notes) - set(items):
        raise PortalError("確認項目の指定が正しくありません。")
    missing = [i.label for i in inspection.items if i.key not in results]
    if missing:
        raise PortalError(
            "すべての確認項目に結果（○ 適正 / △ 指導により改善 / × 改善を要する / - 該当なし）"
            f"を入力してください（未入力: {_few(missing)}）。"
        )
    if len(findings) > MAX_FINDINGS or any(len(n) > MAX_ANSWER for n in notes.values()):
        raise PortalError("所見・備考が長すぎます。")
    for action in actions:
        if action.item_key is not None and action.item_key not in items:
            raise PortalError("確認項目の指定が正しくありません。")
        _check_action(action, not_before=performed_on)
    covered = {a.item_key for a in actions}
    uncovered = [
        items[k].label
        for k, r in results.items()
        if r == ItemResult.NEEDS_IMPROVEMENT and k not in covered
    ]
    if uncovered:
        raise PortalError(
            "×（改善を要する）とした項目には是正措置（内容・担当・期限）を入力してください"
            f"（{'、'.join(uncovered)}）。"
        )
    for key, item in items.items():
        item.result = results[key]
        item.note = notes.get(key, "").strip()
    for data in actions:
        _new_action(actor, inspection, items[data.item_key] if data.item_key else None, data)
    inspection.findings = findings.strip()
    inspection.performed_on = performed_on
    inspection.status = InspectionStatus.RECORDED
    inspection.recorded_at = now
    inspection.recorded_by_id = actor.id
    db.session.flush()
    tally = {RESULT_SYMBOLS[r]: 0 for r in ItemResult}
    for r in results.values():
        tally[RESULT_SYMBOLS[r]] += 1
    record(
        actor,
        "inspection.recorded",
        inspection,
        contract_id=inspection.contract_id,
        data={
            "performed_on": performed_on.isoformat(),
            "results": tally,
            "actions": len(actions),
            "counts_for_year": method_counts(profile.inspection, inspection.method),
        },
    )
    notify(
        recipients=[
            *company_users([inspection.company_id]),
            *section_managers(inspection.contract.section_id),
        ],
        kind="inspection.recorded",
        subject=f"検査結果が記録されました: {inspection.contract.title}",
        body=f"是正措置 {len(actions)} 件" if actions else "",
        obj=inspection,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )


# --- corrective actions ----------------------------------------------------------------


def add_corrective_action(
    *, actor: Actor, inspection: Inspection, data: ActionInput
) -> CorrectiveAction:
    """Add a corrective action to a recorded inspection (e.g. found while following up)."""
    if inspection.status != InspectionStatus.RECORDED:
        raise PortalError("是正措置は検査結果の記録後に追加できます。")
    item = _item_by_key(inspection, data.item_key)
    _check_action(data, not_before=inspection.performed_on or inspection.scheduled_on)
    action = _new_action(actor, inspection, item, data)
    db.session.flush()
    record(
        actor,
        "inspection.action_added",
        action,
        contract_id=inspection.contract_id,
        data={"inspection_id": inspection.id, "due_on": action.due_on.isoformat()},
    )
    notify(
        recipients=company_users([inspection.company_id]),
        kind="inspection.action_added",
        subject=f"是正措置が求められています（期限 {wareki_date(action.due_on)}）",
        obj=action,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )
    return action


def respond_corrective_action(
    *,
    actor: Actor,
    action: CorrectiveAction,
    response: str,
    file: tuple[Path, str] | None = None,
    limits: UploadLimits | None = None,
    now: datetime,
    notices: list[str] | None = None,
) -> None:
    """The inspected company reports what it changed, optionally with an evidence file."""
    if action.status == ActionStatus.CLOSED:
        raise PortalError("この是正措置は完了しています。")
    response = response.strip()
    if not response:
        raise PortalError("対応内容を入力してください。")
    if len(response) > MAX_ANSWER:
        raise PortalError(f"対応内容は{MAX_ANSWER}文字以内で入力してください。")
    inspection = action.inspection
    stored: InspectionFile | None = None
    if file is not None:
        if limits is None:
            raise ValueError("limits are required with a file")
        stored, _kind = _store_validated(file[0], file[1], limits=limits, now=now, notices=notices)
        stored.inspection = inspection
        stored.action = action
        stored.uploaded_by_id = actor.id
        db.session.add(stored)
    action.response = response
    action.responded_at = now
    action.responded_by_id = actor.id
    action.status = ActionStatus.RESPONDED
    db.session.flush()
    record(
        actor,
        "inspection.action_responded",
        action,
        contract_id=inspection.contract_id,
        data={"inspection_id": inspection.id, "file_id": stored.id if stored else None},
    )
    notify(
        recipients=section_managers(inspection.contract.section_id),
        kind="inspection.action_responded",
        subject=f"是正措置への対応が報告されました: {inspection.contract.title}",
        obj=action,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )


def _decided(actor: Actor, action: CorrectiveAction, verb: str, subject: str, body: str) -> None:
    """Audit and tell the inspected company what the 保護管理者 decided on its response."""
    db.session.flush()
    inspection = action.inspection
    record(
        actor,
        f"inspection.action_{verb}",
        action,
        contract_id=inspection.contract_id,
        data={"inspection_id": inspection.id},
    )
    notify(
        recipients=company_users([inspection.company_id]),
        kind=f"inspection.action_{verb}",
        subject=subject,
        body=body,
        obj=action,
        url=inspection_url(inspection),
        contract_id=inspection.contract_id,
    )


def close_corrective_action(
    *, actor: Actor, action: CorrectiveAction, note: str, now: datetime
) -> None:
    """The 保護管理者 confirms the improvement and closes the action."""
    if action.status == ActionStatus.CLOSED:
        raise PortalError("この是正措置は既に完了しています。")
    if len(note) > MAX_REASON:
        raise PortalError(f"確認メモは{MAX_REASON}文字以内で入力してください。")
    action.status = ActionStatus.CLOSED
    action.decision_note = note.strip()
    action.closed_at = now
    action.closed_by_id = actor.id
    _decided(actor, action, "closed", "是正措置の完了が確認されました", "")


def return_corrective_action(*, actor: Actor, action: CorrectiveAction, reason: str) -> None:
    """The 保護管理者 finds the response insufficient: back to the contractor with a reason."""
    if action.status != ActionStatus.RESPONDED:
        raise PortalError("回答済みの是正措置のみ差し戻せます。")
    reason = reason.strip()
    if not reason:
        raise PortalError("差し戻す理由を入力してください。")
    if len(reason) > MAX_REASON:
        raise PortalError(f"理由は{MAX_REASON}文字以内で入力してください。")
    action.status = ActionStatus.OPEN
    action.decision_note = reason
    _decided(actor, action, "returned", "是正措置への対応が差し戻されました", reason)


# --- lists -----------------------------------------------------------------------------


def inspections_for_company(company_id: int, *, fiscal_years: Iterable[int]) -> list[Inspection]:
    """A contractor's inspections: as the inspected company or as the inspecting one."""
    return list(
        db.session.scalars(
            sa.select(Inspection)
            .where(
                sa.or_(
                    Inspection.company_id == company_id,
                    Inspection.inspector_company_id == company_id,
                ),
                Inspection.fiscal_year.in_(list(fiscal_years)),
                Inspection.status != InspectionStatus.CANCELLED,
            )
            .options(
                so.joinedload(Inspection.contract),
                so.joinedload(Inspection.company),
                so.selectinload(Inspection.actions),
            )
            .order_by(Inspection.scheduled_on.desc(), Inspection.id.desc())
        ).unique()
    )
