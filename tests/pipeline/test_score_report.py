"""KPI report (targets, change, 7-day mean), JSON rows, and manual resolution over a real DB."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.pipeline.score import (
    UnknownMentionError,
    kpi_report,
    kpi_rows,
    mark_resolved,
    score_days,
    unanswered,
)
from monitor.scoring import KPI_KEYS
from monitor.storage.db import session_scope
from monitor.storage.models import Complaint, Mention, Resolution
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import DAY, DAY_BEFORE, NOW, build

D = date.fromisoformat(DAY)
DAYS = [D - timedelta(days=1), D, D + timedelta(days=1), D + timedelta(days=2)]
TARGETS = {
    "response_rate": {"min": 0.9},
    "frt_median_min": {"max": 60, "period": "week"},
    "volume": {"max": 100},
}


def clock() -> datetime:
    return NOW


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine, build())
    return engine


def test_report_values_targets_changes_and_means(seeded: Engine) -> None:
    settings = scenario_settings(TARGETS)
    score_days(seeded, settings, clock=clock, days=DAYS)
    report = {s.key: s for s in kpi_report(seeded, settings, brand="Acme", day=D, clock=clock)}
    assert list(report) == list(KPI_KEYS)

    rate = report["response_rate"]
    assert (rate.period, rate.target, rate.met) == ("day", "≥ 90.0% /day", False)
    assert rate.value == pytest.approx(5 / 7) and rate.previous == 1.0
    assert rate.change == pytest.approx(5 / 7 - 1)
    # only D−1 and D have complaints among the 7 days ending with D
    assert rate.mean_7d == pytest.approx((1 + 5 / 7) / 2)
    assert (rate.label, rate.unit, rate.higher_is_better) == ("Response rate", "rate", True)

    # a week target is recomputed over the week's complaints: FRTs 20 30 40 45 210 1380 1500
    frt = report["frt_median_min"]
    assert (frt.period, frt.value, frt.day_value, frt.met) == ("week", 45.0, 45.0, True)
    assert (frt.previous, frt.change) == (None, None)  # no complaint the week before
    assert frt.mean_7d == pytest.approx((710 + 45) / 2)

    volume = report["volume"]
    assert (volume.value, volume.previous, volume.change, volume.met) == (19, 3, 16, True)
    assert volume.mean_7d == pytest.approx(22 / 7)  # days without mentions count as 0

    sov = report["share_of_voice"]
    assert (sov.target, sov.met) == (None, None)
    assert sov.value == pytest.approx(100 * 19 / 23)


@pytest.mark.parametrize(("day", "source"), [(DAY, "all"), (DAY, "reddit"), (DAY_BEFORE, "reddit")])
def test_computed_when_missing_equals_stored(seeded: Engine, day: str, source: str) -> None:
    """Before scoring the report computes; after, it reads rows: the same numbers either way."""
    settings = scenario_settings(TARGETS)
    when = date.fromisoformat(day)

    def report() -> list[object]:
        return list(
            kpi_report(seeded, settings, brand="Acme", day=when, source=source, clock=clock)
        )

    computed = report()
    score_days(seeded, settings, clock=clock, days=DAYS)
    assert report() == computed


def test_json_rows_have_the_documented_shape(seeded: Engine) -> None:
    settings = scenario_settings()
    score_days(seeded, settings, clock=clock, days=DAYS)
    rows = kpi_rows(seeded, settings, brand="acme", days=DAYS, clock=clock)
    assert [r["date"] for r in rows] == [d.isoformat() for d in DAYS]
    assert all(list(r) == ["brand", "source", "date", *KPI_KEYS] for r in rows)
    assert rows[1]["brand"] == "Acme" and rows[1]["volume"] == 19


def stored_complaint(engine: Engine, key: str) -> Complaint | None:
    source, eid = key.split(":")
    with session_scope(engine) as s:
        stmt = (
            select(Complaint)
            .join(Mention)
            .where(Mention.source == source, Mention.external_id == eid)
        )
        return s.exec(stmt).first()


def test_resolve_rescores_the_complaints_day(seeded: Engine) -> None:
    settings = scenario_settings()
    score_days(seeded, settings, clock=clock, days=DAYS)
    at = NOW - timedelta(hours=1)
    result = mark_resolved(seeded, "x:401", at, "called him", clock=clock, settings=settings)
    assert (result.complaint_key, result.rescored_day, result.brand) == ("x:401", D, "Acme")
    complaint = stored_complaint(seeded, "x:401")
    assert complaint is not None
    assert (complaint.resolution_kind, complaint.resolved_at) == ("manual", at)
    assert "x:401" not in [i.key for i in unanswered(seeded, settings, clock=clock)]


def test_resolve_through_a_follow_up_marks_its_complaint(seeded: Engine) -> None:
    """x:002 is quinn's follow-up to x:001 (day D−1): marking it resolves x:001."""
    settings = scenario_settings()
    score_days(seeded, settings, clock=clock, days=DAYS)
    at = datetime.fromisoformat("2026-10-06T12:45:00+00:00")
    result = mark_resolved(seeded, "x:002", at, None, clock=clock, settings=settings)
    assert (result.complaint_key, result.rescored_day) == ("x:001", D - timedelta(days=1))
    complaint = stored_complaint(seeded, "x:001")
    assert complaint is not None and complaint.resolution_kind == "manual"


def test_resolve_a_post_that_is_no_complaint(seeded: Engine) -> None:
    result = mark_resolved(seeded, "x:601", None, None, clock=clock, settings=scenario_settings())
    assert (result.complaint_key, result.rescored_day, result.resolved_at) == (None, None, NOW)
    with session_scope(seeded) as s:
        assert len(s.exec(select(Resolution)).all()) == 2  # the scenario's and this one


def test_resolve_twice_keeps_the_last_mark(seeded: Engine) -> None:
    mark_resolved(seeded, "x:401", NOW - timedelta(hours=2), "first", clock=clock)
    mark_resolved(seeded, "x:401", NOW - timedelta(hours=1), "second", clock=clock)
    with session_scope(seeded) as s:
        notes = [r.note for r in s.exec(select(Resolution)).all()]
    assert sorted(n or "" for n in notes) == ["refund confirmed by phone", "second"]


@pytest.mark.parametrize(
    ("key", "at", "error", "match"),
    [
        ("x:nope", None, UnknownMentionError, "no stored post x:nope"),
        ("x401", None, ValueError, "is not SOURCE:EXTERNAL_ID"),
        (":401", None, ValueError, "is not SOURCE:EXTERNAL_ID"),
        ("x:401", NOW + timedelta(minutes=1), ValueError, "in the future"),
    ],
)
def test_resolve_errors(
    seeded: Engine, key: str, at: datetime | None, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        mark_resolved(seeded, key, at, None, clock=clock)
