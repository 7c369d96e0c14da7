"""Read posts from a JSON Lines or CSV file (docs/import-format.md): good rows become Posts.

Bad rows are reported as ``FILE:LINE: reason`` and skipped; every good row is returned.
A repeated (source, id) is a bad row; its first good occurrence counts. Threads: a row
without ``thread_id`` belongs to the root reached through ``in_reply_to`` among the
file's rows; when the chain leaves the file, to the last id it names (the oldest ancestor
known); a row that answers nothing is its own thread. A file may list replies before
their parents (newest-first exports): then it is read twice.

Given the time ``now``, every post passes :func:`monitor.sanitize.sanitize_post`: a post
no backend can store is a bad row, and what it changed is listed per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.importer.fields import KNOWN_FIELDS, REQUIRED_FIELDS, convert
from monitor.importer.records import (
    MAX_LINE_BYTES,
    Format,
    ImportFileError,
    Record,
    RecordReader,
    detect_format,
)
from monitor.importer.threads import Key, ThreadIndex
from monitor.posts import Post
from monitor.sanitize import sanitize_post

__all__ = [
    "KNOWN_FIELDS",
    "MAX_LINE_BYTES",
    "REQUIRED_FIELDS",
    "BadRow",
    "Format",
    "ImportFileError",
    "ImportResult",
    "PostBatch",
    "detect_format",
    "iter_post_batches",
    "read_posts",
]

_RAW_KEEP = 10_000  # chars of a bad row kept for inspection
# sanitize names Post attributes; a problem line names the file's columns.
_COLUMN_OF = {"external_id": "id", "author_followers": "followers"}


@dataclass(frozen=True)
class BadRow:
    """A skipped row: where it is, why, and its text (cut) for inspection."""

    path: str
    line: int
    reason: str
    text: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class PostBatch:
    """Posts and bad rows of one stretch of the file; ``last_line`` is the last line read.

    ``unfinished_line`` (last batch, ``follow`` only): a last line without a line end, left
    unread until it has one. ``lines`` holds the line of each post; ``changes`` what
    cleaning changed, by the line of the post it changed.
    """

    posts: list[Post]
    bad_rows: list[BadRow]
    last_line: int
    unfinished_line: int | None = None
    lines: list[int] = field(default_factory=list)
    changes: dict[int, list[str]] = field(default_factory=dict)
    path: str = ""

    @property
    def problems(self) -> list[str]:
        """The bad rows as ``FILE:LINE: reason``."""
        return [str(b) for b in self.bad_rows]

    def change_of(self, line: int) -> str | None:
        """What cleaning changed in the post on ``line``, as ``FILE:LINE: what; what``."""
        changes = self.changes.get(line)
        return f"{self.path}:{line}: {'; '.join(changes)}" if changes else None


@dataclass
class ImportResult:
    """Every good post of a file, one problem line per bad row, and the lines read."""

    posts: list[Post]
    problems: list[str]
    lines: int
    changes: list[str] = field(default_factory=list)


def read_posts(path: Path | str, *, now: datetime | None = None) -> ImportResult:
    """Parse the whole file at once (see :func:`iter_post_batches` for big files)."""
    result = ImportResult([], [], 0)
    for batch in iter_post_batches(path, batch_size=10_000, now=now):
        result.posts += batch.posts
        result.problems += batch.problems
        result.changes += [c for line in batch.lines if (c := batch.change_of(line))]
        result.lines = batch.last_line
    return result


def iter_post_batches(
    path: Path | str,
    batch_size: int = 1000,
    *,
    start_line: int = 0,
    follow: bool = False,
    now: datetime | None = None,
) -> Iterator[PostBatch]:
    """Yield batches of at most ``batch_size`` posts and bad rows together, in file order.

    Rows starting at or before ``start_line`` are read (for threads and duplicates) but
    neither returned nor reported again. With ``follow`` (a file another program appends
    to) an unterminated last line is left for the next call. The last batch is always
    yielded, empty or not; its ``last_line`` is where the next call may start. With
    ``now``, posts are cleaned and bounded for storage (dates up to ``now`` + 1 day).
    Raises :class:`ImportFileError` when the file as a whole cannot be read, or (after
    the last batch) when reading had to stop early.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    rows = _PostReader(Path(path), follow, now)
    batch = PostBatch([], [], 0, path=str(path))
    for record in rows.reader.records():
        outcome = rows.post_of(record)
        if record.line <= start_line:
            continue
        if isinstance(outcome, BadRow):
            batch.bad_rows.append(outcome)
        else:
            post, changes = outcome
            batch.posts.append(post)
            batch.lines.append(record.line)
            if changes:
                batch.changes[record.line] = changes
        if len(batch.posts) + len(batch.bad_rows) >= batch_size:
            batch.last_line = record.end
            yield batch
            batch = PostBatch([], [], 0, path=str(path))
    reader = rows.reader
    batch.last_line = max(start_line, reader.lines_done)
    batch.unfinished_line = reader.unfinished_line
    yield batch
    if reader.stopped is not None:
        raise ImportFileError(reader.stopped)


class _PostReader:
    """Turns the records of one file into posts, tracking threads and ids across it."""

    def __init__(self, path: Path, follow: bool, now: datetime | None) -> None:
        self.path, self.follow, self.now = path, follow, now
        self.reader = RecordReader(path, follow)
        self.index = ThreadIndex()
        self.seen: dict[Key, int] = {}  # the line of each good post: later copies are bad

    def post_of(self, record: Record) -> tuple[Post, list[str]] | BadRow:
        """The record's post and what cleaning changed in it, or why it is skipped."""
        row = convert(record.fields) if record.fields is not None else record.error or ""
        if isinstance(row, str):
            return self._bad(record, row)
        self.index.note(row, record.line)
        thread = self.index.thread_of(row, self._rescan)
        try:
            post, changes = row.post(thread), []
            if self.now is not None:
                clean = sanitize_post(post, now=self.now)
                post, changes = clean.post, clean.changes
        except ValueError as exc:  # sanitize's BadPost too
            return self._bad(record, _columns(getattr(exc, "reason", str(exc))))
        first = self.seen.setdefault((post.source, post.external_id), record.line)
        if first != record.line:  # a clean id: safe to show as it is
            return self._bad(record, f"duplicate post {post.key} (first on line {first})")
        return post, [_columns(change) for change in changes]

    def _bad(self, record: Record, reason: str) -> BadRow:
        return BadRow(str(self.path), record.line, reason, record.text[:_RAW_KEEP])

    def _rescan(self) -> ThreadIndex:
        """The index of the whole file, for a reply met before its parent."""
        index = ThreadIndex(complete=True)
        for record in RecordReader(self.path, self.follow).records():
            row = convert(record.fields) if record.fields is not None else None
            if row is not None and not isinstance(row, str):
                index.note(row, record.line)
        self.index = index
        return index


def _columns(reason: str) -> str:
    """``reason`` naming the file's column where it names a Post attribute."""
    name, sep, rest = reason.partition(" ")
    head = name.rstrip(":")
    if head in _COLUMN_OF:
        return _COLUMN_OF[head] + name[len(head) :] + sep + rest
    return reason
