"""Cross-site safety for every route, as ASGI middleware in front of the whole app (so the chat
endpoint's fast path and every endpoint added later are covered without a line of their own).

Two checks, both before any handler runs:

- **Host**: a DNS-rebinding page (``evil.example`` resolved to 127.0.0.1) reaches the server with
  ``Host: evil.example``; only the names the server is known by are answered — ``localhost``,
  ``127.0.0.1``, ``::1``, the ``--host`` it is bound to, and ``--allowed-hosts`` (``*``: any; a
  leading dot, ``.example.com``, allows the domain and its subdomains). When bound to a wildcard
  address (``0.0.0.0``, ``::``, the container) any IP-literal Host is answered too: a browser
  only sends one to the address it connected to, so it cannot come from rebinding. The port is
  not compared (port mappings change it).
- **Origin**: a page on another site can send simple POSTs (``text/plain``, no body type) to
  localhost; browsers mark them with ``Origin``. A request whose ``Origin`` is present and is not
  this server (``http(s)://`` + its own ``Host``) is refused. SDKs and curl send no ``Origin``.

Refusals are 403s in OpenAI's error shape that say what to change.

Being the outermost of mockserver's own layers, it also ends requests that a shutdown cuts off
(uvicorn cancels them once its graceful timeout is over) quietly: a 503 when nothing was sent
yet, the end of the body for a stream, and one log line instead of a ``CancelledError``
traceback per request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Any, Awaitable, Callable, Iterable

from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

log = logging.getLogger("mockserver")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# "mockserver.asgi": the pytest fixture's in-process transport (no socket; not a resolvable name)
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "mockserver.asgi")
WILDCARD_BINDS = ("0.0.0.0", "::", "")


class HostGuard:
    def __init__(self, app: Any, bound: str, allowed: Iterable[str] = ()) -> None:
        self.app = app
        names = [n.strip().lower() for n in allowed if n.strip()]
        self.any_host = "*" in names
        self.suffixes = tuple(n for n in names if n.startswith("."))
        self.names = frozenset([*LOCAL_NAMES, *(n.strip("[]") for n in names if not n.startswith("."))])
        bound = bound.strip("[]").lower()
        self.ip_literals = bound in WILDCARD_BINDS
        if not self.ip_literals:
            self.names |= {bound}
        self._answered: set[bytes] = set()  # Host header values already found acceptable
        self._hint = ", ".join(sorted(self.names)) + (" and any IP address" if self.ip_literals else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = origin = None
        for key, value in scope["headers"]:
            if key == b"host":
                host = value
            elif key == b"origin":
                origin = value
        if host is not None and host not in self._answered:
            if not self.any_host and not self._host_allowed(_hostname(host)):
                await _refuse(send, _host_error(host.decode("latin-1"), self._hint))
                return
            if len(self._answered) < 64:  # bounded: a handful of names a server is known by
                self._answered.add(host)
        if origin is not None and not _same_origin(origin, host):
            await _refuse(send, _origin_error(origin.decode("latin-1"), (host or b"").decode("latin-1")))
            return
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:  # only uvicorn cancels a request: the server is stopping
            log.info("shutting down: %s %s cut off", scope["method"], scope["path"])
            await _cut_off(send)

    def _host_allowed(self, name: str) -> bool:
        if name in self.names:
            return True
        if self.suffixes and any(name == s[1:] or name.endswith(s) for s in self.suffixes):
            return True
        if self.ip_literals:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                return False
            return True
        return False


def _hostname(host: bytes) -> str:
    """The name of a Host header value, without port or IPv6 brackets, lower-cased."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def _same_origin(origin: bytes, host: bytes | None) -> bool:
    return host is not None and origin in (b"http://" + host, b"https://" + host)


def _host_error(host: str, allowed: str) -> APIError:
    return APIError(
        f"Host {host!r} is not allowed: mockserver answers requests addressed to {allowed} "
        "(a guard against DNS rebinding). To reach it by another name, start it with "
        "--allowed-hosts NAME (MOCKSERVER_ALLOWED_HOSTS=NAME, comma-separated; '*' allows any, "
        "e.g. in a container behind a service name).",
        code="host_not_allowed",
        status=403,
    )


def _origin_error(origin: str, host: str) -> APIError:
    return APIError(
        f"Cross-origin request refused: Origin {origin!r} is not this server (http://{host}). "
        "Web pages on other sites cannot drive mockserver; clients that are not browsers send no Origin header.",
        code="cross_origin_refused",
        status=403,
    )


async def _cut_off(send: Send) -> None:
    try:
        await _refuse(send, APIError("The server is shutting down.", type="server_error", status=503))
    except RuntimeError:  # the response had started (a stream): end its body instead
        try:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except Exception:  # noqa: BLE001 - the connection is going away anyway
            pass


async def _refuse(send: Send, error: APIError) -> None:
    body = jsoncodec.dumps(error.body())
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
