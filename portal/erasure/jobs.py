"""Scheduled work of the erasure feature (idempotent, commits once)."""

from __future__ import annotations

from datetime import datetime

from portal.account.models import SYSTEM
from portal.erasure import services
from portal.extensions import db


def mark_ended_contracts(*, now: datetime) -> int:
    """Move ended (or cancelled-after-performance) contracts to erasure_pending with their due
    date and obligations; returns how many contracts moved. Safe to run twice or late."""
    moved = services.mark_ended_contracts(actor=SYSTEM, now=now)
    db.session.commit()
    return moved
