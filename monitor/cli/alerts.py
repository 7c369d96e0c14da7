"""``monitor alerts``: fired alerts with their delivery state per channel, and ``--resend``."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    context,
    parse_since,
    print_json,
    say,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("alerts")(alerts)


def alerts(
    config: ConfigOpt = None,
    db: DbOpt = None,
    since: Annotated[
        str, typer.Option("--since", help="fired since: 24h, 7d, or an ISO 8601 time")
    ] = "24h",
    resend: Annotated[
        int | None,
        typer.Option("--resend", help="send this alert id again (even if sent or unconfirmed)"),
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", help="with --resend: only this channel (email, slack)"),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="first fire the alerts due now and deliver them (as the daemon)"
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List alerts fired since --since with their delivery state on each channel."""
    from monitor.pipeline.alerts import alert_deliveries, check_and_send_alerts, resend_alert
    from monitor.pipeline.delivery import SENT, UNCONFIRMED, ChannelSetupError

    if channel and resend is None:
        raise UsageError("--channel goes with --resend")
    ctx = context(config, db)
    if check:
        fired = check_and_send_alerts(ctx.engine, ctx.settings, clock=ctx.now)
        if not as_json:
            where = (
                ""
                if ctx.settings.config.alerts.channels or not fired
                else (" (no alert channel configured: written to the log only)")
            )
            say(f"alerts: {len(fired)} fired{where}")
    if resend is not None:
        try:
            outcomes = resend_alert(
                ctx.engine, ctx.settings, resend, clock=ctx.now, channels=channel or None
            )
        except ChannelSetupError as exc:
            raise UsageError(str(exc)) from None
        for o in outcomes:
            detail = f": {o.error}" if o.error else ""
            say(f"alert {resend} {o.channel}: {o.state}{detail}")
        if any(o.state != SENT for o in outcomes):
            raise typer.Exit(3)
        return
    now = ctx.now()
    items = alert_deliveries(ctx.engine, ctx.settings, since=parse_since(since, now), now=now)
    if as_json:
        print_json(
            [
                {
                    "id": i.alert.id,
                    "kind": i.alert.kind,
                    "brand": i.alert.brand,
                    "fired_at": i.alert.fired_at,
                    "message": i.alert.message,
                    "channels": [
                        {"channel": c.channel, "state": c.state, "attempts": c.attempts,
                         "sent_at": c.sent_at, "error": c.error}
                        for c in i.channels
                    ] or None,
                    "log_only": not i.channels,
                }
                for i in items
            ]
        )  # fmt: skip
        return
    if not items:
        say("no alerts fired in that range")
    for i in items:
        when = i.alert.fired_at.isoformat(timespec="seconds")
        say(f"#{i.alert.id} {when} {i.alert.kind} {i.alert.brand}: {i.alert.message}")
        if not i.channels:
            say("  log only (no alert channel configured)")
        for c in i.channels:
            line = f"  {c.channel}: {c.state}"
            if c.state == UNCONFIRMED:
                line += (
                    f" (cut off mid-send: check {c.channel}, then "
                    f"monitor alerts --resend {i.alert.id} --channel {c.channel})"
                )
            elif c.error and c.state != SENT:
                line += f": {c.error}"
            say(line)
