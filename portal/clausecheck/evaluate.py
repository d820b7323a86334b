"""``make eval-clauses``: how well the clause check does on texts it was not trained on.

1. Grouped cross-validation on the labelled corpus (``labelled/a``): GroupKFold on the
   ``group`` field, so no text of a source is both trained and tested on. Each fold trains the
   element model and its combiner on the other groups and checks the held-out documents with
   the whole engine (patterns + model), against the 入間市 set (the strictest: (8) needs the
   subcontractor audit too).
2. The real excerpts of public bodies (``labelled/real``), checked with the shipped model,
   which never saw them: labels are per clause (Y / P / N / ?), ``?`` is not counted.

Printed per clause and per element: recall of present, false-present rate, partial accuracy,
evidence correctness (the excerpt comes from a provision labelled with the element), a
calibration table, the share of results marked 要確認 and the share of each signal in the
element decisions. ``--json FILE`` also writes the figures.

Needs scikit-learn (the ``train`` extra).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.clausecheck.clauseset import ClauseSet, default_templates_dir, load_clause_set
from portal.clausecheck.corpus import DEFAULT_CORPUS_DIR, LabelledDocument, load_corpus
from portal.clausecheck.extract import ExtractedDocument
from portal.clausecheck.matcher import CheckResult, check_normalized
from portal.clausecheck.model import ElementModel, load_model
from portal.clausecheck.normalize import normalize_document, prepare_line
from portal.clausecheck.signals import MODEL_ALONE, ElementSignal, element_signals

FOLDS = 5
_MARKER = re.compile(r"^(?:第[0-9〇一二三四五六七八九十百]+条?(?:の[0-9]+)?|\(?[0-9]+\)?\.?|[①-⑳])")
BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


def _norm(text: str) -> str:
    lines = (prepare_line(line) for line in text.splitlines())
    return "".join("".join(line.split()) for line in lines)


def gold_status(clause_require: Sequence[str], partial_if: Sequence[str], found: set[str]) -> str:
    missing = [k for k in clause_require if k not in found]
    if not missing:
        return "present"
    if len(missing) < len(clause_require) or any(k in found for k in partial_if):
        return "partial"
    return "missing"


@dataclass
class Tally:
    gold_present: int = 0
    hit_present: int = 0
    gold_other: int = 0
    false_present: int = 0
    gold_partial: int = 0
    hit_partial: int = 0
    evidence: int = 0
    evidence_ok: int = 0
    review: int = 0
    total: int = 0

    def row(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "recall_present": ratio(self.hit_present, self.gold_present),
            "false_present": ratio(self.false_present, self.gold_other),
            "partial_accuracy": ratio(self.hit_partial, self.gold_partial),
            "evidence": ratio(self.evidence_ok, self.evidence),
            "needs_review": ratio(self.review, self.total),
            "n_present": self.gold_present,
            "n_other": self.gold_other,
        }


@dataclass
class Report:
    clauses: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    elements: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    calibration: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in BINS[:-1]])
    signals: Counter[str] = field(default_factory=Counter)
    documents_all_right: int = 0
    documents: int = 0

    def add_calibration(self, confidence: float, correct: bool) -> None:
        for i in range(len(BINS) - 1):
            if BINS[i] <= confidence < BINS[i + 1] or (i == 0 and confidence < BINS[0]):
                self.calibration[i][0] += 1
                self.calibration[i][1] += int(correct)
                return

    def overall(self) -> dict[str, Any]:
        total = Tally()
        for t in self.clauses.values():
            for name in total.__dataclass_fields__:
                setattr(total, name, getattr(total, name) + getattr(t, name))
        return total.row()

    def to_dict(self) -> dict[str, Any]:
        calibration = []
        for i, (n, ok) in enumerate(self.calibration):
            lo = "<0.6" if i == 0 else f"{BINS[i]:.2f}"
            calibration.append({"bin": lo, "n": n, "accuracy": round(ok / n, 3) if n else None})
        decided = sum(self.signals.values())
        return {
            "overall": self.overall(),
            "clauses": {k: v.row() for k, v in self.clauses.items()},
            "elements": {k: v.row() for k, v in sorted(self.elements.items())},
            "calibration": calibration,
            "signals": {k: round(v / decided, 3) for k, v in sorted(self.signals.items())}
            if decided
            else {},
            "documents_all_right": f"{self.documents_all_right}/{self.documents}",
        }


def _signal_kind(sig: ElementSignal) -> str:
    model_says = sig.model_prob >= 0.5
    if sig.pattern and not sig.found:
        return "model vetoed the pattern (not found)"
    if sig.pattern == model_says:
        return "both agree"
    if sig.found and not sig.pattern:
        return "model alone (found)"
    if sig.pattern:
        return "pattern over model (found)"
    return "pattern over model (not found)" if sig.model_prob < MODEL_ALONE else "other"


def _evidence_ok(excerpt: str, element: str, doc: LabelledDocument) -> bool:
    pieces = [p for p in excerpt.split("…") if p]
    if not pieces:
        return False
    # the heading of a labelled provision sits between its number and its text
    needle = _MARKER.sub("", _norm(max(pieces, key=len)))[:30]
    return any(element in p.elements and needle in _norm(p.text) for p in doc.provisions)


def score_document(
    report: Report,
    doc: LabelledDocument,
    result: CheckResult,
    signals: dict[str, ElementSignal],
    clause_set: ClauseSet,
) -> None:
    gold_elements = doc.elements
    all_right = True
    for clause, res in zip(clause_set.clauses, result.clauses, strict=True):
        gold = gold_status(clause.require, clause.partial_if, gold_elements)
        if not doc.complete and gold != "present":
            continue  # an excerpt: what it does not show is unknown
        tally = report.clauses[clause.key]
        tally.total += 1
        tally.review += int(res.needs_review)
        correct = res.status == gold
        all_right = all_right and correct
        report.add_calibration(res.confidence, correct)
        if gold == "present":
            tally.gold_present += 1
            tally.hit_present += int(res.status == "present")
        else:
            tally.gold_other += 1
            tally.false_present += int(res.status == "present")
        if gold == "partial":
            tally.gold_partial += 1
            tally.hit_partial += int(res.status == "partial")
        for ev in res.evidence:
            if ev.element in gold_elements:
                ok = _evidence_ok(ev.excerpt, ev.element, doc)
                tally.evidence += 1
                tally.evidence_ok += int(ok)
                report.elements[ev.element].evidence += 1
                report.elements[ev.element].evidence_ok += int(ok)
    report.documents += 1
    report.documents_all_right += int(all_right)
    for key, sig in signals.items():
        if key not in {k for c in clause_set.clauses for k in c.require + c.partial_if}:
            continue
        labelled = key in gold_elements
        if not doc.complete and not labelled:
            continue
        tally = report.elements[key]
        tally.total += 1
        if labelled:
            tally.gold_present += 1
            tally.hit_present += int(sig.found)
        else:
            tally.gold_other += 1
            tally.false_present += int(sig.found)
        report.signals[_signal_kind(sig)] += 1


def _document(doc: LabelledDocument) -> ExtractedDocument:
    from portal.clausecheck.train import document_of

    return document_of(doc)


def cross_validate(
    docs: Sequence[LabelledDocument], clause_set: ClauseSet, *, use_model: bool = True
) -> Report:
    from sklearn.model_selection import GroupKFold

    from portal.clausecheck import train

    report = Report()
    groups = [d.group for d in docs]
    elements = [k for k in train.element_keys(docs) if k in clause_set.elements]
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(docs, groups=groups):
        model: ElementModel | None = None
        if use_model:
            train_docs = [docs[i] for i in train_idx]
            fitted = train.fit_model(train_docs, elements)
            combiner = train.fit_combiner(train_docs, elements, clause_set)
            model = ElementModel(**{**fitted.__dict__, "combiner": combiner})
        for i in test_idx:
            doc = docs[i]
            extracted = _document(doc)
            result = check_normalized([normalize_document(extracted)], clause_set, model)
            signals = element_signals([extracted], clause_set, model)
            score_document(report, doc, result, signals, clause_set)
    return report


def real_texts(root: Path, clause_set: ClauseSet, model: ElementModel | None) -> dict[str, Any]:
    docs = load_corpus(root, ("real",))
    per_clause: dict[str, Tally] = defaultdict(Tally)
    rows = []
    for doc in docs:
        extracted = ExtractedDocument(name=f"{doc.name}.txt", kind="text", pages=[doc.text])
        result = check_normalized([normalize_document(extracted)], clause_set, model)
        marks = []
        for res in result.clauses:
            label = doc.labels.get(res.key, "?")
            marks.append(f"{label}{'PpM'[['present', 'partial', 'missing'].index(res.status)]}")
            if label == "?":
                continue
            t = per_clause[res.key]
            t.total += 1
            t.review += int(res.needs_review)
            if label == "Y":
                t.gold_present += 1
                t.hit_present += int(res.status == "present")
            else:
                t.gold_other += 1
                t.false_present += int(res.status == "present")
            if label == "P":
                t.gold_partial += 1
                t.hit_partial += int(res.status == "partial")
        rows.append(f"{doc.name:55} " + " ".join(marks))
    total = Tally()
    for t in per_clause.values():
        for name in total.__dataclass_fields__:
            setattr(total, name, getattr(total, name) + getattr(t, name))
    return {
        "overall": total.row(),
        "clauses": {k: v.row() for k, v in per_clause.items()},
        "documents": rows,
    }


def _fmt(value: Any) -> str:
    return "   -" if value is None else f"{value:5.3f}" if isinstance(value, float) else str(value)


def _table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    cols = ["recall_present", "false_present", "partial_accuracy", "evidence", "needs_review"]
    out = [title, f"{'':24}" + "".join(f"{c[:14]:>16}" for c in cols) + "   n(P/other)"]
    for key, row in rows.items():
        out.append(
            f"{key:24}"
            + "".join(f"{_fmt(row[c]):>16}" for c in cols)
            + f"   {row['n_present']}/{row['n_other']}"
        )
    return out


def render(
    cv: dict[str, Any], baseline: dict[str, Any], real: dict[str, Any], real_base: dict[str, Any]
) -> str:
    lines: list[str] = []
    lines.append("== grouped cross-validation (labelled/a, GroupKFold by group, 入間市 set) ==")
    lines += _table("per clause:", {**cv["clauses"], "ALL": cv["overall"]})
    lines.append("")
    lines += _table("per element:", cv["elements"])
    lines.append("")
    lines.append("calibration (clause confidence -> observed accuracy):")
    for row in cv["calibration"]:
        lines.append(f"  {row['bin']:>6}  n={row['n']:4}  accuracy={_fmt(row['accuracy'])}")
    lines.append("share of each signal in the element decisions:")
    for k, v in cv["signals"].items():
        lines.append(f"  {k:32} {v:5.3f}")
    lines.append(f"documents with every clause right: {cv['documents_all_right']}")
    lines.append("")
    lines.append("patterns only (same folds, no model):")
    lines += _table("", {"ALL": baseline["overall"]})
    lines.append(f"documents with every clause right: {baseline['documents_all_right']}")
    lines.append("")
    lines.append(
        "== real excerpts of public bodies (labelled/real, shipped model, never trained on) =="
    )
    lines += _table("per clause:", {**real["clauses"], "ALL": real["overall"]})
    lines.append("patterns only:")
    lines += _table("", {"ALL": real_base["overall"]})
    lines.append("per file (label, then result: P present / p partial / M missing):")
    lines += ["  " + r for r in real["documents"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    json_path = Path(args[args.index("--json") + 1]) if "--json" in args else None
    clause_set = load_clause_set("iruma", default_templates_dir())
    docs = load_corpus(DEFAULT_CORPUS_DIR)
    cv = cross_validate(docs, clause_set).to_dict()
    baseline = cross_validate(docs, clause_set, use_model=False).to_dict()
    real = real_texts(DEFAULT_CORPUS_DIR, clause_set, load_model())
    real_base = real_texts(DEFAULT_CORPUS_DIR, clause_set, None)
    text = render(cv, baseline, real, real_base)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    if json_path:
        payload = {
            "cross_validation": cv,
            "patterns_only": baseline,
            "real": real,
            "real_patterns_only": real_base,
        }
        json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
