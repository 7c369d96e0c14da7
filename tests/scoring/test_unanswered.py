"""The unanswered queue: what is in it and in which order."""

from __future__ import annotations

import math

import pytest

from monitor.scoring import BrandProfile, ManualResolution, ScoringParams, unanswered_queue
from tests.scoring.scenario import at, post

ACME = BrandProfile(name="Acme", accounts={"x": ["AcmeHelp"]})
NOW = at("10-01 12:00")


def _complaint(eid: str, stamp: str, **kw: object) -> object:
    return post("x", eid, f"user{eid}", stamp, "@AcmeHelp broken", thread=eid, **kw)  # type: ignore[arg-type]


def test_priority_formula_and_order() -> None:
    posts = [
        # 30 min old, 0 followers, neg 0.5: 0.5 + 0 + 0 + 0.5 = 1.0
        _complaint("young", "10-01 11:30", label="negative", neg=0.5, followers=0),
        # 30 min old, 9999 followers: 0.5 + 0 + log10(10000)/2 = 2 + 0.5 = 3.0
        _complaint("famous", "10-01 11:30", label="negative", neg=0.5, followers=9999),
        # 90 min old: 1.5 + 1 (past SLA) + 0 + 0.5 = 3.0, ties with "famous" and is older
        _complaint("old", "10-01 10:30", label="negative", neg=0.5),
        # 60 min old exactly: not past the SLA: 1.0 + 0 + 0 + conf 0.8 (no negative_score)
        _complaint("sla", "10-01 11:00", label="negative", conf=0.8),
        # answered and resolved-by-hand complaints leave the queue
        _complaint("answered", "10-01 09:00", label="negative"),
        post("x", "r", "AcmeHelp", "10-01 09:10", "@useranswered hi", reply="answered",
             thread="answered", brand_post=True),
        _complaint("handled", "10-01 09:00", label="negative"),
    ]  # fmt: skip
    marks = [ManualResolution("x:handled", at("10-01 10:00"), "called them")]
    queue = unanswered_queue(posts, ACME, ScoringParams(), marks, NOW)  # type: ignore[arg-type]
    assert [(i.key, i.overdue) for i in queue] == [
        ("x:old", True),
        ("x:famous", False),
        ("x:sla", False),
        ("x:young", False),
    ]
    assert [i.priority for i in queue] == pytest.approx([3.0, 3.0, 1.8, 1.0])
    assert queue[0].age_minutes == 90 and queue[0].author == "userold"
    assert queue[0].to_dict()["created_at"] == "2026-10-01T10:30:00Z"


def test_a_one_star_review_with_no_text_or_label_is_queued() -> None:
    review = post("appstore", "r", "leo", "10-01 11:00", "", rating=1, followers=99)
    (item,) = unanswered_queue([review], ACME, ScoringParams(sla_minutes=30), [], NOW)
    # 60/30 = 2, +1 past SLA, + log10(100)/2 = 1, + 0
    assert item.priority == pytest.approx(2 + 1 + math.log10(100) / 2)
    assert (item.reason, item.overdue) == ("1-star review", True)
