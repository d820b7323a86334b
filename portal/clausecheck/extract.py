"""Text per page from PDF, DOCX and plain-text contract documents.

`extract_document` is the only entry point for untrusted bytes: it parses in a child process
(`portal.sandbox.run_limited`) with time and memory limits, so an encrypted, scanned, truncated
or bomb file ends with a `DocumentError` within the time limit and never takes the caller down.

Page text conventions (what `ExtractedDocument.pages` holds):
- a single ``\\n`` is a soft line break (a wrapped PDF line, a DOCX ``<w:br/>``);
- an empty line (``\\n\\n``) is a hard paragraph boundary (every DOCX paragraph, table cell,
  header and footer; blank lines of text files).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from portal import sandbox
from portal.clausecheck.errors import DocumentError
from portal.clausecheck.sniff import DocumentKind, sniff

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PAGES = 1000
DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MEMORY_MB = 1024

# Decoded content of one PDF page; a text page is a few KB to a few hundred KB.
MAX_PDF_STREAM_BYTES = 16 * 1024 * 1024
MAX_PDF_TOTAL_CONTENT_BYTES = 96 * 1024 * 1024
# What a DOCX may unpack to. Real contracts stay far below (a 300-page DOCX ~ 10 MB of XML).
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_PART_BYTES = 64 * 1024 * 1024
MAX_DOCX_ENTRIES = 10_000
MAX_ZIP_RATIO = 200
MAX_TEXT_CHARS = 4_000_000  # ~4000 dense pages; bounds the matching work too

sandbox.register_preload(__name__)

OcrMode = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class ExtractedDocument:
    """The text of one document, one string per page (page numbers are 1-based indexes)."""

    name: str
    kind: DocumentKind
    pages: list[str]
    encoding: str | None = None
    textless_pages: tuple[int, ...] = field(default=())
    # Pages without a text layer that carry an image (a scan), and the pages read by OCR.
    image_pages: tuple[int, ...] = field(default=())
    ocr_pages: tuple[int, ...] = field(default=())

    @property
    def ocr(self) -> bool:
        return bool(self.ocr_pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, e.g. to store the extracted text next to the document version."""
        return {
            "name": self.name,
            "kind": self.kind,
            "pages": list(self.pages),
            "encoding": self.encoding,
            "textless_pages": list(self.textless_pages),
            "image_pages": list(self.image_pages),
            "ocr_pages": list(self.ocr_pages),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractedDocument:
        kind = data["kind"]
        if kind not in ("pdf", "docx", "text", "image"):
            raise ValueError(f"unknown document kind {kind!r}")
        return cls(
            name=str(data["name"]),
            kind=kind,
            pages=[str(p) for p in data["pages"]],
            encoding=data.get("encoding"),
            textless_pages=tuple(int(n) for n in data.get("textless_pages", ())),
            image_pages=tuple(int(n) for n in data.get("image_pages", ())),
            ocr_pages=tuple(int(n) for n in data.get("ocr_pages", ())),
        )

    @classmethod
    def from_text(cls, name: str, text: str) -> ExtractedDocument:
        """A trusted text (already decoded, e.g. a template); form feeds separate pages."""
        return cls(name=name, kind="text", pages=_split_text_pages(text), encoding="utf-8")


def extract_document(
    data: bytes | Path,
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pages: int = DEFAULT_MAX_PAGES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    ocr: OcrMode = "auto",
    ocr_max_pages: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractedDocument:
    """Extract the pages of an untrusted document, parsing it in a limited child process.

    Raises DocumentError with code encrypted / no_text / malformed / too_large /
    unsupported_type / empty. The type is judged from the bytes; `filename` is only a label.
    With ``ocr`` auto (the default) image-only PDF pages and page photos (JPEG/PNG/TIFF) are
    read by OCR (portal.ocr, each page in its own limited child; `progress(done, total)`);
    ``always`` reads every PDF page by OCR; ``never`` answers an image-only PDF no_text.
    """
    if isinstance(data, Path):
        try:
            size = data.stat().st_size
        except OSError as exc:
            raise DocumentError("malformed", "ファイルを開けませんでした。") from exc
        _check_size(size, max_bytes)
        data = data.read_bytes()
    _check_size(len(data), max_bytes)
    if ocr != "never":
        return _extract_with_ocr(
            data, filename, max_pages, timeout_s, memory_mb, ocr, ocr_max_pages, progress
        )
    return _extract_sandboxed(data, filename, max_pages, timeout_s, memory_mb)


def _extract_with_ocr(
    data: bytes,
    filename: str,
    max_pages: int,
    timeout_s: float,
    memory_mb: int,
    mode: OcrMode,
    ocr_max_pages: int | None,
    progress: Callable[[int, int], None] | None,
) -> ExtractedDocument:
    from portal.ocr import DEFAULT_MAX_OCR_PAGES, image_kind
    from portal.ocr.document import apply_ocr, read_page_image

    limit = min(ocr_max_pages or DEFAULT_MAX_OCR_PAGES, max_pages)
    kind = image_kind(data)
    if kind is not None:
        return read_page_image(data, kind, filename=filename, max_pages=limit, progress=progress)
    document = _extract_sandboxed(
        data, filename, max_pages, timeout_s, memory_mb, keep_textless=True
    )
    return apply_ocr(document, data, mode=mode, max_pages=limit, progress=progress)


def _extract_sandboxed(
    data: bytes,
    filename: str,
    max_pages: int,
    timeout_s: float,
    memory_mb: int,
    keep_textless: bool = False,
) -> ExtractedDocument:
    try:
        return sandbox.run_limited(
            extract_unsandboxed,
            data,
            filename,
            max_pages,
            keep_textless,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
        )
    except sandbox.SandboxTimeout as exc:
        raise DocumentError(
            "too_large",
            f"ファイルの読み取りが制限時間（{timeout_s:g}秒）内に終わりませんでした。"
            "ページ数や埋め込みデータが多すぎるか、処理を妨げる構造を含んでいます。"
            "ページを分けるか、印刷し直したPDFを登録してください。",
        ) from exc
    except sandbox.SandboxMemoryExceeded as exc:
        raise DocumentError(
            "too_large",
            "ファイルを展開すると大きくなりすぎるため、処理を中止しました"
            "（圧縮爆弾など、展開後のデータが異常に大きいファイル）。",
        ) from exc
    except DocumentError:
        raise
    except Exception as exc:
        # A crashed child, or any other error of a parser fed with hostile bytes that the
        # child passed back (pypdf raises NotImplementedError for an unknown stream filter).
        raise DocumentError("malformed") from exc


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise DocumentError(
            "empty", "ファイルが空です（0バイト）。内容のあるファイルを登録してください。"
        )
    if size > max_bytes:
        raise DocumentError(
            "too_large",
            f"ファイルが大きすぎます（{_mb(size)}）。上限は{_mb(max_bytes)}です。",
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}MB"


def extract_unsandboxed(
    data: bytes, filename: str, max_pages: int, keep_textless: bool = False
) -> ExtractedDocument:
    """Parse in the current process. Only for the sandbox child and for trusted bytes.

    `keep_textless` returns a PDF without any text layer instead of refusing it (no_text), so
    that OCR can read its image pages.
    """
    sniffed = sniff(data)
    if sniffed.kind == "pdf":
        pages, textless, image_pages = _extract_pdf(data, max_pages)
        doc = ExtractedDocument(
            filename, "pdf", pages, textless_pages=textless, image_pages=image_pages
        )
    elif sniffed.kind == "docx":
        doc = ExtractedDocument(filename, "docx", _extract_docx(data, max_pages))
    else:
        encoding = sniffed.encoding or "utf-8"
        pages = _split_text_pages(data.decode(encoding))
        if len(pages) > max_pages:
            raise _too_many_pages(len(pages), max_pages)
        doc = ExtractedDocument(filename, "text", pages, encoding=encoding)
    chars = sum(len(p) for p in doc.pages)
    if chars > MAX_TEXT_CHARS:
        raise DocumentError("too_large", f"本文が長すぎます（{chars:,}文字）。")
    if not any(p.strip() for p in doc.pages):
        if doc.kind == "pdf":
            if keep_textless:
                return doc
            raise DocumentError("no_text")
        raise DocumentError(
            "empty", "文書に本文がありません。内容のあるファイルを登録してください。"
        )
    return doc


def _too_many_pages(count: int, max_pages: int) -> DocumentError:
    return DocumentError(
        "too_large",
        f"ページ数が多すぎます（{count:,}ページ）。上限は{max_pages:,}ページです。"
        "契約書と関係のない資料を除いてから登録してください。",
    )


def _split_text_pages(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\f")


# --- PDF --------------------------------------------------------------------------------------

_EOF_WINDOW = 4096


def _extract_pdf(data: bytes, max_pages: int) -> tuple[list[str], tuple[int, ...], tuple[int, ...]]:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise DocumentError(
            "malformed",
            "PDFが途中で切れているため読み取れません（ファイルの終わりがありません）。"
            "元のファイルから保存し直して、もう一度登録してください。",
        )
    try:
        with apply_configuration(
            zlib_maximum_output_length=MAX_PDF_STREAM_BYTES,
            lzw_maximum_output_length=MAX_PDF_STREAM_BYTES,
            run_length_maximum_output_length=MAX_PDF_STREAM_BYTES,
            array_based_stream_maximum_output_length=MAX_PDF_STREAM_BYTES,
            stream_decoding_work_maximum_length=4 * MAX_PDF_STREAM_BYTES,
        ):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise DocumentError("encrypted")
            count = len(reader.pages)
            if count == 0:
                raise DocumentError("empty", "PDFにページがありません。")
            if count > max_pages:
                raise _too_many_pages(count, max_pages)
            pages: list[str] = []
            textless: list[int] = []
            image_pages: list[int] = []
            total = 0
            for number, page in enumerate(reader.pages, start=1):
                total += _content_size(page)
                if total > MAX_PDF_TOTAL_CONTENT_BYTES:
                    raise _pdf_bomb()
                text = page.extract_text() or ""
                pages.append(text)
                if len(text.strip()) < 5:
                    textless.append(number)
                    if _has_image(page.get("/Resources"), depth=0):
                        image_pages.append(number)
    except DocumentError:
        raise
    except LimitReachedError as exc:
        raise _pdf_bomb() from exc
    except FileNotDecryptedError as exc:
        raise DocumentError("encrypted") from exc
    except MemoryError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise DocumentError("malformed") from exc
    except (RecursionError, AssertionError, OSError, ZeroDivisionError) as exc:
        raise DocumentError("malformed") from exc
    return pages, tuple(textless), tuple(image_pages)


def _pdf_bomb() -> DocumentError:
    return DocumentError(
        "too_large",
        "PDFの埋め込みデータを展開すると大きくなりすぎるため、処理を中止しました"
        "（圧縮爆弾などの異常なPDF）。",
    )


def _content_size(page: Any) -> int:
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    size = 0
    for stream in streams:
        obj = stream.get_object()
        get_data = getattr(obj, "get_data", None)
        if get_data is not None:
            size += len(get_data())
    return size


def _has_image(resources: Any, depth: int) -> bool:
    if resources is None or depth > 4:
        return False
    resources = resources.get_object()
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        obj = ref.get_object()
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and _has_image(obj.get("/Resources"), depth + 1):
            return True
    return False


# --- DOCX -------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP_TAGS = frozenset(
    {
        f"{_MC}Fallback",  # the same text box again, for old readers
        f"{_W}del",  # tracked deletions
        f"{_W}instrText",  # field codes
        f"{_W}delInstrText",
        f"{_W}rPr",
        f"{_W}pPr",
        f"{_W}sectPr",
        f"{_W}footnoteReference",
    }
)
_HEADER_FOOTER_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DocumentError("malformed") from exc
    if len(infos) > MAX_DOCX_ENTRIES:
        raise _docx_bomb()
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_DOCX_PART_BYTES or (
            info.file_size > 8 * 1024 * 1024 and ratio > MAX_ZIP_RATIO
        ):
            raise _docx_bomb()
    if total > MAX_DOCX_UNCOMPRESSED:
        raise _docx_bomb()


def _docx_bomb() -> DocumentError:
    return DocumentError(
        "too_large",
        "Word文書を展開すると大きくなりすぎるため、処理を中止しました"
        "（圧縮爆弾などの異常なファイル）。",
    )


class _PageWriter:
    """Collects paragraphs into pages; breaks are applied lazily so doubled markers collapse."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.continued: list[bool] = [False]  # page starts in the middle of a paragraph
        self.line: list[str] = []
        self.pending_break = False

    def text(self, value: str) -> None:
        if not value:
            return
        if self.pending_break and value.strip():
            mid_paragraph = bool("".join(self.line).strip())
            self._flush_line()
            self.pages.append([])
            self.continued.append(mid_paragraph)
            self.pending_break = False
        self.line.append(value)

    def page_break(self) -> None:
        if self.line or any(p.strip() for p in self.pages[-1]):
            self.pending_break = True

    def end_paragraph(self) -> None:
        self._flush_line()

    def _flush_line(self) -> None:
        joined = "".join(self.line)
        if joined.strip():
            self.pages[-1].append(joined)
        self.line = []

    def result(self) -> list[str]:
        self._flush_line()
        # A page that starts with a new paragraph opens with an empty line (hard boundary).
        return [
            ("" if i == 0 or continued else "\n\n") + "\n\n".join(paragraphs)
            for i, (paragraphs, continued) in enumerate(
                zip(self.pages, self.continued, strict=True)
            )
        ]


def _walk_block(el: Any, out: _PageWriter) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        if tag == f"{_W}p":
            _walk_paragraph(child, out)
        elif tag == f"{_W}tc":
            _walk_block(child, out)
            out.end_paragraph()
        else:
            _walk_block(child, out)


def _walk_paragraph(p: Any, out: _PageWriter) -> None:
    ppr = p.find(f"{_W}pPr")
    if ppr is not None:
        pbb = ppr.find(f"{_W}pageBreakBefore")
        if pbb is not None and pbb.get(f"{_W}val", "true") not in ("0", "false", "off"):
            out.page_break()
    _walk_inline(p, out)
    out.end_paragraph()
    if ppr is not None:
        sect = ppr.find(f"{_W}sectPr")
        if sect is not None:
            kind = sect.find(f"{_W}type")
            if kind is None or kind.get(f"{_W}val") != "continuous":
                out.page_break()


def _walk_inline(el: Any, out: _PageWriter) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS:
            continue
        if tag == f"{_W}t":
            out.text(child.text or "")
        elif tag == f"{_W}tab":
            out.text("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            if child.get(f"{_W}type") == "page":
                out.page_break()
            elif child.get(f"{_W}type") != "column":
                out.text("\n")
        elif tag == f"{_W}lastRenderedPageBreak":
            out.page_break()
        elif tag == f"{_W}p":
            # a paragraph nested in a text box or content control
            out.end_paragraph()
            _walk_paragraph(child, out)
        elif tag == f"{_W}tbl":
            out.end_paragraph()
            _walk_block(child, out)
        else:
            _walk_inline(child, out)


def _iter_header_footer_elements(document: Any) -> Iterator[Any]:
    for part in document.part.package.iter_parts():
        if part.content_type in _HEADER_FOOTER_TYPES:
            element = getattr(part, "element", None)
            if element is not None:
                yield element


def _extract_docx(data: bytes, max_pages: int) -> list[str]:
    import docx
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError  # type: ignore[import-untyped]

    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except ValueError as exc:
        if "content type" in str(exc):
            raise DocumentError(
                "unsupported_type",
                "Word文書ですが、マクロ付き文書やテンプレートなど対応していない種類です。"
                "通常のWord文書（.docx）として保存し直して登録してください。",
            ) from exc
        raise DocumentError("malformed") from exc
    except (OpcError, LxmlError, KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DocumentError("malformed") from exc
    except (AttributeError, TypeError, IndexError, RecursionError, zipfile.LargeZipFile) as exc:
        raise DocumentError("malformed") from exc

    out = _PageWriter()
    seen: set[str] = set()
    for element in _iter_header_footer_elements(document):
        sub = _PageWriter()
        _walk_block(element, sub)
        text = "\n\n".join(sub.result()).strip()
        if text and text not in seen:
            seen.add(text)
            out.text(text)
            out.end_paragraph()
    _walk_block(document.element.body, out)
    pages = out.result()
    if len(pages) > max_pages:
        raise _too_many_pages(len(pages), max_pages)
    return pages


__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PAGES",
    "ExtractedDocument",
    "extract_document",
    "extract_unsandboxed",
]
