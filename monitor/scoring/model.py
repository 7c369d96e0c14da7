"""The plain inputs of the scorer: mention facts, the brand profile, parameters, resolutions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The sentiment labels a mention may carry (``None`` = not classified yet).
LABELS = ("negative", "neutral", "positive")

#: Sources whose posts are reviews even without a star rating.
DEFAULT_REVIEW_SOURCES = frozenset({"appstore", "googleplay"})


def require_aware(value: datetime, where: str) -> datetime:
    """Return ``value`` in UTC, or raise when it is naive (everything is compared in UTC)."""
    if not isinstance(value, datetime):
        raise TypeError(f"{where} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{where} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def normalize_handle(handle: str) -> str:
    """Compare handles case-insensitively and without their ``@`` / ``u/`` prefix."""
    handle = handle.strip()
    if handle.startswith("@"):
        handle = handle[1:]
    elif handle[:2].lower() == "u/":
        handle = handle[2:]
    return handle.casefold()


@dataclass(frozen=True, slots=True)
class MentionFacts:
    """What the scorer needs to know about one stored post (one DB row, label included).

    ``brand`` is the brand or competitor the post was collected for; ``None`` marks a post
    passed only as thread context (it is never counted as a mention). ``is_brand_post``
    says the author is one of the accounts of ``brand`` for ``source``; the scorer also
    recognises the accounts listed in the :class:`BrandProfile`. ``thread_id`` is the X
    conversation id or Reddit submission id; when ``None`` the thread is the root reached
    through ``in_reply_to`` (else the post itself). ``subreddit`` is the place the post
    sits in (a subreddit, or an app id for stores), matched against ``own_spaces``.
    ``negative_score`` is the classifier's probability of "negative" (1 or 0 when a human
    corrected the label).
    """

    source: str
    external_id: str
    brand: str | None
    author: str
    created_at: datetime
    text: str = ""
    url: str | None = None
    author_followers: int | None = None
    in_reply_to: str | None = None
    thread_id: str | None = None
    subreddit: str | None = None
    rating: int | None = None
    is_brand_post: bool = False
    label: str | None = None
    confidence: float | None = None
    negative_score: float | None = None
    #: why the classifier gave no label (``"unsupported language: de"``), else ``None``
    skipped_reason: str | None = None
    #: who gave ``label``: ``"model"`` (or an import) or ``"human"`` (``monitor label``)
    label_by: str = "model"
    #: the other brands and competitors the post names: it counts for them too (volume,
    #: sentiment, share of voice) but its thread and complaint stay with ``brand``
    also: frozenset[str] = frozenset()
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.source or not self.external_id:
            raise ValueError(
                f"mention {self.source!r}:{self.external_id!r}: source and external_id are required"
            )
        key = f"{self.source}:{self.external_id}"
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "created_at", require_aware(self.created_at, f"{key} created_at"))
        if self.label is not None and self.label not in LABELS:
            raise ValueError(f"{key}: unknown label {self.label!r}, expected one of {LABELS}")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"{key}: rating {self.rating} is outside 1-5")


@dataclass(frozen=True, slots=True)
class BrandProfile:
    """One brand from config: its accounts, own spaces, competitors and time zone.

    ``accounts`` maps a source to the brand's handles there (case-insensitive, ``@`` or
    ``u/`` prefix optional); ``own_spaces`` maps a source to the subreddits / app ids that
    are the brand's own space. Any review (a post from ``review_sources`` or with a star
    rating) collected for the brand sits on the brand's own review page.
    """

    name: str
    timezone: str = "UTC"
    accounts: Mapping[str, Iterable[str]] = field(default_factory=dict)
    own_spaces: Mapping[str, Iterable[str]] = field(default_factory=dict)
    competitors: tuple[str, ...] = ()
    review_sources: frozenset[str] = DEFAULT_REVIEW_SOURCES
    _handles: dict[str, dict[str, str]] = field(init=False, compare=False, repr=False)
    _spaces: dict[str, frozenset[str]] = field(init=False, compare=False, repr=False)
    _zone: ZoneInfo = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("brand profile: name is empty")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"brand {self.name!r}: timezone {self.timezone!r} is not a known IANA time zone"
            ) from exc
        handles: dict[str, dict[str, str]] = {}
        for source, names in self.accounts.items():
            if isinstance(names, str):
                raise TypeError(f"brand {self.name!r}: accounts[{source!r}] must be a list")
            handles[source] = {normalize_handle(n): n.strip().lstrip("@") for n in names}
        spaces: dict[str, frozenset[str]] = {}
        for source, names in self.own_spaces.items():
            if isinstance(names, str):
                raise TypeError(f"brand {self.name!r}: own_spaces[{source!r}] must be a list")
            spaces[source] = frozenset(normalize_handle(n.removeprefix("r/")) for n in names)
        if self.name in self.competitors:
            raise ValueError(f"brand {self.name!r} lists itself as a competitor")
        object.__setattr__(self, "competitors", tuple(self.competitors))
        object.__setattr__(self, "review_sources", frozenset(self.review_sources))
        object.__setattr__(self, "_handles", handles)
        object.__setattr__(self, "_spaces", spaces)
        object.__setattr__(self, "_zone", zone)

    @property
    def zone(self) -> ZoneInfo:
        """The brand time zone (day boundaries, hour-of-day)."""
        return self._zone

    def is_account(self, source: str, author: str) -> bool:
        """True when ``author`` is one of the brand's handles on ``source``."""
        names = self._handles.get(source)
        return names is not None and normalize_handle(author) in names

    def handle_display(self, source: str, normalized: str) -> str | None:
        """The handle as written in config for a normalized handle, or ``None``."""
        return self._handles.get(source, {}).get(normalized)

    def handles(self, source: str) -> frozenset[str]:
        """The brand's normalized handles on ``source``."""
        return frozenset(self._handles.get(source, {}))

    def is_own_space(self, source: str, space: str | None) -> bool:
        """True when ``space`` (subreddit / app id) is one of the brand's own on ``source``."""
        if not space:
            return False
        return normalize_handle(space.removeprefix("r/")) in self._spaces.get(source, frozenset())

    def is_review(self, mention: MentionFacts) -> bool:
        """A review: a post from a review source, or any post with a star rating."""
        return mention.rating is not None or mention.source in self.review_sources


@dataclass(frozen=True, slots=True)
class ScoringParams:
    """Thresholds from config (defaults as in docs/kpis.md)."""

    sla_minutes: float = 60
    abandon_after_hours: float = 24
    resolve_after_silence_hours: float = 48
    promoter_confidence: float = 0.9
    require_directed: bool = True
    spike_sigma: float = 3.0
    spike_min_count: int = 5
    spike_cooldown_hours: float = 6

    def __post_init__(self) -> None:
        for name in (
            "sla_minutes",
            "abandon_after_hours",
            "resolve_after_silence_hours",
            "spike_cooldown_hours",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(
                    f"scoring parameter {name} must be a positive number, got {value!r}"
                )
        if not 0 <= self.promoter_confidence <= 1:
            raise ValueError(
                f"scoring parameter promoter_confidence must be within 0-1, "
                f"got {self.promoter_confidence!r}"
            )
        if self.spike_sigma < 0:
            raise ValueError(
                f"scoring parameter spike_sigma must be >= 0, got {self.spike_sigma!r}"
            )
        if self.spike_min_count < 1:
            raise ValueError(
                f"scoring parameter spike_min_count must be >= 1, got {self.spike_min_count!r}"
            )


@dataclass(frozen=True, slots=True)
class ManualResolution:
    """A complaint marked resolved by the team (``monitor resolve SOURCE:EXTERNAL_ID``).

    ``key`` may name the complaint or any follow-up folded into it.
    """

    key: str
    resolved_at: datetime
    note: str | None = None

    def __post_init__(self) -> None:
        if ":" not in self.key:
            raise ValueError(f"resolution key {self.key!r} is not SOURCE:EXTERNAL_ID")
        object.__setattr__(
            self, "resolved_at", require_aware(self.resolved_at, f"resolution {self.key} at")
        )
