"""subcontract requests (再委託, every tier)

Revision ID: 0003_subcontract
Revises: 0002_contract
Create Date: 2026-11-23 16:06:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_subcontract"
down_revision: str | Sequence[str] | None = "0002_contract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subcontract_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("requester_company_id", sa.Integer(), nullable=False),
        sa.Column("subcontractor_id", sa.Integer(), nullable=False),
        sa.Column("is_subsidiary", sa.Boolean(), nullable=False),
        sa.Column("work_part", sa.Text(), nullable=False),
        sa.Column("pi_description", sa.Text(), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column(
            "location",
            sa.Enum(
                "city_premises",
                "contractor_site",
                "cloud",
                name="handlinglocation",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("location_detail", sa.String(length=300), nullable=False),
        sa.Column("cloud_provider", sa.String(length=200), nullable=True),
        sa.Column("cloud_provider_country", sa.String(length=100), nullable=True),
        sa.Column("cloud_server_country", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("same_measures_pledged", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "approved",
                "rejected",
                "withdrawn",
                "expired",
                name="subcontractstatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tier >= 1", name=op.f("ck_subcontract_requests_tier_positive")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_subcontract_requests_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_subcontract_requests_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_subcontract_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_subcontract_requests_parent_id_subcontract_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_company_id"],
            ["companies.id"],
            name=op.f("fk_subcontract_requests_requester_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["subcontractor_id"],
            ["companies.id"],
            name=op.f("fk_subcontract_requests_subcontractor_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontract_requests")),
    )
    with op.batch_alter_table("subcontract_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_requester_company_id"),
            ["requester_company_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_subcontractor_id"),
            ["subcontractor_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_requests_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "subcontract_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("file_kind", sa.String(length=10), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("check_status", sa.String(length=20), nullable=False),
        sa.Column("check_message", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_subcontract_documents_request_id_subcontract_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_subcontract_documents_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontract_documents")),
    )
    with op.batch_alter_table("subcontract_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subcontract_documents_is_current"), ["is_current"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_documents_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subcontract_documents_storage_key"), ["storage_key"], unique=True
        )

    op.create_table(
        "subcontract_clause_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present",
                "partial",
                "missing",
                name="clausestatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("missing_elements", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["subcontract_documents.id"],
            name=op.f("fk_subcontract_clause_results_document_id_subcontract_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontract_clause_results")),
        sa.UniqueConstraint(
            "document_id", "key", name=op.f("uq_subcontract_clause_results_document_id_key")
        ),
    )
    with op.batch_alter_table("subcontract_clause_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subcontract_clause_results_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "subcontract_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "created",
                "updated",
                "document_added",
                "submitted",
                "returned",
                "approved",
                "rejected",
                "withdrawn",
                "expired",
                name="subcontractaction",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_subcontract_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_subcontract_events_request_id_subcontract_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subcontract_events")),
    )
    with op.batch_alter_table("subcontract_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subcontract_events_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subcontract_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subcontract_events_request_id"))
    op.drop_table("subcontract_events")

    with op.batch_alter_table("subcontract_clause_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subcontract_clause_results_document_id"))
    op.drop_table("subcontract_clause_results")

    with op.batch_alter_table("subcontract_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subcontract_documents_storage_key"))
        batch_op.drop_index(batch_op.f("ix_subcontract_documents_request_id"))
        batch_op.drop_index(batch_op.f("ix_subcontract_documents_is_current"))
    op.drop_table("subcontract_documents")

    with op.batch_alter_table("subcontract_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_subcontractor_id"))
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_status"))
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_requester_company_id"))
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_parent_id"))
        batch_op.drop_index(batch_op.f("ix_subcontract_requests_contract_id"))

    op.drop_table("subcontract_requests")
