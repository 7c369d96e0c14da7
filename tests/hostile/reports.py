"""Digest data and alerts carrying a hostile value in every field that comes from posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from monitor.report.model import Alert, DigestData, Mention, ShareOfVoice, UnansweredItem
from monitor.report.sample import sample_digest
from monitor.scoring import NEGATIVE_SPIKE, OVERDUE_COMPLAINT
from tests.hostile.strings import VALUES

AT = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
#: http(s) URLs that pass safe_url, so they become links whose href must be escaped.
LINKY_URLS = ["https://evil.example/a|b><!channel>", "https://evil.example/?q=<@U1>&x=1"]


def hostile_digest(brand: str = "Acme", values: list[str] = VALUES) -> DigestData:
    """The sample digest with a hostile value in every field that comes from posts."""
    base = sample_digest()
    urls = [*LINKY_URLS, *values]
    return replace(
        base,
        brand=brand,
        top_unanswered=[
            UnansweredItem(v, v, v, urls[i % len(urls)], 61, 2.0, v, v)
            for i, v in enumerate(values)
        ],
        most_negative=[
            Mention(v, v, v, urls[i % len(urls)], 0.9, AT) for i, v in enumerate(values)
        ],
        most_positive=[Mention(v, v, v, None, None, AT) for v in values],
        share_of_voice=ShareOfVoice(10, {v[:50]: i for i, v in enumerate(values)}),
        alerts=[Alert(OVERDUE_COMPLAINT, brand, f"complaint by {v}", AT, v) for v in values],
    )


def hostile_alerts() -> list[Alert]:
    """Each alert kind with hostile brand, message (the author is in it) and URL."""
    alerts = []
    for i, v in enumerate(VALUES):
        url = [*LINKY_URLS, v][i % 3]
        alerts.append(
            Alert(OVERDUE_COMPLAINT, v, f"Acme: complaint x:{v} by {v} unanswered", AT, url)
        )
        alerts.append(Alert(NEGATIVE_SPIKE, v, f"{v}: 9 negative mentions in the last hour", AT))
    return alerts
