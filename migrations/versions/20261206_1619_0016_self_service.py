"""clause confirmation requests (procurement asks the section's 保護管理者 to judge a clause);
contractor self-service: certificates registered by the contractor await the city's check, and
name / 法人番号 changes are requests the city confirms

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

    with op.batch_alter_table("company_certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_company_certificates_submitted_by_id_users", "users", ["submitted_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_company_certificates_confirmed_by_id_users", "users", ["confirmed_by_id"], ["id"]
        )

    op.create_table(
        "company_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("corporate_number", sa.String(length=13), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "rejected",
                name="changerequeststatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_company_change_requests_company_id", "company_change_requests", ["company_id"]
    )
    op.create_index("ix_company_change_requests_status", "company_change_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_company_change_requests_status", table_name="company_change_requests")
    op.drop_index("ix_company_change_requests_company_id", table_name="company_change_requests")
    op.drop_table("company_change_requests")
    with op.batch_alter_table("company_certificates", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_company_certificates_confirmed_by_id_users", type_="foreignkey"
        )
        batch_op.drop_constraint(
            "fk_company_certificates_submitted_by_id_users", type_="foreignkey"
        )
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("confirmed_by_id")
        batch_op.drop_column("submitted_by_id")
        batch_op.drop_column("scope")
    op.drop_index(
        "ix_clause_confirmation_requests_status", table_name="clause_confirmation_requests"
    )
    op.drop_index(
        "ix_clause_confirmation_requests_contract_id", table_name="clause_confirmation_requests"
    )
    op.drop_table("clause_confirmation_requests")
