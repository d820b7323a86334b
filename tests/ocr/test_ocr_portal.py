"""Uploading a scanned 特記事項 in the portal: read by OCR, checked, flagged for a person."""

from __future__ import annotations

import io

import sqlalchemy as sa

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.contract import engine
from portal.contract.models import ClauseCheck, ContractDocument
from tests.contract.factories import make_contract
from tests.factories import make_company, make_section, make_user
from tests.ocr.scans import image_bytes, paginate, render_page, scanned_pdf

NOTICE = "OCRで読み取った文書です。結果を原本で確認してください。"


def test_scanned_special_terms_upload_is_checked_and_flagged(
    db, login_as, csrf_token, monkeypatch, tokki_text: str
) -> None:
    contract = make_contract(section=make_section(), company=make_company())
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    path = f"/contracts/{contract.id}"

    response = client.post(
        f"{path}/documents",
        data={
            "csrf_token": csrf_token(path),
            "role": "special_terms",
            "document": (io.BytesIO(scanned_pdf(tokki_text)), "特記事項（押印済み）.pdf"),
        },
        content_type="multipart/form-data",
    )
    page = client.get(path).get_data(as_text=True)

    assert response.status_code == 302
    document = db.session.scalar(sa.select(ContractDocument))
    assert document is not None
    assert document.ocr_pages == "1"
    assert document.file_kind == "pdf"
    check = db.session.scalar(sa.select(ClauseCheck))
    assert check is not None
    assert len(check.results) == 8
    assert sum(r.status.value == "present" for r in check.results) >= 7
    assert NOTICE in page
    assert 'data-testid="ocr-notice"' in page
    assert page.count('data-clause="') == 8
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "document.uploaded"))
    assert entry is not None
    assert entry.data["ocr_pages"] == [1]

    # 確認し直す reads the text OCR stored at upload instead of running OCR again.
    def no_second_ocr(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR ran again on a re-check")

    monkeypatch.setattr(engine, "extract_document", no_second_ocr)
    again = client.post(f"{path}/check", data={"csrf_token": csrf_token(path)})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ClauseCheck.id))) == 2


def test_text_pdf_upload_is_not_flagged(db, login_as, csrf_token) -> None:
    from tests.contract import documents

    contract = make_contract(section=make_section(), company=make_company())
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    path = f"/contracts/{contract.id}"

    client.post(
        f"{path}/documents",
        data={
            "csrf_token": csrf_token(path),
            "role": "special_terms",
            "document": (io.BytesIO(documents.good_pdf()), "特記事項.pdf"),
        },
        content_type="multipart/form-data",
    )
    page = client.get(path).get_data(as_text=True)

    assert 'data-testid="clause-results"' in page
    assert NOTICE not in page


def test_photo_of_a_page_is_accepted_and_stored_as_a_jpeg(
    db, login_as, csrf_token, tokki_text: str
) -> None:
    contract = make_contract(section=make_section(), company=make_company())
    client = login_as(make_user(Role.PROCUREMENT, section=contract.section))
    path = f"/contracts/{contract.id}"
    photo = image_bytes(render_page(paginate(tokki_text)[0], dpi=200), "JPEG")

    response = client.post(
        f"{path}/documents",
        data={
            "csrf_token": csrf_token(path),
            "role": "special_terms",
            "document": (io.BytesIO(photo), "IMG_0001.jpg"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    document = db.session.scalar(sa.select(ContractDocument))
    assert document is not None
    assert document.file_kind == "image"
    assert document.content_type == "image/jpeg"
    assert document.ocr_pages == "1"
    download = client.get(f"{path}/documents/{document.id}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200
    # The shared intake stores the photo re-encoded without its metadata (EXIF, GPS).
    assert body.startswith(b"\xff\xd8\xff")
