"""The queue page ``/``: the needs-reply items with filters, refreshed by htmx polling a partial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline.triage import DEFAULT_STATES, QueueFilter, queue
from monitor.scoring import QueueItem
from monitor.scoring.unanswered import ABANDONED, AWAITING_REPLY, KINDS, NEW, SNOOZED
from monitor.web.guard import Call, view
from monitor.web.render import page

#: Rows rendered at once, most urgent first: 100 rows with their forms stay under 300 KB.
MAX_ROWS = 100
LISTED_STATES = (NEW, AWAITING_REPLY, SNOOZED, ABANDONED)
#: Seconds between the queue's background refreshes.
REFRESH_SECONDS = 15


@dataclass(frozen=True)
class QueueView:
    """The queue as asked for: its filter (or the error in it) and the items."""

    params: dict[str, str]
    where: QueueFilter | None
    error: str | None
    items: list[QueueItem]

    @property
    def query(self) -> str:
        """The filters as a query string (kept in every link and form back to the queue)."""
        return urlencode({k: v for k, v in self.params.items() if v})


def read_filter(query: QueryParams) -> tuple[dict[str, str], QueueFilter]:
    """The filter fields of a queue URL; a bad value is a :class:`UsageError`."""
    params = {
        name: query.get(name, "").strip()
        for name in ("brand", "source", "kind", "state", "assignee", "overdue")
    }
    state = params["state"]
    return params, QueueFilter(
        brand=params["brand"] or None,
        kinds=(params["kind"],) if params["kind"] else (),
        states=(state,) if state else DEFAULT_STATES,
        assignee=params["assignee"] or None,
        overdue_only=params["overdue"] in ("1", "on", "true"),
        sources=(params["source"],) if params["source"] else (),
    )


def queue_view(call: Call) -> QueueView:
    """Read the filter and list the queue (an error leaves the list empty and says why)."""
    try:
        params, where = read_filter(call.request.query_params)
        items = queue(call.web.engine, call.web.settings, clock=call.web.clock, where=where)
    except UsageError as exc:
        params = {k: call.request.query_params.get(k, "") for k in ("brand", "source")}
        return QueueView(params, None, str(exc), [])
    return QueueView(params, where, None, items)


def _options(call: Call) -> dict[str, Any]:
    settings = call.web.settings
    return {
        "brands": [b.name for b in settings.config.brands],
        "sources": sorted(set(settings.source_settings) | set(settings.targets)),
        "kinds": KINDS,
        "states": LISTED_STATES,
        "refresh_seconds": REFRESH_SECONDS,
        "max_rows": MAX_ROWS,
    }


@view()
def queue_page(call: Call) -> Response:
    """The whole queue page."""
    qv = queue_view(call)
    return page(
        call, "queue.html", 400 if qv.error else 200, qv=qv, rows=qv.items[:MAX_ROWS],
        notice=call.request.query_params.get("notice", "")[:300], **_options(call),
    )  # fmt: skip


@view()
def queue_rows(call: Call) -> Response:
    """Only the rows (htmx polls this; the filters come in the same query string)."""
    qv = queue_view(call)
    return page(call, "_queue_rows.html", qv=qv, rows=qv.items[:MAX_ROWS], **_options(call))


@view(api=True)
def queue_api(call: Call) -> Response:
    """The queue as JSON, like ``monitor unanswered --json``."""
    qv = queue_view(call)
    if qv.error:
        return JSONResponse({"error": qv.error}, status_code=400)
    return JSONResponse([_json(i) for i in qv.items])


def _json(item: QueueItem) -> dict[str, object]:
    doc = item.to_dict()
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items()}


def routes() -> list[Route]:
    """The queue routes."""
    return [
        Route("/", queue_page, methods=["GET"]),
        Route("/queue/rows", queue_rows, methods=["GET"]),
        Route("/api/queue", queue_api, methods=["GET"]),
    ]
