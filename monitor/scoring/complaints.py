"""Needs-reply items (complaints, questions, unknown-language posts): follow-ups, brand-reply
matching and resolution, one thread at a time."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.scoring.model import (
    BrandProfile,
    ManualResolution,
    MentionFacts,
    ScoringParams,
    normalize_handle,
)
from monitor.scoring.reasons import (
    KIND_COMPLAINT,
    KIND_QUESTION,
    complaint_reason,
    item_reason,
    negative_score,
)
from monitor.scoring.threads import BrandView

#: How a complaint got resolved.
RESOLVED_MANUAL = "manual"
RESOLVED_BY_AUTHOR = "author"
RESOLVED_BY_SILENCE = "silence"
#: A question or unknown-language item whose author then complained: the complaint takes over.
RESOLVED_SUPERSEDED = "superseded"

# at one instant: customer posts first (a reply never precedes its complaint), then brand
# posts, then manual marks
_CUSTOMER, _BRAND, _MANUAL = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Complaint:
    """One needs-reply item (a complaint unless ``kind`` says otherwise) as of ``now``.

    ``waiting_since``: when the customer started waiting for us (the first post, or their
    first post after our latest reply); ``None`` while the ball is in their court.
    ``last_reply_at``: our latest reply to the author before resolution.

    ``followups``: keys of the author's later posts in the thread folded into it (while
    unresolved). ``brand_replies``: brand replies matched to it so far;
    ``replies_before_resolution``: those created before it was resolved (for FCR).
    ``author_posts``: the author's posts in the thread from the complaint up to resolution
    (complaint included, resolving post not) — the effort proxy. ``negative_score``: the
    classifier's probability of negative (its confidence when only that is known, else 0).
    """

    key: str
    source: str
    brand: str
    author: str
    created_at: datetime
    thread: str
    reason: str
    text: str
    url: str | None
    author_followers: int | None
    negative_score: float
    followups: tuple[str, ...] = ()
    first_response_at: datetime | None = None
    first_response_key: str | None = None
    brand_replies: int = 0
    replies_before_resolution: int = 0
    resolved_at: datetime | None = None
    resolution: str | None = None
    resolution_key: str | None = None
    resolution_note: str | None = None
    author_posts: int = 1
    kind: str = KIND_COMPLAINT
    waiting_since: datetime | None = None
    last_reply_at: datetime | None = None
    sentiment: str | None = None
    sentiment_by: str = "model"

    @property
    def is_complaint(self) -> bool:
        """A complaint as docs/kpis.md defines it (the complaint KPIs count only these)."""
        return self.kind == KIND_COMPLAINT

    @property
    def awaiting_reply(self) -> bool:
        """Unresolved, answered, and the customer wrote again since our latest reply."""
        return not self.resolved and self.answered and self.waiting_since is not None

    @property
    def answered(self) -> bool:
        """A brand account has replied to it (directly or to its author in the thread)."""
        return self.first_response_at is not None

    @property
    def resolved(self) -> bool:
        """Resolved by a manual mark, the author's non-negative follow-up, or silence."""
        return self.resolved_at is not None

    @property
    def frt_minutes(self) -> float | None:
        """First response time in minutes, ``None`` while unanswered."""
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds() / 60

    @property
    def resolution_minutes(self) -> float | None:
        """Minutes from the complaint to its resolution, ``None`` while unresolved."""
        if self.resolved_at is None:
            return None
        return (self.resolved_at - self.created_at).total_seconds() / 60

    @property
    def member_keys(self) -> tuple[str, ...]:
        """The complaint's own key and its follow-ups' (what ``monitor resolve`` accepts)."""
        return (self.key, *self.followups)

    def age_minutes(self, now: datetime) -> float:
        """Minutes since the complaint was posted."""
        return (now - self.created_at).total_seconds() / 60

    def overdue(self, now: datetime, params: ScoringParams) -> bool:
        """Unanswered and older than the SLA at ``now``."""
        return not self.answered and self.age_minutes(now) > params.sla_minutes


@dataclass
class _Open:
    """The mutable state of one complaint while its thread is walked."""

    post: MentionFacts
    reason: str
    kind: str = KIND_COMPLAINT
    followups: list[str] = field(default_factory=list)
    first_response: MentionFacts | None = None
    brand_replies: int = 0
    replies_before: int = 0
    # the last brand reply the author has been silent since (None once the author speaks)
    silent_since: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    resolution_key: str | None = None
    note: str | None = None
    author_posts: int = 1
    waiting_since: datetime | None = None
    last_reply_at: datetime | None = None

    def __post_init__(self) -> None:
        self.waiting_since = self.post.created_at

    def add_reply(self, reply: MentionFacts) -> None:
        """Count a brand reply to this complaint's author."""
        self.brand_replies += 1
        if self.first_response is None:
            self.first_response = reply
        if self.resolved_at is None:
            self.replies_before += 1
            self.silent_since = reply.created_at
            self.last_reply_at = reply.created_at
            self.waiting_since = None  # the ball is in the customer's court

    def add_followup(self, post: MentionFacts) -> None:
        """Fold the author's later post in; after our reply it puts the ball back with us."""
        self.followups.append(post.key)
        self.author_posts += 1
        self.silent_since = None
        if self.waiting_since is None:
            self.waiting_since = post.created_at

    def resolve(self, at: datetime, kind: str, key: str | None, note: str | None = None) -> None:
        """Mark resolved (the first resolution wins)."""
        self.resolved_at, self.resolution, self.resolution_key, self.note = at, kind, key, note

    def freeze(self, brand: str, thread: str) -> Complaint:
        """The immutable result."""
        post = self.post
        return Complaint(
            key=post.key,
            source=post.source,
            brand=brand,
            author=post.author,
            created_at=post.created_at,
            thread=thread,
            reason=self.reason,
            text=post.text,
            url=post.url,
            author_followers=post.author_followers,
            negative_score=negative_score(post),
            followups=tuple(self.followups),
            first_response_at=self.first_response.created_at if self.first_response else None,
            first_response_key=self.first_response.key if self.first_response else None,
            brand_replies=self.brand_replies,
            replies_before_resolution=self.replies_before,
            resolved_at=self.resolved_at,
            resolution=self.resolution,
            resolution_key=self.resolution_key,
            resolution_note=self.note,
            author_posts=self.author_posts,
            kind=self.kind,
            waiting_since=self.waiting_since,
            last_reply_at=self.last_reply_at,
            sentiment=post.label,
            sentiment_by=post.label_by,
        )


def analyze_complaints(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    now: datetime,
) -> list[Complaint]:
    """Every complaint of ``brand`` in the given threads, as of ``now``, oldest first.

    Questions and unknown-language items are left out: :func:`analyze_items` has them.

    Pass the complaints' candidate mentions plus every post of their threads (any brand
    posts and author follow-ups up to ``now``), and the manual resolutions of those posts;
    a thread that is cut short gives wrong follow-ups and replies. Posts of other brands
    and posts after ``now`` are ignored.
    """
    return analyze_view(BrandView.build(mentions, brand, now), params, resolutions)


def analyze_items(
    mentions: Iterable[MentionFacts],
    brand: BrandProfile,
    params: ScoringParams,
    resolutions: Iterable[ManualResolution],
    now: datetime,
) -> list[Complaint]:
    """Every needs-reply item (complaints, questions, unknown) in the given threads."""
    return analyze_view_items(BrandView.build(mentions, brand, now), params, resolutions)


def analyze_view(
    view: BrandView, params: ScoringParams, resolutions: Iterable[ManualResolution]
) -> list[Complaint]:
    """:func:`analyze_complaints` over an already built :class:`BrandView`."""
    return [c for c in analyze_view_items(view, params, resolutions) if c.is_complaint]


def analyze_view_items(
    view: BrandView, params: ScoringParams, resolutions: Iterable[ManualResolution]
) -> list[Complaint]:
    """:func:`analyze_items` over an already built :class:`BrandView`, oldest first."""
    marks: dict[tuple[str, str], list[ManualResolution]] = {}
    for mark in resolutions:
        post = view.by_key.get(mark.key)
        if post is not None:
            marks.setdefault((post.source, view.thread_root(post)), []).append(mark)
    found: list[Complaint] = []
    for (source, root), posts in view.threads().items():
        found.extend(_walk_thread(view, params, root, posts, marks.get((source, root), [])))
    found.sort(key=lambda c: (c.created_at, c.key))
    return found


def _walk_thread(
    view: BrandView,
    params: ScoringParams,
    root: str,
    posts: list[MentionFacts],
    marks: list[ManualResolution],
) -> list[Complaint]:
    """Replay one thread in time order and return its complaints."""
    silence = timedelta(hours=params.resolve_after_silence_hours)
    events: list[tuple[datetime, int, str, MentionFacts | ManualResolution]] = [
        (p.created_at, _BRAND if view.is_brand(p) else _CUSTOMER, p.key, p) for p in posts
    ]
    for mark in marks:
        # a mark dated before its post counts from the post (it cannot resolve the future)
        at = max(mark.resolved_at, view.by_key[mark.key].created_at)
        if at <= view.now:
            events.append((at, _MANUAL, mark.key, mark))
    events.sort(key=lambda e: e[:3])

    complaints: list[_Open] = []
    by_author: dict[str, list[_Open]] = {}
    open_by_author: dict[str, _Open] = {}
    member_of: dict[str, _Open] = {}
    # (deadline, tie-break, complaint, the brand reply the deadline counts from): a heap, so a
    # thread with thousands of open complaints is not rescanned at every post
    deadlines: list[tuple[datetime, int, _Open, datetime]] = []

    def expire_silence(at: datetime) -> None:
        # silence resolves at the last brand reply, once the author stayed quiet long enough
        while deadlines and deadlines[0][0] <= at:
            _, _, state, since = heapq.heappop(deadlines)
            if state.resolved_at is None and state.silent_since == since:
                state.resolve(since, RESOLVED_BY_SILENCE, None)
                del open_by_author[normalize_handle(state.post.author)]

    def opened(post: MentionFacts, author: str, kind: str, reason: str) -> None:
        state = _Open(post=post, reason=reason, kind=kind)
        complaints.append(state)
        by_author.setdefault(author, []).append(state)
        open_by_author[author] = state
        member_of[post.key] = state

    for at, kind, _key, item in events:
        expire_silence(at)
        if isinstance(item, ManualResolution):
            state = member_of.get(item.key)
            if state is not None and state.resolved_at is None:
                state.resolve(at, RESOLVED_MANUAL, None, item.note)
                del open_by_author[normalize_handle(state.post.author)]
            continue
        if kind == _BRAND:
            for addressee in view.addressees(item):
                for state in by_author.get(addressee, ()):
                    state.add_reply(item)
                    if state.resolved_at is None:
                        entry = (at + silence, len(deadlines), state, at)
                        heapq.heappush(deadlines, entry)
            continue
        author = normalize_handle(item.author)
        state = open_by_author.get(author)
        found = None
        if state is not None and state.kind != KIND_COMPLAINT:
            # a question (or unreadable post) whose author now complains: the complaint
            # takes over, exactly as if the question had never been an item (KPIs unchanged)
            found = complaint_reason(item, view, params)
            if found is not None:
                state.resolve(item.created_at, RESOLVED_SUPERSEDED, item.key)
                del open_by_author[author]
                state = None
        if state is not None:
            if state.replies_before > 0 and item.label in ("neutral", "positive"):
                state.resolve(item.created_at, RESOLVED_BY_AUTHOR, item.key)
                del open_by_author[author]
                # "thanks, but where is my refund?" resolves the complaint and asks anew
                asked = item_reason(item, view, params)
                if asked is not None and asked[0] == KIND_QUESTION:
                    opened(item, author, *asked)
            else:
                # a follow-up: the customer had to speak again, so silence stops counting
                state.add_followup(item)
                member_of[item.key] = state
            continue
        candidate = (KIND_COMPLAINT, found) if found else item_reason(item, view, params)
        if candidate is not None:
            opened(item, author, *candidate)
    expire_silence(view.now)
    return [state.freeze(view.profile.name, root) for state in complaints]
