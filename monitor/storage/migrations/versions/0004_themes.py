"""complaint themes: stable themes per brand and each mention's theme per period

Revision ID: 0004_themes
Revises: 0003_triage
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import monitor.storage.types


revision = "0004_themes"
down_revision = "0003_triage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.create_index("ix_theme_brand_last_day", ["brand", "last_day"], unique=False)
    op.create_table(
        "theme_mention",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("computed_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "start_day", "end_day"),
    )
    with op.batch_alter_table("theme_mention", schema=None) as batch_op:
        batch_op.create_index(
            "ix_theme_mention_period", ["brand", "end_day", "start_day"], unique=False
        )
        batch_op.create_index("ix_theme_mention_theme", ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_mention_theme")
        batch_op.drop_index("ix_theme_mention_period")
    op.drop_table("theme_mention")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_index("ix_theme_brand_last_day")
    op.drop_table("theme")
