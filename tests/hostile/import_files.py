"""Hostile import files, built at test time (a few are megabytes): what each must give.

Each :class:`Case` is one file and its expected outcome: the posts stored (``SOURCE:ID``),
the lines reported as bad, the lines whose values were changed on the way in, and the
error that stops the file, if any. ``check`` looks at the stored rows for the values the
import format promises (docs/import-format.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.posts import MAX_TEXT_CHARS
from monitor.sanitize import INT64_MAX

#: The import's clock: rows dated up to a day after it are accepted.
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
WHEN = "2026-11-02T09:00:00Z"
MB = 1024 * 1024
CSV_HEADER = "source,id,text,created_at,author,brand,followers,rating,lang,subreddit,url"

Rows = dict[str, Any]  # the stored Mention rows by "SOURCE:ID", as column dicts


@dataclass(frozen=True)
class Case:
    """One hostile file and what importing it must give."""

    name: str
    build: Callable[[], bytes]
    good: frozenset[str]
    bad: frozenset[int] = frozenset()
    changed: frozenset[int] = frozenset()
    error: str | None = None  # a regular expression the report's error must match
    check: Callable[[Rows], None] | None = field(default=None, compare=False)


def row(ident: Any = "1", **fields: Any) -> dict[str, Any]:
    """A good JSON row with ``fields`` replacing or adding to its values (None drops one)."""
    base: dict[str, Any] = {
        "source": "x", "id": ident, "text": f"post {ident}", "created_at": WHEN,
        "author": "carol", "brand": "Acme",
    }  # fmt: skip
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def jsonl(*lines: dict[str, Any] | str) -> bytes:
    """JSON Lines; a string is written as it is (a broken or hostile line)."""
    out = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    return ("\n".join(out) + "\n").encode("utf-8", "surrogatepass")


def csv_row(ident: str, text: str = "", **cells: str) -> str:
    """A CSV line under :data:`CSV_HEADER` (cells not given are empty)."""
    values = {"source": "x", "id": ident, "text": text or f"post {ident}", "created_at": WHEN}
    values |= {"author": "carol", "brand": "Acme"} | cells
    return ",".join(values.get(name, "") for name in CSV_HEADER.split(","))


def csv_file(*lines: str, header: str = CSV_HEADER, end: str = "\n") -> bytes:
    """A CSV file of ``lines`` under ``header``."""
    return (end.join([header, *lines]) + end).encode("utf-8")


def keys(*ids: str) -> frozenset[str]:
    """``x:ID`` for each id."""
    return frozenset(i if ":" in i else f"x:{i}" for i in ids)


def _expect(**columns: Any) -> Callable[[Rows], None]:
    """A check that stored rows hold these values: ``{"x:1": {"text": ...}}`` style."""

    def check(rows: Rows) -> None:
        for key, values in columns.items():
            stored = rows[key.replace("__", ":")]
            for name, want in values.items():
                assert stored[name] == want, (key, name, stored[name], want)

    return check


def _cut_text(rows: Rows) -> None:
    stored = rows["x:big"]
    assert len(stored["text"]) == MAX_TEXT_CHARS
    assert stored["raw"]["_truncated_from_chars"] == MB


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


CASES: list[Case] = [
    Case(
        "nul_every_field.jsonl",
        lambda: jsonl(
            row(
                "1",
                text="a\x00b",
                author="c\x00d",
                subreddit="s\x00",
                url="u\x00",
                lang="e\x00n",
                extra="\x00",
            ),
            row("2\x00"),
            row("3", source="x\x00"),
            row("4", brand="Ac\x00me"),
            row("5", author_id="4\x002"),
        ),
        keys("1"),
        bad=frozenset({2, 3, 4, 5}),
        changed=frozenset({1}),
        check=_expect(x__1={"text": "a\ufffdb", "author": "c\ufffdd", "lang": None}),
    ),
    Case(
        "lone_surrogates.jsonl",
        lambda: jsonl(
            '{"source": "x", "id": "1", "text": "smile \\ud83d", "created_at": "'
            + WHEN
            + '", "author": "\\udc00zoe", "brand": "Acme"}',
            '{"source": "x", "id": "\\ud800", "text": "t", "created_at": "'
            + WHEN
            + '", "author": "a", "brand": "Acme"}',
            row("3"),
        ),
        keys("1", "3"),
        bad=frozenset({2}),
        changed=frozenset({1}),
        check=_expect(x__1={"text": "smile \ufffd", "author": "\ufffdzoe"}),
    ),
    Case(
        "bom.jsonl",
        lambda: b"\xef\xbb\xbf" + jsonl(row("1"), row("2")),
        keys("1", "2"),
    ),
    Case(
        "bom.csv",
        lambda: b"\xef\xbb\xbf" + csv_file(csv_row("1"), "\ufeff" + csv_row("2")),
        keys("1"),
        bad=frozenset({3}),  # a BOM inside the file is part of the source name
    ),
    Case(
        "two_files_concatenated.csv",
        lambda: csv_file(csv_row("1"), CSV_HEADER, csv_row("2")),
        keys("1", "2"),
        bad=frozenset({3}),  # the second header is a row without a valid time
    ),
    Case(
        "crlf.csv",
        lambda: csv_file(csv_row("1", '"two\r\nlines"'), csv_row("2", '"lone\rcr"'), end="\r\n"),
        keys("1", "2"),
        check=_expect(x__1={"text": "two\nlines"}, x__2={"text": "lone\rcr"}),
    ),
    Case(
        "cr_only.csv",
        lambda: csv_file(csv_row("1"), csv_row("2"), end="\r"),
        frozenset(),
        error=r"cr_only\.csv:1: the CSV header: unreadable CSV: new-line character",
    ),
    Case(
        "cr_only.jsonl",
        lambda: jsonl(row("1")).rstrip(b"\n") + b"\r" + jsonl(row("2")).rstrip(b"\n") + b"\r",
        frozenset(),
        bad=frozenset({1}),  # one line holding two objects
    ),
    Case(
        "mixed_line_ends.jsonl",
        lambda: (
            jsonl(row("1"))
            + jsonl(row("2")).replace(b"\n", b"\r\n")
            + b'{"source": "x",\r"id": "3", "text": "t", "created_at": "'
            + WHEN.encode()
            + b'", "author": "a", "brand": "Acme"}\n'
        ),
        keys("1", "2", "3"),
    ),
    Case(
        "latin1.csv",
        lambda: csv_file(csv_row("1"), csv_row("2", "caf\xe9"), csv_row("3")).replace(
            "caf\xe9".encode(), b"caf\xe9"
        ),
        keys("1", "3"),
        bad=frozenset({3}),
    ),
    Case(
        "invalid_utf8.jsonl",
        lambda: (
            jsonl(row("1"), row("2", text="OVERLONG"), row("3", text="CUT"), row("4"))
            .replace(b"OVERLONG", b"\xc0\xaf")
            .replace(b"CUT", b"\xe2\x82")
        ),
        keys("1", "4"),
        bad=frozenset({2, 3}),
    ),
    Case(
        "utf16.jsonl",
        lambda: jsonl(row("1")).decode("utf-8").encode("utf-16"),
        frozenset(),
        error=r"utf16\.jsonl: UTF-16 or UTF-32 text; save it as UTF-8",
    ),
    Case(
        "unterminated_quote.csv",
        lambda: csv_file(csv_row("1"), csv_row("2", '"never closed'), csv_row("3"), csv_row("4")),
        keys("1", "3", "4"),
        bad=frozenset({3}),
    ),
    Case(
        "unterminated_after_multiline.csv",
        lambda: csv_file(
            csv_row("1", '"line one\nline two"'),
            csv_row("2", '"ok ""quoted"""'),
            csv_row("3", '"open'),
            csv_row("4"),
            csv_row("5"),
        ),
        keys("1", "2", "4", "5"),  # (a later quote would close it: rows up to there are lost)
        bad=frozenset({5}),
        check=_expect(x__1={"text": "line one\nline two"}, x__2={"text": 'ok "quoted"'}),
    ),
    Case(
        "huge_text.jsonl",
        lambda: jsonl(row("big", text="é" * MB), row("2")),
        keys("big", "2"),
        changed=frozenset({1}),
        check=_cut_text,
    ),
    Case(
        "huge_text.csv",
        lambda: csv_file(csv_row("big", "é" * MB), csv_row("2")),
        keys("big", "2"),
        changed=frozenset({2}),
        check=_cut_text,
    ),
    Case(
        "overlong_line.jsonl",
        lambda: jsonl(row("1"), row("2", text="z" * (10 * MB + 10)), row("3")),
        keys("1", "3"),
        bad=frozenset({2}),
    ),
    Case(
        "overlong_quoted_field.csv",
        lambda: csv_file(
            csv_row("1", '"opened'),
            *(["z" * MB] * 11),
            csv_row("2"),
        ),
        keys("2"),
        bad=frozenset(range(2, 14)),  # the open row, then each 1 MB line is a row of its own
    ),
    Case("empty.jsonl", lambda: b"", frozenset()),
    Case("empty.csv", lambda: b"", frozenset()),
    Case("header_only.csv", lambda: csv_file(), frozenset()),
    Case(
        "duplicate_header.csv",
        lambda: csv_file(csv_row("1") + ",x", header=CSV_HEADER + ",id"),
        frozenset(),
        error=r"duplicate_header\.csv:1: the CSV header repeats 'id'",
    ),
    Case(
        "missing_columns.csv",
        lambda: csv_file("x,1,t", header="source,id,text"),
        frozenset(),
        error=r"missing_columns\.csv:1: the CSV header lacks 'created_at', 'author'",
    ),
    Case(
        "extra_and_missing_cells.csv",
        lambda: csv_file(csv_row("1") + ",extra", csv_row("2"), "x,3,short row," + WHEN),
        keys("2"),
        bad=frozenset({2, 4}),  # too many values; no author
    ),
    Case(
        "years_out_of_range.jsonl",
        lambda: jsonl(
            row("1", created_at="0001-01-01T00:00:00+01:00"),
            row("2", created_at="9999-12-31T23:00:00-05:00"),
            row("3", created_at="0001-01-01T00:00:00Z"),
            row("4", created_at="1969-12-31T23:59:59Z"),
            row("5", created_at="2100-01-01T00:00:00Z"),
            row("6", created_at="2026-11-11T11:00:00Z"),  # within a day of now
            row("7", created_at="1970-01-01T00:00:00Z"),
        ),
        keys("6", "7"),
        bad=frozenset({1, 2, 3, 4, 5}),
    ),
    Case(
        "naive_dates.csv",
        lambda: csv_file(
            csv_row("1", created_at="2026-11-02T09:00:00"),
            csv_row("2", created_at="2026-11-02"),
            csv_row("3", created_at="2026-11-02T09:00:00+05:30"),
            csv_row("4", created_at="02/11/2026 09:00"),
        ),
        keys("3"),
        bad=frozenset({2, 3, 5}),
        check=_expect(x__3={"created_at": datetime(2026, 11, 2, 3, 30, tzinfo=UTC)}),
    ),
    Case(
        "followers.jsonl",
        lambda: jsonl(
            row("1", followers=2**63),
            row("2", followers=-1),
            '{"source": "x", "id": "3", "text": "t", "created_at": "'
            + WHEN
            + '", "author": "a", "brand": "Acme", "followers": 1e400}',
            '{"source": "x", "id": "4", "text": "t", "created_at": "'
            + WHEN
            + '", "author": "a", "brand": "Acme", "followers": NaN}',
            row("5", followers=1e20),
            row("6", followers="many"),
            '{"source": "x", "id": "7", "text": "t", "created_at": "'
            + WHEN
            + '", "author": "a", "brand": "Acme", "followers": 1'
            + "0" * 5000
            + "}",
            row("8", followers=2**63 - 1),
        ),
        keys("1", "5", "8"),
        bad=frozenset({2, 3, 4, 6, 7}),
        changed=frozenset({1, 5}),
        check=_expect(x__1={"author_followers": INT64_MAX}, x__8={"author_followers": INT64_MAX}),
    ),
    Case(
        "followers.csv",
        lambda: csv_file(
            csv_row("1", followers="99999999999999999999"),
            csv_row("2", followers="1" * 5000),
            csv_row("3", followers="-1"),
            csv_row("4", followers="1e400"),
            csv_row("5", followers=" 42 "),
        ),
        keys("1", "5"),
        bad=frozenset({3, 4, 5}),
        changed=frozenset({2}),
        check=_expect(x__1={"author_followers": INT64_MAX}, x__5={"author_followers": 42}),
    ),
    Case(
        "ratings.jsonl",
        lambda: jsonl(
            row("1", rating=0),
            row("2", rating=6),
            row("3", rating="five"),
            row("4", rating=3.5),
            row("5", rating=True),
            row("6", rating=5),
            row("7", rating="4"),
        ),
        keys("6", "7"),
        bad=frozenset({1, 2, 3, 4, 5}),
    ),
    Case(
        "json_not_objects.jsonl",
        lambda: jsonl(
            '"a string"', "[1, 2]", "42", "null", "true", row("6"), "[" + json.dumps(row("7")) + "]"
        ),
        keys("6"),
        bad=frozenset({1, 2, 3, 4, 5, 7}),
    ),
    Case(
        "deep_nesting.jsonl",
        lambda: jsonl(
            '{"source": "x", "id": "1", "extra": ' + _deep(100_000) + "}",
            '{"source": "x", "id": "2", "text": "t", "created_at": "'
            + WHEN
            + '", "author": "a", "brand": "Acme", "extra": '
            + _deep(200)
            + "}",
        ),
        keys("2"),
        bad=frozenset({1}),
    ),
    Case(
        "numeric_ids.jsonl",
        lambda: jsonl(
            row(1234),
            row(1.5),
            row(10**30, in_reply_to=1234),
            row(True),
            row(-7),
        ),
        keys("1234", "1" + "0" * 30, "-7"),
        bad=frozenset({2, 4}),
        check=_expect(**{f"x__1{'0' * 30}": {"in_reply_to": "1234", "thread_id": "1234"}}),
    ),
    Case(
        "long_ids.jsonl",
        lambda: jsonl(
            row("i" * 200),
            row("i" * 128),
            row("3", author="a" * 300),
            row("4", author_id="7" * 200),
            row("5", in_reply_to="r" * 129),
            row("6", source="s" * 33),
        ),
        keys("i" * 128, "3"),
        bad=frozenset({1, 4, 5, 6}),
        changed=frozenset({3}),
        check=_expect(x__3={"author": "a" * 256}),
    ),
    Case(
        "ids_with_spaces.jsonl",
        lambda: jsonl(
            row("a b"),
            row("a\nb"),
            row("  padded\t"),
            row("\t "),
            row("tab\there"),
            row("bidi\u202e"),
            row("zero\u200bwidth"),
        ),
        keys("padded"),
        bad=frozenset({1, 2, 4, 5, 6, 7}),
    ),
    Case(
        "unknown_brand.jsonl",
        lambda: jsonl(
            row("1", brand="Initech"),
            row("2", brand=None, text="nothing here"),
            row("3", brand="acme"),
            row("4", brand=None, text="hi @AcmeHelp"),
            row("5", brand="\x1b[31mAcme"),
        ),
        keys("3", "4"),
        bad=frozenset({1, 2, 5}),
    ),
    Case(
        "formula_injection.csv",
        lambda: csv_file(
            csv_row("1", "\"=cmd|' /C calc'!A0\""),
            csv_row("2", "+1+1", author="@SUM(1+1)"),
            csv_row("3", "-2", author='=HYPERLINK(""x"")'),
            csv_row("4", "@A1"),
        ),
        keys("1", "2", "3", "4"),
        bad=frozenset(),
        check=_expect(x__1={"text": "=cmd|' /C calc'!A0"}, x__2={"author": "SUM(1+1)"}),
    ),
    Case(
        "html_and_ansi.jsonl",
        lambda: jsonl(
            row("1", text="<script>alert(1)</script>", author="<img src=x onerror=alert(1)>"),
            row(
                "2",
                text="\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
                author="\x1b[31mred\r\nCRITICAL forged",
            ),
            row("3\x1b[2J"),
            row("4", url="javascript:alert(1)", subreddit="r/<b>x</b>"),
        ),
        keys("1", "2", "4"),
        bad=frozenset({3}),
        check=_expect(
            x__1={"text": "<script>alert(1)</script>"},
            x__2={"author": "\x1b[31mred\r\nCRITICAL forged"},  # stored verbatim
            x__4={"url": "javascript:alert(1)", "subreddit": "<b>x</b>"},
        ),
    ),
    Case(
        "duplicates.jsonl",
        lambda: jsonl(
            row("1", created_at="9999-01-01T00:00:00Z"),
            row("1"),
            row("1", text="again"),
            row("2"),
            row("2"),
        ),
        keys("1", "2"),
        bad=frozenset({1, 3, 5}),  # the first good copy counts
        check=_expect(x__1={"text": "post 1"}),
    ),
    Case(
        "nul_bytes_raw.csv",
        lambda: csv_file(csv_row("1", "nul\x00inside"), csv_row("2", author="a\x00")),
        keys("1", "2"),
        changed=frozenset({2, 3}),
        check=_expect(x__1={"text": "nul\ufffdinside"}, x__2={"author": "a\ufffd"}),
    ),
    Case(
        "sources_and_labels.jsonl",
        lambda: jsonl(
            row("1", source="X"),
            row("2", source="a b"),
            row("3", source="ünï"),
            row("4", sentiment="ANGRY"),
            row("5", sentiment="Negative", confidence="NaN"),
            row("6", sentiment="positive", confidence=0.5),
            row("7", lang="en\nUS"),
            row("8", lang="l" * 40),
        ),
        keys("1", "6", "7", "8"),
        bad=frozenset({2, 3, 4, 5}),
        changed=frozenset({7, 8}),
        check=_expect(x__6={"sentiment": "positive"}, x__7={"lang": None}),
    ),
    Case(
        "garbage.jsonl",
        lambda: (
            bytes(b for b in range(256) if b != 10)
            + b"\n"
            + jsonl(row("2"))
            + b'{"source": "x", "id": "3"'
        ),
        keys("2"),
        bad=frozenset({1, 3}),  # binary junk; a last line cut short
    ),
    Case(
        "reply_loops.jsonl",
        lambda: jsonl(
            row("1", in_reply_to="1"), row("2", in_reply_to="3"), row("3", in_reply_to="2")
        ),
        keys("1", "2", "3"),
        check=_expect(x__1={"thread_id": "1"}),
    ),
]
