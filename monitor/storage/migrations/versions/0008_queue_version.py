"""queue version indexes: max() of mention.updated_at, sentiment_label.labeled_at, complaint.scored_at

Revision ID: 0008_queue_version
Revises: 0007_web_indexes

The queue cache (monitor/pipeline/queue_cache.py) reads a data version on every request;
without these indexes each max() reads the whole table (1 M mentions: tens of ms on
SQLite, more on PostgreSQL); with them each is one index look-up.
"""
from alembic import op


revision = "0008_queue_version"
down_revision = "0007_web_indexes"
branch_labels = None
depends_on = None

_INDEXES = (
    ("mention", "ix_mention_updated", "updated_at"),
    ("sentiment_label", "ix_sentiment_label_labeled", "labeled_at"),
    ("complaint", "ix_complaint_scored", "scored_at"),
)


def upgrade() -> None:
    for table, name, column in _INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)


def downgrade() -> None:
    for table, name, _ in _INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
