"""Scheduled work of the 再委託 feature (idempotent, selects by state, commits)."""

from __future__ import annotations

from datetime import datetime

from portal.account.models import SYSTEM
from portal.extensions import db
from portal.subcontract.services import expirable, expire_subcontract
from portal.wareki import today_jst


def expire_subcontracts(*, now: datetime) -> int:
    """Approvals expire with the contract: mark approved requests of closed/cancelled
    contracts, and undecided requests (draft, submitted, returned) of contracts no longer
    active (or past their period), expired. Returns how many were marked; a second run finds
    none."""
    rows = list(db.session.scalars(expirable(today=today_jst(now))))
    for sub in rows:
        expire_subcontract(actor=SYSTEM, sub=sub, now=now)
    db.session.commit()
    return len(rows)
