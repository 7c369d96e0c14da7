"""Build monitor/data/sample_posts.jsonl: a synthetic, varied customer-care sample (no third-party
text, so no licence terms beyond this project's).

Fourteen days of posts about Brewly (an invented coffee-machine and bean-subscription brand,
account ``BrewlyHelp``) and two invented competitors, Beanbox and Grindhouse: complaints,
questions ("where is my order?", "how do I ..."), praise and chatter; the brand's replies
after realistic delays (most within the hour in the day, slower at night, some after more
than a day, some never); customers chasing, thanking or pushing back; and a checkout outage
in the last hour (a negative spike for the alert). Every text is composed from several parts
with order numbers, products and places (scripts/sample_synthetic_texts.py), and repeated
texts are redrawn, so no reply shows up dozens of times. Every row says ``"synthetic": true``
and its ``synthetic_kind``. Deterministic: the same seed gives the same file, byte for byte.

    .venv/bin/python scripts/make_synthetic_sample.py [--out monitor/data/sample_posts.jsonl]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when imported by tests
import sample_synthetic_texts as T  # noqa: E402
from sample_rows import import_rows, write_sample  # noqa: E402

OUT = REPO / "monitor" / "data" / "sample_posts.jsonl"
#: A fixed anchor: the replay source moves every time so the newest post lands just before now.
END = datetime(2026, 1, 30, 23, 0, tzinfo=UTC)
DAYS = 14
START = END - timedelta(days=DAYS)
BRAND, ACCOUNT = "Brewly", "BrewlyHelp"
COMPETITORS = {"Beanbox": "Beanbox", "Grindhouse": "GrindhouseCo"}
UTC_OFFSET_HOURS = -5  # customers in US Eastern time (January)
#: Posts per local hour of the day, relative.
HOUR_WEIGHTS = [
    1, .5, .3, .3, .4, 1, 2.5, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 6, 6, 5, 5, 4, 3, 2,
]  # fmt: skip
#: Inbound root posts about Brewly by kind, and about each competitor.
ROOTS = {"complaint": 560, "question": 300, "positive": 170, "neutral": 150}
COMPETITOR_ROOTS = {"Beanbox": 190, "Grindhouse": 150}
SPIKE = 22  # outage complaints in the last hour


@dataclass
class Event:
    """One post before ids are given out; ``parent`` is the post it answers."""

    at: datetime
    author: str
    text: str
    brand: str
    kind: str
    followers: int
    parent: Event | None = None
    seq: int = 0
    id: str = ""
    topic: str = ""
    slots: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Event:
        """The first post of the thread."""
        event = self
        while event.parent is not None:
            event = event.parent
        return event


class Generator:
    """All randomness comes from one seeded generator; texts are redrawn until new."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.events: list[Event] = []
        self.seen: set[str] = set()
        self.authors: list[tuple[str, int]] = []
        self.stats: Counter[str] = Counter()

    def add(self, event: Event) -> Event | None:
        """Keep ``event`` unless it would happen after the end (not happened yet)."""
        if event.at >= END:
            return None
        event.seq = len(self.events)
        self.events.append(event)
        self.stats[event.kind] += 1
        return event

    def time(self) -> datetime:
        """A moment in the window, by the local hour weights."""
        day = self.rng.randrange(DAYS)
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = START + timedelta(days=day, hours=hour - UTC_OFFSET_HOURS)
        return local + timedelta(seconds=self.rng.randrange(3600))

    def author(self) -> tuple[str, int]:
        """A customer handle (some write several times over the fortnight) and followers."""
        if self.authors and self.rng.random() < 0.12:
            return self.rng.choice(self.authors)
        name = self.rng.choice(T.HANDLE_HEADS) + self.rng.choice(T.HANDLE_TAILS)
        if self.rng.random() < 0.7:
            name += str(self.rng.randrange(10, 1000))
        who = (name, int(self.rng.lognormvariate(4.5, 1.4)))
        self.authors.append(who)
        return who

    def slots(self) -> dict[str, str]:
        """Values for one thread: the same order number and product all along."""
        product, other = self.rng.sample(T.PRODUCTS, 2)
        return {
            "order": f"BR-{self.rng.randrange(100000, 999999)}",
            "product": product,
            "other": other,
            "machine": self.rng.choice(T.MACHINES),
            "days": str(self.rng.randrange(2, 12)),
            "n": str(self.rng.randrange(2, 6)),
            "courier": self.rng.choice(T.COURIERS),
            "place": self.rng.choice(T.PLACES),
            "weekday": self.rng.choice(T.WEEKDAYS),
            "month": self.rng.choice(["November", "December", "October"]),
        }

    def compose(self, parts: list[list[str]], slots: dict[str, str], mention: str) -> str:
        """One text from a choice in each part; redrawn (then varied) until unseen."""
        for attempt in range(40):
            text = "".join(self.rng.choice(p) for p in parts).format(**slots)
            text = f"{mention} {text}".strip() if mention else text
            if attempt >= 20:  # the parts are nearly used up: vary the figures
                slots = {**slots, **{k: v for k, v in self.slots().items() if k != "product"}}
            if text not in self.seen:
                break
        self.seen.add(text)
        return text

    def delay(self, kind: str, at: datetime) -> timedelta:
        """How long the brand takes to reply: quick in the day, slow at night, some very late."""
        local_hour = (at + timedelta(hours=UTC_OFFSET_HOURS)).hour
        r = self.rng.random()
        if kind == "praise":
            return timedelta(minutes=self.rng.uniform(10, 600))
        if r < 0.08:  # lost in the queue: after more than a day (abandoned)
            return timedelta(hours=self.rng.uniform(24.5, 40))
        if 8 <= local_hour < 20 and r < 0.75:
            return timedelta(minutes=self.rng.lognormvariate(3.1, 0.6))  # ~22 min median
        return timedelta(minutes=self.rng.uniform(45, 14 * 60))

    def reply(self, to: Event, kind: str, topic: str, after: timedelta) -> Event | None:
        """A brand reply to ``to``, composed for the topic and signed by an agent."""
        name = to.author
        if kind in ("praise", "question"):
            parts = [[g.replace(", ", "! ") for g in T.GREETINGS], T.ACTIONS[topic]]
        else:
            parts = [T.GREETINGS, T.SORRY, T.ACTIONS[topic]]
        text = self.compose(parts, {**to.root.slots, "name": name}, "")
        text = f"@{name} {text[0].upper()}{text[1:]} ^{self.rng.choice(T.AGENTS)}"
        event = Event(to.at + after, ACCOUNT, text, to.brand, f"reply_{kind}", 48_000, to)
        return self.add(event)

    def customer(
        self, to: Event, kind: str, parts: list[list[str]], after: timedelta
    ) -> Event | None:
        """The thread's author writes again (to the reply, or to their own post)."""
        root = to.root
        text = self.compose(parts, root.slots, f"@{ACCOUNT}")
        event = Event(to.at + after, root.author, text, root.brand, kind, root.followers, to)
        return self.add(event)

    def minutes(self, low: float, high: float) -> timedelta:
        """A uniform delay in minutes."""
        return timedelta(minutes=self.rng.uniform(low, high))


def complaint_thread(gen: Generator, root: Event) -> None:
    """No reply (often chased), a quick or slow reply, then thanks, silence or push-back."""
    rng = gen.rng
    if rng.random() < 0.22:
        if rng.random() < 0.55:
            chase = gen.customer(root, "chase", T.CHASE, gen.minutes(90, 20 * 60))
            if chase is not None and rng.random() < 0.4:  # answered further down the thread
                gen.reply(chase, "complaint", root.topic, gen.delay("complaint", chase.at))
        return
    reply = gen.reply(root, "complaint", root.topic, gen.delay("complaint", root.at))
    if reply is None:
        return
    r = rng.random()
    if r < 0.4:
        gen.customer(reply, "thanks", T.THANKS, gen.minutes(5, 300))
    elif r < 0.65:
        pushback = gen.customer(reply, "pushback", T.PUSHBACK, gen.minutes(5, 240))
        if pushback is not None and rng.random() < 0.8:
            again = gen.reply(pushback, "complaint", "again", gen.minutes(10, 300))
            if again is not None and rng.random() < 0.5:
                gen.customer(again, "thanks", T.THANKS, gen.minutes(10, 600))
    # otherwise silence: resolved after resolve_after_silence_hours


def question_thread(gen: Generator, root: Event) -> None:
    """Most questions get an answer, some a thank-you after it; some are chased."""
    if gen.rng.random() < 0.8:
        reply = gen.reply(root, "question", "question", gen.delay("question", root.at))
        if reply is not None and gen.rng.random() < 0.35:
            gen.customer(reply, "thanks", T.THANKS, gen.minutes(3, 180))
    elif gen.rng.random() < 0.5:
        gen.customer(root, "chase", T.CHASE, gen.minutes(120, 900))


def build(seed: int) -> Generator:
    """Every event of the sample."""
    gen = Generator(seed)
    rng = gen.rng
    mention = f"@{ACCOUNT}"
    for kind, count in ROOTS.items():
        for _ in range(count):
            author, followers = gen.author()
            slots = gen.slots()
            topic = rng.choice(sorted(T.COMPLAINTS)) if kind == "complaint" else kind
            if kind == "complaint":
                parts = [T.OPENERS, T.COMPLAINTS[topic], T.CLOSERS]
            elif kind == "question":
                parts = [T.Q_OPENERS, T.QUESTIONS, T.Q_CLOSERS]
            elif kind == "positive":
                parts = [["", "", "Wow, ", "Honestly ", "Just want to say "], T.PRAISE,
                         ["", "", " Thank you!", " 10/10.", " Happy customer."]]  # fmt: skip
            else:
                parts = [T.NEUTRAL]
            text = gen.compose(parts, slots, "" if kind == "neutral" else mention)
            if kind == "neutral" and "Brewly" not in text and rng.random() < 0.7:
                text = f"{text} @{ACCOUNT}"
            root = Event(gen.time(), author, text, BRAND, kind, followers, topic=topic)
            root.slots = slots
            if gen.add(root) is None:
                continue
            if kind == "complaint":
                complaint_thread(gen, root)
            elif kind == "question":
                question_thread(gen, root)
            elif kind == "positive" and rng.random() < 0.4:
                gen.reply(root, "praise", "praise", gen.delay("praise", root.at))
    for _ in range(SPIKE):  # the outage: many complaints in the last hour
        author, followers = gen.author()
        slots = gen.slots()
        text = gen.compose([T.OPENERS, T.OUTAGE, T.CLOSERS], slots, mention)
        at = END - timedelta(minutes=rng.uniform(2, 58))
        root = Event(at, author, text, BRAND, "complaint", followers, topic="outage")
        root.slots = slots
        gen.add(root)
        if rng.random() < 0.3:
            gen.reply(root, "complaint", "outage", gen.minutes(3, 40))
    for brand, handle in COMPETITORS.items():
        for _ in range(COMPETITOR_ROOTS[brand]):
            author, followers = gen.author()
            texts = T.COMPETITOR_COMPLAINTS if rng.random() < 0.6 else T.COMPETITOR_PRAISE
            kind = "competitor_complaint" if texts is T.COMPETITOR_COMPLAINTS else "competitor"
            angry = kind == "competitor_complaint"
            parts = [T.OPENERS if angry else [""], texts, T.CLOSERS if angry else ["", "!"]]
            text = gen.compose(parts, gen.slots(), f"@{handle}")
            gen.add(Event(gen.time(), author, text, brand, kind, followers))
    return gen


def rows(gen: Generator) -> list[dict[str, Any]]:
    """The events in time order as import-format rows, every one marked synthetic."""
    return import_rows(gen.events, "syn", lambda e: {"synthetic": True, "synthetic_kind": e.kind})


def main() -> None:
    """Write the sample and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    gen = build(args.seed)
    write_sample(args.out, rows(gen), gen.stats)


if __name__ == "__main__":
    main()
