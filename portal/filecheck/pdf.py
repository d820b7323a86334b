"""PDF uploads: validate with pypdf, report hidden text and active content, write clean copies.

広島市要綱 第6 7 warns that a PDF's しおり (outline) and プロパティ (document information,
XMP) may hold personal information even when the pages do not; `inspect_pdf_metadata` shows
them and `clean_pdf` writes a copy without them (issue 7 serves only cleaned copies; issue 9
offers one before sharing). STYLE.md §7: PDFs are validated server-side with pypdf (must parse,
not encrypted, page and size limits).

pypdf runs in the sandbox: it is pure Python fed with hostile bytes, and a Flate stream that
inflates to hundreds of MB, or a deeply nested object graph, must cost a child process its
limits, not the web worker its memory.
"""

from __future__ import annotations

import html
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import EmptyFileError, FileNotDecryptedError, LimitReachedError, PdfReadError
from pypdf.filters import decode_stream_data
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from portal.filecheck._common import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    Rejection,
    atomic_outputs,
    check_size,
    read_head,
    run_checked,
)
from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.sniff import FileKind, sniff

_MAX_INFO_ENTRIES = 100
_MAX_TEXT = 1000
_MAX_LIST = 1000
_MAX_WALK = 2_000_000
_MAX_DECODED_CONTENT = 1024 * 1024 * 1024
"""Total decoded page content validate_pdf accepts; pypdf limits each stream to 75 MB."""

_ACTION_TYPES = frozenset(
    {
        "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
        "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript",
        "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/RichMediaExecute",
    }
)  # fmt: skip
"""PDF 2.0 (ISO 32000-2) 12.6.4 action types."""
# Actions that do something on their own, beyond moving inside the document.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/RichMediaExecute",
        "/Sound",
        "/Movie",
        "/Hide",
        "/SetOCGState",
        "/Trans",
        "/GoTo3DView",
    }
)
# Annotations that carry files or media; dropped entirely by clean_pdf.
_DROPPED_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"}
)
_JPEG_KEEP_APP = frozenset({0xE0, 0xEE})  # APP0 JFIF, APP14 Adobe (colour transform)


@dataclass(frozen=True)
class PdfMetadataReport:
    """Text hidden outside the pages, and whether the PDF can run anything."""

    info: tuple[tuple[str, str], ...]  # document information dictionary, e.g. ("/Author", "…")
    xmp: tuple[tuple[str, str], ...]  # XMP property and text, e.g. ("dc:creator", "…")
    outline_titles: tuple[str, ...]  # しおり
    has_javascript: bool
    has_open_action: bool  # the catalog's /OpenAction runs an action (not just "open at page N")
    has_additional_actions: bool  # /AA on the catalog, a page, an annotation or a field
    has_embedded_files: bool
    has_launch_action: bool
    has_xfa: bool
    action_types: tuple[str, ...]  # every /S action type seen, e.g. ("/JavaScript", "/URI")

    @property
    def hidden_text(self) -> tuple[tuple[str, str], ...]:
        """What a person may have written outside the pages: (where, text) pairs.

        Producer, creating application, dates, document IDs and PDF/A markers are left out:
        every PDF has them, and warning on every PDF would teach people to ignore the warning.
        """
        found = [(key, text) for key, text in self.info if key not in _TECHNICAL_INFO]
        found += [(prop, text) for prop, text in self.xmp if not _is_technical_xmp(prop)]
        found += [("しおり", title) for title in self.outline_titles]
        return tuple(found)

    @property
    def has_hidden_text(self) -> bool:
        """True when properties, XMP or しおり hold text a person wrote (warn before sharing)."""
        return bool(self.hidden_text)

    @property
    def has_active_content(self) -> bool:
        """True when opening or clicking the PDF can run code, open files or call out."""
        return (
            self.has_javascript
            or self.has_open_action
            or self.has_additional_actions
            or self.has_embedded_files
            or self.has_launch_action
            or self.has_xfa
            or bool(set(self.action_types) & _ACTIVE_ACTIONS)
        )


@dataclass(frozen=True)
class PdfInfo:
    """A PDF that parsed, is not encrypted and is within the page limit."""

    pages: int
    size_bytes: int
    pdf_version: str  # header, e.g. "%PDF-1.7"
    metadata: PdfMetadataReport


def validate_pdf(
    path: Path,
    *,
    max_bytes: int,
    max_pages: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> PdfInfo:
    """Prove `path` is a PDF pypdf can parse, unencrypted, within the size and page limits.

    Every page's content stream is decoded once, so corrupt or bomb streams are found here.
    Raises FileRejected: empty, too_large, unsupported_type (not a PDF), encrypted,
    too_many_pages, malformed, resource_limit, timeout, processing_failed.
    """
    size = check_size(path, max_bytes)
    _require_pdf(path)
    return run_checked(
        _validate_worker, path, max_pages, size, timeout_s=timeout_s, memory_mb=memory_mb
    )


def inspect_pdf_metadata(
    path: Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> PdfMetadataReport:
    """Report document properties, XMP text, しおり titles and active content of `path`.

    Raises FileRejected like `validate_pdf` (no size or page limit is applied here).
    """
    _require_pdf(path)
    return run_checked(_inspect_worker, path, timeout_s=timeout_s, memory_mb=memory_mb)


def clean_pdf(
    src: Path,
    dst: Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> None:
    """Write to `dst` a copy of `src` with the same pages and no hidden text or active content.

    Removed: document information dictionary, XMP (document, page and image level), outline
    (しおり), document JavaScript and other name trees, /OpenAction, /AA, embedded files
    (and file-attachment/media annotations), annotation actions and authors, AcroForm, and
    EXIF/XMP/IPTC/comment segments inside embedded JPEG images. The pages, their content and
    annotation appearances are kept. The result is re-read and checked before `dst` appears
    (atomically). Raises FileRejected like `validate_pdf`.
    """
    _require_pdf(src)
    with atomic_outputs(dst) as (tmp,):
        run_checked(_clean_worker, src, tmp, timeout_s=timeout_s, memory_mb=memory_mb)


def _require_pdf(path: Path) -> None:
    kind = sniff(read_head(path, 1024))
    if kind is FileKind.EMPTY:
        raise FileRejected(RejectCode.EMPTY)
    if kind is not FileKind.PDF:
        raise FileRejected(RejectCode.UNSUPPORTED_TYPE, "PDF ファイルではありません。")


# --- sandboxed workers (module-level so they pickle) ---------------------------------------


def _validate_worker(path: Path, max_pages: int, size: int) -> PdfInfo | Rejection:
    try:
        with _quiet():
            reader = _open_reader(path)
            if isinstance(reader, Rejection):
                return reader
            pages = len(reader.pages)
            if pages == 0:
                return Rejection(RejectCode.MALFORMED, "ページが 1 枚もない PDF です。")
            if pages > max_pages:
                return Rejection(
                    RejectCode.TOO_MANY_PAGES,
                    f"ページ数が多すぎます（{pages:,} ページ）。上限は {max_pages:,} ページです。",
                )
            decoded = 0
            for page in reader.pages:
                _ = page.mediabox
                decoded += _decode_contents(page)
                if decoded > _MAX_DECODED_CONTENT:
                    return Rejection(RejectCode.RESOURCE_LIMIT)
            return PdfInfo(
                pages=pages,
                size_bytes=size,
                pdf_version=reader.pdf_header,
                metadata=_report(reader),
            )
    except Exception as exc:  # hostile input: every failure becomes a code
        return _rejection_for(exc)


def _decode_contents(page: DictionaryObject) -> int:
    """Decode the page's content streams once, without pypdf's per-object cache; return bytes.

    PdfPage.get_contents() would keep every decoded stream alive on the reader, so 20 pages of
    70 MB streams (each under pypdf's own 75 MB limit) would add up to 1.4 GB.
    """
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    streams = list(contents) if isinstance(contents, ArrayObject) else [contents]
    total = 0
    for item in streams:
        stream = item.get_object() if item is not None else None
        if isinstance(stream, StreamObject):
            if stream.get("/Filter") is None:
                # an uncompressed stream (ordinary in simple producers): pypdf's
                # decode_stream_data raises NotImplementedError for "no filter"
                total += len(stream.get_data())
            else:
                total += len(decode_stream_data(stream))
    return total


def _inspect_worker(path: Path) -> PdfMetadataReport | Rejection:
    try:
        with _quiet():
            reader = _open_reader(path)
            if isinstance(reader, Rejection):
                return reader
            return _report(reader)
    except Exception as exc:  # hostile input: every failure becomes a code
        return _rejection_for(exc)


def _clean_worker(src: Path, dst: Path) -> int | Rejection:
    try:
        with _quiet():
            reader = _open_reader(src)
            if isinstance(reader, Rejection):
                return reader
            pages = list(reader.pages)
            if not pages:
                return Rejection(RejectCode.MALFORMED, "ページが 1 枚もない PDF です。")
            visited: set[tuple[int, int]] = set()
            for page in pages:
                _scrub(page, visited)
            # A fresh writer gets a fresh catalog: only what the pages reference is copied, so
            # /Info, /Metadata, /Outlines, /Names (JavaScript, EmbeddedFiles), /OpenAction,
            # /AA, /AcroForm and /StructTreeRoot of the source are simply never written.
            writer = PdfWriter()
            for page in pages:
                writer.add_page(page)
            writer.metadata = None
            for key in ("/Metadata", "/Outlines", "/Names", "/OpenAction", "/AA", "/AcroForm"):
                writer.root_object.pop(NameObject(key), None)
            with dst.open("wb") as f:
                writer.write(f)
            return _verify_clean(dst, len(pages))
    except Exception as exc:  # hostile input: every failure becomes a code
        return _rejection_for(exc)


def _verify_clean(dst: Path, expected_pages: int) -> int | Rejection:
    reader = _open_reader(dst)
    if isinstance(reader, Rejection):
        return reader
    report = _report(reader)
    leftovers = report.info or report.xmp or report.outline_titles
    if len(reader.pages) != expected_pages or leftovers or report.has_active_content:
        logging.getLogger("portal.filecheck").error("clean_pdf output failed its own check")
        return Rejection(RejectCode.PROCESSING_FAILED)
    return expected_pages


# --- reading --------------------------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """pypdf logs and warns about every recoverable oddity of hostile files; keep them quiet."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _open_reader(path: Path) -> PdfReader | Rejection:
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        return Rejection(RejectCode.ENCRYPTED)
    return reader


def _report(reader: PdfReader) -> PdfMetadataReport:
    flags = _scan_actions(reader)
    return PdfMetadataReport(
        info=_info_entries(reader),
        xmp=_xmp_entries(reader),
        outline_titles=_outline_titles(reader),
        has_javascript=flags.javascript,
        has_open_action=flags.open_action,
        has_additional_actions=flags.additional_actions,
        has_embedded_files=flags.embedded_files,
        has_launch_action=flags.launch,
        has_xfa=flags.xfa,
        action_types=tuple(sorted(flags.action_types)),
    )


def _text_of(value: Any) -> str:
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, TextStringObject):
        text = str(value)
    elif isinstance(value, ByteStringObject):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, (str, int, float)):
        text = str(value)
    else:
        text = ""
    text = text.replace("\x00", "").strip()
    return text[:_MAX_TEXT]


def _info_entries(reader: PdfReader) -> tuple[tuple[str, str], ...]:
    raw = reader.trailer.get("/Info")
    info = raw.get_object() if raw is not None else None
    if not isinstance(info, DictionaryObject):
        return ()
    entries: list[tuple[str, str]] = []
    for key, value in list(info.items())[:_MAX_INFO_ENTRIES]:
        text = _text_of(value)
        if text:
            entries.append((str(key), text))
    return tuple(entries)


_XML_TAG = re.compile(r"<[^<>]*>")
_XML_NAME = re.compile(r"</?\s*([\w:.-]+)")
_XML_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XMP_STRUCTURAL_ATTRS = ("xmlns", "rdf:", "x:xmptk", "xml:lang", "begin", "id", "bytes")
_MAX_XML_DEPTH = 200


def _xmp_entries(reader: PdfReader) -> tuple[tuple[str, str], ...]:
    """(property, text) pairs of the XMP packet, read with regexes, not an XML parser: the
    packet is hostile input, and entity expansion is a parser's job we do not want done."""
    meta = reader.root_object.get("/Metadata")
    if meta is None:
        return ()
    stream = meta.get_object()
    if not isinstance(stream, StreamObject):
        return ()
    xml = bytes(stream.get_data()).decode("utf-8", "replace")
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    open_elements: list[str] = []

    def add(prop: str, raw: str) -> None:
        text = html.unescape(raw).strip()[:_MAX_TEXT]
        if text and (prop, text) not in seen and len(found) < _MAX_LIST:
            seen.add((prop, text))
            found.append((prop, text))

    def current_property() -> str:
        # rdf:Seq / rdf:li wrap the values of e.g. dc:creator: name the property, not them.
        for name in reversed(open_elements):
            if not name.lower().startswith(("rdf:", "x:")):
                return name
        return ""

    pos = 0
    for match in _XML_TAG.finditer(xml):
        add(current_property(), xml[pos : match.start()])
        pos = match.end()
        tag = match.group()
        if tag.startswith(("<?", "<!")):
            continue
        name_match = _XML_NAME.match(tag)
        name = name_match.group(1) if name_match else ""
        if tag.startswith("</"):
            if open_elements:
                open_elements.pop()
            continue
        for attr, v1, v2 in _XML_ATTR.findall(tag):
            if not attr.lower().startswith(_XMP_STRUCTURAL_ATTRS):
                add(attr, v1 or v2)
        if not tag.endswith("/>") and len(open_elements) < _MAX_XML_DEPTH:
            open_elements.append(name)
    add(current_property(), xml[pos:])
    return tuple(found)


_TECHNICAL_INFO = frozenset({"/Producer", "/Creator", "/CreationDate", "/ModDate", "/Trapped"})
_TECHNICAL_XMP = frozenset(
    {
        "pdf:producer", "pdf:pdfversion", "pdf:trapped", "xmp:creatortool", "xmp:createdate",
        "xmp:modifydate", "xmp:metadatadate", "dc:format", "xmptpg:npages",
    }
)  # fmt: skip
_TECHNICAL_XMP_PREFIXES = ("xmpmm:", "stevt:", "stref:", "pdfaid:", "pdfuaid:", "pdfe:")


def _is_technical_xmp(prop: str) -> bool:
    lowered = prop.lower()
    return lowered in _TECHNICAL_XMP or lowered.startswith(_TECHNICAL_XMP_PREFIXES)


def _outline_titles(reader: PdfReader) -> tuple[str, ...]:
    titles: list[str] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if len(titles) >= _MAX_LIST or depth > 100:
                return
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                text = _text_of(getattr(item, "title", None))
                if text:
                    titles.append(text)

    walk(reader.outline, 0)
    return tuple(titles)


@dataclass
class _ActionFlags:
    javascript: bool = False
    open_action: bool = False
    additional_actions: bool = False
    embedded_files: bool = False
    launch: bool = False
    xfa: bool = False
    action_types: set[str] = field(default_factory=set)


def _walk(start: Any, visited: set[tuple[int, int]]) -> Iterator[Any]:
    """Every dictionary reachable from `start`, each indirect object once (no recursion).

    A page's /Parent is not followed (that is the whole page tree); everything else is.
    """
    stack: list[Any] = [start]
    steps = 0
    while stack:
        obj = stack.pop()
        steps += 1
        if steps > _MAX_WALK:
            raise _TooComplex
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in visited:
                continue
            visited.add(ref)
            try:
                obj = obj.get_object()
            except Exception:  # a dangling or broken reference is not followed
                obj = None
        if isinstance(obj, DictionaryObject):
            yield obj
            in_page_tree = obj.get("/Type") in ("/Page", "/Pages")
            stack.extend(v for k, v in obj.items() if not (in_page_tree and k == "/Parent"))
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


class _TooComplex(Exception):
    pass


def _scan_actions(reader: PdfReader) -> _ActionFlags:
    flags = _ActionFlags()
    root = reader.trailer["/Root"]
    catalog = root.get_object()
    if not isinstance(catalog, DictionaryObject):
        raise PdfReadError("no document catalog")
    open_action = catalog.get("/OpenAction")
    if open_action is not None and hasattr(open_action.get_object(), "get"):
        flags.open_action = True  # an action dictionary; an array is only a destination
    acroform = catalog.get("/AcroForm")
    if acroform is not None and "/XFA" in acroform.get_object():
        flags.xfa = True
    for obj in _walk(root, set()):
        if "/JS" in obj:
            flags.javascript = True
        if "/AA" in obj:
            flags.additional_actions = True
        if "/EF" in obj or obj.get("/Type") == "/EmbeddedFile":
            flags.embedded_files = True
        if obj.get("/Subtype") == "/FileAttachment":
            flags.embedded_files = True
        action = obj.get("/S")
        if action in _ACTION_TYPES and ("/Type" not in obj or obj.get("/Type") == "/Action"):
            flags.action_types.add(str(action))
            if action == "/JavaScript":
                flags.javascript = True
            elif action == "/Launch":
                flags.launch = True
    return flags


# --- cleaning --------------------------------------------------------------------------------


def _scrub(page: DictionaryObject, visited: set[tuple[int, int]]) -> None:
    """Remove hidden text and actions from everything `page` references (reader side, in place).

    Doing this before PdfWriter.add_page means the removed objects are never copied at all.
    """
    page.pop(NameObject("/B"), None)  # article beads lead to threads with their own /I info
    annots = page.get("/Annots")
    if annots is not None:
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            if hasattr(annot, "get") and annot.get("/Subtype") not in _DROPPED_ANNOTATIONS:
                kept.append(ref)
        page[NameObject("/Annots")] = kept
    for obj in _walk(page, visited):
        for key in ("/AA", "/OpenAction", "/Metadata", "/PieceInfo", "/EF", "/JS", "/Next"):
            obj.pop(NameObject(key), None)
        action = obj.get("/A")
        if action is not None and hasattr(action.get_object(), "get"):
            obj.pop(NameObject("/A"))
        is_annotation = obj.get("/Type") == "/Annot" or ("/Subtype" in obj and "/Rect" in obj)
        if is_annotation and obj.get("/Subtype") != "/Widget":
            obj.pop(NameObject("/T"), None)  # markup annotation author
        if isinstance(obj, StreamObject) and _is_jpeg_stream(obj):
            _strip_jpeg_stream(obj)


def _is_jpeg_stream(stream: StreamObject) -> bool:
    filters = stream.get("/Filter")
    if isinstance(filters, ArrayObject):
        return len(filters) > 0 and filters[-1] == "/DCTDecode"
    return bool(filters == "/DCTDecode")


def _strip_jpeg_stream(stream: StreamObject) -> None:
    """Rewrite a JPEG image stream (maybe wrapped in ASCII85/Flate) as plain /DCTDecode without
    EXIF (GPS), XMP, IPTC or comments. pypdf's DCTDecode is a pass-through, so decoding the
    outer filters yields the JPEG file bytes."""
    filters = stream.get("/Filter")
    wrapped = isinstance(filters, ArrayObject) and len(filters) > 1
    jpeg = decode_stream_data(stream) if wrapped else stream._data
    stripped = _strip_jpeg_metadata(jpeg)
    if stripped is None:
        return
    stream._data = stripped
    if wrapped:
        stream[NameObject("/Filter")] = NameObject("/DCTDecode")
        parms = stream.get("/DecodeParms")
        if isinstance(parms, ArrayObject) and parms and isinstance(parms[-1], DictionaryObject):
            stream[NameObject("/DecodeParms")] = parms[-1]
        else:
            stream.pop(NameObject("/DecodeParms"), None)


def _strip_jpeg_metadata(data: bytes) -> bytes | None:
    """Drop APP1-APP13/APP15 (EXIF, XMP, ICC, IPTC...) and COM segments; None if not parseable."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out += data[pos : pos + 2]
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        metadata = (0xE1 <= marker <= 0xEF and marker not in _JPEG_KEEP_APP) or marker == 0xFE
        if not metadata:
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return None


def _rejection_for(exc: BaseException) -> Rejection:
    if isinstance(exc, FileNotDecryptedError):
        return Rejection(RejectCode.ENCRYPTED)
    if isinstance(exc, (LimitReachedError, MemoryError, _TooComplex)):
        return Rejection(RejectCode.RESOURCE_LIMIT)
    if isinstance(exc, EmptyFileError):
        return Rejection(RejectCode.EMPTY)
    return Rejection(RejectCode.MALFORMED)
