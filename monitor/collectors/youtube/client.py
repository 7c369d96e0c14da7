"""YouTube Data API v3 calls through google-api-python-client: one page a call, with its cost."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.collectors.base import Clock
from monitor.collectors.google_api import build_service, execute
from monitor.collectors.retry import RetryPolicy, call_with_retry

#: Quota units per call, as the API's quota calculator prices them.
LIST_COST = 1
SEARCH_COST = 100


@dataclass(frozen=True)
class StreamRequest:
    """What one stream reads: a channel's threads, a video's threads, or a video search."""

    kind: str  # "channel", "video" or "search"
    subject: str  # the channel id, video id or search query

    @property
    def cost(self) -> int:
        """Quota units one page of this stream costs."""
        return SEARCH_COST if self.kind == "search" else LIST_COST


class YouTubeClient:
    """Fetches raw JSON pages; 429/5xx/timeouts are retried here, the rest raised sorted."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None,
        timeout: float,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
    ) -> None:
        self._service = build_service(
            "youtube", "v3", base_url=base_url, timeout=timeout, developer_key=api_key
        )
        self._policy, self._clock, self._sleep, self._rng = policy, clock, sleep, rng

    def close(self) -> None:
        """Close open connections (httplib2 keeps them until told); the client stays usable."""
        self._service.close()

    def page(
        self,
        stream: StreamRequest,
        token: str | None,
        *,
        page_size: int,
        published_after: datetime | None = None,
    ) -> dict[str, Any]:
        """One page of ``stream`` (newest first), from ``token`` on."""
        if stream.kind == "search":
            params: dict[str, Any] = {
                "part": "snippet",
                "q": stream.subject,
                "type": "video",
                "order": "date",
                "maxResults": min(page_size, 50),
            }
            if published_after is not None:
                params["publishedAfter"] = published_after.strftime("%Y-%m-%dT%H:%M:%SZ")
            if token:
                params["pageToken"] = token
            return self._run(self._service.search().list(**params), "search.list")
        params = {
            "part": "snippet,replies",
            "order": "time",
            "textFormat": "plainText",
            "maxResults": page_size,
        }
        if stream.kind == "channel":
            params["allThreadsRelatedToChannelId"] = stream.subject
        else:
            params["videoId"] = stream.subject
        if token:
            params["pageToken"] = token
        return self._run(self._service.commentThreads().list(**params), "commentThreads.list")

    def replies(self, parent_id: str, token: str | None) -> dict[str, Any]:
        """One page of the replies to a top-level comment (1 unit)."""
        params: dict[str, Any] = {
            "part": "snippet",
            "parentId": parent_id,
            "maxResults": 100,
            "textFormat": "plainText",
        }
        if token:
            params["pageToken"] = token
        return self._run(self._service.comments().list(**params), "comments.list")

    def probe(self) -> dict[str, Any]:
        """The cheapest keyed call there is (1 unit): the list of interface languages."""
        request = self._service.i18nLanguages().list(part="snippet", hl="en_US")
        return execute(request, what="youtube i18nLanguages.list", now=self._clock())

    def _run(self, request: Any, method: str) -> dict[str, Any]:
        what = f"youtube {method}"
        return call_with_retry(
            lambda: execute(request, what=what, now=self._clock()),
            policy=self._policy,
            sleep=self._sleep,
            what=what,
            rng=self._rng,
        )
