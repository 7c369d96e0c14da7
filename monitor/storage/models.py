"""Tables: mentions and their brands, labels, checkpoints, health, KPIs, complaints, themes…"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.storage.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Mention(SQLModel, table=True):
    """A post collected for a brand or competitor; unique per (source, external_id)."""

    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_mention_source_external_id"),
        # recent inbound mentions of a brand, newest first (mentions --since, KPI day scans)
        Index("ix_mention_brand_created", "brand", "created_at"),
        # "recent negative mentions": brand + label + time, read newest first
        Index("ix_mention_brand_sentiment_created", "brand", "sentiment", "created_at"),
        # thread look-ups for reply matching and follow-ups
        Index("ix_mention_source_thread", "source", "thread_id"),
        Index("ix_mention_source_in_reply_to", "source", "in_reply_to"),
        Index("ix_mention_created", "created_at"),
        # the queue cache's data version: max(updated_at) is one index look-up
        Index("ix_mention_updated", "updated_at"),
    )

    # BIGINT on PostgreSQL for growth; INTEGER on SQLite, where only that is the rowid alias.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    source: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    brand: str = Field(max_length=128)
    author: str = Field(max_length=256)
    author_id: str | None = Field(default=None, max_length=128)
    author_followers: int | None = Field(default=None, sa_column=Column(BigInteger()))
    text: str = Field(sa_column=Column(Text(), nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    collected_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    in_reply_to: str | None = Field(default=None, max_length=128)
    thread_id: str | None = Field(default=None, max_length=128)
    subreddit: str | None = Field(default=None, max_length=128)
    is_brand_post: bool = False
    rating: int | None = None
    lang: str | None = Field(default=None, max_length=16)
    # The current label, copied from sentiment_label so that "recent negatives" is one index
    # range scan at millions of rows instead of a join.
    sentiment: str | None = Field(default=None, max_length=16)
    sentiment_confidence: float | None = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON(), nullable=False))


class MentionBrand(SQLModel, table=True):
    """A brand or competitor a mention counts for, and how it was matched (docs/kpis.md).

    ``how``: ``target`` (collected or imported for that brand: ``mention.brand``),
    ``handle`` (written by or naming one of its accounts), ``keyword`` (names the brand or
    one of its keywords as a whole word). ``created_at`` is the mention's, copied so that a
    brand's window is one range scan of this table's index.
    """

    __tablename__ = "mention_brand"
    __table_args__ = (Index("ix_mention_brand_brand_created", "brand", "created_at"),)

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    brand: str = Field(primary_key=True, max_length=128)
    how: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SentimentLabel(SQLModel, table=True):
    """The classifier's (or an import's) label for one mention; one current label each."""

    __tablename__ = "sentiment_label"
    # the queue cache's data version: max(labeled_at) is one index look-up
    __table_args__ = (Index("ix_sentiment_label_labeled", "labeled_at"),)

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    label: str | None = Field(default=None, max_length=16)
    confidence: float | None = None
    score_negative: float | None = None
    score_neutral: float | None = None
    score_positive: float | None = None
    model_name: str = Field(max_length=256)
    model_revision: str | None = Field(default=None, max_length=128)
    skipped_reason: str | None = Field(default=None, max_length=256)
    labeled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Checkpoint(SQLModel, table=True):
    """A source's JSON cursor for one query key (the target brand), saved with its rows."""

    __tablename__ = "checkpoint"

    source: str = Field(primary_key=True, max_length=32)
    query_key: str = Field(primary_key=True, max_length=256)
    cursor: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SourceHealth(SQLModel, table=True):
    """Last success, last error and consecutive failures of one source and target."""

    __tablename__ = "source_health"

    source: str = Field(primary_key=True, max_length=32)
    query_key: str = Field(primary_key=True, max_length=256)
    state: str = Field(default="ok", max_length=16)  # ok | failing | auth_error
    last_success_at: datetime | None = _utc()
    last_error_at: datetime | None = _utc()
    last_error: str | None = Field(default=None, sa_column=Column(Text()))
    consecutive_failures: int = 0
    posts_last_run: int = 0
    posts_total: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class SkippedPageRecord(SQLModel, table=True):
    """A page a collector could not parse, kept with its raw body for inspection."""

    __tablename__ = "skipped_page"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    query_key: str = Field(max_length=256)
    where: str = Field(sa_column=Column(Text(), nullable=False))
    reason: str = Field(sa_column=Column(Text(), nullable=False))
    raw_body: str = Field(sa_column=Column(Text(), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Complaint(SQLModel, table=True):
    """Scorer output per needs-reply item (``kind``): the queue's source, rebuilt on scoring."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_brand_open", "brand", "answered", "created_at"),
        # the queue's open items of a brand (resolved_at IS NULL): scripts/bench_web.py
        Index("ix_complaint_brand_resolved", "brand", "resolved_at"),
        # the queue cache's data version: max(scored_at) is one index look-up
        Index("ix_complaint_scored", "scored_at"),
    )

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    brand: str = Field(max_length=128)
    source: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str = Field(sa_column=Column(Text(), nullable=False))
    answered: bool = False
    first_response_at: datetime | None = _utc()
    brand_replies: int = 0
    resolved_at: datetime | None = _utc()
    resolution_kind: str | None = Field(default=None, max_length=32)
    scored_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    #: complaint | question | unknown (the first post's kind; follow_up is a state of these)
    kind: str = Field(default="complaint", max_length=16)


class DailyKpi(SQLModel, table=True):
    """One day's KPIs for a brand and a source (or ``all``), as defined in docs/kpis.md."""

    __tablename__ = "daily_kpi"
    __table_args__ = (UniqueConstraint("brand", "source", "day", name="uq_daily_kpi"),)

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=128)
    source: str = Field(max_length=32)
    day: date
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON(), nullable=False))
    computed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Resolution(SQLModel, table=True):
    """A complaint the team marked resolved by hand (``monitor resolve``)."""

    __tablename__ = "resolution"

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    resolved_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text()))
    marked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AlertSent(SQLModel, table=True):
    """An alert that fired; its unique key makes each fire once, across restarts."""

    __tablename__ = "alert_sent"

    id: int | None = Field(default=None, primary_key=True)
    alert_key: str = Field(max_length=256, unique=True)
    kind: str = Field(max_length=32)
    brand: str = Field(max_length=128)
    message: str = Field(sa_column=Column(Text(), nullable=False))
    fired_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    delivered_at: datetime | None = _utc()
    delivery_error: str | None = Field(default=None, sa_column=Column(Text()))


class DigestRun(SQLModel, table=True):
    """A digest built for a brand and day; ``sent_at`` makes it go out once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("brand", "day", name="uq_digest_brand_day"),)

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=128)
    day: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    html_path: str | None = Field(default=None, sa_column=Column(Text()))
    sent_at: datetime | None = _utc()
    channels: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, sa_column=Column(Text()))


class Delivery(SQLModel, table=True):
    """One channel's delivery of one digest (brand, day) or one alert: the outbox row.

    The unique (kind, ref, channel) key is claimed before anything is sent, so one send
    per channel happens at most once; ``state`` says how far it got.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "channel", name="uq_delivery_kind_ref_channel"),
        Index("ix_delivery_kind_brand_day", "kind", "brand", "day"),
        Index("ix_delivery_alert_id", "alert_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    #: ``YYYY-MM-DD:brand`` for a digest, the alert id for an alert.
    ref: str = Field(max_length=256)
    channel: str = Field(max_length=16)
    brand: str = Field(max_length=128)
    day: date | None = None
    alert_id: int | None = None
    state: str = Field(max_length=16)
    attempts: int = 0
    #: ``host:pid:start`` of the process sending now (tells a dead sender from a slow one).
    owner: str | None = Field(default=None, max_length=256)
    claimed_at: datetime | None = _utc()
    lease_until: datetime | None = _utc()
    sent_at: datetime | None = _utc()
    error: str | None = Field(default=None, sa_column=Column(Text()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TriageState(SQLModel, table=True):
    """The team's manual state of one item (its first post): survives rescoring."""

    __tablename__ = "triage_state"

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    assignee: str | None = Field(default=None, max_length=128)
    snoozed_until: datetime | None = _utc()
    closed_at: datetime | None = _utc()
    reopened_at: datetime | None = _utc()
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TriageAudit(SQLModel, table=True):
    """One action taken on an item or a label: who, when, what, and an optional note."""

    __tablename__ = "triage_audit"
    __table_args__ = (Index("ix_triage_audit_mention_at", "mention_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(foreign_key="mention.id", ondelete="CASCADE")
    action: str = Field(max_length=32)
    actor: str = Field(max_length=128)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(Text()))
    note: str | None = Field(default=None, sa_column=Column(Text()))


class LabelCorrection(SQLModel, table=True):
    """A human's sentiment label for a post, kept beside the model's (it wins when read)."""

    __tablename__ = "label_correction"

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    label: str = Field(max_length=16)
    model_label: str | None = Field(default=None, max_length=16)
    actor: str = Field(max_length=128)
    corrected_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Theme(SQLModel, table=True):
    """A complaint theme of a brand; its id and label stay while later periods match it."""

    __tablename__ = "theme"
    __table_args__ = (Index("ix_theme_brand_last_day", "brand", "last_day"),)

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=128)
    label: str = Field(sa_column=Column(Text(), nullable=False))
    #: Unit-length mean embedding of the latest period's members (matched by cosine).
    centroid: list[float] = Field(default_factory=list, sa_column=Column(JSON(), nullable=False))
    first_day: date
    last_day: date
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ThemeMention(SQLModel, table=True):
    """Which theme a mention fell in for one period (``theme_id`` None: "other")."""

    __tablename__ = "theme_mention"
    __table_args__ = (
        Index("ix_theme_mention_period", "brand", "end_day", "start_day"),
        Index("ix_theme_mention_theme", "theme_id"),
    )

    mention_id: int = Field(primary_key=True, foreign_key="mention.id", ondelete="CASCADE")
    start_day: date = Field(primary_key=True)
    end_day: date = Field(primary_key=True)
    brand: str = Field(max_length=128)
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="CASCADE")
    computed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WebUser(SQLModel, table=True):
    """A person who signs in to the web inbox: a name, a role and an argon2 password hash."""

    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    password_hash: str = Field(sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the SHA-256 of its random id, its user, CSRF token and expiry."""

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_user", "user_id"),)

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="web_user.id", ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AppSecret(SQLModel, table=True):
    """A generated secret the product keeps (the session-cookie key when none is configured)."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
