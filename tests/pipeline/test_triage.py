"""Queue actions over a real database (SQLite and PostgreSQL): resolve, reopen, snooze,
assign, note, close, label and export; the audit trail; incremental refresh; questions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from monitor.classify.evaluation import read_labeled_tsv
from monitor.errors import UsageError
from monitor.pipeline.kpis import kpi_rows
from monitor.pipeline.score import score_days
from monitor.pipeline.triage import (
    NotAnItemError,
    QueueFilter,
    UnknownMentionError,
    queue,
    refresh_threads,
)
from monitor.pipeline.triage_actions import (
    add_note,
    assign,
    close_older,
    export_corrections,
    label,
    reopen,
    resolve,
    snooze,
)
from monitor.storage.db import session_scope
from monitor.storage.labels import LabelRecord, save_labels
from monitor.storage.models import Complaint, Mention, Resolution, TriageAudit
from tests.pipeline.scenario_db import scenario_settings, seed
from tests.scoring.scenario import DAY, NOW, build

D = date.fromisoformat(DAY)
DAYS = [D - timedelta(days=1), D, D + timedelta(days=1), D + timedelta(days=2)]
SETTINGS = scenario_settings()
EVERY = QueueFilter(states=("new", "awaiting_reply", "snoozed", "abandoned"))


def clock() -> datetime:
    return NOW


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine, build())
    score_days(engine, SETTINGS, clock=clock, days=DAYS)
    return engine


def stored_complaint(engine: Engine, key: str) -> Complaint | None:
    source, eid = key.split(":")
    with session_scope(engine) as s:
        stmt = (
            select(Complaint)
            .join(Mention)
            .where(Mention.source == source, Mention.external_id == eid)
        )
        return s.exec(stmt).first()


def audit(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(TriageAudit).order_by(TriageAudit.id)).all()  # type: ignore[arg-type]
        return [(r.action, r.actor, r.detail, r.note) for r in rows]


def listed(engine: Engine, where: QueueFilter = EVERY) -> dict[str, tuple[str, str | None]]:
    return {i.key: (i.state, i.assignee) for i in queue(engine, SETTINGS, clock=clock, where=where)}


def test_resolve_rescores_the_items_day_and_is_audited(seeded: Engine) -> None:
    at = NOW - timedelta(minutes=10)
    result = resolve(seeded, SETTINGS, "x:801", at=at, note="fixed", actor="ann", clock=clock)
    assert (result.key, result.shown, result.brand) == ("x:801", None, "Acme")
    assert result.rescored_day == date(2026, 10, 8)
    complaint = stored_complaint(seeded, "x:801")
    assert complaint is not None
    assert (complaint.resolution_kind, complaint.resolved_at) == ("manual", at)
    assert "x:801" not in listed(seeded)
    assert audit(seeded) == [("resolve", "ann", "at 2026-10-08 13:50 UTC", "fixed")]


def test_resolve_through_a_follow_up_marks_its_complaint(seeded: Engine) -> None:
    """x:002 is quinn's follow-up to x:001 (day D−1): naming it resolves x:001."""
    at = datetime.fromisoformat("2026-10-06T12:45:00+00:00")
    result = resolve(seeded, SETTINGS, "x:002", at=at, actor="ann", clock=clock)
    assert (result.key, result.rescored_day) == ("x:001", D - timedelta(days=1))
    complaint = stored_complaint(seeded, "x:001")
    assert complaint is not None and complaint.resolution_kind == "manual"


def test_any_post_of_the_thread_names_its_item(seeded: Engine) -> None:
    """x:503 is AcmeHelp's reply in gina's thread: assigning it assigns gina's item."""
    result = assign(seeded, SETTINGS, "x:503", to="bo", actor="ann", clock=clock)
    assert result.key == "x:501"


def test_resolve_a_post_that_is_no_item_stores_nothing(seeded: Engine) -> None:
    with pytest.raises(NotAnItemError, match="x:601 is not a needs-reply item of Acme"):
        resolve(seeded, SETTINGS, "x:601", actor="ann", clock=clock)
    with session_scope(seeded) as s:
        assert len(s.exec(select(Resolution)).all()) == 1  # the scenario's own mark
    assert audit(seeded) == []


@pytest.mark.parametrize(
    ("key", "at", "error", "match"),
    [
        ("x:nope", None, UnknownMentionError, "no stored post x:nope"),
        ("x401", None, UsageError, "is not SOURCE:EXTERNAL_ID"),
        (":401", None, UsageError, "is not SOURCE:EXTERNAL_ID"),
        ("x:401", NOW + timedelta(minutes=1), UsageError, "in the future"),
    ],
)
def test_resolve_errors(
    seeded: Engine, key: str, at: datetime | None, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        resolve(seeded, SETTINGS, key, at=at, actor="ann", clock=clock)


def test_snooze_assign_note_show_in_the_queue_at_once(seeded: Engine) -> None:
    assert listed(seeded)["x:801"] == ("new", None)
    assign(seeded, SETTINGS, "x:801", to="bo", actor="ann", clock=clock)
    assert listed(seeded)["x:801"] == ("new", "bo")
    mine = queue(seeded, SETTINGS, clock=clock, where=QueueFilter(assignee="bo"))
    assert [i.key for i in mine] == ["x:801"]
    until = NOW + timedelta(hours=2)
    result = snooze(seeded, SETTINGS, "x:801", until=until, actor="bo", clock=clock)
    assert result.shown is not None and result.shown.snoozed_until == until
    assert listed(seeded)["x:801"] == ("snoozed", "bo")
    assert "x:801" not in listed(seeded, QueueFilter())  # the default queue hides it
    later = NOW + timedelta(hours=3)
    back = queue(seeded, SETTINGS, clock=lambda: later, where=QueueFilter())
    assert "x:801" in [i.key for i in back]  # the snooze ran out by itself
    add_note(seeded, SETTINGS, "x:801", text="called, voicemail", actor="bo", clock=clock)
    assign(seeded, SETTINGS, "x:801", to=None, actor="ann", clock=clock)
    assert listed(seeded)["x:801"] == ("snoozed", None)
    assert audit(seeded) == [
        ("assign", "ann", "to bo", None),
        ("snooze", "bo", "until 2026-10-08 16:00 UTC", None),
        ("note", "bo", "note", "called, voicemail"),
        ("assign", "ann", "unassigned", None),
    ]
    with pytest.raises(UsageError, match="not in the future"):
        snooze(seeded, SETTINGS, "x:801", until=NOW, actor="bo", clock=clock)


def test_state_survives_rescoring(seeded: Engine) -> None:
    assign(seeded, SETTINGS, "x:801", to="bo", actor="ann", clock=clock)
    score_days(seeded, SETTINGS, clock=clock, days=DAYS)
    assert listed(seeded)["x:801"] == ("new", "bo")


def test_reopen_undoes_a_resolution_and_a_close(seeded: Engine) -> None:
    resolve(seeded, SETTINGS, "x:801", actor="ann", clock=clock)
    assert "x:801" not in listed(seeded)
    result = reopen(seeded, SETTINGS, "x:801", actor="ann", clock=clock)
    assert result.shown is not None and result.shown.state == "new"
    assert result.rescored_day == date(2026, 10, 8)
    complaint = stored_complaint(seeded, "x:801")
    assert complaint is not None and complaint.resolved_at is None
    # an abandoned item reopened comes back to the queue, its abandonment clock restarted
    assert listed(seeded)["x:401"] == ("abandoned", None)
    reopen(seeded, SETTINGS, "x:401", actor="ann", clock=clock)
    assert listed(seeded)["x:401"] == ("new", None)


def test_close_is_a_dry_run_without_apply(seeded: Engine) -> None:
    args = {"older_than": timedelta(hours=20), "actor": "ann", "clock": clock}
    stale = close_older(seeded, SETTINGS, apply=False, **args)  # type: ignore[arg-type]
    assert sorted(i.key for i in stale) == ["appstore:r1", "x:401"]
    assert audit(seeded) == []
    reopen(seeded, SETTINGS, "x:401", actor="ann", clock=clock)
    assert listed(seeded)["x:401"][0] == "new"
    closed = close_older(seeded, SETTINGS, apply=True, kind="complaint", **args)  # type: ignore[arg-type]
    assert sorted(i.key for i in closed) == ["appstore:r1", "x:401"]
    assert listed(seeded)["x:401"][0] == "abandoned"
    assert [a[0] for a in audit(seeded)] == ["reopen", "close", "close"]
    none = close_older(seeded, SETTINGS, apply=False, kind="question", **args)  # type: ignore[arg-type]
    assert none == []


def test_a_human_label_wins_in_kpis_and_the_queue_and_survives_relabel(
    seeded: Engine, tmp_path: Path
) -> None:
    def negatives() -> int:
        (row,) = kpi_rows(seeded, SETTINGS, brand="Acme", days=[date(2026, 10, 8)], clock=clock)
        return int(row["negative"])

    before = negatives()
    result = label(seeded, SETTINGS, "x:801", sentiment="positive", actor="ann", clock=clock)
    assert (result.model_label, result.rescored_day) == ("negative", date(2026, 10, 8))

    def kind() -> str | None:
        found = queue(seeded, SETTINGS, clock=clock, where=EVERY)
        return next((i.kind for i in found if i.key == "x:801"), None)

    assert negatives() == before - 1
    # no longer negative: no longer a complaint ("app down?" is too elliptic for the
    # question detector, so it leaves the queue)
    assert kind() is None
    # the model labels it again (classify --relabel): the human label still wins
    with session_scope(seeded) as s:
        mid = s.exec(select(Mention.id).where(Mention.external_id == "801")).one()
        record = LabelRecord(mid, "negative", 0.99, {"negative": 0.99})  # type: ignore[arg-type]
        save_labels(s, [record], model_name="other", model_revision=None, now=NOW)
    score_days(seeded, SETTINGS, clock=clock, days=DAYS)
    assert negatives() == before - 1 and kind() is None
    # a human "negative" on a neutral directed post makes it a complaint, labeled by a human
    label(seeded, SETTINGS, "x:801", sentiment="negative", actor="bo", clock=clock)
    (item,) = [i for i in queue(seeded, SETTINGS, clock=clock, where=EVERY) if i.key == "x:801"]
    assert (item.sentiment, item.sentiment_by, item.priority) == ("negative", "human",
        pytest.approx(2 * 0.5 + 1.5 / 7 + 1.0))  # fmt: skip
    out = tmp_path / "corrections.tsv"
    assert export_corrections(seeded, out) == 1
    (row,) = read_labeled_tsv(out)
    assert (row.id, row.label, row.text) == ("x:801", "negative", "@AcmeHelp app down?")
    with pytest.raises(UsageError, match="use one of negative, neutral, positive"):
        label(seeded, SETTINGS, "x:801", sentiment="angry", actor="bo", clock=clock)


def test_a_new_post_enters_the_queue_through_refresh_threads(seeded: Engine) -> None:
    """The incremental path: store a post, refresh its thread, the item is stored at once."""
    uma = next(m for m in build().mentions if m.key == "x:801")
    question = replace(
        uma, external_id="901", author="vic", text="@AcmeHelp how do I change my address",
        thread_id="901", label="neutral", confidence=0.8, negative_score=0.1,
        created_at=NOW - timedelta(minutes=10),
    )  # fmt: skip
    ids = seed(seeded, replace(build(), resolutions=[]), [question])
    assert stored_complaint(seeded, "x:901") is None
    new = [ids["x:901"]]
    assert refresh_threads(seeded, SETTINGS, brand="Acme", mention_ids=new, clock=clock) == 1
    row = stored_complaint(seeded, "x:901")
    assert row is not None and row.kind == "question"
    found = queue(seeded, SETTINGS, clock=clock, where=QueueFilter(kinds=("question",)))
    assert [(i.key, i.kind, i.state) for i in found] == [("x:901", "question", "new")]
    score_days(seeded, SETTINGS, clock=clock, days=DAYS)
    (day,) = kpi_rows(seeded, SETTINGS, brand="Acme", days=[date(2026, 10, 8)], clock=clock)
    assert (day["questions"], day["questions_answered"], day["complaints"]) == (1, 0, 1)


def test_the_queue_order_is_total_and_the_same_on_every_backend(seeded: Engine) -> None:
    """Equal priorities and equal waits: the id decides (the same on SQLite and PostgreSQL)."""
    uma = next(m for m in build().mentions if m.key == "x:801")
    twins = [replace(uma, external_id=e, author=f"u{e}", thread_id=e) for e in ("a9", "a1")]
    seed(seeded, replace(build(), resolutions=[]), twins)
    score_days(seeded, SETTINGS, clock=clock, days=DAYS)
    found = queue(seeded, SETTINGS, clock=clock, where=QueueFilter())
    assert [i.key for i in found] == ["x:801", "x:a1", "x:a9"]


def test_the_digest_lists_items_awaiting_our_reply_first_with_kind_and_state(
    seeded: Engine,
) -> None:
    """tina writes again after our reply (5 min ago, unlabeled yet): awaiting our reply.

    Her priority (2·5/60 + 0 + 0.88 + 1 = 2.05) is below uma's x:801 (2.11), so the queue
    lists uma first, but the digest puts the item awaiting our reply first.
    """
    from monitor.pipeline.digest import build_digest

    tina = next(m for m in build().mentions if m.key == "x:701")
    again = replace(
        tina, external_id="703", text="@AcmeHelp still nothing", in_reply_to="702",
        created_at=NOW - timedelta(minutes=5), label=None, confidence=None,
    )  # fmt: skip
    seed(seeded, replace(build(), resolutions=[]), [again])
    score_days(seeded, SETTINGS, clock=clock, days=DAYS)
    found = queue(seeded, SETTINGS, clock=clock, where=QueueFilter())
    assert [(i.key, i.kind, i.state) for i in found] == [
        ("x:801", "complaint", "new"),
        ("x:701", "follow_up", "awaiting_reply"),
    ]
    digest = build_digest(seeded, SETTINGS, SETTINGS.brand("Acme"), D, clock=clock)
    assert [(u.id, u.kind, u.state) for u in digest.top_unanswered] == [
        ("x:701", "follow_up", "awaiting_reply"),
        ("x:801", "complaint", "new"),
    ]
    # severity is the item's first post's (x:701, negative 0.88) plus the follow-up bonus
    assert digest.top_unanswered[0].priority == pytest.approx(2 * 5 / 60 + 0.88 + 1)
