"""shared upload intake: served versions and what was removed

Revision ID: 0009_uploads
Revises: 0008_clause_review
Create Date: 2026-12-06 16:12:00+00:00
"""

from collections.abc import Sequence

revision: str = "0009_uploads"
down_revision: str | Sequence[str] | None = "0008_clause_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
