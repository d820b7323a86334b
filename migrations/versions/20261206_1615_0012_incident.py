"""incident reports, PPC reportability and deadlines, follow-up

Revision ID: 0012_incident
Revises: 0011_city_profiles
Create Date: 2026-12-06 16:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_incident"
down_revision: str | Sequence[str] | None = "0011_city_profiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("subcontract_id", sa.Integer(), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "decided",
                "closed",
                name="incidentstatus",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("known_on", sa.Date(), nullable=False),
        sa.Column("known_on_reason", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("sensitive_kinds", sa.JSON(), nullable=False),
        sa.Column("ordinance_sensitive", sa.Boolean(), nullable=False),
        sa.Column("people_min", sa.Integer(), nullable=False),
        sa.Column("people_max", sa.Integer(), nullable=False),
        sa.Column(
            "cause",
            sa.Enum(
                "misdelivery",
                "loss",
                "theft",
                "unauthorized_access",
                "ransomware",
                "insider",
                "other",
                name="incidentcause",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("cause_detail", sa.Text(), nullable=False),
        sa.Column("unlawful_purpose_risk", sa.Boolean(), nullable=False),
        sa.Column("financial_damage_risk", sa.Boolean(), nullable=False),
        sa.Column("encrypted_key_safe", sa.Boolean(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_reportable", sa.Boolean(), nullable=False),
        sa.Column("auto_grounds", sa.JSON(), nullable=False),
        sa.Column("reportable", sa.Boolean(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sokuho_filed_on", sa.Date(), nullable=True),
        sa.Column("kakuho_filed_on", sa.Date(), nullable=True),
        sa.Column("notify_individuals", sa.Boolean(), nullable=True),
        sa.Column("notify_note", sa.Text(), nullable=False),
        sa.Column("individuals_notified_on", sa.Date(), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=True),
        sa.Column("publication_note", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("cause_analysis", sa.Text(), nullable=False),
        sa.Column("closure_note", sa.Text(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "people_min >= 0 AND people_max >= people_min", name=op.f("ck_incidents_people_range")
        ),
        sa.CheckConstraint("tier >= 0", name=op.f("ck_incidents_tier_non_negative")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_incidents_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_incidents_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_incidents_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_incidents_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_incidents_reported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_incidents_section_id_sections")
        ),
        sa.ForeignKeyConstraint(
            ["subcontract_id"],
            ["subcontract_requests.id"],
            name=op.f("fk_incidents_subcontract_id_subcontract_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_fiscal_year"), ["fiscal_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_known_on"), ["known_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_reported_at"), ["reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incidents_subcontract_id"), ["subcontract_id"], unique=False
        )

    op.create_table(
        "incident_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("storage_backend", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_files_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_incident_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_files")),
    )
    with op.batch_alter_table("incident_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_files_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_files_storage_key"), ["storage_key"], unique=True
        )

    op.create_table(
        "incident_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_incident_measures_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_measures_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_measures")),
    )
    with op.batch_alter_table("incident_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_measures_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incident_measures_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("shared_by_id", sa.Integer(), nullable=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_shares_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["sections.id"], name=op.f("fk_incident_shares_section_id_sections")
        ),
        sa.ForeignKeyConstraint(
            ["shared_by_id"], ["users.id"], name=op.f("fk_incident_shares_shared_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_shares")),
        sa.UniqueConstraint(
            "incident_id", "section_id", name=op.f("uq_incident_shares_incident_id_section_id")
        ),
    )
    with op.batch_alter_table("incident_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_shares_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_shares_section_id"), ["section_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_shares_section_id"))
        batch_op.drop_index(batch_op.f("ix_incident_shares_incident_id"))

    op.drop_table("incident_shares")
    with op.batch_alter_table("incident_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_measures_incident_id"))
        batch_op.drop_index(batch_op.f("ix_incident_measures_due_on"))

    op.drop_table("incident_measures")
    with op.batch_alter_table("incident_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_files_storage_key"))
        batch_op.drop_index(batch_op.f("ix_incident_files_incident_id"))

    op.drop_table("incident_files")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_subcontract_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_section_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_reported_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_known_on"))
        batch_op.drop_index(batch_op.f("ix_incidents_fiscal_year"))
        batch_op.drop_index(batch_op.f("ix_incidents_contract_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_company_id"))

    op.drop_table("incidents")
