"""Downloads: RFC 6266 names with the right extension, one charset, the same on every route."""

from __future__ import annotations

import io

import pytest

from portal.filecheck.policy import content_disposition, single_charset
from portal.filecheck.sniff import FileKind
from portal.uploads import served_filename
from tests.uploads.corpus import TRAVERSAL_NAME


@pytest.mark.parametrize(
    ("name", "content_type", "header"),
    [
        (
            "契約書.pdf",
            "application/pdf",
            'attachment; filename="download.pdf"; '
            "filename*=UTF-8''%E5%A5%91%E7%B4%84%E6%9B%B8.pdf",
        ),
        (
            "仕様書",
            "application/pdf",
            'attachment; filename="download.pdf"; '
            "filename*=UTF-8''%E4%BB%95%E6%A7%98%E6%9B%B8.pdf",
        ),
        (
            "Report 2026.pdf",
            "application/pdf",
            "attachment; filename=\"Report 2026.pdf\"; filename*=UTF-8''Report%202026.pdf",
        ),
        (
            "一覧.csv",
            "text/csv",
            "attachment; filename=\"download.csv\"; filename*=UTF-8''%E4%B8%80%E8%A6%A7.csv",
        ),
    ],
)
def test_the_ascii_fallback_keeps_the_extension_of_what_is_served(name, content_type, header):
    assert content_disposition(name, content_type=content_type) == header


def test_a_pdf_is_never_offered_as_text():
    header = content_disposition("報告書.txt", content_type="application/pdf")

    assert 'filename="download.pdf"' in header
    assert header.endswith(".pdf")


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
        ("text/plain; charset=Shift_JIS; charset=utf-8", "text/plain; charset=Shift_JIS"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_content_type_carries_one_charset(given, sent):
    assert single_charset(given) == sent


def test_a_600_character_traversal_name_is_kept_as_a_short_plain_name():
    name = served_filename(TRAVERSAL_NAME, FileKind.PDF)

    assert name == "報告書.pdf"


def test_a_long_name_is_shortened_keeping_its_extension():
    name = served_filename("あ" * 600 + ".heic", FileKind.JPEG)

    assert len(name) <= 255
    assert name.endswith("あ.jpg")


def test_a_stored_text_document_is_served_with_one_charset_and_a_japanese_name(
    db, login_as, tmp_path
):
    from tests.exchange.factories import Setup, fetch, upload

    s = Setup()
    version = upload(
        tmp_path,
        actor=s.vendor,
        space=s.space,
        data="項目,値\r\n氏名,山田\r\n".encode(),
        filename="一覧",
    )

    response = fetch(login_as(s.clerk), f"/exchange/versions/{version.id}/download")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="download.csv"; ')
    assert disposition.endswith("filename*=UTF-8''%E4%B8%80%E8%A6%A7.csv")
    assert io.BytesIO(response.data).read().decode() == "項目,値\r\n氏名,山田\r\n"
