"""Scanned versus text: does OCR change what the eight-clause check finds?

For labelled 特記事項 texts (tests/clausecheck/labelled/a), the truth of each clause comes from
the labels (a clause is present when its provisions carry every required element); the check
runs on the text and on a scanned copy (200 dpi image, slight skew, dust, fold line, red 印影;
image-only PDF, read by OCR). Prints recall of present and false-present for both.

Run: .venv/bin/python bench/eval_ocr.py [--docs a01_kouotsu_tokki,a02_...]
Target: scanned within 0.05 of text on both figures.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from portal.clausecheck import (  # noqa: E402
    ExtractedDocument,
    check_documents,
    default_templates_dir,
    extract_document,
    load_clause_set,
)
from tests.ocr.scans import scanned_pdf  # noqa: E402

LABELLED = REPO / "tests" / "clausecheck" / "labelled" / "a"
DEFAULT_DOCS = (
    "a01_kouotsu_tokki",
    "a02_kouotsu_tokki_short",
    "a03_hatchu_tokki",
    "a04_hatchu_tokki_nosub",
    "a05_itaku_jutaku",
)


def _rates(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    positives = [found for truth, found in pairs if truth]
    negatives = [found for truth, found in pairs if not truth]
    recall = sum(positives) / len(positives) if positives else float("nan")
    false_present = sum(negatives) / len(negatives) if negatives else 0.0
    return recall, false_present


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", default=",".join(DEFAULT_DOCS))
    parser.add_argument("--profile", default="iruma")
    args = parser.parse_args()
    clause_set = load_clause_set(args.profile, default_templates_dir())
    text_pairs: list[tuple[bool, bool]] = []
    scan_pairs: list[tuple[bool, bool]] = []
    seconds = 0.0
    pages = 0
    for name in args.docs.split(","):
        data = tomllib.loads((LABELLED / f"{name}.toml").read_text(encoding="utf-8"))
        text = "\n".join(p["text"] for p in data["provisions"])
        labelled = {e for p in data["provisions"] for e in p["elements"]}
        truth = {c.key: set(c.require) <= labelled for c in clause_set.clauses}
        as_text = check_documents([ExtractedDocument.from_text(name, text)], clause_set)
        start = time.monotonic()
        scan = extract_document(scanned_pdf(text), filename=f"{name}.pdf", timeout_s=60)
        seconds += time.monotonic() - start
        pages += scan.page_count
        as_scan = check_documents([scan], clause_set)
        diffs = []
        for t, s in zip(as_text.clauses, as_scan.clauses, strict=True):
            text_pairs.append((truth[t.key], t.status == "present"))
            scan_pairs.append((truth[s.key], s.status == "present"))
            if t.status != s.status:
                diffs.append(f"{t.key}: text {t.status} / scan {s.status}")
        print(f"{name}: {scan.page_count} page(s); " + ("; ".join(diffs) or "same results"))
    t_recall, t_false = _rates(text_pairs)
    s_recall, s_false = _rates(scan_pairs)
    print(f"text:    recall of present {t_recall:.3f}, false-present {t_false:.3f}")
    print(f"scanned: recall of present {s_recall:.3f}, false-present {s_false:.3f}")
    print(f"OCR: {pages} pages in {seconds:.0f} s ({seconds / max(pages, 1):.1f} s/page)")
    ok = abs(t_recall - s_recall) <= 0.05 and abs(t_false - s_false) <= 0.05
    print("within 0.05 of the text versions" if ok else "NOT within 0.05 of the text versions")


if __name__ == "__main__":
    main()
