"""Test fixtures: the schema is built by `alembic upgrade head`, each test runs in
a transaction that is rolled back, and the suite runs on SQLite and on PostgreSQL
(PORTAL_TEST_DB=postgresql; a fresh database per run and per xdist worker)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from portal import create_app
from portal.cli import run_migrations
from portal.config import Config
from portal.extensions import db as _db

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.smtp", "tests.fixtures.browser"]

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "test-secret-key-0123456789abcdef-0123456789"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def using_postgresql() -> bool:
    return os.environ.get("PORTAL_TEST_DB", "sqlite") == "postgresql"


def create_database(tmp_dir: Path, label: str) -> tuple[str, Callable[[], None]]:
    """A brand-new empty database; returns (SQLAlchemy URL, dropper)."""
    if using_postgresql():
        name = f"portal_test_{label}_{_worker()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{name}", drop
    path = tmp_dir / f"{label}.db"
    return f"sqlite:///{path}", lambda: None


def make_config(database_url: str, storage_dir: Path, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "secret_key": SECRET,
        "environment": "testing",
        "database_url": database_url,
        "storage_dir": storage_dir,
        "mail_enabled": False,
    }
    values.update(overrides)
    return Config(**values)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = create_database(tmp_path_factory.mktemp("db"), "suite")
    run_migrations(url)
    yield url
    _db.session.remove()
    if _db._engine is not None:
        _db._engine.dispose()
    drop()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(make_config(database_url, tmp_path_factory.mktemp("storage")))


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The scoped session bound to one connection whose outer transaction is rolled back."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        with _db.bound_to(connection):
            yield _db
        if transaction.is_active:
            transaction.rollback()
        connection.close()


class _CommittingClient(FlaskClient):
    """Commits the test's pending data (into the outer, rolled-back transaction) before each
    request, so a view that rolls back its own work cannot undo the test's arrangement."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        _db.session.commit()
        # The test's app context is reused by the request (Flask pushes none of its own when
        # one is active), so start each request with empty `g`, as production does.
        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    app.test_client_class = _CommittingClient
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[Any], FlaskClient]:
    """Log the test client in as `user` without the password round trip."""

    def _login(user: Any) -> FlaskClient:
        now = int(datetime.now(UTC).timestamp())
        with client.session_transaction() as sess:
            sess.clear()
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess["login_at"] = now
            sess["seen_at"] = now
        return client

    return _login


@pytest.fixture
def count_queries(db: Any) -> Callable[[], Any]:
    """Context manager counting SQL statements sent (N+1 checks)."""
    from contextlib import contextmanager

    @contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def _listener(*args: Any) -> None:
            statements.append(str(args[2]))

        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", _listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", _listener)

    return _count


@pytest.fixture
def csrf_token(client: FlaskClient) -> Callable[[str], str]:
    """Fetch a page and return the CSRF token from its first form."""
    import re

    def _token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no csrf token on {path}"
        return match.group(1)

    return _token
