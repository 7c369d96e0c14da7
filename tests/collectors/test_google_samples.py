"""The synthetic YouTube and Google Play sample posts read cleanly in the replay/import format."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.importer import iter_post_batches

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("source", ["youtube", "googleplay"])
def test_sample_posts_import_cleanly_with_a_complaint_and_a_brand_reply(source: str) -> None:
    batches = list(iter_post_batches(FIXTURES / source / "sample_posts.jsonl"))
    assert not [bad for b in batches for bad in b.bad_rows]
    posts = [p for b in batches for p in b.posts]
    assert 3 <= len(posts) <= 6 and {p.source for p in posts} == {source}
    assert all(p.raw.get("synthetic") is True for p in posts)
    replies = [p for p in posts if p.author == "united" and p.in_reply_to]
    assert replies and all(r.thread_id == r.in_reply_to for r in replies)
    complaint = "crashes" if source == "youtube" else "fails"
    assert any(complaint in p.text for p in posts)
    if source == "googleplay":
        assert sorted(p.rating for p in posts if p.rating) == [1, 5]
