"""``monitor run --once`` against fake X and Reddit servers and a real SMTP server.

Collects, classifies with the bundled model, scores, and mails the digest with its charts;
the test opens the mail it received and checks what the team would see.
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.storage.db import make_engine, session_scope
from monitor.storage.labels import count_backlog
from monitor.storage.models import Complaint, DigestRun, Mention
from tests.collectors.fakes.reddit_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    EXPECTED_IDS,
    running_reddit_server,
)
from tests.collectors.fakes.x_server import FAKE_BEARER, TWITTER_EPOCH_MS, running_x_server
from tests.report.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    EphemeralController,
    SmtpServer,
    SmtpSink,
    _authenticator,
    running,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = {
    "id": "2001",
    "name": "Pat Flyer",
    "username": "pat_flyer",
    "public_metrics": {"followers_count": 900},
}
BRAND = {
    "id": "3001",
    "name": "Acme Help",
    "username": "AcmeHelp",
    "public_metrics": {"followers_count": 50000},
}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    sink = SmtpSink()
    controller = EphemeralController(
        sink, hostname="127.0.0.1", port=0, authenticator=_authenticator, auth_require_tls=False
    )
    with running(controller):
        yield SmtpServer("127.0.0.1", controller.port, sink)


def tweet(
    at: datetime,
    seq: int,
    author: dict[str, Any],
    text: str,
    reply_to: str | None = None,
    conversation: str | None = None,
) -> dict[str, Any]:
    tweet_id = str(((int(at.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) | seq)
    doc: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": author["id"],
        "edit_history_tweet_ids": [tweet_id],
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": "en",
        "conversation_id": conversation or tweet_id,
    }
    if reply_to:
        doc["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        doc["in_reply_to_user_id"] = CUSTOMER["id"]
    return doc


def yesterdays_tweets() -> list[dict[str, Any]]:
    """Complaints from yesterday (UTC), one answered by the brand within the SLA."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    angry = tweet(
        noon, 1, CUSTOMER, "@AcmeHelp my acmeair flight is delayed again, worst airline ever"
    )
    texts = [
        "@AcmeHelp acmeair lost my bag and nobody answers, terrible service",
        "@AcmeHelp thanks acmeair, the crew was lovely and we landed early!",
        "@AcmeHelp acmeair cancelled my flight with no explanation, furious",
    ]
    tweets = [angry] + [
        tweet(noon + timedelta(minutes=10 * (i + 1)), i + 2, CUSTOMER, text)
        for i, text in enumerate(texts)
    ]
    reply = tweet(
        noon + timedelta(minutes=20),
        9,
        BRAND,
        "@pat_flyer acmeair is sorry, please DM us",
        reply_to=angry["id"],
        conversation=angry["id"],
    )
    return [*tweets, reply]


def write_config(tmp_path: Path, x_url: str, reddit_url: str, smtp: SmtpServer) -> Path:
    config = {
        "database_url": f"sqlite:///{tmp_path / 'monitor.db'}",
        "brands": [
            {
                "name": "Acme",
                "timezone": "UTC",
                "sources": {
                    "x": {"query": "acmeair", "accounts": ["AcmeHelp"]},
                    "reddit": {
                        "keywords": ["acme"],
                        "subreddits": ["techsupport"],
                        "own_subreddits": ["AcmeMobile"],
                        "accounts": ["AcmeSupport"],
                    },
                },
                "targets": {"response_rate": {"min": 0.9}, "frt_median_min": {"max": 60}},
            }
        ],
        "sources": {
            "x": {"enabled": True, "base_url": x_url, "bearer_token": "${X_BEARER_TOKEN}"},
            "reddit": {
                "enabled": True,
                "base_url": reddit_url,
                "client_id": "${REDDIT_CLIENT_ID}",
                "client_secret": "${REDDIT_CLIENT_SECRET}",
                "user_agent": "monitor-tests/1.0",
            },
        },
        "sentiment": {"model": str(REPO_ROOT / "models" / "tweet-sentiment-minilm")},
        "digest": {
            "recipients": ["care@acme.example"],
            "channels": ["email"],
            "out_dir": str(tmp_path / "digests"),
        },
        "email": {
            "enabled": True,
            "host": smtp.host,
            "port": smtp.port,
            "security": "none",
            "username": SMTP_USER,
            "password": "${SMTP_PASSWORD}",
            "sender": "monitor@acme.example",
        },
        "daemon": {"metrics_port": None},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


ENV = {
    "X_BEARER_TOKEN": FAKE_BEARER,
    "REDDIT_CLIENT_ID": CLIENT_ID,
    "REDDIT_CLIENT_SECRET": CLIENT_SECRET,
    "SMTP_PASSWORD": SMTP_PASSWORD,
}


@pytest.mark.slow
def test_run_once_collects_classifies_scores_and_mails_the_digest(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    corpus = {"tweets": yesterdays_tweets(), "users": [CUSTOMER, BRAND]}
    with running_x_server(corpus) as x, running_reddit_server() as reddit:
        config = write_config(tmp_path, x.base_url, reddit.base_url, smtp)
        result = CliRunner().invoke(app, ["run", "--once", "--config", str(config)], env=ENV)
        assert result.exit_code == 0, result.output
        again = CliRunner().invoke(app, ["run", "--once", "--config", str(config)], env=ENV)
        assert again.exit_code == 0, again.output

    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    with session_scope(engine) as session:
        sources = dict(
            session.execute(select(Mention.source, func.count()).group_by(Mention.source)).all()
        )
        reddit_ids = set(
            session.execute(select(Mention.external_id).where(Mention.source == "reddit")).scalars()
        )
        assert count_backlog(session) == 0
        complaints = list(session.execute(select(Complaint)).scalars())
        runs = list(session.execute(select(DigestRun)).scalars())
    assert sources["x"] == 5 and reddit_ids == set(EXPECTED_IDS)
    assert any(c.answered for c in complaints) and any(not c.answered for c in complaints)
    assert len(runs) == 1 and runs[0].sent_at is not None and runs[0].channels == "email"

    assert len(smtp.sink.messages) == 1, "the digest goes out once per brand and day"
    message: Message = email.message_from_bytes(smtp.sink.messages[0].content)
    assert message["To"] == "care@acme.example"
    parts = list(message.walk())
    html = (
        next(p for p in parts if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )
    text = (
        next(p for p in parts if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    images = [p for p in parts if p.get_content_type() == "image/png"]
    assert len(images) == 3
    for image in images:
        payload = image.get_payload(decode=True)
        assert payload.startswith(b"\x89PNG\r\n\x1a\n") and len(payload) > 5_000
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
    assert "Acme" in html and "Response rate" in html
    assert "lost my bag" in html and "lost my bag" in text  # an unanswered complaint is listed
