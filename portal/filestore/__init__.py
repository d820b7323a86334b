"""File storage: one FileStore interface, a local-folder and an S3 backend.

Features call `get_filestore()` and never import a backend. `create_app` builds the store once
with `make_filestore(...)` from the config and puts it in `app.extensions["filestore"]`.
"""

from __future__ import annotations

from pathlib import Path

from portal.filestore.base import (
    FileStore,
    FileStoreError,
    MissingBlobError,
    StoredBlob,
    clean_filename,
    new_key,
)

__all__ = [
    "FileStore",
    "FileStoreError",
    "MissingBlobError",
    "StoredBlob",
    "clean_filename",
    "get_filestore",
    "make_filestore",
    "new_key",
]

BACKENDS = ("local", "s3")


def make_filestore(
    *,
    backend: str,
    storage_dir: Path,
    s3_bucket: str | None,
    s3_endpoint_url: str | None,
    s3_region: str | None,
) -> FileStore:
    """Build the configured backend. Makes no network calls and creates no directories."""
    if backend == "local":
        from portal.filestore.local import LocalFileStore

        return LocalFileStore(storage_dir)
    if backend == "s3":
        if not s3_bucket:
            raise FileStoreError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        # Imported here so a local-only installation never loads boto3.
        from portal.filestore.s3 import S3FileStore

        return S3FileStore(s3_bucket, endpoint_url=s3_endpoint_url or None, region=s3_region)
    raise FileStoreError(f"unknown STORAGE_BACKEND {backend!r}; expected one of {BACKENDS}")


def get_filestore() -> FileStore:
    """The app's store (needs an app context: a request, a CLI command or a job)."""
    from flask import current_app

    store: FileStore = current_app.extensions["filestore"]
    return store
