"""Attachments of an incident report through the shared intake (portal.uploads): a PDF is
validated and stored cleaned of properties, XMP, しおり and JavaScript, a photo re-encoded
without EXIF/GPS (広島市要綱 第6 7). Every file of a report is checked before any is stored,
and a failure removes the blobs already written, so a refused report leaves nothing behind."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from portal.errors import UploadRejected
from portal.filecheck import ACCEPTED_IMAGE_KINDS, FileKind, FileRejected
from portal.filestore import StoredBlob
from portal.uploads import BlobWriter as _SharedBlobWriter
from portal.uploads import Upload, UploadLimits, take

__all__ = ["ALLOWED", "MAX_FILES", "AttachmentRejected", "BlobWriter", "Limits", "Stored", "Upload"]

ALLOWED = frozenset({FileKind.PDF} | ACCEPTED_IMAGE_KINDS)
MAX_FILES = 10

Limits = UploadLimits


class AttachmentRejected(UploadRejected):
    """An attachment of an incident report failed its check (`code`: filecheck's RejectCode)."""


@dataclass(frozen=True)
class Stored:
    blob: StoredBlob
    filename: str
    content_type: str
    kind: FileKind
    removed: tuple[str, ...] = ()


def _rejected(upload: Upload, exc: FileRejected) -> AttachmentRejected:
    named = exc.naming("添付ファイル", upload.filename)
    return AttachmentRejected(named.message, code=str(named.code), filename=upload.filename)


class BlobWriter(_SharedBlobWriter):
    """Saves cleaned attachments and remembers their keys, so a failure later in the request
    removes them."""

    def __init__(self, *, now: datetime) -> None:
        super().__init__("incident", now=now)

    def store(self, upload: Upload, limits: UploadLimits) -> Stored:
        with tempfile.TemporaryDirectory(prefix="incident-") as tmp:
            try:
                intake = take(
                    upload.path, upload.filename, allowed=ALLOWED, limits=limits, workdir=Path(tmp)
                )
            except FileRejected as exc:
                raise _rejected(upload, exc) from exc
            blob = self.save(intake.path, intake.content_type)
        return Stored(blob, intake.filename, intake.content_type, intake.kind, intake.removed)
