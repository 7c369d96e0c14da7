"""Weekly figures merged from stored daily parts equal those recomputed from the mentions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from monitor.pipeline.kpis import (
    _week_values,
    _week_values_recomputed,
    range_row,
    range_row_recomputed,
)
from monitor.pipeline.score import score_days
from monitor.scoring import ALL_SOURCES
from monitor.scoring.parts import PARTS_KEY
from monitor.storage.db import session_scope
from monitor.storage.scores import stored_kpis
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, build

FIRST, LAST = date(2026, 9, 24), date(2026, 10, 8)  # two weeks before the scenario's days


@pytest.mark.parametrize("source", [ALL_SOURCES, "x", "reddit", "appstore", "youtube"])
def test_merged_weeks_equal_recomputed_weeks(engine: Engine, source: str) -> None:
    settings = scenario_settings({"frt_median_min": {"max": 60, "period": "week"}})
    seed(engine, build())
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    with session_scope(engine) as session:
        stored = stored_kpis(session, "Acme", FIRST, LAST, {ALL_SOURCES})
    assert all(PARTS_KEY in v for v in stored.values())  # each day keeps its parts
    for day in (date(2026, 10, 6), date(2026, 10, 8), date(2026, 10, 11)):
        merged = _week_values(engine, settings, "Acme", day, source, lambda: NOW)
        recomputed = _week_values_recomputed(engine, settings, "Acme", day, source, lambda: NOW)
        assert merged == recomputed, (day, source)
    week = _week_values(engine, settings, "Acme", date(2026, 10, 8), ALL_SOURCES, lambda: NOW)
    assert week[0]["volume"] > 0 and week[0]["frt_median_min"] is not None  # not vacuous


def test_days_scored_without_parts_are_recomputed(engine: Engine) -> None:
    """Rows stored by an older version have no parts: the week is recomputed, not guessed."""
    from monitor.storage.scores import save_daily_kpis

    settings = scenario_settings()
    seed(engine, build())
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    with session_scope(engine) as session:
        rows = stored_kpis(session, "Acme", LAST, LAST, {ALL_SOURCES, "x"})
        old = {
            s: {k: v for k, v in vals.items() if k != PARTS_KEY} for (_, s), vals in rows.items()
        }
        save_daily_kpis(session, "Acme", LAST, old, NOW)
    merged = _week_values(engine, settings, "Acme", LAST, ALL_SOURCES, lambda: NOW)
    assert merged == _week_values_recomputed(
        engine, settings, "Acme", LAST, ALL_SOURCES, lambda: NOW
    )


@pytest.mark.parametrize("source", [ALL_SOURCES, "x", "reddit"])
def test_merged_ranges_equal_recomputed_ranges(engine: Engine, source: str) -> None:
    """``kpis --days N``'s range row, merged from parts, is the one recomputed from mentions."""
    settings = scenario_settings()
    seed(engine, build())
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    for first, last in ((date(2026, 10, 2), LAST), (date(2026, 10, 6), date(2026, 10, 11))):
        args = {"brand": "Acme", "first": first, "last": last, "source": source}
        merged = range_row(engine, settings, clock=lambda: NOW, **args)
        assert merged == range_row_recomputed(engine, settings, clock=lambda: NOW, **args)
    span = range_row(engine, settings, brand="Acme", first=FIRST, last=LAST, clock=lambda: NOW)
    assert span["volume"] > 0 and span["frt_median_min"] is not None  # not vacuous
