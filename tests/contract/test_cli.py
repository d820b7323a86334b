"""`portal contracts check FILE --json` through the real `portal` entry point, with no
database, no SECRET_KEY and no PORTAL_ENV."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract import documents

PORTAL = str(Path(sys.executable).parent / "portal")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "PORTAL_ENV", "PORTAL_PROFILE"}
    }
    return subprocess.run(
        [PORTAL, "contracts", "check", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "特記事項.pdf"
    good.write_bytes(documents.good_pdf())
    lacking = tmp_path / "lacking.txt"
    lacking.write_bytes(documents.text_file(without=("incident",)))
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(documents.encrypted_pdf())
    return {"good": good, "lacking": lacking, "locked": locked}


def test_a_complete_pdf_prints_eight_present_clauses_and_exits_0(files, tmp_path):
    result = _run(str(files["good"]), "--json", cwd=tmp_path)

    payload = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert (payload["profile"], payload["ok"], payload["pages"]) == ("iruma", True, 1)
    assert [c["no"] for c in payload["clauses"]] == list(range(1, 9))
    assert {c["status"] for c in payload["clauses"]} == {"present"}


def test_a_missing_clause_exits_1(files, tmp_path):
    result = _run(str(files["lacking"]), "--json", cwd=tmp_path)

    payload = json.loads(result.stdout)
    incident = next(c for c in payload["clauses"] if c["key"] == "incident")
    assert result.returncode == 1
    assert payload["ok"] is False
    assert incident["status"] == "missing"


def test_an_encrypted_pdf_exits_2_with_the_error_code(files, tmp_path):
    result = _run(str(files["locked"]), "--json", cwd=tmp_path)

    payload = json.loads(result.stdout)
    assert result.returncode == 2
    assert payload["error"]["code"] == "encrypted"
    assert "暗号化" in payload["error"]["message"]


def test_without_json_a_japanese_table_is_printed(files, tmp_path):
    result = _run(str(files["good"]), cwd=tmp_path)

    assert result.returncode == 0
    assert "8項目すべて記載あり" in result.stdout
