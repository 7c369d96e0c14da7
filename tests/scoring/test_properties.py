"""Property tests: ranges, counts that add up, determinism, isolation from other brands."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.scoring import (
    COUNT_KEYS,
    KPI_KEYS,
    MINUTE_KEYS,
    PERCENT_KEYS,
    RATE_KEYS,
    BrandProfile,
    KpiRow,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    daily_kpis,
    unanswered_queue,
)

PROFILE = BrandProfile(
    name="Acme",
    timezone="America/New_York",
    accounts={"x": ["AcmeHelp"], "reddit": ["acme_support"], "appstore": ["Acme Inc"]},
    own_spaces={"reddit": ["acme"]},
    competitors=("Globex",),
)
START = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)
SPAN_MIN = 2 * 24 * 60
DAYS = [date(2026, 10, 4) + timedelta(days=i) for i in range(4)]
AUTHORS = ["a", "b", "c", "AcmeHelp", "acme_support"]
BRAND_ACCOUNT = {"x": "AcmeHelp", "reddit": "acme_support", "appstore": "Acme Inc"}
TEXTS = ["", "@AcmeHelp help", "u/acme_support hi", "@a @b", "@c", "acme is ok"]


@dataclass(frozen=True)
class World:
    """A random brand world: mentions, manual marks, a clock, a day to score."""

    mentions: list[MentionFacts]
    resolutions: list[ManualResolution]
    now: datetime
    day: date
    params: ScoringParams


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n = draw(st.integers(0, 40))
    mentions: list[MentionFacts] = []
    for i in range(n):
        source = draw(st.sampled_from(["x", "reddit", "appstore"]))
        same_source = [m for m in mentions if m.source == source]
        by_brand = draw(st.integers(0, 2)) == 0
        replies = bool(same_source) and (by_brand or draw(st.booleans()))
        parent = draw(st.sampled_from(same_source)) if replies else None
        minute = draw(st.integers(0, SPAN_MIN))
        created = START + timedelta(minutes=minute)
        if parent is not None:
            created = max(created, parent.created_at + timedelta(minutes=1))
        label = draw(st.sampled_from([None, "negative", "negative", "neutral", "positive"]))
        author = BRAND_ACCOUNT[source] if by_brand else draw(st.sampled_from(["a", "b", "c"]))
        mentions.append(
            MentionFacts(
                source=source,
                external_id=str(i),
                brand=draw(st.sampled_from(["Acme", "Acme", "Acme", "Acme", "Globex", None])),
                author=author,
                created_at=created,
                text=draw(st.sampled_from(TEXTS)),
                author_followers=draw(st.one_of(st.none(), st.integers(0, 10**7))),
                in_reply_to=parent.external_id if parent is not None else None,
                subreddit=draw(st.sampled_from([None, "acme", "other"]))
                if source == "reddit"
                else None,
                rating=draw(st.one_of(st.none(), st.integers(1, 5)))
                if source == "appstore"
                else None,
                is_brand_post=by_brand and draw(st.booleans()),
                label=label,
                confidence=draw(st.one_of(st.none(), st.floats(0, 1))) if label else None,
                negative_score=draw(st.one_of(st.none(), st.floats(0, 1))),
            )
        )
    marks = [
        ManualResolution(m.key, m.created_at + timedelta(minutes=draw(st.integers(-60, 3000))))
        for m in mentions
        if draw(st.integers(0, 9)) == 0
    ]
    params = ScoringParams(
        sla_minutes=draw(st.sampled_from([30, 60, 240])),
        require_directed=draw(st.booleans()),
    )
    now = START + timedelta(minutes=draw(st.integers(0, SPAN_MIN + 3 * 24 * 60)))
    return World(mentions, marks, now, draw(st.sampled_from(DAYS)), params)


def _score(world: World, mentions: list[MentionFacts] | None = None) -> list[KpiRow]:
    return daily_kpis(
        world.mentions if mentions is None else mentions,
        PROFILE,
        world.params,
        world.resolutions,
        world.day,
        world.now,
    )


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_values_stay_in_range_and_counts_add_up(world: World) -> None:
    rows = _score(world)
    assert rows[0].source == "all"
    for row in rows:
        v = row.values()
        for key in RATE_KEYS:
            assert v[key] is None or 0 <= v[key] <= 1, (key, v[key])  # type: ignore[operator]
        for key in PERCENT_KEYS:
            assert v[key] is None or -100 <= v[key] <= 100, (key, v[key])  # type: ignore[operator]
        for key in ("csat_proxy", "share_of_voice"):
            assert v[key] is None or v[key] >= 0  # type: ignore[operator]
        for key in MINUTE_KEYS:
            assert v[key] is None or v[key] >= 0  # type: ignore[operator]
        for key in COUNT_KEYS:
            assert isinstance(v[key], int) and v[key] >= 0  # type: ignore[operator]
        assert row.positive + row.neutral + row.negative + row.unlabeled == row.volume
        assert row.answered <= row.complaints
        assert row.unanswered_overdue <= row.complaints - row.answered
        assert row.effort_proxy is None or row.effort_proxy >= 1
        if row.complaints == 0:
            assert row.response_rate is None and row.abandonment_rate is None
        if row.frt_median_min is not None:
            assert row.frt_p90_min is not None and row.frt_p90_min >= row.frt_median_min
        # the negative count never exceeds the labeled total (NPS ≥ −100)
    total, per_source = rows[0], rows[1:]
    for key in COUNT_KEYS:
        assert sum(getattr(r, key) for r in per_source) == getattr(total, key), key


@settings(max_examples=50, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_scoring_is_deterministic_and_order_free(world: World, rnd: random.Random) -> None:
    first = _score(world)
    assert _score(world) == first
    shuffled = list(world.mentions)
    rnd.shuffle(shuffled)
    assert _score(world, shuffled) == first


@settings(max_examples=50, deadline=None)
@given(worlds(), st.data())
def test_an_unrelated_brand_changes_nothing(world: World, data: st.DataObject) -> None:
    # another brand's posts, even reusing this world's ids, threads and authors
    extra = [
        MentionFacts(
            source=data.draw(st.sampled_from(["x", "reddit", "appstore"])),
            external_id=str(data.draw(st.integers(0, 45))),
            brand="Initech",
            author=data.draw(st.sampled_from(AUTHORS)),
            created_at=START + timedelta(minutes=data.draw(st.integers(0, SPAN_MIN))),
            text="@AcmeHelp @InitechCare down",
            in_reply_to=str(data.draw(st.integers(0, 45))),
            is_brand_post=data.draw(st.booleans()),
            label=data.draw(st.sampled_from([None, "negative", "positive"])),
        )
        for _ in range(data.draw(st.integers(1, 5)))
    ]
    assert _score(world, [*world.mentions, *extra]) == _score(world)
    queue = unanswered_queue(world.mentions, PROFILE, world.params, world.resolutions, world.now)
    assert (
        unanswered_queue(
            [*extra, *world.mentions], PROFILE, world.params, world.resolutions, world.now
        )
        == queue
    )


@settings(max_examples=50, deadline=None)
@given(worlds())
def test_queue_is_sorted_and_holds_only_open_unanswered_complaints(world: World) -> None:
    queue = unanswered_queue(world.mentions, PROFILE, world.params, world.resolutions, world.now)
    priorities = [item.priority for item in queue]
    assert priorities == sorted(priorities, reverse=True)
    for item in queue:
        assert item.overdue == (item.age_minutes > world.params.sla_minutes)
        assert item.age_minutes >= 0


def test_kpi_row_fields_are_the_documented_keys() -> None:
    from dataclasses import fields

    names = [f.name for f in fields(KpiRow)]
    assert names[:3] == ["brand", "source", "date"]
    assert tuple(names[3:-2]) == KPI_KEYS and names[-2:] == ["end_date", "parts"]
    assert COUNT_KEYS | RATE_KEYS | PERCENT_KEYS | MINUTE_KEYS | {"effort_proxy"} == set(KPI_KEYS)
