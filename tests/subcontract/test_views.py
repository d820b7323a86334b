"""The 再委託 screens over HTTP: forms, queue, detail, decisions, chain, CSV, visibility."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.contract.models import ContractStatus
from portal.org.corporate_number import with_check_digit
from portal.subcontract.models import SubcontractDocument, SubcontractRequest, SubcontractStatus
from tests.factories import make_user
from tests.subcontract.factories import make_contract, make_request, make_world, snapshot

FORM = {
    "subcontractor_id": "0",
    "new_name": "ＮＥＷデータ株式会社",
    "new_corporate_number": "",
    "new_address": "埼玉県入間市豊岡１－１",
    "certificate_kind": "",
    "work_part": "入力業務の一部",
    "pi_description": "氏名、住所",
    "people_count": "１２００",
    "location": "contractor_site",
    "location_detail": "入間市の事業所",
    "reason": "繁忙期対応",
    "safeguards": "入退室管理",
    "same_measures_pledged": "y",
}


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, path
    return match.group(1)


def _post_form(client, path: str, **overrides):
    data = {**FORM, "csrf_token": _token(client, path), **overrides}
    return client.post(path, data=data, content_type="multipart/form-data")


def _flashes(client, response) -> str:
    page = client.get(response.headers["Location"]) if response.status_code == 302 else response
    return page.get_data(as_text=True)


# --- request form -------------------------------------------------------------------------


def test_contractor_submits_a_request_for_a_new_company_from_the_form(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    number = with_check_digit("720000000001")

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=f"{number[:4]}-{number[4:8]}-{number[8:]}",
        submit_request="申請する",
    )

    assert response.status_code == 302
    sub = db.session.scalars(sa.select(SubcontractRequest)).one()
    assert sub.status == SubcontractStatus.SUBMITTED
    assert sub.subcontractor.corporate_number == number
    assert sub.subcontractor.name == "NEWデータ株式会社"  # NFKC
    assert sub.people_count == 1200
    assert "申請しました。" in _flashes(client, response)


def test_saving_a_draft_with_missing_items_keeps_it_and_says_what_is_missing(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        reason="",
        submit_request="申請する",
    )

    sub = db.session.scalars(sa.select(SubcontractRequest)).one()
    assert sub.status == SubcontractStatus.DRAFT
    assert sub.subcontractor_id == w.gamma.id
    assert response.headers["Location"].endswith(f"/subcontracts/{sub.id}/edit")
    assert "申請はできませんでした。次の項目を入力してから申請してください: 再委託が必要な理由" in (
        _flashes(client, response)
    )


def test_a_bad_corporate_number_is_refused_in_japanese_and_nothing_is_saved(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    before = snapshot()

    response = _post_form(
        client, f"/subcontracts/contract/{w.contract.id}/new", new_corporate_number="1234567890123"
    )

    assert response.status_code == 422
    assert "法人番号は13桁の数字で、先頭のチェックデジットが正しいもの" in response.get_data(
        as_text=True
    )
    assert snapshot() == before


def test_hostile_form_values_get_japanese_errors_and_nothing_is_saved(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    before = snapshot()

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        subcontractor_id="999999999",
        people_count="1e99",
        location="moon",
        certificate_kind="<script>",
        certificate_expires_on="2026-13-45",
        work_part="あ" * 5000,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "選択肢の中から選んでください。" in html
    assert "人数は0以上の整数で入力してください。" in html
    assert "「2026-13-45」は存在しない日付です。" in html
    assert "<script>" not in html.split("<main", 1)[1].replace("&lt;script&gt;", "")
    assert snapshot() == before


def test_attached_pledge_text_is_clause_checked_and_stored(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    pledge = "誓約書\n乙は、個人情報の秘密を保持し、目的以外に利用しない。\n".encode() * 3

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        document=(io.BytesIO(pledge), "誓約書.txt"),
    )

    assert response.status_code == 302
    doc = db.session.scalars(sa.select(SubcontractDocument)).one()
    assert doc.file_kind == "text"
    assert doc.original_filename == "誓約書.txt"
    assert doc.check_status in {"ok", "incomplete"}
    assert len(doc.results) == 8
    detail = client.get(f"/subcontracts/{doc.request_id}").get_data(as_text=True)
    assert "誓約書.txt" in detail


def test_an_unreadable_attachment_is_refused_with_the_reason_and_nothing_is_saved(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    before = snapshot()

    response = _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        document=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100), "契約書.pdf"),
    )

    assert response.status_code == 422
    assert "添付書類を受け付けられません: このファイルはPNG画像です" in response.get_data(
        as_text=True
    )
    assert snapshot() == before


def test_document_download_is_audited_and_served_as_attachment(db, login_as):
    w = make_world()
    client = login_as(w.alpha_user)
    _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        document=(io.BytesIO("再委託契約書\n秘密保持\n".encode()), "再委託契約書.txt"),
        submit_request="申請する",
    )
    doc = db.session.scalars(sa.select(SubcontractDocument)).one()
    pm_client = login_as(w.pm)

    response = pm_client.get(f"/subcontracts/{doc.request_id}/documents/{doc.id}")
    body = response.data
    response.close()

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert body == "再委託契約書\n秘密保持\n".encode()
    action = db.session.scalar(
        sa.select(AuditEntry.action).where(
            AuditEntry.object_type == "SubcontractDocument", AuditEntry.actor_id == w.pm.id
        )
    )
    assert action == "document.downloaded"


def test_editing_a_submitted_request_is_refused_with_a_message_over_http(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.alpha_user)
    token = _token(client, f"/subcontracts/{sub.id}")
    before = snapshot()

    response = client.post(
        f"/subcontracts/{sub.id}/edit",
        data={**FORM, "subcontractor_id": str(w.gamma.id), "csrf_token": token},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    assert "「承認待ち」の申請は修正できません。" in _flashes(client, response)
    assert snapshot() == before


# --- decision ---------------------------------------------------------------------------


def test_protection_manager_returns_then_approves_over_http(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.pm)
    token = _token(client, f"/subcontracts/{sub.id}")

    returned = client.post(
        f"/subcontracts/{sub.id}/return", data={"csrf_token": token, "reason": "所在地を明記"}
    )
    sub.status = SubcontractStatus.SUBMITTED
    approved = client.post(
        f"/subcontracts/{sub.id}/approve",
        data={
            "csrf_token": token,
            "reason": "妥当",
            "conditions": "年度内に実地検査",
            "acknowledge_risks": "y",
        },
    )

    assert returned.status_code == approved.status_code == 302
    db.session.refresh(sub)
    assert sub.status == SubcontractStatus.APPROVED
    assert sub.conditions == "年度内に実地検査"
    assert [e.action.value for e in sub.events] == ["returned", "approved"]


def test_a_decision_without_reason_is_refused_and_nothing_changes(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.pm)
    token = _token(client, f"/subcontracts/{sub.id}")
    before = snapshot()

    response = client.post(f"/subcontracts/{sub.id}/approve", data={"csrf_token": token})

    assert "理由を入力してください。" in _flashes(client, response)
    assert snapshot() == before


def test_protection_manager_of_another_section_cannot_see_or_decide(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(make_user("protection_manager"))

    assert client.get(f"/subcontracts/{sub.id}").status_code == 404
    assert client.post(f"/subcontracts/{sub.id}/approve", data={"reason": "x"}).status_code in {
        400,
        404,
    }


def test_procurement_sees_the_request_but_gets_no_decision_form(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.proc)

    html = client.get(f"/subcontracts/{sub.id}").get_data(as_text=True)

    assert w.gamma.name in html
    assert 'data-testid="decision-form"' not in html


def test_detail_shows_the_decision_form_to_the_protection_manager(db, login_as):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    t2 = make_request(contract=w.contract, subcontractor=w.beta, parent=t1)
    client = login_as(w.pm)

    html = client.get(f"/subcontracts/{t2.id}").get_data(as_text=True)

    assert 'data-testid="decision-form"' in html
    assert "再々委託（第2次）" in html
    chain = html.split('data-testid="chain-so-far"', 1)[1].split("</ol>", 1)[0]
    assert w.alpha.name in chain
    assert w.gamma.name in chain
    assert w.beta.name in chain


# --- visibility ---------------------------------------------------------------------------


def test_contractor_of_another_company_gets_404_everywhere(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    stranger = make_user("contractor")
    client = login_as(stranger)

    assert client.get(f"/subcontracts/{sub.id}").status_code == 404
    assert client.get(f"/subcontracts/contract/{w.contract.id}").status_code == 404
    assert client.get(f"/subcontracts/contract/{w.contract.id}/new").status_code == 404
    assert client.get(f"/subcontracts/{sub.id}/next").status_code == 404


def test_subcontractor_sees_its_tier_and_below_but_never_a_sibling_or_the_tier_above(db, login_as):
    w = make_world()
    mine = make_request(
        contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED
    )
    sibling = make_request(
        contract=w.contract, subcontractor=w.delta, status=SubcontractStatus.APPROVED
    )
    below = make_request(contract=w.contract, subcontractor=w.beta, parent=mine)
    client = login_as(w.gamma_user)

    assert client.get(f"/subcontracts/{mine.id}").status_code == 200
    assert client.get(f"/subcontracts/{below.id}").status_code == 200
    assert client.get(f"/subcontracts/{sibling.id}").status_code == 404
    chain = client.get(f"/subcontracts/contract/{w.contract.id}").get_data(as_text=True)
    assert w.gamma.name in chain
    assert w.beta.name in chain
    assert w.delta.name not in chain
    beta_client = login_as(w.beta_user)
    assert beta_client.get(f"/subcontracts/{below.id}").status_code == 404  # not yet approved
    below.status, below.approved_at = SubcontractStatus.APPROVED, mine.approved_at
    assert beta_client.get(f"/subcontracts/{below.id}").status_code == 200
    assert beta_client.get(f"/subcontracts/{mine.id}").status_code == 404


def test_a_pending_subcontractor_cannot_see_the_request_about_it(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)

    response = login_as(w.gamma_user).get(f"/subcontracts/{sub.id}")

    assert response.status_code == 404


def test_drafts_are_seen_only_by_the_requester(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.DRAFT)

    assert login_as(w.alpha_user).get(f"/subcontracts/{sub.id}").status_code == 200
    assert login_as(w.pm).get(f"/subcontracts/{sub.id}").status_code == 404
    assert login_as(make_user("auditor")).get(f"/subcontracts/{sub.id}").status_code == 404


def test_admin_is_refused_the_subcontract_pages(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)

    assert login_as(make_user("admin")).get(f"/subcontracts/{sub.id}").status_code == 403


# --- queue ---------------------------------------------------------------------------------


def test_queue_lists_the_sections_pending_requests_oldest_first_with_filters(db, login_as):
    w = make_world()
    other = make_world()
    a = make_request(contract=w.contract, subcontractor=w.gamma, is_subsidiary=True)
    b = make_request(contract=w.contract, subcontractor=w.beta)
    make_request(contract=w.contract, subcontractor=w.delta, status=SubcontractStatus.APPROVED)
    make_request(contract=other.contract, subcontractor=other.gamma)
    client = login_as(w.pm)

    html = client.get("/subcontracts/queue").get_data(as_text=True)
    only_subsidiary = client.get("/subcontracts/queue?subsidiary=yes").get_data(as_text=True)
    search = client.get("/subcontracts/queue?q=ベータ").get_data(as_text=True)
    everything = client.get("/subcontracts/queue?status=all").get_data(as_text=True)

    table = html.split('data-testid="queue"', 1)[1]
    assert table.index(f"/subcontracts/{a.id}") < table.index(f"/subcontracts/{b.id}")
    assert w.delta.name not in table
    assert other.gamma.name not in table
    assert w.gamma.name in only_subsidiary
    assert w.beta.name not in only_subsidiary
    assert w.beta.name in search
    assert w.gamma.name not in search.split('data-testid="queue"')[1]
    assert w.delta.name in everything


def test_queue_paginates_and_costs_the_same_queries_for_many_rows(db, login_as, count_queries):
    w = make_world()
    for _ in range(3):
        make_request(contract=w.contract, subcontractor=_company(), parent=None)
    client = login_as(w.pm)
    client.get("/subcontracts/queue")
    with count_queries() as few:
        client.get("/subcontracts/queue")
    for _ in range(55):
        make_request(contract=w.contract, subcontractor=_company(), parent=None)

    with count_queries() as many:
        page1 = client.get("/subcontracts/queue").get_data(as_text=True)
    page2 = client.get("/subcontracts/queue?page=2").get_data(as_text=True)

    assert len(many) == len(few)
    assert "1 / 2 ページ（全58件）" in page1
    assert "2 / 2 ページ（全58件）" in page2


def _company():
    from tests.factories import make_company

    return make_company()


def test_dashboard_shows_the_protection_manager_the_pending_count(db, login_as):
    w = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma)
    make_request(contract=w.contract, subcontractor=w.beta)

    html = login_as(w.pm).get("/").get_data(as_text=True)

    assert re.search(r'data-testid="subcontract-pending">[^<]*<strong>2件</strong>', html)


# --- chain and city-wide list ----------------------------------------------------------------


def test_chain_page_shows_the_tree_with_status_subsidiary_location_and_conditions(db, login_as):
    w = make_world()
    t1 = make_request(
        contract=w.contract,
        subcontractor=w.gamma,
        status=SubcontractStatus.APPROVED,
        is_subsidiary=True,
        conditions="年度内に実地検査",
    )
    make_request(contract=w.contract, subcontractor=w.beta, parent=t1)
    client = login_as(w.alpha_user)

    html = client.get(f"/subcontracts/contract/{w.contract.id}").get_data(as_text=True)

    assert html.count('data-testid="chain-node"') == 2
    assert 'data-tier="2"' in html
    assert "子会社" in html
    assert "承認の条件: 年度内に実地検査" in html
    assert "再委託先の事業所（事業所）" in html


def test_chains_list_filters_by_section_company_status_and_subsidiary(db, login_as):
    w = make_world()
    other = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma, is_subsidiary=True)
    make_request(
        contract=other.contract, subcontractor=other.beta, status=SubcontractStatus.APPROVED
    )
    closed = make_contract(status=ContractStatus.CLOSED, company=other.alpha)
    make_request(contract=closed, subcontractor=other.delta, status=SubcontractStatus.EXPIRED)
    client = login_as(make_user("auditor"))

    def names(query: str) -> set[str]:
        html = client.get(f"/subcontracts/chains{query}").get_data(as_text=True)
        table = html.split('data-testid="chains"', 1)[1]
        return {n for n in (w.gamma.name, other.beta.name, other.delta.name) if n in table}

    assert names("") == {w.gamma.name, other.beta.name}
    assert names(f"?section={other.section.id}") == {other.beta.name}
    assert names("?company=ガンマ") == {w.gamma.name}
    assert names("?status=approved") == {other.beta.name}
    assert names("?subsidiary=yes") == {w.gamma.name}
    assert names("?scope=all") == {w.gamma.name, other.beta.name, other.delta.name}


def test_section_staff_see_only_their_own_sections_chains(db, login_as):
    w = make_world()
    other = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma)
    make_request(contract=other.contract, subcontractor=other.beta)

    html = login_as(w.proc).get(f"/subcontracts/chains?section={other.section.id}")

    table = html.get_data(as_text=True).split('data-testid="chains"', 1)[1]
    assert w.gamma.name in table
    assert other.beta.name not in table


def test_chains_csv_exports_the_filtered_rows_and_is_audited(db, login_as):
    w = make_world()
    make_request(
        contract=w.contract,
        subcontractor=w.gamma,
        status=SubcontractStatus.APPROVED,
        is_subsidiary=True,
        conditions="=実地検査",
    )
    make_request(contract=w.contract, subcontractor=w.beta)
    auditor = make_user("auditor")
    client = login_as(auditor)

    response = client.get("/subcontracts/chains.csv?status=approved")

    body = response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff契約番号,契約名,担当課,受託者,次数")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["再委託先"] == w.gamma.name
    assert row["子会社"] == "子会社"
    assert row["状態"] == "承認"
    assert row["承認の条件"] == "'=実地検査"  # formula injection neutralised
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "subcontract.chains_exported")
    ).one()
    assert entry.actor_id == auditor.id
    assert entry.data["rows"] == 1


def test_chains_list_costs_the_same_queries_for_more_rows(db, login_as, count_queries):
    w = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(make_user("chief"))
    client.get("/subcontracts/chains")
    with count_queries() as few:
        client.get("/subcontracts/chains")
    for _ in range(10):
        x = make_world()
        make_request(contract=x.contract, subcontractor=x.gamma)

    with count_queries() as many:
        client.get("/subcontracts/chains")

    assert len(many) == len(few)


def test_contractor_index_lists_active_contracts_and_approved_tiers_for_next_requests(db, login_as):
    w = make_world()
    make_contract(company=w.alpha, status=ContractStatus.CLOSED, title="終了した契約")
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)

    alpha_html = login_as(w.alpha_user).get("/subcontracts/").get_data(as_text=True)
    gamma_html = login_as(w.gamma_user).get("/subcontracts/").get_data(as_text=True)

    assert f"/subcontracts/contract/{w.contract.id}/new" in alpha_html
    assert "終了した契約" not in alpha_html
    assert f"/subcontracts/{t1.id}/next" in gamma_html
    assert f"/subcontracts/contract/{w.contract.id}/new" not in gamma_html


def test_approved_subcontractor_requests_the_next_tier_from_the_form(db, login_as):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    client = login_as(w.gamma_user)

    response = _post_form(
        client,
        f"/subcontracts/{t1.id}/next",
        new_corporate_number=w.beta.corporate_number,
        submit_request="y",
    )

    assert response.status_code == 302
    t2 = db.session.scalars(
        sa.select(SubcontractRequest).where(SubcontractRequest.parent_id == t1.id)
    ).one()
    assert (t2.tier, t2.requester_company_id, t2.subcontractor_id, t2.status) == (
        2,
        w.gamma.id,
        w.beta.id,
        SubcontractStatus.SUBMITTED,
    )


def test_the_next_tier_form_is_refused_while_the_tier_is_not_approved(db, login_as):
    w = make_world()
    t1 = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.APPROVED)
    t1.status = SubcontractStatus.WITHDRAWN

    response = login_as(w.gamma_user).get(f"/subcontracts/{t1.id}/next")

    assert response.status_code == 403


def test_contractor_withdraws_a_submitted_request_with_a_reason(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.alpha_user)
    token = _token(client, f"/subcontracts/{sub.id}")

    response = client.post(
        f"/subcontracts/{sub.id}/withdraw", data={"csrf_token": token, "reason": "計画変更"}
    )

    assert "申請を取り下げました。" in _flashes(client, response)
    db.session.refresh(sub)
    assert sub.status == SubcontractStatus.WITHDRAWN
    assert sub.events[-1].note == "計画変更"


def test_contractor_submits_a_draft_from_the_detail_page(db, login_as):
    w = make_world()
    sub = make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.DRAFT)
    client = login_as(w.alpha_user)
    token = _token(client, f"/subcontracts/{sub.id}")

    response = client.post(f"/subcontracts/{sub.id}/submit", data={"csrf_token": token})

    assert "申請しました。" in _flashes(client, response)
    db.session.refresh(sub)
    assert sub.status == SubcontractStatus.SUBMITTED


def test_notification_links_point_at_the_detail_page(app, db):
    from flask import url_for

    from portal.subcontract.services import detail_path

    with app.test_request_context():
        assert detail_path(42) == url_for("subcontract.detail", sub_id=42)


def test_contractor_dashboard_shows_returned_requests(db, login_as):
    w = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.RETURNED)

    html = login_as(w.alpha_user).get("/").get_data(as_text=True)

    assert re.search(r'data-testid="subcontract-returned">[^<]*<strong>1件</strong>', html)


def test_a_refused_correction_keeps_the_form_with_the_users_input(db, login_as):
    w = make_world()
    sub = make_request(
        contract=w.contract, subcontractor=w.gamma, status=SubcontractStatus.RETURNED
    )
    client = login_as(w.alpha_user)
    before = snapshot()

    response = _post_form(
        client,
        f"/subcontracts/{sub.id}/edit",
        subcontractor_id="0",
        new_corporate_number=w.alpha.corporate_number,
        work_part="修正後の業務範囲",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "自社を再委託先にすることはできません。" in html
    assert "修正後の業務範囲" in html
    assert snapshot() == before


def test_absurd_list_parameters_are_ignored_instead_of_failing(db, login_as):
    w = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(w.pm)
    huge = "9" * 25

    # A NUL byte is refused app-wide with a 400 (tests/core/test_hostile_input.py).
    queue = client.get(f"/subcontracts/queue?page={huge}&tier={huge}&subsidiary=maybe")
    chains = client.get(f"/subcontracts/chains?section={huge}&page={huge}&status=<x>")

    assert queue.status_code == 200
    assert chains.status_code == 200
    assert w.gamma.name in client.get(f"/subcontracts/chains?section={huge}").get_data(as_text=True)


def test_a_document_whose_file_is_missing_is_a_404_and_no_download_is_recorded(db, login_as):
    from portal.filestore import get_filestore

    w = make_world()
    client = login_as(w.alpha_user)
    _post_form(
        client,
        f"/subcontracts/contract/{w.contract.id}/new",
        new_corporate_number=w.gamma.corporate_number,
        document=(io.BytesIO("誓約書\n秘密保持\n".encode()), "誓約書.txt"),
    )
    doc = db.session.scalars(sa.select(SubcontractDocument)).one()
    get_filestore().delete(doc.storage_key)

    response = client.get(f"/subcontracts/{doc.request_id}/documents/{doc.id}")

    assert response.status_code == 404
    recorded = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "document.downloaded")
    )
    assert recorded == 0


def test_url_building_words_in_the_query_string_do_not_break_the_chains_list(db, login_as):
    w = make_world()
    make_request(contract=w.contract, subcontractor=w.gamma)
    client = login_as(make_user("auditor"))

    response = client.get("/subcontracts/chains?endpoint=x&_scheme=ftp&status=submitted")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/subcontracts/chains.csv?status=submitted&amp;scope=active"' in html
