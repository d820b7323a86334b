"""Checking and cleaning a submission's files before anything is stored.

Every file is judged from its bytes (portal.filecheck, parsers in a limited child process);
the first rejection stops the whole submission, and since nothing is written to the file store
until every file has passed, a rejected submission leaves no blob and no row behind. What is
stored and served is the cleaned copy: photos re-encoded without EXIF/GPS/comments, the PDF
without properties, XMP and しおり (広島市要綱 第6 7). The upload itself is kept only where the
city configures `keep_original_uploads`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from portal.errors import PortalError
from portal.filecheck.errors import FileRejected, megabytes
from portal.filecheck.images import ImageInfo, SanitizedImage, sanitize_image, validate_image
from portal.filecheck.pdf import PdfInfo, clean_pdf, validate_pdf
from portal.filestore import FileStoreError, StoredBlob, get_filestore, new_key

log = logging.getLogger("portal.erasure")

PHOTO_MAX_BYTES = 30 * 1024 * 1024
"""Per photo: a 48-megapixel HEIC/JPEG from a current phone is 10-25 MB."""
CERTIFICATE_MAX_BYTES = 50 * 1024 * 1024
CERTIFICATE_MAX_PAGES = 200
"""A signed 消去証明書 is a few pages; the config's document limit applies when lower."""
DISPLAY_MAX_PX = 2048
THUMB_PX = 320


class UploadRejected(PortalError):
    """A file of the submission failed its check; `code` is portal.filecheck's RejectCode."""

    def __init__(self, message: str, *, code: str, filename: str) -> None:
        super().__init__(message, code=code)
        self.filename = filename


@dataclass(frozen=True)
class Upload:
    """An uploaded file already streamed to a temporary path by the view (or the demo)."""

    path: Path
    filename: str


@dataclass(frozen=True)
class CheckedPdf:
    upload: Upload
    info: PdfInfo
    cleaned: Path


@dataclass(frozen=True)
class CheckedPhoto:
    upload: Upload
    info: ImageInfo
    sanitized: SanitizedImage
    display: Path
    thumb: Path


def _limits() -> tuple[int, int, int, int]:
    cfg = current_app.extensions["portal_config"]
    return (
        min(PHOTO_MAX_BYTES, cfg.max_content_length),
        cfg.max_image_pixels,
        min(CERTIFICATE_MAX_BYTES, cfg.max_content_length),
        min(CERTIFICATE_MAX_PAGES, cfg.max_document_pages),
    )


def _rejected(label: str, upload: Upload, exc: FileRejected) -> UploadRejected:
    return UploadRejected(
        f"{label}「{upload.filename}」を受け付けられません。{exc.message}",
        code=str(exc.code),
        filename=upload.filename,
    )


def check_pdf(upload: Upload, workdir: Path) -> CheckedPdf:
    """Validate the signed certificate and write its cleaned copy into `workdir`."""
    _, _, max_bytes, max_pages = _limits()
    try:
        info = validate_pdf(upload.path, max_bytes=max_bytes, max_pages=max_pages)
        cleaned = workdir / "certificate.pdf"
        clean_pdf(upload.path, cleaned)
    except FileRejected as exc:
        raise _rejected("消去証明書", upload, exc) from exc
    return CheckedPdf(upload=upload, info=info, cleaned=cleaned)


def validate_photos(uploads: list[Upload]) -> list[ImageInfo]:
    """Cheap first pass over every photo (header, pixel count, complete decode at 1/8 scale)
    so a bad 20th photo is found before 19 photos are re-encoded."""
    max_bytes, max_pixels, _, _ = _limits()
    infos = []
    for upload in uploads:
        try:
            infos.append(validate_image(upload.path, max_bytes=max_bytes, max_pixels=max_pixels))
        except FileRejected as exc:
            raise _rejected("写真", upload, exc) from exc
    return infos


def sanitize_photos(
    uploads: list[Upload], infos: list[ImageInfo], workdir: Path
) -> list[CheckedPhoto]:
    _, max_pixels, _, _ = _limits()
    checked = []
    for n, (upload, info) in enumerate(zip(uploads, infos, strict=True), start=1):
        display = workdir / f"photo-{n}.img"
        thumb = workdir / f"photo-{n}-thumb.img"
        try:
            result = sanitize_image(
                upload.path,
                display,
                thumb,
                display_max_px=DISPLAY_MAX_PX,
                thumb_px=THUMB_PX,
                max_pixels=max_pixels,
            )
        except FileRejected as exc:
            raise _rejected("写真", upload, exc) from exc
        checked.append(CheckedPhoto(upload, info, result, display, thumb))
    return checked


def describe_limits() -> str:
    """For the form's help text."""
    max_bytes, max_pixels, pdf_bytes, pdf_pages = _limits()
    return (
        f"写真は JPEG・PNG・HEIC（1枚 {megabytes(max_bytes)}・"
        f"約 {max_pixels // 10_000:,} 万画素まで）、"
        f"消去証明書は PDF（{megabytes(pdf_bytes)}・{pdf_pages} ページまで）。"
    )


class BlobWriter:
    """Writes blobs under fresh keys and remembers them, so a failure later in the same request
    can remove every blob it wrote ("nothing saved")."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.keys: list[str] = []
        self.store = get_filestore()

    def save(self, path: Path, content_type: str) -> StoredBlob:
        key = new_key("erasure", now=self.now)
        # Remembered before writing: a save that fails half-way is cleaned up too.
        self.keys.append(key)
        with path.open("rb") as f:
            return self.store.save(key, f, content_type)

    def discard(self) -> None:
        discard_blobs(self.keys)
        self.keys = []


def discard_blobs(keys: list[str]) -> None:
    store = get_filestore()
    for key in keys:
        try:
            store.delete(key)
        except FileStoreError:
            # The nightly reconcile job reports what is left; the request itself must not fail.
            log.exception("could not delete blob %s after a failed submission", key)
