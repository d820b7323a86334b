"""Recording ○ 適正 / △ 指導により改善 / × 改善を要する / - 該当なし per item (龍ヶ崎市 監査結果
一覧の尺度), findings and corrective actions; the contractor answers each action and the
保護管理者 closes it. Complete when recorded; clean when no × has an open action."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.inspection.models import (
    ActionStatus,
    CorrectiveAction,
    InspectionFile,
    InspectionStatus,
    InspectorKind,
    ItemResult,
)
from portal.inspection.rules import TargetStatus
from portal.inspection.services import (
    ActionInput,
    close_corrective_action,
    record_inspection,
    respond_corrective_action,
    return_corrective_action,
)
from portal.inspection.status import compute_status
from portal.wareki import fiscal_year, today_jst
from tests.factories import make_user
from tests.inspection.factories import NOW, make_inspection, make_world, pdf_bytes, profile

IRUMA = profile("iruma")
TODAY = date(2026, 11, 20)


def _results(inspection, **special):
    out = {i.key: ItemResult.OK for i in inspection.items}
    out.update({k: ItemResult(v) for k, v in special.items()})
    return out


def _record(world, inspection, results, actions=(), **kw):
    values = {
        "actor": world.pm,
        "profile": IRUMA,
        "inspection": inspection,
        "results": results,
        "notes": {},
        "findings": "所見",
        "performed_on": date(2026, 11, 10),
        "actions": actions,
        "today": TODAY,
        "now": NOW,
    }
    values.update(kw)
    record_inspection(**values)


def _scheduled(world, **kw):
    return make_inspection(
        world.contract, prof=IRUMA, fy=2026, scheduled_on=date(2026, 11, 10), **kw
    )


def _token(client):
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_recording_every_item_completes_the_inspection_and_is_audited(db):
    world = make_world()
    inspection = _scheduled(world)

    _record(
        world, inspection, _results(inspection, staff="improved", subcontractor="not_applicable")
    )

    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "inspection.recorded")
    ).one()
    assert inspection.status == InspectionStatus.RECORDED
    assert {i.key: i.symbol for i in inspection.items}["staff"] == "△"
    assert {i.key: i.symbol for i in inspection.items}["subcontractor"] == "-"
    assert inspection.is_clean
    assert entry.data["results"] == {"○": 8, "△": 1, "×": 0, "-": 1}


def test_a_needs_improvement_item_without_a_corrective_action_is_refused(db):
    world = make_world()
    inspection = _scheduled(world)

    with pytest.raises(PortalError, match="是正措置"):
        _record(world, inspection, _results(inspection, storage="needs_improvement"))

    assert inspection.status == InspectionStatus.SCHEDULED


def test_a_checklist_item_without_a_result_is_refused(db):
    world = make_world()
    inspection = _scheduled(world)
    results = _results(inspection)
    del results["erasure"]

    with pytest.raises(PortalError, match="未入力"):
        _record(world, inspection, results)


def test_a_performed_date_in_the_future_is_refused(db):
    world = make_world()
    inspection = _scheduled(world)

    with pytest.raises(PortalError, match="未来"):
        _record(world, inspection, _results(inspection), performed_on=TODAY + timedelta(days=1))


def test_a_corrective_action_due_before_the_inspection_is_refused(db):
    world = make_world()
    inspection = _scheduled(world)

    with pytest.raises(PortalError, match="期限"):
        _record(
            world,
            inspection,
            _results(inspection, storage="needs_improvement"),
            actions=[ActionInput("storage", "施錠する", "責任者", date(2026, 11, 1))],
        )


def test_a_recorded_inspection_cannot_be_recorded_again(db):
    world = make_world()
    inspection = _scheduled(world)
    _record(world, inspection, _results(inspection))

    with pytest.raises(PortalError, match="既に結果が記録"):
        _record(world, inspection, _results(inspection))


def test_the_corrective_action_loop_ends_clean_and_the_target_done(db):
    world = make_world()
    inspection = _scheduled(world)
    _record(
        world,
        inspection,
        _results(inspection, storage="needs_improvement"),
        actions=[ActionInput("storage", "書庫を施錠すること", "業務責任者", date(2026, 12, 10))],
    )
    action = inspection.actions[0]
    status_open = compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY).rows[0].status

    respond_corrective_action(actor=world.alpha_user, action=action, response="鍵を付けた", now=NOW)
    return_corrective_action(actor=world.pm, action=action, reason="鍵の管理簿がない")
    assert action.status == ActionStatus.OPEN
    respond_corrective_action(
        actor=world.alpha_user, action=action, response="管理簿も整備した", now=NOW
    )
    assert not inspection.is_clean
    close_corrective_action(actor=world.pm, action=action, note="現地で確認", now=NOW)

    status_done = compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY).rows[0].status
    assert status_open == TargetStatus.ACTIONS_OPEN
    assert action.status == ActionStatus.CLOSED
    assert inspection.is_clean
    assert status_done == TargetStatus.DONE
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.like("inspection.action_%"))
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [
        "inspection.action_responded",
        "inspection.action_returned",
        "inspection.action_responded",
        "inspection.action_closed",
    ]


def test_an_empty_response_to_a_corrective_action_is_refused(db):
    world = make_world()
    inspection = make_inspection(
        world.contract,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        actions=[("storage", ActionStatus.OPEN, date(2026, 12, 1))],
    )

    with pytest.raises(PortalError, match="対応内容"):
        respond_corrective_action(
            actor=world.alpha_user, action=inspection.actions[0], response="  ", now=NOW
        )


# --- through the web ---------------------------------------------------------------


def _today_inspection(world, **kw):
    today = today_jst()
    return make_inspection(
        world.contract, prof=IRUMA, fy=fiscal_year(today), scheduled_on=today, **kw
    )


def _record_form(client, inspection, **special):
    data = {"csrf_token": _token(client), "performed_on": today_jst().isoformat()}
    for item in inspection.items:
        data[f"result-{item.key}"] = special.get(item.key, "ok")
    return data


def test_the_protection_manager_records_through_the_form_with_a_corrective_action(db, login_as):
    world = make_world()
    inspection = _today_inspection(world)
    client = login_as(world.pm)
    due = (today_jst() + timedelta(days=30)).isoformat()
    data = _record_form(client, inspection, storage="needs_improvement")
    data |= {
        "action-storage-description": "書庫を施錠",
        "action-storage-owner": "業務責任者",
        "action-storage-due": due,
        "findings": "施錠管理に不備",
    }

    response = client.post(f"/inspections/{inspection.id}/record", data=data)

    db.session.refresh(inspection)
    assert response.status_code == 302
    assert inspection.status == InspectionStatus.RECORDED
    assert inspection.actions[0].item.key == "storage"
    assert inspection.actions[0].due_on.isoformat() == due


def test_the_form_shows_the_rule_when_a_cross_has_no_action_and_saves_nothing(db, login_as):
    world = make_world()
    inspection = _today_inspection(world)
    client = login_as(world.pm)

    response = client.post(
        f"/inspections/{inspection.id}/record",
        data=_record_form(client, inspection, storage="needs_improvement"),
    )

    assert response.status_code == 422
    assert "是正措置（内容・担当・期限）を入力してください" in response.get_data(as_text=True)
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.SCHEDULED


def test_a_tampered_result_value_gets_a_clear_message(db, login_as):
    world = make_world()
    inspection = _today_inspection(world)
    client = login_as(world.pm)

    response = client.post(
        f"/inspections/{inspection.id}/record",
        data=_record_form(client, inspection, storage="<script>"),
    )

    assert response.status_code == 422
    assert "○ △ × - のいずれか" in response.get_data(as_text=True)


def test_the_named_inspector_may_record_but_other_staff_of_the_section_may_not(db, login_as):
    world = make_world()
    inspection = _today_inspection(world, inspector=world.proc)
    other = make_user("procurement", section=world.section)

    assert login_as(world.proc).get(f"/inspections/{inspection.id}/record").status_code == 200
    assert login_as(other).get(f"/inspections/{inspection.id}/record").status_code == 403


def test_the_contractor_records_its_subcontractors_inspection_through_the_contractor(db, login_as):
    world = make_world()
    inspection = _today_inspection(world, tier=world.tier)
    inspection.inspector_kind = InspectorKind.VIA_CONTRACTOR
    inspection.inspector_company_id = world.alpha.id
    db.session.flush()
    alpha = login_as(world.alpha_user)

    response = alpha.post(
        f"/inspections/{inspection.id}/record", data=_record_form(alpha, inspection)
    )

    db.session.refresh(inspection)
    assert response.status_code == 302
    assert inspection.status == InspectionStatus.RECORDED
    assert inspection.recorded_by_id == world.alpha_user.id
    gamma = login_as(world.gamma_user)
    assert gamma.get(f"/inspections/{inspection.id}/record").status_code == 403


def test_the_contractor_answers_an_action_with_a_file_and_the_manager_closes_it(db, login_as):
    world = make_world()
    inspection = make_inspection(
        world.contract,
        prof=IRUMA,
        fy=fiscal_year(today_jst()),
        status=InspectionStatus.RECORDED,
        actions=[("storage", ActionStatus.OPEN, today_jst() + timedelta(days=10))],
    )
    action_id = inspection.actions[0].id
    alpha = login_as(world.alpha_user)

    alpha.post(
        f"/inspections/actions/{action_id}/respond",
        data={
            "csrf_token": _token(alpha),
            "response": "施錠できる書庫に移しました",
            "file": (io.BytesIO(pdf_bytes()), "写真台帳.pdf"),
        },
        content_type="multipart/form-data",
    )
    pm = login_as(world.pm)
    pm.post(
        f"/inspections/actions/{action_id}/decide",
        data={"csrf_token": _token(pm), "decision": "close", "note": "確認した"},
    )

    action = db.session.get(CorrectiveAction, action_id)
    db.session.refresh(action)
    evidence = db.session.scalars(sa.select(InspectionFile)).one()
    assert action.status == ActionStatus.CLOSED
    assert action.response == "施錠できる書庫に移しました"
    assert evidence.action_id == action_id


def test_a_protection_manager_of_another_section_cannot_close_the_action(db, login_as):
    world = make_world()
    inspection = make_inspection(
        world.contract,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        actions=[("storage", ActionStatus.RESPONDED, date(2026, 12, 1))],
    )
    stranger = login_as(make_user("protection_manager"))

    response = stranger.post(
        f"/inspections/actions/{inspection.actions[0].id}/decide",
        data={"csrf_token": _token(stranger), "decision": "close"},
    )

    assert response.status_code == 404
