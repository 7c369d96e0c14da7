"""Benchmark: seconds from a collected page stored to its complaints in ``monitor unanswered``.

Usage: PYTHONPATH=. python scripts/bench_latency.py [--pages 20] [--per-page 5]
       [--poll-seconds 2] [--postgres URL]

Runs the real daemon (``monitor run``'s scheduler, collect job, page labeler, bundled
model) in this process against the fake X API of the test suite, with the classify and
score jobs scheduled far in the future, so only the page labeler can put an item in the
queue. A warm-up page loads the model (its time is printed apart). Then, ``--pages``
times: ``--per-page`` new complaint tweets appear at the fake, the next collect pass
stores them as one page, and this script polls the queue (the library call behind
``monitor unanswered``, every 50 ms) until all of them are listed. The latency of a page
is the time all its items are listed minus the time its store began (``collected_at``),
so it counts labeling, the incremental refresh and the queue read, not the wait for the
next poll (printed apart as "published → listed").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from monitor.clock import utc_now
from monitor.config import parse_config
from monitor.daemon import Daemon
from monitor.pipeline.triage import QueueFilter, queue
from monitor.storage.db import make_engine, session_scope
from monitor.storage.models import Mention
from tests.daemon.fake_source import BEARER_ENV, USER, running_gated_x
from tests.daemon.test_realtime import realtime_config, tweet

#: A page whose items are not listed after this long counts as missed.
GIVE_UP_SECONDS = 120.0
POLL_QUEUE_SECONDS = 0.05


def complaint(n: int) -> str:
    return f"@AcmeHelp acmeair lost my bag on flight {n} and nobody answers. Worst airline ever"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=5)
    parser.add_argument("--poll-seconds", type=float, default=2.0, help="the X poll interval")
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, running_gated_x([]) as fake:
        db_url = args.postgres or f"sqlite:///{Path(tmp) / 'monitor.db'}"
        document = realtime_config(db_url, fake.base_url, poll_minutes=args.poll_seconds / 60)
        settings = parse_config(document, path=Path(tmp) / "config.yaml", env=BEARER_ENV)
        engine = make_engine(db_url)
        daemon = Daemon(settings, engine)
        seq = 0

        def publish(count: int) -> tuple[set[str], float]:
            nonlocal seq
            ids, now = set(), datetime.now(UTC)
            for _ in range(count):
                seq += 1
                t = tweet(seq, now + timedelta(milliseconds=seq % 1000), complaint(seq), USER)
                fake.add_tweets(t)
                ids.add(f"x:{t['id']}")
            return ids, time.monotonic()

        def listed(ids: set[str]) -> float | None:
            deadline = time.monotonic() + GIVE_UP_SECONDS
            while time.monotonic() < deadline:
                keys = {i.key for i in queue(engine, settings, clock=utc_now, where=QueueFilter())}
                if ids <= keys:
                    return time.monotonic()
                time.sleep(POLL_QUEUE_SECONDS)
            return None

        def stored_at(ids: set[str]) -> datetime:
            external = [k.split(":", 1)[1] for k in ids]
            with session_scope(engine) as s:
                stmt = select(Mention.collected_at).where(col(Mention.external_id).in_(external))
                return min(s.exec(stmt).all())

        try:
            daemon.start()
            ids, published = publish(args.per_page)
            warm = listed(ids)
            if warm is None:
                print("warm-up page never listed: is the bundled model there?", file=sys.stderr)
                return 1
            print(f"warm-up page (model load included): {warm - published:.1f} s")
            latencies: list[float] = []
            end_to_end: list[float] = []
            missed = 0
            for _ in range(args.pages):
                ids, published = publish(args.per_page)
                seen = listed(ids)
                if seen is None:
                    missed += 1
                    continue
                wall_seen = datetime.now(UTC) - timedelta(seconds=time.monotonic() - seen)
                latencies.append((wall_seen - stored_at(ids)).total_seconds())
                end_to_end.append(seen - published)
        finally:
            daemon.shutdown()
            engine.dispose()

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{backend}, {args.pages} pages of {args.per_page} complaints, "
        f"X polled every {args.poll_seconds:g} s, missed {missed}"
    )
    if latencies:
        print(
            f"page stored -> listed: median {statistics.median(latencies):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s"
        )
        print(
            f"published -> listed (adds the poll wait): median "
            f"{statistics.median(end_to_end):.2f} s, p95 {percentile(end_to_end, 0.95):.2f} s"
        )
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
