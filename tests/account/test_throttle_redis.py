"""Login throttling against the real Redis every dev and CI machine runs at 127.0.0.1:6379:
the counts are shared by every worker, so a second app sees the first one's failures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from portal.account.throttle import LoginThrottle, init_app
from tests.account.test_login import _login
from tests.factories import PASSWORD, make_user

REDIS_URL = "redis://127.0.0.1:6379/0"


def _throttle_on_redis(prefix: str) -> LoginThrottle:
    app = Flask(f"worker-{uuid.uuid4().hex[:6]}")
    init_app(app, storage_uri=REDIS_URL, prefix=prefix, threshold=5)
    throttle: LoginThrottle = app.extensions["login_throttle"]
    return throttle


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    r = redis.Redis.from_url(REDIS_URL)
    keys = list(r.scan_iter(f"*{prefix}*"))
    if keys:
        r.delete(*keys)
    assert not list(r.scan_iter(f"*{prefix}*"))


def test_failures_counted_by_one_worker_make_another_wait(
    app, client, db, redis_prefix, monkeypatch
):
    worker_a = _throttle_on_redis(redis_prefix)
    worker_b = _throttle_on_redis(redis_prefix)
    monkeypatch.setitem(app.extensions, "login_throttle", worker_a)
    user = make_user("auditor")

    for _ in range(5):
        assert _login(client, user.email, "Wrong-Pass-2026!").status_code == 200
    monkeypatch.setitem(app.extensions, "login_throttle", worker_b)
    response = _login(client, user.email, PASSWORD)

    assert response.status_code == 429
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*"))
    assert keys
    assert all(user.email.encode() not in k for k in keys)


def test_an_admin_reset_clears_the_count_in_redis(app, client, db, redis_prefix, monkeypatch):
    from portal.account import services

    throttle = _throttle_on_redis(redis_prefix)
    monkeypatch.setitem(app.extensions, "login_throttle", throttle)
    user = make_user("auditor")
    for _ in range(5):
        _login(client, user.email, "Wrong-Pass-2026!")
    assert throttle.wait(user.email, "127.0.0.1") is not None

    with app.test_request_context():
        temporary = services.reset_password(actor=make_user("admin"), user=user)

    assert _login(client, user.email, temporary).status_code == 302


def test_an_unreachable_redis_still_throttles_in_memory(app, client, db, monkeypatch):
    app2 = Flask("no-redis")
    init_app(app2, storage_uri="redis://127.0.0.1:1/0", prefix="unreachable", threshold=5)
    monkeypatch.setitem(app.extensions, "login_throttle", app2.extensions["login_throttle"])
    user = make_user("auditor")

    for _ in range(5):
        assert _login(client, user.email, "Wrong-Pass-2026!").status_code == 200

    assert _login(client, user.email, PASSWORD).status_code == 429
