"""shared upload intake: which copy each stored file is

Revision ID: 0009_uploads
Revises: 0008_clause_review
Create Date: 2026-12-06 16:12:00+00:00

`cleaned` on the stored-file tables whose rows did not say it: True for the intake's cleaned
copy, False for a file stored as sent (text), NULL for rows stored before the intake (their
access records say so). Exchange versions and erasure files already record it; incident
attachments have always been stored cleaned.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_uploads"
down_revision: str | Sequence[str] | None = "0008_clause_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("contract_documents", "subcontract_documents", "inspection_files")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("cleaned", sa.Boolean(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("cleaned")
