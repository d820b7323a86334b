"""`portal serve` as production runs it: gunicorn, settings from the environment, JSON logs
on stderr, one trusted proxy hop, and a configuration that may not start refused with one
line per problem before anything listens."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.ops.conftest import PORTAL

KEY = "serve-test-key-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def production_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A production environment on a fresh PostgreSQL database, migrated to head."""
    name = f"portal_serve_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    (tmp_path / "storage").mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PORTAL_ENV": "production",
        "SECRET_KEY": KEY,
        "DATABASE_URL": f"{base}/{name}",
        "STORAGE_DIR": str(tmp_path / "storage"),
        "MAIL_ENABLED": "false",
        "PORTAL_WORKERS": "1",
        "TRUSTED_PROXY_HOPS": "1",
    }
    subprocess.run([PORTAL, "db", "upgrade"], env=env, check=True, capture_output=True)
    yield env
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - loopback
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            _get(f"{url}/healthz")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"portal serve did not answer: {log.read_text()}")


def test_portal_serve_runs_gunicorn_with_json_logs_behind_one_proxy(production_env, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = dict(production_env, PORTAL_BIND=f"127.0.0.1:{port}")
    with log.open("wb") as out:
        proc = subprocess.Popen([PORTAL, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, proc, log)
        ready_status, _h, ready_body = _get(f"{url}/readyz")
        status, headers, body = _get(
            f"{url}/login?token=do-not-log-me",
            {"X-Forwarded-For": "203.0.113.5, 198.51.100.7", "X-Forwarded-Proto": "https"},
        )
        subprocess.run(
            [PORTAL, "db", "downgrade", "--", "-1"], env=env, check=True, capture_output=True
        )
        behind_status, _h, behind_body = _get(f"{url}/readyz")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    assert ready_status == 200, ready_body
    assert status == 200
    assert "ログイン" in body.decode()
    assert behind_status == 503
    assert json.loads(behind_body)["checks"]["migrations"] == "behind"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(e["logger"] == "gunicorn.error" for e in lines), "gunicorn logs JSON too"
    (login,) = [e for e in lines if e.get("route") == "/login"]
    assert login["request_id"] == headers["X-Request-ID"]
    assert login["remote_addr"] == "198.51.100.7"
    assert login["status"] == 200
    assert "do-not-log-me" not in log.read_text()
    assert any(e["message"].startswith("not ready: migrations: database at") for e in lines)


def test_portal_serve_refuses_a_production_configuration_with_one_line_per_problem(tmp_path):
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PORTAL_ENV": "production",
        "SECRET_KEY": "short",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        "STORAGE_DIR": str(tmp_path / "no-such-folder"),
        "PORTAL_BIND": f"127.0.0.1:{port}",
    }

    result = subprocess.run(
        [PORTAL, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(" ", 2)[1] for line in lines] == [
        "SECRET_KEY",
        "DATABASE_URL",
        "STORAGE_DIR",
    ]
    assert all(line.startswith("configuration: ") for line in lines)
    assert not (tmp_path / "portal.db").exists()
    assert os.listdir(tmp_path) == []
