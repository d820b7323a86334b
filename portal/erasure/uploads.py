"""The erasure submission's files through the shared intake (portal.uploads).

Every file is judged from its bytes and cleaned before anything is stored; the first
rejection stops the whole submission, and since nothing is written to the file store until
every file has passed, a rejected submission leaves no blob and no row behind. What is stored
and served is the cleaned copy: photos re-encoded without EXIF/GPS/comments, the PDF without
properties, XMP and しおり (広島市要綱 第6 7). The upload itself is kept only where the city
configures `keep_original_uploads`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from portal.errors import UploadRejected
from portal.filecheck.errors import FileRejected, megabytes
from portal.filecheck.images import ACCEPTED_IMAGE_KINDS, ImageInfo, SanitizedImage
from portal.filecheck.images import validate_image as _validate_image
from portal.filecheck.pdf import PdfInfo
from portal.filecheck.sniff import FileKind
from portal.uploads import BlobWriter as _SharedBlobWriter
from portal.uploads import Intake, Upload, UploadLimits, discard_blobs, precheck, take
from portal.uploads.intake import THUMB_PX

__all__ = [
    "THUMB_PX",
    "BlobWriter",
    "CheckedPdf",
    "CheckedPhoto",
    "Upload",
    "UploadRejected",
    "check_pdf",
    "describe_limits",
    "discard_blobs",
    "sanitize_photos",
    "validate_photos",
]

PHOTO_MAX_BYTES = 30 * 1024 * 1024
"""Per photo: a 48-megapixel HEIC/JPEG from a current phone is 10-25 MB."""
CERTIFICATE_MAX_BYTES = 50 * 1024 * 1024
CERTIFICATE_MAX_PAGES = 200
"""A signed 消去証明書 is a few pages; the config's document limit applies when lower."""
DISPLAY_MAX_PX = 2048


@dataclass(frozen=True)
class CheckedPdf:
    upload: Upload
    info: PdfInfo
    cleaned: Path
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckedPhoto:
    upload: Upload
    info: ImageInfo
    sanitized: SanitizedImage
    display: Path
    thumb: Path
    removed: tuple[str, ...] = ()


def _photo_limits() -> UploadLimits:
    return UploadLimits.current().capped(max_bytes=PHOTO_MAX_BYTES)


def _pdf_limits() -> UploadLimits:
    return UploadLimits.current().capped(
        max_bytes=CERTIFICATE_MAX_BYTES, max_pages=CERTIFICATE_MAX_PAGES
    )


class BlobWriter(_SharedBlobWriter):
    """The shared writer under erasure/ keys."""

    def __init__(self, *, now: datetime) -> None:
        super().__init__("erasure", now=now)


def check_pdf(upload: Upload, workdir: Path) -> CheckedPdf:
    """Validate the signed certificate and write its cleaned copy into `workdir`."""
    intake = take(
        upload.path,
        upload.filename,
        allowed={FileKind.PDF},
        limits=_pdf_limits(),
        workdir=workdir,
        label="消去証明書",
    )
    assert intake.pdf is not None  # noqa: S101 - a PDF intake always has its PdfInfo
    return CheckedPdf(upload=upload, info=intake.pdf, cleaned=intake.path, removed=intake.removed)


def validate_photos(uploads: list[Upload]) -> list[ImageInfo]:
    """Cheap first pass over every photo (type, polyglot, header, pixel count, complete
    decode at 1/8 scale) so a bad 20th photo is found before 19 photos are re-encoded."""
    limits = _photo_limits()
    infos = []
    for upload in uploads:
        try:
            precheck(upload.path, upload.filename, allowed=ACCEPTED_IMAGE_KINDS, limits=limits)
            infos.append(
                _validate_image(
                    upload.path, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
                )
            )
        except FileRejected as exc:
            raise exc.naming("写真", upload.filename) from exc
    return infos


def sanitize_photos(
    uploads: list[Upload], infos: list[ImageInfo], workdir: Path
) -> list[CheckedPhoto]:
    limits = _photo_limits()
    checked = []
    for n, (upload, info) in enumerate(zip(uploads, infos, strict=True), start=1):
        intake: Intake = take(
            upload.path,
            upload.filename,
            allowed=ACCEPTED_IMAGE_KINDS,
            limits=limits,
            workdir=workdir / f"photo-{n}",
            label="写真",
            thumbnail=True,
            display_max_px=DISPLAY_MAX_PX,
        )
        assert intake.sanitized is not None  # noqa: S101 - a photo intake is re-encoded
        assert intake.thumb is not None  # noqa: S101 - thumbnail=True
        checked.append(
            CheckedPhoto(upload, info, intake.sanitized, intake.path, intake.thumb, intake.removed)
        )
    return checked


def describe_limits() -> str:
    """For the form's help text."""
    photo, pdf = _photo_limits(), _pdf_limits()
    return (
        f"写真は JPEG・PNG・HEIC（1枚 {megabytes(photo.max_bytes)}・"
        f"約 {photo.max_pixels // 10_000:,} 万画素まで）、"
        f"消去証明書は PDF（{megabytes(pdf.max_bytes)}・{pdf.max_pages} ページまで）。"
    )
