"""Google Play reviews and the developer's replies as plain posts (replies are brand replies).

A review's ``comments`` hold the user's comment (text, stars, last edit) and, once answered,
the developer's comment. The API gives no creation time: a review is dated by its last edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.collectors.base import SkippedPage
from monitor.posts import Post, clean_text

SOURCE = "googleplay"


class MalformedPage(ValueError):
    """A page without the documented ``reviews`` list."""


@dataclass(frozen=True)
class Review:
    """One review: its id, last edit and JSON."""

    id: str
    modified: datetime
    resource: dict[str, Any]

    @property
    def ts(self) -> float:
        """Last edit in epoch seconds."""
        return self.modified.timestamp()


@dataclass
class ReviewPage:
    """A page's readable reviews, the next page's token and the reviews left out."""

    reviews: list[Review]
    next_token: str | None
    skipped: list[SkippedPage] = field(default_factory=list)


def parse_page(body: dict[str, Any], where: str) -> ReviewPage:
    """The reviews of a ``reviews.list`` answer (an empty answer has no ``reviews`` key)."""
    reviews = body.get("reviews", [])
    paging = body.get("tokenPagination") or {}
    token = paging.get("nextPageToken") if isinstance(paging, dict) else None
    if not isinstance(reviews, list) or not (token is None or isinstance(token, str)):
        raise MalformedPage(f"{where}: expected a reviews list and tokenPagination")
    page = ReviewPage([], token or None)
    for index, resource in enumerate(reviews):
        try:
            review_id = resource["reviewId"]
            if not isinstance(review_id, str) or not review_id:
                raise ValueError(f"reviewId is {review_id!r}")
            user = _user_comment(resource)
            page.reviews.append(Review(review_id, timestamp(user["lastModified"]), resource))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raw = json.dumps(resource, ensure_ascii=False)
            page.skipped.append(SkippedPage(f"{where} reviews[{index}]", f"unreadable: {exc}", raw))
    return page


def review_post(review: Review, package: str) -> Post:
    """The review: its text (title and body), the star rating, device details in ``raw``."""
    user = _user_comment(review.resource)
    rating = user.get("starRating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValueError(f"review {review.id}: starRating is {rating!r}")
    # "In some cases ... title and body are concatenated and separated by a tab character."
    text = "\n\n".join(p.strip() for p in _text(user.get("text")).split("\t") if p.strip())
    lang = user.get("reviewerLanguage")
    return Post(
        source=SOURCE,
        external_id=review.id,
        author=_text(review.resource.get("authorName")) or "[anonymous]",
        text=text,
        created_at=review.modified,
        thread_id=review.id,
        rating=rating,
        lang=lang if isinstance(lang, str) and lang else None,
        url=f"https://play.google.com/store/apps/details?id={package}&reviewId={review.id}",
        raw={
            "package_name": package,
            "app_version": user.get("appVersionName"),
            "android_sdk": user.get("androidOsVersion"),
            "device": user.get("device"),
            "thumbs_up": user.get("thumbsUpCount"),
        },
    )


def reply_post(review: Review, responder: str) -> Post | None:
    """The developer's reply to ``review`` as a post by ``responder``, when there is one."""
    for comment in review.resource.get("comments") or []:
        developer = comment.get("developerComment") if isinstance(comment, dict) else None
        if isinstance(developer, dict):
            return Post(
                source=SOURCE,
                external_id=f"{review.id}:reply",  # a reply has no id of its own; one a review
                author=responder,
                text=_text(developer.get("text")),
                created_at=timestamp(developer["lastModified"]),
                in_reply_to=review.id,
                thread_id=review.id,
                raw={"kind": "developer_reply"},
            )
    return None


def timestamp(value: Any) -> datetime:
    """A protobuf ``Timestamp`` (``{"seconds": "1717234800", "nanos": 0}``) in UTC."""
    if not isinstance(value, dict):
        raise ValueError(f"timestamp is {value!r}")
    seconds, nanos = value.get("seconds"), value.get("nanos") or 0
    if isinstance(seconds, bool) or not isinstance(seconds, str | int):
        raise ValueError(f"timestamp seconds is {seconds!r}")
    return datetime.fromtimestamp(int(seconds) + int(nanos) / 1e9, UTC)


def _user_comment(resource: dict[str, Any]) -> dict[str, Any]:
    for comment in resource.get("comments") or []:
        if isinstance(comment, dict) and isinstance(comment.get("userComment"), dict):
            return dict(comment["userComment"])
    raise ValueError("no userComment")


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""
