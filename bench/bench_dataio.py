"""Benchmark: reading untrusted spreadsheets for an import — time and memory.

    .venv/bin/python bench/bench_dataio.py [--rows 10000]

Measures, in the sandboxed child exactly as an import reads a file (`read_table`):
- a realistic company register of `--rows` rows (two-row header, 和暦 dates, notes);
- the same register as CSV in CP932;
- a zip bomb disguised as .xlsx (a 2 GB sheet compressed to about 2 MB), refused from its
  declared sizes before anything is inflated;
Reported: seconds, and the child's peak resident memory
(of a fresh interpreter doing the same parse outside the sandbox: tracemalloc's peak of
the parse and the process's ru_maxrss).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.dataio.reading import ReadError, parse_table, read_table
from tests.dataio.books import realistic_companies, zip_bomb

_PEAK = """
import resource, sys, tracemalloc
from pathlib import Path
from portal.dataio.reading import ReadError, parse_table
import openpyxl
data = Path(sys.argv[1]).read_bytes()
tracemalloc.start()
try:
    parse_table(data)
except ReadError:
    pass
peak = tracemalloc.get_traced_memory()[1] / 2**20
print(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _peak_mb(data: bytes) -> str:
    """Peak RSS of a fresh interpreter parsing `data` as the sandbox child does."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(
            [sys.executable, "-c", _PEAK, f.name], capture_output=True, text=True, check=True
        ).stdout.split()
    heap, rss = (float(v) for v in out)
    return f"parse heap peak {heap:.0f} MB, process peak RSS {rss:.0f} MB"


def _timed(label: str, data: bytes) -> None:
    started = time.perf_counter()
    try:
        table = read_table(data)
        outcome = f"{len(table.rows)} rows"
    except ReadError as err:
        outcome = f"refused: {err.code}"
    elapsed = time.perf_counter() - started
    print(
        f"{label:<28} {len(data) / 1024:>6.0f} KiB {elapsed:>5.2f} s  {outcome:<18}"
        f" {_peak_mb(data)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    book = realistic_companies(args.rows)
    table = parse_table(book)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for _, row in table.rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    cp932 = buf.getvalue().encode("cp932")

    read_table(b"\xef\xbb\xbfx\r\n")  # start the fork server outside the measurements
    _timed(f"xlsx, {args.rows:,} rows", book)
    _timed(f"CSV (CP932), {args.rows:,} rows", cp932)
    _timed("zip bomb (2 GB inflated)", zip_bomb(inflated_mb=2048))


if __name__ == "__main__":
    main()
