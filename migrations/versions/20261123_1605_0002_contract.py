"""contracts

Revision ID: 0002_contract
Revises: 0001_foundation
Create Date: 2026-11-23 16:05:00.750057+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_contract"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "itaku",
                "haken",
                name="contractkind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "checked",
                "active",
                "ending",
                "erasure_pending",
                "closed",
                "cancelled",
                name="contractstatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("pi_categories", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
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
        sa.Column("cloud_provider", sa.String(length=200), nullable=True),
        sa.Column("cloud_provider_country", sa.String(length=100), nullable=True),
        sa.Column("cloud_server_country", sa.String(length=100), nullable=True),
        sa.Column("minimum_scope", sa.Text(), nullable=False),
        sa.Column("anonymised", sa.Boolean(), nullable=False),
        sa.Column("anonymisation_note", sa.Text(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("erasure_due_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "people_count >= 0", name=op.f("ck_contracts_people_count_non_negative")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_contracts_period_order")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_contracts_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_contracts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_contracts_section_id_sections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contracts_erasure_due_on"), ["erasure_due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contracts_fiscal_year"), ["fiscal_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_number"), ["number"], unique=True)
        batch_op.create_index(batch_op.f("ix_contracts_period_end"), ["period_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_title"), ["title"], unique=False)

    op.create_table(
        "clause_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("clause_set", sa.String(length=40), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checked_by_id"], ["users.id"], name=op.f("fk_clause_checks_checked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_clause_checks_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_checks")),
    )
    with op.batch_alter_table("clause_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clause_checks_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "clause_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
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
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_clause_overrides_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_clause_overrides_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_overrides")),
    )
    with op.batch_alter_table("clause_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clause_overrides_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "contract_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "body",
                "special_terms",
                "specification",
                "other",
                name="documentrole",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("file_kind", sa.String(length=10), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_documents_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_contract_documents_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_documents")),
    )
    with op.batch_alter_table("contract_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_documents_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_documents_is_current"), ["is_current"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_documents_storage_key"), ["storage_key"], unique=True
        )

    op.create_table(
        "clause_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
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
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("highlight_start", sa.Integer(), nullable=True),
        sa.Column("highlight_end", sa.Integer(), nullable=True),
        sa.Column("missing_elements", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["clause_checks.id"],
            name=op.f("fk_clause_results_check_id_clause_checks"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["contract_documents.id"],
            name=op.f("fk_clause_results_document_id_contract_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clause_results")),
        sa.UniqueConstraint("check_id", "key", name=op.f("uq_clause_results_check_id_key")),
    )
    with op.batch_alter_table("clause_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clause_results_check_id"), ["check_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clause_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clause_results_check_id"))

    op.drop_table("clause_results")
    with op.batch_alter_table("contract_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_documents_storage_key"))
        batch_op.drop_index(batch_op.f("ix_contract_documents_is_current"))
        batch_op.drop_index(batch_op.f("ix_contract_documents_contract_id"))

    op.drop_table("contract_documents")
    with op.batch_alter_table("clause_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clause_overrides_contract_id"))

    op.drop_table("clause_overrides")
    with op.batch_alter_table("clause_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clause_checks_contract_id"))

    op.drop_table("clause_checks")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_title"))
        batch_op.drop_index(batch_op.f("ix_contracts_status"))
        batch_op.drop_index(batch_op.f("ix_contracts_section_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_period_end"))
        batch_op.drop_index(batch_op.f("ix_contracts_number"))
        batch_op.drop_index(batch_op.f("ix_contracts_fiscal_year"))
        batch_op.drop_index(batch_op.f("ix_contracts_erasure_due_on"))
        batch_op.drop_index(batch_op.f("ix_contracts_company_id"))

    op.drop_table("contracts")
