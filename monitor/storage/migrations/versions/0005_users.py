"""web users: local accounts, signed-in sessions and the generated cookie key

Revision ID: 0005_users
Revises: 0004_themes
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import monitor.storage.types


revision = "0005_users"
down_revision = "0004_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index("ix_web_session_user", ["user_id"], unique=False)
    op.create_table(
        "app_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("created_at", monitor.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("app_secret")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index("ix_web_session_user")
    op.drop_table("web_session")
    op.drop_table("web_user")
