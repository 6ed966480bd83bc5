"""The ASGI response that sends a prepared stream's pieces (SSE, or the dialect's own framing),
honouring their delays.

Each piece is due at a moment counted from the request's arrival (``started``): the time to
first token includes the time the mock spent reading, validating and matching the request, as
a provider's does, instead of coming on top of it (1,000 streams arriving at once waited
their turn on the loop and then the whole TTFT: 534 ms for a configured 200 ms, against the
bare app's 325 ms). A piece whose moment has passed (the loop was busy) goes out with the
next write instead of shifting every later piece.

A client that disconnects mid-stream stops it cleanly (logged as a disconnect, not an error);
the ``DROP`` piece closes the connection without finishing the body (a fault to inject).
"""

from __future__ import annotations

import asyncio
import logging
from time import perf_counter
from typing import Any, Awaitable, Callable, Mapping

from mockserver.wire.sse import Piece

log = logging.getLogger("mockserver.stream")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SSE = "text/event-stream; charset=utf-8"
HEADERS = [
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class SSEResponse:
    def __init__(
        self, pieces: list[Piece], headers: Mapping[str, str] | list[tuple[str, str]] | None = None, media_type: str | None = None,
        started: float | None = None,
    ) -> None:
        self.pieces = pieces
        self.started = started  # perf_counter() when the request arrived (None: now)
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
        # the dialect's framing: SSE, or NDJSON, a JSON array, AWS's event stream…
        self.headers = [(b"content-type", (media_type or SSE).encode()), *HEADERS]
        self.headers += [(k.lower().encode(), v.encode()) for k, v in pairs]
        self.completed = False
        self.disconnected = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if all(p.delay <= 0 and not p.drop for p in self.pieces):
            # full speed: one write carries every event (the client still sees each event), and
            # nothing waits, so no task needs to watch for a disconnect meanwhile
            await send({"type": "http.response.start", "status": 200, "headers": self.headers})
            await send({"type": "http.response.body", "body": b"".join(p.data for p in self.pieces), "more_body": False})
            self.completed = True
            return
        sender = asyncio.ensure_future(self._send_all(send))
        watcher = asyncio.ensure_future(self._wait_disconnect(receive))
        try:
            done, _ = await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(sender, watcher, return_exceptions=True)
        if sender in done and sender.exception() is not None:
            raise sender.exception()  # type: ignore[misc]
        if self.disconnected and not self.completed:
            log.info("client disconnected mid-stream (%s %s)", scope.get("method"), scope.get("path"))

    async def _wait_disconnect(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return

    async def _send_all(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        # pieces due at the same moment (no delay between them, or already late) go out in one
        # write: the client sees the same events at the same time, for one send and one wake-up
        clock = asyncio.get_running_loop().time
        due = clock() - (perf_counter() - self.started if self.started is not None else 0.0)
        pending: list[bytes] = []
        for piece in self.pieces:
            if piece.delay > 0:
                due += piece.delay
                wait = due - clock()
                if wait > 0:
                    if pending:
                        await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                        pending = []
                    await asyncio.sleep(wait)
            if piece.drop:
                if pending:
                    await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                log.info("fault: dropping the connection mid-stream")
                return
            pending.append(piece.data)
        await send({"type": "http.response.body", "body": b"".join(pending), "more_body": False})
        self.completed = True
