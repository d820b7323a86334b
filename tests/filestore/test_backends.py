"""Behaviour every FileStore backend must share: local folder and S3 (against a moto server)."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import flask
import pytest
from werkzeug.http import parse_options_header

from portal.filestore import FileStoreError, MissingBlobError, new_key
from portal.filestore.base import CHUNK_SIZE, FileStore
from portal.filestore.local import LocalFileStore
from portal.filestore.s3 import PART_SIZE, PARTS_IN_MEMORY, S3FileStore
from tests.filestore.streams import expected_sha256, generated

NOW = datetime(2026, 5, 12, 1, 31, tzinfo=UTC)
MB = 1_000_000


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "local":
        return LocalFileStore(tmp_path / "storage")
    bucket = request.getfixturevalue("s3_bucket")
    client = request.getfixturevalue("s3_client")
    return S3FileStore(bucket, endpoint_url=None, region=None, client=client)


def leftovers(store: FileStore) -> list[str]:
    """Everything physically present in the backend, including temp files and unfinished
    multipart uploads, which iter_keys() would not show."""
    if isinstance(store, LocalFileStore):
        if not store.root.exists():
            return []
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert isinstance(store, S3FileStore)
    client = store.client
    objects = client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return [o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads]


def test_saved_bytes_read_back_identically(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    data = b"%PDF-1.7\n" + bytes(range(256)) * 5000

    store.save(key, io.BytesIO(data), "application/pdf")

    with store.open(key) as fh:
        assert fh.read() == data


def test_save_reports_backend_key_size_and_sha256_of_the_stream(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    data = "委託契約書（個人情報取扱特記事項）".encode() * 1000

    blob = store.save(key, io.BytesIO(data), "text/plain")

    assert blob.backend == ("local" if isinstance(store, LocalFileStore) else "s3")
    assert blob.key == key
    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()


def test_empty_file_is_stored_with_size_zero(store: FileStore) -> None:
    key = new_key("contract", now=NOW)

    blob = store.save(key, io.BytesIO(b""), "application/octet-stream")

    assert (blob.size, blob.sha256) == (0, hashlib.sha256(b"").hexdigest())
    with store.open(key) as fh:
        assert fh.read() == b""


def test_multipart_sized_stream_is_stored_whole_and_in_order(store: FileStore) -> None:
    key = new_key("exchange", now=NOW)
    size = 2 * PART_SIZE + 12_345  # three parts on S3, many chunks locally

    blob = store.save(key, generated(size), "application/octet-stream")

    hasher = hashlib.sha256()
    with store.open(key) as fh:
        while chunk := fh.read(CHUNK_SIZE):
            hasher.update(chunk)
    assert blob.size == size
    assert blob.sha256 == hasher.hexdigest() == expected_sha256(size)


@pytest.mark.parametrize(
    ("store_kind", "peak_limit"),
    [
        # 1 MiB chunks: the chunk being hashed and written, plus one read ahead.
        ("local", 4 * 1024 * 1024),
        # Unseekable streams are buffered per part (see s3.PART_SIZE), plus botocore's own.
        ("s3", (PARTS_IN_MEMORY + 1) * PART_SIZE + 6 * 1024 * 1024),
    ],
)
def test_saving_a_50_mb_stream_keeps_peak_memory_far_below_its_size(
    request: pytest.FixtureRequest, tmp_path: Path, store_kind: str, peak_limit: int
) -> None:
    if store_kind == "local":
        store: FileStore = LocalFileStore(tmp_path / "storage")
    else:
        store = S3FileStore(
            request.getfixturevalue("s3_bucket"),
            endpoint_url=None,
            region=None,
            client=request.getfixturevalue("s3_client"),
        )
    size = 50 * MB
    source = generated(size)

    tracemalloc.start()
    try:
        blob = store.save(new_key("exchange", now=NOW), source, "application/octet-stream")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert blob.size == size
    assert blob.sha256 == expected_sha256(size)
    assert peak < peak_limit < size // 2, f"peak {peak / MB:.1f} MB"


def test_source_failing_midway_leaves_nothing_at_the_key_and_no_temp_file(
    store: FileStore,
) -> None:
    key = new_key("exchange", now=NOW)
    source = generated(3 * PART_SIZE, fail_at=PART_SIZE + CHUNK_SIZE)

    with pytest.raises(OSError, match="connection reset"):
        store.save(key, source, "application/octet-stream")

    assert not store.exists(key)
    assert leftovers(store) == []


def test_exists_is_false_before_save_and_true_after(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    before = store.exists(key)

    store.save(key, io.BytesIO(b"x"), "text/plain")

    assert (before, store.exists(key)) == (False, True)


def test_deleted_blob_no_longer_exists_nor_opens(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"to be erased"), "text/plain")

    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(MissingBlobError):
        store.open(key)


def test_deleting_a_missing_key_is_not_an_error(store: FileStore) -> None:
    key = new_key("contract", now=NOW)

    store.delete(key)

    assert not store.exists(key)


def test_opening_a_missing_key_raises_missing_blob_error(store: FileStore) -> None:
    key = new_key("contract", now=NOW)

    with pytest.raises(MissingBlobError):
        store.open(key)


def test_iter_keys_lists_every_key_under_a_prefix_and_nothing_else(store: FileStore) -> None:
    contract_keys = sorted(new_key("contract", now=NOW) for _ in range(3))
    other = new_key("contractor_logo", now=NOW)
    for key in [*contract_keys, other]:
        store.save(key, io.BytesIO(key.encode()), "text/plain")

    listed = list(store.iter_keys("contract/"))

    assert listed == contract_keys
    assert sorted(store.iter_keys()) == sorted([*contract_keys, other])
    assert list(store.iter_keys("contract/2026/05/")) == contract_keys
    assert list(store.iter_keys("contract/2026/06/")) == []


@pytest.mark.parametrize(
    "key",
    [
        "../outside",
        "contract/../../outside",
        "/etc/passwd",
        "contract//x",
        "contract/./x",
        "contract/.tmp-abc",
        "contract\\..\\x",
        "",
        "契約書.pdf",
        "contract/x\x00y",
        "a" * 201,
    ],
)
def test_keys_that_could_escape_or_that_we_never_generate_are_refused(
    store: FileStore, key: str
) -> None:
    with pytest.raises(FileStoreError):
        store.save(key, io.BytesIO(b"x"), "text/plain")
    with pytest.raises(FileStoreError):
        store.open(key)
    with pytest.raises(FileStoreError):
        store.exists(key)
    with pytest.raises(FileStoreError):
        store.delete(key)

    assert leftovers(store) == []


@pytest.mark.parametrize("prefix", ["../", "/etc", "contract/../..", "a//"])
def test_iter_keys_refuses_prefixes_that_could_escape(store: FileStore, prefix: str) -> None:
    with pytest.raises(FileStoreError):
        list(store.iter_keys(prefix))


def _tiny_app() -> flask.Flask:
    return flask.Flask(__name__)


def test_download_of_a_japanese_filename_is_an_attachment_with_rfc5987_name(
    store: FileStore,
) -> None:
    key = new_key("contract", now=NOW)
    data = b"%PDF-1.7\n" + b"0" * 1000
    store.save(key, io.BytesIO(data), "application/pdf")
    filename = "委託契約書 令和8年度.pdf"
    app = _tiny_app()

    @app.get("/download")
    def download() -> flask.Response:
        return store.download_response(key, filename=filename, content_type="application/pdf")

    response = app.test_client().get("/download", buffered=True)  # buffered: read and close

    disposition, params = parse_options_header(response.headers["Content-Disposition"])
    assert response.status_code == 200
    assert disposition == "attachment"
    assert f"filename*=UTF-8''{quote(filename)}" in response.headers["Content-Disposition"]
    assert params["filename"] == filename  # what a browser decodes from filename*
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert response.data == data


def test_download_body_is_streamed_in_chunks_and_closes_the_blob(store: FileStore) -> None:
    key = new_key("exchange", now=NOW)
    size = 3 * CHUNK_SIZE
    store.save(key, generated(size), "application/octet-stream")
    app = _tiny_app()

    with app.test_request_context("/download"):
        response = store.download_response(
            key, filename="data.bin", content_type="application/octet-stream"
        )
        chunks = [chunk for chunk in response.response if isinstance(chunk, bytes)]
        response.close()

    assert response.is_streamed
    assert len(chunks) > 1
    assert sum(map(len, chunks)) == size
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == expected_sha256(size)
    assert response.response.file.closed  # type: ignore[union-attr]


def test_inline_download_is_allowed_for_a_pdf(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"%PDF-1.7\n"), "application/pdf")
    app = _tiny_app()

    with app.test_request_context("/download"):
        response = store.download_response(
            key, filename="仕様書.pdf", content_type="application/pdf", inline=True
        )
        response.close()

    assert response.headers["Content-Disposition"].startswith("inline; ")
    assert "sandbox" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/xml"])
def test_active_content_is_served_as_attachment_even_when_inline_is_asked(
    store: FileStore, content_type: str
) -> None:
    key = new_key("exchange", now=NOW)
    store.save(key, io.BytesIO(b"<script>alert(1)</script>"), content_type)
    app = _tiny_app()

    with app.test_request_context("/download"):
        response = store.download_response(
            key, filename="x.html", content_type=content_type, inline=True
        )
        response.close()

    assert response.headers["Content-Disposition"].startswith("attachment; ")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_download_filename_with_line_breaks_cannot_inject_headers(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    store.save(key, io.BytesIO(b"x"), "text/plain")
    app = _tiny_app()

    with app.test_request_context("/download"):
        response = store.download_response(
            key, filename="a\r\nSet-Cookie: x=1\r\n.txt", content_type="text/plain"
        )
        response.close()

    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"aSet-Cookie_ x_1.txt\"; filename*=UTF-8''aSet-Cookie_%20x%3D1.txt"
    )
    assert "\r" not in response.headers["Content-Disposition"]


def test_download_of_a_missing_blob_raises_before_any_response(store: FileStore) -> None:
    key = new_key("contract", now=NOW)
    app = _tiny_app()

    with app.test_request_context("/download"), pytest.raises(MissingBlobError):
        store.download_response(key, filename="x.pdf", content_type="application/pdf")
