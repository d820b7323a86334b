"""Procurement asks the 保護管理者 to judge a clause; the request reaches them and is answered."""

from __future__ import annotations

import sqlalchemy as sa

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.contract.models import ClauseStatus, ConfirmationRequest, ConfirmationStatus
from portal.notification.models import Notification
from tests.contract.factories import make_check, make_contract
from tests.factories import make_company, make_section, make_user

REASON = "仕様書第4項に「写しを作成してはならない」とあります。"


def _ask(client, csrf_token, contract, key="copying", reason=REASON):
    path = f"/contracts/{contract.id}/clauses/{key}/confirmation"
    return client.post(path, data={"csrf_token": csrf_token(path), "reason": reason})


def _kinds(user):
    from portal.extensions import db

    return [
        n.kind
        for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))
    ]


def test_the_request_reaches_the_sections_manager_and_their_judgement_answers_it(
    db, login_as, csrf_token
):
    section = make_section()
    contract = make_contract(section=section, company=make_company())
    make_check(contract, {"copying": ClauseStatus.MISSING})
    procurement = make_user(Role.PROCUREMENT, section=section)
    manager = make_user(Role.PROTECTION_MANAGER, section=section)
    other_manager = make_user(Role.PROTECTION_MANAGER, section=make_section())

    client = login_as(procurement)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert 'data-testid="ask-copying"' in page
    assert 'data-testid="ask-secrecy"' not in page  # a present clause needs no judgement
    response = _ask(client, csrf_token, contract)

    assert response.status_code == 302
    request = db.session.scalar(sa.select(ConfirmationRequest))
    assert request is not None
    assert request.status == ConfirmationStatus.OPEN
    assert _kinds(manager) == ["clause.confirmation_requested"]
    assert _kinds(other_manager) == []
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "clause.confirmation_requested")
    )
    assert 'data-testid="asked-copying"' in client.get(f"/contracts/{contract.id}").get_data(
        as_text=True
    )

    client = login_as(manager)
    home = client.get("/").get_data(as_text=True)
    assert "条項の確認依頼（1件）" in home
    override_path = f"/contracts/{contract.id}/clauses/copying/override"
    assert REASON in client.get(override_path).get_data(as_text=True)
    client.post(
        override_path,
        data={
            "csrf_token": csrf_token(override_path),
            "status": "present",
            "reason": "仕様書第4項を確認した。",
        },
    )

    db.session.refresh(request)
    assert request.status == ConfirmationStatus.ANSWERED
    assert request.answered_by_id == manager.id
    assert request.override_id is not None
    assert _kinds(procurement) == ["clause.confirmation_answered"]
    assert "条項の確認依頼" not in client.get("/").get_data(as_text=True)


def test_a_second_request_on_the_same_clause_and_an_empty_reason_are_refused(
    db, login_as, csrf_token
):
    section = make_section()
    contract = make_contract(section=section, company=make_company())
    make_check(contract, {"copying": ClauseStatus.MISSING})
    make_user(Role.PROTECTION_MANAGER, section=section)
    client = login_as(make_user(Role.PROCUREMENT, section=section))

    empty = _ask(client, csrf_token, contract, reason="")
    first = _ask(client, csrf_token, contract)
    second = _ask(client, csrf_token, contract)

    assert empty.status_code == 422
    assert first.status_code == 302
    assert second.status_code == 422
    assert "すでに確認を依頼しています" in second.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ConfirmationRequest.id))) == 1


def test_procurement_of_another_section_cannot_ask(db, login_as):
    contract = make_contract(section=make_section(), company=make_company())
    make_check(contract, {"copying": ClauseStatus.MISSING})
    client = login_as(make_user(Role.PROCUREMENT, section=make_section()))

    response = client.get(f"/contracts/{contract.id}/clauses/copying/confirmation")

    assert response.status_code == 404
