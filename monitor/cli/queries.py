"""Read-only query commands: mentions (and, as their parts land, unanswered and kpis)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from monitor.cli.common import (
    ConfigOpt,
    DbOpt,
    JsonOpt,
    UsageError,
    context,
    parse_since,
)
from monitor.cli.tables import AUTHOR_CELLS, Column, CsvOpt, WideOpt, render, view
from monitor.posts import SENTIMENT_LABELS
from monitor.report.formatting import age_text

if TYPE_CHECKING:
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
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Recent inbound mentions, newest first (--wide: every column, times in brand time)."""
    if sentiment is not None and sentiment not in SENTIMENT_LABELS:
        raise UsageError(
            f"--sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {sentiment!r}"
        )
    from monitor.pipeline.search import brand_zones
    from monitor.storage.complaints import complaint_flags
    from monitor.storage.db import session_scope
    from monitor.storage.mentions import MentionFilter, matching_mentions, recent_mentions

    chosen = view(wide=wide, as_json=as_json, as_csv=as_csv)
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
    zones, now = brand_zones(ctx.settings), ctx.now()
    shown = [
        MentionRow(m, zones.get(m.brand.casefold(), ZoneInfo("UTC")), now, flags.get(m.id or 0, {}))
        for m in rows
    ]
    count = f"{len(docs)} of {total}" if total > len(docs) else str(len(docs))
    render(MENTION_COLUMNS, shown, chosen, title=f"{count} mentions", documents=docs)


@dataclass(frozen=True, slots=True)
class MentionRow:
    """One mention as the table shows it: times in its brand's zone, age against now."""

    mention: Mention
    zone: ZoneInfo
    now: datetime
    flags: Mapping[str, bool | None]

    @property
    def local(self) -> datetime:
        """When it was posted, in the brand's time zone."""
        return self.mention.created_at.astimezone(self.zone)


def _sentiment(r: MentionRow) -> str:
    m = r.mention
    return f"{m.sentiment} {m.sentiment_confidence or 0:.2f}" if m.sentiment else "-"


MENTION_COLUMNS: list[Column[MentionRow]] = [
    Column("id", lambda r: f"{r.mention.source}:{r.mention.external_id}"),
    Column("age", lambda r: age_text(r.mention.created_at, r.now), right=True),
    Column(
        "time",
        lambda r: r.local.isoformat(timespec="seconds"),
        text=lambda r: r.local.strftime("%Y-%m-%d %H:%M %Z"),
        compact=False,
    ),
    Column("brand", lambda r: r.mention.brand, compact=False),
    Column("author", lambda r: r.mention.author, limit=AUTHOR_CELLS),
    Column("sentiment", lambda r: r.mention.sentiment, text=_sentiment),
    Column("confidence", lambda r: r.mention.sentiment_confidence, compact=False),
    Column("complaint", lambda r: r.flags.get("is_complaint"), compact=False),
    Column("answered", lambda r: r.flags.get("answered"), compact=False),
    Column("link", lambda r: r.mention.url, compact=False),
    Column("text", lambda r: r.mention.text, flex=True),
]
