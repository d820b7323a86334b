"""Scanned contracts read by OCR: image-only PDFs, turned pages, photos, mixed PDFs, limits.

The pages are generated here (IPAex Mincho text, slight skew, dust, a fold line, a red 印影) at
200 dpi; each test OCRs one page, which keeps the module at about a minute on two cores.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from portal.clausecheck import ClauseSet, DocumentError, check_documents, extract_document
from portal.clausecheck.cli import check_command
from tests.clausecheck.builders import text_to_pdf
from tests.ocr.scans import (
    image_bytes,
    images_to_pdf,
    paginate,
    render_page,
    render_vertical_page,
    scanned_pdf,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_scanned_tokki_is_read_by_ocr_and_its_eight_clauses_found(
    tokki_text: str, iruma: ClauseSet
) -> None:
    seen: list[tuple[int, int]] = []

    document = extract_document(
        scanned_pdf(tokki_text), filename="scan.pdf", progress=lambda d, t: seen.append((d, t))
    )

    assert document.kind == "pdf"
    assert document.ocr is True
    assert document.ocr_pages == (1,)
    assert seen == [(0, 1), (1, 1)]
    assert "個人情報" in document.pages[0]
    result = check_documents([document], iruma)
    statuses = {c.key: c.status for c in result.clauses}
    # The same as the text version: this 特記事項 says nothing of auditing subcontractors, so
    # (8) is partial on the text too (tests/clausecheck/labelled/a/a01_kouotsu_tokki.toml).
    assert statuses == {
        "confidentiality": "present",
        "subcontracting": "present",
        "copying": "present",
        "safeguards": "present",
        "incident": "present",
        "return_erasure": "present",
        "termination_liability": "present",
        "reporting_audit": "partial",
    }


def test_image_only_pdf_is_no_text_when_ocr_is_off(tokki_text: str) -> None:
    with pytest.raises(DocumentError) as info:
        extract_document(scanned_pdf(tokki_text), filename="scan.pdf", ocr="never")

    assert info.value.code == "no_text"
    assert "OCR" in info.value.message


def test_page_turned_by_90_degrees_is_turned_upright_and_read(tokki_text: str) -> None:
    pdf = scanned_pdf(tokki_text, rotate=90)

    document = extract_document(pdf, filename="scan-90.pdf")

    assert document.ocr_pages == (1,)
    assert "秘密の保持" in document.pages[0]
    assert "第三者に提供してはならない" in document.pages[0]


def test_upside_down_phone_photo_of_a_page_is_read(tokki_text: str) -> None:
    page = render_page(paginate(tokki_text)[0], dpi=200, rotate=180, skew_deg=1.2)
    photo = image_bytes(page, "JPEG")

    document = extract_document(photo, filename="IMG_0001.jpg")

    assert document.kind == "image"
    assert document.ocr_pages == (1,)
    assert "再委託の禁止" in document.pages[0]
    assert "複写し、又は複製してはならない" in document.pages[0]


def test_vertical_page_is_read_with_the_vertical_model(tokki_text: str) -> None:
    scan = image_bytes(render_vertical_page(tokki_text), "TIFF")

    document = extract_document(scan, filename="縦書き.tif")

    assert document.ocr_pages == (1,)
    assert "個人情報取扱特記事項" in document.pages[0]
    assert "本業務に関して知り得た個人情報" in document.pages[0]


def test_mixed_pdf_ocrs_only_the_scanned_page(tokki_text: str) -> None:
    typed = text_to_pdf("業務委託契約書\n第1条　甲は、乙に対し、次の業務を委託する。")
    scan = images_to_pdf([render_page(paginate(tokki_text)[0], dpi=200)])
    writer = PdfWriter()
    for part in (typed, scan):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)

    document = extract_document(out.getvalue(), filename="契約書.pdf")

    assert document.page_count == 2
    assert document.ocr_pages == (2,)
    assert "業務委託契約書" in document.pages[0]  # the text layer, not OCR
    assert "秘密の保持" in document.pages[1]


def test_always_reads_even_a_page_with_a_text_layer_by_ocr() -> None:
    pdf = text_to_pdf("第1条　乙は、本業務に関して知り得た個人情報を他に漏らしてはならない。")

    auto = extract_document(pdf, filename="a.pdf")
    always = extract_document(pdf, filename="a.pdf", ocr="always")

    assert auto.ocr_pages == ()
    assert always.ocr_pages == (1,)
    assert "個人情報を他に漏らしてはならない" in always.pages[0]


def test_image_only_pdf_beyond_the_ocr_page_limit_is_refused_in_japanese() -> None:
    blank = render_page(["第1条　乙は、個人情報を他に漏らしてはならない。"], dpi=50, stamp=False)
    pdf = images_to_pdf([blank] * 4, dpi=50)

    with pytest.raises(DocumentError) as info:
        extract_document(pdf, filename="scan.pdf", ocr_max_pages=3)

    assert info.value.code == "too_large"
    assert "4ページ" in info.value.message
    assert "3ページまで" in info.value.message
    assert JAPANESE.search(info.value.message)


def test_small_picture_is_not_taken_for_a_page_photo() -> None:
    tiny = image_bytes(render_page(["乙"], dpi=40, stamp=False), "PNG")

    with pytest.raises(DocumentError) as info:
        extract_document(tiny, filename="logo.png")

    assert info.value.code == "unsupported_type"
    assert "PNG画像" in info.value.message


def test_cli_json_says_which_pages_were_ocrd(tokki_text: str, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf(tokki_text))

    result = CliRunner().invoke(check_command, [str(path), "--json", "--profile", "iruma"])

    payload = json.loads(result.stdout_bytes.decode("utf-8"))
    assert payload["ocr"] is True
    assert payload["ocr_pages"] == [1]
    assert len(payload["clauses"]) == 8
    never = CliRunner().invoke(check_command, [str(path), "--json", "--ocr", "never"])
    assert never.exit_code == 2
    assert json.loads(never.stdout_bytes.decode("utf-8"))["error"]["code"] == "no_text"
