"""Realistic contract texts (tests/clausecheck/corpus/*.txt) as text, PDF and DOCX, per profile.

Expected results are written as eight letters, one per clause in order:
P = present, p = partial, m = missing.
"""

from __future__ import annotations

import pytest

from portal.clausecheck import ClauseSet, check_documents, extract_document
from tests.clausecheck.builders import text_to_docx, text_to_pdf
from tests.clausecheck.conftest import CORPUS, PROFILES, corpus_text

LETTER = {"present": "P", "partial": "p", "missing": "m"}

EXPECTED: dict[str, dict[str, str]] = {
    # 市の標準様式（古い形）: no 定期報告 and no 再委託先の監査; no 子会社
    "old_standard_tokki": {
        "iruma": "PPPPPPPp",
        "hiroshima": "PpPPPPPp",
        "okinawa": "PpPPPPPp",
        "ryugasaki": "PpPPPPPp",
    },
    # 民間様式 (発注者/受注者): one long article with items; 漏洩/毀損/返却; 解除 by item
    "minkan_hatchu_juchu": dict.fromkeys(PROFILES, "PPPPPPPP"),
    # 契約書本体 only: general 秘密保持, 一括再委託, 検査 of deliverables, work accidents
    "body_general": dict.fromkeys(PROFILES, "ppmmmmPm"),
    # the 特記事項 that goes with body_general: no 秘密保持, no 解除/損害賠償
    "split_tokki": {
        "iruma": "pPPPPPmP",
        "hiroshima": "ppPPPPmP",
        "okinawa": "ppPPPPmP",
        "ryugasaki": "ppPPPPmP",
    },
    # every clause weakened; copying switched off by 第9条
    "weakened": dict.fromkeys(PROFILES, "ppmppppp"),
    # 委託者/受託者, 第１条 with full-width digits, ① items, 守秘義務, 立入検査
    "itaku_jutaku_variants": dict.fromkeys(PROFILES, "PPPPPPPP"),
    # 市/受託者, 第一 kanji numbering with 1. paragraphs, 実地検査
    "shi_jutakusha": dict.fromkeys(PROFILES, "PPPPPPPP"),
    # 【見出し】 and top-level 1 2 3 numbering; no 再委託先の監査, no 子会社
    "brackets_numbered_tokki": {
        "iruma": "PPPPPPPp",
        "hiroshima": "PpPPPPPp",
        "okinawa": "PpPPPPPp",
        "ryugasaki": "PpPPPPPP",
    },
    # 民間の覚書 (委託先/当社): 善管注意 with 安全対策, 承諾 on 再委託, 漏洩
    "minkan_oboegaki": {
        "iruma": "PPPPPPPp",
        "hiroshima": "PpPPPPPp",
        "okinawa": "PpPPPPPp",
        "ryugasaki": "PpPPPPPP",
    },
    # permissions only (「再委託することができる」「複写することができる」) and 成果物の検査
    "permissive_body": dict.fromkeys(PROFILES, "mmmmmmpm"),
    # obligations as list items under 「次の事項を遵守しなければならない」; 再委託先も同様
    "list_style_tokki": {
        "iruma": "PPPPPPPP",
        "hiroshima": "PpPPPPPP",
        "okinawa": "PpPPPPPP",
        "ryugasaki": "PpPPPPPP",
    },
    # complete except 子会社 and 再委託先の監査
    "complete_no_subsidiary": {
        "iruma": "PPPPPPPp",
        "hiroshima": "PpPPPPPp",
        "okinawa": "PpPPPPPp",
        "ryugasaki": "PpPPPPPP",
    },
}


def test_every_corpus_file_has_expectations() -> None:
    assert {p.stem for p in CORPUS.glob("*.txt")} == set(EXPECTED)


def _letters(doc_bytes: bytes, filename: str, clause_set: ClauseSet) -> str:
    document = extract_document(doc_bytes, filename=filename)
    result = check_documents([document], clause_set)
    return "".join(LETTER[c.status] for c in result.clauses)


CASES = [
    pytest.param(name, profile, id=f"{name}-{profile}") for name in EXPECTED for profile in PROFILES
]


@pytest.mark.parametrize(("name", "profile"), CASES)
def test_corpus_text_file_gets_the_expected_results(
    clause_sets: dict[str, ClauseSet], name: str, profile: str
) -> None:
    data = (CORPUS / f"{name}.txt").read_bytes()

    letters = _letters(data, f"{name}.txt", clause_sets[profile])

    assert letters == EXPECTED[name][profile]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_corpus_as_pdf_with_wrapped_lines_gives_the_same_results(
    clause_sets: dict[str, ClauseSet], name: str
) -> None:
    pdf = text_to_pdf(corpus_text(name), chars_per_line=33)

    for profile in PROFILES:
        assert _letters(pdf, f"{name}.pdf", clause_sets[profile]) == EXPECTED[name][profile]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_corpus_as_letter_spaced_pdf_with_running_header_gives_the_same_results(
    clause_sets: dict[str, ClauseSet], name: str
) -> None:
    pdf = text_to_pdf(corpus_text(name), spaced=True, running_header="令和7年度 契約書類")

    assert _letters(pdf, f"{name}.pdf", clause_sets["iruma"]) == EXPECTED[name]["iruma"]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_corpus_as_docx_gives_the_same_results(
    clause_sets: dict[str, ClauseSet], name: str
) -> None:
    docx_bytes = text_to_docx(corpus_text(name), header="株式会社サンプル", footer="社外秘")

    for profile in PROFILES:
        assert _letters(docx_bytes, f"{name}.docx", clause_sets[profile]) == EXPECTED[name][profile]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-16"])
def test_corpus_in_other_text_encodings_gives_the_same_results(
    clause_sets: dict[str, ClauseSet], encoding: str
) -> None:
    data = corpus_text("old_standard_tokki").encode(encoding)

    letters = _letters(data, "old_standard_tokki.txt", clause_sets["iruma"])

    assert letters == EXPECTED["old_standard_tokki"]["iruma"]
