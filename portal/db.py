"""Declarative base, naming convention and the request-scoped session."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every engine (SQLite drops the zone on storage)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def str_enum(enum_cls: type[enum.StrEnum], length: int = 30) -> sa.Enum:
    """State fields: StrEnum stored as a checked VARCHAR."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards escaped (the escape character is a backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: so.QueryableAttribute[Any], text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "column contains text" for search boxes: a typed % or _ is matched as
    itself, never as a wildcard (a search for "100%" must not list everything)."""
    return column.ilike(f"%{like_escape(text)}%", escape="\\")


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _sqlite_proper_transactions(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_proper_transactions(engine: sa.Engine) -> None:
    # pysqlite's own BEGIN handling breaks SAVEPOINT and defers locking; let SQLAlchemy emit
    # BEGIN itself (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    # IMMEDIATE: a request reads, then writes (an access record after a download). Under WAL a
    # deferred transaction that read before another connection committed cannot upgrade to a
    # writer and fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, no busy wait);
    # taking the write lock at BEGIN makes concurrent requests queue on busy_timeout instead.
    # SQLite is the single-office default; production runs on PostgreSQL.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine and a scoped session; the session is removed at app teardown."""

    def __init__(self) -> None:
        self._engine: sa.Engine | None = None
        self.session: so.scoped_session[so.Session] = so.scoped_session(
            so.sessionmaker(expire_on_commit=False)
        )

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            raise RuntimeError("Database.init_app() has not been called")
        return self._engine

    def init_app(self, app: Flask, url: str) -> None:
        if self._engine is None or str(self._engine.url) != sa.make_url(url).render_as_string(
            hide_password=True
        ):
            self._engine = make_engine(url)
        self.session.remove()
        self.session.configure(bind=self._engine)
        app.extensions["db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            # Anything not committed by the view is rolled back here: a state change
            # and its audit entry land together or not at all.
            self.session.remove()

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def bound_to(self, connection: sa.Connection) -> Iterator[None]:
        """Tests: bind the scoped session to one connection; commits become savepoints."""
        self.session.remove()
        self.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            self.session.remove()
            self.session.configure(bind=self._engine, join_transaction_mode="conditional_savepoint")
