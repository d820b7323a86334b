"""The reconcile job against uploads that are under way while it runs (save the
blob, add the row, commit)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

from portal.contract.models import ContractDocument, DocumentRole
from portal.extensions import db as _db
from portal.filestore import new_key
from portal.filestore.local import LocalFileStore
from portal.filestore.reconcile import reconcile_blobs
from tests.chase.factories import make_city, make_contract

NOW = datetime(2026, 11, 23, tzinfo=UTC)


class _UploadDuringListing(LocalFileStore):
    """A store whose listing is overtaken by an upload: the blob is listed, and the request
    that saved it commits its row before the listing ends."""

    def __init__(self, root, commit_row) -> None:
        super().__init__(root)
        self._commit_row = commit_row

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        yield from super().iter_keys(prefix)
        self._commit_row()


def _document_row(contract, key: str):
    def add() -> None:
        doc = ContractDocument(
            contract_id=contract.id, role=DocumentRole.BODY, file_kind="pdf", page_count=1
        )
        doc.storage_backend, doc.storage_key = "local", key
        doc.original_filename, doc.content_type = "契約書.pdf", "application/pdf"
        doc.size, doc.sha256 = 5, "0" * 64
        _db.session.add(doc)
        _db.session.flush()

    return add


def test_a_blob_whose_row_commits_while_the_store_is_listed_is_not_deleted(db, tmp_path):
    city = make_city()
    contract = make_contract(city.section, city.company)
    key = new_key("contract", now=NOW)
    store = _UploadDuringListing(tmp_path / "store", _document_row(contract, key))
    store.save(key, io.BytesIO(b"%PDF-"), "application/pdf")

    report = reconcile_blobs(store, delete_orphans=True)

    assert report.orphaned_keys == []
    assert store.exists(key)


def test_a_row_whose_blob_is_saved_while_the_store_is_listed_is_not_reported_missing(db, tmp_path):
    city = make_city()
    contract = make_contract(city.section, city.company)
    key = new_key("contract", now=NOW)
    store = LocalFileStore(tmp_path / "store")
    _document_row(contract, key)()

    class _SavedLate(LocalFileStore):
        def iter_keys(self, prefix: str = "") -> Iterator[str]:
            yield from super().iter_keys(prefix)
            store.save(key, io.BytesIO(b"%PDF-"), "application/pdf")

    report = reconcile_blobs(_SavedLate(tmp_path / "store"))

    assert report.missing_blobs == []
