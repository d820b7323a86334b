"""Nightly reconcile of blobs against the database (save blob → add row → commit,
so a crash between the steps leaves an orphaned blob, never a row without its file)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.db import Base
from portal.extensions import db
from portal.filestore import FileStore
from portal.filestore.models import StoredFileMixin
from portal.model_registry import import_all_models


@dataclass
class ReconcileReport:
    orphaned_keys: list[str] = field(default_factory=list)  # in the store, in no row
    missing_blobs: list[tuple[str, int, str]] = field(default_factory=list)  # (table, id, key)
    deleted: int = 0


def _file_tables() -> list[sa.Table]:
    import_all_models()
    return [
        m.local_table  # type: ignore[misc]
        for m in Base.registry.mappers
        if issubclass(m.class_, StoredFileMixin)
    ]


def reconcile_blobs(store: FileStore, *, delete_orphans: bool = False) -> ReconcileReport:
    """Compare every stored key with every file row; optionally delete orphaned blobs.

    The store is listed before the rows are read: an upload saves its blob before its row
    commits, so the other order would call every blob saved during the listing an orphan
    (and delete a document whose row commits a moment later). A row whose blob only appeared
    after the listing is checked once more before it is reported missing.
    """
    report = ReconcileReport()
    stored = list(store.iter_keys())
    known: dict[str, tuple[str, int]] = {}
    for table in _file_tables():
        for row_id, key in db.session.execute(sa.select(table.c.id, table.c.storage_key)):
            known[key] = (table.name, row_id)
    report.orphaned_keys = [key for key in stored if key not in known]
    listed = set(stored)
    report.missing_blobs = [
        (table_name, row_id, key)
        for key, (table_name, row_id) in known.items()
        if key not in listed and not store.exists(key)
    ]
    if delete_orphans:
        for key in report.orphaned_keys:
            store.delete(key)
            report.deleted += 1
    return report
