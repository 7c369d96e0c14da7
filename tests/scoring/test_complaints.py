"""Complaint rules one at a time: detection, follow-ups, reply matching, resolution."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.scoring import (
    BrandProfile,
    Complaint,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    analyze_complaints,
)
from tests.scoring.scenario import at, post

ACME = BrandProfile(
    name="Acme", accounts={"x": ["AcmeHelp"], "reddit": ["u/acme_support"]}, own_spaces={}
)
NOW = at("10-20 00:00")


def _x(eid: str, author: str, stamp: str, text: str = "", **kw: object) -> MentionFacts:
    return post("x", eid, author, stamp, text, thread=kw.pop("thread", "1"), **kw)  # type: ignore[arg-type]


def _brand(eid: str, stamp: str, text: str = "", reply: str | None = None) -> MentionFacts:
    return post("x", eid, "AcmeHelp", stamp, text, reply=reply, thread="1", brand_post=True)


def _analyze(
    posts: list[MentionFacts],
    marks: tuple[ManualResolution, ...] = (),
    now: datetime = NOW,
    params: ScoringParams | None = None,
    profile: BrandProfile = ACME,
) -> dict[str, Complaint]:
    found = analyze_complaints(posts, profile, params or ScoringParams(), marks, now)
    return {c.key: c for c in found}


def test_detection_and_reasons() -> None:
    found = _analyze(
        [
            _x("1", "a", "10-01 10:00", "@acmehelp broken", label="negative", thread="1"),
            _x("2", "b", "10-01 10:00", "acme is broken", label="negative", thread="2"),
            _x("3", "c", "10-01 10:00", "@AcmeHelp love it", label="positive", thread="3"),
            _x("4", "d", "10-01 10:00", "mail me@acmehelp.com", label="negative", thread="4"),
            post("appstore", "r2", "e", "10-01 10:00", "meh", rating=2, label="positive"),
            post("appstore", "r3", "f", "10-01 10:00", "bad", rating=3, label="negative"),
            post("appstore", "r4", "g", "10-01 10:00", "ok", rating=3, label="neutral"),
            post("shop", "s1", "h", "10-01 10:00", "bad", rating=4, label="negative"),
            # written by the brand account (case-insensitive) without the stored flag
            _x("5", "ACMEHELP", "10-01 10:00", "@acmehelp test", label="negative", thread="5"),
        ]
    )
    assert {k: c.reason for k, c in found.items()} == {
        "x:1": "negative and directed at @AcmeHelp",
        "appstore:r2": "2-star review",
        "appstore:r3": "negative review",
        "shop:s1": "negative review",  # a rating makes any post a review
    }


def test_undirected_negatives_count_when_direction_is_not_required() -> None:
    posts = [_x("2", "b", "10-01 10:00", "acme is broken", label="negative")]
    assert _analyze(posts) == {}
    found = _analyze(posts, params=ScoringParams(require_directed=False))
    assert found["x:2"].reason == "negative mention"


def test_reddit_handles_and_own_space() -> None:
    profile = BrandProfile(
        name="Acme", accounts={"reddit": ["acme_support"]}, own_spaces={"reddit": ["r/Acme"]}
    )
    found = _analyze(
        [
            post("reddit", "p1", "a", "10-01 10:00", "u/Acme_Support help", label="negative"),
            post("reddit", "p2", "b", "10-01 10:00", "broken", sub="acme", label="negative"),
            post("reddit", "p3", "c", "10-01 10:00", "broken", sub="other", label="negative"),
        ],
        profile=profile,
    )
    assert {k: c.reason for k, c in found.items()} == {
        "reddit:p1": "negative and directed at @acme_support",
        "reddit:p2": "negative in the brand's space r/acme",
    }


def test_silence_resolves_only_once_the_time_has_passed() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _brand("2", "10-01 11:00", "@a fixed?", reply="1"),
    ]
    # 47 h 59 min after the reply: still open
    assert _analyze(posts, now=at("10-03 10:59"))["x:1"].resolved_at is None
    done = _analyze(posts, now=at("10-03 11:00"))["x:1"]
    assert (done.resolution, done.resolved_at) == ("silence", at("10-01 11:00"))


def test_author_speaking_again_stops_the_silence_clock() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _brand("2", "10-01 11:00", "@a try again", reply="1"),
        _x("3", "a", "10-01 12:00", "still broken", reply="2", label="negative"),
        _x("4", "a", "10-01 13:00", "???", reply="3"),  # unlabeled: not a resolution
    ]
    c = _analyze(posts)["x:1"]
    assert c.resolved_at is None and c.followups == ("x:3", "x:4") and c.author_posts == 3
    # a new brand reply restarts it: resolved at that reply 48 h later
    c = _analyze([*posts, _brand("5", "10-02 09:00", "@a fixed now", reply="4")])["x:1"]
    assert (c.resolution, c.resolved_at, c.replies_before_resolution) == (
        "silence",
        at("10-02 09:00"),
        2,
    )


def test_non_negative_post_resolves_only_after_a_brand_reply() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _x("2", "a", "10-01 10:30", "anyone?", reply="1", label="neutral"),
        _brand("3", "10-01 11:00", "@a on it", reply="2"),
        _x("4", "a", "10-01 11:30", "works, thanks", reply="3", label="positive"),
    ]
    c = _analyze(posts)["x:1"]
    assert (c.resolution, c.resolution_key, c.resolution_minutes) == ("author", "x:4", 90)
    assert c.author_posts == 2 and c.followups == ("x:2",)


def test_a_negative_post_after_resolution_is_a_new_complaint() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _brand("2", "10-01 11:00", "@a fixed", reply="1"),
        _x("3", "a", "10-01 12:00", "thanks", reply="2", label="positive"),
        _x("4", "a", "10-02 12:00", "@AcmeHelp broken again", reply="2", label="negative"),
    ]
    found = _analyze(posts)
    assert set(found) == {"x:1", "x:4"}
    assert found["x:1"].resolution == "author" and found["x:4"].resolved_at is None
    # the reply x:2 predates x:4, so x:4 is unanswered
    assert not found["x:4"].answered


def test_manual_marks() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _x("2", "a", "10-01 10:30", "@AcmeHelp hello?", reply="1", label="negative"),
    ]
    # a follow-up's id resolves the complaint it belongs to
    c = _analyze(posts, (ManualResolution("x:2", at("10-01 12:00"), "phoned"),))["x:1"]
    assert (c.resolution, c.resolution_minutes, c.resolution_note) == ("manual", 120, "phoned")
    # a mark dated before the post counts from the post
    c = _analyze(posts, (ManualResolution("x:1", at("09-30 00:00")),))["x:1"]
    assert c.resolution_minutes == 0 and c.author_posts == 1
    # a mark after now is not effective yet; the earliest of two marks wins
    assert _analyze(posts, (ManualResolution("x:1", at("10-25 00:00")),))["x:1"].resolved_at is None
    marks = (ManualResolution("x:1", at("10-05 00:00")), ManualResolution("x:1", at("10-02 00:00")))
    assert _analyze(posts, marks)["x:1"].resolved_at == at("10-02 00:00")


def test_silence_that_happened_first_beats_a_later_manual_mark() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _brand("2", "10-01 11:00", "@a fixed", reply="1"),
    ]
    c = _analyze(posts, (ManualResolution("x:1", at("10-05 00:00")),))["x:1"]
    assert (c.resolution, c.resolved_at) == ("silence", at("10-01 11:00"))
    c = _analyze(posts, (ManualResolution("x:1", at("10-02 00:00")),))["x:1"]
    assert c.resolution == "manual"


def test_reply_matching_is_per_author() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _x("2", "b", "10-01 10:05", "@AcmeHelp me too", reply="1", label="negative"),
        # answers b only: a reply to b's post that does not name a
        _brand("3", "10-01 10:30", "we're on it", reply="2"),
        # a reply split over two posts: the second answers whoever the first answered
        _brand("4", "10-01 11:00", "@b first part", reply="2"),
        _brand("5", "10-01 11:01", "second part", reply="4"),
        # a later brand post naming @a answers a
        _brand("6", "10-01 12:00", "@A sorry for the wait"),
    ]
    found = _analyze(posts)
    assert found["x:2"].first_response_key == "x:3" and found["x:2"].brand_replies == 3
    assert found["x:1"].first_response_key == "x:6" and found["x:1"].frt_minutes == 120


def test_posts_after_now_and_other_brands_are_ignored() -> None:
    posts = [
        _x("1", "a", "10-01 10:00", "@AcmeHelp broken", label="negative"),
        _brand("2", "10-21 11:00", "@a fixed", reply="1"),  # after NOW
        post("x", "3", "AcmeHelp", "10-01 10:30", "@a fixed", reply="1", brand="Initech"),
    ]
    assert not _analyze(posts)["x:1"].answered


def test_a_key_given_twice_is_an_error() -> None:
    posts = [_x("1", "a", "10-01 10:00", "x"), _x("1", "a", "10-01 10:00", "x")]
    with pytest.raises(ValueError, match="x:1 was passed twice"):
        _analyze(posts)


def test_bad_facts_are_rejected_with_their_key() -> None:
    with pytest.raises(ValueError, match="x:1: unknown label 'angry'"):
        _x("1", "a", "10-01 10:00", label="angry")
    with pytest.raises(ValueError, match="x:1: rating 6"):
        _x("1", "a", "10-01 10:00", rating=6)
    with pytest.raises(ValueError, match="timezone 'Mars/Base'"):
        BrandProfile(name="Acme", timezone="Mars/Base")
    with pytest.raises(ValueError, match="sla_minutes must be a positive number"):
        ScoringParams(sla_minutes=0)
