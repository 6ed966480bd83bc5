"""``POST /v1/chat/completions`` as a plain ASGI app: the hot path, without starlette's
Request/Response objects. :class:`FastPath` sends exact chat POSTs here before routing;
the route table still lists the endpoint, so other methods get the router's 405."""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Any, Awaitable, Callable, Mapping

from starlette.datastructures import Headers

from mockserver.server.journal import Journal, Recording
from mockserver.server.service import MockService
from mockserver.server.streaming import SSEResponse
from mockserver.wire import jsoncodec
from mockserver.wire.body import too_large
from mockserver.wire.errors import APIError
from mockserver.wire.warnings import response_headers

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
_JSON = (b"content-type", b"application/json")


class ChatEndpoint:
    def __init__(self, service: MockService, journal: Journal, limit: int) -> None:
        self.service = service
        self.journal = journal
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        headers = Headers(scope=scope)
        try:
            raw = await read_limited(headers, receive, self.limit)
        except APIError as error:
            self.journal.add((scope["method"], scope["path"], scope["headers"], None, None, started), error.status, error.body(), None)
            await send_json(send, error.status, jsoncodec.dumps(error.body()), error.headers)
            return
        try:
            outcome = self.service.chat(raw, headers)
            body = outcome.encoded() if outcome.stream is None else b""  # before the journal: it may fail
        except Exception as exc:
            self.journal.record_failure(Recording(scope["method"], scope["path"], scope["headers"], raw, None, started), exc)
            raise
        # the journal's record: (method, path, raw headers, raw body unless parsed, outcome, started)
        kept = None if outcome.request is not None else raw
        rec = (scope["method"], scope["path"], self.journal.shared(scope["headers"]), kept, None, started)
        self.journal.add(rec, outcome.status, outcome.body, outcome)
        rule = outcome.error.rule if outcome.error is not None else None
        headers = response_headers(outcome.headers, outcome.warnings, rule) if outcome.warnings or rule else outcome.headers
        if outcome.stream is not None:
            await SSEResponse(outcome.stream, headers)(scope, receive, send)
            return
        if outcome.delay > 0:
            await asyncio.sleep(outcome.delay)
        await send_json(send, outcome.status, body, headers)


async def read_limited(headers: Headers, receive: Receive, limit: int) -> bytes:
    """The request body, refused with a 413 as soon as it is known to exceed ``limit``."""
    length = headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise APIError("The client disconnected before sending the whole body.", code="client_disconnected")
        body += message.get("body", b"")
        if len(body) > limit:
            raise too_large(limit)
        if not message.get("more_body", False):
            return body


async def send_json(send: Send, status: int, body: bytes, headers: Mapping[str, str] | list[tuple[str, str]]) -> None:
    raw_headers = [_JSON, (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in _pairs(headers)]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _pairs(headers: Mapping[str, str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header (name, value) pairs: a name may repeat (one X-Mock-Warnings field per warning)."""
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


class FastPath:
    """ASGI middleware: exact chat POSTs skip the router."""

    def __init__(self, app: Any, chat: ChatEndpoint) -> None:
        self.app = app
        self.chat = chat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in CHAT_PATHS:
            await self.chat(scope, receive, send)
        else:
            await self.app(scope, receive, send)
