"""``GET /_mock/ui`` (the journal inspector, a page served from ``mockserver/inspector/``) and
``GET /_mock/journal.har`` (the journal as a HAR 1.2 log).

The page and its two assets hold no data, so they are served without the API key (a browser
cannot send a header when it navigates); the page reads ``/_mock/journal`` and
``/_mock/scenarios`` with ``fetch``, sending the key it asks for once as an ``Authorization``
header — never in a URL. A strict Content-Security-Policy (same-origin scripts and requests,
no inline code, no framing) keeps journal text from ever running as code.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mockserver.server.har import har_log
from mockserver.server.journal import Journal
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError, not_found_route

ASSETS = {  # file under mockserver/inspector/ → media type
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "convo.js": "text/javascript; charset=utf-8",
    "detail.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _asset(name: str) -> bytes:
    return resources.files("mockserver").joinpath("inspector", name).read_bytes()


def inspector_routes(journal: Journal, service: Any, error_response: Callable[[APIError], Response]) -> list[Route]:
    assets = {name: _asset(name) for name in ASSETS}  # a few dozen KB, read once

    async def page(request: Request) -> Response:
        return Response(assets["index.html"], media_type=ASSETS["index.html"], headers=SECURITY_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS or name == "index.html":
            return error_response(not_found_route(request.method, request.url.path))
        return Response(assets[name], media_type=ASSETS[name], headers=SECURITY_HEADERS)

    async def slash(request: Request) -> Response:
        return RedirectResponse("../ui", status_code=308)  # relative: works behind a path prefix too

    async def har(request: Request) -> Response:
        refused = service.auth_error(request.headers)
        if refused is not None:
            return error_response(refused)
        base = f"{request.url.scheme}://{request.url.netloc}"
        body = jsoncodec.dumps(har_log(journal.calls, base))
        return Response(body, media_type="application/json", headers={
            "Content-Disposition": 'attachment; filename="mockserver-journal.har"',
            "Cache-Control": "no-store",
        })

    return [
        Route("/_mock/ui", page, methods=["GET"]),
        Route("/_mock/ui/", slash, methods=["GET"]),
        Route("/_mock/ui/{name}", asset, methods=["GET"]),
        Route("/_mock/journal.har", har, methods=["GET"]),
    ]
