"""Nightly reconcile of blobs against the database (STYLE §7: save blob → add row → commit,
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
    """Compare every stored key with every file row; optionally delete orphaned blobs."""
    report = ReconcileReport()
    known: dict[str, tuple[str, int]] = {}
    for table in _file_tables():
        for row_id, key in db.session.execute(sa.select(table.c.id, table.c.storage_key)):
            known[key] = (table.name, row_id)
    seen: set[str] = set()
    for key in store.iter_keys():
        seen.add(key)
        if key not in known:
            report.orphaned_keys.append(key)
    for key, (table_name, row_id) in known.items():
        if key not in seen:
            report.missing_blobs.append((table_name, row_id, key))
    if delete_orphans:
        for key in report.orphaned_keys:
            store.delete(key)
            report.deleted += 1
    return report
