"""The hand-worked scenario through a real database: stored KPI rows, complaints, the queue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.pipeline.score import score_days, score_recent
from monitor.pipeline.triage import QueueFilter, queue
from monitor.scoring import KPI_KEYS
from monitor.scoring.parts import PARTS_KEY
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.models import Complaint, DailyKpi, Mention
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import DAY, DAY_BEFORE, LAST_DAY, NOW, Scenario, build

DAYS = [date.fromisoformat(d) for d in ("2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08")]


def clock() -> datetime:
    return NOW


def stored_rows(engine: Engine) -> dict[tuple[str, str, str], dict[str, Any]]:
    with session_scope(engine) as s:
        rows = s.exec(select(DailyKpi)).all()
        return {(r.brand, r.day.isoformat(), r.source): dict(r.values) for r in rows}


def stored_complaints(engine: Engine) -> dict[str, Complaint]:
    with session_scope(engine) as s:
        pairs = s.exec(select(Mention, Complaint).join(Complaint)).all()
        return {f"{m.source}:{m.external_id}": c for m, c in pairs}


def assert_values(got: dict[str, Any], want: dict[str, Any], where: object) -> None:
    """Counts and nulls exactly (ints stay ints through JSON), fractions to float precision."""
    assert list(got) == [*KPI_KEYS, PARTS_KEY], where  # the day's mergeable parts beside

    for key in KPI_KEYS:
        if want[key] is None or isinstance(want[key], int):
            assert got[key] == want[key] and type(got[key]) is type(want[key]), (where, key)
        else:
            assert got[key] == pytest.approx(want[key], rel=1e-12), (where, key, got[key])


@pytest.fixture
def sc() -> Scenario:
    return build()


def test_stored_rows_match_the_hand_computation(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    report = score_days(engine, scenario_settings(), clock=clock, days=DAYS)
    rows = stored_rows(engine)
    expected_keys = {
        ("Acme", day, source)
        for day, sources in sc.expected_sources.items()
        for source in ["all", *sources]
    }
    assert set(rows) == expected_keys
    assert report.rows == len(expected_keys)
    for (_brand, day, source), values in rows.items():
        assert_values(values, sc.expected_rows[(day, source)], (day, source))
    # every complaint created in the four days (all of the scenario's)
    assert report.complaints == len(sc.expected_complaints)


def test_stored_complaints_match(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    score_days(engine, scenario_settings(), clock=clock, days=DAYS)
    stored = stored_complaints(engine)
    assert set(stored) == set(sc.expected_complaints)
    for key, want in sc.expected_complaints.items():
        got = stored[key]
        assert (got.brand, got.reason) == ("Acme", want.reason), key
        assert got.answered == (want.frt_min is not None), key
        assert got.resolution_kind == want.resolution, key
        assert got.scored_at == NOW
        if want.frt_min is not None:
            assert got.first_response_at is not None
            assert got.first_response_at - got.created_at == timedelta(minutes=want.frt_min)
        if want.resolution_min is not None:
            assert got.resolved_at is not None
            assert got.resolved_at - got.created_at == timedelta(minutes=want.resolution_min)
    assert stored["x:301"].brand_replies == 2
    assert stored["x:501"].first_response_at is not None  # found through @gina, thread derived


def test_scoring_twice_gives_identical_rows(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=DAYS)
    first, complaints = stored_rows(engine), stored_complaints(engine)
    score_days(engine, settings, clock=clock, days=DAYS)
    assert stored_rows(engine) == first
    again = stored_complaints(engine)
    assert {k: c.model_dump() for k, c in again.items()} == {
        k: c.model_dump() for k, c in complaints.items()
    }


def test_one_day_at_a_time_equals_all_days_at_once(engine: Engine, sc: Scenario) -> None:
    """Each day's load must bring the whole thread, e.g. D−1's complaint behind D's follow-up."""
    seed(engine, sc)
    settings = scenario_settings()
    for day in reversed(DAYS):
        score_days(engine, settings, clock=clock, days=[day])
    one_by_one = stored_rows(engine)
    score_days(engine, settings, clock=clock, days=DAYS)
    assert stored_rows(engine) == one_by_one
    assert set(stored_complaints(engine)) == set(sc.expected_complaints)


def test_rescoring_removes_what_is_no_longer_there(engine: Engine, sc: Scenario) -> None:
    """A post re-labeled non-negative stops being a complaint; its day's rows follow."""
    ids = seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=DAYS)
    with session_scope(engine) as s:
        save_labels(
            s, [LabelRecord(ids["x:401"], "neutral", 0.9, None)], model_name="m",
            model_revision=None, now=NOW,
        )  # fmt: skip
    score_days(engine, settings, clock=clock, days=[date.fromisoformat(DAY)])
    assert "x:401" not in stored_complaints(engine)
    row = stored_rows(engine)[("Acme", DAY, "all")]
    assert (row["complaints"], row["neutral"], row["unanswered_overdue"]) == (6, 3, 1)


def test_a_day_alone_follows_its_threads_beyond_the_window(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=[date.fromisoformat(DAY_BEFORE)])
    assert set(stored_rows(engine)) == {("Acme", DAY_BEFORE, "all"), ("Acme", DAY_BEFORE, "x")}
    # x:001's state needs x:003 from the next day: the thread was followed beyond the window
    assert stored_complaints(engine)["x:001"].resolution_kind == "silence"


def test_another_brands_posts_in_the_thread_change_nothing(engine: Engine, sc: Scenario) -> None:
    """Initech's own account answering frank is thread context, not an Acme reply."""
    seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=DAYS)
    before = stored_rows(engine)
    frank = next(f for f in build().mentions if f.key == "x:401")
    other = replace(
        frank, external_id="i2", author="InitechCare", text="@frank try Initech instead",
        in_reply_to="401", brand="Initech", is_brand_post=True, label="positive",
        created_at=frank.created_at + timedelta(minutes=10),
    )  # fmt: skip
    seed(engine, Scenario(resolutions=[]), [other])
    score_days(engine, settings, clock=clock, days=DAYS)
    assert stored_rows(engine) == before
    assert stored_complaints(engine)["x:401"].answered is False


def test_queue_from_stored_complaints(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=DAYS)
    found = queue(engine, settings, clock=clock, where=QueueFilter())
    assert [(i.key, i.overdue) for i in found] == [(k, o) for k, _, o in sc.expected_queue]
    for item, (_key, want, _overdue) in zip(found, sc.expected_queue, strict=True):
        assert item.priority == pytest.approx(want, rel=1e-12)
    stale = queue(engine, settings, clock=clock, where=QueueFilter(states=("abandoned",)))
    assert [(i.key, i.overdue) for i in stale] == [(k, o) for k, _, o in sc.expected_abandoned]
    for item, (_key, want, _overdue) in zip(stale, sc.expected_abandoned, strict=True):
        assert item.priority == pytest.approx(want, rel=1e-12)
    assert stale[1].reason == "1-star review"
    overdue = QueueFilter(brand="acme", overdue_only=True)
    assert queue(engine, settings, clock=clock, where=overdue) == []


def test_a_late_reply_leaves_the_queue_before_rescoring(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    settings = scenario_settings()
    score_days(engine, settings, clock=clock, days=DAYS)
    frank = next(f for f in build().mentions if f.key == "x:401")
    reply = replace(
        frank, external_id="402", author="AcmeHelp", text="@frank so sorry, DMing you",
        in_reply_to="401", created_at=NOW - timedelta(minutes=5), is_brand_post=True,
        label=None, confidence=None, negative_score=None,
    )  # fmt: skip
    seed(engine, Scenario(resolutions=[]), [reply])
    stale = queue(engine, settings, clock=clock, where=QueueFilter(states=("abandoned",)))
    assert [i.key for i in stale] == ["appstore:r1"]  # x:401 answered: out of every list


def test_score_recent_scores_the_brand_local_days(engine: Engine, sc: Scenario) -> None:
    seed(engine, sc)
    report = score_recent(engine, scenario_settings(), clock=clock, days=2)
    # NOW is 10:00 in New York on 10-08: the last two local days are 10-07 and 10-08
    days = {day for (_b, day, _s) in stored_rows(engine)}
    assert days == {"2026-10-07", LAST_DAY}
    assert report.rows == 4 and report.complaints == 2
    with pytest.raises(ValueError, match="at least 1"):
        score_recent(engine, scenario_settings(), clock=clock, days=0)
