"""Who is told: the one place that turns "the section's 保護管理者" or "the company's users"
into active accounts, so every feature notifies the same people."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from portal.account.models import Role, User
from portal.extensions import db


def section_managers(section_id: int) -> list[User]:
    """Active 保護管理者 of a section."""
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role == Role.PROTECTION_MANAGER,
                User.section_id == section_id,
                User.is_active.is_(True),
            )
        )
    )


def company_users(company_ids: Iterable[int | None]) -> list[User]:
    """Active contractor accounts of the given companies."""
    ids = sorted({c for c in company_ids if c is not None})
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.role == Role.CONTRACTOR,
                User.company_id.in_(ids),
                User.is_active.is_(True),
            )
        )
    )
