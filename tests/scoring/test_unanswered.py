"""The needs-reply queue: kinds, states, bounded priority and order."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.scoring import (
    BrandProfile,
    ManualResolution,
    ScoringParams,
    TriageMarks,
    analyze_complaints,
    analyze_items,
    queue_from_complaints,
    unanswered_queue,
)
from monitor.scoring.model import MentionFacts
from tests.scoring.scenario import at, post

ACME = BrandProfile(name="Acme", accounts={"x": ["AcmeHelp"]})
NOW = at("10-01 12:00")
P = ScoringParams()


def _complaint(eid: str, stamp: str, **kw: object) -> MentionFacts:
    return post("x", eid, f"user{eid}", stamp, "@AcmeHelp broken", thread=eid, **kw)  # type: ignore[arg-type]


def _reply(eid: str, stamp: str, to: str, text: str = "sorry, DM us") -> MentionFacts:
    return post("x", eid, "AcmeHelp", stamp, text, reply=to, thread=to, brand_post=True)


def test_priority_is_bounded_and_fresh_items_can_win() -> None:
    posts = [
        # 30 min: 2·0.5 + 0 + 0.5 = 1.5
        _complaint("young", "10-01 11:30", label="negative", neg=0.5, followers=0),
        # 30 min, 9999 followers: 1.0 + 1.5·4/7 + 0.5
        _complaint("famous", "10-01 11:30", label="negative", neg=0.5, followers=9999),
        # 90 min: urgency saturated at 1 → 2 + 0 + 0.5 = 2.5 (was 3.0 under the old formula)
        _complaint("old", "10-01 10:30", label="negative", neg=0.5),
        # 20 h: still 2 + 0 + 0.5 = 2.5: equal priority, the fresher wait first
        _complaint("older", "09-30 16:00", label="negative", neg=0.5),
        # answered and resolved-by-hand complaints leave the queue
        _complaint("answered", "10-01 09:00", label="negative"),
        _reply("r", "10-01 09:10", "answered"),
        _complaint("handled", "10-01 09:00", label="negative"),
    ]
    marks = [ManualResolution("x:handled", at("10-01 10:00"), "called them")]
    queue = unanswered_queue(posts, ACME, P, marks, NOW)
    assert [(i.key, i.overdue) for i in queue] == [
        ("x:old", True),
        ("x:older", True),
        ("x:famous", False),
        ("x:young", False),
    ]
    assert [i.priority for i in queue] == pytest.approx([2.5, 2.5, 1.0 + 6 / 7 + 0.5, 1.5])
    assert queue[0].age_minutes == 90 and queue[0].author == "userold"
    assert queue[0].to_dict()["created_at"] == "2026-10-01T10:30:00Z"


def test_a_ten_hour_old_big_audience_complaint_beats_a_stale_small_one() -> None:
    """The issue's example: reach decides once both are past the SLA; 1.5 days is abandoned."""
    food = _complaint("food", "10-01 02:00", label="negative", neg=0.9, followers=250_000)
    billing = _complaint("bill", "09-30 00:00", label="negative", neg=0.9, followers=100)
    items = analyze_items([food, billing], ACME, P, [], NOW)
    (top,) = queue_from_complaints(items, P, NOW)
    assert top.key == "x:food"
    (stale,) = queue_from_complaints(items, P, NOW, states=("abandoned",))
    assert stale.key == "x:bill" and stale.priority < 0 < top.priority


def test_a_one_star_review_with_no_text_or_label_is_queued() -> None:
    review = post("appstore", "r", "leo", "10-01 11:00", "", rating=1, followers=99)
    (item,) = unanswered_queue([review], ACME, ScoringParams(sla_minutes=30), [], NOW)
    assert item.priority == pytest.approx(2 + 1.5 * math.log10(100) / 7)
    assert (item.reason, item.overdue, item.kind) == ("1-star review", True, "complaint")


def test_a_customer_writing_again_after_our_reply_is_a_follow_up_awaiting_reply() -> None:
    posts = [
        _complaint("c", "10-01 09:00", label="negative", neg=0.8),
        _reply("r", "10-01 09:30", "c"),
        post("x", "again", "userc", "10-01 09:55",
             "@AcmeHelp This is the third time I'm asking. Nobody seems to care.",
             reply="r", thread="c", label="negative", neg=0.9),
    ]  # fmt: skip
    (item,) = unanswered_queue(posts, ACME, P, [], NOW)
    assert (item.key, item.kind, item.state) == ("x:c", "follow_up", "awaiting_reply")
    # waiting since the follow-up (09:55): 125 min, saturated; + follow-up bonus
    assert item.age_minutes == 125 and item.overdue
    assert item.priority == pytest.approx(2 + 0 + 0.8 + 1)
    # the complaint KPIs are unchanged: still one complaint, answered
    (c,) = analyze_complaints(posts, ACME, P, [], NOW)
    assert c.answered and c.followups == ("x:again",)


def test_directed_questions_enter_the_queue_and_undirected_ones_do_not() -> None:
    posts = [
        post("x", "q1", "ann", "10-01 11:00", "@AcmeHelp how do I change my delivery address",
             label="neutral", thread="q1"),
        post("x", "q2", "bob", "10-01 11:10",
             "@AcmeHelp where is my order?? tracking hasn't updated in 5 days",
             label="neutral", thread="q2"),
        post("x", "q3", "cat", "10-01 11:20", "does anyone like acme?", label="neutral",
             thread="q3"),
        post("x", "s1", "dan", "10-01 11:30", "@AcmeHelp love the new app", label="positive",
             thread="s1"),
    ]  # fmt: skip
    queue = unanswered_queue(posts, ACME, P, [], NOW)
    assert sorted((i.key, i.kind) for i in queue) == [("x:q1", "question"), ("x:q2", "question")]
    assert {i.reason for i in queue} == {"question directed at @AcmeHelp"}
    assert analyze_complaints(posts, ACME, P, [], NOW) == []


def test_an_unreadable_directed_post_is_unknown_and_a_question_wins_over_language() -> None:
    skipped = "unsupported language: de"
    posts = [
        post("x", "de", "jan", "10-01 11:00", "@AcmeHelp Ich bin sehr enttäuscht", thread="de"),
        post("x", "de2", "eva", "10-01 11:00", "@AcmeHelp wo ist meine Bestellung?",
             thread="de2"),
    ]  # fmt: skip
    posts = [replace(p, skipped_reason=skipped) for p in posts]
    queue = {i.key: i for i in unanswered_queue(posts, ACME, P, [], NOW)}
    assert (queue["x:de"].kind, queue["x:de2"].kind) == ("unknown", "question")
    assert queue["x:de"].reason == "unsupported language: de, directed at @AcmeHelp"


def test_a_question_whose_author_then_complains_becomes_the_complaint() -> None:
    posts = [
        post("x", "q", "ann", "10-01 10:00", "@AcmeHelp can you check my order", thread="q",
             label="neutral"),
        post("x", "c", "ann", "10-01 10:30", "@AcmeHelp useless, nobody answers", thread="q",
             reply="q", label="negative", neg=0.9),
    ]  # fmt: skip
    items = analyze_items(posts, ACME, P, [], NOW)
    assert [(i.key, i.kind, i.resolution) for i in items] == [
        ("x:q", "question", "superseded"),
        ("x:c", "complaint", None),
    ]
    assert [i.key for i in unanswered_queue(posts, ACME, P, [], NOW)] == ["x:c"]


def test_states_snoozed_abandoned_closed_reopened() -> None:
    c = _complaint("c", "10-01 11:00", label="negative")
    items = analyze_items([c], ACME, P, [], NOW)
    later = NOW + timedelta(hours=2)

    def state(marks: TriageMarks | None, now=NOW) -> list[str]:  # type: ignore[no-untyped-def]
        every = ("new", "awaiting_reply", "snoozed", "abandoned")
        found = queue_from_complaints(items, P, now, marks={"x:c": marks} if marks else {},
                                      states=every)  # fmt: skip
        return [i.state for i in found]

    assert state(None) == ["new"]
    assert state(TriageMarks("x:c", snoozed_until=NOW + timedelta(hours=1))) == ["snoozed"]
    assert state(TriageMarks("x:c", snoozed_until=NOW + timedelta(hours=1)), later) == ["new"]
    assert state(TriageMarks("x:c", closed_at=NOW)) == ["abandoned"]
    reopened = TriageMarks("x:c", closed_at=NOW, reopened_at=NOW + timedelta(minutes=1))
    assert state(reopened, later) == ["new"]
    assert state(None, NOW + timedelta(hours=25)) == ["abandoned"]
    # a reopen restarts the abandonment clock, not the wait
    back = TriageMarks("x:c", reopened_at=NOW + timedelta(hours=25))
    assert state(back, NOW + timedelta(hours=26)) == ["new"]
    resolved = analyze_items([c], ACME, P, [ManualResolution("x:c", NOW)], later)
    assert queue_from_complaints(resolved, P, later) == []
    again = TriageMarks("x:c", reopened_at=later)
    (item,) = queue_from_complaints(resolved, P, later, marks={"x:c": again})
    assert item.state == "new"


def test_json_has_exactly_the_documented_fields() -> None:
    (item,) = unanswered_queue([_complaint("c", "10-01 11:00", label="negative")], ACME, P, [], NOW)
    assert list(item.to_dict()) == [
        "id", "kind", "state", "priority", "reason", "brand", "source", "author", "followers",
        "text", "url", "created_at", "age_minutes", "overdue", "assignee", "snoozed_until",
        "sentiment", "sentiment_by",
    ]  # fmt: skip
