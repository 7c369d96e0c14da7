"""``monitor import``: file rows through the same upsert as collected posts, brands resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.importer import ImportFileError, iter_post_batches
from monitor.importer.fields import shown
from monitor.pipeline.brands import BrandMatcher
from monitor.pipeline.refresh import refresh_items
from monitor.pipeline.store import StoreResult, store_page
from monitor.posts import Post
from monitor.scoring.model import normalize_handle
from monitor.scoring.threads import mentioned_handles
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.mentions import UpsertResult, ids_by_keys

Clock = Callable[[], datetime]


@dataclass
class ImportReport:
    """What an import did: rows stored, and one ``FILE:LINE: reason`` per row left out.

    ``changes`` has one ``FILE:LINE: what`` per stored row that cleaning changed
    (docs/import-format.md); ``error`` says why the file as a whole failed, or that no
    row of it could be imported.
    """

    result: UpsertResult = field(default_factory=UpsertResult)
    problems: list[str] = field(default_factory=list)
    lines: int = 0
    rows: int = 0
    changes: list[str] = field(default_factory=list)
    error: str | None = None
    items: int = 0  # complaints in the imported posts' threads, refreshed batch by batch
    #: Once per source and brand: posts stored that can never become complaints.
    warnings: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Rows now in the database: new, updated or already there unchanged."""
        return self.result.inserted + self.result.updated + self.result.unchanged

    def summary(self) -> str:
        """One line: ``1,200 rows: 1,180 new, …, 3 changed on the way in, 17 bad``."""
        r, plural = self.result, "" if self.rows == 1 else "s"
        return (
            f"{self.rows:,} row{plural}: {r.inserted:,} new, {r.updated:,} updated, "
            f"{r.unchanged:,} unchanged, {len(self.changes):,} changed on the way in "
            f"(see docs/import-format.md), {len(self.problems):,} bad"
        )


class BrandResolver:
    """Finds the configured brand (or competitor) a file row belongs to."""

    def __init__(self, settings: Settings) -> None:
        self.matcher = BrandMatcher(settings)
        self._terms = self.matcher.terms

    def brand_of(self, post: Post) -> str | None:
        """The row's brand, else the brand whose account wrote or is addressed, else by name."""
        if post.brand:
            entry = self._terms.get(post.brand.lower())
            return entry.name if entry else None
        app = self.matcher.apps.get(str(post.raw.get("app_id") or ""))
        if app is not None:  # matched as collection does: the app a review is about
            return app
        author = normalize_handle(post.author)
        handles = mentioned_handles(post.text)
        for entry in self._terms.values():
            accounts = entry.accounts(post.source)
            if author in accounts or handles & accounts:
                return entry.name
        for entry in self._terms.values():
            if entry.matches(post.text):
                return entry.name
        return None

    def has_accounts(self, source: str, brand: str) -> bool:
        """Whether ``brand`` has handles configured on ``source`` itself (as scoring needs)."""
        entry = self._terms.get(brand.lower())
        return entry is not None and bool(entry.accounts_by_source.get(source))

    def is_brand_post(self, post: Post, brand: str) -> bool:
        """The row's author is one of that brand's accounts."""
        entry = self._terms.get(brand.lower())
        return entry is not None and normalize_handle(post.author) in entry.accounts(post.source)


def import_file(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    clock: Clock,
    batch_size: int = 1000,
    on_problem: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import a JSONL/CSV file; bad rows are reported and skipped, good rows all stored.

    A file that cannot be read, or stops being readable part way (good rows before that
    point are stored), sets ``error`` instead of raising; so does a file whose rows were
    all bad.
    """
    resolver = BrandResolver(settings)
    report = ImportReport()
    own = {b.name for b in settings.config.brands}  # competitors have no complaints anyway
    warned: set[tuple[str, str]] = set()

    def problem(text: str) -> None:
        report.problems.append(text)
        if on_problem is not None:
            on_problem(text)

    try:
        for batch in iter_post_batches(path, batch_size, now=clock()):
            for text in batch.problems:
                problem(text)
            good: list[tuple[Post, str]] = []
            for post, line in zip(batch.posts, batch.lines, strict=True):
                brand = resolver.brand_of(post)
                if brand is None:
                    named = (
                        f"brand {shown(post.brand)} is not configured"
                        if post.brand
                        else "no configured brand matches"
                    )
                    problem(f"{path}:{line}: post {post.key}: {named}")
                else:
                    good.append((post, brand))
                    if (post.source, brand) not in warned and brand in own:
                        warned.add((post.source, brand))
                        if not resolver.has_accounts(post.source, brand):
                            report.warnings.append(no_accounts_warning(post.source, brand))
                    if change := batch.change_of(line):
                        report.changes.append(change)
            stored = _store(engine, resolver, good, clock())
            report.result += stored.result
            # labels come with the file: the queue is current batch by batch, no score run
            report.items += _refresh(engine, settings, [post for post, _ in good], clock)
            line_of = {post.key: line for post, line in zip(batch.posts, batch.lines, strict=True)}
            for skipped in stored.skipped:
                # Refused by the database after cleaning: reported, never lost silently.
                problem(f"{path}:{line_of.get(skipped.key, '?')}: post {skipped}")
            report.rows += len(batch.posts) + len(batch.bad_rows)
            report.lines = batch.last_line
    except ImportFileError as exc:
        report.error = str(exc)
    if report.error is None and report.problems and report.stored == 0:
        report.error = f"{path}: none of its {report.rows:,} rows could be imported"
    return report


def _refresh(engine: Engine, settings: Settings, posts: list[Post], clock: Clock) -> int:
    """Refresh the complaint items of the threads holding the stored ``posts``."""
    if not posts:
        return 0
    with session_scope(engine) as session:
        ids = ids_by_keys(session, [(p.source, p.external_id) for p in posts])
    return refresh_items(engine, settings, clock=clock, mention_ids=ids.values())


def no_accounts_warning(source: str, brand: str) -> str:
    """Why a brand's posts on ``source`` never become complaints: no handles to be addressed."""
    return (
        f"{brand} has no accounts on source {source!r} (brands[].sources.{source}.accounts): "
        "its posts there are stored but never become complaints"
    )


def _store(
    engine: Engine, resolver: BrandResolver, rows: list[tuple[Post, str]], now: datetime
) -> StoreResult:
    brands = {post.key: brand for post, brand in rows}
    # A batch that loses a deadlock to a concurrent writer is stored again, not lost.
    return run_transaction(
        engine,
        lambda session: store_page(
            session,
            [post for post, _ in rows],
            brand_of=lambda p: brands[p.key],
            is_brand_post=lambda p: resolver.is_brand_post(p, brands[p.key]),
            now=now,
            named=resolver.matcher.named_by,
        ),
    )
