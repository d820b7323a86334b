"""Build hostile and ordinary test files in tmp_path (no committed binaries)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

GPS_LAT = (35.0, 51.0, 24.5)  # 入間市役所のあたり
GPS_LON = (139.0, 23.0, 27.8)

XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    b' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    b'  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
    b'      xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="'
    + "窓口端末".encode()
    + b'">\n   <dc:creator><rdf:Seq><rdf:li>'
    + "佐藤 花子".encode()
    + b"</rdf:li></rdf:Seq></dc:creator>\n"
    b"  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
    b'<?xpacket end="w"?>'
)
"""XMP naming 佐藤 花子 as creator and 窓口端末 as the tool."""


def noisy_image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A photo-like image: noise compresses like a real photo, unlike a flat colour."""
    grey = Image.effect_noise(size, 60)
    if mode == "L":
        return grey
    rgb = Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey))
    return rgb if mode == "RGB" else rgb.convert(mode)


def gps_exif(*, orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15"  # Model
    exif[0x013B] = "山田 太郎"  # Artist
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LAT
    gps[3] = "E"
    gps[4] = GPS_LON
    return exif


def jpeg_with_gps(
    path: Path, *, size: tuple[int, int] = (800, 600), orientation: int = 1, quality: int = 90
) -> Path:
    """JPEG with EXIF (GPS, artist, orientation), XMP, an ICC profile and a COM comment."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    noisy_image(size).save(
        path,
        "JPEG",
        quality=quality,
        exif=gps_exif(orientation=orientation).tobytes(),
        xmp=XMP_PACKET,
        icc_profile=icc,
        comment="撮影者 山田".encode(),
    )
    return path


def png_with_text(path: Path, *, mode: str = "RGB", size: tuple[int, int] = (300, 200)) -> Path:
    """PNG with tEXt, zTXt and iTXt chunks and an eXIf chunk carrying GPS."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Yamada Taro")
    info.add_text("Comment", "secret location", zip=True)
    info.add_itxt("Description", "撮影場所 入間市", lang="ja")
    noisy_image(size, mode).save(path, "PNG", pnginfo=info, exif=gps_exif().tobytes())
    return path


def png_bomb(path: Path, side: int = 30_000) -> Path:
    """A single-colour side×side 1-bit PNG: ~100 KB on disk, ~900 MB once Pillow decodes it."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    chunks.append(compressor.compress(row * (side % 1000)))
    chunks.append(compressor.flush())
    idat = b"".join(chunks)

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def heic_with_gps(path: Path, *, size: tuple[int, int] = (640, 480)) -> Path:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    noisy_image(size).save(path, format="HEIF", quality=60, exif=gps_exif().tobytes())
    return path


# --- PDF ------------------------------------------------------------------------------------

_FONT = "HeiseiMin-W3"


def _register_font() -> None:
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def simple_pdf(
    path: Path, *, pages: int = 2, with_properties: bool = True, compress: bool = True
) -> Path:
    """A PDF with page text "ページN 消去証明"; optionally with properties and しおり, and with
    content streams that have no /Filter (``compress=False``)."""
    _register_font()
    c = canvas.Canvas(str(path), pageCompression=1 if compress else 0)
    if with_properties:
        c.setAuthor("山田 太郎")
        c.setTitle("入間市 消去証明書（山田様）")
        c.setSubject("委託先 株式会社サンプル")
        c.setKeywords("個人情報, 住民票")
        c.setCreator("窓口端末")
    for n in range(1, pages + 1):
        c.setFont(_FONT, 14)
        c.drawString(72, 720, f"page{n} 消去証明")
        if with_properties:
            c.bookmarkPage(f"p{n}")
            c.addOutlineEntry(f"山田様 {n} 枚目", f"p{n}")
        c.showPage()
    c.save()
    return path


def pdf_with_everything(path: Path, *, photo: Path | None = None) -> Path:
    """Properties, XMP, しおり, document JavaScript, OpenAction, page /AA, a JavaScript link,
    a Launch link, an embedded file, and optionally a JPEG photo (with EXIF) on page 1."""
    _register_font()
    base = io.BytesIO()
    c = canvas.Canvas(base)
    c.setAuthor("山田 太郎")
    c.setTitle("消去証明書")
    c.setSubject("株式会社サンプル")
    c.setKeywords("個人情報")
    c.setFont(_FONT, 14)
    c.drawString(72, 720, "page1 消去証明")
    if photo is not None:
        c.drawImage(str(photo), 72, 400, width=200, height=150)
    c.bookmarkPage("p1")
    c.addOutlineEntry("山田様の証明", "p1")
    c.showPage()
    c.setFont(_FONT, 14)
    c.drawString(72, 720, "page2 写真")
    c.showPage()
    c.save()
    base.seek(0)

    writer = PdfWriter(clone_from=PdfReader(base))
    writer.xmp_metadata = XMP_PACKET
    writer.add_attachment("住民名簿.csv", "氏名,住所\n山田太郎,入間市\n".encode())

    def js(code: str) -> DictionaryObject:
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(code),
            }
        )

    root = writer.root_object
    root[NameObject("/OpenAction")] = writer._add_object(js("app.alert('open');"))
    names = root.get("/Names")
    names = names.get_object() if names is not None else DictionaryObject()
    names[NameObject("/JavaScript")] = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [TextStringObject("doc"), writer._add_object(js("this.print();"))]
            )
        }
    )
    root[NameObject("/Names")] = names

    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.beep(0);")})

    def link(y: int, action: DictionaryObject) -> DictionaryObject:
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject(
                    [NumberObject(72), NumberObject(y), NumberObject(300), NumberObject(y + 20)]
                ),
                NameObject("/A"): action,
            }
        )

    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(400), NumberObject(700), NumberObject(420), NumberObject(720)]
            ),
            NameObject("/T"): TextStringObject("山田 太郎"),
            NameObject("/Contents"): TextStringObject("確認済み"),
            NameObject("/C"): ArrayObject([FloatObject(1), FloatObject(1), FloatObject(0)]),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        [
            writer._add_object(link(600, js("app.launchURL('http://evil.example');"))),
            writer._add_object(link(560, launch)),
            writer._add_object(note),
        ]
    )
    with path.open("wb") as f:
        writer.write(f)
    return path


def pdf_with_photo(path: Path, photo: Path) -> Path:
    """One page showing `photo` as a plain /DCTDecode image XObject (as scanners write it)."""
    with Image.open(photo) as im:
        width, height = im.size
    jpeg = photo.read_bytes()
    content = b"q 400 0 0 300 72 400 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height}"
        f" /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>"
        "\nstream\n".encode()
        + jpeg
        + b"\nendstream",
    ]
    path.write_bytes(raw_pdf(objects))
    return path


def encrypted_pdf(path: Path, *, user_password: str = "") -> Path:
    """Encrypted with AES-128; an empty user password still counts as encrypted."""
    src = simple_pdf(path.with_suffix(".plain.pdf"))
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="AES-128")
    with path.open("wb") as f:
        writer.write(f)
    return path


def raw_pdf(objects: list[bytes], *, info: int | None = None) -> bytes:
    """Assemble a PDF from object bodies (object n is objects[n-1]) with a correct xref;
    `info` is the object number of the document information dictionary."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    info_ref = f" /Info {info} 0 R" if info else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info_ref} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


TECHNICAL_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
    b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
    b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    b' pdf:Producer="Microsoft Word for Microsoft 365" xmp:CreateDate="2026-04-01T09:00:00+09:00">'
    b"<xmp:CreatorTool>Microsoft Word</xmp:CreatorTool><dc:format>application/pdf</dc:format>"
    b"<xmpMM:DocumentID>uuid:5d1c7a1e-2f7d-4a37-9a53-0c1d2b7e9f00</xmpMM:DocumentID>"
    b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def technical_metadata_pdf(path: Path) -> Path:
    """Only what Word writes on its own: producer, creator application, dates, document ID."""
    content = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 6 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        b"<< /Type /Metadata /Subtype /XML"
        + f" /Length {len(TECHNICAL_XMP)} >>\nstream\n".encode()
        + TECHNICAL_XMP
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Producer (Microsoft Word for Microsoft 365) /Creator (Microsoft Word)"
        b" /CreationDate (D:20260401090000+09'00') /ModDate (D:20260401090000+09'00') >>",
    ]
    path.write_bytes(raw_pdf(objects, info=7))
    return path


def flate_bomb_pdf(path: Path, *, inflated_mb: int = 400, pages: int = 1) -> Path:
    """Each page's content stream is ~400 KB of Flate that inflates to `inflated_mb` MB."""
    compressor = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    data = b"".join(compressor.compress(block) for _ in range(inflated_mb)) + compressor.flush()
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            + f" /Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
            + data
            + b"\nendstream"
        )
    path.write_bytes(raw_pdf(objects))
    return path


def corrupt_pdf(path: Path) -> Path:
    """A PDF header followed by noise: no objects, no xref, no trailer."""
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return path


# --- other containers -----------------------------------------------------------------------

_CT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
)


def ooxml(
    path: Path, *, main_part: str, content_type: str, extra: dict[str, bytes] | None = None
) -> Path:
    """A minimal OPC package with [Content_Types].xml first, as Office writes it."""
    types = _CT_HEAD + f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr(main_part, "<doc/>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("data/list.csv", "a,b\n1,2\n")
    return path
