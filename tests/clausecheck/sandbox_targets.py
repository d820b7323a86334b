"""Module-level functions for the sandbox tests (the child imports them by name)."""

from __future__ import annotations

import os
import sys
import time


class NotPicklableError(Exception):
    def __init__(self, handle: object) -> None:
        super().__init__("cannot cross a process boundary")
        self.handle = handle


def add(a: int, b: int) -> int:
    return a + b


def child_pid() -> int:
    return os.getpid()


def raise_value_error(message: str) -> None:
    raise ValueError(message)


def raise_unpicklable() -> None:
    raise NotPicklableError(lambda: None)


def sleep_for(seconds: float) -> None:
    time.sleep(seconds)


def spin_forever() -> None:
    while True:
        pass


def allocate_mb(megabytes: int) -> int:
    blocks = [bytearray(1 << 20) for _ in range(megabytes)]
    return len(blocks)


def abort() -> None:
    os.abort()


def exit_child() -> None:
    sys.exit(3)


def return_unpicklable() -> object:
    return lambda: None


def extract_with_cpu(data: bytes, filename: str) -> tuple[object, float]:
    """What `extract_document` runs in the child, plus the child's CPU seconds (benchmark)."""
    from portal.clausecheck.extract import DEFAULT_MAX_PAGES, extract_unsandboxed

    start = time.process_time()
    document = extract_unsandboxed(data, filename, DEFAULT_MAX_PAGES)
    return document, time.process_time() - start


def plain_pypdf_cpu(data: bytes) -> tuple[int, float]:
    """Plain pypdf text extraction and its CPU seconds (benchmark baseline)."""
    import io

    from pypdf import PdfReader

    start = time.process_time()
    reader = PdfReader(io.BytesIO(data))
    chars = sum(len(page.extract_text() or "") for page in reader.pages)
    return chars, time.process_time() - start
