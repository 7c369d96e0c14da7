"""Complaint themes of a period: cluster, keep ids stable, store per mention, report changes.

The period's complaints and negative mentions are clustered together with those of the
period before it (the baseline), so "growing" compares the same cluster's two counts. Each
cluster continues a stored theme when their centroids are close (its id and label stay),
else it becomes a new theme. Recomputing a period replaces its stored rows (idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.engine import Engine

from monitor.config import BrandConfig, Settings
from monitor.pipeline.facts import Analysis, analyse_days, brand_profile, scoring_params
from monitor.scoring import Alert, day_bounds, kpis_from_view
from monitor.scoring.complaints import Complaint
from monitor.scoring.model import MentionFacts, ScoringParams, require_aware
from monitor.storage.db import session_scope
from monitor.storage.locks import database_lock
from monitor.storage.themes import (
    add_theme,
    known_themes,
    period_computed_at,
    replace_period,
    touch_theme,
)
from monitor.themes.report import (
    EXAMPLES,
    NEW,
    Example,
    ThemeLine,
    ThemeReport,
    change_of,
)

if TYPE_CHECKING:  # torch and transformers load only when themes are computed
    from monitor.themes.discover import ClusterParams, Encoder
    from monitor.themes.evaluate import EvalReport

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

#: The lock that lets one run match and store themes at a time.
THEMES_LOCK = "themes"
#: Stored themes older than this (last seen) are not matched again: a theme that comes back
#: after a month is reported as new.
MATCH_LOOKBACK = timedelta(days=30)


def get_encoder(settings: Settings) -> Encoder:
    """The configured sentence encoder, loaded once per process (the loader caches it)."""
    from monitor.themes.encoders import default_encoder_path, load_encoder

    t = settings.config.themes
    return load_encoder(
        t.model or default_encoder_path(),
        batch_size=t.batch_size,
        max_length=t.max_length,
        threads=t.threads,
        quantize=t.quantize,
    )


def cluster_params(settings: Settings) -> ClusterParams:
    """The configured clustering parameters."""
    from monitor.themes.discover import ClusterParams

    t = settings.config.themes
    return ClusterParams(
        distance_threshold=t.distance_threshold,
        min_size=t.min_size,
        outlier_distance=t.outlier_distance,
    )


def compute_themes(
    engine: Engine,
    settings: Settings,
    *,
    brand: str,
    end_day: date,
    days: int,
    baseline_days: int | None = None,
    clock: Clock,
    encoder: Encoder | None = None,
) -> ThemeReport:
    """Theme ``brand``'s complaints and negative mentions of the ``days`` local days ending
    ``end_day``, store each one's theme for that period, and report them largest first.

    The baseline is the ``baseline_days`` (default ``days``) before the period.
    """
    from monitor.themes.discover import discover
    from monitor.themes.match import match_themes

    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    baseline = days if baseline_days is None else baseline_days
    config = settings.brand(brand)
    now = require_aware(clock(), "clock()")
    profile = brand_profile(settings, config)
    params = scoring_params(settings)
    first = end_day - timedelta(days=days - 1)
    base_first = first - timedelta(days=baseline)
    start, end = day_bounds(first, end_day, config.zone)
    with session_scope(engine) as session:
        analysis = analyse_days(session, profile, params, base_first, end_day, now)
    complaints = {c.key: c for c in analysis.complaints}
    texts = sorted(
        (
            m
            for m in analysis.view.inbound()
            if analysis.start <= m.created_at < analysis.end
            and (m.label == "negative" or m.key in complaints)
            and m.text.strip()
        ),
        key=lambda m: (m.created_at, m.key),
    )
    current = [i for i, m in enumerate(texts) if start <= m.created_at < end]
    found = None
    if current:
        found = discover(
            [m.text for m in texts],
            encoder or get_encoder(settings),
            cluster_params(settings),
            ignore=[profile.name, *profile.competitors, *_handles(settings, config.name)],
        )
    # one writer at a time: two runs at once would both create a theme for a new cluster
    with database_lock(engine, THEMES_LOCK, wait=True), session_scope(engine) as session:
        ids: dict[int, int] = {}
        if found is not None:
            known = known_themes(session, config.name, end_day - MATCH_LOOKBACK)
            labels = {k.id: k.label for k in known}
            centroids = {k.id: _array(k.centroid) for k in known}
            matched = match_themes(
                found.centroids, centroids, min_similarity=settings.config.themes.match_similarity
            )
            in_period = {int(found.assignment[i]) for i in current} - {-1}
            for cluster in sorted(in_period):
                centroid = found.centroids[cluster].tolist()
                if cluster in matched:
                    ids[cluster] = matched[cluster]
                    touch_theme(session, ids[cluster], centroid, end_day, now)
                else:
                    label = found.labels[cluster]
                    ids[cluster] = add_theme(session, config.name, label, centroid, end_day, now)
                    labels[ids[cluster]] = label
        members = {
            analysis.ids[texts[i].key]: ids.get(int(found.assignment[i])) if found else None
            for i in current
            if texts[i].key in analysis.ids
        }
        replace_period(session, config.name, first, end_day, members, now)
    if found is None:
        return ThemeReport(config.name, first, end_day, baseline, 0, 0)
    lines = []
    for cluster, theme_id in ids.items():
        members_now = [texts[i] for i in current if found.assignment[i] == cluster]
        before = sum(
            1
            for i, m in enumerate(texts)
            if m.created_at < start and found.assignment[i] == cluster
        )
        theirs = [complaints[m.key] for m in members_now if m.key in complaints]
        # the most typical posts: closest to the theme's centroid
        closeness = {
            texts[i].key: float(found.vectors[i] @ found.centroids[cluster])
            for i in current
            if found.assignment[i] == cluster
        }
        members_now.sort(key=lambda m: (-closeness[m.key], m.key))
        lines.append(
            _line(theme_id, labels[theme_id], members_now, before, theirs, analysis, days,
                  baseline, len(current), first, end_day, params)
        )  # fmt: skip
    lines.sort(key=lambda t: (-t.size, t.id))
    other = sum(1 for i in current if found.assignment[i] == -1)
    return ThemeReport(config.name, first, end_day, baseline, len(current), other, lines)


def _handles(settings: Settings, brand: str) -> list[str]:
    """The brand's own accounts on every source (they open most complaints: "@united ...")."""
    out: list[str] = []
    for targets in settings.targets.values():
        for target in targets:
            if target.brand == brand:
                out.extend(target.accounts)
    return out


def _array(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _line(
    theme_id: int,
    label: str,
    members: list[MentionFacts],
    previous: int,
    complaints: list[Complaint],
    analysis: Analysis,
    days: int,
    baseline: int,
    total: int,
    first: date,
    end_day: date,
    params: ScoringParams,
) -> ThemeLine:
    """One theme's figures; response rate and FRT are the KPIs over its complaints."""
    # The catalogue's own definitions, over this theme's complaints only.
    row = kpis_from_view(analysis.view, complaints, params, first, end_day)[0]
    return ThemeLine(
        id=theme_id,
        label=label,
        size=len(members),
        share=len(members) / total,
        previous=previous,
        change=change_of(len(members), previous, days, baseline),
        complaints=len(complaints),
        response_rate=row.response_rate,
        frt_median_min=row.frt_median_min,
        examples=_examples(members),
    )


def _examples(members: list[MentionFacts]) -> tuple[Example, ...]:
    """The first distinct posts of ``members`` (given most typical first)."""
    out: list[Example] = []
    seen: set[str] = set()
    for m in members:
        text = " ".join(m.text.split()).lower()
        if text in seen:
            continue
        seen.add(text)
        out.append(Example(m.source, m.author, m.text, m.url, m.created_at))
        if len(out) == EXAMPLES:
            break
    return tuple(out)


def themes_overview(
    engine: Engine, settings: Settings, *, brand: str | None, days: int, clock: Clock
) -> list[ThemeReport]:
    """Each brand's (or one brand's) themes over its last ``days`` local days, up to now."""
    from monitor.scoring import local_day

    now = require_aware(clock(), "clock()")
    brands = [settings.brand(brand)] if brand else list(settings.config.brands)
    encoder = get_encoder(settings)
    return [
        compute_themes(
            engine,
            settings,
            brand=b.name,
            end_day=local_day(now, b.zone),
            days=days,
            clock=clock,
            encoder=encoder,
        )
        for b in brands
    ]


def evaluate_themes(settings: Settings, path: Path) -> EvalReport:
    """``monitor themes eval``: the configured encoder and clustering on a labeled file."""
    from monitor.themes.evaluate import evaluate_file

    return evaluate_file(path, get_encoder(settings), cluster_params(settings))


#: Days before the digest day (or today, for the alert) that a theme's change is measured on.
BASELINE_DAYS = 7


def digest_themes(
    engine: Engine, settings: Settings, *, brand: str, day: date, clock: Clock
) -> list[ThemeLine]:
    """The themes of one local day against the 7 days before (the digest's section).

    Empty when themes are turned off; when the encoder cannot load, the digest still goes
    out without the section and the reason is logged.
    """
    if not settings.config.themes.enabled:
        return []
    try:
        report = compute_themes(
            engine, settings, brand=brand, end_day=day, days=1, baseline_days=BASELINE_DAYS,
            clock=clock,
        )  # fmt: skip
    except OSError as err:
        log.warning("themes left out of %s's digest: %s", brand, err)
        return []
    return report.themes


#: The alert kind of a theme that appeared today.
NEW_THEME = "new_theme"


def new_theme_alerts(
    engine: Engine, settings: Settings, brand: BrandConfig, now: datetime
) -> list[Alert]:
    """A "new theme" alert for each theme of today (brand-local, so far) with at least
    ``themes.new_theme_min_complaints`` complaints and no mention in the 7 days before.

    The key holds the theme id, so each theme fires once, however often this runs. Today's
    themes are recomputed at most every ``themes.alert_every_minutes`` (embedding and
    clustering a day and its baseline is the costliest check): nothing is due in between.
    """
    if not settings.config.themes.enabled:
        return []
    from monitor.scoring import local_day

    today = local_day(now, brand.zone)
    with session_scope(engine) as session:
        last = period_computed_at(session, brand.name, today, today)
    if last is not None and now - last < timedelta(
        minutes=settings.config.themes.alert_every_minutes
    ):
        return []
    try:
        report = compute_themes(
            engine, settings, brand=brand.name, end_day=today, days=1,
            baseline_days=BASELINE_DAYS, clock=lambda: now,
        )  # fmt: skip
    except OSError as err:  # the other alerts still go out
        log.warning("no new-theme alerts for %s: %s", brand.name, err)
        return []
    least = settings.config.themes.new_theme_min_complaints
    return [
        Alert(
            alert_key=f"{NEW_THEME}:{brand.name}:{t.id}",
            kind=NEW_THEME,
            brand=brand.name,
            at=now,
            message=(
                f'new complaint theme #{t.id} "{t.label}": {t.complaints} complaints today '
                f"({t.size} negative mentions in all), none in the {BASELINE_DAYS} days before"
            ),
            url=t.examples[0].url if t.examples else None,
            count=t.complaints,
        )
        for t in report.themes
        if t.change == NEW and t.complaints >= least
    ]
