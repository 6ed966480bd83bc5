"""MCP's streamable HTTP transport at ``/mcp`` (every declared tool) and ``/mcp/{server}``.

POST carries one JSON-RPC message. Handshake era: ``initialize`` opens a session (its id in the
``Mcp-Session-Id`` response header), every later message must carry it; a request's answer is
an SSE stream of one ``message`` event when the client accepts ``text/event-stream``, else JSON.
Per-request era (2026-07-28): no session, the version in ``params._meta`` and the
``MCP-Protocol-Version`` header, the answer JSON with the status of its error code. DELETE ends
a session; GET (a server-to-client stream) is not offered: 405.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.mcp import rules
from mockserver.mcp.journaled import now, record
from mockserver.mcp.protocol import HANDSHAKE_VERSIONS, MODERN_VERSIONS, McpProtocol, RpcError, Reply, check_envelope, is_modern
from mockserver.mcp.tools import Counters
from mockserver.server.endpoint import read_limited
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"


def _accepts(request: Request) -> tuple[bool, bool]:
    accept = request.headers.get("accept", "")
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    anything = "*/*" in types or not accept
    return (anything or JSON_TYPE in types or "application/*" in types), (SSE_TYPE in types or "text/*" in types)


class McpEndpoint:
    def __init__(self, protocol: McpProtocol, journal: Any, max_body_bytes: int) -> None:
        self.protocol = protocol
        self.journal = journal
        self.max_body_bytes = max_body_bytes

    def routes(self) -> list[Route]:
        return [Route("/mcp", self.handle, methods=["GET", "POST", "DELETE"]),
                Route("/mcp/{server}", self.handle, methods=["GET", "POST", "DELETE"])]

    async def handle(self, request: Request) -> Response:
        started = now()
        server = request.path_params.get("server")
        raw: bytes | None = None
        message: Any = None
        reply: Reply | None = None
        headers: dict[str, str] = {}
        try:
            if server is not None and not self.protocol.registry().has(server):
                declared = ", ".join(sorted(self.protocol.registry().servers)) or "none"
                raise _Http(404, RpcError(rules.INVALID_REQUEST, f"Not Found: no MCP server '{server}' is declared "
                                          f"(declared: {declared})"))
            if request.method == "GET":
                return _plain(405, {"Allow": "POST, DELETE"})
            if request.method == "DELETE":
                self._delete(request)
                self._record(request, raw, started, 200, None, None)
                return _plain(200)
            wants_json, wants_sse = _accepts(request)
            if not (wants_json or wants_sse):
                raise _Http(406, rules.error(rules.NOT_ACCEPTABLE))
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON_TYPE:
                raise _Http(415, rules.error(rules.BAD_CONTENT_TYPE))
            try:
                raw = await read_limited(request.headers, request.receive, self.max_body_bytes)
            except APIError as exc:
                raise _Http(exc.status, RpcError(rules.INVALID_REQUEST, exc.message)) from None
            try:
                message = jsoncodec.loads(raw)
            except (jsoncodec.DecodeError, ValueError, RecursionError) as exc:
                raise _Http(400, rules.error(rules.PARSE, str(exc))) from None
            problem = check_envelope(message)
            if problem is not None:
                raise _Http(400, problem)
            if "method" not in message:  # a client's response to a server request: none are sent
                reply = Reply(None, 202)
            else:
                reply, headers = await self._dispatch(request, message, server)
            return self._answer(reply, headers, wants_sse and wants_json or (wants_sse and not wants_json),
                                message, request, raw, started)
        except _Http as exc:
            body = exc.error.body(message.get("id") if isinstance(message, dict) else None)
            self._record(request, raw, started, exc.status, message, body)
            return _json(exc.status, body, exc.headers)

    async def _dispatch(self, request: Request, message: dict[str, Any], server: str | None) -> tuple[Reply, dict[str, str]]:
        version_header = request.headers.get(VERSION_HEADER)
        if is_modern(message) or version_header in MODERN_VERSIONS:
            reply = await anyio.to_thread.run_sync(
                self.protocol.handle_modern, message, server, version_header, True, Counters())
            return reply, {}
        session = None
        if message["method"] != "initialize":
            session_id = request.headers.get(SESSION_HEADER)
            if not session_id:
                raise _Http(400, rules.error(rules.MISSING_SESSION))
            session = self.protocol.sessions.get(session_id)
            if session is None:
                raise _Http(404, rules.error(rules.UNKNOWN_SESSION))
            if version_header is not None and version_header not in HANDSHAKE_VERSIONS:
                raise _Http(400, rules.error(rules.BAD_VERSION_HEADER, version=version_header))
        reply = await anyio.to_thread.run_sync(self.protocol.handle_legacy, message, session, server)
        session = reply.session or session
        return reply, ({"Mcp-Session-Id": session.id} if session is not None else {})

    def _answer(self, reply: Reply, headers: dict[str, str], sse: bool, message: Any, request: Request,
                raw: bytes | None, started: float) -> Any:
        call = reply.call
        return _Delayed(self, reply, headers, sse, message, request, raw, started, call)

    def _delete(self, request: Request) -> None:
        session_id = request.headers.get(SESSION_HEADER)
        if not session_id:
            raise _Http(400, rules.error(rules.MISSING_SESSION))
        if not self.protocol.sessions.delete(session_id):
            raise _Http(404, rules.error(rules.UNKNOWN_SESSION))

    def _record(self, request: Request, raw: bytes | None, started: float, status: int, message: Any, body: Any,
                rule: Any = None, faults: Any = None, headers: dict[str, str] | None = None) -> None:
        record(self.journal, request.method, request.url.path, request.scope["headers"], raw, started, status,
               message, body, rule, faults, headers)


class _Delayed(Response):
    """The answer, sent after the result's latency (the journal entry written just before it)."""

    def __init__(self, endpoint: McpEndpoint, reply: Reply, headers: dict[str, str], sse: bool, message: Any,
                 request: Request, raw: bytes | None, started: float, call: Any) -> None:
        self.parts = (endpoint, reply, headers, sse, message, request, raw, started, call)
        super().__init__(status_code=reply.status)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        endpoint, reply, headers, sse, message, request, raw, started, call = self.parts
        if call is not None and call.latency:
            await anyio.sleep(call.latency)
        status, body = reply.status, reply.message
        if call is not None and call.http:
            status = int(call.http.get("status", 500))
            body = {"jsonrpc": "2.0", "id": message.get("id"),
                    "error": {"code": -32603, "message": call.http.get("message") or f"HTTP {status} (injected by the scenario)"}}
        rule = call.rule if call is not None else None
        faults = call.faults if call is not None else None
        endpoint._record(request, raw, started, status, message, body, rule, faults, headers)
        if body is None:
            response = _plain(status, headers)
        elif sse and status == 200 and "id" in message:
            data = jsoncodec.dumps(body)
            response = Response(b"event: message\ndata: " + data + b"\n\n", status_code=200, headers=headers,
                                media_type=SSE_TYPE)
            response.headers["cache-control"] = "no-cache, no-transform"
        else:
            response = _json(status, body, headers)
        await response(scope, receive, send)


class _Http(Exception):
    def __init__(self, status: int, error: RpcError, headers: dict[str, str] | None = None) -> None:
        self.status, self.error, self.headers = status, error, headers or {}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, headers=headers, media_type=JSON_TYPE)


def _plain(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=headers)
