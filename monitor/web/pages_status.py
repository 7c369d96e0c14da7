"""The read-only status pages: ``/alerts`` (fired alerts and their delivery), ``/health``
(sources, last success, failures, backlog) and ``/settings`` (the config, never a secret)."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline.alerts import alert_deliveries
from monitor.pipeline.health_view import health_view
from monitor.pipeline.settings_view import settings_summary
from monitor.web.forms import int_param
from monitor.web.guard import Call, view
from monitor.web.render import page

#: The alerts page looks back this many days unless asked otherwise (``?days=``).
ALERT_DAYS = 7


@view()
def alerts_page(call: Call) -> Response:
    """Alerts fired in the last days, newest first, with each channel's delivery state."""
    try:
        days = int_param(call.request.query_params, "days", ALERT_DAYS, 1, 366)
    except UsageError as exc:
        return page(call, "alerts.html", 400, error=str(exc), items=[], days=ALERT_DAYS)
    now = call.web.clock()
    items = alert_deliveries(
        call.web.engine, call.web.settings, since=now - timedelta(days=days), now=now
    )
    return page(call, "alerts.html", error=None, items=list(reversed(items)), days=days)


@view()
def health_page(call: Call) -> Response:
    """Each source's state, last success and failures; the labeling backlog."""
    return page(call, "health.html", health=health_view(call.web.engine, call.web.settings))


@view()
def settings_page(call: Call) -> Response:
    """The running configuration, read-only; secrets only as set or not set."""
    return page(call, "settings.html", sections=settings_summary(call.web.settings))


def routes() -> list[Route]:
    """The status routes."""
    return [
        Route("/alerts", alerts_page, methods=["GET"]),
        Route("/health", health_page, methods=["GET"]),
        Route("/settings", settings_page, methods=["GET"]),
    ]
