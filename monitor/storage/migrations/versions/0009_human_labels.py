"""human labels are the current label: copy each correction onto its mention

Revision ID: 0009_human_labels
Revises: 0008_queue_version

``mention.sentiment`` is the label listings, digests and the spike alert read (indexed, no
join). A person's correction (``label_correction``) now becomes it when saved; this copies
the corrections made before onto their mentions.
"""
from alembic import op


revision = "0009_human_labels"
down_revision = "0008_queue_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE mention SET sentiment = (SELECT c.label FROM label_correction c"
        " WHERE c.mention_id = mention.id), sentiment_confidence = 1.0"
        " WHERE id IN (SELECT mention_id FROM label_correction)"
    )


def downgrade() -> None:
    # back to the model's (or import's) label, as before this revision
    op.execute(
        "UPDATE mention SET sentiment = (SELECT s.label FROM sentiment_label s"
        " WHERE s.mention_id = mention.id), sentiment_confidence = (SELECT s.confidence"
        " FROM sentiment_label s WHERE s.mention_id = mention.id)"
        " WHERE id IN (SELECT mention_id FROM label_correction)"
    )
