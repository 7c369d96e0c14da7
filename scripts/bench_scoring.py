"""Benchmark: score one day and rebuild the unanswered queue over a 1,000,000-mention database.

Usage: python scripts/bench_scoring.py [--rows 1000000] [--complaints 100000] [--days 60]
       [--answered 0.85] [--db PATH [--reuse] | --postgres URL]

Builds a synthetic database with core bulk inserts (ids assigned here, labels included):
brand Acme (Europe/Berlin, competitor Globex) with ``--complaints`` complaint threads
(negative posts naming @AcmeHelp, some 1-2 star reviews), brand replies in ``--answered``
of them (minutes to days later), author follow-ups and thank-yous, plus ordinary
mentions of Acme, Globex and two unrelated brands, spread over ``--days`` days. Then it
prints seconds for: scoring every day once (to fill the complaint table and store each day's
KPI parts), scoring one day (target < 1 s), the daemon's rescoring of the last 3 days, the
KPI report of a day (with a weekly target, merged from the stored daily parts), what
``monitor kpis --days 7`` computes (target < 0.5 s), the real ``monitor kpis --days 7``
command in a fresh process (median of 5, wall and CPU, clock pinned to the data's "now"),
the two weeks and the 7-day range merged against the same recomputed from the mentions (and
whether they are equal), the unanswered queue and one alert check. ``--reuse --scored``
times an already built and scored ``--db`` again without rescoring every day.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlmodel import col

from monitor.collectors.base import Target
from monitor.collectors.x.settings import XBrandSettings
from monitor.config import MonitorConfig, Settings
from monitor.pipeline.alerts import check_and_send_alerts
from monitor.pipeline.kpis import (
    _week_values,
    _week_values_recomputed,
    range_row,
    range_row_recomputed,
)
from monitor.pipeline.score import kpi_report, kpi_rows, score_days, score_recent
from monitor.pipeline.triage import QueueFilter
from monitor.pipeline.triage import queue as needs_reply
from monitor.scoring import ALL_SOURCES, local_day
from monitor.storage.db import make_engine, session_scope
from monitor.storage.migrate import upgrade
from monitor.storage.models import Complaint, Mention, MentionBrand, SentimentLabel

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
ZONE = "Europe/Berlin"
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
BATCH = 20_000
REPO = Path(__file__).resolve().parent.parent
#: The config of :func:`settings_for_bench` as a file, for the real command.
CONFIG = """
database_url: {url}
brands:
  - name: Acme
    timezone: Europe/Berlin
    sources:
      x: {{query: acme, accounts: [AcmeHelp]}}
    competitors:
      - {{name: Globex, sources: {{x: {{query: globex}}}}}}
    targets:
      response_rate: {{min: 0.9}}
      frt_median_min: {{max: 60, period: week}}
sources:
  x: {{enabled: false}}
"""


def settings_for_bench() -> Settings:
    """Acme with its X account, competitor Globex; no registry or config file needed."""
    config = MonitorConfig.model_validate(
        {
            "brands": [
                {
                    "name": "Acme",
                    "timezone": ZONE,
                    "sources": {"x": {"query": "acme", "accounts": ["AcmeHelp"]}},
                    "competitors": [{"name": "Globex"}],
                    "targets": {
                        "response_rate": {"min": 0.9},
                        "frt_median_min": {"max": 60, "period": "week"},
                    },
                }
            ]
        }
    )
    acme = Target("Acme", XBrandSettings(query="acme", accounts=["AcmeHelp"]))
    globex = Target("Globex", XBrandSettings(query="globex"), is_competitor=True, owner="Acme")
    return Settings(config, Path("bench.yaml"), {}, {"x": [acme, globex]})


class Generator:
    """Synthetic mention rows with ids, threads, replies and labels."""

    def __init__(self, rng: random.Random, days: int) -> None:
        self.rng, self.span = rng, days * 86400.0
        self.next_id = 1

    def _words(self) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(5, 25)))

    def row(
        self,
        *,
        brand: str,
        author: str,
        at: datetime,
        label: str | None,
        text: str,
        thread: str | None = None,
        reply: str | None = None,
        source: str = "x",
        rating: int | None = None,
        brand_post: bool = False,
    ) -> dict[str, Any]:
        """One mention row (and its id as external id)."""
        mid = self.next_id
        self.next_id += 1
        eid = str(10**15 + mid)
        return {
            "id": mid,
            "source": source,
            "external_id": eid,
            "brand": brand,
            "author": author,
            "author_followers": self.rng.randint(0, 20_000),
            "text": text,
            "url": f"https://x.com/i/web/status/{eid}",
            "created_at": at,
            "collected_at": NOW,
            "updated_at": NOW,
            "in_reply_to": reply,
            "thread_id": thread or eid,
            "subreddit": None,
            "is_brand_post": brand_post,
            "rating": rating,
            "lang": "en",
            "sentiment": label,
            "sentiment_confidence": None if label is None else 0.6 + 0.4 * self.rng.random(),
            "raw": {},
        }

    def when(self) -> datetime:
        return NOW - timedelta(seconds=self.rng.uniform(0, self.span))

    def complaint_thread(self, answered: bool) -> list[dict[str, Any]]:
        """A complaint, perhaps a follow-up, perhaps a brand reply and the author's thanks."""
        rng, author = self.rng, f"customer{self.rng.randint(1, 300_000)}"
        at = self.when()
        review = rng.random() < 0.05
        root = self.row(
            brand="Acme",
            author=author,
            at=at,
            label="negative",
            text=("Crashes all the time " if review else "@AcmeHelp ") + self._words(),
            source="appstore" if review else "x",
            rating=rng.randint(1, 2) if review else None,
        )
        rows, tid, last = [root], root["external_id"], root["external_id"]
        source = root["source"]
        if rng.random() < 0.1:
            follow = self.row(
                brand="Acme",
                author=author,
                label="negative",
                source=source,
                at=at + timedelta(minutes=rng.uniform(5, 90)),
                thread=tid,
                reply=last,
                text="@AcmeHelp still waiting " + self._words(),
            )
            rows.append(follow)
            last = follow["external_id"]
        if answered:
            delay = rng.uniform(3, 240) if rng.random() < 0.9 else rng.uniform(240, 4000)
            reply_at = rows[-1]["created_at"] + timedelta(minutes=delay)
            reply = self.row(
                brand="Acme",
                author="AcmeHelp",
                at=reply_at,
                label="neutral",
                text=f"@{author} sorry, DM us",
                thread=tid,
                reply=last,
                brand_post=True,
                source=source,
            )
            rows.append(reply)
            if rng.random() < 0.3:
                rows.append(
                    self.row(
                        brand="Acme",
                        author=author,
                        label="positive",
                        at=reply_at + timedelta(minutes=rng.uniform(2, 120)),
                        thread=tid,
                        reply=reply["external_id"],
                        source=source,
                        text="@AcmeHelp thanks, sorted",
                    )
                )
        return [r for r in rows if r["created_at"] <= NOW]

    def ordinary(self) -> dict[str, Any]:
        """A mention that is no complaint (or another brand's)."""
        roll = self.rng.random()
        brand = (
            "Acme"
            if roll < 0.6
            else "Globex"
            if roll < 0.8
            else self.rng.choice(["Initech", "Umbrella"])
        )
        label = self.rng.choice(["positive", "neutral", "neutral", "negative", None])
        return self.row(
            brand=brand,
            author=f"user{self.rng.randint(1, 500_000)}",
            at=self.when(),
            label=label,
            text=f"{brand.lower()} {self._words()}",
        )


def generate(rows: int, complaints: int, answered: float, days: int) -> Iterator[dict[str, Any]]:
    """``rows`` mention rows in total, ``complaints`` of them complaint threads' roots."""
    gen, made = Generator(random.Random(7), days), 0
    for i in range(complaints):
        for row in gen.complaint_thread(answered=(i % 1000) < answered * 1000):
            made += 1
            yield row
    while made < rows:
        made += 1
        yield gen.ordinary()


def build(url: str, rows: int, complaints: int, answered: float, days: int) -> None:
    """Create the schema and bulk-insert the synthetic mentions and their labels."""
    engine = make_engine(url)
    upgrade(engine)
    started, batch = time.perf_counter(), []

    def flush() -> None:
        labels = [
            {
                "mention_id": r["id"],
                "label": r["sentiment"],
                "confidence": r["sentiment_confidence"],
                "score_negative": (
                    r["sentiment_confidence"] if r["sentiment"] == "negative" else 0.05
                )
                if r["sentiment"]
                else None,
                "model_name": "bench",
                "labeled_at": NOW,
            }
            for r in batch
            if r["sentiment"] is not None
        ]
        # every mention counts for the brand it was collected for (as upsert_posts stores it)
        brands = [
            {"mention_id": r["id"], "brand": r["brand"], "how": "target",
             "created_at": r["created_at"]}
            for r in batch
        ]  # fmt: skip
        with session_scope(engine) as session:
            session.execute(insert(Mention), batch)
            session.execute(insert(MentionBrand), brands)
            if labels:
                session.execute(insert(SentimentLabel), labels)
        batch.clear()

    for row in generate(rows, complaints, answered, days):
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # explicit ids: move the sequence past them
            conn.execute(text("SELECT setval('mention_id_seq', (SELECT max(id) FROM mention))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # fresh statistics, as autovacuum would gather them after a bulk load
        conn.execute(text("ANALYZE"))
    with session_scope(engine) as session:
        count = session.execute(select(func.count()).select_from(Mention)).scalar_one()
    print(f"built {count:,} mentions in {time.perf_counter() - started:.1f} s")
    engine.dispose()


def timed(label: str, action: Callable[[], Any]) -> Any:
    """Run ``action`` and print how long it took."""
    started = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - started:.3f} s")
    return result


def command_seconds(url: str, args: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of ``monitor ARGS`` in fresh processes, clock at NOW."""
    folder = Path(tempfile.mkdtemp(prefix="bench-kpis-"))
    config = folder / "config.yaml"
    config.write_text(CONFIG.format(url=url), encoding="utf-8")
    code = (
        "import datetime, monitor.cli.common as common\n"
        f"at = datetime.datetime.fromisoformat({NOW.isoformat()!r})\n"
        "common.AppContext.now = staticmethod(lambda: at)\n"
        "from monitor.cli import main\nmain()"
    )
    command = [sys.executable, "-c", code, *args, "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    walls, cpus = [], []
    for attempt in range(runs + 1):  # the first run writes .pyc files and fills the OS cache
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, cwd=folder)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if attempt:
            walls.append(time.perf_counter() - started)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def run(url: str, days: int, *, scored: bool = False) -> None:
    """Time scoring, the KPI report, the unanswered queue and an alert check."""
    engine = make_engine(url)
    settings = settings_for_bench()
    today = local_day(NOW, settings.brand("Acme").zone)
    every_day = [today - timedelta(days=i) for i in range(days + 1)]
    if not scored:
        report = timed(
            f"score all {len(every_day)} days (fills complaints)",
            lambda: score_days(engine, settings, clock=lambda: NOW, days=every_day),
        )
        print(f"  {report.rows} KPI rows, {report.complaints:,} complaints")
    day = today - timedelta(days=1)
    for attempt in (1, 2):
        timed(
            f"score one day ({day}), run {attempt}",
            lambda: score_days(engine, settings, clock=lambda: NOW, days=[day]),
        )
    timed(
        "score_recent(days=3) (daemon job)",
        lambda: score_recent(engine, settings, clock=lambda: NOW, days=3),
    )
    timed(
        f"kpi_report({day}) (weekly target: merged from stored parts)",
        lambda: kpi_report(engine, settings, brand="Acme", day=day, clock=lambda: NOW),
    )
    week = [day - timedelta(days=i) for i in range(6, -1, -1)]

    def kpis_command() -> None:  # what `monitor kpis --days 7` asks the library for
        kpi_rows(engine, settings, brand="Acme", days=[*week[1:], today], clock=lambda: NOW)
        kpi_report(engine, settings, brand="Acme", day=day, clock=lambda: NOW)
        range_row(engine, settings, brand="Acme", first=week[1], last=today, clock=lambda: NOW)

    timed("monitor kpis --days 7 (library calls, weekly target) (target < 0.5 s)", kpis_command)
    wall, cpu = command_seconds(url, ["kpis", "--days", "7", "--brand", "Acme"])
    print(
        f"monitor kpis --days 7 (the command, fresh process, median of 5): wall {wall:.3f} s, "
        f"cpu {cpu:.3f} s (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    span = {"brand": "Acme", "first": week[1], "last": today, "clock": lambda: NOW}
    merged_span = timed(
        "the 7-day range row merged from stored parts",
        lambda: range_row(engine, settings, **span),  # type: ignore[arg-type]
    )
    recomputed_span = timed(
        "the same recomputed from 7 days of mentions (before)",
        lambda: range_row_recomputed(engine, settings, **span),  # type: ignore[arg-type]
    )
    print(f"  merged == recomputed: {merged_span == recomputed_span}")
    merged = timed(
        "the two weeks merged from stored parts",
        lambda: _week_values(engine, settings, "Acme", day, ALL_SOURCES, lambda: NOW),
    )
    recomputed = timed(
        "the same recomputed from 14 days of mentions (before)",
        lambda: _week_values_recomputed(engine, settings, "Acme", day, ALL_SOURCES, lambda: NOW),
    )
    print(f"  merged == recomputed: {merged == recomputed}")
    queue = timed(
        "unanswered queue (all brands)",
        lambda: needs_reply(engine, settings, clock=lambda: NOW, where=QueueFilter()),
    )
    fired = timed(
        "check_and_send_alerts (spike, overdue, new themes due: today's themes computed)",
        lambda: check_and_send_alerts(engine, settings, clock=lambda: NOW),
    )
    print(f"  {len(fired)} alerts fired")
    soon = NOW + timedelta(minutes=10)  # themes not due again (themes.alert_every_minutes)
    fired = timed(
        "check_and_send_alerts 10 min later (spike, overdue; themes not due)",
        lambda: check_and_send_alerts(engine, settings, clock=lambda: soon),
    )
    print(f"  {len(fired)} alerts fired")
    with session_scope(engine) as session:
        open_rows = session.execute(
            select(func.count()).select_from(Complaint).where(col(Complaint.answered).is_(False))
        ).scalar_one()
    print(f"  {len(queue):,} in the queue ({open_rows:,} complaint rows unanswered)")
    engine.dispose()


def main() -> None:
    """Parse arguments, build the database, run the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--answered", type=float, default=0.85, help="share of complaints answered")
    parser.add_argument("--db", type=Path, help="SQLite file to build (default: a temp file)")
    parser.add_argument("--postgres", help="PostgreSQL URL of an EMPTY database to use instead")
    parser.add_argument("--reuse", action="store_true", help="time an already built --db")
    parser.add_argument(
        "--scored", action="store_true", help="with --reuse: its days are scored, skip that"
    )
    args = parser.parse_args()
    if args.postgres:
        url = args.postgres
    else:
        path = args.db or Path(tempfile.mkdtemp(prefix="bench-scoring-")) / "bench.db"
        url = f"sqlite:///{path}"
        print(f"database: {path}")
    if not args.reuse:
        build(url, args.rows, args.complaints, args.answered, args.days)
    run(url, args.days, scored=args.reuse and args.scored)


if __name__ == "__main__":
    main()
