"""clause results with confidence, needs_review and reviewer confirmations

Revision ID: 0008_clause_review
Revises: 0007_chase
Create Date: 2026-12-06 16:11:00+00:00
"""

from collections.abc import Sequence

revision: str = "0008_clause_review"
down_revision: str | Sequence[str] | None = "0007_chase"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
