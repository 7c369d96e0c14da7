"""The records of a JSON Lines or CSV file, each with the physical lines it spans.

Memory stays bounded whatever the file holds: a line is read up to :data:`MAX_LINE_BYTES`
and the rest of a longer one skipped, and a CSV row whose quote never closes is cut at the
same size and the lines after its opening quote are read again as rows of their own.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from monitor.errors import InputError
from monitor.importer.fields import REQUIRED_FIELDS, kind

Format = Literal["jsonl", "csv"]
_EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_EXTENSIONS[".csv"] = "csv"
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-32 starts the same way
#: The longest line (and CSV row) read; a post is cut at 100,000 characters anyway.
MAX_LINE_BYTES = 10 * 1024 * 1024
_SKIP_CHUNK = 1024 * 1024  # the rest of an over-long line is skipped this much at a time
_KEEP_OF_LONG_LINE = 1000  # bytes of an over-long line kept for inspection
# Long posts are legal (storage cuts them): let the csv module read fields of any real size.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


class ImportFileError(InputError):
    """The file as a whole cannot be read (missing, a JSON array, a CSV header lacking columns)."""


@dataclass
class Record:
    """One row as read: its first and last line, its fields or why it is unreadable."""

    line: int
    end: int
    text: str
    fields: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class _Line:
    number: int
    text: str  # without its line end; empty for an over-long line
    terminated: bool
    error: str | None  # not valid UTF-8, or over-long
    shown: str = ""  # an over-long line's start, for inspection


def detect_format(path: Path) -> Format:
    """``jsonl`` or ``csv``: from the extension, else from the first character of the file."""
    with open_file(path) as f:
        head = f.read(4096)
    if head.startswith(_UTF16_BOMS):
        raise ImportFileError(f"{path}: UTF-16 or UTF-32 text; save it as UTF-8")
    first = head.removeprefix(_BOM).lstrip()[:1]
    if first == b"[":
        raise ImportFileError(f"{path}: a JSON array; write JSON Lines (one object a line)")
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    return "jsonl" if first == b"{" else "csv"


def open_file(path: Path) -> BinaryIO:
    """The file opened for reading bytes, or an :class:`ImportFileError` saying why not."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


class RecordReader:
    """Reads the non-empty rows of one file; ``lines_done`` is the last line consumed.

    With ``follow`` (a file another program appends to) an unterminated last line is
    left unread, so a later pass reads it whole. ``stopped`` says why reading ended before
    the end of the file (an over-long line in a stream that may never end).
    """

    def __init__(self, path: Path, follow: bool = False) -> None:
        self.path, self.follow = path, follow
        self.format = detect_format(path)
        self.lines_done = 0
        self.unfinished_line: int | None = None  # set when ``follow`` left a last line unread
        self.stopped: str | None = None

    def records(self) -> Iterator[Record]:
        """Every non-empty row of the file, in order."""
        with open_file(self.path) as f:
            source = _LineSource(f)
            yield from (self._jsonl(source) if self.format == "jsonl" else self._csv(source))
            if source.stopped_at is not None:
                self.stopped = (
                    f"{self.path}:{source.stopped_at}: a line longer than "
                    f"{MAX_LINE_BYTES:,} bytes in a stream that may never end "
                    "(not a regular file): reading stopped"
                )

    def _jsonl(self, source: _LineSource) -> Iterator[Record]:
        for line in source:
            if self.follow and not line.terminated:
                self.unfinished_line = line.number
                return
            self.lines_done = line.number
            if not line.text.strip() and line.error is None:
                continue
            record = Record(line.number, line.number, line.text or line.shown, error=line.error)
            if record.error is None:
                _parse_json(record)
            yield record

    def _csv(self, source: _LineSource) -> Iterator[Record]:
        feed = _CsvFeed(source)
        rows = csv.reader(feed)
        header: list[str] | None = None
        while True:
            error: str | None = None
            try:
                row: list[str] = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                row, error = [], f"unreadable CSV: {exc}"
            except _Unclosed as exc:
                if self.follow and exc.at_end:
                    self.unfinished_line = feed.row[0].number  # maybe still being written
                    return
                row, error = [], _unclosed(feed, exc.at_end)
            lines = feed.take()
            if self.follow and not lines[-1].terminated:
                self.unfinished_line = lines[0].number
                return
            self.lines_done = max(self.lines_done, lines[-1].number)
            error = error or next((line.error for line in lines if line.error), None)
            if error is None and all(not cell.strip() for cell in row):
                continue
            start, end = lines[0].number, lines[-1].number
            if header is None:
                header = self._header(row, start, error)
                continue
            record = Record(start, end, "\n".join(line.text or line.shown for line in lines))
            if error is not None:
                record.error = error
            elif len(row) > len(header):
                record.error = f"row has {len(row)} values, the header {len(header)} columns"
            else:
                record.fields = {k: v for k, v in zip(header, row, strict=False) if v != ""}
                if len(row) > header.index("text"):
                    record.fields.setdefault("text", "")  # an empty cell is an empty text
            yield record

    def _header(self, row: list[str], line: int, error: str | None) -> list[str]:
        if error is not None:
            raise ImportFileError(f"{self.path}:{line}: the CSV header: {error}")
        names = [name.strip() for name in row]
        missing = [n for n in REQUIRED_FIELDS if n not in names]
        if missing:
            quoted = ", ".join(repr(n) for n in missing)
            raise ImportFileError(f"{self.path}:{line}: the CSV header lacks {quoted}")
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            quoted = ", ".join(repr(n) for n in doubled)
            raise ImportFileError(f"{self.path}:{line}: the CSV header repeats {quoted}")
        return names


class _LineSource:
    """The file's lines, each read up to :data:`MAX_LINE_BYTES` (memory stays bounded).

    Bytes are split on LF only: CR LF and a BOM are dropped; each line is decoded on its
    own, so one badly encoded line is one bad row, not a failed file. The rest of an
    over-long line is skipped up to its line end; in something that is not a regular file
    (``/dev/zero``, a pipe) that end may never come, so reading stops there instead.
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
        self.stopped_at: int | None = None

    def __iter__(self) -> Iterator[_Line]:
        number = 0
        while True:
            raw = self._f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                shown = raw[:_KEEP_OF_LONG_LINE].decode("utf-8", "replace")
                error = f"line longer than {MAX_LINE_BYTES:,} bytes (10 MB)"
                if not self._regular:
                    yield _Line(number, "", False, error, shown)
                    self.stopped_at = number
                    return
                terminated = self._skip_rest()
                yield _Line(number, "", terminated, error, shown)
                continue
            if number == 1:
                raw = raw.removeprefix(_BOM)
            terminated = raw.endswith(b"\n")
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            try:
                yield _Line(number, raw.decode("utf-8"), terminated, None)
            except UnicodeDecodeError as exc:
                error = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})"
                yield _Line(number, raw.decode("utf-8", "replace"), terminated, error)

    def _skip_rest(self) -> bool:
        """Read past the rest of the current line; whether it had a line end."""
        while chunk := self._f.readline(_SKIP_CHUNK):
            if chunk.endswith(b"\n"):
                return True
        return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")  # NaN/Infinity are not JSON; PostgreSQL refuses them


def _parse_json(record: Record) -> None:
    try:
        value = json.loads(record.text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        record.error = f"invalid JSON: {exc.msg} (column {exc.colno})"
    except ValueError as exc:
        record.error = f"invalid JSON: {exc}"
    except RecursionError:
        record.error = "invalid JSON: nested too deeply"
    else:
        if isinstance(value, dict):
            record.fields = value
        else:
            record.error = f"expected a JSON object, got {kind(value)}"


class _Unclosed(Exception):
    """The CSV row being read is inside a quote at the end of the file, or past the size cap."""

    def __init__(self, at_end: bool) -> None:
        super().__init__("unclosed quote")
        self.at_end = at_end


class _CsvFeed:
    """Decoded lines for ``csv.reader``, keeping the lines of the row being read.

    Lines can be handed back (:meth:`push_back`) to be read again: the lines after a quote
    that never closes are rows of their own, not part of one endless field.
    """

    def __init__(self, lines: _LineSource) -> None:
        self._lines = iter(lines)
        self._back: deque[_Line] = deque()
        self.row: list[_Line] = []
        self._size = 0

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        if self.row and self._size > MAX_LINE_BYTES:
            raise _Unclosed(at_end=False)
        line = self._back.popleft() if self._back else next(self._lines, None)
        if line is None:
            if self.row:  # the file ended inside a quoted field
                raise _Unclosed(at_end=True)
            raise StopIteration
        self.row.append(line)
        self._size += len(line.text) + 1
        return line.text + "\n"

    def take(self) -> list[_Line]:
        """The lines read since the last call (the row just read)."""
        lines, self.row, self._size = self.row, [], 0
        return lines

    def push_back(self, lines: list[_Line]) -> None:
        """Read ``lines`` again, before any line not read yet."""
        self._back.extendleft(reversed(lines))


_FIELD_END = re.compile(r"[,\n]")


def _unclosed(feed: _CsvFeed, at_end: bool) -> str:
    """Cut the row in progress after the line its unclosed quote opens on; say so.

    The lines after that one go back to be read again as rows.
    """
    lines = feed.row
    opened = _opening_line(lines)
    feed.push_back([line for line in lines if line.number > opened])
    feed.row = [line for line in lines if line.number <= opened]
    where = "before the end of the file" if at_end else f"within {MAX_LINE_BYTES:,} bytes"
    return f"unterminated quote opened at line {opened} (no closing quote {where})"


def _opening_line(lines: list[_Line]) -> int:
    """The line on which the row's last quoted field opens (csv's rules, as csv.reader reads)."""
    text = "".join(line.text + "\n" for line in lines)
    pos, opened = 0, -1
    while pos < len(text):
        if text[pos] == '"':  # a field that starts with a quote is quoted
            close = text.find('"', pos + 1)
            while close != -1 and text.startswith('"', close + 1):  # "" is a quote inside
                close = text.find('"', close + 2)
            if close == -1:
                opened = pos
                break
            pos = close + 1
        end = _FIELD_END.search(text, pos)  # a quote inside an unquoted field is text
        if end is None:
            break
        pos = end.end()
    if opened < 0:  # cannot happen for a row csv left open; keep the first line only
        return lines[0].number
    return lines[0].number + text.count("\n", 0, opened)
