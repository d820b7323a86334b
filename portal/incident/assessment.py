"""Whether a leak must be reported to the 個人情報保護委員会 (PPC), decided from the facts alone.

The criteria are those of 広島市要綱 別表 「国の個人情報保護委員会に報告が必要な事例」, which
restates 個人情報保護法 第68条第1項 and 施行規則 第43条 for 行政機関等:

- (1) 要配慮個人情報 (the 11 kinds of 別表 ※2) — 規則 第43条第1号
- (2) 不正に利用されることにより財産的被害が生じるおそれ — 第2号
- (3) 不正の目的をもって行われたおそれ — 第3号
- (4) 本人の数が100人を超える — 第4号 (100 for public bodies; 1,000 is the private sector's)
- 条例要配慮個人情報 of the city's ordinance — 第5号 (地方公共団体の機関)

別表 ※: 「いずれも『おそれ』の場合を含む」 — so a person who only suspects a criterion ticks it,
and an estimated number of people counts by its upper bound. Data under strong encryption whose
key did not leak (高度な暗号化その他の個人の権利利益を保護するために必要な措置, 規則 第43条柱書) is
outside every criterion. A reportable case also needs the people told (法第68条第2項).

Pure: no Flask, no database. The CLI (`portal incidents assess`), the web form and the
scheduler all call `assess`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# 広島市要綱 別表 ※2 要配慮個人情報（11項目）, named exactly as written there.
SENSITIVE_KINDS: tuple[str, ...] = (
    "人種",
    "信条",
    "社会的身分",
    "病歴",
    "犯罪の経歴",
    "犯罪の被害に遭った事実",
    "身体障害、知的障害、精神障害等があること",
    "健康診断等の結果",
    "医師等による保健指導又は診療若しくは調剤に関する情報",
    "逮捕、差押え等の刑事事件に関する手続が行われた事実",
    "少年の保護事件に関する手続が行われた事実",
)

# 施行規則 第43条第4号: 行政機関等 report when MORE than 100 people are concerned.
PEOPLE_THRESHOLD = 100


class Ground(enum.StrEnum):
    """One reason a case is reportable; the order of the members is the order of `grounds`."""

    SENSITIVE = "sensitive"
    ORDINANCE_SENSITIVE = "ordinance_sensitive"
    FINANCIAL_DAMAGE = "financial_damage"
    UNLAWFUL_PURPOSE = "unlawful_purpose"
    OVER_100 = "over_100"


GROUND_LABELS = {
    Ground.SENSITIVE: "要配慮個人情報が含まれる（おそれを含む）",
    Ground.ORDINANCE_SENSITIVE: "条例要配慮個人情報が含まれる（おそれを含む）",
    Ground.FINANCIAL_DAMAGE: "不正に利用されることにより財産的被害が生じるおそれがある",
    Ground.UNLAWFUL_PURPOSE: "不正の目的をもって行われたおそれがある",
    Ground.OVER_100: f"本人の数が{PEOPLE_THRESHOLD}人を超える（おそれを含む）",
}

# Where each ground is written (広島市要綱 別表 numbering; 施行規則 第43条 item).
GROUND_SOURCES = {
    Ground.SENSITIVE: "別表(1)・規則第43条第1号",
    Ground.ORDINANCE_SENSITIVE: "規則第43条第5号",
    Ground.FINANCIAL_DAMAGE: "別表(2)・規則第43条第2号",
    Ground.UNLAWFUL_PURPOSE: "別表(3)・規則第43条第3号",
    Ground.OVER_100: "別表(4)・規則第43条第4号",
}


@dataclass(frozen=True)
class People:
    """How many people are concerned: exact (min == max) or an estimated range."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if self.min < 0 or self.max < self.min:
            raise ValueError("people range must satisfy 0 <= min <= max")

    @classmethod
    def exact(cls, n: int) -> People:
        return cls(n, n)

    @property
    def is_exact(self) -> bool:
        return self.min == self.max

    @property
    def label(self) -> str:
        return f"{self.min:,}人" if self.is_exact else f"{self.min:,}～{self.max:,}人（推計）"


@dataclass(frozen=True)
class Facts:
    """What is known about a leak, as far as reportability is concerned."""

    sensitive: tuple[str, ...] = ()
    ordinance_sensitive: bool = False
    people: People = People(0, 0)
    financial_damage_risk: bool = False
    unlawful_purpose_risk: bool = False
    encrypted_key_safe: bool = False

    def __post_init__(self) -> None:
        unknown = [k for k in self.sensitive if k not in SENSITIVE_KINDS]
        if unknown:
            raise ValueError(f"unknown 要配慮個人情報 kinds: {unknown}")


@dataclass(frozen=True)
class Assessment:
    reportable: bool
    grounds: tuple[Ground, ...]
    notify_individuals: bool
    # True when grounds would apply but the data was strongly encrypted and the key is safe.
    excluded_by_encryption: bool

    @property
    def ground_labels(self) -> list[str]:
        return [GROUND_LABELS[g] for g in self.grounds]


def matching_grounds(facts: Facts) -> tuple[Ground, ...]:
    """The criteria the facts meet, ignoring encryption, in `Ground` order."""
    met = {
        Ground.SENSITIVE: bool(facts.sensitive),
        Ground.ORDINANCE_SENSITIVE: facts.ordinance_sensitive,
        Ground.FINANCIAL_DAMAGE: facts.financial_damage_risk,
        Ground.UNLAWFUL_PURPOSE: facts.unlawful_purpose_risk,
        # 別表 ※「おそれ」を含む: an estimate whose upper bound exceeds 100 counts.
        Ground.OVER_100: facts.people.max > PEOPLE_THRESHOLD,
    }
    return tuple(g for g in Ground if met[g])


def assess(facts: Facts) -> Assessment:
    """Reportable to the PPC, on which grounds, and whether the people must be told."""
    grounds = matching_grounds(facts)
    if facts.encrypted_key_safe:
        return Assessment(False, (), False, excluded_by_encryption=bool(grounds))
    reportable = bool(grounds)
    # 法第68条第2項: the people concerned are told whenever the PPC must be.
    return Assessment(reportable, grounds, reportable, excluded_by_encryption=False)


def kakuho_is_extended(grounds: tuple[Ground, ...] | list[Ground]) -> bool:
    """施行規則 第44条: the 確報 is due in 60 days instead of 30 for an unlawful purpose."""
    return Ground.UNLAWFUL_PURPOSE in grounds
