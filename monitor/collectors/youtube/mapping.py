"""YouTube comment threads, replies and search results as plain posts.

A thread's id is its top-level comment's id; replies answer it (``in_reply_to``) and share
it as ``thread_id``. A comment written from the brand's own channel is stored under the
brand's account name, so the pipeline counts it as a brand reply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.collectors.base import SkippedPage
from monitor.posts import Post, clean_text

SOURCE = "youtube"


class MalformedPage(ValueError):
    """A page without the documented ``items`` list."""


@dataclass(frozen=True)
class Item:
    """One thread (or search result) of a page: its id, time and JSON."""

    id: str
    published: datetime
    resource: dict[str, Any]

    @property
    def ts(self) -> float:
        """Publication time in epoch seconds."""
        return self.published.timestamp()


@dataclass
class ItemPage:
    """A page's readable items (newest first), its next token and the items left out."""

    items: list[Item]
    next_token: str | None
    skipped: list[SkippedPage] = field(default_factory=list)


@dataclass(frozen=True)
class Brand:
    """Who the brand is on YouTube: its channel id and the name its comments go under."""

    channel_id: str | None
    account: str


def parse_page(body: dict[str, Any], where: str, *, search: bool = False) -> ItemPage:
    """The items of a ``commentThreads.list`` (or ``search.list``) answer."""
    items = body.get("items")
    token = body.get("nextPageToken")
    if not isinstance(items, list) or not (token is None or isinstance(token, str)):
        raise MalformedPage(f"{where}: expected an items list and a string nextPageToken")
    page = ItemPage([], token or None)
    for index, resource in enumerate(items):
        try:
            page.items.append(_search_item(resource) if search else _thread_item(resource))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raw = json.dumps(resource, ensure_ascii=False)
            page.skipped.append(SkippedPage(f"{where} items[{index}]", f"unreadable: {exc}", raw))
    return page


def _thread_item(resource: Any) -> Item:
    if resource.get("kind") != "youtube#commentThread":
        raise ValueError(f"kind is {resource.get('kind')!r}")
    top = resource["snippet"]["topLevelComment"]
    return Item(_id(resource["id"]), parse_time(top["snippet"]["publishedAt"]), resource)


def _search_item(resource: Any) -> Item:
    video_id = resource["id"]["videoId"]
    return Item(_id(video_id), parse_time(resource["snippet"]["publishedAt"]), resource)


def thread_posts(item: Item, brand: Brand) -> tuple[Post, list[Post]]:
    """The top-level comment and the replies the thread carries."""
    snippet = item.resource["snippet"]
    top = snippet["topLevelComment"]
    video_id = snippet.get("videoId") or top["snippet"].get("videoId")
    first = comment_post(top, brand, thread_id=item.id, video_id=video_id)
    raw_replies = (item.resource.get("replies") or {}).get("comments") or []
    replies = [
        comment_post(c, brand, thread_id=item.id, video_id=video_id, reply_to=item.id)
        for c in raw_replies
    ]
    return first, replies


def reply_count(item: Item) -> tuple[int, int]:
    """Replies the thread has, and how many of them its ``replies`` part carried."""
    total = item.resource["snippet"].get("totalReplyCount") or 0
    carried = (item.resource.get("replies") or {}).get("comments") or []
    return int(total), len(carried)


def comment_post(
    comment: dict[str, Any],
    brand: Brand,
    *,
    thread_id: str,
    video_id: str | None,
    reply_to: str | None = None,
) -> Post:
    """One ``youtube#comment`` resource as a post."""
    snippet = comment["snippet"]
    author_id = (snippet.get("authorChannelId") or {}).get("value")
    is_brand = brand.channel_id is not None and author_id == brand.channel_id
    author = brand.account if is_brand else _text(snippet.get("authorDisplayName")).lstrip("@")
    comment_id = _id(comment["id"])
    text = snippet.get("textOriginal")
    url = f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else None
    return Post(
        source=SOURCE,
        external_id=comment_id,
        author=author or "[unknown]",
        author_id=author_id if isinstance(author_id, str) else None,
        text=_text(text if isinstance(text, str) else snippet.get("textDisplay")),
        created_at=parse_time(snippet["publishedAt"]),
        url=url,
        in_reply_to=reply_to or snippet.get("parentId") or None,
        thread_id=thread_id,
        raw={
            "kind": "comment",
            "video_id": video_id,
            "channel_id": snippet.get("channelId"),
            "like_count": snippet.get("likeCount"),
            "updated_at": snippet.get("updatedAt"),
        },
    )


def video_post(item: Item) -> Post:
    """A video found by the search: its title and description mention the brand."""
    snippet = item.resource["snippet"]
    title, description = _text(snippet.get("title")), _text(snippet.get("description"))
    return Post(
        source=SOURCE,
        external_id=item.id,
        author=_text(snippet.get("channelTitle")) or "[unknown]",
        author_id=snippet.get("channelId") if isinstance(snippet.get("channelId"), str) else None,
        text="\n\n".join(part for part in (title, description) if part),
        created_at=item.published,
        url=f"https://www.youtube.com/watch?v={item.id}",
        thread_id=item.id,
        raw={"kind": "video", "video_id": item.id, "channel_id": snippet.get("channelId")},
    )


def parse_time(value: Any) -> datetime:
    """An RFC 3339 time as YouTube sends it (``2024-06-01T09:40:00Z``) in UTC."""
    if not isinstance(value, str):
        raise ValueError(f"time is {value!r}")
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"time {value!r} has no offset")
    return when.astimezone(UTC)


def _id(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"id is {value!r}")
    return value


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""
