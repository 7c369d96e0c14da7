"""Every configured brand and competitor a post names: matched at store time, and again.

A post counts for the brand it was collected (or imported) for and for every other brand
or competitor it names (docs/kpis.md, "Posts naming several brands"): by one of the
brand's accounts (``@BrewlyHelp``: ``handle``) or by its name or one of its keywords as a
whole word, case-insensitive (``keyword``). A post written by a configured account is a
brand's own post, never a mention of anyone: it counts only for the brand it was stored for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from monitor.config import Settings
from monitor.posts import Post
from monitor.scoring.model import normalize_handle
from monitor.scoring.threads import mentioned_handles
from monitor.storage.brands import HANDLE, KEYWORD, TARGET, sync_brands
from monitor.storage.db import run_transaction, session_scope
from monitor.storage.models import Mention

#: The fields of a brand's source settings that hold words to search for.
_WORD_FIELDS = ("keywords", "terms", "brand_names", "search", "hashtags")
#: Mentions re-matched per transaction (short write transactions; bounded memory).
REMATCH_CHUNK = 2000


def word_matcher(words: list[str]) -> Callable[[str], bool]:
    """Case-insensitive whole-word match of any of ``words`` ("brew" is not in "brewly")."""
    if not words:
        return lambda text: False
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


@dataclass
class BrandTerms:
    """One brand's (or competitor's) name, keywords and accounts per source."""

    name: str
    accounts_by_source: dict[str, set[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # name and keywords, lower case
    matches: Callable[[str], bool] = field(default=lambda text: False, repr=False)

    def accounts(self, source: str) -> set[str]:
        """The brand's handles on ``source``, or on any source when none are configured there."""
        if self.accounts_by_source.get(source):
            return self.accounts_by_source[source]
        return {a for accounts in self.accounts_by_source.values() for a in accounts}


class BrandMatcher:
    """The configured brands and competitors, and which of them a post names."""

    def __init__(self, settings: Settings) -> None:
        self.terms: dict[str, BrandTerms] = {}
        #: App Store app ids to their brand: a review names its app, not an account.
        self.apps: dict[str, str] = {}
        for brand in settings.config.brands:
            for name in [brand.name, *(c.name for c in brand.competitors)]:
                self.terms.setdefault(name.lower(), BrandTerms(name, words=[name.lower()]))
        for source, targets in settings.targets.items():
            for t in targets:
                entry = self.terms[t.brand.lower()]
                handles = {normalize_handle(a) for a in t.accounts}
                entry.accounts_by_source.setdefault(source, set()).update(handles)
                app_id = getattr(t.settings, "app_id", None)
                if app_id:
                    self.apps[str(app_id)] = entry.name
                for name in _WORD_FIELDS:
                    for word in getattr(t.settings, name, None) or []:
                        word = str(word).replace('"', "").strip().lstrip("#").lower()
                        if word and word not in entry.words:
                            entry.words.append(word)
        for entry in self.terms.values():
            entry.matches = word_matcher(entry.words)

    def is_account(self, source: str, author: str) -> bool:
        """True when ``author`` is an account of any configured brand or competitor."""
        who = normalize_handle(author)
        return any(who in entry.accounts(source) for entry in self.terms.values())

    def named(self, source: str, author: str, text: str) -> dict[str, str]:
        """``{brand: how}`` for every brand and competitor the post names (``handle`` first)."""
        if self.is_account(source, author):
            return {}
        handles = mentioned_handles(text)
        found: dict[str, str] = {}
        for entry in self.terms.values():
            if handles & entry.accounts(source):
                found[entry.name] = HANDLE
            elif entry.matches(text):
                found[entry.name] = KEYWORD
        return found

    def named_by(self, post: Post) -> dict[str, str]:
        """:meth:`named` for a post about to be stored."""
        return self.named(post.source, post.author, post.text)


def rematch_brands(engine: Engine, settings: Settings, start: datetime, end: datetime) -> int:
    """Match the mentions created in ``[start, end)`` against the brands configured now.

    Mentions stored before attribution existed (the migration gave them their own brand
    only) or before a keyword or competitor was added get the brands they name; names
    no longer configured stop counting. Idempotent. Returns attributions added.
    """
    matcher = BrandMatcher(settings)
    added, after = 0, 0
    while True:
        with session_scope(engine) as session:
            stmt = (
                select(
                    col(Mention.id),
                    col(Mention.source),
                    col(Mention.author),
                    col(Mention.text),
                    col(Mention.brand),
                    col(Mention.created_at),
                )
                .where(
                    col(Mention.created_at) >= start,
                    col(Mention.created_at) < end,
                    col(Mention.id) > after,
                )
                .order_by(col(Mention.id))
                .limit(REMATCH_CHUNK)
            )
            rows = list(session.connection().execute(stmt))
        if not rows:
            return added
        wanted = {
            int(r.id): {**matcher.named(r.source, r.author, r.text), r.brand: TARGET} for r in rows
        }
        created = {int(r.id): r.created_at for r in rows}
        # a short write transaction of its own (SQLite cannot turn a stale read into a write)
        added += run_transaction(engine, partial(sync_brands, wanted=wanted, created=created))
        after = int(rows[-1].id)
