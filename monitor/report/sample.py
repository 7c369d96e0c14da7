"""A realistic synthetic digest for previews, screenshots and tests (no database needed)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from monitor.report.model import (
    Alert,
    DigestData,
    History,
    KpiLine,
    Mention,
    SentimentCounts,
    ShareOfVoice,
    UnansweredItem,
)


def sample_digest(
    day: date = date(2024, 5, 14),
    *,
    brand: str = "Acme Mobile",
    timezone: str = "Europe/Berlin",
    history_days: int = 14,
) -> DigestData:
    """A plausible day for a mid-size brand: mixed KPIs, a spike alert, a few complaints."""
    generated = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
        hours=5, minutes=2
    )
    days = [day - timedelta(days=history_days - 1 - i) for i in range(history_days)]
    # Smooth weekly rhythm plus a bad last day, so the charts show something to explain.
    sentiment = []
    x_volume, reddit_volume, review_volume, frt = [], [], [], []
    for i, d in enumerate(days):
        weekly = 1 + 0.25 * math.sin(2 * math.pi * d.weekday() / 7)
        bad = 2.2 if i == len(days) - 1 else 1.0
        sentiment.append(
            SentimentCounts(
                positive=round(38 * weekly),
                neutral=round(61 * weekly),
                negative=round((14 + (i * 7) % 6) * bad),
            )
        )
        x_volume.append(round(70 * weekly * (1.3 if bad > 1 else 1)))
        reddit_volume.append(round(31 * weekly))
        review_volume.append(round(6 + (i % 3)))
        frt.append(
            None if d.weekday() == 6 else round(34 + 9 * math.cos(i) + (30 if bad > 1 else 0), 1)
        )
    at = generated - timedelta(hours=20)
    return DigestData(
        brand=brand,
        day=day,
        timezone=timezone,
        generated_at=generated,
        kpis=[
            KpiLine("volume", "Inbound mentions", 154, "count", None, None, 41, 118.6, None),
            KpiLine("net_sentiment", "Net sentiment", -4.1, "pct", "≥ 5", False, -11.3, 9.8, True),
            KpiLine("csat_proxy", "CSAT proxy", 46.7, "pct", "≥ 60%", False, -12.0, 63.5, True),
            KpiLine("complaints", "Complaints", 23, "count", None, None, 12, 11.4, False),
            KpiLine(
                "response_rate", "Response rate", 0.913, "rate", "≥ 90%", True, -0.04, 0.93, True
            ),
            KpiLine(
                "frt_median_min",
                "First response (median)",
                71.5,
                "min",
                "≤ 60 min",
                False,
                29.0,
                41.2,
                False,
            ),
            KpiLine(
                "frt_p90_min", "First response (p90)", 212, "min", None, None, 64, 150.3, False
            ),
            KpiLine(
                "answered_within_sla",
                "Answered within SLA",
                0.52,
                "rate",
                "≥ 80%",
                False,
                -0.27,
                0.77,
                True,
            ),
            KpiLine(
                "unanswered_overdue", "Overdue, unanswered", 2, "count", "≤ 0", False, 2, 0.4, False
            ),
            KpiLine(
                "fcr_rate",
                "First-contact resolution",
                0.68,
                "rate",
                "≥ 60%",
                True,
                0.03,
                0.66,
                True,
            ),
            KpiLine(
                "abandonment_rate", "Abandonment", None, "rate", "≤ 5%", None, None, 0.04, False
            ),
            KpiLine("share_of_voice", "Share of voice", 38.2, "pct", None, None, 1.9, 36.0, True),
        ],
        history=History(
            days=days,
            sentiment=sentiment,
            volume_by_source={"x": x_volume, "reddit": reddit_volume, "appstore": review_volume},
            frt_median_min=frt,
            sla_minutes=60,
        ),
        top_unanswered=[
            UnansweredItem(
                "x",
                "@jenna_k",
                "@AcmeMobile third day without signal in Leipzig, support chat "
                "keeps closing on me. Is anyone even reading these??",
                "https://x.com/jenna_k/status/1790",
                age_minutes=412,
                priority=9.7,
                reason="negative, mentions @AcmeMobile",
                id="x:1790",
            ),
            UnansweredItem(
                "reddit",
                "u/throwaway_bill",
                "Charged twice for May & the refund form just says 'error <500>'. Not amused.",
                "https://www.reddit.com/r/acme/comments/abc123/",
                age_minutes=188,
                priority=5.1,
                reason="negative, in r/acme",
                id="reddit:abc123",
            ),
            UnansweredItem(
                "appstore",
                "Marco R.",
                "App logs me out every time I switch to wifi. 1 star until fixed.",
                None,
                age_minutes=95,
                priority=3.4,
                reason="review rated 1 star",
                id="appstore:r-88",
            ),
        ],
        most_negative=[
            Mention(
                "x",
                "@dave_ops",
                "Acme outage again. Switching providers this week, done.",
                "https://x.com/dave_ops/status/1791",
                0.97,
                at + timedelta(hours=3),
            ),
            Mention(
                "reddit",
                "u/kathy",
                "The new plan pricing is confusing and the FAQ contradicts itself.",
                "https://www.reddit.com/r/acme/comments/abc124/",
                0.91,
                at + timedelta(hours=7),
            ),
        ],
        most_positive=[
            Mention(
                "x",
                "@sam_travels",
                "Shout-out to @AcmeMobile support, roaming fixed in 5 minutes!",
                "https://x.com/sam_travels/status/1792",
                0.98,
                at + timedelta(hours=1),
            ),
            Mention(
                "appstore",
                "Lena",
                "Finally a carrier app that just works. Love the usage widget.",
                None,
                0.95,
                at + timedelta(hours=9),
            ),
        ],
        share_of_voice=ShareOfVoice(brand_volume=154, competitors={"Globex": 171, "Initech": 78}),
        alerts=[
            Alert(
                "negative spike",
                brand,
                "38 negative mentions between 14:00 and 15:00 (usual for this hour: 6 ± 3)",
                at + timedelta(hours=4),
                None,
            ),
            Alert(
                "overdue complaint",
                brand,
                "x:1790 by @jenna_k unanswered for 60 min",
                at + timedelta(hours=5),
                "https://x.com/jenna_k/status/1790",
            ),
        ],
    )
