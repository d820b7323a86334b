"""Local folder backend: the top-level `storage/` data directory."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar

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

# Temp files share the target's directory so os.replace() is a same-filesystem atomic rename.
# The leading dot keeps them out of iter_keys() and makes them unaddressable as keys.
_TMP_PREFIX = ".tmp-"


class LocalFileStore:
    """Blobs as files under `root`; a key is a relative path that must stay inside `root`.

    Files are 0o600 and directories 0o700: documents hold residents' personal information and
    nothing but the portal process should read them (入間市規程 第22条: least privilege).
    """

    backend_name: ClassVar[str] = "local"

    def __init__(self, root: Path) -> None:
        # Resolved once, so a symlinked data mount (/srv/portal/storage -> /mnt/data) is fine;
        # symlinks *inside* the root are refused by _path(). Nothing is created until a save.
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        """The file for `key`, refusing anything that leaves the root or passes a symlink."""
        validate_key(key)
        path = self.root / key
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop
            raise FileStoreError(f"cannot resolve storage key: {key!r}") from exc
        # validate_key already rules out "..", absolute keys and empty segments; a difference
        # here can only come from a symlink somewhere under the root. We never create symlinks,
        # so any symlink is foreign, whether it points outside the root or not.
        # see: freedomofpress/securedrop securedrop/store.py (verify)
        if resolved != path or not resolved.is_relative_to(self.root):
            raise FileStoreError(f"storage key leaves the storage root: {key!r}")
        return path

    def _make_dirs(self, directory: Path) -> None:
        """Create `directory` and missing parents below the root, each 0o700 (mkdir(parents=True)
        would give intermediate directories the default mode)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        current = self.root
        for part in directory.relative_to(self.root).parts:
            current = current / part
            try:
                current.mkdir(mode=0o700)
            except FileExistsError:
                if current.is_symlink() or not current.is_dir():
                    raise FileStoreError(f"not a directory in storage: {current}") from None

    def save(self, key: str, fileobj: BinaryIO, content_type: str) -> StoredBlob:
        """Stream `fileobj` into a temp file beside the target, fsync, then rename into place.

        Readers see either nothing or the complete blob. If the source raises part-way (client
        disconnect, size limit), the temp file is removed and the exception propagates unchanged.
        `content_type` is not stored here; the DB row keeps it.
        """
        path = self._path(key)
        self._make_dirs(path.parent)
        hasher = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX)  # mode 0o600
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := fileobj.read(CHUNK_SIZE):
                    hasher.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(path.parent)  # make the rename itself durable
        return StoredBlob(backend=self.backend_name, key=key, size=size, sha256=hasher.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """The blob opened for reading (buffered in 1 MiB chunks); use it as a context manager."""
        path = self._path(key)
        try:
            # O_NOFOLLOW: a symlink swapped in after _path() checked is still refused.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError as exc:
            raise MissingBlobError(f"no blob at {key!r}") from exc
        except OSError as exc:
            raise FileStoreError(f"cannot open blob {key!r}: {exc.strerror}") from exc
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise FileStoreError(f"not a regular file: {key!r}")
        return os.fdopen(fd, "rb", buffering=CHUNK_SIZE)

    def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error (deleting twice is harmless)."""
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise FileStoreError(f"cannot delete blob {key!r}: {exc.strerror}") from exc

    def exists(self, key: str) -> bool:
        """Whether a regular file is stored at `key`."""
        path = self._path(key)
        try:
            return stat.S_ISREG(path.lstat().st_mode)
        except FileNotFoundError:
            return False

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Stored keys starting with `prefix`, in sorted order; temp files are never listed."""
        validate_prefix(prefix)
        # Only the directory part of the prefix narrows the walk; the rest is a string match,
        # the same semantics as an S3 prefix.
        base = prefix.rpartition("/")[0]
        top = self.root / base if base else self.root
        if top.is_symlink() or not top.is_dir():
            return
        for key in _walk(top, base):
            if key.startswith(prefix):
                yield key

    def download_response(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        inline: bool = False,
        size: int | None = None,
    ) -> flask.Response:
        """A streamed response of the blob; Content-Length is the file's actual size."""
        fileobj = self.open(key)
        return build_download_response(
            fileobj,
            filename=filename,
            content_type=content_type,
            inline=inline,
            size=os.fstat(fileobj.fileno()).st_size,
        )


def _walk(directory: Path, rel: str) -> Iterator[str]:
    with os.scandir(directory) as it:
        entries = sorted(it, key=lambda entry: entry.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        key = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), key)
        elif entry.is_file(follow_symlinks=False):
            yield key


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
