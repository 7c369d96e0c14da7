"""The mentions page ``/mentions``: search with filters, pages, and the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline.search import (
    MentionQuery,
    export_csv,
    search_mentions,
    searchable_names,
)
from monitor.posts import SENTIMENT_LABELS
from monitor.web.forms import day_param, int_param, text_param
from monitor.web.guard import Call, view
from monitor.web.render import page

FIELDS = ("text", "sentiment", "source", "brand", "first", "last")


def read_query(call: Call) -> tuple[dict[str, str], MentionQuery]:
    """The search fields of the URL (kept for the form) and the query; UsageError when bad."""
    query = call.request.query_params
    params = {name: text_param(query, name) for name in FIELDS}
    return params, MentionQuery(
        text=params["text"] or None,
        sentiment=params["sentiment"] or None,
        source=params["source"] or None,
        brand=params["brand"] or None,
        first=day_param(query, "first"),
        last=day_param(query, "last"),
        page=int_param(query, "page", 1, 1, 1_000_000),
    )


def _link(params: dict[str, str], **more: object) -> str:
    return urlencode({**{k: v for k, v in params.items() if v}, **more})


@view()
def mentions_page(call: Call) -> Response:
    """The search form and one page of results, newest first."""
    settings = call.web.settings
    error, result, params = None, None, {name: "" for name in FIELDS}
    try:
        params, query = read_query(call)
        result = search_mentions(call.web.engine, settings, query, now=call.web.clock())
    except UsageError as exc:
        error = str(exc)
    return page(
        call, "mentions.html", 400 if error else 200, params=params, result=result,
        error=error, link=lambda **more: _link(params, **more),
        brands=searchable_names(settings), sources=sorted(settings.source_settings),
        sentiments=SENTIMENT_LABELS,
    )  # fmt: skip


@view()
def mentions_csv(call: Call) -> Response:
    """Every match of the search as CSV (the columns of ``monitor mentions --csv``)."""
    try:
        _, query = read_query(call)
        # the first chunk is made here, so a bad query is a 400 and not a broken download
        chunks = export_csv(call.web.engine, call.web.settings, query, now=call.web.clock())
        first = next(chunks)
    except UsageError as exc:
        return Response(f"{exc}\n", status_code=400, media_type="text/plain; charset=utf-8")

    def body() -> Iterator[str]:
        yield first
        yield from chunks

    name = f"mentions-{call.web.clock().date().isoformat()}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def routes() -> list[Route]:
    """The mentions routes."""
    return [
        Route("/mentions", mentions_page, methods=["GET"]),
        Route("/mentions.csv", mentions_csv, methods=["GET"]),
    ]
