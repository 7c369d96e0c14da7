"""One escaping function per output kind: Slack, terminal, log line, plain-text body, HTML.

Stored text stays verbatim; these functions only change how data is *shown*. For HTML, Jinja's
autoescape escapes the markup characters and :func:`html_finalize` (every template
environment's ``finalize``) the controls. Each function takes untrusted data, never text
that already holds our own markup.
"""

from __future__ import annotations

import logging
import re

#: Characters that move the cursor, start a terminal escape sequence, break a line
#: (for ``str.splitlines``, a mail reader or a log parser), reorder text on display
#: (bidi overrides and isolates) or cannot be encoded at all (lone surrogates).
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    """The backslash form of one control character (``\\n``, ``\\x1b``, ``\\u202e``)."""
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _controls(text: str) -> str:
    """``text`` with every control, line-breaking and bidi character shown as an escape.

    Backslashes are left alone, so applying it twice changes nothing more (idempotent).
    """
    return _CONTROLS.sub(_visible, text)


def slack(text: str) -> str:
    """Data for Slack text (mrkdwn or plain): ``& < >`` as entities, controls escaped."""
    # Without '<' no <!channel>, <@U…> or <url|label> can be formed; '&' first so the
    # entities added next are not escaped again.
    return _controls(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def terminal(text: str) -> str:
    """Data for a terminal (tables, messages): no escape sequence, CR/LF, bidi override."""
    return _controls(text)


def log_line(text: str) -> str:
    """Data for a log message: one record stays one line, no escape sequence reaches it."""
    return _controls(text)


def text_line(text: str) -> str:
    """Data for one line of a plain-text body (text digest, alert mail): it cannot add lines."""
    return _controls(text)


#: In HTML, line breaks and tabs are whitespace (a page may keep a post's own line breaks),
#: so of the characters above only these are escaped: NUL and the other C0/C1 controls,
#: bidi overrides and isolates (which would reorder the page around the post), the Unicode
#: line and paragraph separators and lone surrogates (which cannot be encoded as UTF-8).
_HTML_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff]"
)


def html_text(text: str) -> str:
    """Data for HTML text or an attribute value, before autoescape: controls shown as escapes."""
    return _HTML_CONTROLS.sub(_visible, text)


def html_finalize(value: object) -> object:
    """Jinja ``finalize``: every string a template prints goes through :func:`html_text`.

    Values already marked safe (``__html__``: our own markup) are left as they are; Jinja
    then autoescapes the rest.
    """
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return html_text(value)
    return value


def tsv_field(text: str) -> str:
    """Data for one field of a TSV line: tabs and line breaks become spaces, controls escaped."""
    return _controls(re.sub(r"[\t\r\n\u2028\u2029\x0b\x0c\x85]+", " ", text))


class OneLineLogs(logging.Filter):
    """Rewrites each record's message with :func:`log_line`; the traceback stays multi-line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Escape the formatted message in place (``exc_info`` is formatted separately)."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the handler's error to report
            return True
        escaped = log_line(message)
        if escaped != message:
            record.msg, record.args = escaped, ()
        return True


def install_log_escaping(logger: logging.Logger | None = None) -> None:
    """Add :class:`OneLineLogs` to every handler of ``logger`` (the root one by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, OneLineLogs) for f in handler.filters):
            handler.addFilter(OneLineLogs())


#: A spreadsheet reads a cell starting with one of these as a formula (CSV injection); a
#: leading "@" only when a function call follows ("@SUM("), since posts start with @handles.
_FORMULA = re.compile(r"^(?:[=+\-]|@\w+\()")


def csv_cell(text: str) -> str:
    """Data for a CSV cell: one record a line (controls escaped), never run as a formula.

    A text that a spreadsheet would run as a formula (``=HYPERLINK(...)``) gets a leading
    ``'``, which spreadsheets show as "text" and scripts can strip.
    """
    text = _controls(text)
    return f"'{text}" if _FORMULA.match(text) else text
