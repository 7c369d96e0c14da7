"""From config and storage to the scorer's plain inputs: profiles, parameters, mention facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from monitor.config import BrandConfig, Settings
from monitor.scoring import (
    BrandProfile,
    BrandView,
    Complaint,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    Target,
    analyze_view_items,
    day_bounds,
    parse_targets,
)
from monitor.storage.threads import (
    FactRow,
    negative_rows,
    resolutions_of,
    rows_by_ids,
    rows_in_window,
    thread_closure,
)

#: The most local days loaded and analysed at once (bounds memory when rescoring months).
MAX_DAYS_PER_LOAD = 7

# ScoringParams wants a positive cool-down; config allows 0 ("no cool-down"). The alert key
# carries the hour, so a spike still fires at most once an hour either way.
_NO_COOLDOWN_HOURS = 1e-6


def scoring_params(settings: Settings) -> ScoringParams:
    """The scorer's thresholds from config."""
    cfg = settings.config
    return ScoringParams(
        sla_minutes=cfg.sla_minutes,
        abandon_after_hours=cfg.abandon_after_hours,
        resolve_after_silence_hours=cfg.resolve_after_silence_hours,
        promoter_confidence=cfg.nps.promoter_confidence,
        require_directed=cfg.complaints.require_directed,
        spike_sigma=cfg.alerts.spike_sigma,
        spike_min_count=cfg.alerts.spike_min_count,
        spike_cooldown_hours=cfg.alerts.cooldown_hours or _NO_COOLDOWN_HOURS,
    )


def brand_profile(settings: Settings, brand: BrandConfig) -> BrandProfile:
    """A brand's accounts per source, its own spaces (subreddits, app ids) and competitors."""
    accounts: dict[str, list[str]] = {}
    spaces: dict[str, list[str]] = {}
    for source, targets in settings.targets.items():
        for target in targets:
            if target.brand != brand.name:  # a competitor viewed as a brand keeps its accounts
                continue
            accounts.setdefault(source, []).extend(target.accounts)
            own = list(getattr(target.settings, "own_subreddits", None) or [])
            app_id = getattr(target.settings, "app_id", None)
            if app_id:
                own.append(str(app_id))
            if own:
                spaces.setdefault(source, []).extend(own)
    return BrandProfile(
        name=brand.name,
        timezone=brand.timezone,
        accounts=accounts,
        own_spaces=spaces,
        competitors=tuple(c.name for c in brand.competitors),
    )


def brand_targets(brand: BrandConfig) -> dict[str, Target]:
    """The brand's SMART targets by KPI key."""
    raw = {kpi: spec.model_dump(exclude_none=True) for kpi, spec in brand.targets.items()}
    return parse_targets(raw, where=f"brands[{brand.name}].targets")


@dataclass
class LoadedFacts:
    """Mention facts for one brand's scoring, with their DB ids and manual resolutions."""

    facts: list[MentionFacts] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    resolutions: list[ManualResolution] = field(default_factory=list)


def to_facts(session: Session, profile: BrandProfile, rows: Iterable[FactRow]) -> LoadedFacts:
    """Turn stored rows into facts as ``profile`` sees them, and load their resolutions.

    Posts collected for a brand that is neither ``profile`` nor one of its competitors are
    passed as thread context (``brand=None``); their brand-post flag belongs to that other
    brand, so it is dropped (the profile's own handles are still recognised). The other
    brands a post counts for (``FactRow.brands``) are its ``also``: counted, never owned.
    """
    own = {profile.name, *profile.competitors}
    loaded = LoadedFacts()
    for row in rows:
        brand = row.brand if row.brand in own else None
        thread_id = row.thread_id
        # storage fills a missing thread id with the post's own id; for a reply that cannot
        # be the thread, so the scorer derives it through in_reply_to instead
        if thread_id == row.external_id and row.in_reply_to is not None:
            thread_id = None
        loaded.facts.append(
            MentionFacts(
                source=row.source,
                external_id=row.external_id,
                brand=brand,
                author=row.author,
                created_at=row.created_at,
                text=row.text,
                url=row.url,
                author_followers=row.author_followers,
                in_reply_to=row.in_reply_to,
                thread_id=thread_id,
                subreddit=row.subreddit,
                rating=row.rating,
                is_brand_post=row.is_brand_post and brand is not None,
                label=row.label,
                confidence=row.confidence,
                negative_score=row.negative_score,
                skipped_reason=row.skipped_reason,
                label_by=row.label_by,
                also=frozenset(b for b in row.brands if b != row.brand and b in own),
            )
        )
        loaded.ids[f"{row.source}:{row.external_id}"] = row.id
    loaded.resolutions = [
        ManualResolution(r.key, r.resolved_at, r.note)
        for r in resolutions_of(session, list(loaded.ids.values()))
    ]
    return loaded


def load_window(
    session: Session, profile: BrandProfile, start: datetime, end: datetime
) -> LoadedFacts:
    """Mentions counting for the brand or its competitors in ``[start, end)``, with the
    threads of the brand's own (those collected for it: they may hold its complaints).

    Competitor mentions, and posts collected for another brand that name this one, only
    count as volume, so their threads are not followed.
    """
    rows = rows_in_window(session, [profile.name, *profile.competitors], start, end)
    own = [r for r in rows if r.brand == profile.name]
    # a window row knows which brands it counts for; the same post read again by id does not
    found = {r.id: r for r in thread_closure(session, own)}
    found.update({r.id: r for r in rows})
    return to_facts(session, profile, found.values())


def load_threads_of(
    session: Session, profile: BrandProfile, mention_ids: Iterable[int]
) -> LoadedFacts:
    """The given mentions and every post of their threads (the unanswered queue's input)."""
    return to_facts(
        session, profile, thread_closure(session, rows_by_ids(session, list(mention_ids)))
    )


def load_negatives(
    session: Session, profile: BrandProfile, start: datetime, end: datetime
) -> list[MentionFacts]:
    """The negative mentions counting for the brand created in ``[start, end]`` (spikes)."""
    rows = negative_rows(session, profile.name, start, end)
    # every row counts for the brand (a post naming it among others too); only the brand
    # it was collected for can have written it
    return [
        MentionFacts(
            source=r.source,
            external_id=r.external_id,
            brand=profile.name,
            author=r.author,
            created_at=r.created_at,
            is_brand_post=r.is_brand_post and r.brand == profile.name,
            label=r.label,
        )
        for r in rows
    ]


def day_runs(days: Iterable[date], max_len: int = MAX_DAYS_PER_LOAD) -> list[list[date]]:
    """Sorted runs of consecutive days, each at most ``max_len`` long (one load each)."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][-1] == timedelta(days=1) and len(runs[-1]) < max_len:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


@dataclass
class Analysis:
    """One brand's view of a run of local days, its items and the DB ids of the posts.

    ``complaints`` holds every needs-reply item (questions too): filter on ``is_complaint``.
    """

    view: BrandView
    complaints: list[Complaint]
    ids: dict[str, int]
    start: datetime
    end: datetime
    resolutions: list[ManualResolution] = field(default_factory=list)


def analyse_days(
    session: Session,
    profile: BrandProfile,
    params: ScoringParams,
    first: date,
    last: date,
    now: datetime,
) -> Analysis:
    """Load the local days ``first``..``last`` with their threads and analyse them at ``now``."""
    start, end = day_bounds(first, last, profile.zone)
    loaded = load_window(session, profile, start, end)
    return analyse_loaded(loaded, profile, params, now, start, end)


def analyse_threads(
    session: Session,
    profile: BrandProfile,
    params: ScoringParams,
    mention_ids: Iterable[int],
    now: datetime,
) -> Analysis:
    """Load the threads of ``mention_ids`` whole and analyse their items at ``now``.

    The incremental path (a page just stored): ``start == end == now``, an empty window,
    so storing the result replaces no other item.
    """
    loaded = load_threads_of(session, profile, mention_ids)
    return analyse_loaded(loaded, profile, params, now, now, now)


def analyse_loaded(
    loaded: LoadedFacts,
    profile: BrandProfile,
    params: ScoringParams,
    now: datetime,
    start: datetime,
    end: datetime,
) -> Analysis:
    """Every needs-reply item of the loaded posts at ``now`` (scoring and the queue share it)."""
    view = BrandView.build(loaded.facts, profile, now)
    items = analyze_view_items(view, params, loaded.resolutions)
    return Analysis(view, items, loaded.ids, start, end, loaded.resolutions)
