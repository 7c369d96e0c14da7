"""Classify on SQLite and PostgreSQL: posts in a language the model cannot read get no label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.classify import SentimentClassifier, bundled_model_path, load_classifier
from monitor.config import parse_config
from monitor.pipeline.classify import classify_backlog
from monitor.pipeline.sentiment_model import get_classifier
from monitor.posts import Post
from monitor.storage.db import session_scope
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import Mention, SentimentLabel

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
GERMAN = "@AcmeHelp Ich bin sehr enttäuscht von eurem Service, seit zwei Wochen keine Antwort!"
ENGLISH = "@AcmeHelp where is my order?? tracking hasn't updated in 5 days"


@pytest.fixture(scope="module")
def english_model() -> SentimentClassifier:
    return load_classifier(str(bundled_model_path()), batch_size=8)


@pytest.fixture(scope="module")
def multilingual_model() -> SentimentClassifier:
    return load_classifier(str(bundled_model_path()), batch_size=8, languages=None)


def post(key: str, text: str, lang: str | None = None) -> Post:
    return Post(
        source="x",
        external_id=key,
        author=f"user_{key}",
        text=text,
        created_at=NOW - timedelta(minutes=5),
        lang=lang,
    )


POSTS = [
    post("de", GERMAN),
    post("en", ENGLISH),
    post("tagged", "@AcmeHelp obrigado pela ajuda hoje no balcão", lang="pt-BR"),
    post("short", "@AcmeHelp lol 😂"),
    post("und", "@AcmeHelp thanks, the new seats are great", lang="und"),
]


def store(engine: Engine, posts: list[Post]) -> None:
    with session_scope(engine) as s:
        upsert_posts(s, posts, brand_of=lambda p: "Acme", is_brand_post=lambda p: False, now=NOW)


def rows(engine: Engine) -> dict[str, tuple[Mention, SentimentLabel]]:
    with session_scope(engine) as s:
        found = s.execute(
            select(Mention, SentimentLabel).join(
                SentimentLabel, SentimentLabel.mention_id == Mention.id
            )
        ).all()
        for m, label in found:
            s.expunge(m)
            s.expunge(label)
        return {m.external_id: (m, label) for m, label in found}


def test_non_english_post_gets_no_label_and_the_reason(
    engine: Engine, english_model: SentimentClassifier
) -> None:
    store(engine, POSTS)
    report = classify_backlog(engine, english_model, clock=lambda: NOW)
    assert (report.labeled, report.skipped, report.remaining) == (3, 2, 0)
    got = rows(engine)

    de_mention, de_label = got["de"]
    assert de_label.label is None and de_label.confidence is None
    assert de_label.skipped_reason == "unsupported language: de"
    assert de_mention.sentiment is None
    assert de_mention.lang == "de"  # detected, stored for the queue and the reports

    en_mention, en_label = got["en"]
    assert en_label.label in ("negative", "neutral", "positive")
    assert en_label.skipped_reason is None
    assert en_mention.sentiment == en_label.label
    assert en_mention.lang == "en"

    tagged_mention, tagged_label = got["tagged"]
    assert tagged_label.skipped_reason == "unsupported language: pt"
    assert tagged_mention.lang == "pt-BR"  # the source's own tag is kept as sent

    short_mention, short_label = got["short"]
    assert short_label.label is not None  # too short to tell: labeled, not skipped
    assert short_mention.lang is None

    und_mention, und_label = got["und"]
    assert und_label.label is not None  # X's "und" names no language: detected as English
    assert und_mention.lang == "und"


def test_multilingual_model_labels_every_language(
    engine: Engine, multilingual_model: SentimentClassifier
) -> None:
    store(engine, POSTS)
    report = classify_backlog(engine, multilingual_model, clock=lambda: NOW)
    assert (report.labeled, report.skipped) == (5, 0)
    got = rows(engine)
    assert got["de"][1].label is not None and got["de"][1].skipped_reason is None
    assert got["de"][0].lang == "de"  # the language is still known


def test_collecting_again_keeps_the_detected_language_and_an_edit_resets_it(
    engine: Engine, english_model: SentimentClassifier
) -> None:
    store(engine, [post("de", GERMAN)])
    classify_backlog(engine, english_model, clock=lambda: NOW)
    store(engine, [post("de", GERMAN)])  # the source sends no tag again
    assert rows(engine)["de"][0].lang == "de"

    store(engine, [post("de", "@AcmeHelp sorry, wrong account: where is my parcel? It is late")])
    with session_scope(engine) as s:
        mention = s.execute(select(Mention).where(Mention.external_id == "de")).scalar_one()
        assert (mention.lang, mention.sentiment) == (None, None)
    classify_backlog(engine, english_model, clock=lambda: NOW)
    mention, label = rows(engine)["de"]
    assert label.label is not None and mention.lang == "en"


BASE = {"brands": [{"name": "Acme"}]}


def test_config_languages_reach_the_classifier() -> None:
    english = parse_config(BASE, env={})
    assert english.config.sentiment.supported_languages == ("en",)
    assert get_classifier(english).languages == frozenset({"en"})

    multilingual = parse_config({**BASE, "sentiment": {"multilingual": True}}, env={})
    assert multilingual.config.sentiment.supported_languages is None
    assert get_classifier(multilingual).languages is None

    two = parse_config({**BASE, "sentiment": {"languages": ["en", "de"]}}, env={})
    assert get_classifier(two).languages == frozenset({"en", "de"})
