"""Triage storage on SQLite and PostgreSQL: manual state, audit, corrections, open items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from monitor.storage.db import session_scope
from monitor.storage.scores import ComplaintRecord, save_complaints
from monitor.storage.triage import (
    add_audit,
    audit_of,
    corrections,
    delete_resolutions,
    open_item_ids,
    save_correction,
    states_of,
    update_state,
)
from tests.pipeline.scenario_db import seed
from tests.scoring.scenario import NOW, build


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    return seed(engine, build())


def _record(mid: int, kind: str, resolved: bool) -> ComplaintRecord:
    return ComplaintRecord(
        mention_id=mid, brand="Acme", source="x", created_at=NOW - timedelta(hours=1),
        reason="r", answered=False, first_response_at=None, brand_replies=0,
        resolved_at=NOW if resolved else None, resolution_kind="manual" if resolved else None,
        kind=kind,
    )  # fmt: skip


def test_state_is_set_field_by_field_and_kept(engine: Engine, ids: dict[str, int]) -> None:
    mid = ids["x:401"]
    with session_scope(engine) as s:
        update_state(s, mid, NOW, assignee="bo")
        update_state(s, mid, NOW, snoozed_until=NOW + timedelta(hours=1))
    with session_scope(engine) as s:
        (row,) = states_of(s, [mid, ids["x:801"]]).values()
        assert (row.assignee, row.snoozed_until, row.closed_at) == (
            "bo", NOW + timedelta(hours=1), None,
        )  # fmt: skip
        with pytest.raises(ValueError, match="not a triage state field: colour"):
            update_state(s, mid, NOW, colour="red")


def test_audit_rows_come_back_in_order(engine: Engine, ids: dict[str, int]) -> None:
    mid = ids["x:401"]
    with session_scope(engine) as s:
        add_audit(s, mid, action="assign", actor="ann", at=NOW, detail="to bo")
        add_audit(s, mid, action="note", actor="bo", at=NOW, note="called")
    with session_scope(engine) as s:
        rows = audit_of(s, mid)
    assert [(r.action, r.actor, r.detail, r.note) for r in rows] == [
        ("assign", "ann", "to bo", None),
        ("note", "bo", None, "called"),
    ]


def test_open_items_include_reopened_ones(engine: Engine, ids: dict[str, int]) -> None:
    records = [
        _record(ids["x:401"], "complaint", False),
        _record(ids["x:801"], "question", True),
        _record(ids["x:701"], "complaint", True),
    ]
    with session_scope(engine) as s:
        save_complaints(s, "Acme", NOW - timedelta(days=30), NOW, records, NOW)
    with session_scope(engine) as s:
        assert open_item_ids(s, "Acme") == [ids["x:401"]]
        update_state(s, ids["x:801"], NOW, reopened_at=NOW)
    with session_scope(engine) as s:
        assert open_item_ids(s, "Acme") == sorted([ids["x:401"], ids["x:801"]])


def test_corrections_keep_the_model_label_and_the_last_human_one(
    engine: Engine, ids: dict[str, int]
) -> None:
    with session_scope(engine) as s:
        assert save_correction(s, ids["x:801"], "neutral", actor="ann", at=NOW) == "negative"
        save_correction(s, ids["x:801"], "positive", actor="bo", at=NOW)
        assert delete_resolutions(s, [ids["x:301"], ids["x:401"]]) == 1  # the scenario's mark
    with session_scope(engine) as s:
        (row,) = corrections(s)
    assert (row.key, row.label, row.model_label, row.actor) == (
        "x:801", "positive", "negative", "bo",
    )  # fmt: skip
