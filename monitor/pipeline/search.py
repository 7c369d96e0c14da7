"""Mention search for the web (and any other reader): filters, pages with a total, CSV export.

The query is :class:`monitor.storage.mentions.MentionFilter`, the same as ``monitor
mentions``; a date range is the team's local days (a brand's or competitor's time zone).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.errors import UsageError
from monitor.escape import csv_cell
from monitor.posts import SENTIMENT_LABELS
from monitor.report.formatting import age_text
from monitor.scoring import day_bounds
from monitor.storage.complaints import complaint_flags
from monitor.storage.db import session_scope
from monitor.storage.mentions import MentionFilter, matching_mentions, recent_mentions
from monitor.storage.models import Mention

#: Rows per page on screen; the CSV export is capped at :data:`MAX_EXPORT_ROWS`.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_EXPORT_ROWS = 100_000
#: Matches are counted up to this many; past it a page says "more than" (a count of a whole
#: busy year costs most of a second, the page itself a few milliseconds).
COUNT_CAP = 1_000
#: Without a date range a search looks at the last week (the created_at index stays useful).
DEFAULT_DAYS = 7
_EXPORT_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class MentionQuery:
    """What a person searches for; every field optional. Days are local to ``zone_of``."""

    text: str | None = None
    sentiment: str | None = None
    source: str | None = None
    brand: str | None = None
    first: date | None = None
    last: date | None = None
    page: int = 1
    per_page: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class MentionHit:
    """One found mention with its complaint flags and its time in its brand's zone."""

    mention: Mention
    local_time: datetime
    is_complaint: bool | None
    answered: bool | None


@dataclass(frozen=True, slots=True)
class MentionPage:
    """One page of a search: the hits, how many match in all, and the range searched.

    ``total`` is exact below :data:`COUNT_CAP`; at the cap ``more`` is set and ``total``
    is the cap (pages beyond it are still served, the "older" link stays).
    """

    hits: list[MentionHit]
    total: int
    page: int
    per_page: int
    first: date
    last: date
    brands: list[str] = field(default_factory=list)
    more: bool = False

    @property
    def pages(self) -> int:
        """How many pages the matches fill (at least one; at the cap, at least one more)."""
        counted = max(1, -(-self.total // self.per_page))
        return max(counted, self.page + 1) if self.more and self.hits else counted


def brand_zones(settings: Settings) -> dict[str, ZoneInfo]:
    """Each configured brand's and competitor's time zone (a competitor's is its owner's)."""
    zones: dict[str, ZoneInfo] = {}
    for b in settings.config.brands:
        zones[b.name.casefold()] = b.zone
        for c in b.competitors:
            zones.setdefault(c.name.casefold(), b.zone)
    return zones


def searchable_names(settings: Settings) -> list[str]:
    """Every brand and competitor a search may be narrowed to, in config order."""
    names = []
    for b in settings.config.brands:
        names.append(b.name)
        names.extend(c.name for c in b.competitors if c.name not in names)
    return names


def _zone(settings: Settings, brand: str | None) -> ZoneInfo:
    """The time zone days are counted in: the brand's, else the first brand's (the team's)."""
    config = settings.view(brand) if brand else settings.config.brands[0]
    return config.zone


def _filter(
    settings: Settings, query: MentionQuery, now: datetime
) -> tuple[MentionFilter, date, date]:
    """The storage filter of ``query`` and the local days it covers; bad values: UsageError."""
    if query.sentiment and query.sentiment not in SENTIMENT_LABELS:
        raise UsageError(
            f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {query.sentiment!r}"
        )
    if query.page < 1:
        raise UsageError(f"page must be 1 or more, not {query.page}")
    if not 1 <= query.per_page <= MAX_PAGE_SIZE:
        raise UsageError(f"per_page must be between 1 and {MAX_PAGE_SIZE}, not {query.per_page}")
    brands = [settings.view(query.brand).name] if query.brand else None
    zone = _zone(settings, query.brand)
    today = now.astimezone(zone).date()
    last = query.last or today
    first = query.first or (last - timedelta(days=DEFAULT_DAYS - 1))
    if last < first:
        raise UsageError(f"the date range ends ({last}) before it starts ({first})")
    since, until = day_bounds(first, last, zone)
    flt = MentionFilter(
        brands=brands,
        since=since,
        until=until,
        sentiment=query.sentiment or None,
        source=query.source or None,
        search=query.text.strip() if query.text and query.text.strip() else None,
        limit=query.per_page,
        offset=(query.page - 1) * query.per_page,
    )
    return flt, first, last


def _hits(
    rows: list[Mention], flags: Mapping[int, Mapping[str, bool]], zones: Mapping[str, ZoneInfo]
) -> list[MentionHit]:
    out = []
    for m in rows:
        f = flags.get(m.id or 0, {})
        zone = zones.get(m.brand.casefold(), ZoneInfo("UTC"))
        out.append(
            MentionHit(m, m.created_at.astimezone(zone), f.get("is_complaint"), f.get("answered"))
        )
    return out


def search_mentions(
    engine: Engine, settings: Settings, query: MentionQuery, *, now: datetime
) -> MentionPage:
    """One page of inbound mentions matching ``query``, newest first, with the total count."""
    flt, first, last = _filter(settings, query, now)
    with session_scope(engine) as session:
        rows = recent_mentions(session, flt)
        if flt.offset == 0 and len(rows) < flt.limit:
            total = len(rows)  # the whole result is on this page: no count query
        else:
            total = matching_mentions(session, flt, cap=COUNT_CAP)
        flags = complaint_flags(session, [m.id for m in rows if m.id is not None])
    return MentionPage(
        hits=_hits(rows, flags, brand_zones(settings)),
        total=total,
        page=query.page,
        per_page=query.per_page,
        first=first,
        last=last,
        brands=searchable_names(settings),
        more=total >= COUNT_CAP,
    )


#: The columns of ``monitor mentions --csv`` (cli/queries.py), in its order.
CSV_COLUMNS = (
    "id", "age", "time", "brand", "author", "sentiment", "confidence",
    "complaint", "answered", "link", "text",
)  # fmt: skip


def _cell(value: object) -> object:
    """A CSV cell as the CLI writes it: UTC ``Z`` times, post text through ``csv_cell``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        return csv_cell(value)  # data: one line, never a spreadsheet formula
    return value


def _csv_row(hit: MentionHit, now: datetime) -> list[object]:
    m = hit.mention
    values: list[object] = [
        f"{m.source}:{m.external_id}",
        age_text(m.created_at, now),
        hit.local_time.isoformat(timespec="seconds"),
        m.brand,
        m.author,
        m.sentiment,
        m.sentiment_confidence,
        hit.is_complaint,
        hit.answered,
        m.url,
        m.text,
    ]
    return [_cell(v) for v in values]


def export_csv(
    engine: Engine, settings: Settings, query: MentionQuery, *, now: datetime
) -> Iterator[str]:
    """Every match of ``query`` (its page ignored) as CSV text, a header line first.

    Yields pieces in chunks of rows so a large export streams; capped at MAX_EXPORT_ROWS.
    """
    flt, _, _ = _filter(settings, replace(query, page=1, per_page=PAGE_SIZE), now)
    zones = brand_zones(settings)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    offset = 0
    while offset < MAX_EXPORT_ROWS:
        chunk = replace(flt, limit=min(_EXPORT_CHUNK, MAX_EXPORT_ROWS - offset), offset=offset)
        with session_scope(engine) as session:
            rows = recent_mentions(session, chunk)
            flags = complaint_flags(session, [m.id for m in rows if m.id is not None])
        for hit in _hits(rows, flags, zones):
            writer.writerow(_csv_row(hit, now))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < chunk.limit:
            return
        offset += len(rows)
