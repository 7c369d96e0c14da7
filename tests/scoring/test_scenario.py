"""The hand-built scenario: every complaint, every KPI of every row, the queue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from monitor.scoring import (
    KPI_KEYS,
    KpiRow,
    analyze_complaints,
    analyze_items,
    daily_kpis,
    daily_kpis_many,
    queue_from_complaints,
    unanswered_queue,
)
from tests.scoring.scenario import DAY, EXPECTED_ROWS, Scenario, build


def _assert_row(row: KpiRow, expected: dict[str, Any]) -> None:
    """Counts and nulls exactly, fractions to float precision."""
    assert set(expected) == set(KPI_KEYS)
    for key in KPI_KEYS:
        want, got = expected[key], getattr(row, key)
        if want is None or isinstance(want, int):
            assert got == want and type(got) is type(want), (row.date, row.source, key, got)
        else:
            assert got == pytest.approx(want, rel=1e-12), (row.date, row.source, key, got)


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return build()


def test_complaints_found_and_followed_as_worked_out(sc: Scenario) -> None:
    found = {
        c.key: c
        for c in analyze_complaints(sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now)
    }
    assert set(found) == set(sc.expected_complaints)
    for key, want in sc.expected_complaints.items():
        got = found[key]
        assert got.reason == want.reason, key
        assert got.frt_minutes == want.frt_min, key
        assert got.resolution == want.resolution, key
        assert got.resolution_minutes == want.resolution_min, key
        assert got.replies_before_resolution == want.replies_before_resolution, key
        assert got.author_posts == want.author_posts, key
        assert got.followups == want.followups, key
    assert found["x:301"].resolution_note == "refund confirmed by phone"
    assert found["x:101"].resolution_key == "x:105"
    assert found["x:501"].first_response_key == "x:503"  # reached through @gina
    assert found["x:501"].thread == "501"  # derived through in_reply_to


@pytest.mark.parametrize("day_key", sorted({d for d, _ in EXPECTED_ROWS}))
def test_every_kpi_of_every_row_matches_the_hand_computation(sc: Scenario, day_key: str) -> None:
    rows = daily_kpis(
        sc.mentions, sc.profile, sc.params, sc.resolutions, date.fromisoformat(day_key), sc.now
    )
    assert [r.source for r in rows] == ["all", *sc.expected_sources[day_key]]
    for row in rows:
        assert (row.brand, row.date, row.end_date) == ("Acme", day_key, None)
        _assert_row(row, sc.expected_rows[(day_key, row.source)])


def test_many_days_at_once_equal_one_day_at_a_time(sc: Scenario) -> None:
    days = [date.fromisoformat(d) for d in sc.expected_sources]
    many = daily_kpis_many(sc.mentions, sc.profile, sc.params, sc.resolutions, days, sc.now)
    for d in days:
        assert many[d] == daily_kpis(sc.mentions, sc.profile, sc.params, sc.resolutions, d, sc.now)


def test_to_dict_has_exactly_the_documented_keys(sc: Scenario) -> None:
    (row, *_) = daily_kpis(
        sc.mentions, sc.profile, sc.params, sc.resolutions, date.fromisoformat(DAY), sc.now
    )
    as_json = row.to_dict()
    assert list(as_json) == ["brand", "source", "date", *KPI_KEYS]
    assert as_json["date"] == DAY and as_json["source"] == "all" and as_json["volume"] == 19


def test_requested_sources_get_a_row_even_without_mentions(sc: Scenario) -> None:
    rows = daily_kpis(
        sc.mentions,
        sc.profile,
        sc.params,
        sc.resolutions,
        date.fromisoformat("2026-10-07"),
        sc.now,
        sources=["reddit"],
    )
    reddit = next(r for r in rows if r.source == "reddit")
    assert (reddit.volume, reddit.complaints, reddit.net_sentiment) == (0, 0, None)
    assert (reddit.response_rate, reddit.share_of_voice, reddit.abandonment_rate) == (
        None,
        None,
        None,
    )


def test_queue_is_ordered_and_prioritised_as_worked_out(sc: Scenario) -> None:
    queue = unanswered_queue(sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now)
    assert [(i.key, i.overdue) for i in queue] == [(k, o) for k, _, o in sc.expected_queue]
    for item, (_key, want, _overdue) in zip(queue, sc.expected_queue, strict=True):
        assert item.priority == pytest.approx(want, rel=1e-12)
    assert (queue[0].kind, queue[0].state) == ("complaint", "new")
    items = analyze_items(sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now)
    stale = queue_from_complaints(items, sc.params, sc.now, states=("abandoned",))
    assert [(i.key, i.overdue) for i in stale] == [(k, o) for k, _, o in sc.expected_abandoned]
    for item, (_key, want, _overdue) in zip(stale, sc.expected_abandoned, strict=True):
        assert item.priority == pytest.approx(want, rel=1e-12)
    assert stale[1].reason == "1-star review" and stale[1].url == "https://appstore.example/r1"
    assert {i.state for i in stale} == {"abandoned"}
    overdue = unanswered_queue(
        sc.mentions, sc.profile, sc.params, sc.resolutions, sc.now, overdue_only=True
    )
    assert overdue == []  # the only overdue complaints waited past 24 h: abandoned


def test_input_order_does_not_matter(sc: Scenario) -> None:
    day = date.fromisoformat(DAY)
    forward = daily_kpis(sc.mentions, sc.profile, sc.params, sc.resolutions, day, sc.now)
    backward = daily_kpis(
        list(reversed(sc.mentions)), sc.profile, sc.params, sc.resolutions[::-1], day, sc.now
    )
    assert forward == backward
