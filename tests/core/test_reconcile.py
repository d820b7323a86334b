from __future__ import annotations

import io
from datetime import UTC, datetime

from portal.filestore import new_key
from portal.filestore.local import LocalFileStore
from portal.filestore.reconcile import reconcile_blobs

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_reconcile_finds_a_blob_no_row_owns_and_deletes_it_on_request(db, tmp_path):
    store = LocalFileStore(tmp_path / "store")
    orphan = new_key("test", now=NOW)
    store.save(orphan, io.BytesIO(b"left behind by a crash"), "text/plain")

    dry = reconcile_blobs(store)
    report = reconcile_blobs(store, delete_orphans=True)

    assert dry.orphaned_keys == [orphan]
    assert dry.deleted == 0
    assert report.deleted == 1
    assert not store.exists(orphan)
    assert report.missing_blobs == []
