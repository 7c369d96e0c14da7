"""Stored themes: each brand's themes (stable ids, labels, centroids) and per-period members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from monitor.storage.models import Theme, ThemeMention


@dataclass(frozen=True, slots=True)
class KnownTheme:
    """A stored theme as matching needs it."""

    id: int
    label: str
    centroid: list[float]
    first_day: date
    last_day: date


def known_themes(session: Session, brand: str, since_day: date) -> list[KnownTheme]:
    """The brand's themes seen in a period ending on or after ``since_day``, by id."""
    stmt = (
        select(Theme)
        .where(col(Theme.brand) == brand, col(Theme.last_day) >= since_day)
        .order_by(col(Theme.id))
    )
    return [
        KnownTheme(t.id, t.label, list(t.centroid), t.first_day, t.last_day)
        for t in session.execute(stmt).scalars()
        if t.id is not None
    ]


def add_theme(
    session: Session, brand: str, label: str, centroid: Sequence[float], day: date, now: datetime
) -> int:
    """Store a new theme first seen in the period ending ``day``; return its id."""
    theme = Theme(
        brand=brand,
        label=label,
        centroid=[float(v) for v in centroid],
        first_day=day,
        last_day=day,
        created_at=now,
        updated_at=now,
    )
    session.add(theme)
    session.flush()
    assert theme.id is not None
    return theme.id


def touch_theme(
    session: Session, theme_id: int, centroid: Sequence[float], day: date, now: datetime
) -> None:
    """Record that ``theme_id`` was seen in the period ending ``day`` (label unchanged).

    The centroid follows the newest period only, so recomputing an older period does not
    pull a theme back to where it was.
    """
    theme = session.get(Theme, theme_id)
    if theme is None:
        return
    if day >= theme.last_day:
        theme.centroid = [float(v) for v in centroid]
        theme.last_day = day
    theme.first_day = min(theme.first_day, day)
    theme.updated_at = now
    session.add(theme)


def replace_period(
    session: Session,
    brand: str,
    start_day: date,
    end_day: date,
    members: Mapping[int, int | None],
    now: datetime,
) -> None:
    """Store ``{mention_id: theme_id or None}`` as the period's themes, replacing earlier rows."""
    session.execute(
        delete(ThemeMention).where(
            col(ThemeMention.brand) == brand,
            col(ThemeMention.start_day) == start_day,
            col(ThemeMention.end_day) == end_day,
        )
    )
    session.add_all(
        ThemeMention(
            mention_id=mention_id,
            start_day=start_day,
            end_day=end_day,
            brand=brand,
            theme_id=theme_id,
            computed_at=now,
        )
        for mention_id, theme_id in sorted(members.items())
    )
    session.flush()


def period_computed_at(
    session: Session, brand: str, start_day: date, end_day: date
) -> datetime | None:
    """When the period's themes were last stored (``None``: never, or no posts then)."""
    stmt = select(func.max(col(ThemeMention.computed_at))).where(
        col(ThemeMention.brand) == brand,
        col(ThemeMention.start_day) == start_day,
        col(ThemeMention.end_day) == end_day,
    )
    found: datetime | None = session.execute(stmt).scalar_one_or_none()
    return found


def period_members(
    session: Session, brand: str, start_day: date, end_day: date
) -> dict[int, int | None]:
    """``{mention_id: theme_id or None}`` stored for the period."""
    stmt = select(col(ThemeMention.mention_id), col(ThemeMention.theme_id)).where(
        col(ThemeMention.brand) == brand,
        col(ThemeMention.start_day) == start_day,
        col(ThemeMention.end_day) == end_day,
    )
    return {int(m): (None if t is None else int(t)) for m, t in session.execute(stmt)}


def theme_labels_by_id(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """``{theme id: label}`` of the given themes."""
    if not ids:
        return {}
    stmt = select(col(Theme.id), col(Theme.label)).where(col(Theme.id).in_(list(ids)))
    return {int(i): str(label) for i, label in session.execute(stmt)}
