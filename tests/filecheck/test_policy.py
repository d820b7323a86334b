"""Only sanitized images and clean PDFs may be inline; everything is served with safe headers.

Nothing executable or active (PDF JavaScript, HTML, SVG) is ever served inline.
"""

from __future__ import annotations

import pickle
from urllib.parse import unquote

import pytest

from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.policy import check_upload, download_headers, inline_allowed
from portal.filecheck.sniff import FileKind

NEVER_INLINE = [
    kind for kind in FileKind if kind not in {FileKind.JPEG, FileKind.PNG, FileKind.PDF}
]


@pytest.mark.parametrize("kind", NEVER_INLINE)
def test_html_svg_scripts_and_everything_else_are_never_inline(kind: FileKind) -> None:
    headers = download_headers(kind, "file", inline=True, sanitized=True)

    assert not inline_allowed(kind, sanitized=True)
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize("kind", [FileKind.JPEG, FileKind.PNG, FileKind.PDF])
def test_images_and_pdfs_are_inline_only_once_sanitized(kind: FileKind) -> None:
    assert not inline_allowed(kind)
    assert inline_allowed(kind, sanitized=True)
    assert download_headers(kind, "a", inline=True)["Content-Disposition"].startswith("attachment")
    assert download_headers(kind, "a", inline=True, sanitized=True)[
        "Content-Disposition"
    ].startswith("inline")


def test_an_attachment_is_the_default_even_for_a_sanitized_image() -> None:
    headers = download_headers(FileKind.JPEG, "photo.jpg", sanitized=True)

    assert headers["Content-Disposition"].startswith("attachment;")


def test_every_response_gets_nosniff_no_store_and_a_sandbox_policy() -> None:
    headers = download_headers(FileKind.HTML, "page.html", inline=True, sanitized=True)

    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_an_inline_clean_pdf_is_framed_only_by_us_but_not_sandboxed() -> None:
    # A CSP sandbox makes Chromium, Firefox and Safari refuse to show the PDF at all.
    headers = download_headers(FileKind.PDF, "証明書.pdf", inline=True, sanitized=True)

    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert headers["Content-Type"] == "application/pdf"


def test_a_japanese_filename_is_sent_as_rfc5987_with_an_ascii_fallback() -> None:
    headers = download_headers(FileKind.PDF, "消去証明書（令和7年度）.pdf")

    disposition = headers["Content-Disposition"]
    assert disposition.isascii()
    assert 'filename="download.pdf"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "消去証明書（令和7年度）.pdf"


def test_a_hostile_filename_cannot_break_the_header_or_name_a_path() -> None:
    headers = download_headers(FileKind.TEXT, '..\\..\\evil"\r\nSet-Cookie: a=b.txt')

    disposition = headers["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in fallback
    assert "\\" not in fallback
    encoded = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert encoded.startswith("evil_")
    assert "/" not in encoded


def test_a_mixed_name_keeps_its_ascii_part_in_the_fallback() -> None:
    headers = download_headers(FileKind.XLSX, "media_list_媒体一覧.xlsx")

    assert 'filename="media_list.xlsx"' in headers["Content-Disposition"]


@pytest.mark.parametrize(
    "kind",
    [FileKind.HTML, FileKind.SVG, FileKind.EXECUTABLE, FileKind.SCRIPT, FileKind.OFFICE_MACRO],
)
def test_uploads_of_active_content_are_refused_as_active_content(kind: FileKind) -> None:
    with pytest.raises(FileRejected) as rejected:
        check_upload(kind, allowed={FileKind.PDF, FileKind.DOCX})

    assert rejected.value.code is RejectCode.ACTIVE_CONTENT
    assert "実行" in rejected.value.message


def test_other_kinds_outside_the_allowed_set_are_unsupported_and_empty_is_empty() -> None:
    with pytest.raises(FileRejected) as unsupported:
        check_upload(FileKind.ZIP, allowed={FileKind.PDF})
    with pytest.raises(FileRejected) as empty:
        check_upload(FileKind.EMPTY, allowed={FileKind.PDF})

    assert unsupported.value.code is RejectCode.UNSUPPORTED_TYPE
    assert empty.value.code is RejectCode.EMPTY
    check_upload(FileKind.PDF, allowed={FileKind.PDF})


def test_file_rejected_keeps_code_and_message_across_pickling() -> None:
    original = FileRejected(RejectCode.TOO_LARGE, "ファイルが大きすぎます（30 MB）。")

    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own bytes, as the sandbox does

    assert copy.code is RejectCode.TOO_LARGE
    assert copy.message == "ファイルが大きすぎます（30 MB）。"


def test_every_code_has_a_japanese_default_message() -> None:
    for code in RejectCode:
        message = FileRejected(code).message
        assert message.endswith("。")
        assert not message.isascii()


def test_a_right_to_left_override_cannot_disguise_the_extension_of_a_download() -> None:
    # "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
    headers = download_headers(FileKind.EXECUTABLE, "invoice\u202efdp.exe")

    disposition = headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "invoicefdp.exe"
