"""The app factory: ``create_app(settings, engine)`` gives the ASGI app ``monitor web`` serves.

Pages register here: each page module has ``routes() -> list[Route]``; add the module to
:data:`PAGE_MODULES`. Everything is mounted under ``web.base_path``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from itsdangerous import Signer
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from monitor.clock import utc_now
from monitor.config import Settings
from monitor.pipeline.users import SignInLimiter, cookie_key
from monitor.web.headers import SecurityHeaders
from monitor.web.render import bare, environment
from monitor.web.state import WebState

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Modules under monitor.web with a ``routes()`` function, in matching order.
PAGE_MODULES = (
    "monitor.web.routes_auth",
    "monitor.web.pages_queue",
    "monitor.web.pages_item",
    "monitor.web.pages_mentions",
    "monitor.web.pages_kpis",
    "monitor.web.pages_digests",
    "monitor.web.pages_status",
)
_TITLES = {
    400: "Bad request",
    401: "Sign in",
    403: "Forbidden",
    404: "Not found",
    405: "Not allowed",
}


def create_app(
    settings: Settings,
    engine: Engine,
    *,
    clock: Callable[[], datetime] = utc_now,
    limiter: SignInLimiter | None = None,
) -> Starlette:
    """The web inbox over ``engine`` (schema already at head) for ``settings``."""
    cfg = settings.config.web
    secret = cfg.secret.get_secret_value() if cfg.secret is not None else None
    key = cookie_key(engine, secret or None, clock=clock)
    web = WebState(
        settings=settings,
        engine=engine,
        clock=clock,
        limiter=limiter or SignInLimiter(),
        signer=Signer(key, salt="monitor.web.session"),
        templates=environment(),
        base=cfg.base_path,
        lifetime=timedelta(hours=cfg.session_hours),
    )
    routes: list[BaseRoute] = []
    for name in PAGE_MODULES:
        routes.extend(importlib.import_module(name).routes())
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    if web.base:
        routes = [Mount(web.base, routes=routes)]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.web = web
    app.add_middleware(SecurityHeaders, static_prefix=web.url("/static/"))
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors as a small page (or JSON for ``/api/`` and htmx requests)."""
    assert isinstance(exc, HTTPException)
    web: WebState = request.app.state.web
    path = request.url.path.removeprefix(web.base)
    if path.startswith("/api/") or request.headers.get("hx-request"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return bare(
        web.templates, web.base, "error.html", exc.status_code, status=exc.status_code,
        title=_TITLES.get(exc.status_code, "Error"), message=exc.detail,
    )  # fmt: skip
