"""Judge what a file is from its bytes.

The file name and the browser's Content-Type are chosen by the uploader, so they never make a
file look *safer*: `filename` may only move a text file to a more dangerous kind (a `.bat` that
is plain text is a script, a `.html` is HTML). Never trust the browser's content
type or the extension.
"""

from __future__ import annotations

import codecs
import re
import struct
import zlib
from enum import StrEnum
from pathlib import Path

HEAD_BYTES = 64 * 1024
"""How many leading bytes `sniff` wants; OOXML detection needs the first zip entries."""

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_ZIP_SPANNED = b"PK\x07\x08"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileKind(StrEnum):
    """What a file really is, judged from its content."""

    EMPTY = "empty"
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    OFFICE_MACRO = "office_macro"  # docm/xlsm/pptm/xlsb or any OOXML with vbaProject.bin
    OLE_COMPOUND = "ole_compound"  # legacy .doc/.xls/.ppt, .msi, password-protected OOXML
    ZIP = "zip"
    JPEG = "jpeg"
    PNG = "png"
    HEIC = "heic"
    HEIF = "heif"
    GIF = "gif"
    WEBP = "webp"
    TIFF = "tiff"
    RTF = "rtf"
    TEXT = "text"
    CSV = "csv"
    HTML = "html"
    SVG = "svg"
    XML = "xml"
    EXECUTABLE = "executable"
    SCRIPT = "script"
    UNKNOWN = "unknown"


IMAGE_KINDS = frozenset(
    {
        FileKind.JPEG,
        FileKind.PNG,
        FileKind.HEIC,
        FileKind.HEIF,
        FileKind.GIF,
        FileKind.WEBP,
        FileKind.TIFF,
    }
)
OFFICE_KINDS = frozenset({FileKind.DOCX, FileKind.XLSX, FileKind.PPTX})
TEXT_KINDS = frozenset({FileKind.TEXT, FileKind.CSV})
ACTIVE_KINDS = frozenset(
    {
        FileKind.HTML,
        FileKind.SVG,
        FileKind.XML,
        FileKind.EXECUTABLE,
        FileKind.SCRIPT,
        FileKind.OFFICE_MACRO,
    }
)
"""Kinds that a browser or desktop program may execute; never inline, usually refused."""

_CONTENT_TYPES: dict[FileKind, str] = {
    FileKind.PDF: "application/pdf",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    FileKind.ZIP: "application/zip",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.HEIC: "image/heic",
    FileKind.HEIF: "image/heif",
    FileKind.GIF: "image/gif",
    FileKind.WEBP: "image/webp",
    FileKind.TIFF: "image/tiff",
    FileKind.RTF: "application/rtf",
    FileKind.TEXT: "text/plain",
    FileKind.CSV: "text/csv",
}


def safe_content_type(kind: FileKind) -> str:
    """The Content-Type to store and send for `kind`.

    Anything a browser could execute or render as a document (HTML, SVG, XML, scripts,
    executables, macro files, unknown) is `application/octet-stream`, so that even a client that
    ignores Content-Disposition will not render it in our origin.
    """
    return _CONTENT_TYPES.get(kind, "application/octet-stream")


_SCRIPT_SUFFIXES = frozenset(
    {
        ".js", ".mjs", ".cjs", ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1",
        ".psd1", ".bat", ".cmd", ".sh", ".bash", ".zsh", ".csh", ".py", ".pyw", ".pl",
        ".rb", ".php", ".phtml", ".hta", ".reg", ".scf", ".url", ".desktop", ".inf",
        ".lnk", ".jar", ".appref-ms", ".applescript", ".command",
    }
)  # fmt: skip
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml"})

# WHATWG MIME Sniffing "identifying a resource with an unknown MIME type", plus tags old IE
# sniffed anywhere in the first bytes. Matching any of these makes text count as HTML.
_HTML_START = re.compile(
    rb"^\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|!--)[\s>]",
    re.IGNORECASE,
)
_HTML_ANYWHERE = re.compile(
    rb"<(?:html|head|body|script|iframe|frameset|object|embed|meta\s+http-equiv|img\s[^>]*onerror)\b"
    rb"|javascript:",
    re.IGNORECASE,
)
_SVG = re.compile(rb"<svg[\s>:]", re.IGNORECASE)
_XHTML_NS = re.compile(rb"http://www\.w3\.org/1999/xhtml", re.IGNORECASE)

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})

_OOXML_MAIN: dict[str, FileKind] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        FileKind.DOCX
    ),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (
        FileKind.DOCX
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": FileKind.XLSX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": FileKind.XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        FileKind.PPTX
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": (
        FileKind.PPTX
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml": (
        FileKind.PPTX
    ),
}
_XML_ELEMENT = re.compile(rb"<(?:Override|Default)\b[^>]{0,2000}>", re.IGNORECASE)
_XML_ATTR = re.compile(rb"""([A-Za-z]+)\s*=\s*["']([^"']{0,500})["']""")
_OOXML_MAIN_PART_NAMES = {
    "word/document.xml": FileKind.DOCX,
    "xl/workbook.xml": FileKind.XLSX,
    "ppt/presentation.xml": FileKind.PPTX,
}
_CONTENT_TYPES_MAX = 1024 * 1024


def sniff(head: bytes, *, filename: str | None = None) -> FileKind:
    """Classify a file from its first bytes (pass at least `HEAD_BYTES` when available).

    `filename` never makes a file safer: it only turns plain text into SCRIPT/HTML/SVG/XML/CSV
    when the suffix says so.
    """
    if not head:
        return FileKind.EMPTY
    kind = _sniff_binary(head)
    if kind is not None:
        return kind
    text = _decode_text(head)
    if text is None:
        return FileKind.UNKNOWN
    return _classify_text(text, filename)


def sniff_path(path: Path, *, filename: str | None = None) -> FileKind:
    """Like `sniff`, reading the file; for zips, also reads the central directory.

    Reading [Content_Types].xml is bounded (1 MB, and zips with more than 20,000 entries are
    only called ZIP), so a zip bomb cannot exhaust memory here.
    """
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    kind = sniff(head, filename=filename)
    if kind in (FileKind.ZIP, *OFFICE_KINDS):
        return _sniff_zip_file(path)
    return kind


# --- binary signatures ---------------------------------------------------------------------


def _sniff_binary(head: bytes) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return FileKind.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return FileKind.TIFF
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    if head.startswith((_ZIP_LOCAL, _ZIP_EMPTY, _ZIP_SPANNED)):
        return _sniff_zip_head(head)
    if head.startswith(_OLE):
        return FileKind.OLE_COMPOUND
    if head.startswith(b"{\\rtf"):
        return FileKind.RTF
    if _is_executable(head):
        return FileKind.EXECUTABLE
    return None


def _is_executable(head: bytes) -> bool:
    return head.startswith(
        (
            b"MZ",  # PE (Windows .exe/.dll/.scr)
            b"\x7fELF",
            b"\xfe\xed\xfa\xce",  # Mach-O 32/64, both byte orders
            b"\xfe\xed\xfa\xcf",
            b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe",  # Mach-O universal binary, and Java .class
            b"\x00asm",  # WebAssembly
            b"dex\n",  # Android Dalvik
            b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
        )
    )


def _sniff_isobmff(head: bytes) -> FileKind:
    (box_size,) = struct.unpack(">I", head[:4])
    end = min(len(head), box_size if box_size >= 16 else 16, 4096)
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    brands = {major} | compatible
    if brands & _HEIC_BRANDS:
        return FileKind.HEIC
    if major in _HEIF_BRANDS or (compatible & _HEIF_BRANDS and major not in {b"avif", b"avis"}):
        return FileKind.HEIF
    return FileKind.UNKNOWN  # video (isom/mp42/qt), AVIF, ...


# --- zip / OOXML ---------------------------------------------------------------------------


def _ooxml_main_part(xml: bytes) -> tuple[FileKind | None, str | None]:
    """(kind, part name) of the main document part declared in [Content_Types].xml."""
    kinds: set[FileKind] = set()
    part: str | None = None
    for element in _XML_ELEMENT.findall(xml):
        attrs = {k.lower(): v for k, v in _XML_ATTR.findall(element)}
        ctype = attrs.get(b"contenttype", b"").decode("ascii", "replace").strip().lower()
        if "macroenabled" in ctype or ctype == "application/vnd.ms-office.vbaproject":
            return FileKind.OFFICE_MACRO, None
        kind = _OOXML_MAIN.get(ctype)
        if kind is not None:
            kinds.add(kind)
            raw_part = attrs.get(b"partname")
            part = raw_part.decode("utf-8", "replace").lstrip("/") if raw_part else None
    if len(kinds) == 1:
        return kinds.pop(), part
    return None, None


def _ooxml_kind_from_names(names: list[str]) -> FileKind | None:
    if "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return FileKind.OFFICE_MACRO
    found = {kind for name, kind in _OOXML_MAIN_PART_NAMES.items() if name in names}
    return found.pop() if len(found) == 1 else None


def _sniff_zip_head(head: bytes) -> FileKind:
    """Walk the local file headers inside `head` looking for an OOXML package."""
    names: list[str] = []
    pos = 0
    content_types: bytes | None = None
    for _ in range(500):
        if head[pos : pos + 4] != _ZIP_LOCAL or pos + 30 > len(head):
            break
        (flags, method, csize, nlen, xlen) = struct.unpack_from("<2xHH8xI4xHH", head, pos + 4)
        name = head[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        names.append(name)
        data_start = pos + 30 + nlen + xlen
        if name == "[Content_Types].xml" and content_types is None:
            content_types, consumed = _inflate_entry(head, data_start, method, csize, flags)
            if consumed is None:
                break
            next_pos = data_start + consumed
        elif flags & 0x08 and method == 8:
            # Sizes follow the data (data descriptor): find the end by inflating.
            _, consumed = _inflate_entry(head, data_start, method, 0, flags)
            if consumed is None:
                break
            next_pos = data_start + consumed
        elif flags & 0x08:
            break
        else:
            next_pos = data_start + csize
        if flags & 0x08:
            next_pos += 16 if head[next_pos : next_pos + 4] == _ZIP_SPANNED else 12
        pos = next_pos
    if content_types:
        kind, _ = _ooxml_main_part(content_types)
        if kind is not None:
            return kind
    return _ooxml_kind_from_names(names) or FileKind.ZIP


def _inflate_entry(
    head: bytes, start: int, method: int, csize: int, flags: int
) -> tuple[bytes | None, int | None]:
    """Return (data, compressed length) of one entry inside `head`, bounded to 1 MB output."""
    if method == 0:
        if flags & 0x08 or start + csize > len(head):
            return None, None
        return head[start : start + csize], csize
    if method != 8:
        return None, None
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(head[start:], _CONTENT_TYPES_MAX)
    except zlib.error:
        return None, None
    if not inflater.eof:
        return (data or None), None
    return data, len(head) - start - len(inflater.unused_data)


def _sniff_zip_file(path: Path) -> FileKind:
    import zipfile

    if _zip_entry_count(path) > 20_000:
        return FileKind.ZIP
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return FileKind.OFFICE_MACRO
            if "[Content_Types].xml" not in names:
                return FileKind.ZIP
            info = zf.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return FileKind.ZIP
            with zf.open(info) as member:
                kind, part = _ooxml_main_part(member.read(_CONTENT_TYPES_MAX))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError, NotImplementedError):
        return FileKind.ZIP
    if kind is FileKind.OFFICE_MACRO:
        return kind
    lowered = {n.lower() for n in names}
    if kind is None or part is None or part.lower() not in lowered:
        return FileKind.ZIP  # no main part where [Content_Types].xml says it is
    return kind


def _zip_entry_count(path: Path) -> int:
    """Entries declared in the end-of-central-directory record (0 when not found)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 65_557))
        tail = f.read()
    pos = tail.rfind(_ZIP_EMPTY)
    if pos < 0 or pos + 22 > len(tail):
        return 0
    (total,) = struct.unpack_from("<H", tail, pos + 10)
    return 1 << 30 if total == 0xFFFF else int(total)  # zip64: do not look inside


# --- text ----------------------------------------------------------------------------------


def _decode_text(head: bytes) -> str | None:
    """Decode as UTF-16 (BOM), UTF-8 or CP932; None when it is not plausibly text."""
    candidates: list[tuple[str, bytes]]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", head)]
    elif head.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", head[3:])]
    else:
        candidates = [("utf-8", head), ("cp932", head)]
    for encoding, data in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False: the head may end in the middle of a multibyte character.
            text = decoder.decode(data, final=False)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    return None


_ALLOWED_CONTROLS = frozenset("\t\n\r\f\x1a")


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS)
    return controls == 0 and "\x7f" not in text


def _classify_text(text: str, filename: str | None) -> FileKind:
    data = text[:4096].encode("utf-8", "replace")
    suffix = Path(filename).suffix.lower() if filename else ""
    stripped = data.lstrip()
    if stripped.startswith(b"#!") or stripped[:5].lower() == b"<?php" or suffix in _SCRIPT_SUFFIXES:
        return FileKind.SCRIPT
    if stripped[:9].lower() == b"@echo off":
        return FileKind.SCRIPT
    if stripped[:5].lower() == b"<?xml" or suffix in {".xml", ".svg", ".xsl", ".xslt"}:
        if _SVG.search(data) or suffix == ".svg":
            return FileKind.SVG
        if _XHTML_NS.search(data) or _HTML_ANYWHERE.search(data):
            return FileKind.HTML
        return FileKind.XML
    if _SVG.search(data[:1024]) and not _HTML_START.match(data):
        return FileKind.SVG
    if _HTML_START.match(data) or _HTML_ANYWHERE.search(data) or suffix in _HTML_SUFFIXES:
        return FileKind.HTML
    if suffix == ".svg":
        return FileKind.SVG
    if stripped.startswith(b"<") and re.match(rb"<[A-Za-z_][\w.:-]*[\s>/]", stripped):
        return FileKind.XML
    if suffix in {".csv", ".tsv"} or _looks_like_csv(text):
        return FileKind.CSV
    return FileKind.TEXT


def _looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text[:8192].splitlines() if ln.strip()]
    if len(text) > 8192 and lines:
        lines = lines[:-1]  # the last line may be cut off
    lines = lines[:20]
    if len(lines) < 2:
        return False
    for sep in (",", "\t"):
        counts = {ln.count(sep) for ln in lines}
        if len(counts) == 1 and counts.pop() >= 1:
            return True
    return False
