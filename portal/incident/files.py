"""Attachments of an incident report through the common checks (portal.filecheck): a PDF is
validated and stored cleaned of properties, XMP and しおり, a photo re-encoded without EXIF/GPS
(広島市要綱 第6 7). Every file of a report is checked before any is stored, and a failure
removes the blobs already written, so a refused report leaves nothing behind."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from portal.errors import UploadRejected
from portal.filecheck import (
    ACCEPTED_IMAGE_KINDS,
    FileKind,
    FileRejected,
    check_upload,
    clean_pdf,
    safe_content_type,
    sanitize_image,
    sniff_path,
    validate_image,
    validate_pdf,
)
from portal.filestore import FileStoreError, StoredBlob, get_filestore, new_key

log = logging.getLogger("portal.incident")

ALLOWED = frozenset({FileKind.PDF} | ACCEPTED_IMAGE_KINDS)
MAX_FILES = 10


class AttachmentRejected(UploadRejected):
    """An attachment of an incident report failed its check (`code`: filecheck's RejectCode)."""


@dataclass(frozen=True)
class Upload:
    """A file the view streamed to a temporary path."""

    path: Path
    filename: str


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_pixels: int


@dataclass(frozen=True)
class Stored:
    blob: StoredBlob
    filename: str
    content_type: str
    kind: FileKind


def _rejected(upload: Upload, exc: FileRejected) -> AttachmentRejected:
    named = exc.naming("添付ファイル", upload.filename)
    return AttachmentRejected(named.message, code=str(named.code), filename=upload.filename)


class BlobWriter:
    """Saves blobs and remembers their keys, so a failure later in the request removes them."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.keys: list[str] = []

    def _save(self, path: Path, content_type: str) -> StoredBlob:
        key = new_key("incident", now=self.now)
        self.keys.append(key)
        with path.open("rb") as f:
            return get_filestore().save(key, f, content_type)

    def store(self, upload: Upload, limits: Limits) -> Stored:
        try:
            kind = sniff_path(upload.path, filename=upload.filename)
            check_upload(kind, allowed=ALLOWED)
            with tempfile.TemporaryDirectory(prefix="incident-") as tmp:
                if kind == FileKind.PDF:
                    validate_pdf(
                        upload.path, max_bytes=limits.max_bytes, max_pages=limits.max_pages
                    )
                    cleaned = Path(tmp) / "clean.pdf"
                    clean_pdf(upload.path, cleaned)
                    content_type = safe_content_type(kind)
                    return Stored(
                        self._save(cleaned, content_type), upload.filename, content_type, kind
                    )
                validate_image(
                    upload.path, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
                )
                display, thumb = Path(tmp) / "display", Path(tmp) / "thumb"
                clean = sanitize_image(upload.path, display, thumb, max_pixels=limits.max_pixels)
                stem = (
                    upload.filename.rsplit(".", 1)[0] if "." in upload.filename else upload.filename
                )
                name = f"{stem}.{'png' if clean.kind == FileKind.PNG else 'jpg'}"
                blob = self._save(display, clean.content_type)
                return Stored(blob, name, clean.content_type, clean.kind)
        except FileRejected as exc:
            raise _rejected(upload, exc) from exc

    def discard(self) -> None:
        store = get_filestore()
        for key in self.keys:
            try:
                store.delete(key)
            except FileStoreError:
                # The nightly reconcile job reports what is left; the request must not fail.
                log.exception("could not delete blob %s after a refused report", key)
        self.keys = []
