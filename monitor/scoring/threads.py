"""One brand's view of the mentions: roles (own, context, competitor), brand posts, threads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.scoring.model import BrandProfile, MentionFacts, normalize_handle, require_aware

# "@handle" (X, most sites) or "u/handle" (Reddit), not inside an e-mail address or a path
_HANDLE_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_][\w.-]*)|(?<![\w/])u/([A-Za-z0-9_][\w-]*)")


def mentioned_handles(text: str) -> frozenset[str]:
    """The normalized handles a text names with ``@handle`` or ``u/handle``."""
    found = set()
    for at, reddit in _HANDLE_RE.findall(text):
        # a sentence-final "@acme." keeps the dot out of the handle
        found.add((at or reddit).rstrip(".-").casefold())
    return frozenset(found)


@dataclass
class BrandView:
    """The mentions one brand's scoring sees, as of ``now``.

    ``own``: posts collected for the brand (its mentions and its own posts); ``context``:
    posts passed with ``brand=None`` (thread context only); ``competitor``: posts collected
    for a configured competitor. Posts of any other brand, and posts created after ``now``,
    are dropped, so scoring is "as of now" whatever the caller loaded.

    A post counts for every brand it names (``MentionFacts.also``): ``named`` holds the
    posts collected for someone else that name the brand (its inbound, never its items),
    ``rival_named`` one entry per competitor a post names without being collected for it.
    """

    profile: BrandProfile
    now: datetime
    own: list[MentionFacts] = field(default_factory=list)
    context: list[MentionFacts] = field(default_factory=list)
    competitor: list[MentionFacts] = field(default_factory=list)
    by_key: dict[str, MentionFacts] = field(default_factory=dict)
    brand_keys: set[str] = field(default_factory=set)
    named: list[MentionFacts] = field(default_factory=list)
    rival_named: list[MentionFacts] = field(default_factory=list)
    _roots: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, mentions: Iterable[MentionFacts], profile: BrandProfile, now: datetime
    ) -> BrandView:
        """Split ``mentions`` by role for ``profile``; raise on a key given twice for it."""
        now = require_aware(now, "now")
        view = cls(profile=profile, now=now)
        competitors = set(profile.competitors)
        for m in mentions:
            if m.created_at > now:
                continue
            if (
                m.brand != profile.name
                and profile.name in m.also
                and not profile.is_account(m.source, m.author)
            ):
                view.named.append(m)
            view.rival_named.extend(m for c in competitors if c in m.also and c != m.brand)
            if m.brand in competitors:
                view.competitor.append(m)
                continue
            if m.brand == profile.name:
                view.own.append(m)
            elif m.brand is None:
                view.context.append(m)
            else:
                continue
            if m.key in view.by_key:
                raise ValueError(
                    f"brand {profile.name!r}: mention {m.key} was passed twice "
                    "(once per brand at most, context included)"
                )
            view.by_key[m.key] = m
            if profile.is_account(m.source, m.author) or m.is_brand_post:
                view.brand_keys.add(m.key)
        return view

    def is_brand(self, mention: MentionFacts) -> bool:
        """True when the post was written by one of the brand's accounts."""
        return mention.key in self.brand_keys

    def inbound(self) -> list[MentionFacts]:
        """The brand's own inbound mentions (own posts not written by a brand account).

        Posts collected for another brand that name this one are not among them (they have
        no item or theme here): :meth:`counted_inbound` adds them.
        """
        return [m for m in self.own if m.key not in self.brand_keys]

    def counted_inbound(self) -> list[MentionFacts]:
        """Every inbound mention the brand's KPIs count: its own, and those naming it."""
        return self.inbound() + self.named

    def competitor_inbound(self) -> list[MentionFacts]:
        """Competitor mentions not written by the competitor's own accounts, one per
        competitor named (a post naming two competitors counts for each)."""
        return [m for m in self.competitor if not m.is_brand_post] + self.rival_named

    def parent(self, mention: MentionFacts) -> MentionFacts | None:
        """The post ``mention`` replies to, when it was passed in."""
        if mention.in_reply_to is None:
            return None
        return self.by_key.get(f"{mention.source}:{mention.in_reply_to}")

    def thread_root(self, mention: MentionFacts) -> str:
        """The thread id: ``thread_id``, else the root reached through ``in_reply_to``."""
        cached = self._roots.get(mention.key)
        if cached is not None:
            return cached
        current, seen = mention, {mention.key}
        root = mention.thread_id
        while root is None:
            if current.in_reply_to is None:
                root = current.external_id
                break
            parent = self.parent(current)
            if parent is None or parent.key in seen:
                # the parent was not loaded: it is the best-known root
                root = current.in_reply_to
                break
            seen.add(parent.key)
            current, root = parent, parent.thread_id
        self._roots[mention.key] = root
        return root

    def threads(self) -> dict[tuple[str, str], list[MentionFacts]]:
        """Own and context posts grouped by ``(source, thread root)``."""
        grouped: dict[tuple[str, str], list[MentionFacts]] = {}
        for m in self.by_key.values():
            grouped.setdefault((m.source, self.thread_root(m)), []).append(m)
        return grouped

    def addressees(self, brand_post: MentionFacts) -> frozenset[str]:
        """The normalized authors a brand post is addressed to.

        Those it names (``@author``, ``u/author``) and the author of the post it answers;
        replies to the brand's own posts (a reply split over several posts) are followed
        up to the first non-brand post.
        """
        names = set(mentioned_handles(brand_post.text))
        current, seen = brand_post, {brand_post.key}
        while True:
            parent = self.parent(current)
            if parent is None or parent.key in seen:
                break
            if not self.is_brand(parent):
                names.add(normalize_handle(parent.author))
                break
            seen.add(parent.key)
            current = parent
        return frozenset(names)
