"""Fixtures of the OCR tests: scanned pages made from the labelled 特記事項 texts."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from portal.clausecheck import ClauseSet, default_templates_dir, load_clause_set
from portal.ocr import available

LABELLED = Path(__file__).parents[1] / "clausecheck" / "labelled" / "a"


def labelled_text(name: str) -> str:
    data = tomllib.loads((LABELLED / f"{name}.toml").read_text(encoding="utf-8"))
    return "\n".join(p["text"] for p in data["provisions"])


@pytest.fixture(scope="session")
def tokki_text() -> str:
    return labelled_text("a01_kouotsu_tokki")


@pytest.fixture(scope="session")
def iruma() -> ClauseSet:
    return load_clause_set("iruma", default_templates_dir())


@pytest.fixture(autouse=True, scope="session")
def _ocr_installed() -> None:
    # The Makefile installs tesseract-ocr, -jpn, -jpn-vert and poppler-utils for serving and
    # testing; without them these tests would prove nothing, so they fail instead of skipping.
    assert available(), "tesseract-ocr with the jpn model and poppler-utils must be installed"
