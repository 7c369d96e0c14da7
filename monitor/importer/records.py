"""The records of a JSON Lines or CSV file, each with the physical lines it spans."""

from __future__ import annotations

import csv
import json
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
    text: str  # without its line end
    terminated: bool
    error: str | None  # not valid UTF-8


def detect_format(path: Path) -> Format:
    """``jsonl`` or ``csv``: from the extension, else from the first character of the file."""
    with open_file(path) as f:
        head = f.read(4096)
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
    left unread, so a later pass reads it whole.
    """

    def __init__(self, path: Path, follow: bool = False) -> None:
        self.path, self.follow = path, follow
        self.format = detect_format(path)
        self.lines_done = 0
        self.unfinished_line: int | None = None  # set when ``follow`` left a last line unread

    def records(self) -> Iterator[Record]:
        """Every non-empty row of the file, in order."""
        with open_file(self.path) as f:
            yield from (self._jsonl(f) if self.format == "jsonl" else self._csv(f))

    def _jsonl(self, f: BinaryIO) -> Iterator[Record]:
        for line in _lines(f):
            if self.follow and not line.terminated:
                self.unfinished_line = line.number
                return
            self.lines_done = line.number
            if not line.text.strip():
                continue
            record = Record(line.number, line.number, line.text, error=line.error)
            if record.error is None:
                _parse_json(record)
            yield record

    def _csv(self, f: BinaryIO) -> Iterator[Record]:
        feed = _CsvFeed(_lines(f))
        rows = csv.reader(feed)
        header: list[str] | None = None
        while True:
            start = rows.line_num + 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(start, rows.line_num, feed.take(), error=f"unreadable CSV: {exc}")
                continue
            text = feed.take()
            if self.follow and not feed.terminated:
                self.unfinished_line = start
                return
            self.lines_done = rows.line_num
            if all(not cell.strip() for cell in row):
                continue
            if header is None:
                header = self._header(row, start)
                continue
            record = Record(start, rows.line_num, text)
            bad_lines = [n for n in range(start, rows.line_num + 1) if n in feed.errors]
            if bad_lines:
                record.error = feed.errors[bad_lines[0]]
            elif len(row) > len(header):
                record.error = f"row has {len(row)} values, the header {len(header)} columns"
            else:
                record.fields = {k: v for k, v in zip(header, row, strict=False) if v != ""}
                if len(row) > header.index("text"):
                    record.fields.setdefault("text", "")  # an empty cell is an empty text
            yield record

    def _header(self, row: list[str], line: int) -> list[str]:
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


def _lines(f: BinaryIO) -> Iterator[_Line]:
    # Bytes split on LF only: CR LF and a BOM are dropped; each line is decoded on its own,
    # so one badly encoded line is one bad row, not a failed file.
    for number, raw in enumerate(f, start=1):
        if number == 1:
            raw = raw.removeprefix(_BOM)
        terminated = raw.endswith(b"\n")
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            yield _Line(number, raw.decode("utf-8"), terminated, None)
        except UnicodeDecodeError as exc:
            error = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})"
            yield _Line(number, raw.decode("utf-8", "replace"), terminated, error)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")  # NaN/Infinity are not JSON; PostgreSQL refuses them


def _parse_json(record: Record) -> None:
    try:
        value = json.loads(record.text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        record.error = f"invalid JSON: {exc.msg} (column {exc.colno})"
    except ValueError as exc:
        record.error = f"invalid JSON: {exc}"
    else:
        if isinstance(value, dict):
            record.fields = value
        else:
            record.error = f"expected a JSON object, got {kind(value)}"


class _CsvFeed:
    """Decoded lines for ``csv.reader``, remembering the raw text and bad lines of each row."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self._lines = lines
        self._pending: list[str] = []
        self.errors: dict[int, str] = {}
        self.terminated = True

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if line.error:
            self.errors[line.number] = line.error
        self._pending.append(line.text)
        self.terminated = line.terminated
        return line.text + "\n"

    def take(self) -> str:
        """The raw text of the lines read since the last call."""
        text, self._pending = "\n".join(self._pending), []
        return text
