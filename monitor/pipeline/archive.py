"""The archive of built digests: the list, and each digest's stored HTML and charts as mailed.

The HTML is the file written when the digest went out (``monitor.report.files``), the same
template as the mail with its charts as files next to it instead of ``cid:`` parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.pipeline.digest import DigestStatus, digest_status
from monitor.report.charts import CHART_TITLES
from monitor.storage.db import session_scope
from monitor.storage.digests import digest_run


class DigestNotFound(LookupError):
    """No stored digest (or no such chart of it) for that brand and day."""


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """One digest's HTML file and the chart files it refers to, by file name."""

    brand: str
    day: date
    html: Path
    images: dict[str, Path]


def digest_archive(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime,
    brand: str | None = None,
    since: date | None = None,
) -> list[DigestStatus]:
    """Built and delivered digests, newest day first, each with every channel's state."""
    name = settings.view(brand).name if brand else None
    return list(reversed(digest_status(engine, settings, now=now, brand=name, since=since)))


def stored_digest(engine: Engine, *, brand: str, day: date) -> StoredDigest:
    """The stored HTML of ``brand``'s digest of ``day``; :class:`DigestNotFound` when gone."""
    with session_scope(engine) as session:
        run = digest_run(session, brand, day)
    if run is None or not run.html_path:
        raise DigestNotFound(f"no digest of {brand} for {day} was built")
    html = Path(run.html_path)
    if not html.is_file():
        raise DigestNotFound(f"the digest file of {brand} for {day} is gone: {html}")
    stem = html.name.removesuffix(".html")
    # only the charts the writer names <stem>-<chart>.png: no other file is ever served
    images = {f"{stem}-{name}.png": html.with_name(f"{stem}-{name}.png") for name in CHART_TITLES}
    return StoredDigest(brand, day, html, {k: p for k, p in images.items() if p.is_file()})


def digest_html(engine: Engine, *, brand: str, day: date) -> bytes:
    """The digest's HTML exactly as stored."""
    return stored_digest(engine, brand=brand, day=day).html.read_bytes()


def digest_image(engine: Engine, *, brand: str, day: date, name: str) -> bytes:
    """One chart of the digest by the file name its HTML uses; DigestNotFound otherwise."""
    path = stored_digest(engine, brand=brand, day=day).images.get(name)
    if path is None:
        raise DigestNotFound(f"the digest of {brand} for {day} has no chart {name!r}")
    return path.read_bytes()
