"""``/login`` (form and sign-in), ``/logout``: the only routes open without a session."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.pipeline.users import SignInRefused, TooManyAttempts, sign_in, sign_out
from monitor.web.guard import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    Call,
    action,
    clear_session_cookie,
    client_address,
    login_csrf,
    session_token,
    set_login_csrf_cookie,
    set_session_cookie,
    tokens_match,
    web_state,
)
from monitor.web.render import bare
from monitor.web.state import WebState

MAX_FIELD_CHARS = 1024


def safe_next(web: WebState, target: str | None) -> str:
    """Where to go after sign-in: a path of this app only (never another site)."""
    if target:
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        local = local and not target.startswith("//") and "\\" not in target
        ours = not web.base or target == web.base or target.startswith(web.base + "/")
        if local and ours:
            return target
    return web.url("/")


def _form_page(
    request: Request, web: WebState, *, status: int = 200, error: str = "", username: str = "",
    next_: str = "",
) -> Response:  # fmt: skip
    token = login_csrf(request)
    response = bare(
        web.templates, web.base, "login.html", status, csrf_token=token, error=error,
        username=username, next=next_,
    )  # fmt: skip
    set_login_csrf_cookie(response, request, web, token)
    return response


async def login_form(request: Request) -> Response:
    """The sign-in form with the browser's pre-session CSRF token (kept in a cookie)."""
    web = web_state(request)
    return _form_page(request, web, next_=request.query_params.get("next", ""))


async def login(request: Request) -> Response:
    """Check the password; on success set the session cookie and go where the user was going."""
    web = web_state(request)
    async with request.form() as data:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD)):
        return bare(
            web.templates, web.base, "error.html", 403, status=403, title="Forbidden",
            message="The sign-in form expired or was not ours: open the sign-in page again.",
        )  # fmt: skip
    name = form.get("username", "")[:MAX_FIELD_CHARS].strip()
    password = form.get("password", "")[:MAX_FIELD_CHARS]
    next_ = form.get("next", "")
    try:
        token, _ = await run_in_threadpool(
            sign_in, web.engine, name, password, address=client_address(request, web),
            limiter=web.limiter, lifetime=web.lifetime, clock=web.clock,
        )  # fmt: skip
    except TooManyAttempts as exc:
        response = _form_page(request, web, status=429, error=str(exc), username=name, next_=next_)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except SignInRefused as exc:
        return _form_page(request, web, status=401, error=str(exc), username=name, next_=next_)
    response = RedirectResponse(safe_next(web, next_), status_code=303)
    set_session_cookie(response, request, web, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=web.base or "/")
    return response


@action(role="viewer")
def logout(call: Call) -> Response:
    """End the session and forget the cookie."""
    token = session_token(call.request, call.web)
    if token is not None:
        sign_out(call.web.engine, token)
    response = RedirectResponse(call.url("/login"), status_code=303)
    clear_session_cookie(response, call.request, call.web)
    return response


def routes() -> list[Route]:
    """The sign-in routes."""
    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
