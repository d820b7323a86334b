"""`portal incidents assess FILE.json --json`: the command contract, without an app or database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.incident.standalone import incidents_group

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = {
    "discovered_on": "2026-12-05",
    "categories": ["氏名", "住所", "生年月日"],
    "sensitive": ["病歴", "健康診断等の結果"],
    "ordinance_sensitive": False,
    "people": {"min": 120, "max": 180},
    "financial_damage_risk": False,
    "unlawful_purpose_risk": False,
    "encrypted_key_safe": False,
}


def _run(tmp_path: Path, data: object, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(incidents_group, ["assess", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_example_of_the_command_contract_reproduces_exactly(tmp_path):
    code, out, _ = _run(tmp_path, EXAMPLE, "--json")

    assert code == 0
    assert out.strip() == (
        '{"reportable": true, "grounds": ["sensitive", "over_100"], "sokuho_due": "2026-12-09", '
        '"kakuho_due": "2027-01-04", "notify_individuals": true}'
    )


def test_an_unlawful_purpose_gives_sixty_days_and_lists_grounds_in_order(tmp_path):
    data = {**EXAMPLE, "unlawful_purpose_risk": True, "financial_damage_risk": True}
    data["ordinance_sensitive"] = True

    code, out, _ = _run(tmp_path, data, "--json")

    payload = json.loads(out)
    assert code == 0
    assert payload["grounds"] == [
        "sensitive",
        "ordinance_sensitive",
        "financial_damage",
        "unlawful_purpose",
        "over_100",
    ]
    assert payload["kakuho_due"] == "2027-02-02"


def test_strong_encryption_with_a_safe_key_is_not_reportable_but_keeps_the_clock(tmp_path):
    code, out, _ = _run(tmp_path, {**EXAMPLE, "encrypted_key_safe": True}, "--json")

    assert code == 0
    assert json.loads(out) == {
        "reportable": False,
        "grounds": [],
        "sokuho_due": "2026-12-09",
        "kakuho_due": "2027-01-04",
        "notify_individuals": False,
    }


def test_an_exact_number_of_people_is_a_plain_integer(tmp_path):
    data = {"discovered_on": "2026-06-01", "people": 101}

    code, out, _ = _run(tmp_path, data, "--json")

    assert code == 0
    assert json.loads(out)["grounds"] == ["over_100"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**EXAMPLE, "sensitive": ["住所"]}, "要配慮個人情報の項目ではない"),
        ({**EXAMPLE, "discovered_on": "2026/12/05"}, "YYYY-MM-DD"),
        ({**EXAMPLE, "discovered_on": "2026-02-30"}, "存在しません"),
        ({**EXAMPLE, "people": -1}, "0以上の整数"),
        ({**EXAMPLE, "people": {"min": 10, "max": 5}}, "上限（max）が下限（min）より小さく"),
        ({**EXAMPLE, "people": "100"}, "0以上の整数"),
        ({**EXAMPLE, "unlawful_purpose_risk": "yes"}, "true または false"),
        ({**EXAMPLE, "sensitve": ["病歴"]}, "不明な項目"),
        ({k: v for k, v in EXAMPLE.items() if k != "people"}, "必須の項目がありません: people"),
        ([EXAMPLE], "JSON オブジェクト"),
    ],
)
def test_an_invalid_description_exits_2_with_a_japanese_message(tmp_path, data, message):
    code, out, err = _run(tmp_path, data, "--json")

    assert code == 2
    assert message in json.loads(out)["error"]
    assert message in err


def test_a_file_that_is_not_json_exits_2(tmp_path):
    path = tmp_path / "incident.json"
    path.write_bytes(b"\xff\xfe not json")

    result = CliRunner().invoke(incidents_group, ["assess", str(path)])

    assert result.exit_code == 2
    assert "UTF-8" in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(incidents_group, ["assess", str(tmp_path / "nope.json")])

    assert result.exit_code == 2
    assert "読み込めません" in result.stderr


def test_the_text_output_explains_why_the_kakuho_date_moved(tmp_path):
    code, out, _ = _run(tmp_path, EXAMPLE)

    assert code == 0
    assert "確報の期限: 2027-01-04（30日目が日曜日のため翌開庁日）" in out


def test_the_portal_command_runs_without_secret_key_or_database(tmp_path):
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SECRET"))}
    # A database that does not exist: the command must never try to reach it.
    env["PORTAL_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    env["LANG"] = "C"

    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from portal.cli import main; main()",
            "incidents",
            "assess",
            str(path),
            "--json",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr.decode()
    assert json.loads(completed.stdout.decode("utf-8"))["kakuho_due"] == "2027-01-04"
