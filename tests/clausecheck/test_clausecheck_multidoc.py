"""A contract's documents are checked together: body + separate 個人情報取扱特記事項."""

from __future__ import annotations

import pytest

from portal.clausecheck import ClauseSet, ExtractedDocument, check_documents, extract_document
from tests.clausecheck.builders import text_to_docx, text_to_pdf
from tests.clausecheck.conftest import corpus_text


@pytest.fixture(scope="module")
def body() -> ExtractedDocument:
    pdf = text_to_pdf(corpus_text("body_general"), lines_per_page=22)
    return extract_document(pdf, filename="業務委託契約書.pdf")


@pytest.fixture(scope="module")
def tokki() -> ExtractedDocument:
    return extract_document(text_to_docx(corpus_text("split_tokki")), filename="特記事項.docx")


def test_body_and_tokki_together_have_all_eight_clauses(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    result = check_documents([body, tokki], clause_sets["iruma"])

    assert result.ok, result.clauses
    assert result.documents == ("業務委託契約書.pdf", "特記事項.docx")
    assert result.pages == body.page_count + tokki.page_count


def test_neither_document_alone_has_all_eight_clauses(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    assert not check_documents([body], clause_sets["iruma"]).ok
    assert not check_documents([tokki], clause_sets["iruma"]).ok


def test_each_clause_names_the_document_and_page_of_its_evidence(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    result = check_documents([body, tokki], clause_sets["iruma"])
    by_key = {c.key: c for c in result.clauses}

    termination = by_key["termination_liability"]
    assert termination.document == "業務委託契約書.pdf"
    assert termination.document_index == 0
    assert termination.page is not None
    assert "第7条" in body.pages[termination.page - 1].replace(" ", "").replace("７", "7")
    subcontracting = by_key["subcontracting"]
    assert (subcontracting.document, subcontracting.page) == ("特記事項.docx", 1)
    assert "再委託してはならない" in subcontracting.excerpt


def test_a_clause_may_combine_elements_found_in_different_documents(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    result = check_documents([body, tokki], clause_sets["iruma"])

    confidentiality = result.clauses[0]
    sources = {(e.element, e.document) for e in confidentiality.evidence}
    assert sources == {
        ("secrecy", "業務委託契約書.pdf"),
        ("purpose_limitation", "特記事項.docx"),
    }


def test_evidence_in_the_personal_information_document_is_preferred(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    result = check_documents([body, tokki], clause_sets["iruma"])

    return_erasure = result.clauses[5]
    assert return_erasure.document == "特記事項.docx"


def test_body_detection_of_deliverable_inspection_does_not_satisfy_clause_8(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument
) -> None:
    result = check_documents([body], clause_sets["ryugasaki"])

    assert result.clauses[7].status == "missing"


def test_profile_differences_show_in_a_combined_check(
    clause_sets: dict[str, ClauseSet], body: ExtractedDocument, tokki: ExtractedDocument
) -> None:
    result = check_documents([body, tokki], clause_sets["hiroshima"])

    subcontracting = result.clauses[1]
    assert subcontracting.status == "partial"
    assert subcontracting.missing_elements == ["subsidiary"]
