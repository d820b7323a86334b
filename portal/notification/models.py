"""In-portal notifications; mail delivery reads the same rows (one record per message)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    url: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(60), index=True)
    object_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    contract_id: so.Mapped[int | None] = so.mapped_column(sa.BigInteger, index=True)
    # Idempotency: "what is chased + for whom + which day" — a second run inserts nothing.
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    read_at: so.Mapped[datetime | None]
    # Mail: 'pending' until a sender delivers it (alone or in the day's digest), then 'sent'.
    mail_status: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending", index=True)
    mailed_at: so.Mapped[datetime | None]
