"""stored inspection/erasure/chase status and the background job queue

Revision ID: 0013_status_queue
Revises: 0012_incident
Create Date: 2026-12-06 16:16:00+00:00
"""

from collections.abc import Sequence

revision: str = "0013_status_queue"
down_revision: str | Sequence[str] | None = "0012_incident"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
