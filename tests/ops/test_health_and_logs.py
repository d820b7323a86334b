"""/healthz and /readyz for a load balancer; one JSON log line per request carrying the
request id, user id and role and never a password, a token or a file; X-Forwarded-* believed
for exactly TRUSTED_PROXY_HOPS proxies."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from portal import create_app
from portal.ops.logs import make_handler
from tests.conftest import make_config
from tests.factories import PASSWORD, make_user


@pytest.fixture
def log_lines():
    """The JSON lines the portal's request logger writes during the test."""
    stream = io.StringIO()
    handler = make_handler(stream)
    logger = logging.getLogger("portal.request")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def _lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    _lines.raw = stream  # type: ignore[attr-defined]
    yield _lines
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_healthz_answers_without_a_login_and_without_touching_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_reports_database_storage_and_migrations_ready(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "storage": "ok"},
    }


def test_readyz_is_503_when_the_storage_folder_is_missing(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path / "not-there"))

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["storage"] == "unwritable"
    assert body["checks"]["database"] == "ok"


def test_each_request_logs_one_json_line_with_request_id_user_and_role(db, login_as, log_lines):
    user = make_user("auditor")
    client = login_as(user)

    response = client.get("/notifications")

    (line,) = [entry for entry in log_lines() if entry.get("event") == "request"]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_id"] == user.id
    assert line["role"] == "auditor"
    assert line["route"] == "/notifications"
    assert line["status"] == response.status_code
    assert line["level"] == "INFO"
    assert line["logger"] == "portal.request"
    assert isinstance(line["duration_ms"], float)


def test_a_login_logs_neither_the_password_nor_the_email_nor_the_csrf_token(client, db, log_lines):
    user = make_user("auditor")
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    response = client.post(
        "/login?next=%2F&token=secret-link-token",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 302
    raw = log_lines.raw.getvalue()
    assert [e["route"] for e in log_lines()] == ["/login", "/login"]
    for secret in (PASSWORD, user.email, token, "secret-link-token"):
        assert secret not in raw


def test_only_numeric_ids_of_the_url_are_logged(client, log_lines):
    client.get("/exchange/12345")

    (line,) = log_lines()
    assert "12345" not in json.dumps(line["route"])
    assert line["ids"] in ({}, {"contract_id": 12345}, {"doc_id": 12345}) or all(
        isinstance(v, int) for v in line["ids"].values()
    )


def test_extra_fields_that_look_secret_are_redacted(log_lines):
    logging.getLogger("portal.request").info(
        "probe", extra={"password": "hunter2", "api_token": "t0k3n", "contract_id": 7}
    )

    (line,) = log_lines()
    assert line["password"] == "[redacted]"
    assert line["api_token"] == "[redacted]"
    assert line["contract_id"] == 7
    assert "hunter2" not in log_lines.raw.getvalue()


def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(client, log_lines):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-0123456789abcdef"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})

    assert kept.headers["X-Request-ID"] == "lb-0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    assert [e["request_id"] for e in log_lines()] == [
        "lb-0123456789abcdef",
        replaced.headers["X-Request-ID"],
    ]


FORWARDED = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("hops", "remote_addr"), [(0, "127.0.0.1"), (1, "198.51.100.7"), (2, "203.0.113.5")]
)
def test_forwarded_headers_are_believed_for_exactly_the_configured_hops(
    database_url, tmp_path, log_lines, hops, remote_addr
):
    app = create_app(make_config(database_url, tmp_path, proxy_hops=hops))

    app.test_client().get("/healthz", headers=FORWARDED)

    (line,) = log_lines()
    assert line["remote_addr"] == remote_addr
