"""Turn X API v2 page bodies into plain posts, tolerating the fields X leaves out."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.posts import Post

#: Milliseconds since the Unix epoch at X snowflake id 0 (the "Twitter epoch", 2010-11-04).
TWITTER_EPOCH_MS = 1288834974657
#: Ids below this are pre-snowflake (2010 and before) and carry no time.
FIRST_SNOWFLAKE_ID = 1 << 32


class MalformedPage(ValueError):
    """The body is not a v2 page (bad JSON or the wrong shape)."""


class BadTweet(ValueError):
    """One item in ``data`` cannot become a post (no usable id)."""


@dataclass
class TweetPage:
    """What one response holds: tweets, their authors, the errors and the next page token."""

    tweets: list[Any]
    users: dict[str, dict[str, Any]]
    errors: list[dict[str, Any]]
    included_tweets: int
    next_token: str | None

    @property
    def reads(self) -> int:
        """Posts this response billed: ``data`` plus referenced posts in ``includes.tweets``."""
        return len(self.tweets) + self.included_tweets

    def unavailable_note(self) -> str | None:
        """A line naming posts X reported in ``errors`` (deleted, withheld, suspended authors)."""
        if not self.errors:
            return None
        kinds = Counter(str(e.get("title") or e.get("type") or "error") for e in self.errors)
        listed = ", ".join(f"{title}: {n}" for title, n in sorted(kinds.items()))
        return f"{len(self.errors)} item(s) reported unavailable by X ({listed})"


def parse_page(body: str) -> TweetPage:
    """Parse one response body; :class:`MalformedPage` when it cannot be read as a page."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedPage(f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise MalformedPage(f"expected a JSON object, got {type(doc).__name__}")
    data = doc.get("data", [])
    if not isinstance(data, list):
        raise MalformedPage(f"'data' is a {type(data).__name__}, not a list")
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise MalformedPage(f"'meta' is a {type(meta).__name__}, not an object")
    next_token = meta.get("next_token")
    if next_token is not None and not (isinstance(next_token, str) and next_token):
        raise MalformedPage(f"'meta.next_token' is not a token: {next_token!r}")
    includes = doc.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    users = {str(u["id"]): u for u in _dicts(includes.get("users")) if isinstance(u.get("id"), str)}
    errors = _dicts(doc.get("errors"))
    return TweetPage(data, users, errors, len(_dicts(includes.get("tweets"))), next_token)


def tweet_id(tweet: Any) -> int:
    """The tweet's numeric id; :class:`BadTweet` when it has none."""
    if not isinstance(tweet, dict):
        raise BadTweet(f"item is a {type(tweet).__name__}, not a tweet object")
    value = tweet.get("id")
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        raise BadTweet(f"tweet id {value!r} is not a numeric string")
    return int(value)


def snowflake_time(ident: int) -> datetime:
    """When an X snowflake id was made: its top 41 bits count ms since the Twitter epoch."""
    return datetime.fromtimestamp(((ident >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


def tweet_to_post(tweet: Any, users: dict[str, dict[str, Any]], now: datetime) -> Post:
    """One v2 tweet as a post; ``raw`` keeps the tweet and its author object."""
    ident = tweet_id(tweet)
    author_id = _str(tweet.get("author_id"))
    user = users.get(author_id or "")
    username = _str(user.get("username")) if user else None
    text = _storable(tweet.get("text"))
    if isinstance(tweet.get("text"), str) and text != tweet["text"]:
        tweet = {**tweet, "text": text}
    raw: dict[str, Any] = {"tweet": tweet}
    if user:
        raw["user"] = user
    created_at = _parse_time(tweet.get("created_at"))
    if created_at is None:
        # X omits created_at when tweet.fields lacks it (or a proxy strips it): the id knows.
        created_at = snowflake_time(ident) if ident >= FIRST_SNOWFLAKE_ID else now
        raw["created_at_source"] = "snowflake id" if ident >= FIRST_SNOWFLAKE_ID else "collected"
    metrics = user.get("public_metrics") if user else None
    followers = metrics.get("followers_count") if isinstance(metrics, dict) else None
    return Post(
        source="x",
        external_id=str(ident),
        author=username or author_id or "unknown",
        author_id=author_id,
        text=text,
        created_at=created_at,
        author_followers=followers if isinstance(followers, int) else None,
        url=f"https://x.com/{username or 'i/web'}/status/{ident}",
        in_reply_to=_replied_to(tweet.get("referenced_tweets")),
        thread_id=_str(tweet.get("conversation_id")),
        lang=_str(tweet.get("lang")),
        raw=raw,
    )


def _storable(text: Any) -> str:
    """The text as UTF-8 can hold it: JSON lets lone surrogates (``\\ud83d``) through."""
    if not isinstance(text, str):
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def _replied_to(refs: Any) -> str | None:
    for ref in _dicts(refs):
        if ref.get("type") == "replied_to":
            return _str(ref.get("id"))
    return None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
