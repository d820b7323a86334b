"""Normalisation: NFKC, spelling variants, joined lines, page breaks, structure."""

from __future__ import annotations

from portal.clausecheck import ExtractedDocument
from portal.clausecheck.normalize import NormalizedDocument, normalize_document, prepare_line


def normalized(*pages: str) -> NormalizedDocument:
    return normalize_document(ExtractedDocument("t.pdf", "pdf", list(pages)))


def unit_texts(doc: NormalizedDocument, kind: str | None = None) -> list[str]:
    return [u.text for u in doc.units if kind is None or u.kind == kind]


def test_full_width_digits_letters_and_parentheses_become_ascii() -> None:
    assert prepare_line("第１２条（秘密の保持）ＡＢＣ") == "第12条(秘密の保持)ABC"


def test_half_width_katakana_becomes_full_width() -> None:
    assert prepare_line("ﾃﾞｰﾀ") == "データ"


def test_circled_numbers_become_parenthesised_item_numbers() -> None:
    assert prepare_line("①　複写すること") == "(1) 複写すること"


def test_spaces_between_japanese_characters_are_removed() -> None:
    doc = normalized("第2条 乙 は 、 個 人 情 報 を 他 に 漏 ら し て は な ら な い 。")

    assert unit_texts(doc, "para") == ["第2条 乙は、個人情報を他に漏らしてはならない。"]


def test_spaces_between_latin_words_are_kept() -> None:
    doc = normalized("第1条 乙は、ISO 27001 の認証を維持する。")

    assert "ISO 27001の認証" in doc.display


def test_line_broken_inside_a_sentence_is_joined() -> None:
    doc = normalized(
        "第2条　乙は、この契約による業務に関して知り得た個人情\n報を他に漏らしてはならない。"
    )

    assert "個人情報を他に漏らして" in doc.display


def test_sentence_continues_across_a_page_break() -> None:
    doc = normalized(
        "第7条　甲は、乙が違反したときは、この契約を解\n- 1 -", "除することができる。\n- 2 -"
    )

    assert unit_texts(doc, "para") == [
        "第7条 甲は、乙が違反したときは、この契約を解除することができる。"
    ]
    assert doc.page_at(doc.display.index("除する")) == 2


def test_heading_at_the_foot_of_a_page_stays_with_its_body() -> None:
    doc = normalized("第1条　前文。\n（再委託の禁止）", "第2条　乙は、再委託してはならない。")

    article = doc.articles[doc.units[-1].article]
    assert [doc.units[h].text for h in article.headings] == ["再委託の禁止"]


def test_page_numbers_and_running_headers_are_dropped() -> None:
    doc = normalized(
        "株式会社サンプル 契約書\n第1条　一。\n- 1 -",
        "株式会社サンプル 契約書\n第2条　二。\n2/3",
        "株式会社サンプル 契約書\n第3条　三。\nページ 3",
    )

    assert unit_texts(doc) == ["第1条 一。", "第2条 二。", "第3条 三。"]


def test_spelling_variants_are_unified_for_matching_only() -> None:
    doc = normalized("第1条　乙は、漏洩、毀損を防止し、資料を返却し、個人情報を取り扱う。")

    assert "漏えい、き損を防止し、資料を返還し、個人情報を取扱う" in doc.canon
    assert "漏洩、毀損を防止し、資料を返却し" in doc.display


def test_canon_maps_back_to_the_display_text() -> None:
    doc = normalized("第1条　乙は、漏洩を防止する。")

    start = doc.canon.index("漏えい")
    span = doc.display_span(start, start + len("漏えい"))

    assert doc.display[span[0] : span[1]] == "漏洩"


def test_each_sentence_is_on_its_own_canonical_line_except_inside_brackets() -> None:
    doc = normalized(
        "第1条　乙（以下「受託者」という。）は、秘密を守る。この契約の終了後も同様とする。"
    )

    lines = doc.canon.split("\n")
    assert "第1条 乙(以下「受託者」という。)は、秘密を守る。" in lines
    assert "この契約の終了後も同様とする。" in lines


def test_list_items_are_also_read_with_their_lead_in_sentence() -> None:
    doc = normalized(
        "第3条　乙は、次に掲げる行為をしてはならない。\n(1) 複写すること。\n(2) "
        "目的外に利用すること。"
    )

    virtual = doc.canon[doc.main_canon_end :]
    assert "(1) 複写すること。第3条 乙は、次に掲げる行為をしてはならない。" in virtual


def test_article_paragraph_and_item_markers_build_the_structure() -> None:
    doc = normalized(
        "個人情報取扱特記事項\n（秘密の保持）\n第十二条　乙は、秘密を守る。\n２　"
        "前項は終了後も同様とする。\n（１）従業者にも守らせる。"
    )

    kinds = [(u.kind, u.text) for u in doc.units]
    assert kinds == [
        ("title", "個人情報取扱特記事項"),
        ("heading", "秘密の保持"),
        ("para", "第12条 乙は、秘密を守る。"),
        ("para", "2 前項は終了後も同様とする。"),
        ("item", "(1) 従業者にも守らせる。"),
    ]
    assert doc.articles[0].label == "12"
    assert doc.articles[0].pi_context


def test_number_in_a_wrapped_line_is_not_taken_for_a_paragraph_number() -> None:
    doc = normalized("第1条　乙は、業務完了の日から\n30 日以内に報告しなければならない。")

    assert unit_texts(doc, "para") == [
        "第1条 乙は、業務完了の日から30日以内に報告しなければならない。"
    ]


def test_reference_to_an_article_at_a_line_start_is_not_an_article() -> None:
    doc = normalized("第1条　乙は、\n第5条第2項の規定により報告する。")

    assert len(doc.articles) == 1


def test_docx_paragraphs_stay_separate_even_without_markers() -> None:
    doc = normalize_document(
        ExtractedDocument("t.docx", "docx", ["乙は、秘密を守る。\n\n甲は、調査できる。"])
    )

    assert unit_texts(doc, "para") == ["乙は、秘密を守る。", "甲は、調査できる。"]


def test_soft_line_break_inside_a_docx_paragraph_is_joined() -> None:
    doc = normalize_document(
        ExtractedDocument("t.docx", "docx", ["乙は、個人情報を他に\n漏らしてはならない。"])
    )

    assert unit_texts(doc, "para") == ["乙は、個人情報を他に漏らしてはならない。"]


def test_short_title_after_an_article_number_becomes_its_heading() -> None:
    doc = normalized("第二　秘密等の保持\n１．受託者は、秘密を守らなければならない。")

    article = doc.articles[0]
    assert [doc.units[h].text for h in article.headings] == ["秘密等の保持"]


def test_article_line_wrapped_early_in_a_pdf_is_body_not_heading() -> None:
    doc = normalized("第2条　乙は業務上知り得た個人情報を他に\n漏らしてはならない。")

    assert unit_texts(doc, "para") == ["第2条 乙は業務上知り得た個人情報を他に漏らしてはならない。"]
