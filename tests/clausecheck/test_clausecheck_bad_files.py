"""Hostile and broken files: each ends within 20 s with its code and a Japanese message.

Parsing runs in the sandbox (bounded memory and time); nothing here may hang or crash the
test process. The bomb files are generated (a few hundred KB each), not committed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from portal import sandbox
from portal.clausecheck import (
    ClauseSet,
    DocumentError,
    ExtractedDocument,
    check_documents,
    check_documents_limited,
    extract_document,
)
from tests.clausecheck import builders
from tests.clausecheck.builders import text_to_docx, text_to_pdf
from tests.clausecheck.conftest import corpus_text

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TIME_LIMIT_S = 20


def _good_pdf() -> bytes:
    return text_to_pdf(
        "第1条　乙は、個人情報を他に漏らしてはならない。\f第2条　乙は、再委託してはならない。"
    )


def _good_docx() -> bytes:
    return text_to_docx("第1条　乙は、個人情報を他に漏らしてはならない。")


HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("encrypted.pdf", lambda: builders.encrypted_pdf(_good_pdf()), "encrypted", "暗号化"),
    (
        "owner-password-only.pdf",
        lambda: builders.encrypted_pdf(_good_pdf(), user_password=""),
        "encrypted",
        "暗号化",
    ),
    ("scanned.pdf", builders.scanned_pdf, "no_text", "OCR"),
    ("truncated.pdf", lambda: _good_pdf()[: len(_good_pdf()) // 2], "malformed", "途中で切れて"),
    (
        "garbage-after-header.pdf",
        lambda: b"%PDF-1.7\n" + b"\x00garbage" * 500 + b"\n%%EOF",
        "malformed",
        "壊れて",
    ),
    ("truncated.docx", lambda: _good_docx()[: len(_good_docx()) // 2], "malformed", "壊れて"),
    ("broken-xml.docx", builders.docx_with_broken_xml, "malformed", "壊れて"),
    ("no-document-part.docx", builders.docx_without_document_part, "unsupported_type", "ZIP"),
    ("zero-bytes.pdf", lambda: b"", "empty", "空"),
    ("only-spaces.txt", lambda: b" \r\n\t \n", "empty", "空"),
    ("picture.pdf", lambda: builders.PNG_BYTES, "unsupported_type", "PNG画像"),
    ("flate-bomb.pdf", builders.flate_bomb_pdf, "too_large", "大きくなりすぎる"),
    ("many-streams-bomb.pdf", builders.many_streams_bomb_pdf, "too_large", "大きくなりすぎる"),
    ("3000-pages.pdf", builders.many_pages_pdf, "too_large", "ページ数が多すぎます"),
    ("zip-bomb.docx", builders.docx_zip_bomb, "too_large", "大きくなりすぎる"),
    ("binary.txt", lambda: bytes(range(256)) * 64, "unsupported_type", "バイナリ"),
    ("unknown-filter.pdf", builders.unknown_filter_pdf, "malformed", "壊れて"),
]


@pytest.mark.parametrize(
    ("filename", "make", "code", "words"), [pytest.param(*h, id=h[0]) for h in HOSTILE]
)
def test_hostile_file_ends_quickly_with_its_code_and_a_japanese_message(
    filename: str, make: Callable[[], bytes], code: str, words: str
) -> None:
    data = make()
    start = time.monotonic()

    with pytest.raises(DocumentError) as info:
        extract_document(data, filename=filename)

    assert time.monotonic() - start < TIME_LIMIT_S
    assert info.value.code == code
    assert words in info.value.message
    assert JAPANESE.search(info.value.message)


def test_scanned_pdf_message_says_scanned_and_suggests_ocr_or_a_text_version() -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(builders.scanned_pdf(), filename="scan.pdf")

    assert "スキャン" in info.value.message
    assert "OCR" in info.value.message
    assert "テキスト" in info.value.message


def test_file_over_the_byte_limit_is_too_large_without_parsing() -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(b"x" * 2048, filename="a.txt", max_bytes=1024)

    assert info.value.code == "too_large"
    assert "上限" in info.value.message


def test_page_limit_is_configurable() -> None:
    pdf = text_to_pdf("一。\f二。\f三。")

    with pytest.raises(DocumentError) as info:
        extract_document(pdf, filename="a.pdf", max_pages=2)

    assert info.value.code == "too_large"


def test_parse_that_outlives_the_time_limit_is_reported_as_too_large() -> None:
    start = time.monotonic()

    with pytest.raises(DocumentError) as info:
        extract_document(builders.flate_bomb_pdf(), filename="bomb.pdf", timeout_s=0.05)

    assert time.monotonic() - start < 5
    assert info.value.code == "too_large"


@pytest.mark.parametrize(
    ("sandbox_error", "code"),
    [
        (sandbox.SandboxMemoryExceeded("limit"), "too_large"),
        (sandbox.SandboxTimeout("limit"), "too_large"),
        (sandbox.SandboxCrashed("signal"), "malformed"),
    ],
)
def test_sandbox_failures_become_document_errors(
    monkeypatch: pytest.MonkeyPatch, sandbox_error: Exception, code: str
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise sandbox_error

    monkeypatch.setattr(sandbox, "run_limited", fail)

    with pytest.raises(DocumentError) as info:
        extract_document(b"%PDF-1.7", filename="a.pdf")

    assert info.value.code == code
    assert JAPANESE.search(info.value.message)


def test_a_document_error_crosses_the_process_boundary_intact() -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(builders.PNG_BYTES, filename="x.pdf")

    assert isinstance(info.value.code, str)
    assert str(info.value).startswith("unsupported_type: ")


def test_sandboxed_check_gives_the_same_result_as_the_pure_one(
    clause_sets: dict[str, ClauseSet],
) -> None:
    documents = [ExtractedDocument.from_text("t.txt", corpus_text("old_standard_tokki"))]

    limited = check_documents_limited(documents, clause_sets["hiroshima"])

    assert limited == check_documents(documents, clause_sets["hiroshima"])


def test_text_built_to_make_the_patterns_backtrack_ends_within_the_limit(
    clause_sets: dict[str, ClauseSet],
) -> None:
    hostile = [ExtractedDocument.from_text("t.txt", "乙は、個人情報を他に漏らし" * 60_000)]
    start = time.monotonic()

    with pytest.raises(DocumentError) as info:
        check_documents_limited(hostile, clause_sets["iruma"], timeout_s=1)

    assert time.monotonic() - start < 10
    assert info.value.code == "too_large"
