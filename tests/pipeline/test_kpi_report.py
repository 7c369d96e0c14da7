"""The one target checker, kpi_report: met or missed and the change, on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from monitor.pipeline.kpis import KpiStatus, kpi_report
from monitor.pipeline.score import score_days
from monitor.scoring import KPI_KEYS, Target
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import NOW, build


def _report(engine: Engine, targets: dict[str, object], day: date) -> dict[str, KpiStatus]:
    settings = scenario_settings(targets)
    seed(engine, build())
    days = [day - timedelta(days=i) for i in range(14)]
    score_days(engine, settings, clock=lambda: NOW, days=days, brand="Acme")
    statuses = kpi_report(engine, settings, brand="Acme", day=day, clock=lambda: NOW)
    assert [s.key for s in statuses] == list(KPI_KEYS)
    return {s.key: s for s in statuses}


def test_daily_targets_against_the_previous_day(engine: Engine) -> None:
    targets = {"response_rate": {"min": 0.9}, "frt_median_min": {"max": 60}}
    checks = _report(engine, targets, date(2026, 10, 6))
    # response rate 5/7 < 0.9: missed; previous day 2/2
    rr = checks["response_rate"]
    assert (rr.met, rr.previous, rr.period) == (False, 1.0, "day")
    assert rr.change == pytest.approx(5 / 7 - 1)
    # FRT median 45 ≤ 60: met; previous day 710
    frt = checks["frt_median_min"]
    assert (frt.met, frt.change) == (True, 45 - 710)
    # no target: met is None, the change is still given (effort 7/4 vs 3/2)
    effort = checks["effort_proxy"]
    assert (effort.target, effort.met, effort.change) == (None, None, pytest.approx(0.25))
    assert Target("fcr_rate", "min", 0.5).met_by(None) is None  # no value: not judged


def test_weekly_targets_are_judged_on_the_week(engine: Engine) -> None:
    checks = _report(engine, {"volume": {"min": 20, "period": "week"}}, date(2026, 10, 7))
    volume = checks["volume"]
    # week 10-01..10-07: 3 + 19 + 1 = 23 ≥ 20; the week before had no mentions
    assert (volume.period, volume.value, volume.met, volume.change) == ("week", 23, True, 23)
    assert volume.day_value == 1  # the day's own figure is kept beside the week's
