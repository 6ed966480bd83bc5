"""The recording proxy: forward a request to the upstream unchanged, relay its answer unchanged
(streamed chunk by chunk as it arrives, or not), and hand what it adds up to to the recorder.

:class:`Forwarder` does one request; it is also the ``serve --upstream`` fallback (the chat
endpoint calls it for requests no rule matches). :class:`RecordingProxy` is the ASGI app of
``mockserver record``: every request goes through the forwarder.

Upstream errors reach the client as they came (status, headers, body). When the upstream does
not answer in time the client gets a 504, when it cannot be reached a 502 (OpenAI's error shape);
when it breaks off mid-answer the client's connection is closed the same way. Errors are
recorded (as faults) only with ``record_errors``. A client that disconnects cancels the upstream
request. Nothing about credentials is recorded: see :mod:`mockserver.record.recorder`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable

import httpx
from starlette.datastructures import Headers

from mockserver.record.dialects import Adapter, Reading, for_path
from mockserver.record.exchange import Exchange, Failure, Request, error_message, retry_after
from mockserver.record.recorder import Recorder, public_url
from mockserver.record.sse import NDJSON, NDJSONParser, SSEParser
from mockserver.record.upstream import RESPONSE_DROP, Upstream
from mockserver.server.faults import HTTP_STATUSES

log = logging.getLogger("mockserver.record")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Done = Callable[[int, "dict[str, Any] | None"], None]
DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024  # an answer larger than this is relayed but not recorded


class Forwarder:
    def __init__(self, upstream: Upstream, recorder: Recorder | None = None, record_errors: bool = False,
                 max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self.upstream = upstream
        self.recorder = recorder
        self.record_errors = record_errors
        self.max_record_bytes = max_record_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send, raw: bytes, done: Done | None = None) -> None:
        """Forward one request whose body was read. ``done(status, the answer as one body)`` is
        called once the answer is known and recorded, before its last byte reaches the client."""
        forward = asyncio.ensure_future(self._forward(scope, send, raw, done or _ignore))
        watcher = asyncio.ensure_future(_disconnect(receive))
        try:
            done_tasks, _ = await asyncio.wait({forward, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (forward, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(forward, watcher, return_exceptions=True)
        if forward in done_tasks:
            forward.result()  # its exception, if any
            return
        log.info("client disconnected; cancelled the upstream request (%s %s)", scope["method"], scope["path"])

    async def aclose(self) -> None:
        await self.upstream.aclose()

    async def _forward(self, scope: Scope, send: Send, raw: bytes, done: Done) -> None:
        method, path = scope["method"], scope["path"]
        adapter = for_path(path) if method == "POST" else None
        body = _json(raw)
        request = adapter.request(body) if adapter is not None else None
        where = public_url(self.upstream.url_for(path))
        try:
            response = await self.upstream.open(method, path, scope.get("query_string", b""), scope["headers"], raw,
                                                adapter.auth if adapter else "bearer")
        except httpx.TimeoutException:
            message = f"mockserver: the upstream ({where}) did not answer within {self.upstream.config.timeout:g} s."
            await self._local_error(scope, send, 504, "upstream_timeout", message, adapter, body, request, done)
            return
        except httpx.HTTPError as exc:
            message = f"mockserver: cannot reach the upstream ({where}): {type(exc).__name__}: {exc}"
            await self._local_error(scope, send, 502, "upstream_unreachable", message, adapter, body, request, done)
            return
        tee = _Tee(adapter if request is not None else None, response.headers.get("content-type", ""), self.max_record_bytes)
        try:
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.multi_items()
                       if k.lower() not in RESPONSE_DROP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            try:
                async for chunk in response.aiter_bytes():
                    tee.feed(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except httpx.HTTPError as exc:
                # the upstream broke off: so does the client's answer (the connection is closed)
                log.warning("upstream %s broke off its answer: %s: %s", where, type(exc).__name__, exc)
                done(response.status_code, None)
                return
            status = response.status_code
            reading = tee.reading() if status < 400 else Reading(None)
            if request is not None and adapter is not None:
                failure = None
                if status >= 400:
                    failure = Failure(status, error_message(tee.body) or tee.text()[:500], retry_after(dict(response.headers)))
                self._record(scope, adapter, body, request, status, tee.logged(), reading, failure)
            if tee.streamed:
                done(status, adapter.summary(reading, request.model) if adapter and request else None)
            else:
                done(status, tee.body if isinstance(tee.body, dict) else None)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    async def _local_error(self, scope: Scope, send: Send, status: int, code: str, message: str,
                           adapter: Adapter | None, body: Any, request: Request | None, done: Done) -> None:
        log.warning("%s", message)
        error = {"error": {"message": message, "type": "upstream_error", "param": None, "code": code}}
        data = json.dumps(error).encode()
        if request is not None and adapter is not None:
            self._record(scope, adapter, body, request, status, error, Reading(None), Failure(status, message))
        done(status, error)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    def _record(self, scope: Scope, adapter: Adapter, body: Any, request: Request, status: int, logged: Any,
                reading: Reading, failure: Failure | None) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.log_exchange(scope["method"], scope["path"], Headers(scope=scope), body, status, logged)
            if reading.answer is not None:
                self.recorder.add(Exchange(request, reading.answer, profile=reading.profile, answer_id=reading.answer_id))
            elif failure is not None and self.record_errors:
                if failure.status in HTTP_STATUSES:
                    self.recorder.add(Exchange(request, failure=failure))
                else:
                    log.warning("upstream status %d cannot be replayed as a fault (the format knows %s); not recorded",
                                failure.status, ", ".join(map(str, HTTP_STATUSES)))
            elif status < 400:
                log.warning("upstream answer to %s could not be read as a %s answer%s; not recorded", scope["path"],
                            adapter.name, f" ({reading.error})" if reading.error else "")
        except OSError as exc:  # the client has its answer already: a full disk must not break the proxy
            log.error("cannot write the recording under %s: %s", self.recorder.out, exc)


class _Tee:
    """What the recorder keeps of an answer while it is relayed: a JSON body, or a stream read
    event by event (never more than ``limit`` bytes)."""

    def __init__(self, adapter: Adapter | None, content_type: str, limit: int) -> None:
        self.adapter = adapter
        media = content_type.split(";", 1)[0].strip().lower()
        self.streamed = media in ("text/event-stream", NDJSON)
        self.limit = limit
        self.size = 0
        self.chunks: list[bytes] = []
        self.parser: Any = (NDJSONParser(limit) if media == NDJSON else SSEParser(limit)) if self.streamed else None
        self.reader = adapter.stream() if adapter is not None and self.streamed else None
        self._body: Any = None

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.chunks = []
            return
        self.chunks.append(chunk)
        if self.parser is not None and self.reader is not None:
            for event in self.parser.feed(chunk):
                self.reader.feed(event)

    @property
    def overflow(self) -> bool:
        return self.size > self.limit

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", errors="replace")

    @property
    def body(self) -> Any:
        if self._body is None and not self.streamed and not self.overflow:
            self._body = _json(b"".join(self.chunks))
        return self._body

    def reading(self) -> Reading:
        if self.adapter is None or self.overflow:
            return Reading(None, error="answer larger than the recording limit" if self.overflow else None)
        if self.reader is not None and self.parser is not None:
            for event in self.parser.close():
                self.reader.feed(event)
            return self.reader.result()
        return self.adapter.answer(self.body)

    def logged(self) -> Any:
        """The answer as the exchange log keeps it: the JSON body, or the stream's text."""
        if self.overflow:
            return None
        return self.text() if self.streamed or self.body is None else self.body


class RecordingProxy:
    """The ASGI app of ``mockserver record``."""

    def __init__(self, forwarder: Forwarder, limit: int) -> None:
        self.forwarder = forwarder
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        from mockserver.server.endpoint import header_map, read_limited, send_json
        from mockserver.wire.errors import APIError

        if scope["path"] == "/healthz" and scope["method"] == "GET":
            recorder = self.forwarder.recorder
            status = {"status": "ok", "upstream": public_url(self.forwarder.upstream.base),
                      "recorded_files": len(recorder.files) if recorder else 0}
            await send_json(send, 200, json.dumps(status).encode(), {})
            return
        try:
            raw = await read_limited(header_map(scope["headers"]), receive, self.limit)
        except APIError as error:
            await send_json(send, error.status, json.dumps(error.body()).encode(), error.headers)
            return
        await self.forwarder(scope, receive, send, raw)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.forwarder.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _ignore(status: int, body: dict[str, Any] | None) -> None:
    pass


async def _disconnect(receive: Receive) -> None:
    while True:
        if (await receive())["type"] == "http.disconnect":
            return


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
