"""Per element, two signals and their combination.

(a) the pattern library (matcher.py) finds the element somewhere in the documents, or not;
(b) the element model (model.py) gives, for every provision — a paragraph with its list items,
read together with its article's heading — the probability that it carries the element.

They are combined per element by a logistic combiner fitted on held-out predictions
(train.py): ``P(element) = σ(b + w_p·pattern + w_m·logit(max provision probability))``. The
element counts as found when that probability is at least one half; the confidence of the
decision is the probability of the side that was decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portal.clausecheck.model import ElementModel, logit
from portal.clausecheck.normalize import NormalizedDocument, has_pi

if TYPE_CHECKING:
    from portal.clausecheck.clauseset import ClauseSet
    from portal.clausecheck.extract import ExtractedDocument

# Without a fitted combiner: the pattern is worth about as much as a confident model.
DEFAULT_COMBINER = (-1.5, 3.0, 1.0)
# The model alone makes an element found from this probability of its best provision on.
# Below it the model's opinion only moves the confidence (and so 要確認).
MODEL_ALONE = 0.85
# A pattern match in a provision the model gives less than this does not count (on held-out
# folds no such match was a labelled element).
PATTERN_VETO = 0.02


@dataclass(frozen=True)
class ProvisionRef:
    doc: int
    paragraph: int
    text: str
    pi_context: bool = False  # about personal information (the text, paragraph or article)


@dataclass(frozen=True)
class ElementSignal:
    key: str
    pattern: bool
    pattern_provision: int | None  # index into the provisions list
    model_prob: float  # best provision's probability
    model_provision: int | None
    prob_at_pattern: float | None
    probability: float  # combined

    @property
    def found(self) -> bool:
        # The pattern library keeps its negations and exclusions (「成果物の検査」, a waiver of
        # damages …): the model adds an element only when it is very sure, and overrules a
        # match only when the matched provision is plainly about something else.
        if self.pattern:
            return self.prob_at_pattern is None or self.prob_at_pattern >= PATTERN_VETO
        return self.model_prob >= MODEL_ALONE

    @property
    def confidence(self) -> float:
        """The combined probability of the side that was decided."""
        return self.probability if self.found else 1.0 - self.probability

    @property
    def model_logit(self) -> float:
        return logit(self.model_prob)

    @property
    def agree(self) -> bool:
        return self.pattern == (self.model_prob >= 0.5)


def provisions_of(
    ndocs: Sequence[NormalizedDocument], switched_off: Sequence[set[int]] = ()
) -> list[ProvisionRef]:
    """Every paragraph of every document, with its article heading in front; paragraphs of
    articles the contract switches off (「第7条の規定は、適用しない。」) are left out."""
    result: list[ProvisionRef] = []
    for doc_no, ndoc in enumerate(ndocs):
        off = switched_off[doc_no] if doc_no < len(switched_off) else set()
        for p_no, paragraph in enumerate(ndoc.paragraphs):
            if paragraph.article in off:
                continue
            parts: list[str] = []
            if paragraph.article >= 0:
                parts.extend(ndoc.units[h].text for h in ndoc.articles[paragraph.article].headings)
            parts.extend(ndoc.units[u].text for u in paragraph.units)
            text = "\n".join(parts)
            pi = (
                has_pi(text)
                or (p_no < len(ndoc.paragraph_pi) and ndoc.paragraph_pi[p_no])
                or (paragraph.article >= 0 and ndoc.articles[paragraph.article].pi_context)
            )
            result.append(ProvisionRef(doc_no, p_no, text, pi))
    return result


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def combine(
    ndocs: Sequence[NormalizedDocument],
    keys: Sequence[str],
    pattern_at: Callable[[str], tuple[int, int] | None],
    model: ElementModel | None,
    provisions: list[ProvisionRef] | None = None,
    pi_required: frozenset[str] = frozenset(),
    vetoed: Callable[[str, str], bool] | None = None,
    siblings: dict[str, set[str]] | None = None,
) -> dict[str, ElementSignal]:
    """The signal of each element of `keys`; `pattern_at(key)` is (doc, paragraph) of the
    pattern match, or None. Elements in `pi_required` (context = "required": a general
    「事故が発生したときは報告する」 about work accidents is not incident reporting) are looked
    for by the model only in provisions about personal information; `vetoed(key, text)` says
    that a provision states the opposite (the element's ``negate`` phrasings: 「損害の賠償を請求
    することができない」), which a bag of n-grams cannot see."""
    provisions = provisions_of(ndocs) if provisions is None else provisions
    index = {(p.doc, p.paragraph): i for i, p in enumerate(provisions)}
    probs = model.predict([p.text for p in provisions]) if model is not None else []
    result: dict[str, ElementSignal] = {}
    for key in keys:
        where = pattern_at(key)
        pattern_provision = index.get(where) if where is not None else None
        if model is None or key not in model.elements:
            p = 1.0 if where is not None else 0.0
            result[key] = ElementSignal(key, where is not None, pattern_provision, p, None, None, p)
            continue
        taken = set()
        if where is None and siblings:
            for other in siblings.get(key, ()):
                other_at = pattern_at(other)
                if other_at is not None and other_at in index:
                    taken.add(index[other_at])
        best, best_p = None, 0.0
        for i, row in enumerate(probs):
            if i in taken:
                continue
            if key in pi_required and not provisions[i].pi_context:
                continue
            if vetoed is not None and row[key] > best_p and vetoed(key, provisions[i].text):
                continue
            if row[key] > best_p:
                best, best_p = i, row[key]
        at_pattern = probs[pattern_provision][key] if pattern_provision is not None else None
        bias, w_pattern, w_model = model.combiner.get(key, DEFAULT_COMBINER)
        z = bias + w_pattern * (1.0 if where is not None else 0.0) + w_model * logit(best_p)
        result[key] = ElementSignal(
            key=key,
            pattern=where is not None,
            pattern_provision=pattern_provision,
            model_prob=best_p,
            model_provision=best,
            prob_at_pattern=at_pattern,
            probability=_sigmoid(z),
        )
    return result


def element_signals(
    docs: Sequence[ExtractedDocument], clause_set: ClauseSet, model: ElementModel | None
) -> dict[str, ElementSignal]:
    """Both signals for every element of `clause_set` (training and evaluation use this)."""
    from portal.clausecheck.matcher import PatternFinder
    from portal.clausecheck.normalize import normalize_document

    ndocs = [normalize_document(d) for d in docs]
    finder = PatternFinder(ndocs, clause_set)
    provisions = provisions_of(ndocs, [i.nullified for i in finder.indexes])
    return combine(
        ndocs,
        sorted(clause_set.elements),
        finder.where,
        model,
        provisions,
        pi_required(clause_set),
        negated_in(clause_set),
        siblings_in(clause_set),
    )


def siblings_in(clause_set: ClauseSet) -> dict[str, set[str]]:
    """Per element, the other elements of the clauses it belongs to."""
    result: dict[str, set[str]] = {}
    for clause in clause_set.clauses:
        keys = set(clause.require + clause.partial_if)
        for key in keys:
            result.setdefault(key, set()).update(keys - {key})
    return result


def negated_in(clause_set: ClauseSet) -> Callable[[str, str], bool]:
    def vetoed(key: str, text: str) -> bool:
        element = clause_set.elements.get(key)
        return element is not None and any(rx.search(text) for rx in element.negate)

    return vetoed


def pi_required(clause_set: ClauseSet) -> frozenset[str]:
    return frozenset(k for k, e in clause_set.elements.items() if e.context == "required")
