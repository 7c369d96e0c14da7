"""Read-only query commands: mentions (and, as their parts land, unanswered and kpis)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    console,
    context,
    data_text,
    parse_since,
    print_json,
)
from monitor.posts import SENTIMENT_LABELS
from monitor.storage.complaints import complaint_flags
from monitor.storage.db import session_scope
from monitor.storage.mentions import MentionFilter, matching_mentions, recent_mentions
from monitor.storage.models import Mention


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("mentions")(mentions)


def mention_json(
    m: Mention, *, is_complaint: bool | None = None, answered: bool | None = None
) -> dict[str, object]:
    """The JSON shape of one mention in ``monitor mentions --json``."""
    return {
        "source": m.source,
        "external_id": m.external_id,
        "brand": m.brand,
        "author": m.author,
        "text": m.text,
        "created_at": m.created_at,
        "url": m.url,
        "sentiment": m.sentiment,
        "confidence": m.sentiment_confidence,
        "is_complaint": is_complaint,
        "answered": answered,
    }


def mentions(
    config: ConfigOpt = None,
    db: DbOpt = None,
    sentiment: Annotated[str | None, typer.Option(help="negative, neutral or positive")] = None,
    since: Annotated[str, typer.Option(help="how far back: 24h, 7d, or an ISO time")] = "24h",
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b")] = None,
    search: Annotated[str | None, typer.Option(help="text or author contains this")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Recent inbound mentions, newest first."""
    if sentiment is not None and sentiment not in SENTIMENT_LABELS:
        raise UsageError(
            f"--sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {sentiment!r}"
        )
    ctx = context(config, db)
    brands = [ctx.settings.view(brand).name] if brand else None
    flt = MentionFilter(
        brands=brands,
        since=parse_since(since, ctx.now()),
        sentiment=sentiment,
        source=source,
        search=search,
        limit=limit,
    )
    with session_scope(ctx.engine) as session:
        rows = recent_mentions(session, flt)
        total = matching_mentions(session, flt) if len(rows) == limit else len(rows)
        flags = complaint_flags(session, [m.id for m in rows if m.id is not None])
    docs = [mention_json(m, **flags.get(m.id or 0, {})) for m in rows]
    if as_json:
        print_json(docs)
        return
    shown = f"{len(docs)} of {total}" if total > len(docs) else str(len(docs))
    table = Table(title=f"{shown} mentions")
    for col in ("time (UTC)", "source", "brand", "author", "sentiment", "text"):
        table.add_column(col, overflow="fold")
    for m in rows:
        table.add_row(
            m.created_at.strftime("%Y-%m-%d %H:%M"),
            data_text(m.source),
            data_text(m.brand),
            data_text(m.author),
            f"{m.sentiment or '-'} {m.sentiment_confidence or 0:.2f}" if m.sentiment else "-",
            data_text(m.text[:200]),  # post text is data: never markup, controls shown escaped
        )
    console.print(table)
