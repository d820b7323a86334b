"""The columns every DB row that owns a stored file carries.

A feature model mixes this in next to `portal.db.Base`:

    class ContractDocument(StoredFileMixin, Base):
        __tablename__ = "contract_documents"
        id: so.Mapped[int] = so.mapped_column(primary_key=True)

see: indico/indico indico/core/storage/models.py (StoredFileMixin).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import utcnow
from portal.filestore.base import MAX_FILENAME_LENGTH, MAX_KEY_LENGTH, StoredBlob, clean_filename

MAX_CONTENT_TYPE_LENGTH = 100


class StoredFileMixin:
    """Where the blob is, what the user called it, and how to check it is still intact."""

    storage_backend: so.Mapped[str] = so.mapped_column(sa.String(10))
    # Unique: two rows sharing a blob would let deleting one destroy the other's document.
    storage_key: so.Mapped[str] = so.mapped_column(
        sa.String(MAX_KEY_LENGTH), unique=True, index=True
    )
    # The user's name for the file, served back in Content-Disposition; never used on disk.
    original_filename: so.Mapped[str] = so.mapped_column(sa.String(MAX_FILENAME_LENGTH))
    # Decided from the bytes at upload, never the browser's claim.
    content_type: so.Mapped[str] = so.mapped_column(sa.String(MAX_CONTENT_TYPE_LENGTH))
    size: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    # No explicit type: portal.db.Base maps `datetime` to UTCDateTime (DateTime(timezone=True)
    # that also reads back aware UTC on SQLite).
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def set_blob(self, blob: StoredBlob, *, filename: str, content_type: str) -> None:
        """Record a blob just returned by `FileStore.save` on this row."""
        content_type = content_type.strip()
        if not content_type or len(content_type) > MAX_CONTENT_TYPE_LENGTH:
            raise ValueError(f"content_type must be 1-{MAX_CONTENT_TYPE_LENGTH} characters")
        self.storage_backend = blob.backend
        self.storage_key = blob.key
        self.size = blob.size
        self.sha256 = blob.sha256
        self.original_filename = clean_filename(filename)
        self.content_type = content_type

    @property
    def stored_blob(self) -> StoredBlob:
        """The row's blob reference, e.g. to compare with the store in the reconcile job."""
        return StoredBlob(
            backend=self.storage_backend, key=self.storage_key, size=self.size, sha256=self.sha256
        )
