"""The incident screens over HTTP: reporting with attachments, visibility, the decision page
with the clock in 和暦, drafts, export, and the hooks on the contract and inspection pages."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.audit.models import AuditEntry
from portal.extensions import db as _db
from portal.incident.models import Incident, IncidentFile
from portal.notification.models import Notification
from tests.erasure.factories import certificate_pdf, text_file
from tests.incident.factories import make_incident, make_world


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


@pytest.fixture
def world(db):
    return make_world()


def _report(client, world, **extra):
    data = {
        "csrf_token": _token(client, "/incidents/new"),
        "contract_id": str(world.contract.id),
        "tier": "0",
        "title": "健診結果の誤送付",
        "summary": "健診結果通知を別人に送付した。",
        "discovered_on": "2026-12-01",
        "categories": "氏名、住所",
        "sensitive": ["病歴", "健康診断等の結果"],
        "people_min": "１２０",  # full-width digits are accepted
        "people_max": "",
        "cause": "misdelivery",
        "encrypted": "no",
    }
    data.update(extra)
    return client.post("/incidents/new", data=data, content_type="multipart/form-data")


def _only_incident() -> Incident:
    return _db.session.scalars(sa.select(Incident)).one()


def test_a_contractor_reports_with_a_pdf_and_the_manager_is_told(login_as, world, tmp_path):
    client = login_as(world.contractor)
    pdf = certificate_pdf(tmp_path / "report.pdf")

    response = _report(client, world, files=[(io.BytesIO(pdf.read_bytes()), "事故報告書.pdf")])

    assert response.status_code == 302
    incident = _only_incident()
    assert incident.auto_grounds == ["sensitive", "over_100"]
    assert incident.reported_by_id == world.contractor.id
    (stored,) = incident.files
    # Stored cleaned: the author's name in the PDF properties is gone (広島市要綱 第6 7).
    reader = PdfReader(io.BytesIO(_blob(client, stored)))
    assert not (reader.metadata or {}).get("/Author")
    kinds = set(
        _db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == world.pm.id))
    )
    assert kinds == {"incident.reported"}
    # The reporter is told what was removed from the attachment.
    assert "PDFのプロパティ" in client.get(response.headers["Location"]).get_data(as_text=True)


def _blob(client, row: IncidentFile) -> bytes:
    response = client.get(f"/incidents/files/{row.id}")
    try:
        return response.get_data()
    finally:
        response.close()


def test_a_refused_attachment_saves_no_case_and_keeps_the_form(login_as, world, tmp_path):
    client = login_as(world.contractor)

    response = _report(client, world, files=[(io.BytesIO(b"<html><script>x</script>"), "a.html")])

    assert response.status_code == 422
    assert "受け付けられません" in response.get_data(as_text=True)
    assert "健診結果の誤送付" in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count(Incident.id))) == 0
    assert _db.session.scalar(sa.select(sa.func.count(IncidentFile.id))) == 0


def test_bad_input_gets_japanese_messages_and_no_record(login_as, world):
    client = login_as(world.contractor)

    response = _report(client, world, discovered_on="2026-13-01", people_min="-3", title="")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "件名を入力してください。" in html
    assert "本人の数は0以上の整数で入力してください。" in html
    assert _db.session.scalar(sa.select(sa.func.count(Incident.id))) == 0


def test_a_contractor_cannot_report_on_another_companys_contract(login_as, world):
    client = login_as(world.other_contractor)

    response = _report(client, world)

    assert response.status_code == 422
    assert _db.session.scalar(sa.select(sa.func.count(Incident.id))) == 0


def test_another_companys_incident_is_a_404(login_as, world):
    incident = make_incident(world)

    response = login_as(world.other_contractor).get(f"/incidents/{incident.id}")

    assert response.status_code == 404


def test_the_manager_sees_grounds_and_the_clock_in_wareki_with_the_weekday(login_as, world):
    incident = make_incident(world)

    html = login_as(world.pm).get(f"/incidents/{incident.id}").get_data(as_text=True)

    assert "要配慮個人情報が含まれる（おそれを含む）" in html
    assert "令和8年12月9日（水）" in html  # 速報, day 5
    assert "令和9年1月4日（月）" in html  # 確報: day 30 is 1/3 (Sunday, 年末年始)
    assert "入間市規程 第40条" in html


def test_the_contractor_does_not_see_the_citys_deliberation(login_as, world):
    incident = make_incident(world)

    html = login_as(world.contractor).get(f"/incidents/{incident.id}").get_data(as_text=True)

    assert "健診結果の誤送付" in html
    assert "判断の理由" not in html
    assert "速報の下書き" not in html


def test_the_manager_changes_the_decision_with_a_reason_and_it_is_audited(login_as, world):
    incident = make_incident(world)
    client = login_as(world.pm)
    path = f"/incidents/{incident.id}"

    response = client.post(
        f"{path}/decision",
        data={
            "csrf_token": _token(client, path),
            "reportable": "no",
            "reason": "回収済みで閲覧なし",
        },
    )

    assert response.status_code == 302
    assert incident.reportable is False
    assert (
        _db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == "incident.reportability_decided"
            )
        )
        == 1
    )


def test_a_decision_without_a_reason_changes_nothing(login_as, world):
    incident = make_incident(world)
    client = login_as(world.pm)
    path = f"/incidents/{incident.id}"

    client.post(
        f"{path}/decision",
        data={"csrf_token": _token(client, path), "reportable": "yes", "reason": ""},
    )

    assert incident.reportable is None


def test_the_procurement_officer_cannot_decide(login_as, world):
    incident = make_incident(world)
    client = login_as(world.proc)

    response = client.post(
        f"/incidents/{incident.id}/decision", data={"reportable": "yes", "reason": "x"}
    )

    assert response.status_code == 403


def test_the_sokuho_draft_is_a_pdf_with_the_embedded_japanese_font(login_as, world):
    incident = make_incident(world)

    response = login_as(world.pm).get(f"/incidents/{incident.id}/draft/sokuho.pdf")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("IPAexGothic" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    text = reader.pages[0].extract_text()
    assert "速報" in text
    assert "健診結果の誤送付" in text


def test_the_kakuho_csv_lists_the_fields_to_copy(login_as, world):
    incident = make_incident(world)

    response = login_as(world.pm).get(f"/incidents/{incident.id}/draft/kakuho.csv")

    body = response.get_data().decode("utf-8-sig")
    assert body.startswith("項目,内容\r\n")
    assert "(3) 本人の数,120～180人（推計）" in body


def test_the_auditor_finds_the_incident_in_the_export(login_as, world):
    incident = make_incident(world)

    response = login_as(world.auditor).get("/incidents/export.csv")

    body = response.get_data().decode("utf-8-sig")
    assert incident.number in body
    assert "2026-12-09" in body
    assert "2027-01-04" in body


def test_a_section_only_exports_its_own_incidents(login_as, world):
    incident = make_incident(world)
    from tests.factories import make_user

    body = (
        login_as(make_user("procurement"))
        .get("/incidents/export.csv")
        .get_data()
        .decode("utf-8-sig")
    )

    assert incident.number not in body


def test_the_incident_appears_on_the_contract_page(login_as, world):
    incident = make_incident(world)

    html = login_as(world.proc).get(f"/contracts/{world.contract.id}").get_data(as_text=True)

    assert f"/incidents/{incident.id}" in html
    assert "incident.reported" in html  # the audit row in the contract's history


def test_the_incident_counts_in_the_contractors_record_at_the_next_inspection(login_as, world):
    from datetime import date

    from tests.inspection.factories import make_inspection, profile

    incident = make_incident(world)
    inspection = make_inspection(
        world.contract, prof=profile("iruma"), fy=2026, scheduled_on=date(2026, 12, 20)
    )

    html = login_as(world.pm).get(f"/inspections/{inspection.id}").get_data(as_text=True)

    assert 'data-testid="inspection-incidents"' in html
    assert incident.number in html


def test_the_manager_is_mailed_at_once(login_as, world, mail_sink, app, monkeypatch):
    cfg = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions,
        "portal_config",
        replace(cfg, mail_enabled=True, mail_server=mail_sink.host, mail_port=mail_sink.port),
    )
    client = login_as(world.contractor)

    _report(client, world)

    (msg,) = mail_sink.to(world.pm.email)
    assert "漏えい等事案の報告" in str(msg["Subject"])
    note = _db.session.scalars(
        sa.select(Notification).where(Notification.user_id == world.pm.id)
    ).one()
    assert note.mail_status == "sent"


def test_the_dashboard_shows_the_open_case_with_its_clock(login_as, world):
    make_incident(world)

    html = login_as(world.pm).get("/").get_data(as_text=True)

    assert 'data-testid="incident-panel"' in html
    assert "判断待ち" in html


def test_a_text_file_is_not_accepted_as_an_attachment(login_as, world, tmp_path):
    incident = make_incident(world)
    client = login_as(world.contractor)
    path = f"/incidents/{incident.id}"

    client.post(
        f"{path}/files",
        data={
            "csrf_token": _token(client, path),
            "files": [(io.BytesIO(text_file(tmp_path / "a.txt").read_bytes()), "a.txt")],
        },
        content_type="multipart/form-data",
    )

    assert incident.files == []


def test_the_list_and_the_export_do_not_query_per_incident(login_as, world, count_queries):
    client = login_as(world.auditor)
    make_incident(world)
    client.get("/incidents")
    with count_queries() as one:
        client.get("/incidents")
        client.get("/incidents/export.csv").close()
    for _ in range(4):
        make_incident(world)

    with count_queries() as five:
        client.get("/incidents")
        client.get("/incidents/export.csv").close()

    assert len(five) == len(one)
