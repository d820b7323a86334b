"""Reportability to the 個人情報保護委員会, criterion by criterion (広島市要綱 別表
「国の個人情報保護委員会に報告が必要な事例」 (1)–(4), ※「おそれ」を含む, ※2 the 11 kinds;
個人情報保護法施行規則 第43条 incl. 第5号 条例要配慮個人情報)."""

from __future__ import annotations

import itertools

import pytest

from portal.incident.assessment import (
    PEOPLE_THRESHOLD,
    SENSITIVE_KINDS,
    Facts,
    Ground,
    People,
    assess,
)

NONE = Facts(people=People.exact(3))

# (case, facts, reportable, grounds) — each row cites the 別表 item it encodes.
CASES = [
    ("nothing of the criteria: not reportable", NONE, False, ()),
    # 別表(1) 要配慮個人情報(※2) が含まれる
    (
        "別表(1): one 病歴 record",
        Facts(sensitive=("病歴",), people=People.exact(1)),
        True,
        ("sensitive",),
    ),
    (
        "別表(1): 健康診断等の結果 and 病歴 count as one ground",
        Facts(sensitive=("健康診断等の結果", "病歴"), people=People.exact(2)),
        True,
        ("sensitive",),
    ),
    # 規則 第43条第5号: 条例要配慮個人情報 counts as well (地方公共団体の機関)
    (
        "第43条第5号: 条例要配慮個人情報 alone",
        Facts(ordinance_sensitive=True, people=People.exact(1)),
        True,
        ("ordinance_sensitive",),
    ),
    # 別表(2) 財産的被害が生じるおそれ
    (
        "別表(2): bank account numbers that may be misused",
        Facts(financial_damage_risk=True, people=People.exact(5)),
        True,
        ("financial_damage",),
    ),
    # 別表(3) 不正の目的をもって行われたおそれ
    (
        "別表(3): ransomware is a suspected unlawful purpose",
        Facts(unlawful_purpose_risk=True, people=People.exact(5)),
        True,
        ("unlawful_purpose",),
    ),
    # 別表(4) 本人の数が100人を超える — 100 for public bodies, not the private sector's 1,000
    (
        "別表(4): exactly 100 people is not more than 100",
        Facts(people=People.exact(100)),
        False,
        (),
    ),
    ("別表(4): 101 people", Facts(people=People.exact(101)), True, ("over_100",)),
    (
        "別表(4): 999 people already counts for a public body",
        Facts(people=People.exact(999)),
        True,
        ("over_100",),
    ),
    # 別表 ※「おそれ」を含む: an estimate whose upper bound passes 100
    ("別表 ※: an estimate of 80–150 people", Facts(people=People(80, 150)), True, ("over_100",)),
    ("別表 ※: an estimate of 20–100 people", Facts(people=People(20, 100)), False, ()),
    # Every ground at once, in the fixed order
    (
        "all criteria: grounds in the fixed order",
        Facts(
            sensitive=("犯罪の経歴",),
            ordinance_sensitive=True,
            people=People(50, 5000),
            financial_damage_risk=True,
            unlawful_purpose_risk=True,
        ),
        True,
        ("sensitive", "ordinance_sensitive", "financial_damage", "unlawful_purpose", "over_100"),
    ),
    # 規則 第43条柱書: 高度な暗号化 with the key safe is outside every criterion
    (
        "strong encryption with the key safe: not reportable despite 病歴 and 5,000 people",
        Facts(sensitive=("病歴",), people=People.exact(5000), encrypted_key_safe=True),
        False,
        (),
    ),
]


@pytest.mark.parametrize(
    ("case", "facts", "reportable", "grounds"), CASES, ids=[c[0] for c in CASES]
)
def test_reportability_follows_hiroshima_beppyo(case, facts, reportable, grounds):
    result = assess(facts)

    assert result.reportable is reportable
    assert [g.value for g in result.grounds] == list(grounds)
    # 法第68条第2項: the people are told exactly when the PPC is.
    assert result.notify_individuals is reportable


FLAGS = ("sensitive", "ordinance_sensitive", "financial_damage", "unlawful_purpose", "over_100")


def _facts(on: dict[str, bool], encrypted: bool) -> Facts:
    return Facts(
        sensitive=("信条",) if on["sensitive"] else (),
        ordinance_sensitive=on["ordinance_sensitive"],
        financial_damage_risk=on["financial_damage"],
        unlawful_purpose_risk=on["unlawful_purpose"],
        people=People(10, PEOPLE_THRESHOLD + 1) if on["over_100"] else People(10, PEOPLE_THRESHOLD),
        encrypted_key_safe=encrypted,
    )


@pytest.mark.parametrize("bits", list(itertools.product([False, True], repeat=len(FLAGS))))
def test_every_combination_of_criteria_is_reportable_when_any_applies_unless_encrypted(bits):
    on = dict(zip(FLAGS, bits, strict=True))
    expected = [name for name in FLAGS if on[name]]

    plain = assess(_facts(on, encrypted=False))
    encrypted = assess(_facts(on, encrypted=True))

    assert plain.reportable is bool(expected)
    assert [g.value for g in plain.grounds] == expected
    assert encrypted.reportable is False
    assert encrypted.grounds == ()
    assert encrypted.excluded_by_encryption is bool(expected)


def test_the_eleven_kinds_are_named_exactly_as_in_beppyo_note_2():
    assert len(SENSITIVE_KINDS) == 11
    assert SENSITIVE_KINDS[6] == "身体障害、知的障害、精神障害等があること"
    assert SENSITIVE_KINDS[8] == "医師等による保健指導又は診療若しくは調剤に関する情報"
    assert [g.value for g in Ground] == list(FLAGS)


@pytest.mark.parametrize("kind", SENSITIVE_KINDS)
def test_each_of_the_eleven_kinds_alone_makes_the_case_reportable(kind):
    assert assess(Facts(sensitive=(kind,), people=People.exact(1))).grounds == (Ground.SENSITIVE,)


def test_a_kind_not_in_the_list_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        Facts(sensitive=("住所",))


def test_a_range_whose_upper_bound_is_below_its_lower_bound_is_refused():
    with pytest.raises(ValueError, match="min <= max"):
        People(10, 5)
