"""Training of the element model (``portal clauses train``, ``make train-clauses``).

Deterministic: the corpus files are read in sorted order, the vectoriser keeps the most
frequent n-grams with ties broken alphabetically, and the solver (liblinear) is seeded. The
combiner that weighs the pattern library against the model (see signals.py) is fitted on
out-of-fold model probabilities, with whole source groups held out (GroupKFold), so it learns
how far the model can be trusted on texts it has not seen.

Needs scikit-learn (the ``train`` extra); the portal itself only reads the artefact.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.clausecheck.clauseset import ClauseSet
from portal.clausecheck.corpus import LabelledDocument, corpus_sha256, load_corpus
from portal.clausecheck.model import NGRAM_RANGE, ElementModel, char_ngrams

if TYPE_CHECKING:
    from portal.clausecheck.extract import ExtractedDocument

MIN_DF = 2
MAX_FEATURES = 12000
C = 8.0
FOLDS = 5
SEED = 0


def _analyzer(text: str) -> list[str]:
    return char_ngrams(text, NGRAM_RANGE)


def training_rows(
    docs: Sequence[LabelledDocument],
) -> tuple[list[str], list[set[str]], list[str]]:
    texts: list[str] = []
    labels: list[set[str]] = []
    groups: list[str] = []
    for doc in docs:
        for p in doc.provisions:
            texts.append(p.text)
            labels.append(set(p.elements))
            groups.append(doc.group)
    return texts, labels, groups


def element_keys(docs: Sequence[LabelledDocument]) -> tuple[str, ...]:
    return tuple(sorted({e for d in docs for p in d.provisions for e in p.elements}))


def fit_model(
    docs: Sequence[LabelledDocument], elements: Sequence[str], corpus_hash: str = ""
) -> ElementModel:
    """TF-IDF + one logistic regression per element (one-vs-rest) on the provisions of `docs`."""
    from array import array

    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels, _ = training_rows(docs)
    vectorizer = TfidfVectorizer(
        analyzer=_analyzer,
        min_df=MIN_DF,
        max_features=MAX_FEATURES,
        sublinear_tf=True,
        dtype=numpy.float64,
    )
    matrix = vectorizer.fit_transform(texts)
    vocabulary: dict[str, int] = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    idf = vectorizer.idf_
    coefs: list[list[float]] = []
    intercepts: list[float] = []
    for key in elements:
        y = [1 if key in lab else 0 for lab in labels]
        if not any(y):
            coefs.append([0.0] * len(vocabulary))
            intercepts.append(-10.0)
            continue
        clf = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=1000
        )
        clf.fit(matrix, y)
        coefs.append([float(x) for x in clf.coef_[0]])
        intercepts.append(float(clf.intercept_[0]))
    weights = array("f")
    for j in range(len(vocabulary)):
        weights.append(float(idf[j]))
        for e in range(len(elements)):
            weights.append(coefs[e][j])
    return ElementModel(
        elements=tuple(elements),
        vocabulary=vocabulary,
        weights=weights,
        intercepts=tuple(intercepts),
        sublinear_tf=True,
        ngram_range=NGRAM_RANGE,
        corpus_sha256=corpus_hash,
        combiner={},
    )


def document_of(doc: LabelledDocument) -> ExtractedDocument:
    """The labelled provisions as one text document, in their order."""
    from portal.clausecheck.extract import ExtractedDocument

    return ExtractedDocument(
        name=f"{doc.name}.txt", kind="text", pages=["\n".join(p.text for p in doc.provisions)]
    )


def fit_combiner(
    docs: Sequence[LabelledDocument], elements: Sequence[str], clause_set: ClauseSet
) -> dict[str, tuple[float, float, float]]:
    """Weights of (pattern verdict, model logit) per element, from out-of-fold predictions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from portal.clausecheck.signals import element_signals

    rows: list[tuple[str, float, float, int]] = []
    groups = [d.group for d in docs]
    folds = min(FOLDS, len(set(groups)))
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(docs, groups=groups):
        model = fit_model([docs[i] for i in train_idx], elements)
        for i in test_idx:
            doc = docs[i]
            signals = element_signals([document_of(doc)], clause_set, model)
            for key in elements:
                sig = signals.get(key)
                if sig is None:
                    continue
                gold = 1 if key in doc.elements else 0
                rows.append((key, 1.0 if sig.pattern else 0.0, sig.model_logit, gold))
    x = [[r[1], r[2]] for r in rows]
    y = [r[3] for r in rows]
    clf = LogisticRegression(C=1.0, solver="liblinear", random_state=SEED)
    clf.fit(x, y)
    weights = (float(clf.intercept_[0]), float(clf.coef_[0][0]), float(clf.coef_[0][1]))
    return dict.fromkeys(elements, weights)


def train(corpus_dir: Path, clause_set: ClauseSet) -> ElementModel:
    docs = load_corpus(corpus_dir)
    elements = [k for k in element_keys(docs) if k in clause_set.elements]
    model = fit_model(docs, elements, corpus_sha256(corpus_dir))
    combiner = fit_combiner(docs, elements, clause_set)
    return ElementModel(**{**model.__dict__, "combiner": combiner})


def summary(model: ElementModel) -> dict[str, Any]:
    return {
        "elements": len(model.elements),
        "vocabulary": len(model.vocabulary),
        "corpus_sha256": model.corpus_sha256,
        "combiner": next(iter(model.combiner.values()), None),
    }
