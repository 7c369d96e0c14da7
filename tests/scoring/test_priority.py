"""Properties of the queue order (hypothesis): fresh, far-reaching and open items first."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import BrandProfile, ScoringParams, analyze_items, queue_from_complaints
from monitor.scoring.model import MentionFacts
from monitor.scoring.priority import OPEN_MAX, priority
from tests.scoring.scenario import at, post

ACME = BrandProfile(name="Acme", accounts={"x": ["AcmeHelp"]})
NOW = at("10-20 12:00")
P = ScoringParams(sla_minutes=60, abandon_after_hours=24)
EVERY = ("new", "awaiting_reply", "snoozed", "abandoned")

minutes = st.integers(min_value=0, max_value=40 * 24 * 60)
followers = st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))
severity = st.one_of(st.none(), st.floats(min_value=0, max_value=1))


def _item(eid: str, age: int, fans: int | None, neg: float | None) -> MentionFacts:
    created = NOW - timedelta(minutes=age)
    return post(
        "x", eid, f"user{eid}", created.strftime("%m-%d %H:%M"), "@AcmeHelp broken",
        thread=eid, label="negative", neg=neg, followers=fans,
    )  # fmt: skip


def _order(*posts: MentionFacts) -> list[str]:
    items = analyze_items(posts, ACME, P, [], NOW)
    return [i.key for i in queue_from_complaints(items, P, NOW, states=EVERY)]


@settings(max_examples=150, deadline=None)
@given(a=minutes, b=minutes, fans=followers, neg=severity)
def test_past_the_sla_a_fresher_item_never_ranks_below_an_older_one(
    a: int, b: int, fans: int | None, neg: float | None
) -> None:
    fresh, old = sorted((a, b))
    if fresh < P.sla_minutes or fresh == old:
        return  # within the SLA the one nearer its deadline comes first (by design)
    assert _order(_item("old", old, fans, neg), _item("fresh", fresh, fans, neg))[0] == "x:fresh"


@settings(max_examples=150, deadline=None)
@given(a=minutes, b=minutes, fans=followers, neg=severity)
def test_urgency_saturates_past_the_sla(
    a: int, b: int, fans: int | None, neg: float | None
) -> None:
    """Urgency is bounded: waiting longer than the SLA earns nothing more."""
    wait_a, wait_b = (max(x, P.sla_minutes) for x in (a, b))
    pa = priority(wait_minutes=wait_a, sla_minutes=60, followers=fans, severity=neg or 0,
                  follow_up=False, abandoned=False)  # fmt: skip
    pb = priority(wait_minutes=wait_b, sla_minutes=60, followers=fans, severity=neg or 0,
                  follow_up=False, abandoned=False)  # fmt: skip
    assert pa == pb


@settings(max_examples=150, deadline=None)
@given(age=minutes, small=followers, extra=st.integers(min_value=1, max_value=10**9),
       neg=severity)  # fmt: skip
def test_a_bigger_audience_never_ranks_below_a_smaller_one(
    age: int, small: int | None, extra: int, neg: float | None
) -> None:
    big = (small or 0) + extra
    order = _order(_item("small", age, small, neg), _item("big", age, big, neg))
    assert order == ["x:big", "x:small"]


@settings(max_examples=150, deadline=None)
@given(a=minutes, b=minutes, fa=followers, fb=followers, na=severity, nb=severity,
       follow_a=st.booleans())  # fmt: skip
def test_an_abandoned_item_never_ranks_above_an_open_one(
    a: int, b: int, fa: int | None, fb: int | None, na: float | None, nb: float | None,
    follow_a: bool,
) -> None:  # fmt: skip
    stale = priority(wait_minutes=a, sla_minutes=60, followers=fa, severity=na or 0,
                     follow_up=follow_a, abandoned=True)  # fmt: skip
    fresh = priority(wait_minutes=b, sla_minutes=60, followers=fb, severity=nb or 0,
                     follow_up=False, abandoned=False)  # fmt: skip
    assert stale < 0 <= fresh <= OPEN_MAX
    limit = P.abandon_after_hours * 60
    old, young = max(a, b, int(limit) + 1), min(a, b, int(limit) - 1)
    order = _order(_item("old", old, fa, na), _item("young", young, fb, nb))
    assert order == ["x:young", "x:old"]
