"""Shared plumbing: size checks, atomic writes and running parsers in the sandbox."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from portal.filecheck.errors import FileRejected, RejectCode, megabytes
from portal.sandbox import (
    SandboxCrashed,
    SandboxError,
    SandboxMemoryExceeded,
    SandboxTimeout,
    register_preload,
    run_limited,
)

log = logging.getLogger("portal.filecheck")

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MEMORY_MB = 1024

_T = TypeVar("_T")

# Imported once in the sandbox's fork server instead of in every child (Pillow, pillow-heif
# and the portal package with Flask cost ~0.3 s per child otherwise). No effect if the server
# is already running.
register_preload(
    "PIL.Image",
    "PIL.ImageCms",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "PIL.WebPImagePlugin",
    "pillow_heif",
    "portal.filecheck.images",
    "portal.filecheck.pdf",
)


@dataclass(frozen=True)
class Rejection:
    """What a sandboxed worker returns instead of raising, so any sandbox can carry it back."""

    code: RejectCode
    message: str | None = None


def check_size(path: Path, max_bytes: int) -> int:
    """Return the size of `path`; raise `empty` / `too_large` before anything parses it."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(RejectCode.EMPTY)
    if size > max_bytes:
        raise FileRejected(
            RejectCode.TOO_LARGE,
            f"ファイルが大きすぎます（{megabytes(size)}）。上限は {megabytes(max_bytes)} です。",
        )
    return size


def read_head(path: Path, n: int) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def run_checked(
    func: Callable[..., _T | Rejection],
    *args: Any,
    timeout_s: float,
    memory_mb: int,
) -> _T:
    """Run `func(*args)` in the sandbox; turn a `Rejection` or a sandbox limit into FileRejected."""
    try:
        result = run_limited(func, *args, timeout_s=timeout_s, memory_mb=memory_mb)
    except SandboxTimeout as exc:
        log.info("filecheck %s: sandbox timeout after %.1fs", func.__name__, timeout_s)
        raise FileRejected(RejectCode.TIMEOUT) from exc
    except SandboxMemoryExceeded as exc:
        log.info("filecheck %s: sandbox memory limit %d MB exceeded", func.__name__, memory_mb)
        raise FileRejected(RejectCode.RESOURCE_LIMIT) from exc
    except SandboxCrashed as exc:
        log.warning("filecheck %s: sandbox child crashed: %s", func.__name__, exc)
        raise FileRejected(RejectCode.PROCESSING_FAILED) from exc
    except SandboxError as exc:
        log.warning("filecheck %s: sandbox error: %s", func.__name__, exc)
        raise FileRejected(RejectCode.PROCESSING_FAILED) from exc
    if isinstance(result, Rejection):
        log.info("filecheck %s: rejected (%s)", func.__name__, result.code)
        raise FileRejected(result.code, result.message)
    return result


def partial_path(dst: Path) -> Path:
    """A unique sibling of `dst` to write into before the atomic rename."""
    return dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.partial")


@contextmanager
def atomic_outputs(*dsts: Path) -> Iterator[tuple[Path, ...]]:
    """Yield temporary paths for `dsts`; rename them into place only if the block succeeds.

    A sandbox child killed half-way leaves only temporary files, which are removed here, so a
    failed check never leaves a half-written output behind ("nothing saved", HELPERS.md).
    """
    temps = tuple(partial_path(d) for d in dsts)
    try:
        yield temps
        for tmp, dst in zip(temps, dsts, strict=True):
            os.replace(tmp, dst)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
