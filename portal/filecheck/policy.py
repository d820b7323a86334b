"""What may be accepted, what may be shown in the browser, and the headers to serve it with.

Nothing executable or active (PDF JavaScript, HTML, SVG) is ever served inline, and
downloads are attachments with safe headers. Only two things may be inline: raster images
re-encoded by `sanitize_image`, and PDFs without active content (cleaned by `clean_pdf`, or
inspected and found clean). Everything else is an attachment with a neutral content type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from urllib.parse import quote

from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.sniff import ACTIVE_KINDS, FileKind, safe_content_type
from portal.filestore.base import MAX_FILENAME_LENGTH
from portal.filestore.base import clean_filename as stored_filename

INLINE_KINDS = frozenset({FileKind.JPEG, FileKind.PNG, FileKind.PDF})
"""The only kinds that may be inline, and only when `sanitized` (see `inline_allowed`)."""

# raw.githubusercontent.com serves user files with the same policy: a document opened from
# here cannot run script, submit forms or reach our origin's cookies.
_SANDBOX_CSP = (
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
# Browsers render PDFs in a built-in viewer that a CSP sandbox blocks outright (Chromium and
# Firefox show "blocked", Safari an empty page: mrin9/RapiPdf#63, PrivateBin/PrivateBin#1552,
# adobe/aem-core-wcm-components#2839). Inline PDFs are cleaned of JavaScript and actions
# first, so they get framing protection only.
_INLINE_PDF_CSP = "frame-ancestors 'self'"

# Characters Windows refuses in a file name (the others are already gone: stored_filename).
_RESERVED_NAME_CHARS = re.compile(r'["*:<>?|]')


def inline_allowed(kind: FileKind, *, sanitized: bool = False) -> bool:
    """True only for a sanitized JPEG/PNG or a PDF without active content.

    `sanitized` is the caller's statement that the blob is the output of `sanitize_image` /
    `clean_pdf`, or a PDF whose `PdfMetadataReport.has_active_content` is False. It defaults to
    False, so `inline_allowed(kind)` alone never allows inline. HTML, SVG, XML, scripts,
    executables, Office files, text and unknown files are never inline.
    """
    return sanitized and kind in INLINE_KINDS


def download_headers(
    kind: FileKind,
    filename: str,
    *,
    inline: bool = False,
    sanitized: bool = False,
) -> dict[str, str]:
    """Response headers for serving a stored file named `filename` (Japanese allowed).

    `inline=True` is honoured only when `inline_allowed(kind, sanitized=sanitized)`; otherwise
    the file is an attachment. Always sets nosniff, a CSP sandbox (except inline PDFs, see
    above), `Cache-Control: private, no-store` and a same-origin resource policy.
    """
    as_inline = inline and inline_allowed(kind, sanitized=sanitized)
    content_type = safe_content_type(kind)
    return {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(
            filename, content_type=content_type, inline=as_inline
        ),
        **security_headers(inline_pdf=as_inline and kind is FileKind.PDF),
    }


def content_disposition(
    filename: str, *, content_type: str | None = None, inline: bool = False
) -> str:
    """RFC 6266: `filename*=UTF-8''…` (RFC 5987) for the real name plus an ASCII `filename=`
    for old clients, both with the extension of what is served: '契約書.pdf' ->
    filename="download.pdf"; a PDF stored as '仕様書' is offered as '仕様書.pdf'."""
    name = clean_filename(filename)
    kind = kind_of_content_type(content_type) if content_type else None
    if kind is not None:
        name = with_extension(name, kind)
    disposition = "inline" if inline else "attachment"
    return (
        f'{disposition}; filename="{ascii_fallback(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def single_charset(content_type: str) -> str:
    """`content_type` with exactly one charset: the first one given, or UTF-8 for text/*
    (Werkzeug appends its own to a type that already names one)."""
    parts = [p.strip() for p in content_type.split(";") if p.strip()]
    if not parts:
        return "application/octet-stream"
    mimetype, params = parts[0].lower(), parts[1:]
    charsets = [p for p in params if p.lower().startswith("charset=")]
    others = [p for p in params if not p.lower().startswith("charset=")]
    if charsets:
        others.append(charsets[0])
    elif mimetype.startswith("text/"):
        others.append("charset=utf-8")
    return "; ".join([mimetype, *others])


EXTENSIONS: dict[FileKind, tuple[str, ...]] = {
    FileKind.PDF: ("pdf",),
    FileKind.JPEG: ("jpg",),  # a re-encoded ".jpeg" photo is offered as ".jpg"
    FileKind.PNG: ("png",),
    FileKind.DOCX: ("docx",),
    FileKind.XLSX: ("xlsx",),
    FileKind.PPTX: ("pptx",),
    FileKind.ZIP: ("zip",),
    FileKind.CSV: ("csv", "tsv", "txt"),
    FileKind.TEXT: ("txt", "csv", "tsv", "md", "log"),
}
"""Extensions that fit what is served; the first is added when the name has none of them
(a text file that happens to look like CSV keeps its ".txt")."""

_KNOWN_EXTENSIONS = frozenset(
    {ext for exts in EXTENSIONS.values() for ext in exts}
    | {"jpeg", "jpe", "heic", "heif", "webp", "gif", "tif", "tiff", "htm", "html", "svg", "xml"}
    | {"exe", "doc", "xls", "ppt", "docm", "xlsm"}
)


def kind_of_content_type(content_type: str) -> FileKind | None:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    for kind in EXTENSIONS:
        if safe_content_type(kind) == mimetype:
            return kind
    return None


def with_extension(name: str, kind: FileKind) -> str:
    """`name` with an extension that matches `kind`: '写真.heic' (re-encoded) -> '写真.jpg',
    '報告' (a PDF) -> '報告.pdf', '議事録.2026' -> '議事録.2026.txt'; at most 255 characters."""
    wanted = EXTENSIONS.get(kind)
    if wanted is None:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    if ext.lower() in wanted:
        return name
    if ext.lower() not in _KNOWN_EXTENSIONS:
        stem = name  # not an extension: keep the dot and what follows
    suffix = "." + wanted[0]
    stem = stem[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(" .") or "download"
    return stem + suffix


def security_headers(*, inline_pdf: bool = False) -> dict[str, str]:
    """What every served document carries, whichever way it is served: no sniffing, a CSP
    sandbox (framing protection only for an inline PDF, see above), no caching (documents
    hold personal information) and no use from other origins."""
    return {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": _INLINE_PDF_CSP if inline_pdf else _SANDBOX_CSP,
        "Cache-Control": "private, no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


def check_upload(kind: FileKind, *, allowed: Collection[FileKind]) -> None:
    """Refuse an upload whose sniffed `kind` is not in `allowed`, saying why.

    Raises FileRejected: `empty`; `active_content` for HTML, SVG, XML, scripts, executables and
    macro-enabled Office files; `unsupported_type` for anything else not allowed.
    """
    if kind is FileKind.EMPTY:
        raise FileRejected(RejectCode.EMPTY)
    if kind in allowed:
        return
    if kind in ACTIVE_KINDS:
        raise FileRejected(RejectCode.ACTIVE_CONTENT)
    raise FileRejected(RejectCode.UNSUPPORTED_TYPE)


def clean_filename(filename: str) -> str:
    """The name to offer for download or inside a zip: the stored name (last path component,
    NFC, no control characters, at most 255 chars) with Windows-reserved characters as "_"."""
    return _RESERVED_NAME_CHARS.sub("_", stored_filename(filename))


def ascii_fallback(name: str) -> str:
    """ASCII `filename=` for old clients, keeping the extension: '契約書.pdf' -> 'download.pdf'."""
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem):
        stem, ext = name, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9._()\- ]", "_", _to_ascii(stem)).strip(" ._")
    ascii_ext = re.sub(r"[^A-Za-z0-9]", "", _to_ascii(ext))[:16]
    ascii_stem = re.sub(r"_{2,}", "_", ascii_stem)
    if not re.search(r"[A-Za-z]", ascii_stem):  # '(7)' from '（令和7年度）' says nothing
        ascii_stem = "download"
    return f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem


def _to_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
