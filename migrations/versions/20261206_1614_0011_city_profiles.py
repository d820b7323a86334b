"""bureaus, per-city settings such as the inspection interval

Revision ID: 0011_city_profiles
Revises: 0010_account_security
Create Date: 2026-12-06 16:14:00+00:00
"""

from collections.abc import Sequence

revision: str = "0011_city_profiles"
down_revision: str | Sequence[str] | None = "0010_account_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
