"""clause confirmation requests: procurement asks the section's 保護管理者 to judge a clause

Revision ID: 0016_self_service
Revises: 0015_data_api
Create Date: 2026-12-06 16:19:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_self_service"
down_revision: str | Sequence[str] | None = "0015_data_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clause_confirmation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                name="confirmationstatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["override_id"], ["clause_overrides.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_clause_confirmation_requests_contract_id",
        "clause_confirmation_requests",
        ["contract_id"],
    )
    op.create_index(
        "ix_clause_confirmation_requests_status", "clause_confirmation_requests", ["status"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_clause_confirmation_requests_status", table_name="clause_confirmation_requests"
    )
    op.drop_index(
        "ix_clause_confirmation_requests_contract_id", table_name="clause_confirmation_requests"
    )
    op.drop_table("clause_confirmation_requests")
