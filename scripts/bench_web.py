"""Server time of the web pages on a big database: queue page and mention search at p95.

Builds (once, cached under /tmp) a SQLite database of 1 M mentions over a year and 100 k
complaints (about 2 % still open, as after the silence rule resolves the old ones), then
serves the real ASGI app in-process and times requests: the queue page, the mention search
(a brand's week, a text search, a sentiment filter, a deep page) and the page weights. The
issue's targets: p95 < 150 ms for the queue and the search, a page without charts < 300 KB.

    .venv/bin/python scripts/bench_web.py [--mentions 1000000] [--complaints 100000]
        [--runs 30] [--postgres URL --pg-mentions 200000]

Times are wall time of each request through the ASGI app in this process (no network): the
server's work plus the in-process client, which adds well under a millisecond. The queue
rows are with its analysis kept (monitor/pipeline/queue_cache.py); "queue / (cache miss)"
is the first request after any write to the database, which analyses the open items again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BRANDS = (("Acme", 0.6), ("Globex", 0.3), ("Initech", 0.1))
SOURCES = ("x", "reddit", "mastodon", "bluesky", "appstore", "googleplay")
SENTIMENTS = ("negative", "neutral", "positive")
WORDS = [
    "refund", "order", "late", "parcel", "app", "crash", "login", "password", "charge",
    "twice", "support", "slow", "great", "love", "thanks", "delivery", "broken", "update",
    "battery", "screen", "price", "plan", "account", "blocked", "help", "waiting", "still",
    "nobody", "answered", "again", "today", "week", "phone", "card", "payment", "failed",
    "sync", "works", "fixed",
]  # fmt: skip
DAYS = 365
#: Share of complaints still open: the recent ones (older ones are resolved by silence).
OPEN_SHARE = 0.02
TARGET_MS = 150.0
TARGET_PAGE_KB = 300.0
BENCH_PASSWORD = "bench password, local only"
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

CONFIG = """\
database_url: {url}
brands:
  - name: Acme
    timezone: America/New_York
    sources:
      x: {{query: "@AcmeHelp OR acme", accounts: [AcmeHelp]}}
      reddit: {{keywords: [acme], accounts: [acme_support]}}
    competitors:
      - name: Globex
    targets:
      response_rate: {{min: 0.9}}
      frt_median_min: {{max: 60}}
  - name: Initech
    timezone: Europe/Berlin
    sources:
      x: {{query: "initech", accounts: [InitechCare]}}
sources:
  x: {{enabled: false}}
  reddit: {{enabled: false}}
"""


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 22)))


def _mention_rows(n: int, now: datetime, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """``n`` mentions over the last year, newest last: (id, columns...) as stored."""
    rng = random.Random(seed)
    start = now - timedelta(days=DAYS)
    step = (now - start) / n
    names = [b for b, _ in BRANDS]
    weights = [w for _, w in BRANDS]
    for i in range(1, n + 1):
        created = start + step * i
        brand = rng.choices(names, weights)[0]
        source = SOURCES[i % len(SOURCES)]
        brand_post = rng.random() < 0.08
        sentiment = None if rng.random() < 0.01 else rng.choice(SENTIMENTS)
        yield (
            i, source, f"b{i}", brand,
            "AcmeHelp" if brand_post else f"user{rng.randint(1, 200_000)}",
            None, rng.randint(0, 50_000), _text(rng), f"https://example.test/{source}/{i}",
            created, created, created, None, f"b{i}", None, brand_post, None, "en",
            sentiment, None if sentiment is None else round(rng.uniform(0.5, 1), 3), "{}",
        )  # fmt: skip


MENTION_COLUMNS = (
    "id, source, external_id, brand, author, author_id, author_followers, text, url, "
    "created_at, collected_at, updated_at, in_reply_to, thread_id, subreddit, "
    "is_brand_post, rating, lang, sentiment, sentiment_confidence, raw"
)
COMPLAINT_COLUMNS = (
    "mention_id, brand, source, created_at, reason, answered, first_response_at, "
    "brand_replies, resolved_at, resolution_kind, scored_at, kind"
)


def _complaint(m: tuple[Any, ...], rng: random.Random, now: datetime) -> tuple[Any, ...]:
    """The complaint of mention ``m``; open when from the last OPEN_SHARE of the year."""
    answered = rng.random() < 0.7
    created = m[9]
    recent = created >= now - timedelta(days=DAYS * OPEN_SHARE)
    resolved = None if recent else created + timedelta(hours=48)
    return (
        m[0], m[3], m[1], created, "negative and directed", answered,
        created + timedelta(minutes=rng.randint(5, 600)) if answered else None,
        1 if answered else 0, resolved, None if resolved is None else "silence",
        now, "question" if rng.random() < 0.2 else "complaint",
    )  # fmt: skip


def _rows(
    mentions: int, complaints: int, now: datetime, chunk: int = 50_000
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (mention rows, complaint rows): complaints on inbound posts of our brands."""
    rng = random.Random(11)
    own_inbound = sum(w for b, w in BRANDS if b != "Globex") * 0.92
    share = complaints / (mentions * own_inbound)
    made = 0
    batch: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for m in _mention_rows(mentions, now):
        batch.append(m)
        if m[3] != "Globex" and not m[15] and made < complaints and rng.random() < share:
            items.append(_complaint(m, rng, now))
            made += 1
        if len(batch) >= chunk:
            yield batch, items
            batch, items = [], []
    if batch:
        yield batch, items


#: Each mention counts for the brand it was stored for, as the store and migration 0006 do
#: (brand filters read mention_brand).
ATTRIBUTION = (
    "INSERT INTO mention_brand (mention_id, brand, how, created_at) "
    "SELECT id, brand, 'target', created_at FROM mention"
)


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime(_SQLITE_TIME)
    return v


def build_sqlite(path: Path, mentions: int, complaints: int, now: datetime) -> float:
    """Create and fill the database at ``path``; seconds taken."""
    from monitor.storage.db import make_engine
    from monitor.storage.migrate import upgrade

    began = time.perf_counter()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    m_sql = f"INSERT INTO mention ({MENTION_COLUMNS}) VALUES ({', '.join('?' * 21)})"
    c_sql = f"INSERT INTO complaint ({COMPLAINT_COLUMNS}) VALUES ({', '.join('?' * 12)})"
    for batch, items in _rows(mentions, complaints, now):
        con.executemany(m_sql, [tuple(_sqlite_value(v) for v in r) for r in batch])
        con.executemany(c_sql, [tuple(_sqlite_value(v) for v in r) for r in items])
    con.execute(ATTRIBUTION)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.rename(path)
    return time.perf_counter() - began


def build_postgres(url: str, mentions: int, complaints: int, now: datetime) -> float:
    """Fill a fresh schema at ``url`` (COPY); seconds taken."""
    from sqlalchemy import text

    from monitor.storage.db import make_engine
    from monitor.storage.migrate import upgrade

    began = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        for batch, items in _rows(mentions, complaints, now):
            with cursor.copy(f"COPY mention ({MENTION_COLUMNS}) FROM STDIN") as copy:
                for r in batch:
                    copy.write_row(r)
            with cursor.copy(f"COPY complaint ({COMPLAINT_COLUMNS}) FROM STDIN") as copy:
                for r in items:
                    copy.write_row(r)
        conn.execute(text(ATTRIBUTION))
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('mention', 'id'), :n)"), {"n": mentions}
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Milliseconds of ``runs`` calls after one warm-up call, and the last result."""
    result = call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def _client(config: Path) -> Any:
    """A test client of the real app over ``config``, signed in through the login form."""
    from starlette.testclient import TestClient

    from monitor.config import load_config
    from monitor.pipeline.users import add_user, list_users
    from monitor.storage.db import make_engine
    from monitor.storage.migrate import upgrade
    from monitor.web.app import create_app

    settings = load_config(config)
    engine = make_engine(settings.config.database_url)
    upgrade(engine)  # the cached file may predate the newest migration
    if not any(u.name == "bench" for u in list_users(engine)):
        add_user(engine, "bench", "admin", BENCH_PASSWORD, clock=lambda: datetime.now(UTC))
    client = TestClient(create_app(settings, engine), base_url="http://127.0.0.1")
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("the login page has no CSRF token")
    data = {"username": "bench", "password": BENCH_PASSWORD, "csrf_token": token.group(1)}
    if client.post("/login", data=data).status_code != 200:
        raise SystemExit("cannot sign in")
    return client


def measure(config: Path, runs: int) -> list[dict[str, Any]]:
    """Time the pages; one record per page."""
    client = _client(config)
    pages = [
        ("queue /", "/"),
        ("queue / brand=Acme overdue", "/?brand=Acme&overdue=1"),
        ("mentions (Acme, last 7 days)", "/mentions?brand=Acme"),
        ("mentions text=refund", "/mentions?text=refund"),
        ("mentions negative, x, 30 days", "/mentions?sentiment=negative&source=x&first={d30}"),
        ("mentions page 20", "/mentions?brand=Acme&page=20"),
    ]
    from monitor.pipeline.queue_cache import CACHE

    def missed() -> Any:
        CACHE.clear()  # what the first request after any write costs
        return client.get("/")

    today = datetime.now(UTC).date()
    out = []
    for name, path in pages:
        url = path.format(d30=(today - timedelta(days=29)).isoformat())
        times, response = timed(lambda u=url: client.get(u), runs)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        out.append(
            {
                "page": name,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "kb": round(len(response.content) / 1024, 1),
            }
        )
    times, response = timed(missed, max(2, runs // 5))
    out.append(
        {
            "page": "queue / (cache miss)",
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "kb": round(len(response.content) / 1024, 1),
        }
    )
    return out


def _write_config(folder: Path, url: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(CONFIG.format(url=url), encoding="utf-8")
    return path


def _report(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(f"  {'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7}")
    for r in rows:
        flag = "" if r["p95_ms"] < TARGET_MS and r["kb"] < TARGET_PAGE_KB else "  OVER TARGET"
        print(f"  {r['page']:<34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['kb']:>7}{flag}")


def main() -> None:
    """Build or reuse the databases, time the pages, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", help="also measure on this PostgreSQL URL (a new schema)")
    parser.add_argument("--pg-mentions", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    now = datetime.now(UTC)
    # the data is relative to today (the app reads the real clock): one cached file a day
    cache = Path(tempfile.gettempdir()) / (
        f"monitor-bench-web-v2-{args.mentions}-{args.complaints}-{now.date().isoformat()}.db"
    )
    if not cache.exists():
        print(f"building {cache} ({args.mentions:,} mentions, {args.complaints:,} complaints)")
        print(f"  built in {build_sqlite(cache, args.mentions, args.complaints, now):.0f} s")
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = _write_config(Path(tmp), f"sqlite:///{cache}")
        figures["sqlite"] = measure(config, args.runs)
    _report(
        f"SQLite: {args.mentions:,} mentions, {args.complaints:,} complaints", figures["sqlite"]
    )
    if args.postgres:
        figures["postgresql"] = _postgres(args, now)
    if args.json:
        print(json.dumps(figures, indent=2))


def _postgres(args: argparse.Namespace, now: datetime) -> list[dict[str, Any]]:
    import uuid

    from sqlalchemy import text

    from monitor.storage.db import make_engine, normalize_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(args.postgres)
    url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    try:
        complaints = args.complaints * args.pg_mentions // args.mentions
        took = build_postgres(url, args.pg_mentions, complaints, now)
        print(f"\nPostgreSQL schema {schema} filled in {took:.0f} s")
        with tempfile.TemporaryDirectory() as tmp:
            rows = measure(_write_config(Path(tmp), url), args.runs)
        _report(f"PostgreSQL: {args.pg_mentions:,} mentions, {complaints:,} complaints", rows)
        return rows
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    os.environ.setdefault("MONITOR_LOG_LEVEL", "WARNING")
    main()
