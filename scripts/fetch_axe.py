"""Fetch axe-core (the accessibility rules the browser tests inject) from the npm registry.

The tests need only `axe.min.js`, so this takes the published tarball of one pinned version,
checks it against the registry's sha512 integrity, and writes the one file. No Node.js or npm
is needed; nothing is fetched when the file is already there with the right hash.

    python scripts/fetch_axe.py DEST_DIR          # writes DEST_DIR/axe.min.js
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.10.3"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
# `dist.integrity` of axe-core@4.10.3 as the npm registry publishes it.
INTEGRITY = (
    "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856"
    "dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
)
MEMBER = "package/axe.min.js"
MAX_TARBALL = 20 * 1024 * 1024


class FetchError(RuntimeError):
    pass


def verify(data: bytes, integrity: str = INTEGRITY) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise FetchError(f"unsupported integrity algorithm: {algorithm}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise FetchError("axe-core tarball does not match the pinned integrity hash")


def extract(data: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        try:
            member = tar.getmember(MEMBER)
        except KeyError:
            raise FetchError(f"{MEMBER} is not in the tarball") from None
        handle = tar.extractfile(member)
        if handle is None:
            raise FetchError(f"{MEMBER} is not a file")
        return handle.read()


def fetch(dest: Path, url: str = TARBALL, integrity: str = INTEGRITY) -> Path:
    target = dest / "axe.min.js"
    stamp = dest / "axe.integrity"
    if target.is_file() and stamp.is_file() and stamp.read_text() == integrity:
        return target
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - https registry (or a test server)
        data = resp.read(MAX_TARBALL + 1)
    if len(data) > MAX_TARBALL:
        raise FetchError("axe-core tarball is unexpectedly large")
    verify(data, integrity)
    script = extract(data)
    dest.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(script)
    os.replace(tmp, target)
    stamp.write_text(integrity)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        path = fetch(Path(argv[1]), url=TARBALL, integrity=INTEGRITY)
    except (OSError, FetchError) as exc:
        print(f"axe-core could not be fetched from the npm registry: {exc}", file=sys.stderr)
        return 1
    print(f"axe-core {VERSION}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
