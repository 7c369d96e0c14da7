"""Themes over a real database: stable ids, idempotent recompute, digest section, alert.

Runs the real encoder (base all-MiniLM-L6-v2) on a few dozen posts, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.pipeline.alerts import check_and_send_alerts
from monitor.pipeline.digest import build_digest
from monitor.pipeline.themes import NEW, NEW_THEME, compute_themes
from monitor.posts import Post
from monitor.report import render_html, render_text
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.mentions import upsert_posts
from monitor.storage.models import Mention, Theme, ThemeMention
from monitor.storage.themes import period_members
from tests.pipeline.scenario_db import scenario_settings

DAY = date(2026, 10, 8)  # America/New_York
NOW = datetime(2026, 10, 8, 20, 0, tzinfo=UTC)
REFUND = [
    "@AcmeHelp you charged me twice for one order, I want a refund",
    "@AcmeHelp charged twice on my card again, refund it now",
    "@AcmeHelp double charge on my credit card, where is my refund",
    "@AcmeHelp I was billed twice for the same order, refund me",
    "@AcmeHelp two identical charges on my card, please refund one",
]
CRASH = [
    "@AcmeHelp your app crashes every time I open it since the update",
    "@AcmeHelp the app keeps crashing after the latest update",
    "@AcmeHelp app crash on startup after updating, useless",
    "@AcmeHelp since the new update the app closes itself immediately",
    "@AcmeHelp the update broke your app, it crashes on login",
]
ODD = ["@AcmeHelp the parking lot at your store is a mess", "@AcmeHelp why is your logo purple"]
SETTINGS = scenario_settings(themes={"min_size": 3, "new_theme_min_complaints": 3})


def _store(engine: Engine, posts: list[tuple[str, str, datetime]], reply_to: str = "") -> None:
    """Negative inbound X posts (id, text, time); with ``reply_to`` a brand reply to it."""
    rows = [Post(source="x", external_id=i, author=f"cust{i}", text=t, created_at=at)
            for i, t, at in posts]  # fmt: skip
    if reply_to:
        at = next(at for i, _, at in posts if i == reply_to) + timedelta(minutes=30)
        reply = Post(
            source="x", external_id=f"r{reply_to}", author="AcmeHelp", text="@cust sorry",
            created_at=at, in_reply_to=reply_to,
        )  # fmt: skip
        rows.append(reply)
    with session_scope(engine) as session:
        upsert_posts(session, rows, brand_of=lambda p: "Acme",
                     is_brand_post=lambda p: p.author == "AcmeHelp", now=NOW)  # fmt: skip
    with session_scope(engine) as session:
        ids = dict(session.execute(select(Mention.external_id, Mention.id)).all())
        records = [LabelRecord(int(ids[i]), "negative", 0.9, {"negative": 0.9})
                   for i, _, _ in posts]  # fmt: skip
        save_labels(session, records, model_name="test", model_revision=None, now=NOW)


def _seed(engine: Engine) -> None:
    today = datetime(2026, 10, 8, 14, 0, tzinfo=UTC)
    earlier = datetime(2026, 10, 6, 14, 0, tzinfo=UTC)
    posts = [(f"f{k}", t, today + timedelta(minutes=k)) for k, t in enumerate(REFUND)]
    posts += [(f"c{k}", t, today + timedelta(minutes=10 + k)) for k, t in enumerate(CRASH)]
    posts += [(f"o{k}", t, today + timedelta(minutes=20 + k)) for k, t in enumerate(ODD)]
    # the crash theme already ran two days before; the refund theme is new today
    posts += [(f"b{k}", t, earlier + timedelta(minutes=k)) for k, t in enumerate(CRASH[:4])]
    _store(engine, posts, reply_to="f0")


def _themes(engine: Engine, day: date = DAY, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return compute_themes(engine, SETTINGS, brand="Acme", end_day=day, days=1,
                          baseline_days=7, clock=lambda: now)  # fmt: skip


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_themes_of_a_day_stable_and_idempotent(engine: Engine) -> None:
    _seed(engine)
    report = _themes(engine)
    assert (report.total, report.other) == (12, 2)
    by_change = {t.change: t for t in report.themes}
    refund, crash = by_change[NEW], next(t for t in report.themes if t.change != NEW)
    assert {refund.size, crash.size} == {5}
    assert "refund" in refund.label or "charge" in refund.label
    assert "app" in crash.label or "update" in crash.label or "crash" in crash.label
    assert (refund.previous, crash.previous) == (0, 4)
    # its complaints' KPIs: one of five answered, 30 minutes after
    assert refund.complaints == 5 and refund.response_rate == 0.2
    assert refund.frt_median_min == 30.0 and crash.response_rate == 0.0
    assert len(refund.examples) == 3 and all(e.text in REFUND for e in refund.examples)

    with session_scope(engine) as s:
        stored = period_members(s, "Acme", DAY, DAY)
    assert len(stored) == 12 and sum(1 for t in stored.values() if t is None) == 2
    themes_before = _count(engine, Theme)

    again = _themes(engine)  # recompute: same ids, same rows, nothing added
    assert [(t.id, t.label, t.size) for t in again.themes] == [
        (t.id, t.label, t.size) for t in report.themes
    ]
    with session_scope(engine) as s:
        assert period_members(s, "Acme", DAY, DAY) == stored
    assert _count(engine, Theme) == themes_before
    assert _count(engine, ThemeMention) == 12

    # the next day more refund posts: the same theme (id and label), no longer new
    next_day = datetime(2026, 10, 9, 15, 0, tzinfo=UTC)
    _store(engine, [(f"n{k}", t, next_day + timedelta(minutes=k)) for k, t in enumerate(REFUND)])
    later = _themes(engine, date(2026, 10, 9), next_day + timedelta(hours=2))
    [same] = [t for t in later.themes if t.id == refund.id]
    assert (same.label, same.previous, same.size) == (refund.label, 5, 5)
    assert same.change != NEW


def test_new_theme_alert_fires_once_and_digest_shows_themes(engine: Engine) -> None:
    _seed(engine)
    fired = [a for a in check_and_send_alerts(engine, SETTINGS, clock=lambda: NOW)
             if a.kind == NEW_THEME]  # fmt: skip
    assert len(fired) == 1 and fired[0].count == 5
    assert "none in the 7 days before" in fired[0].message
    later = NOW + timedelta(minutes=10)
    assert [a for a in check_and_send_alerts(engine, SETTINGS, clock=lambda: later)
            if a.kind == NEW_THEME] == []  # fmt: skip

    data = build_digest(engine, SETTINGS, SETTINGS.brand("Acme"), DAY, clock=lambda: NOW)
    assert len(data.themes) == 2
    assert {t.change for t in data.themes} == {NEW, "growing"}
    text = render_text(data)
    assert "Complaint themes" in text and data.themes[0].label in text
    html = render_html(data, {})
    assert "Complaint themes" in html and "e.g. " in html


def test_the_new_theme_check_recomputes_today_at_most_every_interval(engine: Engine) -> None:
    """Embedding and clustering the day is the costliest alert check; spikes and overdue
    complaints are checked every few minutes, themes every ``alert_every_minutes``."""
    from monitor.storage.themes import period_computed_at

    _seed(engine)

    def computed_at() -> datetime | None:
        with session_scope(engine) as s:
            return period_computed_at(s, "Acme", DAY, DAY)

    assert SETTINGS.config.themes.alert_every_minutes == 60  # the default
    check_and_send_alerts(engine, SETTINGS, clock=lambda: NOW)
    assert computed_at() == NOW
    for minutes in (10, 59):
        at = NOW + timedelta(minutes=minutes)
        check_and_send_alerts(engine, SETTINGS, clock=lambda at=at: at)
        assert computed_at() == NOW, minutes  # not due: nothing embedded
    later = NOW + timedelta(minutes=60)
    check_and_send_alerts(engine, SETTINGS, clock=lambda: later)
    assert computed_at() == later
