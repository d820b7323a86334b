"""scheduler locks, heartbeat and reminder history

Revision ID: 0007_chase
Revises: 0006_exchange
Create Date: 2026-11-23 16:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_chase"
down_revision: str | Sequence[str] | None = "0006_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Locks of scheduled jobs on SQLite (PostgreSQL uses advisory locks).
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_heartbeats")),
    )
    op.create_table(
        "chase_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chase_runs")),
    )
    with op.batch_alter_table("chase_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chase_runs_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_chase_runs_started_at"), ["started_at"], unique=False)
    # What each rule last sent per object it chases now.
    op.create_table(
        "chase_marks",
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("stage_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule", "object_type", "object_id", name=op.f("pk_chase_marks")),
    )
    # One mail digest per user and day.
    op.create_table(
        "mail_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sending",
                "sent",
                "failed",
                name="digeststatus",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("notification_count", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_digests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_digests")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_mail_digests_user_id_day")),
    )
    with op.batch_alter_table("mail_digests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_digests_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_digests_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_digests_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_digests_user_id"))
        batch_op.drop_index(batch_op.f("ix_mail_digests_status"))
        batch_op.drop_index(batch_op.f("ix_mail_digests_day"))
    op.drop_table("mail_digests")
    op.drop_table("chase_marks")
    with op.batch_alter_table("chase_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chase_runs_started_at"))
        batch_op.drop_index(batch_op.f("ix_chase_runs_day"))
    op.drop_table("chase_runs")
    op.drop_table("scheduler_heartbeats")
    op.drop_table("job_locks")
