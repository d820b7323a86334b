"""Source streams for the file store tests: generated on demand, never held whole in memory."""

from __future__ import annotations

import hashlib
import random
from typing import BinaryIO, cast

# A prime period, so no multipart part size (8 MiB) or chunk size (1 MiB) is a multiple of it:
# parts stored in the wrong order would change the sha256.
_PERIOD = 65_521
# Reads up to this size are one slice of a pre-built buffer (one allocation, like a real file).
_MAX_CHEAP_READ = 8 * 1024 * 1024


class GeneratedStream:
    """`size` deterministic pseudo-random bytes; raises OSError once `fail_at` bytes were read."""

    def __init__(self, size: int, *, seed: int = 0, fail_at: int | None = None) -> None:
        block = random.Random(seed).randbytes(_PERIOD)  # noqa: S311 - test data, not crypto
        self._buffer = block * (_MAX_CHEAP_READ // _PERIOD + 2)
        self._size = size
        self._fail_at = fail_at
        self.position = 0

    def read(self, n: int = -1) -> bytes:
        if self._fail_at is not None and self.position >= self._fail_at:
            raise OSError("connection reset by peer (simulated)")
        remaining = self._size - self.position
        if n < 0 or n > remaining:
            n = remaining
        if self._fail_at is not None:
            n = min(n, self._fail_at - self.position)
        pieces = []
        done = 0
        while done < n:
            offset = (self.position + done) % _PERIOD
            take = min(n - done, _MAX_CHEAP_READ)
            pieces.append(self._buffer[offset : offset + take])
            done += take
        self.position += n
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)  # b"" at EOF


def generated(size: int, *, seed: int = 0, fail_at: int | None = None) -> BinaryIO:
    """A GeneratedStream typed as the file object FileStore.save() takes."""
    return cast("BinaryIO", GeneratedStream(size, seed=seed, fail_at=fail_at))


def expected_sha256(size: int, *, seed: int = 0) -> str:
    stream = GeneratedStream(size, seed=seed)
    hasher = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        hasher.update(chunk)
    return hasher.hexdigest()
