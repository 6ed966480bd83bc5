"""MCP's JSON-RPC 2.0, whatever the transport: the handshake era (``initialize``, then requests in
a session; protocol 2025-11-25) and the per-request era (2026-07-28: no handshake, each request
carries its protocol version and capabilities in ``params._meta``; ``server/discover``).

:meth:`McpProtocol.handle` takes one decoded message and returns a :class:`Reply` (the JSON-RPC
response, or None for a notification, and what the journal records). Every verdict and its
source is in :mod:`mockserver.mcp.rules` (and docs/conformance.md).
"""

from __future__ import annotations

import base64
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from mockserver.mcp import rules
from mockserver.mcp.registry import McpRegistry
from mockserver.mcp.tools import CallOutcome, Counters, call_tool

HANDSHAKE_VERSIONS = ("2025-11-25",)  # negotiated by initialize
MODERN_VERSIONS = ("2026-07-28",)  # named per request in params._meta
SUPPORTED_VERSIONS = HANDSHAKE_VERSIONS + MODERN_VERSIONS
VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
DEFAULT_PAGE_SIZE = 50
MAX_SESSIONS = 1000


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data, self.status = code, message, data, status

    def body(self, msg_id: Any) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        if msg_id is None:  # unknown (unreadable request): the MCP schema's JSONRPCErrorResponse leaves it out
            return {"jsonrpc": "2.0", "error": error}
        return {"jsonrpc": "2.0", "id": msg_id, "error": error}


@dataclass(eq=False)
class McpSession:
    id: str
    version: str
    initialized: bool = False  # notifications/initialized received
    client: dict[str, Any] | None = None
    counters: Counters = field(default_factory=Counters)


class Sessions:
    """The handshake era's sessions, oldest dropped first past ``MAX_SESSIONS`` (each bounded: a
    short client name and at most ``Counters.MAX`` counters)."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self.limit = limit
        self._items: OrderedDict[str, McpSession] = OrderedDict()

    def create(self, version: str, client: Any) -> McpSession:
        # only the client's name and version, cut short: a session's size is bounded whatever initialize held
        named = {k: str(client.get(k))[:200] for k in ("name", "version") if k in client} if isinstance(client, dict) else None
        session = McpSession(secrets.token_hex(16), version, client=named)
        self._items[session.id] = session
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return session

    def get(self, session_id: str) -> McpSession | None:
        return self._items.get(session_id)

    def delete(self, session_id: str) -> bool:
        return self._items.pop(session_id, None) is not None

    def clear(self) -> None:
        self._items.clear()


@dataclass
class Reply:
    message: dict[str, Any] | None  # the JSON-RPC response; None: nothing to send (a notification)
    status: int = 200  # the HTTP status (streamable HTTP)
    session: McpSession | None = None  # a session initialize opened
    call: CallOutcome | None = None  # what a tools/call did
    tool: str | None = None
    verdict: str | None = None  # the rule (mcp.rules) that decided an error


def check_envelope(message: Any) -> RpcError | None:
    """JSON-RPC 2.0's request object: a JSON object, ``jsonrpc: "2.0"``, a string ``method``, an
    id that is a string or an integer (MCP: not null)."""
    if not isinstance(message, dict):
        return rules.error(rules.NOT_AN_OBJECT)
    if message.get("jsonrpc") != "2.0":
        return rules.error(rules.BAD_ENVELOPE, "'jsonrpc' must be \"2.0\"")
    if "method" not in message:
        if "id" in message and ("result" in message or "error" in message):
            return None  # a response to a server request: acknowledged, nothing to answer
        return rules.error(rules.BAD_ENVELOPE, "no 'method'")
    if not isinstance(message["method"], str):
        return rules.error(rules.BAD_ENVELOPE, "'method' must be a string")
    if "id" in message and (isinstance(message["id"], bool) or not isinstance(message["id"], (str, int))):
        return rules.error(rules.BAD_ENVELOPE, "'id' must be a string or an integer")
    if "params" in message and not isinstance(message["params"], dict):
        return rules.error(rules.BAD_ENVELOPE, "'params' must be an object")
    return None


def is_modern(message: dict[str, Any]) -> bool:
    """A per-request-era message: ``server/discover``, or a protocol version in ``params._meta``."""
    if message.get("method") == "server/discover":
        return True
    meta = (message.get("params") or {}).get("_meta")
    return isinstance(meta, dict) and VERSION_KEY in meta


def modern_version(message: dict[str, Any], header: str | None, http: bool) -> str:
    """The protocol version a per-request-era request names, or an RpcError (the SDK's ladder:
    the envelope's keys, then the header agreeing with it, then a supported version)."""
    meta = (message.get("params") or {}).get("_meta")
    if not isinstance(meta, dict):
        raise rules.error(rules.MODERN_META)
    missing = [k for k in (VERSION_KEY, CAPABILITIES_KEY) if k not in meta]
    if missing:
        raise rules.error(rules.MODERN_META_KEYS, ", ".join(missing))
    version = meta[VERSION_KEY]
    if http and (header is None or header != version):
        raise rules.error(rules.HEADER_MISMATCH)
    if not isinstance(version, str):
        raise rules.error(rules.MODERN_META)
    if version not in MODERN_VERSIONS:
        raise rules.error(rules.UNSUPPORTED_VERSION, data={"supported": list(MODERN_VERSIONS), "requested": version})
    return version


class McpProtocol:
    """One MCP endpoint's logic (``server``: a declared server's name, or None for all tools)."""

    def __init__(self, registry: Callable[[], McpRegistry], sessions: Sessions, timeout: float | None = None) -> None:
        self.registry = registry
        self.sessions = sessions
        self.timeout = timeout

    def server_info(self, server: str | None) -> dict[str, Any]:
        from mockserver import __version__

        return {"name": f"mockserver-mcp-{server or 'all'}", "title": "mockserver MCP mock", "version": __version__}

    def handle_legacy(self, message: dict[str, Any], session: McpSession | None, server: str | None) -> Reply:
        """A handshake-era message; ``session``: the transport's session (None before initialize)."""
        method, msg_id = message["method"], message.get("id")
        params = message.get("params") or {}
        if "id" not in message:  # a notification: never answered
            if method == "notifications/initialized" and session is not None:
                session.initialized = True
            return Reply(None, 202)
        try:
            if method == "initialize":
                return self._initialize(msg_id, params, server)
            if method == "ping":
                return Reply(ok(msg_id, {}))
            if method not in ("tools/list", "tools/call"):
                raise rules.error(rules.METHOD_NOT_FOUND, data=method)
            if session is None:
                raise rules.error(rules.BEFORE_INITIALIZE, data=method)
            return self._method(msg_id, method, params, server, session, modern=False)
        except RpcError as exc:
            return Reply(exc.body(msg_id), 200, verdict=exc.message)

    def handle_modern(self, message: dict[str, Any], server: str | None, header: str | None, http: bool,
                      counters: Counters) -> Reply:
        method, msg_id = message["method"], message.get("id")
        params = message.get("params") or {}
        if "id" not in message:
            return Reply(None, 202)
        try:
            modern_version(message, header, http)
            if method == "server/discover":
                return Reply(ok(msg_id, self._discover(server)))
            if method not in ("tools/list", "tools/call"):
                raise rules.error(rules.METHOD_NOT_FOUND, data=method)
            return self._method(msg_id, method, params, server, None, modern=True, counters=counters)
        except RpcError as exc:
            return Reply(exc.body(msg_id), rules.http_status(exc.code) if http else 200, verdict=exc.message)

    def _initialize(self, msg_id: Any, params: dict[str, Any], server: str | None) -> Reply:
        requested = params.get("protocolVersion")
        if not isinstance(requested, str):
            raise rules.error(rules.INITIALIZE_PARAMS, "protocolVersion must be a string")
        version = requested if requested in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[0]
        session = self.sessions.create(version, params.get("clientInfo"))
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": self.server_info(server),
        }
        instructions = self.registry().instructions(server)
        if instructions:
            result["instructions"] = instructions
        return Reply(ok(msg_id, result), session=session)

    def _discover(self, server: str | None) -> dict[str, Any]:
        result: dict[str, Any] = {
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": self.server_info(server),
            "cacheScope": "public", "ttlMs": 0, "resultType": "complete",
        }
        instructions = self.registry().instructions(server)
        if instructions:
            result["instructions"] = instructions
        return result

    def _method(self, msg_id: Any, method: str, params: dict[str, Any], server: str | None,
                session: McpSession | None, *, modern: bool, counters: Counters | None = None) -> Reply:
        registry = self.registry()
        if method == "tools/list":
            result = self._list(registry, server, params.get("cursor"))
            if modern:
                result.update(cacheScope="public", ttlMs=0, resultType="complete")
            return Reply(ok(msg_id, result))
        name = params.get("name")
        if not isinstance(name, str):
            raise rules.error(rules.CALL_PARAMS, "'name' must be a string")
        arguments = params.get("arguments", {})
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            raise rules.error(rules.CALL_PARAMS, "'arguments' must be an object")
        tool = registry.tool(server, name)
        if tool is None:
            raise rules.error(rules.UNKNOWN_TOOL, name=name)
        outcome = call_tool(tool, arguments, (session.counters if session else counters) or Counters(), tool.server, self.timeout)
        if outcome.error is not None:
            return Reply({"jsonrpc": "2.0", "id": msg_id, "error": outcome.error}, call=outcome, tool=name)
        result = dict(outcome.result or {})
        if modern:
            result["resultType"] = "complete"
        return Reply(ok(msg_id, result), call=outcome, tool=name)

    def _list(self, registry: McpRegistry, server: str | None, cursor: Any) -> dict[str, Any]:
        tools = registry.tools(server)
        size = registry.page_size(server) or DEFAULT_PAGE_SIZE
        start = 0
        if cursor is not None:
            start = decode_cursor(cursor)
            if start is None or start > len(tools):
                raise rules.error(rules.INVALID_CURSOR, data={"cursor": cursor})
        page = tools[start:start + size]
        result: dict[str, Any] = {"tools": [t.definition for t in page]}
        if start + size < len(tools):
            result["nextCursor"] = encode_cursor(start + size)
        return result


def ok(msg_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "result": result}


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"tools:{offset}".encode()).decode()


def decode_cursor(cursor: Any) -> int | None:
    if not isinstance(cursor, str) or len(cursor) > 64:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "tools" and number.isdigit() else None
