"""Fixtures of the clause-check tests: clause sets, corpus texts, checking helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from portal.clausecheck import (
    CheckResult,
    ClauseSet,
    ExtractedDocument,
    check_documents,
    default_templates_dir,
    load_clause_set,
)

CORPUS = Path(__file__).parent / "corpus"
PROFILES = ("iruma", "hiroshima", "okinawa", "ryugasaki")


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    return default_templates_dir()


@pytest.fixture(scope="session")
def clause_sets(templates_dir: Path) -> dict[str, ClauseSet]:
    return {name: load_clause_set(name, templates_dir) for name in PROFILES}


def corpus_text(name: str) -> str:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


def check_text(text: str, clause_set: ClauseSet, name: str = "契約書.txt") -> CheckResult:
    return check_documents([ExtractedDocument.from_text(name, text)], clause_set)


def statuses(result: CheckResult) -> dict[str, str]:
    return {c.key: c.status for c in result.clauses}


@pytest.fixture
def check(clause_sets: dict[str, ClauseSet]) -> Callable[[str, str], CheckResult]:
    def _check(text: str, profile: str = "iruma") -> CheckResult:
        return check_text(text, clause_sets[profile])

    return _check
