"""contractor certificates with files, override requests, decision warnings

Revision ID: 0016_self_service
Revises: 0015_data_api
Create Date: 2026-12-06 16:19:00+00:00
"""

from collections.abc import Sequence

revision: str = "0016_self_service"
down_revision: str | Sequence[str] | None = "0015_data_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
