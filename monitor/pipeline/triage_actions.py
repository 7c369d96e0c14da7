"""The team's actions on queue items: snooze, assign, note, resolve, reopen, close, label.

Each is recorded in the audit table (who, when, what, note) and shows in the queue at
once: the queue reads the manual state stored here whenever it is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import Settings
from monitor.errors import UsageError
from monitor.escape import tsv_field
from monitor.pipeline.score import score_days
from monitor.pipeline.triage import (
    Located,
    QueueFilter,
    locate,
    parse_key,
    queue,
    stored_post,
)
from monitor.scoring import QueueItem, local_day
from monitor.scoring.model import LABELS, require_aware
from monitor.scoring.unanswered import ABANDONED, AWAITING_REPLY, NEW, SNOOZED
from monitor.storage.db import session_scope
from monitor.storage.scores import save_resolution
from monitor.storage.triage import (
    add_audit,
    corrections,
    delete_resolutions,
    save_correction,
    update_state,
)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the item it acted on and how the queue shows it now."""

    named: str
    key: str
    brand: str
    action: str
    detail: str
    shown: QueueItem | None
    rescored_day: date | None = None


def _now(clock: Clock) -> datetime:
    return require_aware(clock(), "clock()")


#: An action's extra change, made in the same transaction as its state and audit row;
#: it returns True when the item's day must be rescored (KPIs changed).
Change = Callable[[Session, Located], bool]


def _record(
    engine: Engine,
    settings: Settings,
    key: str,
    action: str,
    detail: str,
    *,
    actor: str,
    clock: Clock,
    note: str | None = None,
    now: datetime | None = None,
    change: Change | None = None,
    **state: object,
) -> ActionResult:
    """Locate the item, make the change, store the manual state and the audit row, rescore
    the item's day when the change asks for it, and show the item again."""
    now = _now(clock) if now is None else now
    found = locate(engine, settings, key, now=now)
    rescore = False
    with session_scope(engine) as session:
        if change is not None:
            rescore = change(session, found)
        if state:
            update_state(session, found.mention_id, now, **state)
        add_audit(
            session, found.mention_id, action=action, actor=actor, at=now, detail=detail, note=note
        )
    day = _rescore(engine, settings, found.brand, found.item.created_at, now) if rescore else None
    again = locate(engine, settings, found.key, now=now)
    return ActionResult(key, found.key, found.brand, action, detail, again.shown(settings), day)


def snooze(
    engine: Engine,
    settings: Settings,
    key: str,
    *,
    until: datetime,
    actor: str,
    clock: Clock,
    note: str | None = None,
) -> ActionResult:
    """Hide the item from the queue until ``until`` (it must be in the future)."""
    until = require_aware(until, "snooze until")
    if until <= _now(clock):
        raise UsageError(f"--until {until.isoformat()} is not in the future")
    detail = f"until {until.strftime('%Y-%m-%d %H:%M UTC')}"
    return _record(
        engine, settings, key, "snooze", detail, actor=actor, clock=clock, note=note,
        snoozed_until=until,
    )  # fmt: skip


def assign(
    engine: Engine,
    settings: Settings,
    key: str,
    *,
    to: str | None,
    actor: str,
    clock: Clock,
    note: str | None = None,
) -> ActionResult:
    """Give the item to ``to`` (``None``: unassign)."""
    if to is not None and not to.strip():
        raise UsageError("--to needs a name")
    detail = f"to {to.strip()}" if to else "unassigned"
    return _record(
        engine, settings, key, "assign", detail, actor=actor, clock=clock, note=note,
        assignee=to.strip() if to else None,
    )  # fmt: skip


def add_note(
    engine: Engine, settings: Settings, key: str, *, text: str, actor: str, clock: Clock
) -> ActionResult:
    """Keep a note with the item (in the audit trail)."""
    if not text.strip():
        raise UsageError("the note is empty")
    return _record(engine, settings, key, "note", "note", actor=actor, clock=clock, note=text)


def _rescore(engine: Engine, settings: Settings, brand: str, at: datetime, now: datetime) -> date:
    """Rescore the local day of ``at`` so stored KPIs show the change at once."""
    day = local_day(at, settings.brand(brand).zone)
    score_days(engine, settings, clock=lambda: now, days=[day], brand=brand)
    return day


def resolve(
    engine: Engine,
    settings: Settings,
    key: str,
    *,
    at: datetime | None = None,
    note: str | None = None,
    actor: str,
    clock: Clock,
) -> ActionResult:
    """Mark the item resolved at ``at`` (default now) and rescore its day.

    Raises :class:`~monitor.pipeline.triage.NotAnItemError` for a post in no item.
    """
    now = _now(clock)
    resolved_at = now if at is None else require_aware(at, "resolution time")
    if resolved_at > now:
        raise UsageError(f"resolution time {resolved_at.isoformat()} is in the future")

    def store(session: Session, found: Located) -> bool:
        save_resolution(session, found.mention_id, resolved_at, note, now)
        return True

    detail = f"at {resolved_at.strftime('%Y-%m-%d %H:%M UTC')}"
    return _record(
        engine, settings, key, "resolve", detail, actor=actor, clock=clock, note=note, now=now,
        change=store, reopened_at=None,
    )  # fmt: skip


def reopen(
    engine: Engine,
    settings: Settings,
    key: str,
    *,
    actor: str,
    clock: Clock,
    note: str | None = None,
) -> ActionResult:
    """Put the item back in the queue: undo a manual resolution, a close and a snooze."""
    now = _now(clock)

    def unresolve(session: Session, found: Located) -> bool:
        ids = [found.analysis.ids[k] for k in found.item.member_keys if k in found.analysis.ids]
        return delete_resolutions(session, ids) > 0  # only a manual resolution moves KPIs

    return _record(
        engine, settings, key, "reopen", "reopened", actor=actor, clock=clock, note=note,
        now=now, change=unresolve, reopened_at=now, closed_at=None, snoozed_until=None,
    )  # fmt: skip


def close_items(
    engine: Engine,
    settings: Settings,
    keys: list[str],
    *,
    actor: str,
    clock: Clock,
    note: str | None = None,
) -> list[ActionResult]:
    """Close the named items (bulk close): they leave the queue as abandoned, audited."""
    if not keys:
        raise UsageError("no item chosen to close")
    now = _now(clock)
    return [
        _record(
            engine,
            settings,
            key,
            "close",
            "closed",
            actor=actor,
            clock=clock,
            note=note,
            now=now,
            closed_at=now,
            snoozed_until=None,
            reopened_at=None,
        )
        for key in keys
    ]


def close_older(
    engine: Engine,
    settings: Settings,
    *,
    older_than: timedelta,
    brand: str | None = None,
    kind: str | None = None,
    apply: bool,
    actor: str,
    clock: Clock,
) -> list[QueueItem]:
    """Items waiting longer than ``older_than``; with ``apply``, close them (abandoned).

    Without ``apply`` nothing changes: the caller shows the count (a dry run).
    """
    if older_than <= timedelta(0):
        raise UsageError("--older-than must be positive")
    now = _now(clock)
    where = QueueFilter(
        brand=brand,
        kinds=(kind,) if kind else (),
        states=(NEW, AWAITING_REPLY, SNOOZED, ABANDONED),
    )
    limit = older_than.total_seconds() / 60
    stale = [
        i for i in queue(engine, settings, clock=lambda: now, where=where) if i.age_minutes > limit
    ]
    if not apply:
        return stale
    detail = f"closed: waiting more than {_duration(older_than)}"
    with session_scope(engine) as session:
        for item in stale:
            mention_id, _, _ = stored_post(session, item.key)
            update_state(
                session, mention_id, now, closed_at=now, snoozed_until=None, reopened_at=None
            )
            add_audit(session, mention_id, action="close", actor=actor, at=now, detail=detail)
    return stale


def _duration(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours"


@dataclass(frozen=True)
class LabelResult:
    """A stored human label: the post, the label, the model's, the day rescored."""

    key: str
    label: str
    model_label: str | None
    rescored_day: date | None


def label(
    engine: Engine, settings: Settings, key: str, *, sentiment: str, actor: str, clock: Clock
) -> LabelResult:
    """Store a human sentiment label for any stored post; it wins in KPIs and the queue."""
    if sentiment not in LABELS:
        raise UsageError(f"--sentiment {sentiment!r}: use one of {', '.join(LABELS)}")
    now = _now(clock)
    key = ":".join(parse_key(key))
    with session_scope(engine) as session:
        mention_id, brand, created_at = stored_post(session, key)
        model_label = save_correction(session, mention_id, sentiment, actor=actor, at=now)
        add_audit(
            session, mention_id, action="label", actor=actor, at=now,
            detail=f"{sentiment} (model: {model_label or 'none'})",
        )  # fmt: skip
    day = None
    if brand in {b.name for b in settings.config.brands}:
        day = _rescore(engine, settings, brand, created_at, now)
    return LabelResult(key, sentiment, model_label, day)


def export_corrections(engine: Engine, path: Path) -> int:
    """Write every human label as ``id<TAB>label<TAB>text`` lines (``sentiment eval`` reads it)."""
    with session_scope(engine) as session:
        rows = corrections(session)
    lines = [f"{tsv_field(r.key)}\t{r.label}\t{tsv_field(r.text)}\n" for r in rows]
    path.write_text("".join(lines), encoding="utf-8")  # a refusal is the environment's: exit 3
    return len(rows)
