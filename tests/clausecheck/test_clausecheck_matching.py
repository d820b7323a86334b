"""Every clause variant family of DOMAIN.md, for every profile.

Each case starts from a 特記事項 in which all eight clauses are present and replaces the
article(s) of one clause with a variant, then checks that clause's status. The other seven
must stay present, so a variant never leaks into another clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from portal.clausecheck import CheckResult
from tests.clausecheck.conftest import PROFILES, statuses

PREAMBLE = (
    "個人情報取扱特記事項\n\n　{K}と{C}は、本契約に係る個人情報の取扱いについ"
    "て、次のとおり定める。\n"
)

BASE: dict[str, str] = {
    "confidentiality": (
        "（秘密の保持）\n第2条　{C}は、業務上知り得た個人情報を他に漏らしてはならない。\n"
        "（目的外利用の禁止）\n第3条　{C}は、個人情報を契約の目的以外に利用してはならない。"
    ),
    "subcontracting": (
        "（再委託の禁止）\n第4条　{C}は、{K}の書面による承諾を得ないで、"
        "業務を第三者（{C}の子会社を含む。）に委託してはならない。"
    ),
    "copying": (
        "（複写又は複製の禁止）\n第5条　{C}は、{K}の承諾なしに、個人情報を複写し"
        "、又は複製してはならない。"
    ),
    "safeguards": (
        "（安全管理措置）\n第6条　{C}は、個人情報の漏えい、滅失及びき損の防止のために"
        "必要な措置を講じなければならない。"
    ),
    "incident": (
        "（事故発生時の報告）\n第7条　{C}は、個人情報の漏えい等の事故が発生したときは、"
        "直ちに{K}に報告し、{K}の指示に従わなければならない。"
    ),
    "return_erasure": (
        "（資料の返還）\n第8条　{C}は、業務完了後、個人情報が記録された資料を直ち"
        "に{K}に返還しなければならない。"
    ),
    "termination_liability": (
        "（契約の解除及び損害賠償）\n第9条　{K}は、{C}がこの特記事項に違反したときは、"
        "契約を解除し、損害賠償を請求することができる。"
    ),
    "reporting_audit": (
        "（報告及び監査）\n第10条　{C}は、個人情報の取扱状況を定期的に{K}に報告し"
        "なければならない。\n"
        "２　{K}は、{C}及び再委託先の事業所に立ち入り、個人情報の取扱状況を調査することができる。"
    ),
}


def document(
    replace: dict[str, str] | None = None, *, city: str = "甲", contractor: str = "乙"
) -> str:
    parts = [PREAMBLE]
    for key, text in BASE.items():
        parts.append((replace or {}).get(key, text))
    return "\n".join(parts).replace("{K}", city).replace("{C}", contractor)


def assert_only(result: CheckResult, key: str, expected: str) -> None:
    found = statuses(result)
    assert found[key] == expected, (key, result.clauses)
    others = {k: v for k, v in found.items() if k != key}
    assert set(others.values()) == {"present"}, others


Check = Callable[[str, str], CheckResult]


@pytest.mark.parametrize("profile", PROFILES)
def test_base_document_has_all_eight_clauses_in_every_profile(check: Check, profile: str) -> None:
    result = check(document(), profile)

    assert result.ok, result.clauses


# --- parties -----------------------------------------------------------------------------------

PARTIES = [
    ("甲", "乙"),
    ("発注者", "受注者"),
    ("委託者", "受託者"),
    ("市", "受託者"),
    ("当市", "受託者"),
    ("本市", "受注者"),
    ("入間市", "乙"),
]


@pytest.mark.parametrize(("city", "contractor"), PARTIES)
@pytest.mark.parametrize("profile", PROFILES)
def test_party_names_do_not_change_the_result(
    check: Check, profile: str, city: str, contractor: str
) -> None:
    result = check(document(city=city, contractor=contractor), profile)

    assert result.ok, result.clauses


# --- numbering ---------------------------------------------------------------------------------

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI = {2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def renumber(text: str, style: str) -> str:
    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return {
            "fullwidth_jo": f"第{str(n).translate(_FULL)}条　",
            "dai_only": f"第{str(n).translate(_FULL)}　",
            "kanji": f"第{_KANJI[n]}条　",
            "dot": f"{n}．",
            "paren": f"（{str(n).translate(_FULL)}）",
            "circled": _CIRCLED[n - 1],
        }[style]

    return re.sub(r"^第(\d+)条　", repl, text, flags=re.MULTILINE)


@pytest.mark.parametrize("style", ["fullwidth_jo", "dai_only", "kanji", "dot", "paren", "circled"])
@pytest.mark.parametrize("profile", PROFILES)
def test_numbering_styles_do_not_change_the_result(check: Check, profile: str, style: str) -> None:
    result = check(renumber(document(), style), profile)

    assert result.ok, (style, result.clauses)


def test_full_width_article_number_is_shown_normalised_in_the_excerpt(check: Check) -> None:
    result = check(renumber(document(), "fullwidth_jo"), "iruma")

    assert result.clauses[2].excerpt.startswith("第5条 乙は、甲の承諾なしに")


# --- the variant families -----------------------------------------------------------------------

CONFIDENTIALITY = [
    (
        "秘密等の保持",
        "（秘密等の保持）\n第2条　{C}は、この契約の履行に関して知り得た秘密等を他"
        "に漏らしてはならない。\n"
        "第3条　{C}は、個人情報を契約の目的以外に利用してはならない。",
        "present",
    ),
    (
        "守秘義務",
        "（守秘義務）\n第2条　{C}は、本業務に関して知り得た個人情報について守秘義務を負う。\n"
        "第3条　{C}は、個人情報を本業務の目的以外の目的に使用してはならない。",
        "present",
    ),
    (
        "目的以外の使用等の禁止",
        "（秘密の保持）\n第2条　{C}は、業務上知り得た個人情報をみだりに他人に知らせてはならない。\n"
        "（目的以外の使用等の禁止）\n第3条　{C}は、個人情報を本業務の目的以外に使"
        "用し、又は第三者に提供してはならない。",
        "present",
    ),
    (
        "目的外利用の禁止 as a noun",
        "第2条　{C}は、知り得た個人情報を第三者に開示してはならない。\n"
        "第3条　{C}は、個人情報の目的外利用をしてはならない。",
        "present",
    ),
    (
        "遂行以外の目的",
        "第2条　{C}は、秘密を保持しなければならない。\n"
        "第3条　{C}は、個人情報を本業務の遂行以外の目的で使用してはならない。",
        "present",
    ),
    (
        "both as items of a list",
        "第2条　{C}は、次に掲げる行為をしてはならない。\n"
        "(1) 業務上知り得た個人情報を他に漏らすこと。\n(2) 個人情報を契約の目的以"
        "外に利用すること。",
        "present",
    ),
    (
        "secrecy only",
        "（秘密の保持）\n第2条　{C}は、業務上知り得た個人情報を他に漏らしてはならない。",
        "partial",
    ),
    (
        "purpose limitation only",
        "（目的外利用の禁止）\n第3条　{C}は、個人情報を契約の目的以外に利用してはならない。",
        "partial",
    ),
    (
        "不当な目的 is not purpose limitation",
        "第2条　{C}は、業務上知り得た個人情報をみだりに他人に知らせ、又は不当な目"
        "的に使用してはならない。",
        "partial",
    ),
    (
        "neither",
        "（基本的事項）\n第2条　{C}は、個人情報を適正に取り扱わなければならない。",
        "missing",
    ),
]

SUBCONTRACTING_ANY = [
    (
        "第三者に委託し又は請け負わせ with 子会社",
        "第4条　{C}は、業務を第三者（{C}の子会社を含む。）に委託し、又は請け負わせてはならない。",
        "present",
    ),
    (
        "prior approval in the second sentence",
        "第4条　{C}は、業務を第三者に委託してはならない。再委託先が{C}の子会社で"
        "ある場合も同様とする。"
        "ただし、あらかじめ{K}の承諾を得たときは、この限りでない。",
        "present",
    ),
    (
        "notification only",
        "第4条　{C}は、業務の一部を再委託する場合には、事前にその旨を{K}に通知するものとする。",
        "partial",
    ),
    (
        "一括再委託 only",
        "第4条　{C}は、業務の全部を一括して第三者に委任し、又は請け負わせてはならない。",
        "partial",
    ),
    (
        "approval waived",
        "第4条　{C}は、{K}の承諾を要せず、業務の一部を再委託することができる。",
        "missing",
    ),
    ("nothing about it", "第4条　{C}は、業務を誠実に履行しなければならない。", "missing"),
]

SUBCONTRACTING_BY_PROFILE = [
    # (label, text, {profile: expected})
    (
        "再委託の禁止 without 子会社",
        "（再委託の禁止）\n第4条　{C}は、再委託をしてはならない。",
        {"iruma": "present", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "partial"},
    ),
    (
        "事前承認 without 子会社",
        "第4条　{C}は、再委託をしようとするときは、あらかじめ{K}の書面による承認"
        "を得なければならない。",
        {"iruma": "present", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "partial"},
    ),
    (
        "子会社 in a parenthesis of the prohibition",
        "第4条　{C}は、業務を第三者（{C}の子会社（会社法第2条第3号に規定する子会"
        "社をいう。）を含む。）"
        "に再委託してはならない。",
        {"iruma": "present", "hiroshima": "present", "okinawa": "present", "ryugasaki": "present"},
    ),
    (
        "子会社 exempted",
        "第4条　{C}は、{K}の承諾を得ないで再委託してはならない。\n"
        "２　前項の規定にかかわらず、{C}の子会社に委託する場合は、承諾を要しない。",
        {"iruma": "present", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "partial"},
    ),
]

COPYING = [
    (
        "複製 needs prior approval",
        "第5条　{C}は、個人情報を複製する場合は、あらかじめ{K}の承諾を得なければならない。",
        "present",
    ),
    ("コピー", "第5条　{C}は、個人情報が記録された資料をコピーしてはならない。", "present"),
    (
        "limited to the minimum",
        "第5条　{C}による個人情報の複写・複製は、業務に必要な最小限の範囲に限るものとする。",
        "present",
    ),
    (
        "copying allowed freely",
        "第5条　{C}は、業務に必要な範囲で個人情報を自由に複製することができる。",
        "missing",
    ),
    ("nothing about it", "第5条　{C}は、個人情報を丁寧に扱うものとする。", "missing"),
]

SAFEGUARDS = [
    ("適正管理", "（適正管理）\n第6条　{C}は、個人情報を適正に管理しなければならない。", "present"),
    (
        "安全対策 with 漏洩・毀損 spelling",
        "（安全対策）\n第6条　{C}は、個人情報の漏洩、滅失及び毀損を防止するため、"
        "安全対策を講じなければならない。",
        "present",
    ),
    (
        "安全管理措置 noun",
        "第6条　{C}は、個人情報について安全管理措置を講じなければならない。",
        "present",
    ),
    (
        "善管注意義務 only",
        "第6条　{C}は、善良な管理者の注意をもって個人情報を取り扱うものとする。",
        "partial",
    ),
    ("nothing about it", "第6条　{C}は、業務を誠実に行う。", "missing"),
]

INCIDENT = [
    (
        "事態 style",
        "第7条　{C}は、この特記事項に違反する事態が生じ、又は生じるおそれがあることを知ったときは、"
        "速やかに{K}に報告し、{K}の指示に従うものとする。",
        "present",
    ),
    (
        "漏洩 with 被害の拡大防止",
        "第7条　{C}は、個人情報の漏洩が発生したときは、直ちに{K}に通知し、{K}の指示に従い、"
        "被害の拡大防止に努めなければならない。",
        "present",
    ),
    (
        "report only",
        "第7条　{C}は、個人情報の漏えい等の事故が発生したときは、速やかに{K}に報"
        "告しなければならない。",
        "partial",
    ),
    ("nothing about it", "第7条　{C}は、業務日誌を作成しなければならない。", "missing"),
]

RETURN_ERASURE = [
    (
        "返却",
        "第8条　{C}は、契約終了後、{K}から提供を受けた資料を速やかに返却しなければならない。",
        "present",
    ),
    (
        "廃棄",
        "第8条　{C}は、業務が完了したときは、個人情報が記録された媒体を廃棄しなければならない。",
        "present",
    ),
    (
        "消去",
        "第8条　委託業務の終了時に、{C}は、保有する個人情報を復元不可能な方法で消"
        "去するものとする。",
        "present",
    ),
    (
        "only on request",
        "第8条　{C}は、{K}から指示があったときは、個人情報が記録された資料を返還"
        "しなければならない。",
        "partial",
    ),
    (
        "lent equipment is not personal information",
        "第8条　{C}は、業務が完了したときは、{K}から貸与を受けた物品を直ちに返還"
        "しなければならない。",
        "missing",
    ),
    (
        "契約保証金 is money",
        "第8条　{K}は、契約が終了したときは、契約保証金を{C}に返還する。",
        "missing",
    ),
]

TERMINATION = [
    (
        "解除 by a list item",
        "第9条　{K}は、{C}が次の各号のいずれかに該当するときは、契約を解除することができる。\n"
        "(1) この特記事項に違反したとき。\n"
        "２　{C}は、この特記事項に違反して{K}に損害を与えたときは、その損害を賠償"
        "しなければならない。",
        "present",
    ),
    (
        "解除 only",
        "第9条　{K}は、{C}がこの特記事項に違反したときは、契約を解除することができる。",
        "partial",
    ),
    (
        "損害賠償 only",
        "第9条　{C}は、この特記事項に違反して{K}に損害を与えたときは、その損害を"
        "賠償しなければならない。",
        "partial",
    ),
    (
        "a damages waiver is not liability",
        "第9条　{K}は、{C}がこの特記事項に違反したときは、契約を解除することができる。"
        "この場合において、{C}は、解除により生じた損害の賠償を請求することができない。",
        "partial",
    ),
]

REPORTING_ANY = [
    (
        "報告を求め、又は立入検査 (再委託先を含む)",
        "第10条　{K}は、{C}（再委託先を含む。）に対し、個人情報の取扱状況について報告を求め、"
        "又はその事業所に立入検査をすることができる。",
        "present",
    ),
    (
        "実地検査",
        "第10条　{C}は、毎年度、{K}に個人情報の管理状況を報告しなければならない。\n"
        "２　{K}は、{C}及び再委託先において実地検査を行うことができる。",
        "present",
    ),
    (
        "監査",
        "第10条　{C}は、本特記事項の遵守状況を{K}に報告しなければならない。\n"
        "２　{K}は、{C}及び再委託先の個人情報の取扱状況を監査することができる。",
        "present",
    ),
    (
        "調査",
        "（調査）\n第10条　{K}は、{C}及び再委託先が取り扱う個人情報の状況について"
        "、随時調査することができる。\n"
        "２　{C}は、{K}の求めに応じ、個人情報の取扱状況を報告しなければならない。",
        "present",
    ),
    (
        "検査 of deliverables is not an audit",
        "（検査）\n第10条　{C}は、業務を完了したときは、成果物を{K}に納品し、{K}"
        "の検査を受けなければならない。\n"
        "２　{C}は、前項の検査に合格しなかったときは、直ちに修補しなければならない。",
        "missing",
    ),
    (
        "report only, deliverables inspected",
        "第10条　{C}は、個人情報の取扱状況を定期的に{K}に報告しなければならない。\n"
        "２　{K}は、納品された成果物を検査し、検収を行う。",
        "partial",
    ),
]

REPORTING_BY_PROFILE = [
    (
        "no 再委託先 audit",
        "第10条　{C}は、個人情報の取扱状況を{K}に報告しなければならない。\n"
        "２　{K}は、{C}の事業所に立ち入り、個人情報の管理状況を調査することができる。",
        {"iruma": "partial", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "present"},
    ),
    (
        "実地検査又は書面による報告 (龍ヶ崎市 第35条第3項)",
        "第10条　{K}は、{C}の作業場所において実地検査を行い、又は書面による報告を求めることにより、"
        "個人情報の管理の状況を確認することができる。",
        {"iruma": "partial", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "present"},
    ),
    (
        "audit only",
        "第10条　{K}は、必要があると認めるときは、{C}の事業所に立ち入り、個人情報"
        "の管理状況を調査することができる。",
        {"iruma": "partial", "hiroshima": "partial", "okinawa": "partial", "ryugasaki": "partial"},
    ),
]


def _cases(key: str, cases: list[tuple[str, str, str]]) -> list[Any]:
    return [
        pytest.param(key, text, profile, expected, id=f"{key}-{label}-{profile}")
        for label, text, expected in cases
        for profile in PROFILES
    ]


def _profile_cases(key: str, cases: list[tuple[str, str, dict[str, str]]]) -> list[Any]:
    return [
        pytest.param(key, text, profile, expected[profile], id=f"{key}-{label}-{profile}")
        for label, text, expected in cases
        for profile in PROFILES
    ]


ALL_CASES = (
    _cases("confidentiality", CONFIDENTIALITY)
    + _cases("subcontracting", SUBCONTRACTING_ANY)
    + _profile_cases("subcontracting", SUBCONTRACTING_BY_PROFILE)
    + _cases("copying", COPYING)
    + _cases("safeguards", SAFEGUARDS)
    + _cases("incident", INCIDENT)
    + _cases("return_erasure", RETURN_ERASURE)
    + _cases("termination_liability", TERMINATION)
    + _cases("reporting_audit", REPORTING_ANY)
    + _profile_cases("reporting_audit", REPORTING_BY_PROFILE)
)


@pytest.mark.parametrize(("key", "text", "profile", "expected"), ALL_CASES)
def test_clause_variant_gets_the_expected_status(
    check: Check, key: str, text: str, profile: str, expected: str
) -> None:
    result = check(document({key: text}), profile)

    assert_only(result, key, expected)


# --- negation and clauses switched off -----------------------------------------------------------


def test_article_switched_off_by_number_does_not_count(check: Check) -> None:
    text = document() + "\n（適用除外）\n第11条　第5条の規定は、この契約には適用しない。"

    result = check(text, "iruma")

    assert_only(result, "copying", "missing")


def test_range_of_articles_switched_off_does_not_count(check: Check) -> None:
    text = document() + "\n第11条　第4条から第6条までの規定は、適用しない。"

    result = check(text, "iruma")

    found = statuses(result)
    assert found["subcontracting"] == "missing"
    assert found["copying"] == "missing"
    assert found["safeguards"] == "missing"
    assert found["incident"] == "present"


def test_article_switching_itself_off_does_not_count(check: Check) -> None:
    variant = (
        "第5条　{C}は、{K}の承諾なしに、個人情報を複写し、又は複製してはならない。\n"
        "２　前項の規定は、適用しない。"
    )

    result = check(document({"copying": variant}), "iruma")

    assert_only(result, "copying", "missing")


def test_conditional_exception_is_not_a_switch_off(check: Check) -> None:
    variant = (
        "第5条　{C}は、個人情報を複写し、又は複製してはならない。\n"
        "２　{K}の書面による承諾がある場合は、前項の規定は適用しない。"
    )

    result = check(document({"copying": variant}), "iruma")

    assert_only(result, "copying", "present")


def test_prohibition_negated_right_after_does_not_count(check: Check) -> None:
    variant = "第5条　{C}による個人情報の複写又は複製を禁止しない。"

    result = check(document({"copying": variant}), "iruma")

    assert_only(result, "copying", "missing")


def test_heading_alone_is_not_evidence(check: Check) -> None:
    variant = "（複写又は複製の禁止）\n第5条　{C}は、個人情報の取扱いについて{K}と協議する。"

    result = check(document({"copying": variant}), "iruma")

    assert_only(result, "copying", "missing")


def test_words_scattered_over_the_document_do_not_combine(check: Check) -> None:
    text = (
        "業務委託契約書\n第1条　乙は、業務を再委託することができる。\n"
        "第2条　乙は、甲に月報を提出する。\n第3条　甲は、あらかじめ日程を通知する。\n"
        "第4条　甲の承諾を得た事項は、記録する。"
    )

    result = check(text, "iruma")

    assert statuses(result)["subcontracting"] == "missing"


# --- evidence ---------------------------------------------------------------------------------


def test_partial_clause_names_the_missing_element(check: Check) -> None:
    variant = "（秘密の保持）\n第2条　{C}は、業務上知り得た個人情報を他に漏らしてはならない。"

    result = check(document({"confidentiality": variant}), "iruma")

    clause = result.clauses[0]
    assert clause.missing_elements == ["purpose_limitation"]
    assert clause.page == 1
    assert "他に漏らしてはならない" in clause.excerpt


def test_missing_clause_has_no_page_or_excerpt(check: Check) -> None:
    result = check(document({"copying": "第5条　乙は、誠実に業務を行う。"}), "iruma")

    clause = result.clauses[2]
    assert (clause.status, clause.page, clause.excerpt, clause.highlight) == (
        "missing",
        None,
        "",
        None,
    )


def test_highlight_points_into_the_excerpt_at_the_matched_words(check: Check) -> None:
    result = check(document(), "iruma")

    for clause in result.clauses:
        assert clause.highlight is not None
        start, end = clause.highlight
        assert 0 <= start < end <= len(clause.excerpt), clause
    copying = result.clauses[2]
    start, end = copying.highlight or (0, 0)
    assert "複製" in copying.excerpt[start:end]


def test_excerpt_shows_the_original_spelling_not_the_canonical_one(check: Check) -> None:
    variant = (
        "（安全対策）\n第6条　{C}は、個人情報の漏洩、滅失及び毀損を防止するため、"
        "安全対策を講じなければならない。"
    )

    result = check(document({"safeguards": variant}), "iruma")

    excerpt = result.clauses[3].excerpt
    assert "漏洩" in excerpt
    assert "毀損" in excerpt


def test_clause_results_come_in_the_fixed_order(check: Check) -> None:
    result = check(document(), "okinawa")

    assert [(c.no, c.key) for c in result.clauses] == [
        (1, "confidentiality"),
        (2, "subcontracting"),
        (3, "copying"),
        (4, "safeguards"),
        (5, "incident"),
        (6, "return_erasure"),
        (7, "termination_liability"),
        (8, "reporting_audit"),
    ]
