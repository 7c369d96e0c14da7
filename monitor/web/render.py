"""Server-side rendering: one Jinja2 environment (autoescape always on) and the base layout.

Every value from the database reaches HTML through autoescape (Jinja's HTML escaping is the
product's one escaping for HTML, as in the digest); nothing is marked safe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.responses import HTMLResponse

from monitor.escape import html_finalize
from monitor.web.guard import Call

#: The pages in the navigation bar: (path, label). Add a page here when it is routed.
NAV = (
    ("/", "Queue"),
    ("/mentions", "Mentions"),
    ("/kpis", "KPIs"),
    ("/alerts", "Alerts"),
    ("/digests", "Digests"),
    ("/health", "Health"),
    ("/settings", "Settings"),
)
#: Bumped with the static files so browsers fetch the new ones.
STATIC_VERSION = "1"


def environment() -> Environment:
    """The template environment: autoescape on for every template whatever its name."""
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=True,
        finalize=html_finalize,  # controls and bidi characters in data shown as escapes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = _utc
    env.filters["minutes"] = _minutes
    env.filters["http_url"] = http_url
    return env


def http_url(value: str | None) -> str:
    """A post's link only when it is http(s): a ``javascript:`` URL in data is dropped."""
    if value and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return value.strip()
    return ""


def _utc(value: datetime | None) -> str:
    """A stored time as ``2026-11-02 09:00 UTC`` (``-`` when missing)."""
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(value: float) -> str:
    """An age in minutes as ``45m``, ``5h 10m`` or ``3d 4h``."""
    total = int(value)
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def page(call: Call, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` (which extends ``base.html``) for the signed-in user."""
    web = call.web
    html = web.templates.get_template(template).render(
        user=call.user,
        csrf_token=call.user.csrf_token,
        nav=[(web.url(path), label, path) for path, label in NAV],
        current=call.request.url.path.removeprefix(web.base) or "/",
        url=web.url,
        static=lambda name: web.url(f"/static/{name}?v={STATIC_VERSION}"),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def bare(
    env: Environment, base: str, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page shown before sign-in (login, errors): no user, no navigation."""
    html = env.get_template(template).render(
        user=None,
        csrf_token=context.pop("csrf_token", ""),
        nav=[],
        current="",
        url=lambda path: f"{base}{path}",
        static=lambda name: f"{base}/static/{name}?v={STATIC_VERSION}",
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
