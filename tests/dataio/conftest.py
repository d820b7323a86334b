from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.extensions import db as _db


@dataclass
class CliResult:
    exit_code: int
    payload: dict[str, Any]
    stderr: str

    @property
    def refused_rows(self) -> set[int]:
        return {r["row"] for r in self.payload.get("refused", [])}

    def messages(self, row: int) -> list[str]:
        return [
            f"{r['column']}: {r['message']}" for r in self.payload["refused"] if r["row"] == row
        ]


@pytest.fixture
def run_import(app, db, tmp_path):
    """`portal import KIND FILE ... --json` through Flask's CLI runner, in the test's DB."""
    runner = app.test_cli_runner()

    def _run(kind: str, data: bytes | Path, *flags: str, name: str = "book.xlsx") -> CliResult:
        path = data if isinstance(data, Path) else tmp_path / name
        if not isinstance(data, Path):
            path.write_bytes(data)
        result = runner.invoke(args=["import", kind, str(path), *flags, "--json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        return CliResult(result.exit_code, json.loads(lines[-1]), result.stderr)

    return _run


@pytest.fixture
def inline_jobs(app):
    """Run the import steps at once in the request (the thread runner in production)."""
    from portal.dataio.runner import InlineRunner

    previous = app.extensions.get("dataio_runner")
    app.extensions["dataio_runner"] = InlineRunner()
    yield
    if previous is None:
        app.extensions.pop("dataio_runner", None)
    else:
        app.extensions["dataio_runner"] = previous


@pytest.fixture
def audit_count(db):
    def _count(action: str) -> int:
        return _db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )

    return _count
