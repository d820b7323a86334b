"""imports, personal access tokens and webhooks

Revision ID: 0015_data_api
Revises: 0014_ocr
Create Date: 2026-12-06 16:18:00+00:00
"""

from collections.abc import Sequence

revision: str = "0015_data_api"
down_revision: str | Sequence[str] | None = "0014_ocr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
