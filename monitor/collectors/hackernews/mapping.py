"""HN search hits as plain posts: thread = the story, reply-to = the parent item."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from monitor.collectors.hackernews.client import Hit
from monitor.posts import Post, clean_text

SOURCE = "hackernews"
ITEM_URL = "https://news.ycombinator.com/item?id="
#: The fields kept in ``Post.raw`` (the highlight copies of the text are left out).
RAW_FIELDS = (
    "objectID", "_tags", "author", "created_at", "created_at_i", "title", "url", "points",
    "num_comments", "story_id", "story_title", "story_url", "parent_id",
)  # fmt: skip
_PARAGRAPH = re.compile(r"<p>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(value: Any) -> str:
    """HN's HTML (``<p>`` paragraphs, links, ``&#x27;``) as plain text; non-text is empty."""
    if not isinstance(value, str):
        return ""
    text = _PARAGRAPH.sub("\n\n", value)
    text = html.unescape(_TAG.sub("", text))
    return clean_text(text.strip())


def is_comment(hit: Hit) -> bool:
    """True for a comment hit (by its ``_tags``, else by having a parent)."""
    tags = hit.data.get("_tags")
    if isinstance(tags, list):
        return "comment" in tags
    return hit.data.get("parent_id") is not None


def to_post(hit: Hit) -> Post:
    """The post for a story (title and text) or a comment (its text) with thread ids."""
    data = hit.data
    raw = {k: _clean(data[k]) for k in RAW_FIELDS if k in data}
    if is_comment(hit):
        text = html_to_text(data.get("comment_text"))
        story, parent = _item_id(data.get("story_id")), _item_id(data.get("parent_id"))
        if story is None or parent is None:
            raise ValueError(f"comment {hit.id}: story_id or parent_id missing")
        in_reply_to, thread_id = parent, story
        raw["kind"] = "comment"
    else:
        title = html_to_text(data.get("title"))
        body = html_to_text(data.get("story_text"))
        text = "\n\n".join(part for part in (title, body) if part)
        in_reply_to, thread_id = None, hit.id
        raw["kind"] = "story"
    return Post(
        source=SOURCE,
        external_id=hit.id,
        author=clean_text(data["author"]),
        author_id=clean_text(data["author"]),  # HN usernames are the stable ids
        text=text,
        created_at=datetime.fromtimestamp(hit.ts, UTC),
        url=ITEM_URL + hit.id,
        in_reply_to=in_reply_to,
        thread_id=thread_id,
        raw=raw,
    )


def _item_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
