"""Build test documents: PDFs and DOCX files from contract texts, and hostile files.

Nothing large is committed: every PDF/DOCX is generated here from the .txt corpus.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence
from functools import cache

import docx
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from portal.clausecheck.draft import register_japanese_font


def wrap(text: str, width: int) -> list[str]:
    """Hard-wrap every line at `width` characters, as a PDF page does."""
    lines: list[str] = []
    for line in text.split("\n"):
        if not line:
            lines.append("")
            continue
        lines.extend(line[i : i + width] for i in range(0, len(line), width))
    return lines


def text_to_pdf(
    text: str,
    *,
    chars_per_line: int = 36,
    lines_per_page: int = 38,
    spaced: bool = False,
    page_numbers: bool = True,
    running_header: str | None = None,
) -> bytes:
    """A text PDF (IPAex font embedded): lines wrapped mid-sentence, form feed = new page.

    `spaced` puts a space between all characters, as some PDF producers' text comes out.
    """
    font = register_japanese_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    page_no = 0

    def start_page() -> None:
        nonlocal page_no
        page_no += 1
        pdf.setFont(font, 10.5)
        if running_header:
            pdf.drawString(60, height - 40, running_header)

    def finish_page() -> None:
        if page_numbers:
            pdf.drawCentredString(width / 2, 30, f"- {page_no} -")
        pdf.showPage()

    for page_text in text.split("\f"):
        start_page()
        y = height - 70
        count = 0
        for line in wrap(page_text, chars_per_line):
            if count >= lines_per_page:
                finish_page()
                start_page()
                y = height - 70
                count = 0
            shown = " ".join(line) if spaced else line
            pdf.drawString(60, y, shown)
            y -= 18
            count += 1
        finish_page()
    pdf.save()
    return out.getvalue()


def text_to_docx(
    text: str,
    *,
    header: str | None = None,
    footer: str | None = None,
    table_rows: Sequence[Sequence[str]] = (),
    page_break_before: Sequence[str] = (),
    rendered_breaks_before: Sequence[str] = (),
) -> bytes:
    """A DOCX with one paragraph per line; optional header/footer, a table and page breaks.

    A line in `page_break_before` gets an explicit page break run before it; one in
    `rendered_breaks_before` gets a ``<w:lastRenderedPageBreak/>`` (what Word saves).
    """
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    for page_index, page_text in enumerate(text.split("\f")):
        for i, line in enumerate(page_text.split("\n")):
            paragraph = document.add_paragraph()
            if (page_index and i == 0) or line in page_break_before:
                paragraph.add_run().add_break(WD_BREAK.PAGE)
            run = paragraph.add_run(line)
            if line in rendered_breaks_before:
                marker = run._r.makeelement(qn("w:lastRenderedPageBreak"), {})
                run._r.insert(0, marker)
    if table_rows:
        columns = max(len(r) for r in table_rows)
        table = document.add_table(rows=len(table_rows), cols=columns)
        for r, row in enumerate(table_rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- hostile files -----------------------------------------------------------------------------


def encrypted_pdf(source: bytes, *, user_password: str = "secret") -> bytes:  # noqa: S107
    writer = PdfWriter(clone_from=io.BytesIO(source))
    writer.encrypt(user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages that hold only a picture, as a scanner produces."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 840), 255)
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill=0)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for _ in range(pages):
        pdf.drawImage(ImageReader(image), 0, 0, A4[0], A4[1])
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@cache
def flate_bomb_pdf(decompressed_mb: int = 300) -> bytes:
    """One page whose content stream inflates to `decompressed_mb` MB (about 0.4 MB on disk)."""
    compressor = zlib.compressobj(9)
    block = b"0 0 m 1 1 l S\n" * (1 << 16)
    parts = [compressor.compress(block) for _ in range(decompressed_mb * (1 << 20) // len(block))]
    parts.append(compressor.flush())
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream._data = b"".join(parts)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def unknown_filter_pdf() -> bytes:
    """One page whose content stream names a filter no reader knows."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream._data = b"0 0 m 1 1 l S"
    stream[NameObject("/Filter")] = NameObject("/NoSuchDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def many_streams_bomb_pdf(pages: int = 40, stream_mb: int = 15) -> bytes:
    """Many pages, each under pypdf's per-stream limit, together hundreds of MB."""
    data = zlib.compress(b"0 0 m\n" * ((stream_mb << 20) // 6), 9)
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        stream = StreamObject()
        stream._data = data
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def many_pages_pdf(pages: int = 3000) -> bytes:
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    font_ref = writer._add_object(font)
    stream = StreamObject()
    stream._data = b"BT /F1 12 Tf 72 720 Td (page) Tj ET"
    content_ref = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
        page[NameObject("/Contents")] = content_ref
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@cache
def docx_zip_bomb(decompressed_mb: int = 256) -> bytes:
    """A valid-looking DOCX whose document.xml inflates to `decompressed_mb` MB."""
    source = text_to_docx("乙は、秘密を保持しなければならない。")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
                continue
            head, tail = src.read(item).split(b"<w:body>", 1)
            with dst.open("word/document.xml", "w", force_zip64=True) as f:
                f.write(head + b"<w:body>")
                blank = b" " * (16 << 20)
                for _ in range(decompressed_mb // 16):
                    f.write(blank)
                f.write(tail)
    return out.getvalue()


def docx_without_document_part() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/styles.xml", "<styles/>")
    return out.getvalue()


def docx_with_broken_xml() -> bytes:
    source = text_to_docx("本文")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    return out.getvalue()


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
