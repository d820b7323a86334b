"""PDFs are validated with pypdf in the sandbox, and served back without しおり/プロパティ.

Upload rules (must parse, not encrypted, page and size limits); 広島市要綱 第6 7 (PDF の
「しおり機能表示」やプロパティ情報等に個人情報が含まれていることがある).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.filters import decode_stream_data

from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.pdf import clean_pdf, inspect_pdf_metadata, validate_pdf
from tests.filecheck import makers

MB = 1024 * 1024


def _page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_a_plain_pdf_is_valid_and_reports_its_pages(tmp_path: Path) -> None:
    path = makers.simple_pdf(tmp_path / "cert.pdf", pages=3, with_properties=False)

    info = validate_pdf(path, max_bytes=MB, max_pages=10)

    assert info.pages == 3
    assert info.size_bytes == path.stat().st_size
    assert info.pdf_version.startswith("%PDF-1.")
    assert not info.metadata.has_active_content


def test_a_pdf_whose_content_streams_have_no_filter_is_valid(tmp_path: Path) -> None:
    path = makers.simple_pdf(tmp_path / "plain.pdf", pages=2, compress=False)
    assert b"/Filter" not in path.read_bytes()

    info = validate_pdf(path, max_bytes=MB, max_pages=10)
    clean_pdf(path, tmp_path / "clean.pdf")

    assert info.pages == 2
    assert [t.strip() for t in _page_texts(tmp_path / "clean.pdf")] == [
        "page1 消去証明",
        "page2 消去証明",
    ]


def test_properties_xmp_and_outline_are_reported_with_their_text(tmp_path: Path) -> None:
    path = makers.pdf_with_everything(tmp_path / "cert.pdf")

    report = inspect_pdf_metadata(path)

    info = dict(report.info)
    assert info["/Author"] == "山田 太郎"
    assert info["/Title"] == "消去証明書"
    assert info["/Subject"] == "株式会社サンプル"
    assert info["/Keywords"] == "個人情報"
    assert ("dc:creator", "佐藤 花子") in report.xmp
    assert ("xmp:CreatorTool", "窓口端末") in report.xmp
    assert report.outline_titles == ("山田様の証明",)
    assert ("/Author", "山田 太郎") in report.hidden_text
    assert ("dc:creator", "佐藤 花子") in report.hidden_text
    assert ("しおり", "山田様の証明") in report.hidden_text
    assert report.has_hidden_text


def test_producer_dates_and_document_ids_alone_do_not_count_as_hidden_text(
    tmp_path: Path,
) -> None:
    path = makers.technical_metadata_pdf(tmp_path / "word.pdf")

    report = inspect_pdf_metadata(path)

    assert ("/Producer", "Microsoft Word for Microsoft 365") in report.info
    assert ("xmp:CreatorTool", "Microsoft Word") in report.xmp
    assert ("xmpMM:DocumentID", "uuid:5d1c7a1e-2f7d-4a37-9a53-0c1d2b7e9f00") in report.xmp
    assert report.hidden_text == ()
    assert not report.has_hidden_text


def test_javascript_open_action_page_actions_launch_and_attachments_are_detected(
    tmp_path: Path,
) -> None:
    path = makers.pdf_with_everything(tmp_path / "active.pdf")

    report = inspect_pdf_metadata(path)

    assert report.has_javascript
    assert report.has_open_action
    assert report.has_additional_actions
    assert report.has_launch_action
    assert report.has_embedded_files
    assert {"/JavaScript", "/Launch"} <= set(report.action_types)
    assert report.has_active_content


def test_a_pdf_that_only_opens_at_page_one_has_no_active_content(tmp_path: Path) -> None:
    path = makers.simple_pdf(tmp_path / "plain.pdf", with_properties=False)

    report = inspect_pdf_metadata(path)

    assert not report.has_open_action
    assert not report.has_active_content
    assert report.outline_titles == ()


def test_clean_pdf_removes_properties_xmp_and_outline_but_keeps_pages_and_text(
    tmp_path: Path,
) -> None:
    src = makers.simple_pdf(tmp_path / "cert.pdf", pages=3)
    dst = tmp_path / "clean.pdf"
    assert inspect_pdf_metadata(src).has_hidden_text

    clean_pdf(src, dst)

    report = inspect_pdf_metadata(dst)
    assert report.info == ()
    assert report.xmp == ()
    assert report.outline_titles == ()
    reader = PdfReader(dst)
    assert reader.metadata is None
    assert reader.xmp_metadata is None
    assert "/Outlines" not in reader.root_object
    texts = _page_texts(dst)
    assert len(texts) == 3
    assert "page1 消去証明" in texts[0]
    assert "page3 消去証明" in texts[2]
    raw = dst.read_bytes()
    for secret in ("山田".encode("utf-16-be"), "山田".encode(), b"ReportLab"):
        assert secret not in raw


def test_clean_pdf_removes_javascript_actions_attachments_and_annotation_authors(
    tmp_path: Path,
) -> None:
    src = makers.pdf_with_everything(tmp_path / "active.pdf")
    dst = tmp_path / "clean.pdf"

    clean_pdf(src, dst)

    report = inspect_pdf_metadata(dst)
    assert not report.has_active_content
    assert not report.has_hidden_text
    assert report.action_types == ()
    reader = PdfReader(dst)
    assert len(reader.pages) == 2
    assert "page2 写真" in reader.pages[1].extract_text()
    for key in ("/OpenAction", "/Names", "/AA", "/AcroForm"):
        assert key not in reader.root_object
    annots = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert all("/A" not in a and "/AA" not in a and "/T" not in a for a in annots)
    assert any(a.get("/Contents") == "確認済み" for a in annots)  # the note itself stays
    raw = dst.read_bytes()
    for secret in (b"app.alert", b"this.print", b"cmd.exe", b"/EmbeddedFile"):
        assert secret not in raw


def _embedded_jpegs(path: Path) -> list[bytes]:
    """The JPEG file bytes of every image on every page (outer filters such as ASCII85 undone)."""
    found = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            stream = ref.get_object()
            if stream.get("/Subtype") == "/Image":
                found.append(decode_stream_data(stream))
    return found


@pytest.mark.parametrize("wrapping", ["plain DCTDecode", "ASCII85 around DCTDecode (ReportLab)"])
def test_clean_pdf_strips_exif_gps_from_photos_embedded_in_the_pdf(
    tmp_path: Path, wrapping: str
) -> None:
    photo = makers.jpeg_with_gps(tmp_path / "photo.jpg", size=(400, 300))
    src = tmp_path / "with-photo.pdf"
    if wrapping == "plain DCTDecode":
        makers.pdf_with_photo(src, photo)
    else:
        makers.pdf_with_everything(src, photo=photo)
    (before,) = _embedded_jpegs(src)
    assert b"Exif" in before
    dst = tmp_path / "clean.pdf"

    clean_pdf(src, dst)

    (after,) = _embedded_jpegs(dst)
    for secret in (b"Exif", b"http://ns.adobe.com/xap", "撮影者".encode()):
        assert secret not in after
        assert secret not in dst.read_bytes()
    with Image.open(io.BytesIO(after)) as im:
        assert im.size == (400, 300)
        assert len(im.getexif()) == 0
        im.load()


def test_an_encrypted_pdf_is_rejected_even_with_an_empty_user_password(tmp_path: Path) -> None:
    path = makers.encrypted_pdf(tmp_path / "locked.pdf", user_password="")

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=MB, max_pages=10)

    assert rejected.value.code is RejectCode.ENCRYPTED
    assert "保護を解除" in rejected.value.message


def test_clean_pdf_refuses_an_encrypted_pdf_and_writes_nothing(tmp_path: Path) -> None:
    path = makers.encrypted_pdf(tmp_path / "locked.pdf", user_password="pw")
    dst = tmp_path / "clean.pdf"

    with pytest.raises(FileRejected) as rejected:
        clean_pdf(path, dst)

    assert rejected.value.code is RejectCode.ENCRYPTED
    assert not dst.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    path = makers.corrupt_pdf(tmp_path / "broken.pdf")

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=MB, max_pages=10)

    assert rejected.value.code is RejectCode.MALFORMED
    assert "壊れて" in rejected.value.message


def test_a_pdf_cut_in_half_is_rejected(tmp_path: Path) -> None:
    whole = makers.simple_pdf(tmp_path / "whole.pdf", pages=4).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(cut, max_bytes=MB, max_pages=10)

    assert rejected.value.code is RejectCode.MALFORMED


def test_a_pdf_with_too_many_pages_is_rejected_with_the_numbers(tmp_path: Path) -> None:
    path = makers.simple_pdf(tmp_path / "long.pdf", pages=6, with_properties=False)

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=MB, max_pages=5)

    assert rejected.value.code is RejectCode.TOO_MANY_PAGES
    assert "6 ページ" in rejected.value.message
    assert "5 ページ" in rejected.value.message


def test_a_pdf_over_the_byte_limit_is_rejected_before_parsing(tmp_path: Path) -> None:
    path = makers.simple_pdf(tmp_path / "cert.pdf")

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=100, max_pages=10)

    assert rejected.value.code is RejectCode.TOO_LARGE


def test_a_file_that_is_not_a_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"<html><script>alert(1)</script></html>")

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=MB, max_pages=10)

    assert rejected.value.code is RejectCode.UNSUPPORTED_TYPE


def test_a_flate_bomb_pdf_is_rejected_within_twenty_seconds(tmp_path: Path) -> None:
    path = makers.flate_bomb_pdf(tmp_path / "bomb.pdf", inflated_mb=400)
    started = time.monotonic()

    # The sandbox child gets 512 MB: the 400 MB stream must not be inflated in full.
    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=5 * MB, max_pages=10, memory_mb=512)

    assert path.stat().st_size < MB
    assert rejected.value.code is RejectCode.RESOURCE_LIMIT
    assert time.monotonic() - started < 20


def test_many_pages_of_streams_just_under_the_per_stream_limit_do_not_add_up(
    tmp_path: Path,
) -> None:
    path = makers.flate_bomb_pdf(tmp_path / "pages.pdf", inflated_mb=70, pages=8)

    # 8 × 70 MB = 560 MB decoded in total; only one stream may be alive at a time.
    info = validate_pdf(path, max_bytes=5 * MB, max_pages=10, memory_mb=512)

    assert info.pages == 8


def test_a_pdf_that_takes_too_long_is_a_timeout(tmp_path: Path) -> None:
    path = makers.flate_bomb_pdf(tmp_path / "slow.pdf", inflated_mb=70, pages=8)

    with pytest.raises(FileRejected) as rejected:
        validate_pdf(path, max_bytes=5 * MB, max_pages=10, timeout_s=0.2)

    assert rejected.value.code is RejectCode.TIMEOUT


def test_a_pdf_whose_content_streams_have_no_filter_is_accepted_and_its_javascript_found(
    tmp_path,
):
    # /Filter is optional (ISO 32000-2 7.3.8.2); pypdf's decode_stream_data refuses a stream
    # without one, which used to refuse every such PDF as malformed on every upload path.
    content = b"BT /F1 12 Tf 72 720 Td (uncompressed) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
    ]
    path = tmp_path / "plain.pdf"
    path.write_bytes(makers.raw_pdf(objects))

    info = validate_pdf(path, max_bytes=10_000_000, max_pages=10)
    clean_pdf(path, tmp_path / "clean.pdf")

    assert info.pages == 1
    assert info.metadata.has_javascript
    assert info.metadata.has_open_action
    cleaned = (tmp_path / "clean.pdf").read_bytes()
    assert b"/JavaScript" not in cleaned
    assert b"/OpenAction" not in cleaned
    assert b"uncompressed" in PdfReader(io.BytesIO(cleaned)).pages[0].get_contents().get_data()
