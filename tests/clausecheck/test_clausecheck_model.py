"""The element model: the shipped artefact, its training data, prediction, and how it combines
with the pattern library."""

from __future__ import annotations

import time

import pytest

from portal.clausecheck import ClauseSet
from portal.clausecheck.corpus import DEFAULT_CORPUS_DIR, corpus_sha256, load_corpus
from portal.clausecheck.model import (
    HASH_PATH,
    MODEL_PATH,
    char_ngrams,
    load_model,
    model_text,
    read_model,
    to_payload,
)
from portal.clausecheck.signals import MODEL_ALONE, PATTERN_VETO
from tests.clausecheck.conftest import check_text

SECRECY = "乙は、この契約による事務に関して知り得た個人情報を他人に知らせてはならない。"


def test_the_artefact_was_trained_on_the_corpus_in_the_repository() -> None:
    # Retrain with `make train-clauses` after changing tests/clausecheck/labelled/a.
    corpus_hash = corpus_sha256(DEFAULT_CORPUS_DIR)

    assert load_model().corpus_sha256 == corpus_hash
    assert HASH_PATH.read_text(encoding="ascii").strip() == corpus_hash


def test_the_artefact_is_small_and_loads_in_under_100_ms() -> None:
    assert MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        read_model(MODEL_PATH)
        timings.append(time.perf_counter() - start)

    assert min(timings) < 0.1


def test_model_text_ignores_width_spaces_and_article_numbers() -> None:
    assert model_text("第１２条　乙 は 、") == model_text("第34条乙は、")
    assert char_ngrams("乙は、") == ["乙は", "は、", "乙は、"]


def test_the_model_scores_wording_it_was_not_written_for() -> None:
    probs = load_model().predict([SECRECY, "乙は、成果物について甲の検査を受けなければならない。"])

    assert probs[0]["secrecy"] > 0.5
    assert probs[0]["secrecy"] > probs[1]["secrecy"]
    assert probs[1]["audit"] < 0.5


def test_pure_python_prediction_equals_scikit_learn() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from portal.clausecheck import train

    docs = load_corpus()[:12]
    model = train.fit_model(docs, ["secrecy"])
    texts, labels, _ = train.training_rows(docs)
    vectorizer = TfidfVectorizer(
        analyzer=train._analyzer, min_df=train.MIN_DF, max_features=train.MAX_FEATURES,
        sublinear_tf=True,
    )  # fmt: skip
    matrix = vectorizer.fit_transform(texts)
    clf = LogisticRegression(
        C=train.C, class_weight="balanced", solver="liblinear", random_state=train.SEED
    )
    clf.fit(matrix, [1 if "secrecy" in lab else 0 for lab in labels])
    probe = [SECRECY, "乙は、業務の完了後に報告書を提出する。"]

    expected = clf.predict_proba(vectorizer.transform(probe))[:, 1]
    got = [p["secrecy"] for p in model.predict(probe)]

    assert got == pytest.approx(list(expected), abs=1e-4)


def test_training_is_deterministic() -> None:
    pytest.importorskip("sklearn")
    from portal.clausecheck import train

    docs = load_corpus()[:10]

    first = to_payload(train.fit_model(docs, ["secrecy", "audit"], "x"))
    second = to_payload(train.fit_model(docs, ["secrecy", "audit"], "x"))

    assert first == second


def test_clause_results_carry_confidence_and_review(clause_sets: dict[str, ClauseSet]) -> None:
    text = (
        "第1条 乙は、業務上知り得た個人情報を他に漏らしてはならない。\n"
        "第2条 乙は、個人情報を契約の目的以外に利用し、又は第三者に提供してはならない。\n"
    )

    result = check_text(text, clause_sets["iruma"])

    first = result.clauses[0]
    assert first.status == "present"
    assert first.confidence >= 0.75
    assert first.needs_review is False
    assert all(0.0 <= c.confidence <= 1.0 for c in result.clauses)


def test_a_work_accident_report_is_not_an_incident_clause_for_the_model_either(
    clause_sets: dict[str, ClauseSet],
) -> None:
    # incident elements need a personal-information context (context = "required")
    text = (
        "第5条 乙は、業務の実施中に事故が発生したときは、直ちに甲に報告し、"
        "その指示に従わなければならない。"
    )

    result = check_text(text, clause_sets["iruma"])

    assert result.clauses[4].status == "missing"


def test_the_model_alone_adds_an_element_only_when_it_is_very_sure() -> None:
    from portal.clausecheck.signals import ElementSignal

    unsure = ElementSignal("secrecy", False, None, MODEL_ALONE - 0.01, 0, None, 0.7)
    sure = ElementSignal("secrecy", False, None, MODEL_ALONE, 0, None, 0.9)
    pattern = ElementSignal("secrecy", True, 0, 0.1, 0, 0.1, 0.4)

    assert not unsure.found
    assert unsure.confidence == pytest.approx(0.3)
    assert sure.found
    assert pattern.found
    assert pattern.confidence == pytest.approx(0.4)
    assert not pattern.agree


def test_a_pattern_match_in_a_provision_plainly_about_something_else_does_not_count() -> None:
    from portal.clausecheck.signals import ElementSignal

    vetoed = ElementSignal("audit", True, 3, 0.3, 1, PATTERN_VETO / 2, 0.6)
    kept = ElementSignal("audit", True, 3, 0.3, 1, PATTERN_VETO, 0.6)

    assert not vetoed.found
    assert kept.found


def test_secrecy_as_an_effort_only_is_not_an_obligation_of_secrecy(
    clause_sets: dict[str, ClauseSet],
) -> None:
    effort = (
        "第2条 受注者は、本業務に関して発注者から預託された個人情報を、第三者に開示し、"
        "又は漏えいしないよう最大限努力するものとする。\n"
        "第3条 受注者は、個人情報を本業務の目的以外に利用してはならない。\n"
    )
    duty = effort.replace("漏えいしないよう最大限努力するものとする", "漏えいしてはならない")

    assert check_text(effort, clause_sets["iruma"]).clauses[0].status == "partial"
    assert check_text(duty, clause_sets["iruma"]).clauses[0].status == "present"
