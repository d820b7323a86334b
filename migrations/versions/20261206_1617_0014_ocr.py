"""OCR runs and per-page results of scanned documents

Revision ID: 0014_ocr
Revises: 0013_status_queue
Create Date: 2026-12-06 16:17:00+00:00

A contract document records which of its pages were read by OCR, so the clause results that
rest on them can be flagged for a person to confirm against the original, and the text OCR
read, so that a re-check does not run OCR again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_ocr"
down_revision: str | Sequence[str] | None = "0013_status_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contract_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocr_pages", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("ocr_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contract_documents", schema=None) as batch_op:
        batch_op.drop_column("ocr_text")
        batch_op.drop_column("ocr_pages")
