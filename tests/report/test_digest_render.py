"""HTML and text rendering: escaping, links, time zone, met/missed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.report.formatting import (
    format_change,
    format_minutes,
    format_target,
    format_value,
    safe_url,
)
from monitor.report.html import render_html
from monitor.report.model import DigestData, KpiLine, Mention
from monitor.report.sample import sample_digest
from monitor.report.text import render_alert_text, render_text

# Same payloads as the ``hostile`` fixture (conftest is not imported: module names clash).
SCRIPT = "<script>alert('pwned')</script>"
IMG_XSS = "<img src=x onerror=alert(1)>"
CID = {"sentiment_mix": "cid:a@x", "volume_by_source": "cid:b@x", "frt_trend": "cid:c@x"}
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "body", "table", "tr", "td", "th", "div", "span",
    "strong", "a", "img", "h2", "p", "br",
}  # fmt: skip


def test_hostile_post_text_is_escaped_never_raw(
    hostile: DigestData, html_parser: Callable[[str], Any]
) -> None:
    html = render_html(hostile, CID)
    assert SCRIPT not in html
    assert IMG_XSS not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    parsed = html_parser(html)
    # The tokenizer sees only our own tags, no event handler attributes, and only CID images.
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert not [name for _, attrs in parsed.tags for name in attrs if name.startswith("on")]
    assert parsed.attrs("img", "src") == list(CID.values())
    # ...and the hostile strings come back as visible text.
    text = "".join(parsed.text)
    assert SCRIPT in text
    assert IMG_XSS in text


def test_only_http_links_become_href(
    hostile: DigestData, html_parser: Callable[[str], Any]
) -> None:
    parsed = html_parser(render_html(hostile, CID))
    hrefs = [h for h in parsed.attrs("a", "href") if h is not None]
    assert hrefs, "expected links to the sample posts"
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert "javascript:alert(1)" not in hrefs
    # The quote in the URL stays inside the href value instead of opening a new attribute.
    assert 'https://x.com/a"onmouseover="alert(1)' in hrefs
    assert "javascript:alert(1)" in "".join(parsed.text)  # shown, not linked


def test_kpis_met_missed_and_values_shown() -> None:
    digest = sample_digest()
    html = render_html(digest, CID)
    assert "&#10004;&nbsp;MET" in html
    assert "&#10008;&nbsp;MISSED" in html
    assert "91.3%" in html  # response_rate 0.913 shown as a percentage
    assert "1 h 12 min" in html  # frt 71.5 min
    assert "2 of 7 targets met, 5 missed" in html
    text = render_text(digest)
    assert "Response rate" in text and "91.3%" in text and "MET" in text
    assert "MISSED" in text


def test_missing_kpi_shows_dash_not_zero() -> None:
    digest = replace(
        sample_digest(), kpis=[KpiLine("response_rate", "Response rate", None, "rate")]
    )
    line = next(line for line in render_text(digest).splitlines() if "Response rate" in line)
    assert "—" in line and "0.0%" not in line


def test_times_in_brand_time_zone() -> None:
    noon_utc = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    base = sample_digest(timezone="America/New_York")
    digest = replace(
        base,
        most_negative=[Mention("x", "@a", "bad", None, 0.9, noon_utc)],
        generated_at=noon_utc,
    )
    html = render_html(digest, CID)
    assert "2024-01-15 07:00 EST" in html
    text_line = next(line for line in render_text(digest).splitlines() if line.startswith("1. @a"))
    assert "2024-01-15 07:00 EST" in text_line and "12:00" not in text_line


def test_text_part_has_sections_and_no_markup(hostile: DigestData) -> None:
    text = render_text(hostile)
    for heading in ("Key figures", "Top unanswered complaints", "Most negative", "Share of voice"):
        assert heading in text
    assert SCRIPT in text  # plain text shows the post as written
    assert "<table" not in text


def test_empty_digest_renders() -> None:
    digest = DigestData(
        brand="Empty Co",
        day=sample_digest().day,
        timezone="UTC",
        generated_at=datetime(2024, 5, 15, 5, 0, tzinfo=UTC),
    )
    html = render_html(digest, {})
    assert "No KPIs for this day." in html
    assert "<img" not in html
    assert "no targets judged" in render_text(digest)


def test_alert_text_in_given_zone() -> None:
    alert = sample_digest().alerts[0]
    text = render_alert_text(alert, "Europe/Berlin")
    assert "negative spike alert for Acme Mobile" in text
    assert "15:02 CEST" in text


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (None, "rate", "—"),
        (0.0, "rate", "0.0%"),
        (0.5, "rate", "50.0%"),
        (42.25, "pct", "42.2%"),
        (1234, "count", "1,234"),
        (11.4, "count", "11.4"),
        (59.6, "min", "1 h 00 min"),
        (3000, "min", "2 d 2 h"),
        (-56.25, "score", "-56.2"),  # the NPS proxy: a score, never a percentage
        (12, "score", "+12"),
    ],
)
def test_format_value(value: float | None, unit: str, expected: str) -> None:
    assert format_value(value, unit) == expected


def test_format_change_and_minutes() -> None:
    assert format_change(-0.04, "rate") == "-4.0 pp"
    assert format_change(12, "count") == "+12"
    assert format_change(-75, "min") == "-1 h 15 min"  # one minus sign: ASCII everywhere
    assert format_change(-3.5, "score") == "-3.5"
    assert format_minutes(5) == "5 min"


def test_format_target_is_in_the_kpis_unit() -> None:
    assert format_target("min", 0.9, "rate", "day") == "≥ 90.0% /day"
    assert format_target("max", 60, "min", "week") == "≤ 1 h 00 min /week"
    assert format_target("min", 10, "score", "day") == "≥ +10 /day"
    assert format_target(None, None, "rate", "day") == "—"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://x.com/a/status/1", True),
        ("http://example.org/p?q=1&r=2", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,hi", False),
        ("//evil.example/x", False),
        ("https://x.com/a b", False),
        ("https://x.com/\x00", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok
