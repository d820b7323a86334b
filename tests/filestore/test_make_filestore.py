"""make_filestore picks the configured backend; get_filestore reads it from the app."""

from __future__ import annotations

import io
from pathlib import Path

import flask
import pytest

from portal.filestore import FileStoreError, MissingBlobError, get_filestore, make_filestore
from portal.filestore.local import LocalFileStore
from portal.filestore.s3 import S3FileStore


def test_local_backend_is_rooted_at_the_storage_dir(tmp_path: Path) -> None:
    store = make_filestore(
        backend="local",
        storage_dir=tmp_path / "storage",
        s3_bucket=None,
        s3_endpoint_url=None,
        s3_region=None,
    )

    assert isinstance(store, LocalFileStore)
    assert store.root == (tmp_path / "storage").resolve()


def test_s3_backend_makes_no_client_and_no_network_call_until_used(tmp_path: Path) -> None:
    store = make_filestore(
        backend="s3",
        storage_dir=tmp_path,
        s3_bucket="portal-documents",
        s3_endpoint_url="http://127.0.0.1:1",
        s3_region="ap-northeast-1",
    )

    assert isinstance(store, S3FileStore)
    assert store.bucket == "portal-documents"
    assert store._client is None


def test_s3_backend_without_a_bucket_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileStoreError, match="S3_BUCKET"):
        make_filestore(
            backend="s3",
            storage_dir=tmp_path,
            s3_bucket="",
            s3_endpoint_url=None,
            s3_region=None,
        )


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileStoreError, match="STORAGE_BACKEND"):
        make_filestore(
            backend="ftp",
            storage_dir=tmp_path,
            s3_bucket=None,
            s3_endpoint_url=None,
            s3_region=None,
        )


def test_get_filestore_returns_the_store_the_app_was_given(tmp_path: Path) -> None:
    app = flask.Flask(__name__)
    store = LocalFileStore(tmp_path)
    app.extensions["filestore"] = store

    with app.app_context():
        found = get_filestore()

    assert found is store


def test_s3_errors_other_than_a_missing_key_become_filestore_errors(s3_client: object) -> None:
    store = S3FileStore("no-such-bucket-here", endpoint_url=None, region=None, client=s3_client)

    with pytest.raises(FileStoreError) as saving:
        store.save("contract/x", io.BytesIO(b"x"), "text/plain")
    with pytest.raises(FileStoreError) as opening:
        store.open("contract/x")
    with pytest.raises(FileStoreError):
        list(store.iter_keys())

    assert "NoSuchBucket" in str(saving.value)
    assert not isinstance(opening.value, MissingBlobError)
