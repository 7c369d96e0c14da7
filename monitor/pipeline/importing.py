"""``monitor import``: file rows through the same upsert as collected posts, brands resolved."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.importer import iter_post_batches
from monitor.posts import Post
from monitor.storage.db import run_transaction
from monitor.storage.mentions import UpsertResult, upsert_posts

Clock = Callable[[], datetime]


@dataclass
class ImportReport:
    """What an import did: rows stored, and one ``FILE:LINE: reason`` per row left out."""

    result: UpsertResult = field(default_factory=UpsertResult)
    problems: list[str] = field(default_factory=list)
    lines: int = 0


@dataclass
class _BrandTerms:
    name: str
    accounts_by_source: dict[str, set[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # name and keywords, matched as whole words

    def accounts(self, source: str) -> set[str]:
        """The brand's handles on ``source``, or on any source when none are configured there."""
        if self.accounts_by_source.get(source):
            return self.accounts_by_source[source]
        return {a for accounts in self.accounts_by_source.values() for a in accounts}


class BrandResolver:
    """Finds the configured brand (or competitor) a file row belongs to."""

    def __init__(self, settings: Settings) -> None:
        self._terms: dict[str, _BrandTerms] = {}
        for brand in settings.config.brands:
            for name in [brand.name, *(c.name for c in brand.competitors)]:
                self._terms[name.lower()] = _BrandTerms(name, words=[name.lower()])
        for source, targets in settings.targets.items():
            for t in targets:
                entry = self._terms[t.brand.lower()]
                handles = {a.lower().lstrip("@") for a in t.accounts}
                entry.accounts_by_source.setdefault(source, set()).update(handles)
                for keyword in getattr(t.settings, "keywords", None) or []:
                    if keyword.lower() not in entry.words:
                        entry.words.append(keyword.lower())

    def brand_of(self, post: Post) -> str | None:
        """The row's brand, else the brand whose account wrote or is addressed, else by name."""
        if post.brand:
            entry = self._terms.get(post.brand.lower())
            return entry.name if entry else None
        author = post.author.lower().lstrip("@")
        text = post.text.lower()
        handles = set(re.findall(r"@(\w{1,50})", text))
        for entry in self._terms.values():
            accounts = entry.accounts(post.source)
            if author in accounts or handles & accounts:
                return entry.name
        for entry in self._terms.values():
            if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in entry.words):
                return entry.name
        return None

    def is_brand_post(self, post: Post, brand: str) -> bool:
        """The row's author is one of that brand's accounts."""
        entry = self._terms.get(brand.lower())
        return entry is not None and post.author.lower().lstrip("@") in entry.accounts(post.source)


def import_file(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    clock: Clock,
    batch_size: int = 1000,
    on_problem: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a JSONL/CSV file; bad rows are reported and skipped, good rows all stored."""
    resolver = BrandResolver(settings)
    report = ImportReport()

    def problem(text: str) -> None:
        report.problems.append(text)
        if on_problem is not None:
            on_problem(text)

    for batch in iter_post_batches(path, batch_size):
        for text in batch.problems:
            problem(text)
        good: list[tuple[Post, str]] = []
        for post in batch.posts:
            brand = resolver.brand_of(post)
            if brand is None:
                named = (
                    f"brand {post.brand!r} is not configured"
                    if post.brand
                    else "no configured brand matches"
                )
                problem(f"{path}: post {post.key}: {named}")
            else:
                good.append((post, brand))
        report.result += _store(engine, resolver, good, clock())
        report.lines = batch.last_line
    return report


def _store(
    engine: Engine, resolver: BrandResolver, rows: list[tuple[Post, str]], now: datetime
) -> UpsertResult:
    brands = {post.key: brand for post, brand in rows}
    # A batch that loses a deadlock to a concurrent writer is stored again, not lost.
    return run_transaction(
        engine,
        lambda session: upsert_posts(
            session,
            [post for post, _ in rows],
            brand_of=lambda p: brands[p.key],
            is_brand_post=lambda p: resolver.is_brand_post(p, brands[p.key]),
            now=now,
        ),
    )
