"""Benchmark: streaming a large upload and download through the local file store, next to cp.

    .venv/bin/python bench/bench_filestore.py [--size-mb 1024] [--dir /tmp]

Every measured operation runs in its own child process, and its peak RSS is that process's
ru_maxrss from wait4(): a memory leak or a whole-file read shows up as a peak near the file
size. A python child that only imports the same modules gives the interpreter's baseline.
Reads come from the page cache (the file was just written); cache dropping needs root and
would disturb other processes, so the numbers are warm-cache for every row alike.
The working directory is created under --dir and removed at the end, even on failure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024
KEY_GENERATED = "bench/2026/01/generated"
KEY_FROM_FILE = "bench/2026/01/from-file"


class _GeneratedStream:
    """`size` bytes made of one random 1 MiB block repeated: costs no CPU to produce, so the
    measurement is the store's (hashing + writing), not the generator's."""

    def __init__(self, size: int) -> None:
        self._block = os.urandom(MiB)
        self._remaining = size

    def read(self, n: int = -1) -> bytes:
        n = self._remaining if n < 0 else min(n, self._remaining)
        self._remaining -= n
        if n == len(self._block):
            return self._block
        return (self._block * (n // len(self._block) + 1))[:n]


def _phase(name: str, workdir: Path, size: int) -> dict[str, Any]:
    """Runs inside the child process."""
    from portal.filestore.local import LocalFileStore

    store = LocalFileStore(workdir / "store")
    src = workdir / "source.bin"
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if name == "baseline":
        import flask  # the same imports as the download phase

        result["loaded"] = flask.Flask.__name__
    elif name == "save-generated":
        blob = store.save(KEY_GENERATED, _GeneratedStream(size), "application/octet-stream")  # type: ignore[arg-type]
        result["bytes"] = blob.size
    elif name == "save-file":
        with src.open("rb") as fh:
            blob = store.save(KEY_FROM_FILE, fh, "application/octet-stream")
        result["bytes"] = blob.size
    elif name == "sha256-file":
        hasher = hashlib.sha256()
        total = 0
        with src.open("rb") as fh:
            while chunk := fh.read(MiB):
                hasher.update(chunk)
                total += len(chunk)
        result["bytes"] = total
    elif name == "open-read":
        total = 0
        with store.open(KEY_FROM_FILE) as fh:
            while chunk := fh.read(MiB):
                total += len(chunk)
        result["bytes"] = total
    elif name == "download-response":
        import flask

        app = flask.Flask(__name__)
        total = 0
        with app.test_request_context("/"):
            response = store.download_response(
                KEY_FROM_FILE, filename="ベンチ.bin", content_type="application/octet-stream"
            )
            try:
                for part in response.response:
                    total += len(part)
            finally:
                response.close()
        result["bytes"] = total
    else:
        raise SystemExit(f"unknown phase {name}")
    result["seconds"] = time.perf_counter() - start
    return result


def _run(argv: list[str], *, stdout: int | None = None) -> tuple[float, int, str]:
    """Run a child; return (wall seconds, peak RSS in bytes, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout if stdout is not None else subprocess.PIPE)
    out = b""
    if proc.stdout is not None:
        out = proc.stdout.read()
        proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed with exit code {proc.returncode}")
    return seconds, usage.ru_maxrss * 1024, out.decode()  # ru_maxrss is KiB on Linux


def _python_phase(name: str, workdir: Path, size: int) -> tuple[float, int]:
    argv = [sys.executable, __file__, "--phase", name, "--workdir", str(workdir)]
    argv += ["--size-bytes", str(size)]
    wall, rss, out = _run(argv)
    result = json.loads(out)
    if name != "baseline" and result["bytes"] != size:
        raise SystemExit(f"{name}: moved {result['bytes']} bytes, expected {size}")
    return result["seconds"] if name != "baseline" else wall, rss


def _generate_source(path: Path, size: int) -> None:
    block = os.urandom(MiB)
    with path.open("wb") as fh:
        remaining = size
        while remaining:
            n = min(remaining, MiB)
            fh.write(block[:n] if n < MiB else block)
            remaining -= n
        fh.flush()
        os.fsync(fh.fileno())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"), help="where to work")  # noqa: S108
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size-bytes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(json.dumps(_phase(args.phase, args.workdir, args.size_bytes)))
        return

    size = args.size_mb * MiB
    workdir = Path(tempfile.mkdtemp(prefix="bench-filestore-", dir=args.dir))
    rows: list[tuple[str, float | None, int]] = []
    try:
        src = workdir / "source.bin"
        _generate_source(src, size)
        _, baseline_rss = _python_phase("baseline", workdir, size)
        rows.append(("python baseline (imports only)", None, baseline_rss))

        for label, phase in [
            ("sha256 of the file alone (the floor)", "sha256-file"),
            ("save() from a generated stream", "save-generated"),
            ("save() from the file", "save-file"),
        ]:
            seconds, rss = _python_phase(phase, workdir, size)
            rows.append((label, seconds, rss))

        seconds, rss, _ = _run(["cp", str(src), str(workdir / "cp.bin")])
        rows.append(("cp file (no fsync)", seconds, rss))
        (workdir / "cp.bin").unlink()
        cp_seconds, cp_rss, _ = _run(["cp", str(src), str(workdir / "cp.bin")])
        sync_seconds, _, _ = _run(["sync", str(workdir / "cp.bin")])
        rows.append(("cp file + sync (like save's fsync)", cp_seconds + sync_seconds, cp_rss))

        for label, phase in [
            ("open() + read 1 MiB chunks", "open-read"),
            ("download_response() body (werkzeug)", "download-response"),
        ]:
            seconds, rss = _python_phase(phase, workdir, size)
            rows.append((label, seconds, rss))
        with open(os.devnull, "wb") as devnull:
            seconds, rss, _ = _run(["cat", str(workdir / "cp.bin")], stdout=devnull.fileno())
        rows.append(("cat file > /dev/null", seconds, rss))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    fs = subprocess.run(
        ["stat", "-f", "-c", "%T", str(args.dir)], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"file size {args.size_mb} MiB, working under {args.dir} ({fs}), {os.cpu_count()} CPUs")
    print(f"{'operation':40} {'seconds':>8} {'MiB/s':>8} {'peak RSS MiB':>13}")
    for label, secs, rss in rows:
        speed = f"{size / MiB / secs:8.0f}" if secs else f"{'-':>8}"
        timing = f"{secs:8.2f}" if secs is not None else f"{'-':>8}"
        print(f"{label:40} {timing} {speed} {rss / MiB:13.1f}")


if __name__ == "__main__":
    main()
