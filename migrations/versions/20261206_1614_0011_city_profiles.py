"""bureaus, per-city settings such as the inspection interval

Revision ID: 0011_city_profiles
Revises: 0010_account_security
Create Date: 2026-12-06 16:14:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_city_profiles"
down_revision: str | Sequence[str] | None = "0010_account_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A city's own settings where its rule leaves the choice to the city (the inspection
    # interval when the rule sets no frequency, e.g. 沖縄市・龍ヶ崎市).
    op.create_table(
        "city_settings",
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("profile", "key"),
    )


def downgrade() -> None:
    op.drop_table("city_settings")
