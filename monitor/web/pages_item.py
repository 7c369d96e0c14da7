"""The item page ``/items/{id}`` and the actions on items, each a POST form that works
without JavaScript (htmx enhances it): resolve, reopen, snooze, assign, note, label, close.

Every action is one call of :mod:`monitor.pipeline.triage_actions`, audited with the
signed-in user's name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline import triage_actions as actions
from monitor.pipeline.triage import NotAnItemError, UnknownMentionError
from monitor.pipeline.triage_view import item_detail
from monitor.scoring.model import LABELS
from monitor.web.guard import Call, action, view
from monitor.web.render import page
from monitor.web.routes_auth import safe_next

#: The longest snooze the form accepts (the CLI takes any future time).
MAX_SNOOZE_HOURS = 90 * 24
MAX_NOTE_CHARS = 10_000
T = TypeVar("T")


def _key(call: Call) -> str:
    return str(call.request.path_params["key"])


def item_url(call: Call, key: str) -> str:
    """The item page of ``key``."""
    return call.url("/items/" + quote(key, safe=":"))


def _run(fn: Callable[[], T]) -> T:
    """Run a pipeline call; its expected errors as 404 (no such item) or 400 (bad input)."""
    try:
        return fn()
    except (UnknownMentionError, NotAnItemError) as exc:
        raise HTTPException(404, str(exc)) from None
    except UsageError as exc:
        raise HTTPException(400, str(exc)) from None


@view()
def item_page(call: Call) -> Response:
    """The post, its thread with the brand's replies, earlier items, notes and audit trail."""
    web = call.web
    key = _key(call)
    detail = _run(lambda: item_detail(web.engine, web.settings, key, clock=web.clock))
    return page(
        call, "item.html", item=detail, labels=LABELS,
        notice=call.request.query_params.get("notice", "")[:300],
        back=safe_next(web, call.request.query_params.get("next")),
    )  # fmt: skip


def _done(call: Call, notice: str, default: str) -> Response:
    """After an action: a queue row's htmx request gets an empty row and a refresh signal;
    a form (plain or boosted) is sent back where it came from with a notice."""
    if call.request.headers.get("hx-request") and not call.request.headers.get("hx-boosted"):
        return Response("", headers={"HX-Trigger": "queue-changed"})
    target = safe_next(call.web, call.form.get("next") or default)
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'notice': notice})}", status_code=303)


def _shown(result: actions.ActionResult) -> str:
    now = f"now {result.shown.state}" if result.shown is not None else "no longer needs a reply"
    return f"{result.key}: {result.action} {result.detail}; {now}"


def _note(call: Call) -> str | None:
    text = call.form.get("note", "").strip()
    return text[:MAX_NOTE_CHARS] or None


def _act(call: Call, fn: Callable[..., actions.ActionResult], **kwargs: object) -> Response:
    web, key = call.web, _key(call)
    result = _run(
        lambda: fn(web.engine, web.settings, key, actor=call.user.name, clock=web.clock, **kwargs)
    )
    return _done(call, _shown(result), item_url(call, result.key))


@action()
def resolve(call: Call) -> Response:
    """Mark the item resolved now."""
    return _act(call, actions.resolve, note=_note(call))


@action()
def reopen(call: Call) -> Response:
    """Put the item back in the queue."""
    return _act(call, actions.reopen, note=_note(call))


@action()
def snooze(call: Call) -> Response:
    """Hide the item for ``hours`` (form field)."""
    raw = call.form.get("hours", "")
    try:
        hours = float(raw)
    except ValueError:
        raise HTTPException(400, f"snooze hours {raw!r} is not a number") from None
    if not (math.isfinite(hours) and 0 < hours <= MAX_SNOOZE_HOURS):
        raise HTTPException(400, f"snooze hours must be between 0 and {MAX_SNOOZE_HOURS}")
    until = call.web.clock() + timedelta(hours=hours)
    return _act(call, actions.snooze, until=until, note=_note(call))


@action()
def assign(call: Call) -> Response:
    """Give the item to ``to`` (form field; empty: unassign)."""
    to = call.form.get("to", "").strip()[:128] or None
    return _act(call, actions.assign, to=to, note=_note(call))


@action()
def note(call: Call) -> Response:
    """Keep a note with the item."""
    text = call.form.get("text", "")[:MAX_NOTE_CHARS]
    return _act(call, actions.add_note, text=text)


@action()
def label(call: Call) -> Response:
    """Correct the post's sentiment label (KPIs of its day are rescored)."""
    web, key = call.web, _key(call)
    sentiment = call.form.get("sentiment", "")
    result = _run(
        lambda: actions.label(
            web.engine,
            web.settings,
            key,
            sentiment=sentiment,
            actor=call.user.name,
            clock=web.clock,
        )
    )
    notice = f"{result.key}: labeled {result.label} (model: {result.model_label or 'none'})"
    return _done(call, notice, item_url(call, key))


@action()
def close(call: Call) -> Response:
    """Bulk close: every checked item (form field ``id``, repeated)."""
    web = call.web
    keys = [k for k in call.form_lists.get("id", []) if k.strip()]
    results = _run(
        lambda: actions.close_items(
            web.engine,
            web.settings,
            keys,
            actor=call.user.name,
            clock=web.clock,
            note=_note(call),
        )
    )
    return _done(call, f"closed {len(results)} items", call.url("/"))


def routes() -> list[Route]:
    """The item page and its actions (actions first: the page's path takes any id)."""
    verbs = {
        "resolve": resolve, "reopen": reopen, "snooze": snooze, "assign": assign,
        "note": note, "label": label,
    }  # fmt: skip
    return [
        Route("/items/close", close, methods=["POST"]),
        *(Route(f"/items/{{key:path}}/{verb}", fn, methods=["POST"]) for verb, fn in verbs.items()),
        Route("/items/{key:path}", item_page, methods=["GET"]),
    ]
