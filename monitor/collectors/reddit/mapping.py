"""Reddit things as plain posts: ids are fullnames (``t3_…``/``t1_…``) so replies link up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.collectors.reddit.client import Thing
from monitor.posts import Post, clean_text

SOURCE = "reddit"
SITE = "https://www.reddit.com"
#: Bodies Reddit puts in place of a removed (by moderators) or deleted (by the author) text.
REMOVED_MARKERS = ("[removed]", "[deleted]")
#: The JSON fields kept in ``Post.raw``: enough to audit a post without Reddit's ~100 others.
RAW_FIELDS = (
    "name", "id", "subreddit", "subreddit_id", "author", "author_fullname", "created_utc",
    "permalink", "url", "title", "score", "num_comments", "parent_id", "link_id",
    "distinguished", "stickied", "edited", "over_18", "removed_by_category", "is_submitter",
    "locked", "link_flair_text",
)  # fmt: skip


def removed_marker(thing: Thing) -> str | None:
    """The marker when the thing's own text was removed or deleted, else None."""
    text = thing.data.get("body" if thing.kind == "t1" else "selftext")
    return text if text in REMOVED_MARKERS else None


def post_text(thing: Thing) -> str:
    """A comment's body, or a submission's title and text; removed text counts as none."""
    data = thing.data
    if thing.kind == "t1":
        body = data.get("body")
        return body if isinstance(body, str) and body not in REMOVED_MARKERS else ""
    title = data.get("title")
    title = title if isinstance(title, str) else ""
    selftext = data.get("selftext")
    if isinstance(selftext, str) and selftext and selftext not in REMOVED_MARKERS:
        return f"{title}\n\n{selftext}"
    return title


def to_post(thing: Thing) -> Post:
    """The post for a submission or comment (deleted authors become ``[deleted]``)."""
    model, data = thing.model, thing.data
    author = vars(model).get("author")  # vars(): a missing attribute would make praw fetch it
    raw: dict[str, Any] = {
        k: clean_text(data[k]) if isinstance(data[k], str) else data[k]
        for k in RAW_FIELDS
        if k in data
    }
    raw["kind"] = thing.kind
    marker = removed_marker(thing)
    if marker:
        raw["text_removed"] = marker
    if thing.kind == "t1":
        in_reply_to, thread_id = _fullname(data.get("parent_id")), _fullname(data.get("link_id"))
    else:
        in_reply_to, thread_id = None, thing.fullname
    permalink = data.get("permalink")
    author_id = data.get("author_fullname")
    return Post(
        source=SOURCE,
        external_id=thing.fullname,
        author=str(author) if author is not None else "[deleted]",
        author_id=author_id if isinstance(author_id, str) else None,
        text=clean_text(post_text(thing)),
        created_at=datetime.fromtimestamp(thing.created_utc, UTC),
        url=SITE + permalink if isinstance(permalink, str) and permalink.startswith("/") else None,
        in_reply_to=in_reply_to,
        thread_id=thread_id or thing.fullname,
        subreddit=str(data["subreddit"]) if data.get("subreddit") else None,
        raw=raw,
    )


def _fullname(value: Any) -> str | None:
    return value if isinstance(value, str) and value[:3] in ("t1_", "t3_") else None
