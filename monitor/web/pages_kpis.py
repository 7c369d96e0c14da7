"""The KPI page ``/kpis``: a brand or competitor over a date range, each KPI against its target,
share of voice and the digest's charts (PNG images served by ``/kpis/chart/NAME.png``)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline.kpi_page import KpiView, kpi_chart, kpi_view
from monitor.pipeline.search import searchable_names
from monitor.report.charts import CHART_TITLES
from monitor.report.formatting import MISSING, format_change, format_value
from monitor.scoring import ALL_SOURCES, KPI_BY_KEY
from monitor.web.forms import day_param, text_param
from monitor.web.guard import Call, view
from monitor.web.render import page


def _read(call: Call) -> tuple[dict[str, str], KpiView]:
    query = call.request.query_params
    settings = call.web.settings
    params = {n: text_param(query, n) for n in ("brand", "first", "last", "source")}
    brand = params["brand"] or settings.config.brands[0].name
    view_ = kpi_view(
        call.web.engine,
        settings,
        brand=brand,
        first=day_param(query, "first"),
        last=day_param(query, "last"),
        source=params["source"] or ALL_SOURCES,
        clock=call.web.clock,
    )
    return params, view_


def _status(met: bool | None, bound: str | None) -> str:
    """The status word of ``monitor kpis``: met, MISSED, no data, or - without a target."""
    if met is None:
        return MISSING if bound is None else "no data"
    return "met" if met else "MISSED"


@view()
def kpis_page(call: Call) -> Response:
    """Every KPI of the judged day against its target, the days of the range, the charts."""
    settings = call.web.settings
    params: dict[str, str] = {}
    try:
        params, kv = _read(call)
    except UsageError as exc:
        return page(
            call, "kpis.html", 400, error=str(exc), kv=None, params=params,
            brands=searchable_names(settings), sources=sorted(settings.source_settings),
        )  # fmt: skip
    chart_query = urlencode({"brand": kv.brand, "first": kv.first, "last": kv.last})
    total = sum(kv.share_of_voice.values())
    return page(
        call, "kpis.html", error=None, kv=kv, params=params,
        brands=searchable_names(settings), sources=sorted(settings.source_settings),
        charts=[(call.url(f"/kpis/chart/{name}.png") + "?" + chart_query, title)
                for name, title in CHART_TITLES.items()],
        voice=[(name, n, n / total if total else None) for name, n in kv.share_of_voice.items()],
        fmt=format_value, change=format_change, status=_status,
        units={k: d.unit for k, d in KPI_BY_KEY.items()},
    )  # fmt: skip


@view()
def chart_image(call: Call) -> Response:
    """One of the digest's charts over the page's range, as a PNG image."""
    name = call.request.path_params["name"]
    if name not in CHART_TITLES:
        raise HTTPException(404, f"no chart called {name!r}")
    try:
        _, kv = _read(call)
        png = kpi_chart(
            call.web.engine, call.web.settings, brand=kv.brand, first=kv.first, last=kv.last,
            name=name,
        )  # fmt: skip
    except UsageError as exc:
        raise HTTPException(400, str(exc)) from None
    return Response(png, media_type="image/png")


def routes() -> list[Route]:
    """The KPI routes."""
    return [
        Route("/kpis", kpis_page, methods=["GET"]),
        Route("/kpis/chart/{name}.png", chart_image, methods=["GET"]),
    ]
