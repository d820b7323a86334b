"""A folder as a ZIP, streamed: each blob is read from the file store in chunks and compressed
on the fly by stream-zip, so no archive (and no whole file) is ever held in memory."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from stream_zip import ZIP_AUTO, stream_zip

from portal.filecheck.policy import clean_filename
from portal.filestore import FileStore
from portal.filestore.base import CHUNK_SIZE
from portal.wareki import JST

# Level 1: most exchanged files (PDF, Office) are compressed already; a higher level costs CPU
# for almost no gain, and CSV hand-over lists still shrink well at level 1.
_LEVEL = 1
_MODE = stat.S_IFREG | 0o600


@dataclass(frozen=True)
class ZipMember:
    name: str
    key: str
    size: int
    modified_at: datetime


def unique_names(names: Iterable[str]) -> list[str]:
    """Clean names, made unique (case-insensitively) by inserting ' (2)', ' (3)' ..."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in names:
        name = clean_filename(raw)
        stem, dot, ext = name.rpartition(".")
        if not (dot and stem):
            stem, dot, ext = name, "", ""
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{stem} ({n}){dot}{ext}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _chunks(store: FileStore, key: str) -> Iterator[bytes]:
    with store.open(key) as f:
        while chunk := f.read(CHUNK_SIZE):
            yield chunk


def stream_members(store: FileStore, members: Sequence[ZipMember]) -> Iterator[bytes]:
    """The ZIP bytes; ZIP64 is used automatically for members or archives beyond 4 GiB."""
    files = (
        (
            m.name,
            m.modified_at.astimezone(JST).replace(tzinfo=None),
            _MODE,
            ZIP_AUTO(m.size, level=_LEVEL),
            _chunks(store, m.key),
        )
        for m in members
    )
    # Extended timestamps need an aware/UTC time; the DOS time above is local (JST) as
    # Windows' Explorer shows it.
    yield from stream_zip(files, extended_timestamps=False)
