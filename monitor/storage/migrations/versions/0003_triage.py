"""triage: item kinds, manual item state, an audit trail and human label corrections

Revision ID: 0003_triage
Revises: 0002_outbox
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import monitor.storage.types


revision = "0003_triage"
down_revision = "0002_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="complaint",
            )
        )
    op.create_table(
        "triage_state",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("assignee", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("snoozed_until", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("reopened_at", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    op.create_table(
        "triage_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("triage_audit", schema=None) as batch_op:
        batch_op.create_index("ix_triage_audit_mention_at", ["mention_id", "at"], unique=False)
    op.create_table(
        "label_correction",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("model_label", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("corrected_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )


def downgrade() -> None:
    op.drop_table("label_correction")
    with op.batch_alter_table("triage_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_audit_mention_at")
    op.drop_table("triage_audit")
    op.drop_table("triage_state")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("kind")
