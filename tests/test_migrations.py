"""The migrated schema is exactly the models' schema, and every revision goes
up, down and up again — on SQLite and on PostgreSQL (the suite runs on both)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal.cli import _alembic_config, run_migrations
from portal.db import Base, make_engine
from portal.model_registry import import_all_models
from tests.conftest import create_database


@pytest.fixture
def empty_database(tmp_path):
    url, drop = create_database(tmp_path, "mig")
    yield url
    drop()


def _diff(url: str) -> list:
    import_all_models()
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_upgrade_head_matches_the_models_exactly(empty_database):
    run_migrations(empty_database)

    assert _diff(empty_database) == []


def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_database):
    script = ScriptDirectory.from_config(_alembic_config(empty_database))
    revisions = list(reversed(list(script.walk_revisions())))

    for rev in revisions:
        run_migrations(empty_database, rev.revision)
        run_migrations(empty_database, rev.down_revision or "base", down=True)
        run_migrations(empty_database, rev.revision)

    assert _diff(empty_database) == []


def test_migration_history_is_linear():
    script = ScriptDirectory.from_config(_alembic_config("sqlite://"))

    assert len(script.get_heads()) == 1
