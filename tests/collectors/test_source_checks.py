"""``check()`` of every collector against its fake: ok, bad credentials, unreachable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from tests.collectors.fakes.appstore_server import make_appstore_collector, running_appstore_server
from tests.collectors.fakes.reddit_server import make_reddit_collector, running_reddit_server
from tests.collectors.fakes.x_server import make_x_collector, running_x_server
from tests.collectors.replay_harness import make_replay_collector

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens there


def clock() -> datetime:
    return NOW


def test_x_check_ok_and_refused_token() -> None:
    with running_x_server() as server:
        collector, _ = make_x_collector(server.base_url, clock)
        ok = collector.check()
        assert ok.ok and "bearer token accepted" in ok.detail and "10,000" in ok.detail
        asked = server.requests[-1].params
        assert asked["max_results"] == "10" and asked["query"].startswith("from:")
        bad, _ = make_x_collector(server.base_url, clock, bearer_token="not-the-token")
        refused = bad.check()
    assert not refused.ok and not refused.unreachable
    assert refused.fix and "X_BEARER_TOKEN" in refused.fix and "not-the-token" not in str(refused)
    down, _ = make_x_collector(CLOSED, clock)
    unreachable = down.check()
    assert not unreachable.ok and unreachable.unreachable


def test_reddit_check_ok_and_refused_secret() -> None:
    with running_reddit_server() as server:
        collector, _ = make_reddit_collector(server.base_url, clock)
        ok = collector.check()
        collector.close()
        assert ok.ok and "app-only" in ok.detail
        bad, _ = make_reddit_collector(server.base_url, clock, client_secret=SecretStr("wrong"))
        refused = bad.check()
        bad.close()
    assert not refused.ok and not refused.unreachable
    assert refused.fix and "REDDIT_CLIENT_SECRET" in refused.fix and "wrong" not in str(refused)
    down, _ = make_reddit_collector(CLOSED, clock, max_retries=0)
    unreachable = down.check()
    down.close()
    assert not unreachable.ok and unreachable.unreachable


def test_appstore_check_ok_and_refused_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    with running_appstore_server(clock=clock) as server:
        collector, _ = make_appstore_collector(server.base_url, clock)
        ok = collector.check()
        collector.close()
        assert ok.ok and "Acme Mobile" in ok.detail
        assert server.requests[-1].path == "/v1/apps"
        other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        for overrides in ({"key_id": "WRONGKEY12"}, {"private_key": SecretStr(other.decode())}):
            bad, _ = make_appstore_collector(server.base_url, clock, **overrides)
            refused = bad.check()
            bad.close()
            assert not refused.ok and not refused.unreachable and "HTTP 401" in refused.detail
            assert refused.fix and "ASC_KEY_ID" in refused.fix
    down, _ = make_appstore_collector(CLOSED, clock)
    unreachable = down.check()
    down.close()
    assert not unreachable.ok and unreachable.unreachable


def test_replay_check_counts_posts_or_names_the_path(tmp_path: Path) -> None:
    collector, _ = make_replay_collector()
    ok = collector.check()
    assert ok.ok and "posts" in ok.detail and "1 bad rows skipped" in ok.detail
    missing, _ = make_replay_collector(tmp_path / "nope.jsonl")
    gone = missing.check()
    assert not gone.ok and gone.fix and "sources.replay.path" in gone.fix
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n", encoding="utf-8")
    empty, _ = make_replay_collector(junk)
    unusable = empty.check()
    assert not unusable.ok and "no usable post" in unusable.detail
