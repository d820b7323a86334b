"""Decide, for each of the eight clauses, whether the contract documents contain it.

A clause is `present` when every required element of meaning is found, `partial` when only
some are (or only a weaker form listed in ``partial_if``), `missing` otherwise. An element is
found by one of its phrasings:

- a ``sentence`` pattern matching inside one sentence (the canonical text has one sentence per
  line, and list items are read together with their lead-in sentence), or
- a ``group`` of patterns that must all match within ``window`` characters of the first one,
  inside the same paragraph (the article heading counts too), e.g. 「再委託…」 and
  「ただし、あらかじめ甲の承諾を得た場合は…」 in two sentences of one paragraph.

A match is discarded when the text right after it negates it (「…を禁止しない」), when its
sentence matches one of the element's ``negate`` patterns (「成果物の検査」 is not an audit), or
when its article is switched off (「第7条の規定は、適用しない。」). Words scattered over the
whole document never combine, because no phrasing reaches beyond one paragraph.

Evidence prefers matches in a personal-information context (the paragraph mentions 個人情報,
or the article sits in a 個人情報取扱特記事項 / 個人情報 chapter); elements with
``context = "required"`` (e.g. incident reporting) accept nothing else, so a general
「事故が発生したときは報告する」 about work accidents does not count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from portal import sandbox
from portal.clausecheck.clauseset import Clause, ClauseSet, Element
from portal.clausecheck.errors import DocumentError
from portal.clausecheck.extract import ExtractedDocument
from portal.clausecheck.model import ElementModel, load_model
from portal.clausecheck.normalize import (
    NormalizedDocument,
    _num_value,
    _sentence_ends,
    has_pi,
    normalize_document,
)
from portal.clausecheck.signals import (
    ElementSignal,
    ProvisionRef,
    combine,
    negated_in,
    pi_required,
    provisions_of,
    siblings_in,
)

Status = Literal["present", "partial", "missing"]
MAX_EXCERPT = 180
_MAX_MATCHES_PER_PATTERN = 200
_KANJI_OR_DIGITS = "[0-9〇一二三四五六七八九十百]+"
_ARTICLE_REF = re.compile(
    rf"第({_KANJI_OR_DIGITS})条?(?:(?:から|乃至|ないし|~|〜)第({_KANJI_OR_DIGITS})条?(?:まで)?)?"
)


@dataclass(frozen=True)
class Evidence:
    """Where one element of meaning was found."""

    element: str
    label: str
    document: str
    document_index: int
    page: int
    excerpt: str
    highlight: tuple[int, int] | None


@dataclass(frozen=True)
class ClauseResult:
    no: int
    key: str
    title: str
    status: Status
    document: str | None
    page: int | None
    excerpt: str
    highlight: tuple[int, int] | None
    missing_elements: list[str]
    article: str = ""
    document_index: int | None = None
    evidence: tuple[Evidence, ...] = field(default=())
    confidence: float = 1.0
    needs_review: bool = False


@dataclass(frozen=True)
class CheckResult:
    clause_set: str
    clauses: tuple[ClauseResult, ...]
    documents: tuple[str, ...]
    pages: int

    @property
    def ok(self) -> bool:
        return all(c.status == "present" for c in self.clauses)


@dataclass(frozen=True)
class _Candidate:
    score: int
    doc: int
    start: int
    end: int

    def rank(self) -> tuple[int, int, int]:
        return (-self.score, self.doc, self.start)


class _DocIndex:
    """Per-document data shared by all elements: nullified articles, heading texts."""

    def __init__(self, ndoc: NormalizedDocument, clause_set: ClauseSet) -> None:
        self.ndoc = ndoc
        self.heading_canon: list[str] = []
        for article in ndoc.articles:
            parts = []
            for h in article.headings:
                start, end = ndoc.unit_canon_range(h)
                parts.append(ndoc.canon[start:end])
            self.heading_canon.append("".join(parts))
        self.nullified = self._nullified(clause_set)

    def _article_texts(self) -> list[str]:
        ndoc = self.ndoc
        chunks: list[list[str]] = [[] for _ in ndoc.articles]
        for i, unit in enumerate(ndoc.units):
            if unit.article >= 0 and unit.paragraph >= 0:
                start, end = ndoc.unit_canon_range(i)
                chunks[unit.article].append(ndoc.canon[start:end])
        return ["".join(c) for c in chunks]

    def _nullified(self, clause_set: ClauseSet) -> set[int]:
        rules = clause_set.rules
        ndoc = self.ndoc
        result: set[int] = set()
        if rules.local_nullify:
            for article, text in enumerate(self._article_texts()):
                if any(rx.search(text) for rx in rules.local_nullify):
                    result.add(article)
        by_label: dict[str, list[int]] = {}
        for i, art in enumerate(ndoc.articles):
            if art.label:
                by_label.setdefault(art.label.split("の")[0], []).append(i)
        main = ndoc.canon[: ndoc.main_canon_end]
        for rx in rules.reference_nullify:
            for m in rx.finditer(main):
                # every article the sentence names: 「第3条及び第6条」「第4条から第6条まで」
                for ref in _ARTICLE_REF.finditer(m.group(0)):
                    lo = _num_value(ref.group(1))
                    hi = _num_value(ref.group(2)) if ref.group(2) else lo
                    for n in range(lo, min(hi, lo + 50) + 1):
                        result.update(by_label.get(str(n), []))
        return result


def _sentence_bounds(canon: str, start: int, end: int) -> tuple[int, int]:
    s = canon.rfind("\n", 0, start) + 1
    e = canon.find("\n", end)
    return s, (len(canon) if e < 0 else e)


def _accept(
    element: Element, clause_set: ClauseSet, index: _DocIndex, start: int, end: int
) -> int | None:
    """Score of a match, or None when it does not count."""
    ndoc = index.ndoc
    canon = ndoc.canon
    if clause_set.rules.negation_after.match(canon, end):
        return None
    s, e = _sentence_bounds(canon, start, end)
    sentence = canon[s:e]
    if any(rx.search(sentence) for rx in element.negate):
        return None
    if not all(rx.search(sentence) for rx in element.sentence_also):
        return None
    unit = ndoc.units[ndoc.unit_at_canon(start)]
    if unit.paragraph < 0:
        # titles and headings name a topic (「(秘密の保持)」); they oblige nobody
        return None
    if unit.article in index.nullified:
        return None
    strong = has_pi(sentence) or (unit.paragraph >= 0 and ndoc.paragraph_pi[unit.paragraph])
    weak = unit.article >= 0 and ndoc.articles[unit.article].pi_context
    if element.context == "required" and not (strong or weak):
        return None
    return 1 if strong or weak else 0


def _better(best: _Candidate | None, cand: _Candidate | None) -> _Candidate | None:
    if cand is None or (best is not None and best.rank() <= cand.rank()):
        return best
    return cand


def _best_match(
    element: Element,
    clause_set: ClauseSet,
    index: _DocIndex,
    doc_no: int,
    matches: Iterator[re.Match[str]],
) -> _Candidate | None:
    """The best of a pattern's first `_MAX_MATCHES_PER_PATTERN` matches that count; the first
    one in a personal-information context ends the search."""
    best: _Candidate | None = None
    for m in itertools.islice(matches, _MAX_MATCHES_PER_PATTERN):
        score = _accept(element, clause_set, index, m.start(), m.end())
        if score is not None:
            best = _better(best, _Candidate(score, doc_no, m.start(), m.end()))
            if score == 1:
                break
    return best


def _find_element(
    element: Element, clause_set: ClauseSet, indexes: Sequence[_DocIndex]
) -> _Candidate | None:
    best: _Candidate | None = None
    for doc_no, index in enumerate(indexes):
        for rx in element.sentence:
            matches = rx.finditer(index.ndoc.canon)
            best = _better(best, _best_match(element, clause_set, index, doc_no, matches))
        for group in element.groups:
            matches = _group_matches(element, group, index)
            best = _better(best, _best_match(element, clause_set, index, doc_no, matches))
        if best is not None and best.score == 1 and best.doc == doc_no:
            # Documents are in the caller's order (body, then 特記事項 …); a strong match in an
            # earlier document is the evidence we show.
            return best
    return best


def _group_matches(
    element: Element, group: tuple[re.Pattern[str], ...], index: _DocIndex
) -> Iterator[re.Match[str]]:
    """Matches of the group's first pattern (main text, first `_MAX_MATCHES_PER_PATTERN`)
    with every other pattern within `window` characters, in the same paragraph or in its
    article's heading."""
    ndoc = index.ndoc
    canon = ndoc.canon
    anchor, others = group[0], group[1:]
    anchors = anchor.finditer(canon, 0, ndoc.main_canon_end)
    for m in itertools.islice(anchors, _MAX_MATCHES_PER_PATTERN):
        unit = ndoc.units[ndoc.unit_at_canon(m.start())]
        if unit.paragraph < 0:
            continue
        p_start, p_end = ndoc.paragraph_canon_range(unit.paragraph)
        w_start = max(p_start, m.start() - element.window)
        w_end = min(p_end, m.end() + element.window)
        heading = index.heading_canon[unit.article] if unit.article >= 0 else ""
        if all(rx.search(canon, w_start, w_end) or rx.search(heading) for rx in others):
            yield m


def _excerpt(ndoc: NormalizedDocument, cand: _Candidate) -> tuple[str, tuple[int, int], int]:
    """(excerpt, highlight inside it, page) for a match, cut to one sentence of one unit."""
    d_start, d_end = ndoc.display_span(cand.start, cand.end)
    unit_no = ndoc.unit_at_canon(cand.start)
    u_start, u_end = ndoc.unit_display_range(unit_no)
    if not u_start <= d_start <= u_end:
        unit_no = ndoc.unit_at_display(d_start)
        u_start, u_end = ndoc.unit_display_range(unit_no)
    d_start = min(max(d_start, u_start), u_end)
    text = ndoc.units[unit_no].text
    if not d_start < d_end <= u_end:
        # a list item read with its lead-in: the match ends in the lead-in, so highlight the
        # item up to the end of its first sentence
        stop = text.find("。", d_start - u_start)
        d_end = u_start + (stop + 1 if stop >= 0 else len(text))
    rel_start, rel_end = d_start - u_start, d_end - u_start
    s_start = 0
    s_end = len(text)
    for pos in _sentence_ends(text):
        if pos < rel_start:
            s_start = pos + 1
        elif pos >= max(rel_end - 1, rel_start):
            s_end = pos + 1
            break
    if s_end - s_start > MAX_EXCERPT:
        lo = max(s_start, rel_start - 50)
        hi = min(s_end, max(rel_end, lo + 40) + (MAX_EXCERPT - 50 - (rel_end - rel_start)))
        hi = max(hi, min(s_end, rel_end))
        s_start, s_end = lo, hi
    prefix = "…" if s_start > 0 and text[s_start - 1] != "。" else ""
    suffix = "…" if s_end < len(text) and text[s_end - 1] != "。" else ""
    excerpt = prefix + text[s_start:s_end] + suffix
    highlight = (rel_start - s_start + len(prefix), rel_end - s_start + len(prefix))
    return excerpt, highlight, ndoc.page_at(d_start)


def _evidence(
    key: str, clause_set: ClauseSet, indexes: Sequence[_DocIndex], cand: _Candidate
) -> Evidence:
    ndoc = indexes[cand.doc].ndoc
    excerpt, highlight, page = _excerpt(ndoc, cand)
    return Evidence(
        element=key,
        label=clause_set.element_label(key),
        document=ndoc.name,
        document_index=cand.doc,
        page=page,
        excerpt=excerpt,
        highlight=highlight,
    )


def _judge(clause: Clause, found: set[str]) -> tuple[Status, list[str]]:
    missing = [key for key in clause.require if key not in found]
    if not missing:
        return "present", []
    if len(missing) < len(clause.require) or any(k in found for k in clause.partial_if):
        return "partial", missing
    return "missing", missing


class PatternFinder:
    """The pattern library's verdict per element, computed once per element."""

    def __init__(self, ndocs: Sequence[NormalizedDocument], clause_set: ClauseSet) -> None:
        self.ndocs = ndocs
        self.clause_set = clause_set
        self.indexes = [_DocIndex(ndoc, clause_set) for ndoc in ndocs]
        self._cache: dict[str, _Candidate | None] = {}

    def candidate(self, key: str) -> _Candidate | None:
        if key not in self._cache:
            self._cache[key] = _find_element(
                self.clause_set.elements[key], self.clause_set, self.indexes
            )
        return self._cache[key]

    def where(self, key: str) -> tuple[int, int] | None:
        """(document, paragraph) of the element's best match, or None."""
        cand = self.candidate(key)
        if cand is None:
            return None
        ndoc = self.ndocs[cand.doc]
        return cand.doc, ndoc.units[ndoc.unit_at_canon(cand.start)].paragraph


def _provision_evidence(
    key: str,
    clause_set: ClauseSet,
    ndocs: Sequence[NormalizedDocument],
    provision: ProvisionRef,
) -> Evidence:
    """Evidence from a provision the model chose: its first sentence, on its page."""
    ndoc = ndocs[provision.doc]
    unit_no = ndoc.paragraphs[provision.paragraph].units[0]
    text = ndoc.units[unit_no].text
    stop = text.find("。")
    end = stop + 1 if 0 <= stop < MAX_EXCERPT else min(len(text), MAX_EXCERPT)
    excerpt = text[:end] + ("…" if end < len(text) and text[end - 1] != "。" else "")
    return Evidence(
        element=key,
        label=clause_set.element_label(key),
        document=ndoc.name,
        document_index=provision.doc,
        page=ndoc.units[unit_no].page,
        excerpt=excerpt,
        highlight=(0, end),
    )


REVIEW_BELOW = 0.6
REVIEW_DISAGREE_BELOW = 0.7


def _clause_confidence(
    clause: Clause, status: Status, signals: dict[str, ElementSignal]
) -> tuple[float, bool]:
    """(confidence, needs_review) of a clause from the signals of the elements it depends on.

    The status is only as sure as its least sure element; the weaker forms (``partial_if``)
    count only when they decide (no required element found).
    """
    keys = list(clause.require)
    if status == "missing" or not any(signals[k].found for k in clause.require):
        keys += [k for k in clause.partial_if if k in signals]
    relevant = [signals[k] for k in keys if k in signals]
    if not relevant:
        return 1.0, False
    confidence = min(s.confidence for s in relevant)
    disagree = any(not s.agree for s in relevant)
    review = confidence < REVIEW_BELOW or (disagree and confidence < REVIEW_DISAGREE_BELOW)
    return round(confidence, 3), review


def check_normalized(
    ndocs: Sequence[NormalizedDocument],
    clause_set: ClauseSet,
    model: ElementModel | Literal["default"] | None = "default",
) -> CheckResult:
    """Check already normalised documents (see `check_documents`)."""
    if model == "default":
        model = load_model()
    finder = PatternFinder(ndocs, clause_set)
    keys = sorted({k for c in clause_set.clauses for k in c.require + c.partial_if})
    provisions = provisions_of(ndocs, [index.nullified for index in finder.indexes])
    signals = combine(
        ndocs,
        keys,
        finder.where,
        model,
        provisions,
        pi_required(clause_set),
        negated_in(clause_set),
        siblings_in(clause_set),
    )

    def evidence_for(key: str) -> Evidence:
        sig = signals[key]
        cand = finder.candidate(key)
        model_better = (
            sig.model_provision is not None
            and sig.model_prob >= 0.5
            and (sig.prob_at_pattern is None or sig.prob_at_pattern < 0.5)
        )
        if cand is not None and not model_better:
            return _evidence(key, clause_set, finder.indexes, cand)
        if sig.model_provision is None:  # found by neither signal: not asked for evidence
            raise LookupError(key)
        return _provision_evidence(key, clause_set, ndocs, provisions[sig.model_provision])

    results: list[ClauseResult] = []
    for clause in clause_set.clauses:
        found = {key for key in clause.require + clause.partial_if if signals[key].found}
        status, missing = _judge(clause, found)
        evidence = tuple(
            evidence_for(key) for key in clause.require + clause.partial_if if key in found
        )
        # The evidence shown is that of the first required element found (secrecy for
        # clause 1, the report for clause 5 …), else of the weaker form that made it partial.
        shown = evidence[0] if evidence and status != "missing" else None
        confidence, review = _clause_confidence(clause, status, signals)
        results.append(
            ClauseResult(
                no=clause.no,
                key=clause.key,
                title=clause.title,
                status=status,
                document=shown.document if shown else None,
                page=shown.page if shown else None,
                excerpt=shown.excerpt if shown else "",
                highlight=shown.highlight if shown else None,
                missing_elements=missing,
                article=clause.article,
                document_index=shown.document_index if shown else None,
                evidence=evidence,
                confidence=confidence,
                needs_review=review,
            )
        )
    return CheckResult(
        clause_set=clause_set.name,
        clauses=tuple(results),
        documents=tuple(n.name for n in ndocs),
        pages=sum(n.page_count for n in ndocs),
    )


def check_documents(docs: Sequence[ExtractedDocument], clause_set: ClauseSet) -> CheckResult:
    """Check all current documents of one contract together against `clause_set`.

    Documents are read in the given order (put the contract body first); each clause result
    names the document and page where its evidence was found. Pure function: no I/O.
    """
    return check_normalized([normalize_document(d) for d in docs], clause_set)


def check_documents_limited(
    docs: Sequence[ExtractedDocument],
    clause_set: ClauseSet,
    *,
    timeout_s: float = 20.0,
    memory_mb: int = 1024,
) -> CheckResult:
    """`check_documents` in a limited child process, for texts that came from untrusted files.

    Matching is linear in the text, but a hostile text built to make the patterns backtrack
    (hundreds of thousands of 「他」…) could still hold a web worker for minutes; here it ends
    with DocumentError("too_large") instead.
    """
    try:
        return sandbox.run_limited(
            check_documents, list(docs), clause_set, timeout_s=timeout_s, memory_mb=memory_mb
        )
    except sandbox.SandboxError as exc:
        raise DocumentError(
            "too_large",
            "文書の内容の確認が制限時間（又はメモリの上限）内に終わりませんでした。"
            "本文が長すぎるか、確認を妨げる内容を含んでいます。契約書と特記事項だけを登録してください。",
        ) from exc
