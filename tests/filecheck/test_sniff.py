"""The type of a file comes from its bytes, never from its name or the browser."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from portal.filecheck.sniff import HEAD_BYTES, FileKind, safe_content_type, sniff, sniff_path
from tests.filecheck import makers

OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OOXML_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OOXML_SLIDES = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _head(path: Path) -> bytes:
    return path.read_bytes()[:HEAD_BYTES]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", FileKind.EMPTY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", FileKind.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", FileKind.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FileKind.PNG),
        (b"GIF89a\x01\x00\x01\x00", FileKind.GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", FileKind.WEBP),
        (b"II*\x00\x08\x00\x00\x00", FileKind.TIFF),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", FileKind.HEIC),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", FileKind.HEIF),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", FileKind.UNKNOWN),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", FileKind.EXECUTABLE),
        (b"\x7fELF\x02\x01\x01\x00", FileKind.EXECUTABLE),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", FileKind.EXECUTABLE),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x02", FileKind.EXECUTABLE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", FileKind.OLE_COMPOUND),
        (b"{\\rtf1\\ansi\\deff0", FileKind.RTF),
        (b"#!/bin/sh\nrm -rf /\n", FileKind.SCRIPT),
        (b"<?php system($_GET['c']); ?>", FileKind.SCRIPT),
        (b"<!DOCTYPE html><html><body>hi</body></html>", FileKind.HTML),
        (b"  <script>alert(1)</script>", FileKind.HTML),
        (b"report\n<img src=x onerror=alert(1)>\n", FileKind.HTML),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', FileKind.SVG),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', FileKind.SVG),
        (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>', FileKind.HTML),
        (b'<?xml version="1.0"?>\n<contract><no>1</no></contract>', FileKind.XML),
        ("委託契約の仕様書です。\r\n第1条 目的\r\n".encode(), FileKind.TEXT),
        ("委託契約の仕様書です。\r\n第1条 目的\r\n".encode("cp932"), FileKind.TEXT),
        ("\ufeff氏名,住所\r\n山田,入間市\r\n佐藤,狭山市\r\n".encode(), FileKind.CSV),
        ("氏名,住所\r\n山田,入間市\r\n".encode("cp932"), FileKind.CSV),
        ("氏名\t住所\n山田\t入間市\n".encode("utf-16"), FileKind.CSV),
        (bytes(range(256)) * 4, FileKind.UNKNOWN),
    ],
)
def test_sniff_recognises_the_type_from_the_leading_bytes(data: bytes, expected: FileKind) -> None:
    assert sniff(data) is expected


def test_a_name_never_makes_a_file_look_safer() -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00"
    html = b"<html><script>alert(1)</script></html>"

    assert sniff(exe, filename="photo.jpg") is FileKind.EXECUTABLE
    assert sniff(html, filename="minutes.txt") is FileKind.HTML
    assert sniff(b"%PDF-1.4\n", filename="page.html") is FileKind.PDF


def test_a_script_suffix_turns_plain_text_into_a_script() -> None:
    batch = b"del /q C:\\Users\\*\r\n"

    assert sniff(batch) is FileKind.TEXT
    assert sniff(batch, filename="cleanup.bat") is FileKind.SCRIPT
    assert sniff(b"WScript.Echo 1", filename="a.VBS") is FileKind.SCRIPT
    assert sniff(b"plain words", filename="x.svg") is FileKind.SVG


def test_text_cut_in_the_middle_of_a_multibyte_character_is_still_text() -> None:
    data = ("あ" * 30_000).encode()[: HEAD_BYTES - 1]

    assert sniff(data) is FileKind.TEXT


def test_a_real_docx_written_by_python_docx_is_docx(tmp_path: Path) -> None:
    path = tmp_path / "契約書.docx"
    document = docx.Document()
    document.add_paragraph("第1条 秘密の保持")
    document.save(str(path))

    assert sniff(_head(path)) is FileKind.DOCX
    assert sniff_path(path) is FileKind.DOCX


@pytest.mark.parametrize(
    ("main_part", "content_type", "expected"),
    [
        ("xl/workbook.xml", OOXML_SHEET, FileKind.XLSX),
        ("ppt/presentation.xml", OOXML_SLIDES, FileKind.PPTX),
        ("word/document.xml", DOCM, FileKind.OFFICE_MACRO),
    ],
)
def test_ooxml_kind_comes_from_the_main_part_in_content_types(
    tmp_path: Path, main_part: str, content_type: str, expected: FileKind
) -> None:
    path = makers.ooxml(tmp_path / "file.zip", main_part=main_part, content_type=content_type)

    assert sniff(_head(path)) is expected
    assert sniff_path(path) is expected


def test_a_docx_with_a_vba_project_is_a_macro_file(tmp_path: Path) -> None:
    path = makers.ooxml(
        tmp_path / "invoice.docx",
        main_part="word/document.xml",
        content_type=OOXML_WORD,
        extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"},
    )

    assert sniff_path(path) is FileKind.OFFICE_MACRO


def test_a_zip_whose_content_types_names_a_missing_main_part_is_just_a_zip(
    tmp_path: Path,
) -> None:
    path = makers.ooxml(
        tmp_path / "fake.docx", main_part="word/document.xml", content_type=OOXML_WORD
    )
    with_missing_part = tmp_path / "fake2.docx"
    import zipfile

    with zipfile.ZipFile(path) as src, zipfile.ZipFile(with_missing_part, "w") as dst:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))

    assert sniff_path(with_missing_part) is FileKind.ZIP


def test_an_ordinary_zip_is_a_zip(tmp_path: Path) -> None:
    path = makers.plain_zip(tmp_path / "photos.zip")

    assert sniff(_head(path)) is FileKind.ZIP
    assert sniff_path(path) is FileKind.ZIP


def test_a_truncated_zip_is_still_called_a_zip(tmp_path: Path) -> None:
    full = makers.plain_zip(tmp_path / "full.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(full[: len(full) // 2])

    assert sniff_path(cut) is FileKind.ZIP


def test_image_formats_are_judged_by_content_not_extension(tmp_path: Path) -> None:
    png = io.BytesIO()
    makers.noisy_image((8, 8)).save(png, "PNG")
    renamed = tmp_path / "photo.jpg"
    renamed.write_bytes(png.getvalue())

    assert sniff_path(renamed, filename="photo.jpg") is FileKind.PNG


@pytest.mark.parametrize(
    "kind",
    [
        FileKind.HTML,
        FileKind.SVG,
        FileKind.XML,
        FileKind.SCRIPT,
        FileKind.EXECUTABLE,
        FileKind.OFFICE_MACRO,
        FileKind.UNKNOWN,
    ],
)
def test_active_or_unknown_kinds_get_a_neutral_content_type(kind: FileKind) -> None:
    assert safe_content_type(kind) == "application/octet-stream"


def test_known_document_kinds_get_their_own_content_type() -> None:
    assert safe_content_type(FileKind.PDF) == "application/pdf"
    assert safe_content_type(FileKind.JPEG) == "image/jpeg"
    assert safe_content_type(FileKind.DOCX).endswith("wordprocessingml.document")
    assert safe_content_type(FileKind.CSV) == "text/csv"
