"""App Store reviews and developer responses as plain posts (responses are brand replies)."""

from __future__ import annotations

from typing import Any

from monitor.collectors.appstore.client import Review, parse_time
from monitor.posts import Post, clean_text

SOURCE = "appstore"


def review_post(review: Review, app_id: str) -> Post:
    """The review: its title and body as the text, the star rating, the territory in ``raw``."""
    attributes = review.resource["attributes"]
    rating = attributes.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise ValueError(f"review {review.id}: rating is {rating!r}")
    title, body = _text(attributes.get("title")), _text(attributes.get("body"))
    return Post(
        source=SOURCE,
        external_id=review.id,
        author=_text(attributes.get("reviewerNickname")) or "[anonymous]",
        text="\n\n".join(part for part in (title, body) if part),
        created_at=review.created_at,
        thread_id=review.id,
        rating=rating,
        raw={"app_id": app_id, **_raw(review.resource)},
    )


def response_post(review: Review, responder: str) -> Post | None:
    """The developer's response to ``review`` as a reply by ``responder``, when there is one."""
    response = review.response
    if response is None:
        return None
    attributes = response.get("attributes") or {}
    # Apple keeps only the last edit time; for a response never edited that is when it was sent.
    return Post(
        source=SOURCE,
        external_id=str(response["id"]),
        author=responder,
        text=_text(attributes.get("responseBody")),
        created_at=parse_time(attributes.get("lastModifiedDate")),
        in_reply_to=review.id,
        thread_id=review.id,
        raw=_raw(response),
    )


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _raw(resource: dict[str, Any]) -> dict[str, Any]:
    attributes = {
        k: clean_text(v) if isinstance(v, str) else v
        for k, v in (resource.get("attributes") or {}).items()
    }
    return {"type": resource.get("type"), "id": resource.get("id"), "attributes": attributes}
