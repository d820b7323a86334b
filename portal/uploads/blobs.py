"""Writing cleaned files to the file store so that a refused request leaves no blob behind."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from portal.filestore import FileStoreError, StoredBlob, get_filestore, new_key

log = logging.getLogger("portal.uploads")


class BlobWriter:
    """Writes blobs under fresh keys of `feature` and remembers them, so a failure later in the
    same request can remove every blob it wrote ("nothing saved")."""

    def __init__(self, feature: str, *, now: datetime) -> None:
        self.feature = feature
        self.now = now
        self.keys: list[str] = []

    def save(self, path: Path, content_type: str) -> StoredBlob:
        key = new_key(self.feature, now=self.now)
        # Remembered before writing: a save that fails half-way is cleaned up too.
        self.keys.append(key)
        with path.open("rb") as f:
            return get_filestore().save(key, f, content_type)

    def discard(self) -> None:
        discard_blobs(self.keys)
        self.keys = []


def discard_blobs(keys: Iterable[str]) -> int:
    """Delete blobs no row points at; failures are logged and left to the nightly reconcile
    job (the request itself must not fail). Returns how many were deleted."""
    store = get_filestore()
    done = 0
    for key in keys:
        try:
            store.delete(key)
        except FileStoreError:
            log.exception("could not delete blob %s", key)
            continue
        done += 1
    return done
