"""Reading labeled theme files: header allowed, malformed lines named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.classify.evaluation import LabeledFileError
from monitor.themes.evaluate import read_themes_tsv


def test_header_is_skipped_and_blank_lines_ignored(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("id\ttheme\ttext\na\trefund\tmoney back\n\nb\tcard\tcard\tlost\n", "utf-8")
    assert read_themes_tsv(path) == (["refund", "card"], ["money back", "card\tlost"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "a\trefund\tx\nb\tonly two\n",
            "t.tsv:2: expected 3 tab-separated fields id<TAB>theme<TAB>text, got 2",
        ),
        ("a\t \tx\nb\tr\ty\n", "t.tsv:1: empty theme"),
        ("a\trefund\tx\n", "needs at least 2 labeled lines, found 1"),
    ],
)
def test_bad_files_say_where(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "t.tsv"
    path.write_text(body, "utf-8")
    with pytest.raises(LabeledFileError, match=message):
        read_themes_tsv(path)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"a\tr\t\xff\xfe\n")
    with pytest.raises(LabeledFileError, match="cannot read"):
        read_themes_tsv(path)
    with pytest.raises(LabeledFileError, match="no such file"):
        read_themes_tsv(tmp_path / "missing.tsv")
