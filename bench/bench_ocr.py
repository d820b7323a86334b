"""Benchmark of the OCR of scanned pages: seconds per page and peak memory.

1. A scanned 特記事項 (image-only PDF, 200 dpi scan) through `extract_document` (sandboxed,
   one child per page; pdftoppm renders at 300 dpi): seconds per page, end to end.
2. One page read in a plain child process, to measure the peak resident memory of the largest
   process involved (the child or its tesseract / pdftoppm; RUSAGE_CHILDREN reports the
   largest descendant that was waited for).

Run: .venv/bin/python bench/bench_ocr.py [--pages N]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from portal.clausecheck import extract_document  # noqa: E402
from tests.ocr.conftest import labelled_text  # noqa: E402
from tests.ocr.scans import images_to_pdf, paginate, render_page  # noqa: E402

DOCS = ("a01_kouotsu_tokki", "a03_hatchu_tokki", "a05_itaku_jutaku", "a07_shi_jutaku_dot")


def scanned(pages: int) -> bytes:
    lines = [p for name in DOCS for p in paginate(labelled_text(name))]
    images = [render_page(lines[i % len(lines)], dpi=200, seed=i) for i in range(pages)]
    return images_to_pdf(images, dpi=200)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()

    pdf = scanned(args.pages)
    start = time.monotonic()
    document = extract_document(pdf, filename="scan.pdf", timeout_s=60)
    elapsed = time.monotonic() - start
    chars = sum(len(p) for p in document.pages)
    print(
        f"extract_document, {args.pages} scanned pages: {elapsed:.1f} s, "
        f"{elapsed / args.pages:.1f} s/page, {chars} characters, ocr_pages={document.ocr_pages}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(pdf)
        code = (
            "from portal.ocr.engine import ocr_page_unsandboxed as o;"
            f"p = o({str(path)!r}, 'pdf', 1, 90.0, 1536); print(len(p.text))"
        )
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True)
        one = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu_s = usage.ru_utime + usage.ru_stime
    print(
        f"one page in a child process: {one:.1f} s, "
        f"{cpu_s:.1f} CPU s (load-independent), peak RSS of the largest process {peak_mb:.0f} MB"
    )
    print(
        f"projection: 100 pages ~ {elapsed / args.pages * 100 / 60:.1f} min at this load, "
        f"~{cpu_s * 100 / 60:.1f} CPU min"
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
