"""A read timeout for uvicorn's HTTP protocols: a request's headers and body must arrive within
``read_timeout`` seconds of its first byte (and a new connection must start its first request
within that time), so a slow or stalled client cannot hold a connection — and, with many of
them, the server — for ever. uvicorn has only a keep-alive timeout (idle *between* requests).

One timer per connection, armed when it opens and re-armed when it fires; per request the cost
is a time stamp in ``data_received``. A client that runs out of time gets ``408 Request Timeout``
if nothing was answered yet, and the connection is closed; once a request has fully arrived
the time the server takes is not the client's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - without httptools uvicorn speaks h11
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

log = logging.getLogger("mockserver")
DEFAULT_READ_TIMEOUT = 15.0

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def timeout_message(seconds: float) -> str:
    return "The request was not received within %g seconds (--read-timeout)." % seconds


class _ReadTimeout:
    read_timeout: float = DEFAULT_READ_TIMEOUT
    transport: Any
    cycle: Any
    loop: Any

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._began: float | None = self.loop.time()  # waiting for the first request
        self._timer = self.loop.call_later(self.read_timeout, self._tick)

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        if self._began is None and (cycle is None or cycle.response_complete):
            self._began = self.loop.time()  # the first bytes of a new request
        super().data_received(data)  # type: ignore[misc]
        cycle = self.cycle
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            self._began = None  # the whole request is in: from here on the time is the server's

    def _unsupported_upgrade_warning(self) -> None:
        # serve runs uvicorn with ws="none" (no route speaks WebSocket): uvicorn's own words would
        # tell the user to install a WebSocket library, which would change nothing
        log.info("an Upgrade request was answered as plain HTTP/1.1: mockserver has no WebSocket (or HTTP/2) routes")

    def connection_lost(self, exc: Exception | None) -> None:
        self._timer.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def _tick(self) -> None:
        if self.transport.is_closing():
            return
        began = self._began
        now = self.loop.time()
        if began is not None and now - began >= self.read_timeout:
            self._too_slow()
            return
        wait = self.read_timeout if began is None else self.read_timeout - (now - began)
        self._timer = self.loop.call_later(max(wait, 0.01), self._tick)

    def _too_slow(self) -> None:
        cycle = self.cycle
        waiting = cycle is None or (cycle.response_complete and not cycle.more_body)  # a new request, not yet begun
        stalled = cycle is not None and cycle.more_body and not cycle.response_started  # its body stopped coming
        if stalled:
            cycle.read_timed_out = self.read_timeout  # the app reading the body says "timeout", not "client disconnected"
        if waiting or stalled:
            message = (
                '{"error":{"message":"%s","type":"invalid_request_error","param":null,"code":"request_timeout"}}'
                % timeout_message(self.read_timeout)
            ).encode()
            self.transport.write(_REQUEST_TIMEOUT % (len(message), message))
        log.info("closed a connection whose request did not arrive within %g s", self.read_timeout)
        self.transport.close()  # an app waiting for the body sees http.disconnect


def protocol_class(read_timeout: float = DEFAULT_READ_TIMEOUT) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) with the read timeout."""
    if HttpToolsProtocol is not None:
        base = HttpToolsProtocol
    else:  # pragma: no cover - imported only when needed: h11 costs ~7 ms of start-up
        from uvicorn.protocols.http.h11_impl import H11Protocol as base
    return type(f"ReadTimeout{base.__name__}", (_ReadTimeout, base), {"read_timeout": read_timeout})
