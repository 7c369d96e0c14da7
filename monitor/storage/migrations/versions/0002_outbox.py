"""delivery outbox: one row per digest or alert and channel

Revision ID: 0002_outbox
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import monitor.storage.types


revision = "0002_outbox"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("claimed_at", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("lease_until", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", monitor.storage.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref", "channel", name="uq_delivery_kind_ref_channel"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_kind_brand_day", ["kind", "brand", "day"], unique=False)
        batch_op.create_index("ix_delivery_alert_id", ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_alert_id")
        batch_op.drop_index("ix_delivery_kind_brand_day")
    op.drop_table("delivery")
