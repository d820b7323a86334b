"""erasure certificates (消去・廃棄証明) with photos

Revision ID: 0005_erasure
Revises: 0004_inspection
Create Date: 2026-11-23 16:08:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0005_erasure"
down_revision: str | Sequence[str] | None = "0004_inspection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
