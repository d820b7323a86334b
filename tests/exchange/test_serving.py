"""Nothing active is accepted or served inline; downloads are attachments with safe headers
and stream from the file store."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from portal.errors import UploadRejected
from portal.exchange import services
from portal.exchange.files import serve_version
from portal.exchange.models import ExchangeDocument, ExchangeVersion
from portal.extensions import db as _db
from portal.filestore import get_filestore, new_key
from tests.exchange.factories import (
    NOW,
    Setup,
    fetch,
    pdf_with_javascript,
    plain_pdf,
    upload,
    write,
)

HOSTILE = {
    "page.html": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "run.bat": b"@echo off\r\ndel /q C:\\*\r\n",
    "tool.exe": b"MZ\x90\x00" + b"\x00" * 200,
    "macro.js": b"WScript.Echo('x');\n",
}


def _blob_count(app):
    return sum(1 for _ in get_filestore().iter_keys("exchange/"))


@pytest.mark.parametrize("filename", sorted(HOSTILE))
def test_active_files_are_refused_at_upload_with_a_code_and_nothing_is_saved(
    app, db, login_as, csrf_token, filename
):
    s = Setup()
    client = login_as(s.vendor)
    token = csrf_token(f"/exchange/spaces/{s.space.id}")
    blobs = _blob_count(app)

    response = client.post(
        f"/exchange/spaces/{s.space.id}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(HOSTILE[filename]), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "エラーコード: active_content" in page
    assert db.session.scalar(sa.select(sa.func.count(ExchangeDocument.id))) == 0
    assert _blob_count(app) == blobs


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "malformed"),
        (b"\x00\x01\x02\x03binary blob" * 50, "unsupported_type"),
    ],
)
def test_broken_or_unknown_files_are_refused_with_their_code(db, tmp_path, data, code):
    s = Setup()

    with pytest.raises(UploadRejected) as err:
        services.upload_document(
            actor=s.vendor,
            space=s.space,
            folder=None,
            path=write(tmp_path, data),
            filename="file.pdf",
            personal_info=False,
            now=NOW,
        )

    assert err.value.code == code
    assert f"エラーコード: {code}" in str(err.value)


def _stored_version(space, actor, data, kind, filename, content_type):
    blob = get_filestore().save(new_key("exchange", now=NOW), io.BytesIO(data), content_type)
    document = ExchangeDocument(space=space, title=filename, created_by_id=actor.id)
    version = ExchangeVersion(document=document, number=1, file_kind=kind, uploaded_by_id=actor.id)
    version.set_blob(blob, filename=filename, content_type=content_type)
    _db.session.add_all([document, version])
    _db.session.flush()
    return version


@pytest.mark.parametrize(
    ("filename", "kind"), [("page.html", "html"), ("image.svg", "svg"), ("run.bat", "script")]
)
def test_stored_active_content_is_only_ever_an_octet_stream_attachment(
    db, login_as, filename, kind
):
    # Rows that predate the upload check (or a future bug) must still never render inline.
    s = Setup()
    version = _stored_version(s.space, s.vendor, HOSTILE[filename], kind, filename, "text/html")
    client = login_as(s.clerk)

    response = fetch(client, f"/exchange/versions/{version.id}/view")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_with_javascript_is_shared_without_it(db, tmp_path, login_as):
    s = Setup()
    version = upload(
        tmp_path, actor=s.vendor, space=s.space, data=pdf_with_javascript(), filename="form.pdf"
    )
    client = login_as(s.clerk)

    response = fetch(client, f"/exchange/versions/{version.id}/view")

    assert version.has_active_content is False
    assert version.cleaned is True
    assert b"/JavaScript" not in response.data
    assert b"/OpenAction" not in response.data
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_a_stored_version_with_active_content_is_never_inline(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, data=plain_pdf(), filename="a.pdf")
    version.has_active_content = True  # a version stored before uploads were cleaned
    client = login_as(s.clerk)

    response = fetch(client, f"/exchange/versions/{version.id}/view")

    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    page = client.get(f"/exchange/documents/{version.document_id}").get_data(as_text=True)
    assert f"/exchange/versions/{version.id}/view" not in page


def test_a_pdf_without_active_content_is_shown_inline_with_framing_protection(
    db, tmp_path, login_as
):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, data=plain_pdf(), filename="a.pdf")

    response = fetch(login_as(s.clerk), f"/exchange/versions/{version.id}/view")

    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_downloads_are_attachments_with_an_rfc5987_japanese_name(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, filename="引継ぎ一覧.csv")

    response = fetch(login_as(s.clerk), f"/exchange/versions/{version.id}/download")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%BC%95%E7%B6%99%E3%81%8E%E4%B8%80%E8%A6%A7.csv" in disposition
    assert 'filename="download.csv"' in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_download_streams_from_the_file_store_instead_of_reading_the_file(app, db, tmp_path):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, data=plain_pdf(), filename="a.pdf")

    with app.test_request_context():
        response, inline = serve_version(
            get_filestore(),
            key=version.storage_key,
            filename="a.pdf",
            file_kind="pdf",
            has_active_content=False,
            inline=False,
            size=version.size,
        )
        try:
            streamed = response.is_streamed
        finally:
            response.close()

    assert streamed is True
    assert inline is False


def test_a_folder_zip_streams_the_current_version_of_each_document(db, tmp_path, login_as):
    s = Setup()
    folder = services.create_folder(actor=s.clerk, space=s.space, name="資料")
    a = upload(tmp_path, actor=s.clerk, space=s.space, folder=folder, filename="表.csv")
    services.upload_version(
        actor=s.vendor,
        document=a.document,
        path=write(tmp_path, b"x,y\r\n9,9\r\n"),
        filename="表.csv",
        now=NOW,
    )
    upload(
        tmp_path,
        actor=s.vendor,
        space=s.space,
        folder=folder,
        filename="表.csv",
        data=b"p,q\r\n1,1\r\n",
    )
    client = login_as(s.clerk)

    response = client.get(f"/exchange/folders/{folder.id}/zip")
    streamed = response.is_streamed
    body = response.get_data()
    response.close()

    assert streamed is True
    assert response.headers["Content-Type"] == "application/zip"
    assert "filename*=UTF-8''%E8%B3%87%E6%96%99.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert sorted(zf.namelist()) == ["表 (2).csv", "表.csv"]
        contents = sorted(zf.read(n) for n in zf.namelist())
    assert contents == [b"p,q\r\n1,1\r\n", b"x,y\r\n9,9\r\n"]
