"""imports, personal access tokens and webhooks

Revision ID: 0015_data_api
Revises: 0014_ocr
Create Date: 2026-12-06 16:18:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_data_api"
down_revision: str | Sequence[str] | None = "0014_ocr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _upgrade_imports() -> None:
    # A company's contact person, as the cities' registers list it.
    with op.batch_alter_table("companies") as batch:
        batch.add_column(
            sa.Column("contact_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("contact_email", sa.String(length=254), server_default="", nullable=False)
        )
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "companies",
                "contracts",
                "users",
                name="importkind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "previewing",
                "previewed",
                "applying",
                "applied",
                "failed",
                name="importstatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("sheet", sa.String(length=100), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_jobs_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs") as batch:
        batch.create_index(batch.f("ix_import_jobs_created_by_id"), ["created_by_id"])
        batch.create_index(batch.f("ix_import_jobs_status"), ["status"])
        batch.create_index(batch.f("ix_import_jobs_storage_key"), ["storage_key"], unique=True)


def _downgrade_imports() -> None:
    op.drop_table("import_jobs")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("contact_email")
        batch.drop_column("contact_name")


def upgrade() -> None:
    _upgrade_imports()


def downgrade() -> None:
    _downgrade_imports()
