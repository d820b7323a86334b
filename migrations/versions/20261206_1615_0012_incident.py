"""incident reports, PPC reportability and deadlines, follow-up

Revision ID: 0012_incident
Revises: 0011_city_profiles
Create Date: 2026-12-06 16:15:00+00:00
"""

from collections.abc import Sequence

revision: str = "0012_incident"
down_revision: str | Sequence[str] | None = "0011_city_profiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
