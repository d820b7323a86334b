"""What /readyz checks: the database answers, the file store answers, and the schema is at
the migration head of the installed code (a deploy that forgot `portal db upgrade` is not
ready)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from portal.extensions import db
from portal.filestore import FileStoreError, get_filestore


@dataclass(frozen=True)
class Check:
    ok: bool
    state: str  # "ok", "unreachable", "behind", ...
    detail: str = ""


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The migration head(s) this installation's code expects."""
    from alembic.script import ScriptDirectory

    from portal.cli import _alembic_config

    return frozenset(ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads())


def database_revisions(conn: sa.Connection) -> frozenset[str]:
    if not sa.inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def readiness() -> dict[str, Check]:
    checks: dict[str, Check] = {}
    try:
        # The session's connection (removed at the end of the request): on SQLite a second
        # connection would queue behind a writer for the whole busy timeout.
        conn = db.session.connection()
        conn.execute(sa.text("SELECT 1"))
        revisions = database_revisions(conn)
        checks["database"] = Check(True, "ok")
        heads = code_heads()
        checks["migrations"] = (
            Check(True, "ok")
            if revisions == heads
            else Check(
                False,
                "behind",
                f"database at {sorted(revisions) or 'no revision'}, code at {sorted(heads)}",
            )
        )
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = Check(False, "unreachable", type(exc).__name__)
        checks["migrations"] = Check(False, "unknown", "database unreachable")
    checks["storage"] = _storage()
    return checks


def _storage() -> Check:
    store = get_filestore()
    root = getattr(store, "root", None)
    if root is not None:  # the local folder: it must exist and be writable by us
        if os.path.isdir(root) and os.access(root, os.W_OK | os.X_OK):
            return Check(True, "ok")
        return Check(False, "unwritable", f"{root} is missing or not writable")
    try:
        next(iter(store.iter_keys("readyz/")), None)  # one LIST request
    except FileStoreError as exc:
        return Check(False, "unreachable", str(exc)[:200])
    return Check(True, "ok")
