"""The planning screens, the contractor's list and the dashboard panels."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.inspection.models import Inspection, InspectionStatus, InspectorKind
from portal.subcontract.models import SubcontractStatus
from portal.wareki import fiscal_year, today_jst
from tests.factories import make_user
from tests.inspection.factories import (
    make_contract,
    make_inspection,
    make_tier,
    make_world,
    profile,
)

IRUMA = profile("iruma")


def _token(client):
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _when(days=14):
    return today_jst() + timedelta(days=days)


def test_the_protection_manager_sees_the_sections_targets_with_a_plan_button(db, login_as):
    world = make_world()

    html = login_as(world.pm).get("/inspections").get_data(as_text=True)

    assert f'data-contract="{world.contract.number}" data-tier="0"' in html
    assert f'data-contract="{world.contract.number}" data-tier="1"' in html
    assert f"/inspections/contracts/{world.contract.id}/schedule?tier={world.tier.id}" in html


def test_procurement_staff_see_the_targets_but_no_plan_button(db, login_as):
    world = make_world()

    html = login_as(world.proc).get("/inspections").get_data(as_text=True)

    assert world.contract.number in html
    assert "計画する" not in html


def test_auditors_are_sent_from_the_list_to_the_status_view(db, login_as):
    response = login_as(make_user("auditor")).get("/inspections")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inspections/status")


def test_the_protection_manager_plans_an_inspection_through_the_form(db, login_as):
    world = make_world()
    client = login_as(world.pm)

    response = client.post(
        f"/inspections/contracts/{world.contract.id}/schedule",
        data={
            "csrf_token": _token(client),
            "scheduled_on": _when().isoformat(),
            "method": "onsite",
            "inspector_kind": "city",
            "inspector_id": str(world.proc.id),
        },
    )

    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{inspection.id}")
    assert inspection.inspector_user_id == world.proc.id
    assert inspection.fiscal_year == fiscal_year(_when())


def test_a_written_plan_without_reason_is_refused_on_the_form_with_the_article(db, login_as):
    world = make_world()
    client = login_as(world.pm)

    response = client.post(
        f"/inspections/contracts/{world.contract.id}/schedule",
        data={
            "csrf_token": _token(client),
            "scheduled_on": _when().isoformat(),
            "method": "written",
            "inspector_kind": "city",
            "inspector_id": str(world.pm.id),
        },
    )

    assert response.status_code == 422
    assert "第37条第3項" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_a_tier_is_planned_through_the_contractor_from_the_form(db, login_as):
    world = make_world()
    client = login_as(world.pm)

    client.post(
        f"/inspections/contracts/{world.contract.id}/schedule?tier={world.tier.id}",
        data={
            "csrf_token": _token(client),
            "scheduled_on": _when().isoformat(),
            "method": "onsite",
            "inspector_kind": "via_contractor",
            "inspector_id": "0",
        },
    )

    inspection = db.session.scalars(sa.select(Inspection)).one()
    assert inspection.inspector_kind == InspectorKind.VIA_CONTRACTOR
    assert inspection.inspector_company_id == world.alpha.id


def test_planning_for_another_sections_contract_or_a_foreign_tier_is_not_found(db, login_as):
    world = make_world()
    other = make_world()
    client = login_as(world.pm)

    foreign_contract = client.get(f"/inspections/contracts/{other.contract.id}/schedule")
    foreign_tier = client.get(
        f"/inspections/contracts/{world.contract.id}/schedule?tier={other.tier.id}"
    )

    assert foreign_contract.status_code == 404
    assert foreign_tier.status_code == 404


def test_cancelling_needs_a_reason_and_makes_the_target_unplanned_again(db, login_as):
    world = make_world()
    inspection = make_inspection(
        world.contract, prof=IRUMA, fy=fiscal_year(_when()), scheduled_on=_when()
    )
    client = login_as(world.pm)

    client.post(f"/inspections/{inspection.id}/cancel", data={"csrf_token": _token(client)})
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.SCHEDULED

    client.post(
        f"/inspections/{inspection.id}/cancel",
        data={"csrf_token": _token(client), "reason": "委託先の事業所移転のため延期"},
    )
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.CANCELLED
    assert inspection.cancel_reason == "委託先の事業所移転のため延期"


def test_the_contractor_lists_inspections_of_itself_and_of_the_subcontractor_it_inspects(
    db, login_as
):
    world = make_world()
    fy = fiscal_year(_when())
    own = make_inspection(world.contract, prof=IRUMA, fy=fy, scheduled_on=_when())
    theirs = make_inspection(
        world.contract, prof=IRUMA, fy=fy, tier=world.tier, scheduled_on=_when()
    )
    theirs.inspector_kind = InspectorKind.VIA_CONTRACTOR
    theirs.inspector_company_id = world.alpha.id
    stranger = make_contract(section=world.section, company=world.delta)
    hidden = make_inspection(stranger, prof=IRUMA, fy=fy, scheduled_on=_when())
    db.session.flush()

    html = login_as(world.alpha_user).get("/inspections").get_data(as_text=True)

    assert f"/inspections/{own.id}" in html
    assert f"/inspections/{theirs.id}" in html
    assert "貴社が検査（委託先を通じて）" in html
    assert f'/inspections/{hidden.id}"' not in html


def test_a_tier_inspected_this_year_stays_a_target_after_its_approval_lapses(db):
    from portal.inspection.status import compute_status

    world = make_world()
    fy = fiscal_year(today_jst())
    make_inspection(
        world.contract, prof=IRUMA, fy=fy, tier=world.tier, status=InspectionStatus.RECORDED
    )
    world.tier.status = SubcontractStatus.EXPIRED
    lapsed = make_tier(world.contract, world.delta, status=SubcontractStatus.EXPIRED)
    db.session.flush()

    rows = compute_status(profile=IRUMA, fiscal_year=fy, today=today_jst()).rows

    assert [(r.subcontract_id, r.company_id) for r in rows] == [
        (None, world.alpha.id),
        (world.tier.id, world.gamma.id),
    ]
    assert lapsed.id not in {r.subcontract_id for r in rows}


def test_the_dashboard_shows_an_inspection_panel_to_each_role_that_acts(db, login_as):
    world = make_world()
    make_inspection(world.contract, prof=IRUMA, fy=fiscal_year(_when()), scheduled_on=_when())

    pm = login_as(world.pm).get("/").get_data(as_text=True)
    vendor = login_as(world.alpha_user).get("/").get_data(as_text=True)
    auditor = login_as(make_user("auditor")).get("/").get_data(as_text=True)
    admin = login_as(make_user("admin")).get("/").get_data(as_text=True)

    assert "検査の計画へ" in pm
    assert "回答・資料の提出待ちの検査 <strong>1</strong>件" in vendor
    assert "検査状況（全" in auditor
    assert "検査の計画へ" not in admin
    assert "検査状況（全" not in admin


def test_tampered_plan_fields_get_japanese_messages_and_nothing_is_saved(db, login_as):
    world = make_world()
    client = login_as(world.pm)
    url = f"/inspections/contracts/{world.contract.id}/schedule"

    bad_fields = client.post(
        url,
        data={
            "csrf_token": _token(client),
            "scheduled_on": "2026-99-99",
            "method": "telepathy",
            "inspector_kind": "city",
        },
    ).get_data(as_text=True)
    stranger = client.post(
        url,
        data={
            "csrf_token": _token(client),
            "scheduled_on": _when().isoformat(),
            "method": "onsite",
            "inspector_kind": "city",
            "inspector_id": "999999",
        },
    ).get_data(as_text=True)

    assert "「2026-99-99」は存在しない日付です。" in bad_fields
    assert "方法は実地検査又は書面から選んでください。" in bad_fields
    assert "検査者には、この契約を所管する課の職員を選んでください。" in stranger
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_a_tier_or_inspector_id_beyond_the_id_range_is_not_found_or_refused_in_japanese(
    db, login_as
):
    world = make_world()
    client = login_as(world.pm)
    url = f"/inspections/contracts/{world.contract.id}/schedule"
    huge = "99999999999999999999"

    tier = client.get(f"{url}?tier={huge}")
    inspector = client.post(
        url,
        data={
            "csrf_token": _token(client),
            "scheduled_on": _when().isoformat(),
            "method": "onsite",
            "inspector_kind": "city",
            "inspector_id": huge,
        },
    )

    assert tier.status_code == 200  # out of range = no tier: the contractor itself
    assert inspector.status_code == 422
    assert "検査者には、この契約を所管する課の職員を選んでください。" in inspector.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_a_cancel_reason_that_is_too_long_is_refused_in_japanese(db, login_as):
    world = make_world()
    inspection = make_inspection(
        world.contract, prof=IRUMA, fy=fiscal_year(_when()), scheduled_on=_when()
    )
    client = login_as(world.pm)

    client.post(
        f"/inspections/{inspection.id}/cancel",
        data={"csrf_token": _token(client), "reason": "長" * 2001},
    )

    html = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    db.session.refresh(inspection)
    assert "中止の理由は2000文字以内で入力してください。" in html
    assert inspection.status == InspectionStatus.SCHEDULED


def test_the_auditors_panel_shows_counts_in_the_same_few_queries_for_any_city_size(
    db, login_as, count_queries
):
    from portal.inspection.views import inspection_panel

    world = make_world()
    fy = fiscal_year(today_jst())
    make_inspection(world.contract, prof=IRUMA, fy=fy, scheduled_on=_when())
    auditor = make_user("auditor")
    with count_queries() as small:
        panel = inspection_panel(auditor)
    for _ in range(12):
        make_contract(section=world.section, company=world.delta)

    with count_queries() as large:
        bigger = inspection_panel(auditor)

    html = login_as(auditor).get("/").get_data(as_text=True)
    assert panel.context["city"].inspections["scheduled"] == 1
    assert bigger.context["city"].contracts == 13
    assert len(small) == len(large) == 3
    assert "計画済 <strong>1</strong>" in html
    assert "検査状況（全13契約" in html
