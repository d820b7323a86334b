"""annual inspections (実地検査 / 書面) and corrective actions

Revision ID: 0004_inspection
Revises: 0003_subcontract
Create Date: 2026-11-23 16:07:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0004_inspection"
down_revision: str | Sequence[str] | None = "0003_subcontract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
