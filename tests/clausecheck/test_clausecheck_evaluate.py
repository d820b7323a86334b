"""The measurement behind `make eval-clauses`: gold statuses, evidence checks, real texts."""

from __future__ import annotations

from portal.clausecheck.corpus import DEFAULT_CORPUS_DIR, LabelledDocument, Provision, load_corpus
from portal.clausecheck.evaluate import _evidence_ok, gold_status


def test_gold_status_follows_the_required_elements() -> None:
    assert gold_status(["secrecy", "purpose_limitation"], [], {"secrecy"}) == "partial"
    assert gold_status(["secrecy", "purpose_limitation"], [], set()) == "missing"
    assert gold_status(["safety_measures"], ["care_duty"], {"care_duty"}) == "partial"
    assert gold_status(["termination", "damages"], [], {"termination", "damages"}) == "present"


def test_evidence_counts_only_when_it_comes_from_a_provision_with_the_element() -> None:
    doc = LabelledDocument(
        name="x",
        source="s",
        group="g",
        kind="tokki",
        haken=False,
        complete=True,
        provisions=(
            Provision(
                "第2条(秘密の保持)\n乙は、知り得た個人情報を他に漏らしてはならない。", ("secrecy",)
            ),
            Provision(
                "第3条 乙は、個人情報を目的外に利用してはならない。", ("purpose_limitation",)
            ),
        ),
    )

    assert _evidence_ok("第2条 乙は、知り得た個人情報を他に漏らしてはならない。", "secrecy", doc)
    assert not _evidence_ok("第3条 乙は、個人情報を目的外に利用してはならない。", "secrecy", doc)


def test_the_real_texts_are_in_the_repository_with_their_sources_and_labels() -> None:
    real = load_corpus(DEFAULT_CORPUS_DIR, ("real",))

    assert len(real) == 26
    for doc in real:
        assert doc.text.strip()
        assert doc.source
        assert not doc.source.startswith("/")
        assert set(doc.labels.values()) <= {"Y", "P", "N", "?"}
        assert len(doc.labels) == 8
        assert not doc.provisions  # evaluation only: never trained on
