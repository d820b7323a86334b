"""second factor, recovery codes, invitations, sessions, provisional companies

Revision ID: 0010_account_security
Revises: 0009_uploads
Create Date: 2026-12-06 16:13:00+00:00
"""

from collections.abc import Sequence

revision: str = "0010_account_security"
down_revision: str | Sequence[str] | None = "0009_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
