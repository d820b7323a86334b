"""S3 backend through boto3 (AWS S3 or any S3-protocol server: MinIO, moto in tests).

see: indico/indico-plugins storage_s3/indico_storage_s3/storage.py (boto3 backend).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, cast

import boto3
import boto3.session
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from portal.filestore.base import (
    CHUNK_SIZE,
    FileStoreError,
    MissingBlobError,
    StoredBlob,
    build_download_response,
    validate_key,
    validate_prefix,
)

if TYPE_CHECKING:
    import flask
    from botocore.response import StreamingBody
    from types_boto3_s3.client import S3Client

# Parts of 5 MiB, S3's minimum (up to 10,000 parts: 48 GiB per object, far above any upload
# limit). An unseekable upload stream is buffered part by part, so one upload holds about
# (parts in memory + the part being read) x 5 MiB = 15 MiB, whatever the file size. Measured
# against moto for a 200 MB stream: 5 MiB x 2 was as fast as 8 MiB x 2 with 2/3 of the memory.
PART_SIZE = 5 * 1024 * 1024
PARTS_IN_MEMORY = 2

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def _transfer_config() -> TransferConfig:
    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=PARTS_IN_MEMORY,
        # "classic": the same code path everywhere, whether or not awscrt happens to be installed.
        preferred_transfer_client="classic",
    )
    # The s3transfer default is 10 parts in memory per upload; a few parallel uploads would then
    # hold hundreds of MiB.
    config.max_in_memory_upload_chunks = PARTS_IN_MEMORY
    return config


class S3FileStore:
    """Blobs as objects in one bucket; the key is the object key.

    The boto3 client is created on first use, not in the constructor: resolving credentials may
    query the instance metadata service, and `create_app` makes no network calls: start-up
    must not depend on the network.
    Note for operators: on a versioned bucket `delete` leaves older versions behind, which does
    not satisfy erasure (入間市規程 第16条第2項); use an unversioned bucket or a lifecycle rule.
    """

    backend_name: ClassVar[str] = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str | None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise FileStoreError("S3 bucket name is empty")
        self.bucket = bucket
        self._endpoint_url = endpoint_url
        self._region = region
        self._client: S3Client | None = client
        self._client_lock = threading.Lock()
        self._transfer_config = _transfer_config()

    def __repr__(self) -> str:
        return f"S3FileStore({self.bucket!r}, endpoint_url={self._endpoint_url!r})"

    @property
    def client(self) -> S3Client:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = _make_client(
                        endpoint_url=self._endpoint_url, region=self._region
                    )
        return self._client

    def save(self, key: str, fileobj: BinaryIO, content_type: str) -> StoredBlob:
        """Stream `fileobj` to S3 (multipart above 8 MiB), hashing the bytes as they are read.

        S3 makes the object visible only when the upload completes; on failure s3transfer aborts
        the multipart upload, so nothing is left at the key. Exceptions raised by the source
        stream propagate unchanged; S3 errors become FileStoreError.
        """
        validate_key(key)
        reader = _HashingReader(fileobj)
        try:
            self.client.upload_fileobj(
                cast("BinaryIO", reader),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=self._transfer_config,
            )
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise FileStoreError(f"S3 upload of {key!r} failed: {exc}") from exc
        return StoredBlob(
            backend=self.backend_name, key=key, size=reader.size, sha256=reader.hexdigest()
        )

    def _get(self, key: str) -> tuple[BinaryIO, int]:
        validate_key(key)
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES:
                raise MissingBlobError(f"no blob at {key!r}") from exc
            raise FileStoreError(f"S3 get of {key!r} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreError(f"S3 get of {key!r} failed: {exc}") from exc
        reader = io.BufferedReader(_ChunkReader(obj["Body"]), buffer_size=CHUNK_SIZE)
        return cast("BinaryIO", reader), obj["ContentLength"]

    def open(self, key: str) -> BinaryIO:
        """The object body as a buffered stream (1 MiB chunks); use it as a context manager."""
        return self._get(key)[0]

    def delete(self, key: str) -> None:
        """Remove the object; S3 treats deleting a missing key as success."""
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"S3 delete of {key!r} failed: {exc}") from exc

    def exists(self, key: str) -> bool:
        """Whether an object is stored at `key` (a HEAD request)."""
        validate_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES:
                return False
            raise FileStoreError(f"S3 head of {key!r} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise FileStoreError(f"S3 head of {key!r} failed: {exc}") from exc
        return True

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Object keys starting with `prefix`, in S3's (lexicographic) order, page by page."""
        validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"]
        except (BotoCoreError, ClientError) as exc:
            raise FileStoreError(f"S3 listing of {prefix!r} failed: {exc}") from exc

    def download_response(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        inline: bool = False,
        size: int | None = None,
    ) -> flask.Response:
        """A streamed response of the object; Content-Length is S3's ContentLength, so the
        `size` argument (the DB's value) is not needed here."""
        fileobj, content_length = self._get(key)
        return build_download_response(
            fileobj,
            filename=filename,
            content_type=content_type,
            inline=inline,
            size=content_length,
        )


def _make_client(*, endpoint_url: str | None, region: str | None) -> S3Client:
    # A private session: boto3's default session is not safe to create clients from in threads.
    session = boto3.session.Session()
    config = BotoConfig(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=10,
        read_timeout=60,
        # S3-compatible servers at a custom endpoint (MinIO, moto) generally need path-style URLs.
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return session.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _HashingReader:
    """Passes reads through to the source while computing size and sha256.

    Deliberately without seek()/tell(): s3transfer then treats the stream as unseekable and
    reads it exactly once, in order, part by part, which is what the hash needs.
    """

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._hasher = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # Fill the request completely unless at EOF: a short read from a socket-backed stream
        # would otherwise become a multipart part below S3's 5 MiB minimum.
        data = self._source.read(size)
        if size > 0 and 0 < len(data) < size:
            pieces = [data]
            got = len(data)
            while got < size:
                chunk = self._source.read(size - got)
                if not chunk:
                    break
                pieces.append(chunk)
                got += len(chunk)
            if len(pieces) > 1:  # joining copies; skip it for the usual short read at EOF
                data = b"".join(pieces)
        self._hasher.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()


class _ChunkReader(io.RawIOBase):
    """A raw stream over `StreamingBody.iter_chunks()`; closing it releases the connection."""

    def __init__(self, body: StreamingBody) -> None:
        super().__init__()
        self._body = body
        self._chunks = body.iter_chunks(CHUNK_SIZE)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            try:
                self._pending = memoryview(next(self._chunks, b""))
            except BotoCoreError as exc:
                raise FileStoreError(f"S3 download interrupted: {exc}") from exc
        target = memoryview(buffer).cast("B")
        n = min(len(target), len(self._pending))
        target[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
