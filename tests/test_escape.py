"""monitor.escape: one function per output kind; each leaves no way for data to act."""

from __future__ import annotations

import io
import logging

import pytest
from markupsafe import Markup

from monitor.escape import (
    OneLineLogs,
    html_finalize,
    html_text,
    install_log_escaping,
    log_line,
    slack,
    terminal,
    text_line,
)
from tests.hostile.checks import RAW_CONTROL
from tests.hostile.strings import FORGED, HOSTILE

ONE_LINE = [terminal, log_line, text_line]


@pytest.mark.parametrize("escape", ONE_LINE)
@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_one_line_kinds_leave_no_control(escape, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    shown = escape(value)
    assert not RAW_CONTROL.search(shown) and "\n" not in shown
    assert len(shown.splitlines()) <= 1  # also U+2028, U+0085, VT, FF, FS…
    assert escape(shown) == shown  # idempotent: a second pass adds nothing
    shown.encode("utf-8")  # lone surrogates are shown, never crash an encoder


def test_escapes_read_like_python() -> None:
    assert terminal("\x1b[2J\r\n\t\x00\x7f\x85\u202e\u2066\ud800") == (
        "\\x1b[2J\\r\\n\\t\\x00\\x7f\\x85\\u202e\\u2066\\ud800"
    )
    # printable text of any script, emoji and backslashes are left as they are
    plain = "日本航空 – Café 🙂 ٱلعربية C:\\path [bold] :x: 100%"
    assert terminal(plain) == log_line(plain) == text_line(plain) == plain


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_slack_leaves_no_markup_or_control(name: str, value: str) -> None:
    shown = slack(value)
    assert "<" not in shown and ">" not in shown
    assert not RAW_CONTROL.search(shown) and "\n" not in shown
    assert shown.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


def test_slack_entities() -> None:
    assert slack("<!channel> & <@U1|x>\n") == "&lt;!channel&gt; &amp; &lt;@U1|x&gt;\\n"


def logged(logger_name: str, *args: object, exc: bool = False) -> str:
    """What one log call writes through a handler that escaping was installed on."""
    logger = logging.getLogger(logger_name)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        install_log_escaping(logger)
        install_log_escaping(logger)  # installing twice adds one filter
        assert len(handler.filters) == 1
        if exc:
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                logger.exception(*args)  # type: ignore[arg-type]
        else:
            logger.warning(*args)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_forged_log_line_stays_in_its_record() -> None:
    author = f"pat\r\n2026-01-01 00:00:00,000 {FORGED}"
    out = logged("test.escape.one", "alert by %s: %s", author, "\x1b[2Jcleared")
    assert out.count("\n") == 1 and "\r" not in out and "\x1b" not in out
    assert out.startswith("WARNING test.escape.one: alert by pat\\r\\n2026-01-01")


def test_the_traceback_keeps_its_lines() -> None:
    out = logged("test.escape.two", "failed for %s", "a\nCRITICAL forged", exc=True)
    lines = out.splitlines()
    assert lines[0] == "ERROR test.escape.two: failed for a\\nCRITICAL forged"
    assert lines[1] == "Traceback (most recent call last):" and lines[-1] == "RuntimeError: boom"


def test_a_bad_format_string_is_left_to_the_handler() -> None:
    """The filter must not raise where logging itself reports the error."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("nan",), None)
    assert OneLineLogs().filter(record) and record.msg == "%d"


def test_csv_cell_keeps_one_line_and_defuses_formulas() -> None:
    from monitor.escape import csv_cell

    assert csv_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert csv_cell("+1 555") == "'+1 555" and csv_cell("-5 stars") == "'-5 stars"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("@AcmeHelp where is my order?") == "@AcmeHelp where is my order?"
    assert csv_cell("two\nlines\x1b[2J") == "two\\nlines\\x1b[2J"


@pytest.mark.parametrize(("name", "value"), HOSTILE)
def test_html_text_keeps_whitespace_and_escapes_every_other_control(name: str, value: str) -> None:
    shown = html_text(value)
    assert not RAW_CONTROL.search(shown.replace("\n", "").replace("\r", "").replace("\t", ""))
    assert html_text(shown) == shown  # idempotent
    assert shown.count("\n") == value.count("\n")  # line breaks are whitespace in HTML


def test_html_finalize_leaves_our_markup_and_non_strings_alone() -> None:
    assert html_finalize("a\x1bb\u202e") == "a\\x1bb\\u202e"
    ours = Markup("<b>\x1b</b>")
    assert html_finalize(ours) is ours
    assert html_finalize(3) == 3 and html_finalize(None) is None
