"""Upload checks shared by every feature that accepts files.

Pure library: no Flask, no database. Types are judged from bytes (`sniff`), images and PDFs are
parsed in `portal.sandbox` children with time and memory limits, and every refusal is a
`FileRejected` with a stable `code` and a Japanese `message` for the user.

    kind = sniff_path(tmp)                                  # never the name or browser type
    check_upload(kind, allowed={FileKind.PDF, FileKind.JPEG})
    info = validate_pdf(tmp, max_bytes=20 * MB, max_pages=200)
    clean_pdf(tmp, cleaned)                                 # 広島市要綱 第6 7
    photo = validate_image(tmp, max_bytes=20 * MB, max_pixels=60_000_000)
    sanitize_image(tmp, display, thumb)                     # EXIF/GPS gone, upright
    headers = download_headers(kind, "証明書.pdf", inline=True, sanitized=True)
"""

from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.images import (
    ACCEPTED_IMAGE_KINDS,
    DEFAULT_MAX_PIXELS,
    ImageInfo,
    SanitizedImage,
    sanitize_image,
    validate_image,
)
from portal.filecheck.pdf import (
    PdfInfo,
    PdfMetadataReport,
    clean_pdf,
    inspect_pdf_metadata,
    validate_pdf,
)
from portal.filecheck.policy import check_upload, download_headers, inline_allowed
from portal.filecheck.sniff import HEAD_BYTES, FileKind, safe_content_type, sniff, sniff_path

__all__ = [
    "ACCEPTED_IMAGE_KINDS",
    "DEFAULT_MAX_PIXELS",
    "HEAD_BYTES",
    "FileKind",
    "FileRejected",
    "ImageInfo",
    "PdfInfo",
    "PdfMetadataReport",
    "RejectCode",
    "SanitizedImage",
    "check_upload",
    "clean_pdf",
    "download_headers",
    "inline_allowed",
    "inspect_pdf_metadata",
    "safe_content_type",
    "sanitize_image",
    "sniff",
    "sniff_path",
    "validate_image",
    "validate_pdf",
]
