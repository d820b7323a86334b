"""Evidence from the inspected company: answers and files, uploaded by the right contractor
only (others 404), validated from the bytes, every download recorded (入間市 第20条)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from portal.audit.models import AuditEntry
from portal.filestore import get_filestore
from portal.inspection.models import InspectionFile, InspectionStatus
from portal.wareki import fiscal_year, today_jst
from tests.inspection.factories import (
    jpeg_with_gps,
    make_inspection,
    make_world,
    pdf_bytes,
    profile,
)


def _upcoming(world, *, tier=None, days=7):
    when = today_jst() + timedelta(days=days)
    return make_inspection(
        world.contract, prof=profile("iruma"), fy=fiscal_year(when), tier=tier, scheduled_on=when
    )


def _token(client, inspection=None):
    """The session's CSRF token (from any page with a form: the home page's logout button)."""
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _upload(client, inspection, data, filename, item_key="structure"):
    return client.post(
        f"/inspections/{inspection.id}/evidence",
        data={
            "csrf_token": _token(client, inspection),
            "item_key": item_key,
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_the_inspected_contractor_uploads_a_pdf_for_a_checklist_item(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.alpha_user)

    response = _upload(client, inspection, pdf_bytes(), "体制図.pdf")

    row = db.session.scalars(sa.select(InspectionFile)).one()
    assert response.status_code == 302
    assert row.inspection_id == inspection.id
    assert row.item.key == "structure"
    assert row.original_filename == "体制図.pdf"
    assert row.content_type == "application/pdf"
    assert get_filestore().exists(row.storage_key)
    assert row.storage_key.startswith("inspection/")


def test_another_companys_contractor_cannot_see_or_upload_to_the_inspection(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.delta_user)

    page = client.get(f"/inspections/{inspection.id}")
    upload = client.post(
        f"/inspections/{inspection.id}/evidence", data={"csrf_token": _token(client)}
    )

    assert page.status_code == 404
    assert upload.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(InspectionFile.id))) == 0


def test_the_company_inspecting_its_subcontractor_sees_the_request_but_cannot_upload(db, login_as):
    world = make_world()
    inspection = _upcoming(world, tier=world.tier)
    inspection.inspector_kind = "via_contractor"
    inspection.inspector_company_id = world.alpha.id
    db.session.flush()
    alpha = login_as(world.alpha_user)

    page = alpha.get(f"/inspections/{inspection.id}")
    upload = alpha.post(
        f"/inspections/{inspection.id}/evidence", data={"csrf_token": _token(alpha)}
    )

    assert page.status_code == 200
    assert upload.status_code == 403


def test_the_subcontractor_uploads_evidence_for_its_own_tier(db, login_as):
    world = make_world()
    inspection = _upcoming(world, tier=world.tier)
    client = login_as(world.gamma_user)

    response = _upload(client, inspection, pdf_bytes(), "名簿.pdf", item_key="")

    assert response.status_code == 302
    assert db.session.scalars(sa.select(InspectionFile)).one().item_id is None


def test_an_html_page_named_pdf_is_refused_with_a_code_and_nothing_is_saved(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.alpha_user)

    response = _upload(client, inspection, b"<html><script>alert(1)</script></html>", "a.pdf")

    assert response.status_code == 302
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "エラーコード: active_content" in page
    assert db.session.scalar(sa.select(sa.func.count(InspectionFile.id))) == 0


def test_a_truncated_pdf_is_refused(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.alpha_user)

    _upload(client, inspection, pdf_bytes()[:200], "broken.pdf")

    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "エラーコード:" in page
    assert db.session.scalar(sa.select(sa.func.count(InspectionFile.id))) == 0


def test_a_photo_is_stored_without_its_exif_and_gps(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.alpha_user)

    _upload(client, inspection, jpeg_with_gps(), "書庫.jpeg", item_key="storage")

    row = db.session.scalars(sa.select(InspectionFile)).one()
    with get_filestore().open(row.storage_key) as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        assert not stored.getexif()
    assert row.original_filename == "書庫.jpg"


def test_evidence_after_the_inspection_date_is_refused(db, login_as):
    world = make_world()
    inspection = _upcoming(world, days=-1)
    client = login_as(world.alpha_user)

    response = client.post(
        f"/inspections/{inspection.id}/evidence", data={"csrf_token": _token(client)}
    )

    assert response.status_code == 403


def test_submitting_needs_every_item_answered_then_marks_the_evidence_submitted(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    client = login_as(world.alpha_user)
    keys = [i.key for i in inspection.items]

    partial = client.post(
        f"/inspections/{inspection.id}/answers",
        data={
            "csrf_token": _token(client, inspection),
            "action": "submit",
            "answer-structure": "体制図のとおり",
        },
        follow_redirects=True,
    )
    assert "すべての確認項目に回答" in partial.get_data(as_text=True)
    assert inspection.status == InspectionStatus.SCHEDULED

    full = {f"answer-{k}": f"{k} は規程どおり" for k in keys}
    client.post(
        f"/inspections/{inspection.id}/answers",
        data={"csrf_token": _token(client, inspection), "action": "submit", **full},
    )

    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.EVIDENCE_SUBMITTED
    assert inspection.items[0].answer == f"{keys[0]} は規程どおり"


def test_every_download_of_evidence_is_recorded_as_an_access_record(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    _upload(login_as(world.alpha_user), inspection, pdf_bytes(), "体制図.pdf")
    row = db.session.scalars(sa.select(InspectionFile)).one()
    client = login_as(world.pm)

    first = client.get(f"/inspections/files/{row.id}")
    body = first.data
    first.close()
    client.get(f"/inspections/files/{row.id}").close()

    entries = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "document.downloaded", AuditEntry.object_id == row.id
        )
    ).all()
    assert first.status_code == 200
    assert body.startswith(b"%PDF-")
    assert "attachment" in first.headers["Content-Disposition"]
    assert [(e.actor_id, e.contract_id) for e in entries] == [
        (world.pm.id, world.contract.id),
        (world.pm.id, world.contract.id),
    ]


def test_another_company_cannot_download_the_evidence(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    _upload(login_as(world.alpha_user), inspection, pdf_bytes(), "体制図.pdf")
    row = db.session.scalars(sa.select(InspectionFile)).one()

    response = login_as(world.delta_user).get(f"/inspections/files/{row.id}")

    assert response.status_code == 404


def test_a_file_whose_blob_is_gone_is_not_found_and_no_download_is_recorded(db, login_as):
    world = make_world()
    inspection = _upcoming(world)
    _upload(login_as(world.alpha_user), inspection, pdf_bytes(), "体制図.pdf")
    row = db.session.scalars(sa.select(InspectionFile)).one()
    get_filestore().delete(row.storage_key)

    response = login_as(world.pm).get(f"/inspections/files/{row.id}")

    downloads = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "document.downloaded", AuditEntry.object_id == row.id
        )
    )
    assert response.status_code == 404
    assert downloads == 0
