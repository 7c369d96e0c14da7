"""Negative-spike and overdue-complaint alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.scoring import (
    BrandProfile,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    overdue_alerts,
    spike_alert,
    spike_check,
)
from tests.scoring.scenario import NOW as SCENARIO_NOW
from tests.scoring.scenario import build

ACME = BrandProfile(name="Acme", timezone="America/New_York", accounts={"x": ["AcmeHelp"]})
PARAMS = ScoringParams()
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)  # 11:00 EDT


def _negatives(end: datetime, n: int, prefix: str, **kw: object) -> list[MentionFacts]:
    """``n`` negative mentions spread over the hour ending at ``end``."""
    fields: dict[str, object] = {"brand": "Acme", "author": "someone", "label": "negative", **kw}
    return [
        MentionFacts(
            source="x",
            external_id=f"{prefix}{i}",
            created_at=end - timedelta(minutes=59 * i / max(n, 1)),
            **fields,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def _history(counts: list[int]) -> list[MentionFacts]:
    """``counts[k-1]`` negatives in the same hour ``k`` days before NOW (no DST here)."""
    return [
        m
        for k, n in enumerate(counts, start=1)
        for m in _negatives(NOW - timedelta(days=k), n, f"h{k}-")
    ]


BASELINE = [1, 0, 2, 1, 0, 1, 2]  # mean 1, σ = √(4/7) ≈ 0.756 → threshold ≈ 3.27


def test_spike_fires_above_mean_plus_three_sigma_and_minimum_count() -> None:
    check = spike_check([*_history(BASELINE), *_negatives(NOW, 6, "now")], ACME, PARAMS, NOW)
    assert check.baseline == tuple(BASELINE) and check.count == 6
    assert check.mean == 1.0
    assert check.threshold == pytest.approx(1 + 3 * (4 / 7) ** 0.5)
    alert = spike_alert([*_history(BASELINE), *_negatives(NOW, 6, "now")], ACME, PARAMS, NOW)
    assert alert is not None
    assert (alert.kind, alert.alert_key, alert.count) == (
        "negative_spike",
        "negative_spike:Acme:2026-10-20T15",
        6,
    )


def test_four_negatives_exceed_the_baseline_but_not_the_minimum() -> None:
    assert spike_alert([*_history(BASELINE), *_negatives(NOW, 4, "n")], ACME, PARAMS, NOW) is None
    lower = ScoringParams(spike_min_count=4)
    assert spike_alert([*_history(BASELINE), *_negatives(NOW, 4, "n")], ACME, lower, NOW)


def test_a_busy_hour_every_day_is_no_spike() -> None:
    mentions = [*_history([10, 11, 9, 10, 12, 8, 10]), *_negatives(NOW, 12, "now")]
    check = spike_check(mentions, ACME, PARAMS, NOW)
    assert check.count == 12 and not check.exceeded


def test_only_negative_inbound_mentions_of_the_brand_in_the_last_hour_count() -> None:
    noise = [
        *_negatives(NOW, 5, "pos", label="positive"),
        *_negatives(NOW, 5, "brand", author="AcmeHelp"),
        *_negatives(NOW, 5, "rival", brand="Globex"),
        *_negatives(NOW - timedelta(hours=1), 5, "old"),  # the hour before: (now-2h, now-1h]
        *_negatives(NOW + timedelta(minutes=61), 5, "future"),
    ]
    assert spike_check(noise, ACME, PARAMS, NOW).count == 0


def test_cool_down_holds_for_six_hours() -> None:
    mentions = [*_history(BASELINE), *_negatives(NOW, 6, "now")]
    recent = NOW - timedelta(hours=5, minutes=59)
    assert spike_alert(mentions, ACME, PARAMS, NOW, last_fired_at=recent) is None
    assert spike_alert(mentions, ACME, PARAMS, NOW, last_fired_at=NOW - timedelta(hours=6))


def test_baseline_uses_the_same_local_hour_across_dst() -> None:
    # 2026-11-03 16:00Z = 11:00 EST; 7 days earlier 11:00 EDT = 15:00Z
    now = datetime(2026, 11, 3, 16, 0, tzinfo=UTC)
    week_ago = datetime(2026, 10, 27, 15, 0, tzinfo=UTC)
    check = spike_check(_negatives(week_ago, 3, "w"), ACME, PARAMS, now)
    assert check.baseline == (0, 0, 0, 0, 0, 0, 3)


def test_overdue_alerts_once_per_unanswered_complaint() -> None:
    sc = build()
    alerts = overdue_alerts(sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now)
    assert [(a.alert_key, a.at) for a in alerts] == [
        ("overdue_complaint:Acme:x:401", datetime(2026, 10, 6, 21, 0, tzinfo=UTC)),
        ("overdue_complaint:Acme:appstore:r1", datetime(2026, 10, 6, 22, 0, tzinfo=UTC)),
    ]
    assert "x:401" in alerts[0].message and alerts[0].url == "https://x.example/401"
    # recomputed later: the same keys (so storage stores each once), plus x:801, now overdue
    later = overdue_alerts(
        sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now + timedelta(hours=1)
    )
    assert [a.alert_key for a in later] == [
        *(a.alert_key for a in alerts),
        "overdue_complaint:Acme:x:801",
    ]
    # resolved by hand: no alert; only those that became overdue since not_before
    marks = [*sc.resolutions, ManualResolution("x:401", SCENARIO_NOW)]
    remaining = overdue_alerts(sc.mentions, sc.profile, sc.params, marks, sc.now)
    assert [a.complaint_key for a in remaining] == ["appstore:r1"]
    assert (
        overdue_alerts(
            sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now, not_before=sc.now
        )
        == []
    )
