"""Tamper-evident audit log (入間市 第20条: アクセス記録の改ざん防止)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base


class AuditEntry(Base):
    """One append-only, hash-chained row. UPDATE/DELETE are refused by DB triggers."""

    __tablename__ = "audit_entries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, unique=True, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(index=True)
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(120))
    action: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(60), index=True)
    object_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    contract_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    ip: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))


class AuditChainHead(Base):
    """Single row (id=1): the last seq and hash. Updating it row-locks writers in turn, so two
    processes can never fork the chain (PostgreSQL row lock / SQLite write lock)."""

    __tablename__ = "audit_chain_head"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))
