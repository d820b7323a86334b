"""STYLE rules that a grep can hold: one commit per request or job, modern queries, typed
relationships, and migrations that never import the application's models."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
COMMIT_ALLOWED = {"views.py", "jobs.py", "cli.py", "standalone.py"}
# The scheduler's job locks live on their own connection, outside the job's transaction; the
# web layer's run()/commit() is the one commit of a request.
COMMIT_EXCEPTIONS = {PORTAL / "chase" / "locks.py", PORTAL / "web" / "actions.py"}


def _sources(root: Path):
    return [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]


def test_only_views_jobs_and_cli_commit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources(PORTAL)
        if p.name not in COMMIT_ALLOWED
        and p not in COMMIT_EXCEPTIONS
        and p != PORTAL / "cli.py"
        and re.search(r"\.commit\(", p.read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_no_legacy_query_api_or_backref():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources(PORTAL)
        if re.search(r"\b[A-Z]\w*\.query\b|\bbackref\(", p.read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_migrations_never_import_portal():
    offenders = [
        p.name
        for p in (ROOT / "migrations" / "versions").glob("*.py")
        if re.search(r"^\s*(from|import) portal\b", p.read_text(encoding="utf-8"), re.M)
    ]

    assert offenders == []


def test_create_app_starts_no_scheduler_and_runs_no_migration():
    source = (PORTAL / "__init__.py").read_text(encoding="utf-8")

    assert "scheduler" not in source
    assert "run_migrations" not in source
    assert "create_all" not in source
