"""Benchmark: batch-upsert synthetic mentions, then time the hot read queries.

Usage: python scripts/bench_storage.py [--rows 1000000] [--batch 5000] [--postgres URL]
Prints mentions/s for the upsert and milliseconds for "negative mentions of the last 24 h,
newest 50" and for a day's KPI aggregate, on SQLite (and PostgreSQL when a URL is given).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, func, select, text, update

from monitor.posts import Post
from monitor.storage.db import make_engine, session_scope
from monitor.storage.mentions import MentionFilter, recent_mentions, upsert_posts
from monitor.storage.migrate import upgrade
from monitor.storage.models import Mention

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
BRANDS = ["Acme", "Globex", "Initech", "Umbrella"]
SOURCES = ["x", "reddit", "appstore"]
WORDS = [
    "late",
    "flight",
    "refund",
    "support",
    "thanks",
    "great",
    "awful",
    "delayed",
    "bag",
    "lost",
    "crew",
    "app",
    "crash",
    "love",
]


def synthetic_posts(start: int, count: int, rng: random.Random, span_days: int) -> list[Post]:
    """``count`` varied posts with ids from ``start``, spread over ``span_days`` days."""
    posts = []
    for i in range(start, start + count):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30)))
        posts.append(
            Post(
                source=SOURCES[i % 3],
                external_id=str(10**12 + i),
                author=f"user{rng.randint(1, 200_000)}",
                text=f"@acme {words} #{i}",
                created_at=NOW - timedelta(seconds=rng.uniform(0, span_days * 86400)),
                author_followers=rng.randint(0, 50_000),
                thread_id=str(10**12 + i - i % 4),
                in_reply_to=str(10**12 + i - 1) if i % 4 else None,
                brand=BRANDS[i % 4],
                lang="en",
                raw={"id": i},
            )
        )
    return posts


def bench(url: str, rows: int, batch: int, span_days: int) -> None:
    """Run the upsert and both queries against ``url`` and print the figures."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(7)
    started = time.perf_counter()
    gen_seconds = 0.0
    for start in range(0, rows, batch):
        g0 = time.perf_counter()
        posts = synthetic_posts(start, min(batch, rows - start), rng, span_days)
        gen_seconds += time.perf_counter() - g0
        with session_scope(engine) as session:
            upsert_posts(
                session,
                posts,
                brand_of=lambda p: p.brand or "Acme",
                is_brand_post=lambda p: False,
                now=NOW,
            )
    elapsed = time.perf_counter() - started - gen_seconds
    print(
        f"[{engine.dialect.name}] upsert {rows:,} mentions in batches of {batch}: "
        f"{elapsed:.1f}s = {rows / elapsed:,.0f} mentions/s (post generation excluded)"
    )

    # Labels as the classifier would leave them, written in one statement for speed.
    with session_scope(engine) as session:
        label = case(
            (Mention.id % 5 == 0, "negative"), (Mention.id % 5 == 1, "positive"), else_="neutral"
        )
        session.execute(update(Mention).values(sentiment=label, sentiment_confidence=0.8))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))

    def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        return best * 1000

    def negatives() -> None:
        with session_scope(engine) as session:
            got = recent_mentions(
                session,
                MentionFilter(
                    brands=["Acme"], sentiment="negative", since=NOW - timedelta(hours=24), limit=50
                ),
            )
            assert got, "no negative mentions in the last 24 h: widen --rows or narrow --span-days"

    day_start = NOW.replace(hour=0, minute=0, second=0) - timedelta(days=1)

    def day_kpis() -> None:
        with session_scope(engine) as session:
            stmt = (
                select(Mention.source, Mention.sentiment, func.count())
                .where(
                    Mention.brand == "Acme",
                    Mention.created_at >= day_start,
                    Mention.created_at < day_start + timedelta(days=1),
                    Mention.is_brand_post.is_(False),  # type: ignore[attr-defined]
                )
                .group_by(Mention.source, Mention.sentiment)
            )
            assert session.execute(stmt).all()

    name = engine.dialect.name
    print(f"[{name}] negative mentions of the last 24 h, newest 50: {timed(negatives):.1f} ms")
    print(f"[{name}] one day's KPI aggregate (volume by source, label): {timed(day_kpis):.1f} ms")
    engine.dispose()


def main() -> None:
    """Parse arguments and run the benchmark on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--span-days", type=int, default=60)
    parser.add_argument("--sqlite", default=None, help="SQLite file (default: a temp file)")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL to bench as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.sqlite or str(Path(tmp) / "bench.db")
        bench(f"sqlite:///{path}", args.rows, args.batch, args.span_days)
    if args.postgres:
        bench(args.postgres, args.rows, args.batch, args.span_days)


if __name__ == "__main__":
    main()
