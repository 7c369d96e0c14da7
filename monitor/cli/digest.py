"""``monitor digest``: build a brand's daily digest, keep it on disk, optionally send it."""

from __future__ import annotations

import shlex
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import (
    AppContext,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    context,
    parse_day,
    print_json,
    say,
)

if TYPE_CHECKING:
    from monitor.pipeline.delivery import ChannelState
# the pipeline (storage, report) is imported in the functions that use it: fast --help

#: ``--status`` without ``--date`` covers this many days back.
STATUS_DAYS = 14


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("digest")(digest)


def _resend_hint(channel: str, brand: str, day: date) -> str:
    return f"monitor digest --resend --channel {channel} --brand {shlex.quote(brand)} --date {day}"


def _state_line(c: ChannelState, hint: str) -> str:
    """One channel's state for people; unconfirmed says what to check and how to resend."""
    from monitor.pipeline.delivery import SENT, UNCONFIRMED

    line = f"  {c.channel}: {c.state}"
    if c.sent_at is not None:
        line += f" at {c.sent_at.isoformat(timespec='seconds')}"
    if c.state == UNCONFIRMED:
        line += f" (cut off mid-send: check {c.channel}, then resend with {hint})"
    elif c.error and c.state != SENT:
        line += f": {c.error}"
    return line


def _states_doc(channels: list[ChannelState]) -> list[dict[str, object]]:
    return [
        {"channel": c.channel, "state": c.state, "attempts": c.attempts, "sent_at": c.sent_at,
         "error": c.error}
        for c in channels
    ]  # fmt: skip


def _show_status(ctx: AppContext, brand: str | None, day: date | None, as_json: bool) -> None:
    from monitor.pipeline.digest import digest_status

    now = ctx.now()
    since = None if day else now.date() - timedelta(days=STATUS_DAYS)
    rows = digest_status(ctx.engine, ctx.settings, now=now, brand=brand, day=day, since=since)
    if as_json:
        docs = [
            {"brand": r.brand, "day": r.day, "html": r.html_path,
             "channels": _states_doc(r.channels)}
            for r in rows
        ]  # fmt: skip
        print_json(docs)
        return
    if not rows:
        say("no digest built or sent in that range")
    for r in rows:
        say(f"{r.brand} {r.day}: {r.html_path or '(no file)'}")
        if not r.channels:
            say("  no delivery channel configured (files only)")
        for c in r.channels:
            hint = _resend_hint(c.channel, r.brand, r.day)
            say(_state_line(c, hint))


def digest(
    config: ConfigOpt = None,
    db: DbOpt = None,
    date: Annotated[
        str | None, typer.Option("--date", help="day reported on (default yesterday, brand time)")
    ] = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="also copy the HTML digest to this file")
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="deliver by the configured channels (once a day)")
    ] = False,
    status: Annotated[
        bool, typer.Option("--status", help="show each channel's delivery state, send nothing")
    ] = False,
    resend: Annotated[
        bool,
        typer.Option("--resend", help="send again even if sent or unconfirmed (see --channel)"),
    ] = False,
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", help="with --resend: only this channel (email, slack)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the daily digest (HTML, text, charts) and, with --send, deliver it."""
    from monitor.pipeline.delivery import UNCONFIRMED, ChannelSetupError
    from monitor.pipeline.digest import require_channels, send_due_digests

    if sum([send, status, resend]) > 1:
        raise UsageError("use only one of --send, --status and --resend")
    if channel and not resend:
        raise UsageError("--channel goes with --resend")
    ctx = context(config, db)
    day = parse_day(date, ctx.now()) if date else None
    if status:
        _show_status(ctx, brand, day, as_json)
        return
    try:
        if send or resend:
            require_channels(ctx.settings)
        outcomes = send_due_digests(
            ctx.engine,
            ctx.settings,
            clock=ctx.now,
            brand=brand,
            day=day,
            deliver=send or resend,
            resend=(channel or list(ctx.settings.config.digest.channels)) if resend else None,
        )
    except ChannelSetupError as exc:
        raise UsageError(str(exc)) from None
    if out is not None:
        if len(outcomes) != 1 or outcomes[0].html_path is None:
            raise typer.BadParameter("--out needs exactly one brand (use --brand)")
        try:
            shutil.copyfile(outcomes[0].html_path, out)
        except OSError as exc:
            raise UsageError(f"cannot write --out {str(out)!r}: {exc.strerror or exc}") from None
    docs = [
        {
            "brand": o.brand,
            "day": o.day,
            "html": str(o.html_path) if o.html_path else None,
            "sent_via": o.sent_via,
            "channels": o.states,
            "errors": o.errors,
            "already_sent": o.already_sent,
        }
        for o in outcomes
    ]
    if as_json:
        print_json(docs)
    else:
        for o in outcomes:
            if o.already_sent:
                state = "already sent earlier"
            elif o.sent_via:
                state = f"sent via {', '.join(o.sent_via)}"
            elif o.states:
                state = "nothing sent"
            else:
                state = "written"
            say(f"{o.brand} {o.day}: {state} -> {o.html_path}")
            for ch, st in o.states.items():
                if st == UNCONFIRMED:
                    hint = _resend_hint(ch, o.brand, o.day)
                    say(f"  {ch}: unconfirmed (cut off mid-send: check {ch}, then {hint})")
            for err in o.errors:
                say(f"  delivery failed: {err}")
    if any(o.errors for o in outcomes):
        # The remote side (SMTP relay, Slack) failed: an environment problem, retried next run.
        raise typer.Exit(3)
