"""Queue commands: ``unanswered``, ``resolve``, ``reopen``, ``snooze``, ``assign``, ``note``,
``close``, ``label`` and ``sentiment export-corrections``."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    context,
    parse_duration,
    parse_time,
    say,
)
from monitor.cli.sentiment import sentiment_app
from monitor.cli.tables import AUTHOR_CELLS, Column, CsvOpt, WideOpt, render, view
from monitor.report.formatting import age_text, format_minutes
from monitor.scoring.unanswered import ABANDONED, KINDS, STATES, QueueItem

if TYPE_CHECKING:
    from monitor.pipeline.triage_actions import ActionResult
# the pipeline (storage) is imported in the commands that use it: a fast --help

BrandOpt = Annotated[str | None, typer.Option("--brand", "-b", help="only this brand")]
IdArg = Annotated[
    str,
    typer.Argument(help="SOURCE:EXTERNAL_ID of the item's first post or any post in its thread"),
]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="who does it, for the audit trail (default $USER)")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="a note kept in the audit trail")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (and ``sentiment export-corrections``)."""
    app.command("unanswered")(unanswered)
    app.command("resolve")(resolve_cmd)
    app.command("reopen")(reopen_cmd)
    app.command("snooze")(snooze_cmd)
    app.command("assign")(assign_cmd)
    app.command("note")(note_cmd)
    app.command("close")(close_cmd)
    app.command("label")(label_cmd)
    sentiment_app.command("export-corrections")(export_corrections_cmd)


def _actor(value: str | None) -> str:
    if value is not None:
        if not value.strip():
            raise UsageError("--as needs a name")
        return value.strip()
    return os.environ.get("USER") or getpass.getuser() or "unknown"


def unanswered(
    config: ConfigOpt = None,
    db: DbOpt = None,
    brand: BrandOpt = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help=f"only these kinds ({', '.join(KINDS)})")
    ] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            help=f"only these states ({', '.join(s for s in STATES if s != 'resolved')}; "
            "default new and awaiting_reply)",
        ),
    ] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="only items of NAME")] = None,
    abandoned: Annotated[
        bool, typer.Option("--abandoned", help="the abandoned items instead of the queue")
    ] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="only those past the SLA")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="show at most N")] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The items waiting for our reply (complaints, questions, follow-ups), most urgent first.

    A human-corrected sentiment is marked ``*``; ``--wide`` shows every column.
    """
    from monitor.pipeline.triage import QueueFilter, queue

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
    if abandoned and state:
        raise UsageError("give --abandoned or --state, not both")
    states = (ABANDONED,) if abandoned else tuple(state or ()) or None
    where = QueueFilter(
        brand=brand,
        kinds=tuple(kind or ()),
        assignee=assignee,
        overdue_only=overdue,
        **({"states": states} if states else {}),
    )
    ctx = context(config, db)
    now = ctx.now()
    items = queue(ctx.engine, ctx.settings, clock=lambda: now, where=where)
    shown = items[:limit] if limit else items
    what = "abandoned items" if abandoned else "items waiting for a reply"
    count = f"{len(shown)} of {len(items)}" if len(shown) < len(items) else str(len(items))
    render(
        QUEUE_COLUMNS,
        [(item, now) for item in shown],
        chosen,
        title=f"{count} {what}",
        documents=[i.to_dict() for i in shown],
    )


QueueRow = tuple[QueueItem, datetime]

#: ``unanswered``: compact (id, waiting, author, sentiment, text) or every column.
QUEUE_COLUMNS: list[Column[QueueRow]] = [
    Column("priority", lambda r: round(r[0].priority, 3), text=lambda r: f"{r[0].priority:.2f}",
           compact=False, right=True),
    Column("id", lambda r: r[0].key),
    Column("waiting", lambda r: round(r[0].age_minutes, 1),
           text=lambda r: age_text(r[1] - timedelta(minutes=r[0].age_minutes), r[1]), right=True,
           style=lambda r: "bold red" if r[0].overdue else ""),
    Column("kind", lambda r: r[0].kind, compact=False),
    Column("state", lambda r: r[0].state, compact=False),
    Column("author", lambda r: r[0].author, limit=AUTHOR_CELLS),
    Column("followers", lambda r: r[0].followers, compact=False, right=True),
    Column("assignee", lambda r: r[0].assignee, compact=False),
    Column("sentiment", lambda r: r[0].sentiment,
           text=lambda r: (r[0].sentiment or "-") + ("*" if r[0].sentiment_by == "human" else "")),
    Column("text", lambda r: r[0].text, flex=True),
    Column("overdue", lambda r: r[0].overdue, compact=False),
    Column("waited", lambda r: r[0].age_minutes, text=lambda r: format_minutes(r[0].age_minutes),
           compact=False),
    Column("snoozed_until", lambda r: r[0].snoozed_until, compact=False),
    Column("reason", lambda r: r[0].reason, compact=False),
    Column("brand", lambda r: r[0].brand, compact=False),
    Column("link", lambda r: r[0].url, compact=False),
]  # fmt: skip


def _run(action: Callable[..., ActionResult], *args: Any, **kwargs: Any) -> ActionResult:
    """Run an action; a post in no item is exit 1 with one line."""
    from monitor.pipeline.triage import NotAnItemError

    try:
        return action(*args, **kwargs)
    except NotAnItemError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _report(result: ActionResult) -> None:
    which = "" if result.key == result.named else f" (item {result.key})"
    now = f"now {result.shown.state}" if result.shown is not None else "no longer needs a reply"
    rescored = f"; {result.brand} {result.rescored_day} rescored" if result.rescored_day else ""
    say(f"{result.named}{which}: {result.action} {result.detail}; {now}{rescored}")


def resolve_cmd(
    key: IdArg,
    config: ConfigOpt = None,
    db: DbOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help="when it was resolved (default now)")
    ] = None,
    note: NoteOpt = None,
    actor: AsOpt = None,
) -> None:
    """Mark an item resolved by hand (it leaves the queue; its day is rescored)."""
    from monitor.pipeline.triage_actions import resolve

    ctx = context(config, db)
    when: datetime | None = parse_time(at, ctx.now()) if at else None
    _report(
        _run(resolve, ctx.engine, ctx.settings, key, at=when, note=note, actor=_actor(actor),
             clock=ctx.now)
    )  # fmt: skip


def reopen_cmd(
    key: IdArg, config: ConfigOpt = None, db: DbOpt = None, note: NoteOpt = None,
    actor: AsOpt = None,
) -> None:  # fmt: skip
    """Put a resolved, closed or snoozed item back in the queue."""
    from monitor.pipeline.triage_actions import reopen

    ctx = context(config, db)
    _report(_run(reopen, ctx.engine, ctx.settings, key, actor=_actor(actor), clock=ctx.now,
                 note=note))  # fmt: skip


def snooze_cmd(
    key: IdArg,
    until: Annotated[str, typer.Option("--until", help="a time (ISO 8601) or a duration (4h, 2d)")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    note: NoteOpt = None,
    actor: AsOpt = None,
) -> None:
    """Hide an item from the queue until a time; it comes back by itself."""
    from monitor.pipeline.triage_actions import snooze

    ctx = context(config, db)
    now = ctx.now()
    span = parse_duration(until)
    when = now + span if span is not None else parse_time(until, now)
    _report(_run(snooze, ctx.engine, ctx.settings, key, until=when, actor=_actor(actor),
                 clock=lambda: now, note=note))  # fmt: skip


def assign_cmd(
    key: IdArg,
    to: Annotated[str | None, typer.Option("--to", help="the teammate who takes it")] = None,
    unassign: Annotated[bool, typer.Option("--unassign", help="take the assignee off")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    note: NoteOpt = None,
    actor: AsOpt = None,
) -> None:
    """Give an item to a teammate (or ``--unassign``)."""
    from monitor.pipeline.triage_actions import assign

    if (to is None) == (not unassign):
        raise UsageError("give --to NAME or --unassign")
    ctx = context(config, db)
    _report(_run(assign, ctx.engine, ctx.settings, key, to=None if unassign else to,
                 actor=_actor(actor), clock=ctx.now, note=note))  # fmt: skip


def note_cmd(
    key: IdArg,
    text: Annotated[str, typer.Argument(help="the note")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    actor: AsOpt = None,
) -> None:
    """Keep a note with an item (in its audit trail)."""
    from monitor.pipeline.triage_actions import add_note

    ctx = context(config, db)
    _report(_run(add_note, ctx.engine, ctx.settings, key, text=text, actor=_actor(actor),
                 clock=ctx.now))  # fmt: skip


def close_cmd(
    older_than: Annotated[
        str, typer.Option("--older-than", help="close items waiting longer than this (3d, 36h)")
    ],
    config: ConfigOpt = None,
    db: DbOpt = None,
    brand: BrandOpt = None,
    kind: Annotated[str | None, typer.Option("--kind", help="only this kind")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="close them (default: only count)")] = False,
    actor: AsOpt = None,
) -> None:
    """Close stale items in bulk (they move to the abandoned list); a dry run without --yes."""
    from monitor.pipeline.triage_actions import close_older

    span = parse_duration(older_than)
    if span is None:
        raise UsageError(f"--older-than {older_than!r}: give a duration such as 36h or 7d")
    ctx = context(config, db)
    stale = close_older(ctx.engine, ctx.settings, older_than=span, brand=brand, kind=kind,
                        apply=yes, actor=_actor(actor), clock=ctx.now)  # fmt: skip
    if yes:
        say(f"closed {len(stale)} items waiting longer than {older_than}")
    else:
        say(f"{len(stale)} items wait longer than {older_than}; add --yes to close them")


def label_cmd(
    key: Annotated[str, typer.Argument(help="the post, SOURCE:EXTERNAL_ID")],
    sentiment: Annotated[str, typer.Option("--sentiment", help="negative, neutral or positive")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    actor: AsOpt = None,
) -> None:
    """Correct a post's sentiment by hand: it wins over the model's in KPIs and the queue."""
    from monitor.pipeline.triage_actions import label

    ctx = context(config, db)
    result = label(ctx.engine, ctx.settings, key, sentiment=sentiment.strip().lower(),
                   actor=_actor(actor), clock=ctx.now)  # fmt: skip
    rescored = f"; {result.rescored_day} rescored" if result.rescored_day else ""
    say(f"{result.key} labeled {result.label} (model: {result.model_label or 'none'}){rescored}")


def export_corrections_cmd(
    file: Annotated[Path, typer.Argument(help="the TSV to write: id<TAB>label<TAB>text a line")],
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Write every human label correction as a TSV that `sentiment eval` reads."""
    from monitor.pipeline.triage_actions import export_corrections

    ctx = context(config, db)
    count = export_corrections(ctx.engine, file)
    say(f"{count} corrections written to {file}")
