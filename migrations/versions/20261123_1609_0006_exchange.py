"""document exchange per contract with access records

Revision ID: 0006_exchange
Revises: 0005_erasure
Create Date: 2026-11-23 16:09:00+00:00

Spaces per contract and approved 再委託 tier, folders, documents and their versions, comments,
read receipts, PDFs staged for the sharing check (広島市 第6 7) and the per-user transfer
tally of the bulk-download warning (入間市 第21条). Access records themselves are audit entries
(0001, append-only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_exchange"
down_revision: str | Sequence[str] | None = "0005_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("byte_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_exchange_transfers_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exchange_transfers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_transfers")),
    )
    op.create_index(
        op.f("ix_exchange_transfers_contract_id"),
        "exchange_transfers",
        ["contract_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exchange_transfers_created_at"), "exchange_transfers", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_transfers_user_id"), "exchange_transfers", ["user_id"], unique=False
    )
    op.create_table(
        "exchange_spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("subcontract_id", sa.Integer(), nullable=True),
        sa.Column("tier_key", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_exchange_spaces_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["subcontract_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_exchange_spaces_subcontract_id_subcontract_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_spaces")),
        sa.UniqueConstraint(
            "contract_id", "tier_key", name=op.f("uq_exchange_spaces_contract_id_tier_key")
        ),
    )
    op.create_index(
        op.f("ix_exchange_spaces_contract_id"), "exchange_spaces", ["contract_id"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_spaces_subcontract_id"),
        "exchange_spaces",
        ["subcontract_id"],
        unique=False,
    )
    op.create_table(
        "exchange_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exchange_folders_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["exchange_spaces.id"],
            name=op.f("fk_exchange_folders_space_id_exchange_spaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_folders")),
        sa.UniqueConstraint("space_id", "name", name=op.f("uq_exchange_folders_space_id_name")),
    )
    op.create_index(
        op.f("ix_exchange_folders_space_id"), "exchange_folders", ["space_id"], unique=False
    )
    op.create_table(
        "exchange_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("personal_info", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exchange_documents_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["folder_id"],
            ["exchange_folders.id"],
            name=op.f("fk_exchange_documents_folder_id_exchange_folders"),
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["exchange_spaces.id"],
            name=op.f("fk_exchange_documents_space_id_exchange_spaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_documents")),
    )
    op.create_index(
        op.f("ix_exchange_documents_folder_id"), "exchange_documents", ["folder_id"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_documents_personal_info"),
        "exchange_documents",
        ["personal_info"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exchange_documents_space_id"), "exchange_documents", ["space_id"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_documents_updated_at"), "exchange_documents", ["updated_at"], unique=False
    )
    op.create_table(
        "exchange_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_exchange_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["exchange_documents.id"],
            name=op.f("fk_exchange_comments_document_id_exchange_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_comments")),
    )
    op.create_index(
        op.f("ix_exchange_comments_document_id"), "exchange_comments", ["document_id"], unique=False
    )
    op.create_table(
        "exchange_staged_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("personal_info", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("has_active_content", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("cleaned_key", sa.String(length=200), nullable=True),
        sa.Column("cleaned_size", sa.BigInteger(), nullable=True),
        sa.Column("cleaned_sha256", sa.String(length=64), nullable=True),
        sa.Column("clean_error", sa.String(length=300), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["exchange_documents.id"],
            name=op.f("fk_exchange_staged_uploads_document_id_exchange_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["folder_id"],
            ["exchange_folders.id"],
            name=op.f("fk_exchange_staged_uploads_folder_id_exchange_folders"),
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["exchange_spaces.id"],
            name=op.f("fk_exchange_staged_uploads_space_id_exchange_spaces"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_exchange_staged_uploads_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_staged_uploads")),
        sa.UniqueConstraint("cleaned_key", name=op.f("uq_exchange_staged_uploads_cleaned_key")),
    )
    op.create_index(
        op.f("ix_exchange_staged_uploads_document_id"),
        "exchange_staged_uploads",
        ["document_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exchange_staged_uploads_space_id"),
        "exchange_staged_uploads",
        ["space_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exchange_staged_uploads_storage_key"),
        "exchange_staged_uploads",
        ["storage_key"],
        unique=True,
    )
    op.create_index(
        op.f("ix_exchange_staged_uploads_uploaded_by_id"),
        "exchange_staged_uploads",
        ["uploaded_by_id"],
        unique=False,
    )
    op.create_table(
        "exchange_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("file_kind", sa.String(length=20), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("has_active_content", sa.Boolean(), nullable=False),
        sa.Column("cleaned", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["exchange_documents.id"],
            name=op.f("fk_exchange_versions_document_id_exchange_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_exchange_versions_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_versions")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_exchange_versions_document_id_number")
        ),
    )
    op.create_index(
        op.f("ix_exchange_versions_document_id"), "exchange_versions", ["document_id"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_versions_storage_key"), "exchange_versions", ["storage_key"], unique=True
    )
    op.create_table(
        "exchange_read_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exchange_read_receipts_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["exchange_versions.id"],
            name=op.f("fk_exchange_read_receipts_version_id_exchange_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_read_receipts")),
        sa.UniqueConstraint(
            "version_id", "party", name=op.f("uq_exchange_read_receipts_version_id_party")
        ),
    )
    op.create_index(
        op.f("ix_exchange_read_receipts_version_id"),
        "exchange_read_receipts",
        ["version_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_exchange_read_receipts_version_id"), table_name="exchange_read_receipts")
    op.drop_table("exchange_read_receipts")
    op.drop_index(op.f("ix_exchange_versions_storage_key"), table_name="exchange_versions")
    op.drop_index(op.f("ix_exchange_versions_document_id"), table_name="exchange_versions")
    op.drop_table("exchange_versions")
    op.drop_index(
        op.f("ix_exchange_staged_uploads_uploaded_by_id"), table_name="exchange_staged_uploads"
    )
    op.drop_index(
        op.f("ix_exchange_staged_uploads_storage_key"), table_name="exchange_staged_uploads"
    )
    op.drop_index(op.f("ix_exchange_staged_uploads_space_id"), table_name="exchange_staged_uploads")
    op.drop_index(
        op.f("ix_exchange_staged_uploads_document_id"), table_name="exchange_staged_uploads"
    )
    op.drop_table("exchange_staged_uploads")
    op.drop_index(op.f("ix_exchange_comments_document_id"), table_name="exchange_comments")
    op.drop_table("exchange_comments")
    op.drop_index(op.f("ix_exchange_documents_updated_at"), table_name="exchange_documents")
    op.drop_index(op.f("ix_exchange_documents_space_id"), table_name="exchange_documents")
    op.drop_index(op.f("ix_exchange_documents_personal_info"), table_name="exchange_documents")
    op.drop_index(op.f("ix_exchange_documents_folder_id"), table_name="exchange_documents")
    op.drop_table("exchange_documents")
    op.drop_index(op.f("ix_exchange_folders_space_id"), table_name="exchange_folders")
    op.drop_table("exchange_folders")
    op.drop_index(op.f("ix_exchange_spaces_subcontract_id"), table_name="exchange_spaces")
    op.drop_index(op.f("ix_exchange_spaces_contract_id"), table_name="exchange_spaces")
    op.drop_table("exchange_spaces")
    op.drop_index(op.f("ix_exchange_transfers_user_id"), table_name="exchange_transfers")
    op.drop_index(op.f("ix_exchange_transfers_created_at"), table_name="exchange_transfers")
    op.drop_index(op.f("ix_exchange_transfers_contract_id"), table_name="exchange_transfers")
    op.drop_table("exchange_transfers")
