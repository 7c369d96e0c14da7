"""File import: every good row becomes a Post, every bad row one exact ``FILE:LINE: reason``."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.importer import (
    MAX_LINE_BYTES,
    ImportFileError,
    ImportResult,
    detect_format,
    iter_post_batches,
    read_posts,
)
from monitor.posts import Post

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
JSONL = FIXTURES / "posts.jsonl"
CSV = FIXTURES / "posts.csv"


def problems_of(path: Path) -> list[str]:
    return [p.removeprefix(f"{path}:") for p in read_posts(path).problems]


def test_jsonl_good_rows_map_to_posts() -> None:
    result = read_posts(JSONL)
    assert [p.key for p in result.posts] == [
        "x:1001", "x:1002", "x:1003", "reddit:t3_abc", "appstore:r-1", "x:1010",
    ]  # fmt: skip
    assert result.lines == 19
    first, reply, follow_up, reddit, review, odd = result.posts
    assert first == Post(
        source="x",
        external_id="1001",
        author="carol",
        text="@AcmeHelp my order #123 never arrived 😡",
        created_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        author_id="42",
        author_followers=1200,
        url="https://x.com/carol/status/1001",
        thread_id="1001",
        lang="en",
        brand="Acme",
        raw={"client": "web"},
    )
    # A numeric id is its decimal text; the offset is converted to UTC; the thread is the root.
    assert (reply.external_id, reply.in_reply_to, reply.thread_id) == ("1002", "1001", "1001")
    assert reply.created_at == datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
    assert (follow_up.in_reply_to, follow_up.thread_id) == ("1002", "1001")
    assert (follow_up.sentiment, follow_up.confidence) == ("negative", 0.83)
    assert follow_up.created_at.microsecond == 250_000
    assert (reddit.author, reddit.subreddit) == ("dave", "acme")
    assert (reddit.sentiment, reddit.confidence) == ("positive", 1.0)  # confidence defaults to 1
    assert "\u202eRTL\u202c" in reddit.text and "e\u0301" in reddit.text and "𝔘" in reddit.text
    assert (review.text, review.rating, review.sentiment) == ("", 2, None)
    assert odd.text == "line sep \u2028 inside, para \u2029, tab\tand NUL \x00"
    assert odd.thread_id == "9999"  # the parent is not in the file: the last id the chain names
    assert odd.author_followers == 3


def test_jsonl_bad_rows_are_reported_with_line_and_reason() -> None:
    assert problems_of(JSONL) == [
        "7: missing required field 'created_at'",
        "8: created_at: cannot parse 'yesterday' as an ISO 8601 time",
        "9: created_at: '2026-11-02T09:00:00' has no UTC offset (add Z or +HH:MM)",
        "10: sentiment: unknown label 'angry' (expected negative, neutral or positive)",
        "11: rating: 6 is outside 1-5",
        "12: invalid JSON: Expecting property name enclosed in double quotes (column 45)",
        "13: expected a JSON object, got an array",
        "14: id: expected a string or whole number, got a boolean; "
        "text: expected a string, got a number; followers: expected a whole number, got 'many'",
        "15: duplicate post x:1001 (first on line 1)",
        "16: invalid JSON: NaN is not allowed",
        "17: not valid UTF-8 (byte 0xe9 at byte 38)",
    ]
    assert read_posts(JSONL).problems[0] == f"{JSONL}:7: missing required field 'created_at'"


def test_csv_rows_with_bom_crlf_and_quoted_newlines() -> None:
    result = read_posts(CSV)
    assert [p.key for p in result.posts] == [
        "x:2001", "x:2002", "appstore:r-9", "x:2003", "x:2008",
    ]  # fmt: skip
    parcel, answer, review, quoted, short = result.posts
    assert parcel.raw == {"channel": "mobile"} and parcel.author_followers == 15
    assert answer.text == "@kim Sorry Kim!\nWe're on it."
    assert (answer.in_reply_to, answer.thread_id) == ("2001", "2001")
    assert (review.text, review.rating) == ("", 1)
    assert quoted.text == 'quote " inside, and emoji 🚀'
    assert (quoted.thread_id, quoted.sentiment, quoted.confidence) == ("2001", "negative", 0.7)
    assert short.text == "short row"  # a row with fewer cells: the missing ones are absent
    assert problems_of(CSV) == [
        "8: rating: 0 is outside 1-5",
        "9: row has 13 values, the header 11 columns",
        "10: missing required field 'id'",
        "11: confidence: expected a number from 0 to 1, got '1.5'",
        "12: not valid UTF-8 (byte 0xe9 at byte 11)",
    ]
    assert result.lines == 13


def test_parsing_again_gives_identical_posts() -> None:
    for path in (JSONL, CSV):
        assert read_posts(path) == read_posts(path)


def test_batches_hold_every_row_once_in_order() -> None:
    whole = read_posts(JSONL)
    batches = list(iter_post_batches(JSONL, batch_size=3))
    assert all(len(b.posts) + len(b.bad_rows) <= 3 for b in batches)
    assert [p for b in batches for p in b.posts] == whole.posts
    assert [s for b in batches for s in b.problems] == whole.problems
    ends = [b.last_line for b in batches]
    assert ends == sorted(ends) and ends[-1] == whole.lines


def test_start_line_skips_what_was_read_without_reporting_it_again() -> None:
    resumed = list(iter_post_batches(JSONL, batch_size=100, start_line=10))
    posts = [p for b in resumed for p in b.posts]
    assert [p.key for p in posts] == ["x:1010"]
    assert posts[0].thread_id == "9999"
    problems = [s.removeprefix(f"{JSONL}:") for b in resumed for s in b.problems]
    assert [p.split(":")[0] for p in problems] == ["11", "12", "13", "14", "15", "16", "17"]
    # Duplicates are still known from the lines before the start.
    assert "15: duplicate post x:1001 (first on line 1)" in problems


def test_replies_listed_before_their_parents_find_their_root() -> None:
    threads = {
        p.external_id: p.thread_id for p in read_posts(FIXTURES / "newest_first.jsonl").posts
    }
    assert threads == {
        "c3": "c1", "c2": "c1", "c1": "c1",
        "d2": "conv-d", "d1": "conv-d",  # an explicit thread up the chain wins
        "e1": "e1", "e2": "e2",  # a loop of replies ends, each at itself
    }  # fmt: skip


def test_huge_text_and_odd_unicode_survive_both_formats(tmp_path: Path) -> None:
    text = ("ab🙂\u200d" * 12_500)[:50_000] + "\ud83d"  # 50,000 chars and a lone surrogate
    row = {"source": "x", "id": "big", "text": text, "created_at": "2026-01-01T00:00:00Z"}
    row["author"] = "zoë"
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [post] = read_posts(jsonl).posts
    assert post.text == text and post.author == "zoë"
    csv_text = text[:-1]  # a lone surrogate cannot be written as UTF-8
    path = tmp_path / "big.csv"
    path.write_text(
        f'source,id,text,created_at,author\r\nx,big,"{csv_text}",2026-01-01T00:00:00Z,zoë\r\n',
        encoding="utf-8",
    )
    [post] = read_posts(path).posts
    assert post.text == csv_text and len(post.text) == 50_000


def test_follow_leaves_an_unterminated_last_line_for_the_next_pass(tmp_path: Path) -> None:
    path = tmp_path / "growing.jsonl"
    shutil.copy(FIXTURES / "replay.jsonl", path)
    whole = read_posts(path)
    head, tail = path.read_text("utf-8").rsplit('"text": "flying', 1)
    path.write_text(head, encoding="utf-8")
    [partial] = list(iter_post_batches(path, batch_size=100, follow=True))
    assert partial.problems == [
        f"{path}:6: created_at: cannot parse 'not a time' as an ISO 8601 time"
    ]
    assert len(partial.posts) == len(whole.posts) - 1 and partial.last_line == 7
    assert partial.unfinished_line == 8
    with path.open("a", encoding="utf-8") as f:
        f.write('"text": "flying' + tail)
    [rest] = list(
        iter_post_batches(path, batch_size=100, start_line=partial.last_line, follow=True)
    )
    assert [p.external_id for p in rest.posts] == ["r7"] and rest.problems == []
    assert rest.last_line == 8


def test_format_is_found_by_extension_or_content(tmp_path: Path) -> None:
    assert detect_format(JSONL) == "jsonl" and detect_format(CSV) == "csv"
    (tmp_path / "export").write_bytes(JSONL.read_bytes())
    (tmp_path / "sheet.txt").write_bytes(CSV.read_bytes())
    assert read_posts(tmp_path / "export").posts == read_posts(JSONL).posts
    assert read_posts(tmp_path / "sheet.txt").posts == read_posts(CSV).posts


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.jsonl", "missing.jsonl: file not found"),
        ("array.json", "array.json: a JSON array; write JSON Lines (one object a line)"),
        ("no_created_at.csv", "no_created_at.csv:1: the CSV header lacks 'created_at'"),
    ],
)
def test_unreadable_files_raise_one_clear_error(name: str, message: str) -> None:
    with pytest.raises(ImportFileError) as info:
        read_posts(FIXTURES / name)
    assert str(info.value) == f"{FIXTURES}/{message}"


def test_repeated_header_and_empty_file(tmp_path: Path) -> None:
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("source,id,text,created_at,author,id\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"doubled.csv:1: the CSV header repeats 'id'"):
        read_posts(doubled)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert read_posts(empty) == ImportResult([], [], 0)


def test_csv_lone_carriage_return_and_unfinished_row(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(
        b"source,id,text,created_at,author\n"
        b"x,1,a\rb,2026-11-02T09:00:00Z,bob\n"  # a bare CR outside quotes: csv refuses the row
        b'x,2,"a\rb",2026-11-02T09:00:00Z,bob\n'  # inside quotes it is text
        b"x,3,last,2026-11-02T09:00:00Z,bo"  # no line end: maybe still being written
    )
    result = read_posts(path)
    assert [(p.text, p.author) for p in result.posts] == [("a\rb", "bob"), ("last", "bo")]
    assert result.problems == [
        f"{path}:2: unreadable CSV: new-line character seen in unquoted "
        "field - do you need to open the file in universal-newline mode?"
    ]
    [followed] = list(iter_post_batches(path, follow=True))
    assert [p.external_id for p in followed.posts] == ["2"]
    assert (followed.last_line, followed.unfinished_line) == (3, 4)


CSV_HEAD = b"source,id,text,created_at,author\n"


def csv_line(ident: str, text: str = "t") -> bytes:
    return f"x,{ident},{text},2026-11-02T09:00:00Z,bob\n".encode()


def test_unterminated_csv_quote_is_reported_and_the_lines_after_it_read_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "open.csv"
    path.write_bytes(
        CSV_HEAD + csv_line("1", '"two\nlines"') + csv_line("2", '"never closed')
        + csv_line("3") + csv_line("4")
    )  # fmt: skip
    result = read_posts(path)
    assert [p.external_id for p in result.posts] == ["1", "3", "4"]
    assert result.problems == [
        f"{path}:4: unterminated quote opened at line 4 "
        "(no closing quote before the end of the file)"
    ]
    assert result.lines == 6


def test_unterminated_quote_in_a_growing_file_waits_for_more(tmp_path: Path) -> None:
    path = tmp_path / "growing.csv"
    path.write_bytes(CSV_HEAD + csv_line("1") + csv_line("2", '"still being\nwritten'))
    [batch] = list(iter_post_batches(path, follow=True))
    assert [p.external_id for p in batch.posts] == ["1"] and batch.problems == []
    assert (batch.last_line, batch.unfinished_line) == (2, 3)


def test_a_quoted_field_is_cut_at_10_mb_and_the_rest_read_again(tmp_path: Path) -> None:
    path = tmp_path / "runaway.csv"
    filler = (b"z" * (MAX_LINE_BYTES // 10) + b"\n") * 11  # 11 lines of 1 MB
    path.write_bytes(CSV_HEAD + csv_line("1", '"opened') + filler + csv_line("2"))
    batches = iter_post_batches(path, batch_size=100_000)
    first = next(batches)
    assert first.problems[0] == (
        f"{path}:2: unterminated quote opened at line 2 "
        f"(no closing quote within {MAX_LINE_BYTES:,} bytes)"
    )
    assert first.problems[1] == (
        f"{path}:3: missing required fields 'id', 'created_at', 'author', 'text'"
    )
    posts = first.posts + [p for b in batches for p in b.posts]
    assert [p.external_id for p in posts] == ["2"]


def test_an_over_long_line_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    good = {"source": "x", "text": "t", "created_at": "2026-11-02T09:00:00Z", "author": "a"}
    with path.open("wb") as f:
        f.write(json.dumps({**good, "id": "1"}).encode() + b"\n")
        f.write(b'{"text": "' + b"z" * (MAX_LINE_BYTES + 1) + b'"}\n')
        f.write(json.dumps({**good, "id": "3"}).encode() + b"\n")
    result = read_posts(path)
    assert [p.external_id for p in result.posts] == ["1", "3"]
    assert result.problems == [f"{path}:2: line longer than {MAX_LINE_BYTES:,} bytes (10 MB)"]


def test_an_endless_stream_stops_at_its_first_over_long_line(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as info:
        read_posts("/dev/zero")  # no extension, no "{": read as CSV, the header never ends
    assert str(info.value) == (
        f"/dev/zero:1: the CSV header: line longer than {MAX_LINE_BYTES:,} bytes (10 MB)"
    )
    zeros = tmp_path / "zeros.jsonl"
    zeros.symlink_to("/dev/zero")
    batches = iter_post_batches(zeros)
    assert next(batches).problems == [
        f"{zeros}:1: line longer than {MAX_LINE_BYTES:,} bytes (10 MB)"
    ]
    with pytest.raises(ImportFileError, match=r"zeros.jsonl:1: a line longer .* reading stopped"):
        next(batches)


def test_utf16_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("source,id,text,created_at,author\n", encoding="utf-16")
    with pytest.raises(
        ImportFileError, match=r"excel.csv: UTF-16 or UTF-32 text; save it as UTF-8"
    ):
        read_posts(path)


NOW = datetime(2026, 11, 10, tzinfo=UTC)


def test_with_a_clock_posts_are_cleaned_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    base = {"source": "x", "text": "t", "author": "a", "created_at": "2026-11-02T09:00:00Z"}
    rows = [
        {**base, "id": "1", "created_at": "9999-12-31T23:00:00-05:00"},  # OverflowError before
        {**base, "id": "2", "created_at": "0001-01-01T00:00:00+01:00"},
        {**base, "id": "3", "followers": 2**63},  # an insert error before
        {**base, "id": "4", "created_at": "2026-11-10T23:59:59Z"},  # within a day: kept
        {**base, "id": "5", "created_at": "2026-11-11T00:00:01Z"},
        {**base, "id": "6", "author_id": "a b"},
    ]
    lines = [json.dumps(r) for r in rows]
    lines.append(json.dumps({**base, "id": "7"}).replace('"a"', '"\\ud83dzoe\\u0000"'))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_posts(path, now=NOW)
    assert [p.external_id for p in result.posts] == ["3", "4", "7"]
    assert [p.removeprefix(f"{path}:") for p in result.problems] == [
        "1: created_at '9999-12-31T23:00:00-05:00' is in the future",
        "2: created_at '0001-01-01T00:00:00+01:00' is before 1970",
        "5: created_at 2026-11-11T00:00:01+00:00 is in the future",
        "6: author_id holds a control character, space or broken character",
    ]
    followers, _, surrogate = result.posts
    assert followers.author_followers == 2**63 - 1
    assert surrogate.author == "\ufffdzoe\ufffd"
    assert result.changes == [
        f"{path}:3: followers: 9223372036854775808 clamped to 9223372036854775807",
        f"{path}:7: author: NUL or broken character replaced by U+FFFD",
    ]
    assert read_posts(path, now=NOW) == result


def test_problem_lines_escape_and_cut_the_values_they_quote(tmp_path: Path) -> None:
    path = tmp_path / "escape.jsonl"
    row = {"source": "x", "id": "1", "text": "t", "author": "a"}
    row["created_at"] = "\x1b[2J\r\nCRITICAL forged " + "z" * 1000
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [problem] = read_posts(path).problems
    quoted = "'\\x1b[2J\\r\\nCRITICAL forged " + "z" * 31 + "…"  # 60 characters in all
    assert problem == f"{path}:1: created_at: cannot parse {quoted} as an ISO 8601 time"
