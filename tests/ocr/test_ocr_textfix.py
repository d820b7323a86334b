"""OCR text clean-up: spaces, look-alike characters and broken lines (no tesseract run)."""

from __future__ import annotations

import pytest

from portal.ocr import clean_ocr_text


def test_spaces_between_japanese_characters_are_dropped() -> None:
    assert clean_ocr_text("個 人 情 報 を 第 2 条 に") == "個人情報を第2条に"


def test_spaces_between_latin_words_stay() -> None:
    assert clean_ocr_text("ISO 27001 の認証") == "ISO 27001の認証"


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        ("デ一夕を窓ロで受け取る", "データを窓口で受け取る"),  # 一→ー, 夕→タ, ロ→口
        ("第ー条 同ーの者", "第一条同一の者"),  # ー between kanji is the numeral
        ("プ口グラムの協カ", "プログラムの協力"),  # 口 in katakana, カ after kanji
        ("ソフトウ工アの加エ", "ソフトウエアの加工"),
        ("夕方にタイムカード", "夕方にタイムカード"),  # already right: unchanged
        ("3カ所", "3カ所"),  # 箇所 written with katakana カ after a number
    ],
)
def test_look_alike_characters_follow_the_script_of_their_neighbours(
    ocr: str, expected: str
) -> None:
    assert clean_ocr_text(ocr) == expected


def test_misreads_that_are_not_words_are_corrected() -> None:
    assert clean_ocr_text("日的外利用の侍止") == "目的外利用の禁止"


def test_a_sentence_broken_by_an_empty_line_is_joined() -> None:
    text = "乙は、本業務に関して知り得た\n\n個人情報を他に漏らしてはならない。\n\n第2条（再委託）"

    assert clean_ocr_text(text) == (
        "乙は、本業務に関して知り得た\n個人情報を他に漏らしてはならない。\n\n第2条（再委託）"
    )


def test_a_new_article_is_not_joined_to_a_heading() -> None:
    assert (
        clean_ocr_text("個人情報取扱特記事項\n\n第1条 乙は") == "個人情報取扱特記事項\n\n第1条乙は"
    )


def test_spaces_around_brackets_next_to_japanese_are_dropped() -> None:
    assert clean_ocr_text("第1条 (基本的事項) 乙は") == "第1条(基本的事項)乙は"


def test_misread_party_names_are_restored_on_a_kouotsu_page() -> None:
    text = "甲は、選がこの特記事項に違反したときは\n選は、個人情報を漏らさない。耳は、選任する。"

    assert clean_ocr_text(text) == (
        "甲は、乙がこの特記事項に違反したときは\n乙は、個人情報を漏らさない。甲は、選任する。"
    )


def test_party_rule_needs_a_party_on_the_page() -> None:
    assert clean_ocr_text("選は、次のとおりとする。") == "選は、次のとおりとする。"


def test_party_name_misread_is_restored_when_the_page_spells_it_elsewhere() -> None:
    text = "受託者は、次の措置を講ずる。受託寿は、報告する。受託了が管理する。受託料は別に定める。"

    assert clean_ocr_text(text) == (
        "受託者は、次の措置を講ずる。受託者は、報告する。受託者が管理する。受託料は別に定める。"
    )
    assert clean_ocr_text("受託寿は、報告する。") == "受託寿は、報告する。"


def test_item_marker_at_the_start_of_a_line_keeps_its_katakana_and_space() -> None:
    assert clean_ocr_text("工 受託者は、複写しないこと。") == "エ 受託者は、複写しないこと。"
    assert clean_ocr_text("ア 個 人 情 報") == "ア 個人情報"


def test_third_party_misread_is_restored_when_spelled_elsewhere() -> None:
    assert clean_ocr_text("第三才に漏らさない。第三者に委託する。") == (
        "第三者に漏らさない。第三者に委託する。"
    )
