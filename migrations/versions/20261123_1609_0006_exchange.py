"""document exchange per contract with access records

Revision ID: 0006_exchange
Revises: 0005_erasure
Create Date: 2026-11-23 16:09:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0006_exchange"
down_revision: str | Sequence[str] | None = "0005_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
