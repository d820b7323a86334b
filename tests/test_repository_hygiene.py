"""The repository stands alone: what a user or a new engineer reads never points to files they
do not have (another checkout's `../shared`, one machine's absolute paths) nor to tickets they
cannot see ("issue 14", "#14", "STYLE §3"); the text says the rule or the reason instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".md", ".py", ".html", ".toml", ".txt", ".css", ".js", ".ini", ".cfg", ""}

# Outside links and machine paths: never anywhere people read.
OUTSIDE = {
    "link to ../shared": re.compile(r"\.\./shared\b"),
    "absolute machine path": re.compile(r"(?<![\w.~-])/(?:work|tmp|root|home)/"),
}
# Ticket references: a reader of the code cannot open a ticket; the comment says the reason.
TICKETS = {
    "issue number": re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE),
    "ticket number": re.compile(r"(?<![\w&#/])#\d+\b(?![\w-])"),
    "STYLE section": re.compile(r"STYLE(?:\.md)?\s*§"),
}


def _files(*roots: str) -> list[Path]:
    found = []
    for root in roots:
        path = REPO / root
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for f in candidates:
            if f.is_file() and "__pycache__" not in f.parts and f.suffix in TEXT_SUFFIXES:
                found.append(f)
    return found


def _hits(files: list[Path], patterns: dict[str, re.Pattern[str]]) -> list[str]:
    hits = []
    for f in files:
        for no, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            for what, pattern in patterns.items():
                if pattern.search(line):
                    hits.append(f"{f.relative_to(REPO)}:{no}: {what}: {line.strip()[:100]}")
    return hits


DOCS = ("README.md", "docs", "contract_templates", "deploy")


def test_readme_docs_templates_and_deploy_cite_no_tickets_outside_links_or_machine_paths():
    files = _files(*DOCS)

    assert len(files) > 20
    assert _hits(files, {**OUTSIDE, **TICKETS}) == []


def test_the_code_points_to_no_outside_checkout_or_machine_path():
    files = _files("portal")

    assert len(files) > 100
    assert _hits(files, OUTSIDE) == []


def test_code_tests_and_benchmarks_cite_reasons_not_tickets():
    files = [
        f
        for f in _files("portal", "tests", "bench", "scripts", "migrations", "Makefile")
        # This file lists the forbidden forms as examples.
        if f.name != Path(__file__).name
    ]

    assert len(files) > 200
    assert _hits(files, TICKETS) == []


@pytest.mark.parametrize(
    "line",
    [
        "see ../shared/DOMAIN.md",
        "logs go to /tmp/portal.log",
        "cd /work/main && make",
        "in /home/alice/portal",
        "as /root/.cache says",
        "fixed in issue 14",
        "(Issue #9)",
        "see #14 for the bug",
        "STYLE §3 says",
        "STYLE.md §7",
    ],
)
def test_each_forbidden_form_is_recognised(line):
    assert _hits_in(line)


@pytest.mark.parametrize(
    "line",
    [
        "# 入間市規程 第37条第3項",
        "/srv/itaku-portal/.venv/bin/portal serve",
        "ReadWritePaths=/srv/itaku-portal/storage",
        "color: #1a73e8;",
        "https://example.jp/docs/#section-2",
        "~/work/notes",
    ],
)
def test_ordinary_text_is_not_flagged(line):
    assert not _hits_in(line)


def _hits_in(line: str) -> bool:
    return any(p.search(line) for p in {**OUTSIDE, **TICKETS}.values())
