"""scheduler locks, heartbeat and reminder history

Revision ID: 0007_chase
Revises: 0006_exchange
Create Date: 2026-11-23 16:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0007_chase"
down_revision: str | Sequence[str] | None = "0006_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
