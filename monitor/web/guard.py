"""Signing in, roles and CSRF around every handler: ``@view()`` for pages, ``@action()`` for POSTs.

A handler is a plain function ``handler(call: Call) -> Response``; the guard runs it in a
worker thread (handlers call the blocking pipeline), after it has checked:

- a session cookie naming a live session, else a page redirects to ``/login`` and an API
  route (``api=True``) answers 401;
- the role (``viewer`` < ``agent`` < ``admin``), else 403;
- for a POST, the session's CSRF token in the form field ``csrf_token`` or the header
  ``X-CSRF-Token``, else 403.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from monitor.pipeline.users import SignedIn, role_at_least, session_user
from monitor.web.state import WebState

SESSION_COOKIE = "monitor_session"
#: Before sign-in there is no session: the login form's CSRF token is this cookie's value.
LOGIN_CSRF_COOKIE = "monitor_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Call:
    """One guarded request: the request, who made it, its form (POST) and the app's parts."""

    request: Request
    user: SignedIn
    form: Mapping[str, str]
    web: WebState
    #: every value of a repeated form field (bulk actions: several ``id``)
    form_lists: Mapping[str, list[str]]

    def url(self, path: str) -> str:
        """An app path with ``web.base_path`` in front."""
        return self.web.url(path)


Handler = Callable[[Call], Response]


def web_state(request: Request) -> WebState:
    """The app's shared parts."""
    state: WebState = request.app.state.web
    return state


def is_https(request: Request, web: WebState) -> bool:
    """Served over https, directly or behind a trusted proxy saying so (X-Forwarded-Proto)."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and _from_trusted_proxy(request, web)


def _from_trusted_proxy(request: Request, web: WebState) -> bool:
    peer = request.client.host if request.client else ""
    return peer in web.settings.config.web.trusted_proxies


def client_address(request: Request, web: WebState) -> str:
    """The browser's address: X-Forwarded-For's first entry from a trusted proxy, else the peer."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and _from_trusted_proxy(request, web):
        return forwarded.split(",")[0].strip() or peer
    return peer


def session_token(request: Request, web: WebState) -> str | None:
    """The session id from the signed cookie, or None when absent or forged."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return web.signer.unsign(raw).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def set_session_cookie(response: Response, request: Request, web: WebState, token: str) -> None:
    """The signed session cookie: HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        SESSION_COOKIE,
        web.signer.sign(token).decode(),
        max_age=int(web.lifetime.total_seconds()),
        path=web.base or "/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, web),
    )


def clear_session_cookie(response: Response, request: Request, web: WebState) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(
        SESSION_COOKIE, path=web.base or "/", httponly=True, samesite="lax",
        secure=is_https(request, web),
    )  # fmt: skip


def login_csrf(request: Request) -> str:
    """The login form's CSRF token: the browser's pre-session cookie, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf_cookie(response: Response, request: Request, web: WebState, token: str) -> None:
    """Keep the login form's CSRF token in a cookie (double submit: only our page knows it)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, path=web.base or "/", httponly=True, samesite="strict",
        secure=is_https(request, web),
    )  # fmt: skip


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def login_url(web: WebState, request: Request) -> str:
    """``/login`` remembering where the user was going."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return web.url("/login") + "?next=" + quote(target, safe="")


async def _signed_in(request: Request, web: WebState) -> SignedIn | None:
    token = session_token(request, web)
    if token is None:
        return None
    return await run_in_threadpool(session_user, web.engine, token, clock=web.clock)


def _guard(
    role: str, api: bool, post: bool
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            web = web_state(request)
            user = await _signed_in(request, web)
            if user is None:
                if request.headers.get("hx-request"):  # htmx: send the whole page to sign-in
                    return Response(
                        status_code=401, headers={"HX-Redirect": login_url(web, request)}
                    )
                if api:
                    return JSONResponse({"error": "sign in first"}, status_code=401)
                return RedirectResponse(login_url(web, request), status_code=303)
            form: dict[str, str] = {}
            lists: dict[str, list[str]] = {}
            if post:
                async with request.form() as data:
                    for name, value in data.multi_items():
                        if isinstance(value, str):
                            form.setdefault(name, value)
                            lists.setdefault(name, []).append(value)
                given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
                if not tokens_match(user.csrf_token, given):
                    raise HTTPException(403, "missing or wrong CSRF token: reload the page")
            if not role_at_least(user.role, role):
                raise HTTPException(403, f"your role ({user.role}) may not do this")
            call = Call(request, user, form, web, lists)
            return await run_in_threadpool(handler, call)

        return endpoint

    return wrap


def view(
    role: str = "viewer", *, api: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Guard a GET page (or API route with ``api=True``) for ``role`` and above."""
    return _guard(role, api, post=False)


def action(
    role: str = "agent", *, api: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Guard a state-changing POST: signed in, ``role`` and above, valid CSRF token."""
    return _guard(role, api, post=True)
