"""Mention search (pipeline/search.py): filters, pages with a total, CSV export, both backends."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from monitor.errors import UsageError
from monitor.pipeline.search import MentionQuery, export_csv, search_mentions
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, build

HOSTILE = '=HYPERLINK("http://evil")\n<script>alert(1)</script>'


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    sc = build()
    frank = next(m for m in sc.mentions if m.key == "x:401")
    seed(engine, sc, [*sc.mentions, replace(frank, external_id="999", text=HOSTILE)])
    return engine


def _keys(page: object) -> list[str]:
    return [f"{h.mention.source}:{h.mention.external_id}" for h in page.hits]  # type: ignore[attr-defined]


def test_text_search_is_case_blind_and_counts(seeded: Engine) -> None:
    settings = scenario_settings()
    page = search_mentions(seeded, settings, MentionQuery(text="CHARGED"), now=NOW)
    assert sorted(_keys(page)) == ["x:301", "x:303"]
    assert page.total == 2 and page.pages == 1
    assert (page.first, page.last) == (date(2026, 10, 2), date(2026, 10, 8))  # the last week


def test_sentiment_source_and_brand_together(seeded: Engine) -> None:
    settings = scenario_settings()
    query = MentionQuery(sentiment="negative", source="reddit", brand="acme")
    page = search_mentions(seeded, settings, query, now=NOW)
    assert sorted(_keys(page)) == ["reddit:t3_a1", "reddit:t3_b1"]
    hit = next(h for h in page.hits if h.mention.external_id == "t3_a1")
    assert hit.local_time.utcoffset() is not None and hit.local_time.hour == 12  # New York


def test_a_competitor_and_a_local_date_range(seeded: Engine) -> None:
    settings = scenario_settings()
    rival = search_mentions(seeded, settings, MentionQuery(brand="Globex"), now=NOW)
    assert sorted(_keys(rival)) == ["reddit:g3", "x:g1", "x:g2", "x:g5", "x:g6"]  # not g4 (own)
    # 10-07 in New York is 04:00Z 10-07 .. 04:00Z 10-08: tina's post, not gina's (23:00 10-06)
    day = date(2026, 10, 7)
    one = search_mentions(
        seeded, settings, MentionQuery(brand="Acme", first=day, last=day), now=NOW
    )
    assert _keys(one) == ["x:701"]


def test_pages_split_the_whole_result_without_overlap(seeded: Engine) -> None:
    settings = scenario_settings()
    whole = search_mentions(seeded, settings, MentionQuery(brand="Acme", per_page=500), now=NOW)
    assert whole.total == len(whole.hits) > 10
    seen: list[str] = []
    for number in range(1, whole.total // 4 + 2):
        page = search_mentions(
            seeded, settings, MentionQuery(brand="Acme", page=number, per_page=4), now=NOW
        )
        assert page.total == whole.total and page.pages == -(-whole.total // 4)
        seen.extend(_keys(page))
    assert seen == _keys(whole)  # newest first, every row once


def test_complaint_flags_come_with_hits(seeded: Engine) -> None:
    from monitor.pipeline.score import score_days

    settings = scenario_settings()
    score_days(seeded, settings, clock=lambda: NOW, days=[date(2026, 10, 6)], brand="Acme")
    page = search_mentions(seeded, settings, MentionQuery(text="worst support"), now=NOW)
    (hit,) = page.hits
    assert (hit.is_complaint, hit.answered) == (True, False)


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        (MentionQuery(sentiment="angry"), "sentiment must be one of"),
        (MentionQuery(brand="Initech"), "no brand or competitor named 'Initech'"),
        (MentionQuery(page=0), "page must be 1 or more"),
        (MentionQuery(first=date(2026, 10, 8), last=date(2026, 10, 1)), "ends (2026-10-01)"),
    ],
)
def test_bad_queries_name_what_is_wrong(seeded: Engine, query: MentionQuery, phrase: str) -> None:
    with pytest.raises(UsageError, match=re.escape(phrase)):
        search_mentions(seeded, scenario_settings(), query, now=NOW)


def test_csv_export_has_every_match_and_keeps_data_inert(seeded: Engine) -> None:
    settings = scenario_settings()
    query = MentionQuery(brand="Acme", page=3, per_page=2)  # the page is ignored by the export
    text = "".join(export_csv(seeded, settings, query, now=NOW))
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[0] == "id" and header[-1] == "text"
    whole = search_mentions(seeded, settings, MentionQuery(brand="Acme", per_page=500), now=NOW)
    assert [r[0] for r in body] == _keys(whole)
    hostile = next(r for r in body if r[0] == "x:999")
    assert hostile[-1].startswith("'=HYPERLINK")  # never run as a formula
    assert "\n" not in hostile[-1] and "\\n" in hostile[-1]  # one record, one line
    assert text.count("\n") == len(rows)


def test_counting_stops_at_the_cap(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor.pipeline.search as search

    settings = scenario_settings()
    whole = search_mentions(seeded, settings, MentionQuery(brand="Acme", per_page=500), now=NOW)
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    page = search_mentions(seeded, settings, MentionQuery(brand="Acme", per_page=2), now=NOW)
    assert (page.total, page.more, page.pages) == (5, True, 3)
    deep = search_mentions(
        seeded, settings, MentionQuery(brand="Acme", per_page=2, page=4), now=NOW
    )
    assert _keys(deep) == _keys(whole)[6:8] and deep.pages == 5  # past the cap: still served
