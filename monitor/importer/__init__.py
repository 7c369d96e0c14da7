"""Read posts from a JSON Lines or CSV file (docs/import-format.md): good rows become Posts.

Bad rows are reported as ``FILE:LINE: reason`` and skipped; every good row is returned.
A repeated (source, id) is a bad row; its first good occurrence counts. Threads: a row
without ``thread_id`` belongs to the root reached through ``in_reply_to`` among the
file's rows; when the chain leaves the file, to the last id it names (the oldest ancestor
known); a row that answers nothing is its own thread. A file may list replies before
their parents (newest-first exports): then it is read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.importer.fields import KNOWN_FIELDS, REQUIRED_FIELDS, convert
from monitor.importer.records import Format, ImportFileError, Record, RecordReader, detect_format
from monitor.importer.threads import ThreadIndex
from monitor.posts import Post

__all__ = [
    "KNOWN_FIELDS",
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
    unread until it has one.
    """

    posts: list[Post]
    bad_rows: list[BadRow]
    last_line: int
    unfinished_line: int | None = None

    @property
    def problems(self) -> list[str]:
        """The bad rows as ``FILE:LINE: reason``."""
        return [str(b) for b in self.bad_rows]


@dataclass
class ImportResult:
    """Every good post of a file, one problem line per bad row, and the lines read."""

    posts: list[Post]
    problems: list[str]
    lines: int


def read_posts(path: Path | str) -> ImportResult:
    """Parse the whole file at once (see :func:`iter_post_batches` for big files)."""
    posts: list[Post] = []
    problems: list[str] = []
    lines = 0
    for batch in iter_post_batches(path, batch_size=10_000):
        posts += batch.posts
        problems += batch.problems
        lines = batch.last_line
    return ImportResult(posts, problems, lines)


def iter_post_batches(
    path: Path | str, batch_size: int = 1000, *, start_line: int = 0, follow: bool = False
) -> Iterator[PostBatch]:
    """Yield batches of at most ``batch_size`` posts and bad rows together, in file order.

    Rows starting at or before ``start_line`` are read (for threads and duplicates) but
    neither returned nor reported again. With ``follow`` (a file another program appends
    to) an unterminated last line is left for the next call. The last batch is always
    yielded, empty or not; its ``last_line`` is where the next call may start.
    Raises :class:`ImportFileError` when the file as a whole cannot be read.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    rows = _PostReader(Path(path), follow)
    posts: list[Post] = []
    bad: list[BadRow] = []
    for record in rows.reader.records():
        outcome = rows.post_of(record)
        if record.line <= start_line:
            continue
        if isinstance(outcome, Post):
            posts.append(outcome)
        else:
            bad.append(outcome)
        if len(posts) + len(bad) >= batch_size:
            yield PostBatch(posts, bad, record.end)
            posts, bad = [], []
    reader = rows.reader
    yield PostBatch(posts, bad, max(start_line, reader.lines_done), reader.unfinished_line)


class _PostReader:
    """Turns the records of one file into posts, tracking threads and ids across it."""

    def __init__(self, path: Path, follow: bool) -> None:
        self.path, self.follow = path, follow
        self.reader = RecordReader(path, follow)
        self.index = ThreadIndex()

    def post_of(self, record: Record) -> Post | BadRow:
        """The record's post, or why it is skipped."""
        row = convert(record.fields) if record.fields is not None else record.error or ""
        if isinstance(row, str):
            return self._bad(record, row)
        first = self.index.note(row, record.line)
        if first != record.line:
            reason = f"duplicate post {row.source}:{row.id} (first on line {first})"
            return self._bad(record, reason)
        thread = self.index.thread_of(row, self._rescan)
        try:
            return row.post(thread)
        except ValueError as exc:
            return self._bad(record, str(exc))

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
