"""The uploader is told what was removed; the access record says which version was served."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.inspection.models import InspectionFile
from portal.wareki import fiscal_year, today_jst
from tests.exchange.factories import Setup, fetch, pdf_with_properties
from tests.inspection.factories import jpeg_with_gps, make_inspection, make_world, profile


def _token(client, path="/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _entries(db, action):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_a_contractor_is_told_that_gps_was_removed_and_the_download_record_says_cleaned(
    db, login_as
):
    world = make_world()
    when = today_jst() + timedelta(days=7)
    inspection = make_inspection(
        world.contract, prof=profile("iruma"), fy=fiscal_year(when), scheduled_on=when
    )
    client = login_as(world.alpha_user)

    page = client.post(
        f"/inspections/{inspection.id}/evidence",
        data={
            "csrf_token": _token(client),
            "item_key": "structure",
            "file": (io.BytesIO(jpeg_with_gps()), "書庫.jpg"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "位置情報と撮影情報を削除しました。" in page
    row = db.session.scalars(sa.select(InspectionFile)).one()
    assert row.cleaned is True
    uploaded = _entries(db, "inspection.evidence_uploaded")[-1]
    assert uploaded.data["served"] == "cleaned"
    assert uploaded.data["removed"] == ["位置情報と撮影情報を削除しました。"]
    fetch(login_as(world.pm), f"/inspections/files/{row.id}")
    assert _entries(db, "document.downloaded")[-1].data["served"] == "cleaned"


def test_a_contractor_pdf_naming_a_person_is_reported_and_the_record_says_cleaned(db, login_as):
    s = Setup()
    client = login_as(s.vendor)

    page = client.post(
        f"/exchange/spaces/{s.space.id}/documents",
        data={
            "csrf_token": _token(client, f"/exchange/spaces/{s.space.id}"),
            "file": (io.BytesIO(pdf_with_properties()), "報告書.pdf"),
            "folder_id": "0",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "PDFのプロパティとしおりを削除しました（氏名を含んでいました）。" in page
    uploaded = _entries(db, "exchange.document_uploaded")[-1]
    version_id = uploaded.data["version_id"]
    fetch(login_as(s.clerk), f"/exchange/versions/{version_id}/download")
    assert _entries(db, "document.downloaded")[-1].data["served"] == "cleaned"
