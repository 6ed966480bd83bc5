"""The dialects' ``POST`` endpoints (``/v1/chat/completions``, ``/v1/responses``, …) as one plain
ASGI app: the hot path, without starlette's Request/Response objects. :class:`FastPath` sends
dialect POSTs (the paths of the route table, ``mockserver.server.routes``) here before routing;
the router still lists each endpoint, so other methods get its 405."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from time import perf_counter
from typing import Any, Awaitable, Callable, Mapping

from mockserver.engine.budget import first_slice
from mockserver.server import memory, routes
from mockserver.server.journal import Journal, Recording
from mockserver.server.routes import RouteTable
from mockserver.server.service import MockService, error_headers
from mockserver.server.streaming import SSEResponse
from mockserver.server.timeouts import timeout_message
from mockserver.server.turns import Turns
from mockserver.wire import jsoncodec
from mockserver.wire.body import too_large
from mockserver.wire.errors import APIError, not_found_route
from mockserver.wire.warnings import response_headers

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_JSON = (b"content-type", b"application/json")
# bodies larger than this are handled off the event loop from the start (the thread hop costs
# ~50 µs; parsing and validating 64 KiB of messages can take several milliseconds)
OFF_LOOP_BYTES = 64 * 1024


# ``serve --upstream``: called with a request no rule matched (after its body was read); it
# answers the client itself, calling ``done(status, the answer as one body)`` for the journal
# before the answer's last byte is sent (see mockserver.record.proxy.Forwarder).
Fallback = Callable[[Scope, Receive, Send, bytes, Callable[[int, Any], None]], Awaitable[None]]


class DialectEndpoint:
    """``POST`` to any dialect's path: read the body, let the service answer, journal, send."""

    def __init__(
        self, service: MockService, journal: Journal, limit: int, fallback: Fallback | None = None, table: RouteTable | None = None
    ) -> None:
        self.service = service
        self.journal = journal
        self.limit = limit
        self.table = table if table is not None else routes.table()
        self.fallback = fallback
        self.turns = Turns()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        headers = header_map(scope["headers"])
        route = self.table.resolve(scope["path"], scope.get("query_string", b""))
        if route is None:  # not a dialect path (a mounted app's, or the table changed): 404
            await send_json(send, 404, jsoncodec.dumps(not_found_route(scope["method"], scope["path"]).body()), {})
            return
        dialect = self.service.dialects[route.dialect]
        try:
            raw = await read_limited(headers, receive, self.limit)
        except APIError as error:
            body = dialect.error_body(self.service.profile, error)
            self.journal.add((scope["method"], scope["path"], scope["headers"], None, None, started), error.status, body, None)
            await send_json(send, error.status, jsoncodec.dumps(body), error_headers(dialect, error))
            return
        try:
            # a large body (a long conversation) is parsed and validated in a worker thread: Python
            # code there yields the GIL every few milliseconds, so nobody else waits for it
            if len(raw) <= OFF_LOOP_BYTES:
                # in its turn: a burst of requests does not hold up the streams under way
                outcome = await self.turns.run(first_slice, self.service.handle, dialect, raw, headers, route)
                if outcome is None:  # scenario evaluation needs more than its slice: finish off the loop
                    outcome = await asyncio.to_thread(self.service.handle, dialect, raw, headers, route)
            else:
                outcome = await asyncio.to_thread(self._handle_large, dialect, raw, headers, route)
            body = outcome.encoded() if outcome.stream is None else b""  # before the journal: it may fail
        except Exception as exc:
            self.journal.record_failure(Recording(scope["method"], scope["path"], scope["headers"], raw, None, started), exc)
            raise
        # the journal's record: (method, path, raw headers, raw body unless parsed, outcome, started)
        kept = None if outcome.request is not None else raw
        rec = (scope["method"], scope["path"], self.journal.shared(scope["headers"]), kept, None, started)
        if self.fallback is not None and outcome.error is not None and outcome.error.code == "no_matching_rule":
            def done(status: int, answer: Any) -> None:
                self.journal.add(rec, status, answer, replace(outcome, status=status, body=answer, error=None, reply=None), len(raw))

            await self.fallback(scope, receive, send, raw, done)
            return
        self.journal.add(rec, outcome.status, outcome.body, outcome, len(raw))
        rule = outcome.error.rule if outcome.error is not None else None
        headers = response_headers(outcome.headers, outcome.warnings, rule) if outcome.warnings or rule else outcome.headers
        if outcome.stream is not None:
            await SSEResponse(outcome.stream, headers, outcome.media_type, started)(scope, receive, send)
            return
        if outcome.delay > 0:  # counted from the request's arrival, as a stream's pieces are
            wait = outcome.delay - (perf_counter() - started)
            if wait > 0:
                await asyncio.sleep(wait)
        await send_json(send, outcome.status, body, headers)


    def _handle_large(self, dialect: Any, raw: bytes, headers: dict[str, str], route: Any) -> Any:
        with memory.collector_paused:  # see server/memory.py: collections would hold the GIL for long
            return self.service.handle(dialect, raw, headers, route)


def header_map(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """A request's headers as a plain dict by lower-case name (ASGI names are lower-case), the
    first of a repeated name winning as in starlette's ``Headers.get``: each lookup is then one
    dict probe, where ``Headers`` decodes and scans every header."""
    found: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1")
        if key not in found:
            found[key] = value.decode("latin-1")
    return found


async def read_limited(headers: Mapping[str, str], receive: Receive, limit: int, option: str = "--max-body-bytes") -> bytes:
    """The request body, refused with a 413 as soon as it is known to exceed ``limit``."""
    length = headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit, option)
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):  # one message: the usual case
        body = message.get("body", b"")
        if len(body) > limit:
            raise too_large(limit, option)
        return body
    parts: list[bytes] = []  # joined once: += would copy the growing body at every chunk
    size = 0
    while True:
        if message["type"] == "http.disconnect":
            timed_out = getattr(getattr(receive, "__self__", None), "read_timed_out", None)  # see server/timeouts.py
            if timed_out is not None:  # the 408 was sent; this is what the journal says
                raise APIError(timeout_message(timed_out), status=408, code="request_timeout")
            raise APIError("The client disconnected before sending the whole body.", code="client_disconnected")
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise too_large(limit, option)
        if not message.get("more_body", False):
            return b"".join(parts)
        message = await receive()


async def send_json(send: Send, status: int, body: bytes, headers: Mapping[str, str] | list[tuple[str, str]]) -> None:
    raw_headers = [_JSON, (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in _pairs(headers)]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _pairs(headers: Mapping[str, str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header (name, value) pairs: a name may repeat (one X-Mock-Warnings field per warning)."""
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


class FastPath:
    """ASGI middleware: dialect POSTs skip the router."""

    def __init__(self, app: Any, endpoint: DialectEndpoint) -> None:
        self.app = app
        self.endpoint = endpoint
        self.matches = endpoint.table.matches

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and self.matches(scope["path"]):
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)
