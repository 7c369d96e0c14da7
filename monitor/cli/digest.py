"""``monitor digest``: build a brand's daily digest, keep it on disk, optionally send it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    console,
    context,
    parse_day,
    print_json,
)
from monitor.pipeline.digest import send_due_digests


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("digest")(digest)


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
    as_json: JsonOpt = False,
) -> None:
    """Build the daily digest (HTML, text, charts) and, with --send, deliver it."""
    ctx = context(config, db)
    day = parse_day(date, ctx.now()) if date else None
    outcomes = send_due_digests(
        ctx.engine, ctx.settings, clock=ctx.now, brand=brand, day=day, deliver=send
    )
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
            else:
                state = f"sent via {', '.join(o.sent_via)}" if o.sent_via else "written"
            console.print(f"{o.brand} {o.day}: {state} -> {o.html_path}", markup=False)
            for err in o.errors:
                console.print(f"  delivery failed: {err}", markup=False)
    if any(o.errors for o in outcomes):
        raise typer.Exit(1)
