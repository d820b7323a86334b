"""法人番号 validation (法人番号の指定等に関する省令 第2条: check digit)."""

from __future__ import annotations

import unicodedata


def normalize_corporate_number(raw: str) -> str:
    """NFKC, drop spaces and hyphens: '１２３４-…' → '1234…'."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if ch not in " -‐−ー　")


def is_valid_corporate_number(number: str) -> bool:
    """13 digits; the first is the check digit: 9 - (Σ Pn×Qn mod 9), Qn = 1 if n odd else 2,
    n counted from the last digit of the 12-digit base number."""
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        return False
    base = number[1:]
    total = 0
    for n, ch in enumerate(reversed(base), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return int(number[0]) == 9 - (total % 9)


def with_check_digit(base12: str) -> str:
    """Demo data and tests: complete a 12-digit base with its check digit."""
    total = sum(int(ch) * (1 if n % 2 else 2) for n, ch in enumerate(reversed(base12), start=1))
    return f"{9 - (total % 9)}{base12}"
