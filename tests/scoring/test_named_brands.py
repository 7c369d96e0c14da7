"""A post counts for every brand it names (``MentionFacts.also``); its item stays with one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.scoring import BrandProfile, MentionFacts, ScoringParams
from monitor.scoring.complaints import analyze_complaints
from monitor.scoring.kpis import daily_kpis
from monitor.scoring.threads import BrandView

AT = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
NOW = AT + timedelta(days=2)
BREWLY = BrandProfile("Brewly", accounts={"x": ["BrewlyHelp"]}, competitors=("Beanbox", "Grindr"))


def fact(i: int, brand: str | None, text: str, also: set[str], **kw: object) -> MentionFacts:
    return MentionFacts(
        source="x", external_id=str(i), brand=brand, author=f"user{i}", text=text,
        created_at=AT + timedelta(minutes=i), also=frozenset(also), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


FACTS = [
    fact(1, "Brewly", "Beanbox vs Brewly", {"Beanbox"}, label="neutral"),
    # collected for Beanbox, naming Brewly's account: a Brewly mention, Beanbox's post
    fact(2, "Beanbox", "@BrewlyHelp @BeanboxCare both late", {"Brewly"}, label="negative"),
    fact(3, None, "grindr, beanbox and brewly", {"Brewly", "Beanbox", "Grindr"}, label="positive"),
    fact(4, "Grindr", "grindr only", set(), label="neutral"),
]


def test_the_view_counts_each_named_brand_once_per_post() -> None:
    view = BrandView.build(FACTS, BREWLY, NOW)
    assert [m.external_id for m in view.inbound()] == ["1"]  # its own
    assert [m.external_id for m in view.counted_inbound()] == ["1", "2", "3"]
    rivals = sorted(m.external_id for m in view.competitor_inbound())
    assert rivals == ["1", "2", "3", "3", "4"]  # post 3 names two competitors: two mentions


def test_kpis_count_named_posts_and_share_of_voice_counts_brand_mentions() -> None:
    row = daily_kpis(FACTS, BREWLY, ScoringParams(), [], date(2026, 10, 1), NOW)[0]
    assert (row.volume, row.positive, row.neutral, row.negative) == (3, 1, 1, 1)
    assert row.share_of_voice == 100 * 3 / (3 + 5)
    assert row.complaints == 0  # post 2 belongs to Beanbox's thread: no Brewly item


def test_a_named_post_is_never_an_item_of_the_brand_it_names() -> None:
    assert analyze_complaints(FACTS, BREWLY, ScoringParams(), [], NOW) == []
    owned = [fact(2, "Brewly", "@BrewlyHelp @BeanboxCare both late", set(), label="negative")]
    (item,) = analyze_complaints(owned, BREWLY, ScoringParams(), [], NOW)
    assert item.brand == "Brewly"
