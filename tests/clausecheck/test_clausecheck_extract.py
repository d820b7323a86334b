"""Type sniffing from bytes and text extraction per page (PDF, DOCX, text)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from portal.clausecheck import DocumentError, ExtractedDocument, extract_document
from portal.clausecheck.sniff import sniff
from tests.clausecheck.builders import PNG_BYTES, text_to_docx, text_to_pdf

SAMPLE = "第1条　乙は、業務上知り得た個人情報を他に漏らしてはならない。"


@pytest.mark.parametrize(
    ("data", "kind", "encoding"),
    [
        (b"%PDF-1.7\n...", "pdf", None),
        (b"\xef\xbb\xbf%PDF-1.4 junk before the header is allowed", "pdf", None),
        (SAMPLE.encode("utf-8"), "text", "utf-8"),
        (SAMPLE.encode("utf-8-sig"), "text", "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "text", "utf-16"),
        (SAMPLE.encode("utf-16-be").join([b"\xfe\xff", b""]), "text", "utf-16"),
        (SAMPLE.encode("cp932"), "text", "cp932"),
    ],
)
def test_type_and_encoding_are_judged_from_the_bytes(
    data: bytes, kind: str, encoding: str | None
) -> None:
    sniffed = sniff(data)

    assert (sniffed.kind, sniffed.encoding) == (kind, encoding)


def test_docx_is_recognised_by_its_document_part() -> None:
    assert sniff(text_to_docx(SAMPLE)).kind == "docx"


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            zf.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (PNG_BYTES, "PNG画像"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG画像"),
        (b"GIF89a\x01\x00", "GIF画像"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "古い形式のOffice文書"),
        (_zip(["xl/workbook.xml"]), "Excel"),
        (_zip(["hello.txt"]), "ZIP圧縮ファイル"),
        (b"\x7fELF\x02\x01\x01", "実行ファイル"),
        (bytes(range(256)) * 4, "バイナリ"),
    ],
)
def test_other_file_types_are_unsupported_with_what_they_look_like(data: bytes, label: str) -> None:
    with pytest.raises(DocumentError) as info:
        sniff(data)

    assert info.value.code == "unsupported_type"
    assert label in info.value.message


def test_password_protected_word_file_is_encrypted_not_unsupported() -> None:
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")
    )

    with pytest.raises(DocumentError) as info:
        sniff(ole)

    assert info.value.code == "encrypted"


def test_pdf_pages_keep_their_real_numbers() -> None:
    pdf = text_to_pdf("一ページ目の本文。\f二ページ目の本文。\f三ページ目の本文。")

    document = extract_document(pdf, filename="a.pdf")

    assert document.kind == "pdf"
    assert document.page_count == 3
    assert "二ページ目" in document.pages[1]
    assert document.textless_pages == ()


def test_pdf_page_without_text_is_listed_as_textless() -> None:
    pdf = text_to_pdf("本文のあるページ。\f\f本文のあるページ。", page_numbers=False)

    document = extract_document(pdf, filename="a.pdf")

    assert document.textless_pages == (2,)


def test_docx_tables_headers_and_footers_are_extracted() -> None:
    data = text_to_docx(
        "本文の段落。",
        header="ヘッダーの文字",
        footer="フッターの文字",
        table_rows=[["再委託", "乙は、再委託してはならない。"], ["複製", "複製してはならない。"]],
    )

    document = extract_document(data, filename="a.docx")

    text = "\n".join(document.pages)
    for expected in (
        "ヘッダーの文字",
        "フッターの文字",
        "本文の段落。",
        "乙は、再委託してはならない。",
    ):
        assert expected in text


def test_docx_explicit_page_breaks_number_the_pages() -> None:
    data = text_to_docx("一ページ目。\f二ページ目。\f三ページ目。")

    document = extract_document(data, filename="a.docx")

    assert document.page_count == 3
    assert "三ページ目" in document.pages[2]


def test_docx_rendered_page_breaks_saved_by_word_are_used() -> None:
    data = text_to_docx(
        "第1条　一。\n第2条　二。\n第3条　三。", rendered_breaks_before=["第3条　三。"]
    )

    document = extract_document(data, filename="a.docx")

    assert document.page_count == 2
    assert "第3条" in document.pages[1]


def test_docx_without_breaks_is_one_page() -> None:
    document = extract_document(text_to_docx("第1条　一。\n第2条　二。"), filename="a.docx")

    assert document.page_count == 1


def test_text_file_form_feed_starts_a_new_page() -> None:
    data = "一ページ目。\f二ページ目。".encode("cp932")

    document = extract_document(data, filename="a.txt")

    assert (document.kind, document.encoding, document.page_count) == ("text", "cp932", 2)


def test_text_file_line_endings_are_normalised() -> None:
    document = extract_document("一行目\r\n二行目\r三行目".encode(), filename="a.txt")

    assert document.pages == ["一行目\n二行目\n三行目"]


def test_file_path_is_accepted_as_well_as_bytes(tmp_path: Path) -> None:
    path = tmp_path / "契約書.txt"
    path.write_text(SAMPLE, encoding="utf-8")

    document = extract_document(path, filename=path.name)

    assert document.name == "契約書.txt"
    assert SAMPLE in document.pages[0]


def test_file_name_does_not_decide_the_type() -> None:
    document = extract_document(SAMPLE.encode(), filename="契約書.pdf")

    assert document.kind == "text"


def test_extracted_document_survives_a_json_round_trip() -> None:
    import json

    document = extract_document(text_to_pdf("一。\f\f三。", page_numbers=False), filename="a.pdf")

    restored = ExtractedDocument.from_dict(json.loads(json.dumps(document.to_dict())))

    assert restored == document
