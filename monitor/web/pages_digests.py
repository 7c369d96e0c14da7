"""The digest archive ``/digests`` and each digest opened as it was mailed.

A digest is our own HTML, but it carries post text and brand names: it is served as its
own response under a strict Content-Security-Policy (no script at all, a sandboxed origin,
no forms) with its charts inlined as ``data:`` images, never inside the app's pages.
"""

from __future__ import annotations

import base64
from datetime import date

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from monitor.errors import UsageError
from monitor.pipeline.archive import DigestNotFound, digest_archive, stored_digest
from monitor.pipeline.search import searchable_names
from monitor.web.forms import text_param
from monitor.web.guard import Call, view
from monitor.web.render import page

#: The digest's own policy: its inline styles and data: charts, nothing else; sandboxed.
DIGEST_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox"
)


@view()
def digests_page(call: Call) -> Response:
    """Every built digest, newest first, with each channel's delivery state."""
    settings = call.web.settings
    brand = text_param(call.request.query_params, "brand")
    try:
        runs = digest_archive(call.web.engine, settings, now=call.web.clock(), brand=brand or None)
    except UsageError as exc:
        return page(
            call, "digests.html", 400, error=str(exc), runs=[], brand=brand,
            brands=searchable_names(settings),
        )  # fmt: skip
    return page(
        call, "digests.html", error=None, runs=runs, brand=brand,
        brands=searchable_names(settings),
    )  # fmt: skip


@view()
def digest_document(call: Call) -> Response:
    """One digest's stored HTML, charts inlined, under :data:`DIGEST_CSP`."""
    brand = call.request.path_params["brand"]
    try:
        day = date.fromisoformat(call.request.path_params["day"])
    except ValueError:
        raise HTTPException(404, "no such digest: the day is not YYYY-MM-DD") from None
    try:
        stored = stored_digest(call.web.engine, brand=brand, day=day)
        html = stored.html.read_text(encoding="utf-8")
        for name, path in stored.images.items():
            # exact file names the writer put in src="…": each becomes its own data: image
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            html = html.replace(f'src="{name}"', f'src="data:image/png;base64,{data}"')
    except DigestNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": DIGEST_CSP},
    )


def routes() -> list[Route]:
    """The digest archive routes."""
    return [
        Route("/digests", digests_page, methods=["GET"]),
        Route("/digests/{brand}/{day}", digest_document, methods=["GET"]),
    ]
