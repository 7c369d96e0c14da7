"""mention-to-brand attribution: every brand and competitor a mention counts for

Revision ID: 0006_mention_brands
Revises: 0005_users

Existing mentions are backfilled from their ``brand`` column (how = ``target``); the other
brands a post names are added by ``monitor score`` (it re-matches the days it scores
against the configured keywords and handles, which a migration cannot read).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import monitor.storage.types


revision = "0006_mention_brands"
down_revision = "0005_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_brand",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "brand"),
    )
    with op.batch_alter_table("mention_brand", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mention_brand_brand_created", ["brand", "created_at"], unique=False
        )
    # one statement, in the migration's transaction: every mention counts for its brand
    op.execute(
        "INSERT INTO mention_brand (mention_id, brand, how, created_at) "
        "SELECT id, brand, 'target', created_at FROM mention"
    )


def downgrade() -> None:
    with op.batch_alter_table("mention_brand", schema=None) as batch_op:
        batch_op.drop_index("ix_mention_brand_brand_created")
    op.drop_table("mention_brand")
