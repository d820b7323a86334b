"""OCR runs and per-page results of scanned documents

Revision ID: 0014_ocr
Revises: 0013_status_queue
Create Date: 2026-12-06 16:17:00+00:00
"""

from collections.abc import Sequence

revision: str = "0014_ocr"
down_revision: str | Sequence[str] | None = "0013_status_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
