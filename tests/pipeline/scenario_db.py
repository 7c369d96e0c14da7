"""The hand-worked scoring scenario (tests/scoring/scenario.py) stored in a real database.

Posts go in through ``upsert_posts``, labels through ``save_labels``, the manual mark as a
``Resolution`` row: exactly the path collected data takes. A post the scenario passes as
thread context (``brand=None``) is stored under another, unconfigured brand ("Initech"),
which is what context is in storage: a post of the thread collected for someone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.collectors.appstore.settings import AppStoreBrandSettings
from monitor.collectors.base import Target
from monitor.collectors.reddit.settings import RedditBrandSettings
from monitor.collectors.x.settings import XBrandSettings
from monitor.config import MonitorConfig, Settings
from monitor.posts import Post
from monitor.scoring import MentionFacts
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import Mention
from monitor.storage.scores import save_resolution
from tests.scoring.scenario import Scenario

CONTEXT_BRAND = "Initech"
COLLECTED_AT = datetime(2026, 10, 8, 13, 59, tzinfo=UTC)

X_BRAND = {"query": "@AcmeHelp OR acme", "accounts": ["AcmeHelp"]}
REDDIT_BRAND = {"keywords": ["acme"], "accounts": ["acme_support"], "own_subreddits": ["acme"]}
APPSTORE_BRAND = {"app_id": "123456789", "accounts": ["Acme Inc"]}


def scenario_settings(
    targets: Mapping[str, Any] | None = None, path: Path = Path("config.yaml"), **top: Any
) -> Settings:
    """Settings for brand Acme (New York, competitor Globex) without touching the registry."""
    config = MonitorConfig.model_validate(
        {
            "brands": [
                {
                    "name": "Acme",
                    "timezone": "America/New_York",
                    "sources": {"x": X_BRAND, "reddit": REDDIT_BRAND, "appstore": APPSTORE_BRAND},
                    "competitors": [{"name": "Globex"}],
                    "targets": dict(targets or {}),
                }
            ],
            **top,
        }
    )
    return Settings(
        config=config,
        path=path,
        source_settings={},
        targets={
            "x": [Target("Acme", XBrandSettings(**X_BRAND)), _globex()],
            "reddit": [Target("Acme", RedditBrandSettings(**REDDIT_BRAND))],
            "appstore": [Target("Acme", AppStoreBrandSettings(**APPSTORE_BRAND))],
        },
    )


def _globex() -> Target:
    settings = XBrandSettings(query="globex", accounts=["GlobexCare"])
    return Target("Globex", settings, is_competitor=True, owner="Acme")


def to_post(m: MentionFacts) -> Post:
    """The scenario fact as a collector would have yielded it."""
    return Post(
        source=m.source,
        external_id=m.external_id,
        author=m.author,
        text=m.text,
        created_at=m.created_at,
        author_followers=m.author_followers,
        url=m.url,
        in_reply_to=m.in_reply_to,
        thread_id=m.thread_id,
        subreddit=m.subreddit,
        rating=m.rating,
        brand=m.brand or CONTEXT_BRAND,
    )


def seed(engine: Engine, sc: Scenario, facts: list[MentionFacts] | None = None) -> dict[str, int]:
    """Store the scenario's posts, labels and manual marks; returns ``{key: mention id}``."""
    facts = sc.mentions if facts is None else facts
    by_key = {m.key: m for m in facts}
    with session_scope(engine) as session:
        upsert_posts(
            session,
            [to_post(m) for m in facts],
            brand_of=lambda p: p.brand or CONTEXT_BRAND,
            is_brand_post=lambda p: by_key[p.key].is_brand_post,
            now=COLLECTED_AT,
        )
    with session_scope(engine) as session:
        ids = {f"{s}:{e}": int(i) for i, s, e in session.exec(_id_query())}
        records = [
            LabelRecord(
                mention_id=ids[m.key],
                label=m.label,
                confidence=m.confidence,
                scores=None if m.negative_score is None else {"negative": m.negative_score},
            )
            for m in facts
            if m.label is not None
        ]
        save_labels(
            session, records, model_name="test-model", model_revision=None, now=COLLECTED_AT
        )
        for mark in sc.resolutions:
            if mark.key in ids:  # the scenario also marks a post nobody stored
                save_resolution(session, ids[mark.key], mark.resolved_at, mark.note, COLLECTED_AT)
    return ids


def _id_query() -> Any:
    return select(Mention.id, Mention.source, Mention.external_id)
