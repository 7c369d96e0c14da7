"""Mastodon statuses as plain posts: HTML to text, full handles, instance-scoped ids.

Ids: a status id is local to the server it was read from (the same post has another id on
every server that knows it), so ``external_id`` is ``<domain>:<id>`` of the reading server,
and ``in_reply_to`` is ``<domain>:<in_reply_to_id>`` on that same server. The brand's
mentions and its own replies are read on the brand's home server, so a brand reply points
at the mention it answers. A post seen on two servers is stored once per server.

Threads: a status carries only its parent (``in_reply_to_id``), not its root. A top-level
status is its own thread; a reply gets no ``thread_id`` and the scorer walks the
``in_reply_to`` chain through the stored posts to the root (fetching each status's
``/context`` would cost a request per post out of 300 per 5 minutes).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from monitor.posts import Post, clean_text

SOURCE = "mastodon"
#: Status fields kept in ``Post.raw`` (the rest is media and rendering detail).
RAW_FIELDS = (
    "id", "uri", "url", "created_at", "in_reply_to_id", "in_reply_to_account_id",
    "visibility", "language", "spoiler_text", "replies_count", "reblogs_count",
    "favourites_count", "edited_at", "tags", "mentions",
)  # fmt: skip
_BLOCKS = {"p", "div", "blockquote", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


class BadStatus(ValueError):
    """An item that cannot become a post (no id, no time, not an object)."""


class _Text(HTMLParser):
    """Collects the text of Mastodon's status HTML: paragraphs and line breaks kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        # Mastodon hides the middle of long links in <span class="invisible">: keep the text,
        # which is the full URL, so only the quote-inline (RE: link) span is dropped.
        classes = dict(attrs).get("class") or ""
        if tag == "span" and (self._hidden or "quote-inline" in classes.split()):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    """Plain text of a status's HTML ``content``: tags stripped, entities decoded."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()  # entities were decoded by the parser (convert_charrefs)


def full_handle(acct: str, domain: str) -> str:
    """``user@domain``: local accounts' ``acct`` has no domain, remote ones do."""
    return acct if "@" in acct else f"{acct}@{domain}"


def status_time(status: Any) -> datetime:
    """When the status was written; :class:`BadStatus` without a readable time."""
    value = status.get("created_at") if isinstance(status, dict) else None
    if not isinstance(value, str):
        raise BadStatus(f"created_at is {value!r}")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadStatus(f"created_at {value!r} is not an ISO 8601 time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def status_to_post(status: Any, domain: str, *, via: str) -> Post:
    """One status read from the server at ``domain`` as a post (``via``: the stream)."""
    if not isinstance(status, dict):
        raise BadStatus(f"item is a {type(status).__name__}, not a status")
    ident = _id(status.get("id"))
    if ident is None:
        raise BadStatus(f"status id {status.get('id')!r} is not an id")
    found = status.get("account")
    account: dict[str, Any] = found if isinstance(found, dict) else {}
    acct = account.get("acct")
    if not isinstance(acct, str) or not acct:
        raise BadStatus(f"status {ident} has no account handle")
    created_at = status_time(status)
    content = status.get("content")
    text = html_to_text(content) if isinstance(content, str) else ""
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        # The content warning is what readers see first; it often names the complaint.
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    parent = _id(status.get("in_reply_to_id"))
    raw: dict[str, Any] = {k: status[k] for k in RAW_FIELDS if k in status}
    raw["account"] = {k: account[k] for k in ("id", "acct", "url", "display_name") if k in account}
    raw.update(instance=domain, stream=via)
    followers = account.get("followers_count")
    account_id = _id(account.get("id"))
    url = status.get("url") or status.get("uri")
    language = status.get("language")
    return Post(
        source=SOURCE,
        external_id=f"{domain}:{ident}",
        author=full_handle(acct, domain),
        author_id=f"{domain}:{account_id}" if account_id else None,
        text=clean_text(text),
        created_at=created_at,
        author_followers=followers if isinstance(followers, int) and followers >= 0 else None,
        url=url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        in_reply_to=f"{domain}:{parent}" if parent else None,
        thread_id=None if parent else f"{domain}:{ident}",
        lang=language if isinstance(language, str) and language else None,
        raw=raw,
    )


def _id(value: Any) -> str | None:
    # Mastodon ids are numeric strings; other servers (GoToSocial: ULIDs) use letters too.
    if (
        isinstance(value, str)
        and value
        and len(value) <= 64
        and value.isascii()
        and value.isalnum()
    ):
        return value
    return None
