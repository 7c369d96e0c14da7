"""A fake YouTube Data API v3 on 127.0.0.1: comment threads, replies, search, quota units.

Serves, under ``/youtube/v3/``, ``commentThreads`` (``part`` with ``snippet`` and optionally
``replies``; exactly one of ``allThreadsRelatedToChannelId`` / ``videoId``; ``order``;
``maxResults`` 1-100; ``pageToken``), ``comments`` (``parentId``), ``search`` (``q``,
``type=video``, ``order=date``, ``publishedAfter``, ``maxResults`` 0-50) and
``i18nLanguages``. Every request needs ``key=`` (else 400 API_KEY_INVALID, Google's
answer to a wrong key). Each call costs its quota units (list 1, search 100) from
``quota_left``; at zero the API answers 403 ``quotaExceeded``. The ``replies`` part
carries at most ``replies_carried`` replies, as the real one carries only some.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from monitor.collectors.base import Target
from monitor.collectors.youtube.collector import YouTubeCollector
from monitor.collectors.youtube.settings import YouTubeBrandSettings, YouTubeSettings
from tests.collectors.fakes.google_fake import GoogleFakeServer, GoogleHandler
from tests.collectors.fakes.loopback import serving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "youtube"
THREADS: dict[str, Any] = json.loads((FIXTURES / "comment_threads.json").read_text("utf-8"))
SEARCH: dict[str, Any] = json.loads((FIXTURES / "search.json").read_text("utf-8"))
API_KEY = "AIzaSyFakeKeyForTests0000000000000000000"
CHANNEL_ID = "UCAcmeMobileChannel00001"
REVIEW_VIDEO = "AcmeReview1"
COSTS = {"commentThreads": 1, "comments": 1, "search": 100, "i18nLanguages": 1}


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"QURTSl9pM{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    return int(raw.removeprefix("QURTSl9pM"))


def _published(thread: dict[str, Any]) -> str:
    try:
        return str(thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"])
    except (KeyError, TypeError):
        return ""  # a broken thread (planted by a test) sorts last


class FakeYouTubeServer(GoogleFakeServer):
    """The server; tests use ``base_url``, ``add_thread``, ``add_reply``, ``fail_next``."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.threads: list[dict[str, Any]] = copy.deepcopy(THREADS["items"])
        self.videos: list[dict[str, Any]] = copy.deepcopy(SEARCH["items"])
        self.quota_left = 10_000
        self.replies_carried = 5
        self.malformed_body = {"kind": "youtube#commentThreadListResponse", "items": {}}

    def add_thread(self, thread: dict[str, Any]) -> None:
        """A new comment thread."""
        with self.lock:
            self.threads.append(thread)

    def add_reply(self, thread_id: str, reply: dict[str, Any]) -> None:
        """A new reply in an existing thread."""
        with self.lock:
            thread = next(t for t in self.threads if t["id"] == thread_id)
            thread.setdefault("replies", {"comments": []})["comments"].append(reply)
            thread["snippet"]["totalReplyCount"] += 1

    def units_spent(self) -> int:
        """Quota units charged so far."""
        return 10_000 - self.quota_left


class _Handler(GoogleHandler):
    server: FakeYouTubeServer

    def do_GET(self) -> None:
        """The YouTube Data API v3 list endpoints."""
        path, query, fault = self.begin()
        method = path.removeprefix("/youtube/v3/")
        if not path.startswith("/youtube/v3/") or method not in COSTS:
            self.send_error_kind("404")
            return
        if query.get("key") != API_KEY:
            self.send_error_kind("badkey")
            return
        with self.server.lock:
            if self.server.quota_left < COSTS[method]:
                quota_spent = True
            else:
                quota_spent = False
                self.server.quota_left -= COSTS[method]  # refused calls cost too
        if quota_spent:
            self.send_error_kind("quota")
            return
        if fault is not None and self.play(fault):
            return
        if method == "i18nLanguages":
            item = {"kind": "youtube#i18nLanguage", "etag": "e", "id": "en"}
            item["snippet"] = {"hl": "en", "name": "English"}
            self.send_json(200, {"kind": "youtube#i18nLanguageListResponse", "items": [item]})
        elif method == "commentThreads":
            self._threads(query)
        elif method == "comments":
            self._comments(query)
        else:
            self._search(query)

    def _page(self, kind: str, items: list[Any], query: dict[str, str], most: int) -> None:
        size = int(query.get("maxResults", "20"))
        if not 0 <= size <= most:
            self.send_error_kind("400")
            return
        start = _offset(query["pageToken"]) if "pageToken" in query else 0
        page = items[start : start + size]
        body: dict[str, Any] = {"kind": kind, "etag": "fake-etag"}
        if start + size < len(items):
            body["nextPageToken"] = _token(start + size)
        body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": size}
        body["items"] = page
        self.send_json(200, body)

    def _threads(self, query: dict[str, str]) -> None:
        parts = set(query.get("part", "").split(","))
        by_channel, by_video = query.get("allThreadsRelatedToChannelId"), query.get("videoId")
        if "snippet" not in parts or (by_channel is None) == (by_video is None):
            self.send_error_kind("400")
            return
        with self.server.lock:
            threads = copy.deepcopy(self.server.threads)
            carried = self.server.replies_carried
        if by_video is not None and not any(t["snippet"]["videoId"] == by_video for t in threads):
            self.send_error_kind("404")
            return
        key, value = ("videoId", by_video) if by_video else ("channelId", by_channel)
        chosen = [t for t in threads if t.get("snippet", {}).get(key) == value]
        chosen.sort(key=_published, reverse=True)  # order=time: newest first
        for thread in chosen:
            replies = (thread.pop("replies", None) or {}).get("comments") or []
            if "replies" in parts and replies:
                thread["replies"] = {"comments": replies[:carried]}
        self._page("youtube#commentThreadListResponse", chosen, query, 100)

    def _comments(self, query: dict[str, str]) -> None:
        parent = query.get("parentId")
        with self.server.lock:
            thread = next((t for t in self.server.threads if t["id"] == parent), None)
            replies = copy.deepcopy(((thread or {}).get("replies") or {}).get("comments") or [])
        if thread is None:
            self.send_error_kind("404")
            return
        self._page("youtube#commentListResponse", replies, query, 100)

    def _search(self, query: dict[str, str]) -> None:
        if query.get("type") != "video" or not query.get("q"):
            self.send_error_kind("400")
            return
        after = query.get("publishedAfter", "")
        with self.server.lock:
            videos = [v for v in self.server.videos if v["snippet"]["publishedAt"] > after]
        videos.sort(key=lambda v: v["snippet"]["publishedAt"], reverse=True)
        self._page("youtube#searchListResponse", copy.deepcopy(videos), query, 50)


@contextmanager
def running_youtube_server() -> Iterator[FakeYouTubeServer]:
    """A fake YouTube Data API serving the fixture threads and search results."""
    with serving(FakeYouTubeServer()) as server:
        yield server


def youtube_brand(**overrides: Any) -> YouTubeBrandSettings:
    """Acme Mobile's channel and one reviewer's video; no search unless asked."""
    values: dict[str, Any] = {
        "channel_id": CHANNEL_ID,
        "video_ids": [REVIEW_VIDEO],
        "accounts": ["AcmeMobile"],
        **overrides,
    }
    return YouTubeBrandSettings.model_validate(values)


def make_youtube_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    brand: YouTubeBrandSettings | None = None,
    **source_overrides: Any,
) -> tuple[YouTubeCollector, Target]:
    """A collector for "Acme" against the fake, with small pages to exercise paging."""
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "api_key": SecretStr(API_KEY),
        "page_size": 2,
        "timeout_seconds": 10,  # generous: a loaded CI machine must not turn into a retry
        "max_retries": 3,
        **source_overrides,
    }
    settings = YouTubeSettings.model_validate(values)
    collector = YouTubeCollector(settings, clock, sleep=sleep if sleep is not None else _no_sleep)
    return collector, Target("Acme", brand or youtube_brand())


def _no_sleep(seconds: float) -> None:
    """Tests never wait; tests that care pass their own recorder."""
