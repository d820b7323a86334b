"""erasure certificates (消去・廃棄証明) with photos

Revision ID: 0005_erasure
Revises: 0004_inspection
Create Date: 2026-11-23 16:08:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_erasure"
down_revision: str | Sequence[str] | None = "0004_inspection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def _stored_file_columns() -> list[sa.Column]:
    # portal.filestore.models.StoredFileMixin
    return [
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "erasure_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.Integer(), nullable=False),
        sa.Column("subcontract_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            _enum("obligationstatus", "pending", "submitted", "returned", "accepted"),
            nullable=False,
        ),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tier >= 0", name=op.f("ck_erasure_obligations_tier_non_negative")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_erasure_obligations_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_erasure_obligations_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["subcontract_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_erasure_obligations_subcontract_id_subcontract_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_obligations")),
        sa.UniqueConstraint(
            "contract_id", "party_key", name=op.f("uq_erasure_obligations_contract_id_party_key")
        ),
    )
    with op.batch_alter_table("erasure_obligations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_obligations_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_erasure_obligations_contract_id"), ["contract_id"])
        batch_op.create_index(batch_op.f("ix_erasure_obligations_status"), ["status"])
        batch_op.create_index(
            batch_op.f("ix_erasure_obligations_subcontract_id"), ["subcontract_id"]
        )

    op.create_table(
        "erasure_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            _enum("certificatestatus", "submitted", "returned", "accepted"),
            nullable=False,
        ),
        sa.Column("erased_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("witnessed", sa.Boolean(), nullable=False),
        sa.Column("witness_name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_erasure_certificates_version_positive")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_erasure_certificates_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["erasure_obligations.id"],
            name=op.f("fk_erasure_certificates_obligation_id_erasure_obligations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_erasure_certificates_reviewed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_erasure_certificates_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_certificates")),
        sa.UniqueConstraint(
            "obligation_id", "version", name=op.f("uq_erasure_certificates_obligation_id_version")
        ),
    )
    with op.batch_alter_table("erasure_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_certificates_contract_id"), ["contract_id"])
        batch_op.create_index(
            batch_op.f("ix_erasure_certificates_obligation_id"), ["obligation_id"]
        )
        batch_op.create_index(batch_op.f("ix_erasure_certificates_status"), ["status"])

    op.create_table(
        "erasure_media_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "media_type",
            _enum("mediatype", "hdd", "ssd", "usb", "paper", "cloud", "other"),
            nullable=False,
        ),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            _enum(
                "erasuremethod",
                "overwrite",
                "crypto_erase",
                "physical_destruction",
                "degauss",
                "dissolve",
                "return",
            ),
            nullable=False,
        ),
        sa.CheckConstraint("count >= 1", name=op.f("ck_erasure_media_items_count_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["erasure_certificates.id"],
            name=op.f("fk_erasure_media_items_certificate_id_erasure_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_media_items")),
    )
    with op.batch_alter_table("erasure_media_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erasure_media_items_certificate_id"), ["certificate_id"]
        )

    op.create_table(
        "erasure_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("media_item_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("had_exif", sa.Boolean(), nullable=False),
        sa.Column("had_gps", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["erasure_certificates.id"],
            name=op.f("fk_erasure_photos_certificate_id_erasure_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["media_item_id"],
            ["erasure_media_items.id"],
            name=op.f("fk_erasure_photos_media_item_id_erasure_media_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_photos")),
    )
    with op.batch_alter_table("erasure_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_photos_certificate_id"), ["certificate_id"])
        batch_op.create_index(batch_op.f("ix_erasure_photos_media_item_id"), ["media_item_id"])

    op.create_table(
        "erasure_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column(
            "variant",
            _enum(
                "filevariant",
                "certificate",
                "certificate_original",
                "photo",
                "photo_thumb",
                "photo_original",
            ),
            nullable=False,
        ),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("metadata_removed", sa.Boolean(), nullable=False),
        *_stored_file_columns(),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["erasure_certificates.id"],
            name=op.f("fk_erasure_files_certificate_id_erasure_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["erasure_photos.id"],
            name=op.f("fk_erasure_files_photo_id_erasure_photos"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_files")),
    )
    with op.batch_alter_table("erasure_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_files_certificate_id"), ["certificate_id"])
        batch_op.create_index(batch_op.f("ix_erasure_files_photo_id"), ["photo_id"])
        batch_op.create_index(
            batch_op.f("ix_erasure_files_storage_key"), ["storage_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("erasure_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_files_storage_key"))
        batch_op.drop_index(batch_op.f("ix_erasure_files_photo_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_files_certificate_id"))
    op.drop_table("erasure_files")

    with op.batch_alter_table("erasure_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_photos_media_item_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_photos_certificate_id"))
    op.drop_table("erasure_photos")

    with op.batch_alter_table("erasure_media_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_media_items_certificate_id"))
    op.drop_table("erasure_media_items")

    with op.batch_alter_table("erasure_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_certificates_status"))
        batch_op.drop_index(batch_op.f("ix_erasure_certificates_obligation_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_certificates_contract_id"))
    op.drop_table("erasure_certificates")

    with op.batch_alter_table("erasure_obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_obligations_subcontract_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_obligations_status"))
        batch_op.drop_index(batch_op.f("ix_erasure_obligations_contract_id"))
        batch_op.drop_index(batch_op.f("ix_erasure_obligations_company_id"))
    op.drop_table("erasure_obligations")
