"""The incident workflow: report, notification at once, decision with a reason, filings,
response, follow-up and closure — each change audited in the same transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.contract.models import ContractStatus
from portal.errors import PortalError
from portal.incident import services
from portal.incident.assessment import Facts, People
from portal.incident.models import IncidentStatus
from portal.notification.models import Notification
from tests.contract.factories import make_contract
from tests.incident.factories import (
    NOW,
    TODAY,
    World,
    make_incident,
    make_world,
    report_input,
    rules,
)


@pytest.fixture
def world(db) -> World:
    return make_world()


def _actions(obj_id: int) -> list[str]:
    from portal.extensions import db

    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "Incident", AuditEntry.object_id == obj_id)
            .order_by(AuditEntry.seq)
        )
    )


def _notes(user_id: int) -> list[Notification]:
    from portal.extensions import db

    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)))


def test_a_contractors_report_is_assessed_and_counts_from_the_report_date(world):
    incident = make_incident(world)

    assert incident.auto_reportable is True
    assert incident.auto_grounds == ["sensitive", "over_100"]
    assert incident.known_on == TODAY
    assert incident.fiscal_year == 2026
    assert incident.status == IncidentStatus.REPORTED
    assert _actions(incident.id) == ["incident.reported"]


def test_the_protection_manager_is_told_at_once_and_the_chief_because_it_is_reportable(world):
    make_incident(world)

    pm_notes = _notes(world.pm.id)
    chief_notes = _notes(world.chief.id)
    assert [n.kind for n in pm_notes] == ["incident.reported"]
    # Marked for the immediate mail after the commit, not the next day's digest.
    assert pm_notes[0].mail_status == "sending"
    assert [n.kind for n in chief_notes] == ["incident.escalated"]
    assert _notes(world.auditor.id) == []
    assert _notes(world.proc.id) == []


def test_a_case_that_is_not_reportable_tells_only_the_protection_manager(world):
    make_incident(world, facts=Facts(people=People.exact(3)))

    assert len(_notes(world.pm.id)) == 1
    assert _notes(world.chief.id) == []


def test_hiroshima_escalates_a_reportable_case_to_the_auditor_too(world):
    services.report_incident(
        actor=world.contractor, data=report_input(world.contract), rules=rules("hiroshima"), now=NOW
    )

    assert [n.kind for n in _notes(world.auditor.id)] == ["incident.escalated"]
    assert "広島市要綱 第12 3" in _notes(world.auditor.id)[0].body


def test_a_report_on_a_draft_contract_is_refused_and_saves_nothing(world):
    draft = make_contract(section=world.section, company=world.company)

    with pytest.raises(PortalError, match="履行前"):
        services.report_incident(
            actor=world.contractor, data=report_input(draft), rules=rules(), now=NOW
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"discovered_on": date(2026, 12, 6)}, "未来"),
        ({"occurred_on": date(2026, 12, 5)}, "発生日が把握日より後"),
        ({"title": "  "}, "件名を入力"),
        ({"summary": ""}, "事案の概要を入力"),
    ],
)
def test_bad_report_input_is_refused_with_a_japanese_message(world, overrides, message):
    with pytest.raises(PortalError, match=message):
        make_incident(world, **overrides)


def test_only_staff_record_an_earlier_day_of_knowledge_and_with_a_reason(world):
    with pytest.raises(PortalError, match="市の職員"):
        make_incident(world, known_on=date(2026, 12, 1), known_on_reason="電話で聞いた")
    with pytest.raises(PortalError, match="理由"):
        make_incident(world, actor=world.pm, known_on=date(2026, 12, 1))

    incident = make_incident(
        world, actor=world.pm, known_on=date(2026, 12, 1), known_on_reason="12月1日に電話で報告"
    )

    assert incident.known_on == date(2026, 12, 1)


def test_the_protection_manager_changes_the_decision_with_a_reason_and_it_is_audited(world):
    incident = make_incident(world)

    services.decide_reportability(
        actor=world.pm,
        incident=incident,
        reportable=False,
        reason="回収済みで第三者の閲覧がないことを確認",
        rules=rules(),
        now=NOW,
    )

    assert incident.reportable is False
    assert incident.status == IncidentStatus.DECIDED
    assert incident.effective_reportable is False
    entry = _last_audit(incident.id)
    assert entry.action == "incident.reportability_decided"
    assert entry.data["overrides_rules"] is True
    assert "回収済み" not in str(entry.data)  # the reason stays on the case, not in the log


def _last_audit(incident_id: int) -> AuditEntry:
    from portal.extensions import db

    return db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "Incident", AuditEntry.object_id == incident_id)
        .order_by(AuditEntry.seq.desc())
    ).first()


def test_a_decision_without_a_reason_is_refused(world):
    incident = make_incident(world)

    with pytest.raises(PortalError, match="判断の理由"):
        services.decide_reportability(
            actor=world.pm, incident=incident, reportable=True, reason=" ", rules=rules()
        )

    assert incident.reportable is None


def test_the_clocks_show_day_numbers_and_stages(world):
    incident = make_incident(world)

    on_day_3 = services.clocks(incident, rules(), date(2026, 12, 7))
    on_day_6 = services.clocks(incident, rules(), date(2026, 12, 10))

    assert [(c.key, c.due, c.stage) for c in on_day_3][:2] == [
        ("sokuho", date(2026, 12, 9), "warning"),
        ("kakuho", date(2027, 1, 4), "waiting"),
    ]
    assert on_day_3[0].day == 3
    assert on_day_6[0].stage == "overdue"


def test_filing_the_kakuho_before_the_sokuho_is_refused(world):
    incident = make_incident(world)

    with pytest.raises(PortalError, match="速報の後"):
        services.record_ppc_filing(
            actor=world.pm, incident=incident, kind="kakuho", filed_on=TODAY, today=TODAY
        )
    services.record_ppc_filing(
        actor=world.pm, incident=incident, kind="sokuho", filed_on=TODAY, today=TODAY
    )

    assert services.clocks(incident, rules(), TODAY)[0].stage == "done"


def test_not_notifying_the_people_of_a_reportable_case_needs_a_written_reason(world):
    incident = make_incident(world)
    data = services.ResponseInput(
        notify_individuals=False,
        notify_note="",
        individuals_notified_on=None,
        publish=False,
        publication_note="個人が特定されるおそれ",
        published_on=None,
    )

    with pytest.raises(PortalError, match="第68条第2項"):
        services.decide_response(actor=world.pm, incident=incident, data=data, today=TODAY)


def test_a_not_reportable_case_still_records_the_publication_and_contact_decision(world):
    incident = make_incident(world, facts=Facts(people=People.exact(2)))
    data = services.ResponseInput(
        notify_individuals=True,
        notify_note="本人2名に電話で連絡",
        individuals_notified_on=TODAY,
        publish=False,
        publication_note="影響が軽微で本人へ連絡済み",
        published_on=None,
    )

    services.decide_response(actor=world.pm, incident=incident, data=data, today=TODAY)

    assert (incident.publish, incident.individuals_notified_on) == (False, TODAY)
    assert _actions(incident.id)[-1] == "incident.response_decided"


def test_the_case_closes_only_when_every_duty_is_recorded(world):
    incident = make_incident(world)
    with pytest.raises(PortalError, match="完了にできません"):
        services.close_incident(actor=world.pm, incident=incident, note="完了")

    services.decide_reportability(
        actor=world.pm, incident=incident, reportable=True, reason="別表(1)", rules=rules()
    )
    for kind in ("sokuho", "kakuho"):
        services.record_ppc_filing(
            actor=world.pm, incident=incident, kind=kind, filed_on=TODAY, today=TODAY
        )
    services.decide_response(
        actor=world.pm,
        incident=incident,
        data=services.ResponseInput(True, "郵送で通知", TODAY, True, "", TODAY),
        today=TODAY,
    )
    services.record_cause_analysis(actor=world.pm, incident=incident, analysis="二重確認の欠如")
    measure = services.add_measure(
        actor=world.pm,
        incident=incident,
        description="封入時の二人確認",
        owner="委託先 業務責任者",
        due_on=TODAY,
        today=TODAY,
    )
    assert services.closure_blockers(incident) == ["未完了の再発防止策があります。"]
    services.complete_measure(actor=world.pm, measure=measure, done_on=TODAY, today=TODAY)

    services.close_incident(actor=world.pm, incident=incident, note="再発防止策の実施を確認")

    assert incident.status == IncidentStatus.CLOSED
    assert _actions(incident.id)[-1] == "incident.closed"
    with pytest.raises(PortalError, match="完了している"):
        services.record_cause_analysis(actor=world.pm, incident=incident, analysis="x")


def test_sharing_measures_tells_the_other_sections_managers_without_the_personal_details(world):
    from tests.factories import make_section, make_user

    other = make_section()
    other_pm = make_user("protection_manager", section=other)
    incident = make_incident(world)
    services.add_measure(
        actor=world.pm,
        incident=incident,
        description="封入時の二人確認",
        owner="業務責任者",
        due_on=date(2026, 12, 20),
        today=TODAY,
    )

    services.share_measures(
        actor=world.pm, incident=incident, section_ids=[other.id, world.section.id], rules=rules()
    )

    notes = _notes(other_pm.id)
    assert len(notes) == 1
    assert "封入時の二人確認" in notes[0].body
    assert "健診結果の誤送付" not in notes[0].body
    assert notes[0].url is None
    assert [s.section_id for s in incident.shares] == [other.id]


def test_revised_facts_recompute_the_rules_answer_but_keep_the_decision(world):
    incident = make_incident(world, facts=Facts(people=People.exact(3)))
    services.decide_reportability(
        actor=world.pm, incident=incident, reportable=False, reason="3名のみ", rules=rules()
    )

    services.revise_facts(
        actor=world.pm,
        incident=incident,
        facts=replace(incident.facts, unlawful_purpose_risk=True),
        reason="不正アクセスの痕跡を確認",
    )

    assert incident.auto_grounds == ["unlawful_purpose"]
    assert incident.reportable is False
    d = services.incident_deadlines(incident, rules())
    assert d.kakuho_days == 60


def test_a_contract_in_a_closed_state_still_takes_reports(world):
    world.contract.status = ContractStatus.CLOSED

    incident = make_incident(world)

    assert incident.contract_id == world.contract.id


def test_the_auditor_records_ppc_filings_only_where_the_profile_says_so(world):
    from portal.authz.incident import can_record_ppc_filing

    incident = make_incident(world)

    assert can_record_ppc_filing(world.auditor, incident, rules("hiroshima").ppc_reporter)
    assert not can_record_ppc_filing(world.auditor, incident, rules("iruma").ppc_reporter)
    assert can_record_ppc_filing(world.pm, incident, rules("hiroshima").ppc_reporter)
    assert not can_record_ppc_filing(world.proc, incident, rules("iruma").ppc_reporter)
