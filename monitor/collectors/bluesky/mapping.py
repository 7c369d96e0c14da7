"""Bluesky listings (search, author feed, notifications) read as plain posts with thread ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.collectors.base import SourceError
from monitor.posts import Post, clean_text

SOURCE = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
#: Notification reasons that are someone talking to or about the brand.
CONVERSATION_REASONS = ("mention", "reply", "quote")


class MalformedPage(SourceError):
    """A page not shaped as its lexicon says; ``raw_body`` keeps it for inspection."""

    def __init__(self, reason: str, raw_body: str) -> None:
        super().__init__(reason)
        self.raw_body = raw_body


@dataclass(frozen=True)
class Listing:
    """The items of one page, newest first, and the cursor of the next page (None: the end)."""

    items: list[Any]
    cursor: str | None


def parse_listing(content: Any, key: str, raw_body: str) -> Listing:
    """``{"<key>": [...], "cursor": "..."}`` as the lexicon has it, or MalformedPage."""
    if not isinstance(content, dict):
        raise MalformedPage("the answer is not a JSON object", raw_body)
    items = content.get(key)
    if not isinstance(items, list):
        raise MalformedPage(f"{key!r} is missing or not a list", raw_body)
    cursor = content.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise MalformedPage("'cursor' is not a string", raw_body)
    return Listing(items, cursor or None)


def parse_time(value: Any) -> datetime:
    """An AT Protocol datetime (RFC 3339 with a zone) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"datetime {value!r} is not a string")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError(f"datetime {value!r} has no time zone")
    return when.astimezone(UTC)


@dataclass(frozen=True)
class Item:
    """One post of a listing: its uri, where it sorts, and the post view or notification."""

    uri: str
    sort_ts: float
    view: dict[str, Any]


def feed_item(entry: Any, *, author_feed: bool) -> Item:
    """A search hit (a postView) or an author feed entry (``{"post": postView, "reason"?}``)."""
    view = entry.get("post") if author_feed and isinstance(entry, dict) else entry
    if not isinstance(view, dict):
        raise ValueError("the entry is not a post view")
    uri = _str(view, "uri")
    indexed = parse_time(view.get("indexedAt"))
    record = view.get("record")
    created = _created(record)
    # The AppView orders by sortAt: the earlier of createdAt and indexedAt.
    sort_at = min(indexed, created) if created is not None else indexed
    return Item(uri, sort_at.timestamp(), view)


def notification_item(entry: Any) -> Item:
    """A notification; listNotifications is ordered by ``indexedAt``."""
    if not isinstance(entry, dict):
        raise ValueError("the notification is not an object")
    return Item(_str(entry, "uri"), parse_time(entry.get("indexedAt")).timestamp(), entry)


def is_repost(entry: Any) -> bool:
    """True for an author feed entry that is a repost (or pin) of someone's post."""
    return isinstance(entry, dict) and entry.get("reason") is not None


def is_reply(view: dict[str, Any]) -> bool:
    """True when the post's record replies to another post."""
    record = view.get("record")
    return isinstance(record, dict) and isinstance(record.get("reply"), dict)


def to_post(item: Item, stream: str) -> Post:
    """The post of a post view or notification; replies carry their parent and thread root."""
    view = item.view
    author = view.get("author")
    if not isinstance(author, dict):
        raise ValueError(f"{item.uri}: author is missing")
    handle, did = _str(author, "handle"), _str(author, "did")
    record = view.get("record")
    if not isinstance(record, dict) or record.get("$type", POST_COLLECTION) != POST_COLLECTION:
        raise ValueError(f"{item.uri}: the record is not a post")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError(f"{item.uri}: text is {text!r}")
    created = _created(record) or parse_time(view.get("indexedAt"))
    parent, root = _reply_refs(record, item.uri)
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    raw: dict[str, Any] = {"uri": item.uri, "cid": view.get("cid"), "stream": stream}
    raw["indexedAt"] = view.get("indexedAt")
    if "reason" in view:
        raw["reason"] = view.get("reason")  # notifications: mention, reply or quote
    quoted = _quoted(record)
    if quoted:
        raw["quotes"] = quoted
    for count in ("replyCount", "repostCount", "likeCount", "quoteCount"):
        if isinstance(view.get(count), int):
            raw[count] = view[count]
    return Post(
        source=SOURCE,
        external_id=item.uri,
        author=clean_text(handle),
        author_id=did,
        text=clean_text(text),
        created_at=created,
        url=web_url(handle, item.uri),
        in_reply_to=parent,
        thread_id=root or item.uri,
        lang=lang,
        raw=raw,
    )


def web_url(handle: str, uri: str) -> str | None:
    """``https://bsky.app/profile/HANDLE/post/RKEY`` for an ``at://…/app.bsky.feed.post/RKEY``."""
    prefix, _, rkey = uri.rpartition("/")
    if not prefix.endswith("/" + POST_COLLECTION) or not rkey:
        return None
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def _created(record: Any) -> datetime | None:
    # createdAt is what the author's app claims; a broken one falls back to indexedAt.
    try:
        return parse_time(record.get("createdAt")) if isinstance(record, dict) else None
    except ValueError:
        return None


def _reply_refs(record: dict[str, Any], uri: str) -> tuple[str | None, str | None]:
    reply = record.get("reply")
    if reply is None:
        return None, None
    try:
        parent, root = reply["parent"]["uri"], reply["root"]["uri"]
    except (KeyError, TypeError):
        raise ValueError(f"{uri}: reply refs are incomplete") from None
    if not (isinstance(parent, str) and isinstance(root, str)):
        raise ValueError(f"{uri}: reply refs are not at:// uris")
    return parent, root


def _quoted(record: dict[str, Any]) -> str | None:
    embed = record.get("embed")
    if not isinstance(embed, dict):
        return None
    target = embed.get("record")
    if isinstance(target, dict) and isinstance(target.get("record"), dict):
        target = target["record"]  # recordWithMedia nests the strongRef one level deeper
    uri = target.get("uri") if isinstance(target, dict) else None
    return uri if isinstance(uri, str) else None


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is {value!r}")
    return value
