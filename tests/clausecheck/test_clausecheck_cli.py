"""`portal contracts check FILE [--profile NAME] --json`: the command contract to the letter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from portal.clausecheck.cli import check_command
from tests.clausecheck.builders import PNG_BYTES, text_to_pdf
from tests.clausecheck.conftest import CORPUS, corpus_text

REPO = Path(__file__).resolve().parents[2]
KEYS = ["confidentiality", "subcontracting", "copying", "safeguards", "incident",
        "return_erasure", "termination_liability", "reporting_audit"]  # fmt: skip


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("PORTAL_PROFILE", raising=False)
    monkeypatch.delenv("PORTAL_TEMPLATES_DIR", raising=False)
    return CliRunner()


@pytest.fixture
def complete_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "complete.pdf"
    path.write_bytes(text_to_pdf(corpus_text("minkan_hatchu_juchu"), lines_per_page=30))
    return path


def _json(output: str) -> Any:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    payload = json.loads(lines[0])
    assert isinstance(payload, dict)
    return payload


def test_complete_contract_prints_the_json_object_and_exits_0(
    runner: CliRunner, complete_pdf: Path
) -> None:
    result = runner.invoke(check_command, [str(complete_pdf), "--json"])

    assert result.exit_code == 0, result.output
    payload = _json(result.output)
    assert list(payload) == ["file", "profile", "ok", "pages", "clauses", "ocr", "ocr_pages"]
    assert payload["file"] == str(complete_pdf)
    assert payload["profile"] == "iruma"
    assert payload["ok"] is True
    assert isinstance(payload["pages"], int)
    assert payload["pages"] >= 2
    clauses = payload["clauses"]
    assert isinstance(clauses, list)
    assert [c["no"] for c in clauses] == list(range(1, 9))
    assert [c["key"] for c in clauses] == KEYS
    for clause in clauses:
        assert list(clause) == [
            "no", "key", "status", "page", "excerpt", "confidence", "needs_review"
        ]  # fmt: skip
        assert clause["status"] == "present"
        assert isinstance(clause["confidence"], float)
        assert 0.5 <= clause["confidence"] <= 1.0
        assert isinstance(clause["needs_review"], bool)
        assert isinstance(clause["page"], int)
        assert clause["page"] >= 1
        assert isinstance(clause["excerpt"], str)
        assert clause["excerpt"]


def test_partial_or_missing_clause_exits_1_with_null_page_when_missing(runner: CliRunner) -> None:
    path = CORPUS / "weakened.txt"

    result = runner.invoke(check_command, [str(path), "--json"])

    assert result.exit_code == 1
    payload = _json(result.output)
    assert payload["ok"] is False
    statuses = {c["key"]: (c["status"], c["page"]) for c in payload["clauses"]}
    assert statuses["copying"] == ("missing", None)
    assert statuses["confidentiality"] == ("partial", 1)


def test_unreadable_file_exits_2_with_the_error_object(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(PNG_BYTES)

    result = runner.invoke(check_command, [str(path), "--json"])

    assert result.exit_code == 2
    payload = _json(result.output)
    assert list(payload) == ["file", "error"]
    assert payload["file"] == str(path)
    error = payload["error"]
    assert isinstance(error, dict)
    assert list(error) == ["code", "message"]
    assert error["code"] == "unsupported_type"
    assert "PNG画像" in error["message"]


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "empty"), (b"%PDF-1.7\n1 0 obj", "malformed")],
)
def test_each_read_error_has_its_code(
    runner: CliRunner, tmp_path: Path, content: bytes, code: str
) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)

    result = runner.invoke(check_command, [str(path), "--json"])

    assert result.exit_code == 2
    assert _json(result.output)["error"]["code"] == code


def test_json_is_utf8_without_escapes(runner: CliRunner) -> None:
    result = runner.invoke(check_command, [str(CORPUS / "weakened.txt"), "--json"])

    assert "\\u" not in result.output
    assert "乙は" in result.output


def test_profile_option_selects_the_clause_set(runner: CliRunner) -> None:
    path = CORPUS / "complete_no_subsidiary.txt"

    iruma = _json(runner.invoke(check_command, [str(path), "--json"]).output)
    ryugasaki_run = runner.invoke(check_command, [str(path), "--profile", "ryugasaki", "--json"])

    ryugasaki = _json(ryugasaki_run.output)
    assert ryugasaki["profile"] == "ryugasaki"
    assert iruma["clauses"][7]["status"] == "partial"
    assert ryugasaki["clauses"][7]["status"] == "present"
    assert ryugasaki["clauses"][1]["status"] == "partial"


def test_profile_comes_from_the_environment_when_not_given(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_PROFILE", "hiroshima")

    result = runner.invoke(check_command, [str(CORPUS / "weakened.txt"), "--json"])

    assert _json(result.output)["profile"] == "hiroshima"


def test_policy_profile_without_its_own_clause_set_uses_the_configured_one(
    runner: CliRunner,
) -> None:
    result = runner.invoke(
        check_command, [str(CORPUS / "old_standard_tokki.txt"), "--profile", "yokkaichi", "--json"]
    )

    payload = _json(result.output)
    assert payload["profile"] == "yokkaichi"
    assert [c["status"] for c in payload["clauses"]][:2] == ["present", "present"]


def test_templates_directory_comes_from_the_environment(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTAL_TEMPLATES_DIR", str(tmp_path))

    result = runner.invoke(check_command, [str(CORPUS / "weakened.txt"), "--json"])

    assert result.exit_code == 2
    assert "--profile" in result.output


def test_unknown_profile_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(check_command, [str(CORPUS / "weakened.txt"), "--profile", "nowhere"])

    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_file_that_does_not_exist_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(check_command, [str(tmp_path / "nothing.pdf"), "--json"])

    assert result.exit_code == 2


def test_without_json_a_japanese_table_is_printed(runner: CliRunner) -> None:
    result = runner.invoke(check_command, [str(CORPUS / "weakened.txt")])

    assert result.exit_code == 1
    assert "判定" in result.output
    assert "△ 一部" in result.output
    assert "× なし" in result.output
    assert "不足: 複写・複製の制限" in result.output
    assert "記載あり 0/8" in result.output


def test_without_json_a_read_error_is_explained_on_stderr(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")

    result = runner.invoke(check_command, [str(path)])

    assert result.exit_code == 2
    assert "ファイルが空です" in result.stderr


def test_command_runs_as_a_real_subprocess_without_an_app_or_database(complete_pdf: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["LANG"] = "C"
    env["PYTHONIOENCODING"] = "ascii"

    completed = subprocess.run(
        [sys.executable, "-m", "portal.clausecheck.cli", str(complete_pdf), "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr.decode()
    payload = json.loads(completed.stdout.decode("utf-8"))
    assert payload["ok"] is True
    assert payload["clauses"][0]["excerpt"].startswith("第12条")


def test_subprocess_exit_code_is_2_for_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "picture.pdf"
    path.write_bytes(PNG_BYTES)

    completed = subprocess.run(
        [sys.executable, "-m", "portal.clausecheck.cli", str(path), "--json"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "unsupported_type"
