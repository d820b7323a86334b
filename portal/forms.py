"""Shared form pieces: NFKC normalisation of Japanese input (STYLE §9)."""

from __future__ import annotations

import unicodedata
from typing import Any


def nfkc(value: Any) -> Any:
    """Full-width digits/letters and half-width kana → canonical forms; trims spaces."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


NFKC = [nfkc]
