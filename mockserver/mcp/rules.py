"""Every verdict of the MCP mock, with its source: the JSON-RPC error (code, message) or HTTP
answer it gives, and the evidence (the MCP specification and official schema, or the official
Python SDK's server, modelcontextprotocol/python-sdk, whose words the mock uses). Rendered into
docs/conformance.md by :mod:`mockserver.validation.conformance`.

Where the spec and the SDK leave the words open, the mock's own explanation rides in the error's
``data`` (never instead of the message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND_CODE, INVALID_PARAMS = -32700, -32600, -32601, -32602
HEADER_MISMATCH_CODE, UNSUPPORTED_VERSION_CODE = -32020, -32022

SPEC = "MCP spec 2025-11-25"
SPEC_MODERN = "MCP spec 2026-07-28 (schema.json)"
SDK_HTTP = "python-sdk `mcp/server/streamable_http.py`"
SDK_MODERN = "python-sdk `mcp/shared/inbound.py` `classify_inbound_request`"


@dataclass(frozen=True)
class McpRule:
    id: str
    check: str
    code: int | None  # the JSON-RPC error code; None for an HTTP-only answer or a tool result
    message: str  # the error message (``{…}`` fields filled in)
    status: str  # the HTTP status (streamable HTTP)
    source: str
    section: str


TRANSPORT, JSONRPC, LIFECYCLE, MODERN, TOOLS = (
    "Streamable HTTP", "JSON-RPC 2.0", "Lifecycle (handshake era, 2025-11-25)",
    "Per-request era (2026-07-28)", "Tools")

NOT_ACCEPTABLE = McpRule("mcp.not_acceptable", "the POST's `Accept` lists `application/json` or `text/event-stream`",
                         INVALID_REQUEST, "Not Acceptable: Client must accept both application/json and text/event-stream",
                         "406", f"{SPEC} transports §Sending Messages (the client MUST list both); {SDK_HTTP} `_validate_accept_header`", TRANSPORT)
BAD_CONTENT_TYPE = McpRule("mcp.content_type", "the POST's `Content-Type` is `application/json`", INVALID_REQUEST,
                           "Unsupported Media Type: Content-Type must be application/json", "415",
                           f"{SDK_HTTP} `_check_content_type`", TRANSPORT)
MISSING_SESSION = McpRule("mcp.session_missing", "a request after `initialize` carries `Mcp-Session-Id`", INVALID_REQUEST,
                          "Bad Request: Missing session ID", "400",
                          f"{SPEC} transports §Session Management (servers SHOULD answer 400); {SDK_HTTP} `_validate_session`", TRANSPORT)
UNKNOWN_SESSION = McpRule("mcp.session_unknown", "`Mcp-Session-Id` names a live session (not ended by DELETE, not forgotten)",
                          INVALID_REQUEST, "Session not found", "404",
                          f"{SPEC} transports §Session Management (MUST answer 404); python-sdk `streamable_http_manager.py`", TRANSPORT)
BAD_VERSION_HEADER = McpRule("mcp.protocol_version_header", "`MCP-Protocol-Version`, when sent, is a version the server supports",
                             INVALID_REQUEST, "Bad Request: Unsupported protocol version: {version}", "400",
                             f"{SPEC} transports §Protocol Version Header (MUST answer 400)", TRANSPORT)
GET_STREAM = McpRule("mcp.get_stream", "`GET /mcp` (a server-to-client stream): not offered", None, "", "405 (`Allow: POST, DELETE`)",
                     f"{SPEC} transports §Listening for Messages (the server MUST return SSE or 405)", TRANSPORT)

PARSE = McpRule("mcp.parse_error", "the body is JSON", PARSE_ERROR, "Parse error", "400",
                f"JSON-RPC 2.0 §5.1; {SDK_HTTP}", JSONRPC)
NOT_AN_OBJECT = McpRule("mcp.not_an_object", "the body is one JSON-RPC object (no batches since 2025-06-18)", INVALID_REQUEST,
                        "Invalid Request", "400",
                        f"{SPEC} changelog (batching removed); python-sdk `_streamable_http_modern.py` `_INVALID_BODY`", JSONRPC)
BAD_ENVELOPE = McpRule("mcp.invalid_request", "`jsonrpc: \"2.0\"`, a string `method`, a string or integer `id`, object `params`",
                       INVALID_REQUEST, "Invalid Request", "400", f"JSON-RPC 2.0 §4, §5.1; {SPEC} schema `JSONRPCRequest`", JSONRPC)
METHOD_NOT_FOUND = McpRule("mcp.method_not_found", "the method is one the server offers", METHOD_NOT_FOUND_CODE,
                           "Method not found", "200 (handshake era), 404 (per-request era)",
                           "JSON-RPC 2.0 §5.1; python-sdk `mcp/server/runner.py`; `ERROR_CODE_HTTP_STATUS` in `mcp/shared/inbound.py`", JSONRPC)

INITIALIZE_PARAMS = McpRule("mcp.initialize_params", "`initialize` names a `protocolVersion`", INVALID_PARAMS,
                            "Invalid request parameters", "200", f"{SPEC} schema `InitializeRequestParams`", LIFECYCLE)
VERSION_NEGOTIATION = McpRule("mcp.version_negotiation", "`initialize` with a version the server does not speak: answered with "
                              "the latest it speaks (2025-11-25)", None, "", "200",
                              f"{SPEC} lifecycle §Version Negotiation", LIFECYCLE)
BEFORE_INITIALIZE = McpRule("mcp.before_initialize", "`tools/*` only after `initialize` (stdio; over HTTP see mcp.session_missing)",
                            INVALID_PARAMS, "Invalid request parameters", "—",
                            f"{SPEC} lifecycle §Initialization; python-sdk `mcp/server/runner.py` (the init gate)", LIFECYCLE)

MODERN_META = McpRule("mcp.modern_meta", "a per-request-era request carries `params._meta` with the protocol version (a string)",
                      INVALID_PARAMS, "params._meta must be an object carrying the required "
                      "'io.modelcontextprotocol/protocolVersion' and 'io.modelcontextprotocol/clientCapabilities' envelope keys",
                      "400", f"{SPEC_MODERN} `RequestMetaObject`; {SDK_MODERN}", MODERN)
MODERN_META_KEYS = McpRule("mcp.modern_meta_keys", "… and the client capabilities", INVALID_PARAMS,
                           "params._meta is missing the required envelope key(s): {detail}", "400",
                           f"{SPEC_MODERN} `RequestMetaObject`; {SDK_MODERN}", MODERN)
HEADER_MISMATCH = McpRule("mcp.header_mismatch", "`MCP-Protocol-Version` equals the envelope's version (HTTP)",
                          HEADER_MISMATCH_CODE, "mcp-protocol-version header does not match the request envelope's protocol version",
                          "400", f"{SPEC_MODERN} `HeaderMismatchError`; {SDK_MODERN}", MODERN)
UNSUPPORTED_VERSION = McpRule("mcp.unsupported_version", "the envelope's version is one the server speaks", UNSUPPORTED_VERSION_CODE,
                              "Unsupported protocol version", "400",
                              f"{SPEC_MODERN} `UnsupportedProtocolVersionError` (data: supported, requested); {SDK_MODERN}", MODERN)

UNKNOWN_TOOL = McpRule("mcp.unknown_tool", "`tools/call` names a declared tool", INVALID_PARAMS, "Unknown tool: {name}",
                       "200 (handshake era), 400 (per-request era)",
                       f"{SPEC} server/tools §Error Handling (the example's words)", TOOLS)
CALL_PARAMS = McpRule("mcp.call_params", "`tools/call` has a string `name` and object `arguments`", INVALID_PARAMS,
                      "Invalid request parameters", "200 / 400", f"{SPEC} schema `CallToolRequestParams`", TOOLS)
INVALID_CURSOR = McpRule("mcp.invalid_cursor", "a `tools/list` cursor is one the server gave", INVALID_PARAMS, "Invalid cursor",
                         "200 / 400", f"{SPEC} utilities/pagination §Error Handling (-32602)", TOOLS)
ARGUMENTS_INVALID = McpRule("mcp.arguments_invalid", "`tools/call` arguments are valid against the tool's `inputSchema`", None,
                            "a tool execution error: `isError: true`, text naming each argument and its schema path", "200",
                            f"{SPEC} server/tools §Error Handling (input validation errors are tool execution errors, so the "
                            "model can self-correct)", TOOLS)
OUTPUT_SCHEMA = McpRule("mcp.output_schema", "a result's `structuredContent` conforms to the tool's `outputSchema`", None,
                        "checked when the scenario loads (static results) and when rendered (else an `isError` result naming the "
                        "scenario's mistake)", "200", f"{SPEC} server/tools §Output Schema (servers MUST conform)", TOOLS)

ALL = tuple(v for v in globals().copy().values() if isinstance(v, McpRule))
_HTTP_STATUS = {PARSE_ERROR: 400, INVALID_REQUEST: 400, INVALID_PARAMS: 400, HEADER_MISMATCH_CODE: 400,
                UNSUPPORTED_VERSION_CODE: 400, METHOD_NOT_FOUND_CODE: 404}


def http_status(code: int) -> int:
    """The per-request era's HTTP status for a JSON-RPC error (python-sdk ``ERROR_CODE_HTTP_STATUS``)."""
    return _HTTP_STATUS.get(code, 200)


def error(rule: McpRule, detail: str | None = None, data: Any = None, **fields: Any) -> Any:
    """The :class:`~mockserver.mcp.protocol.RpcError` for ``rule``; ``detail``: the mock's own
    explanation, carried in ``data`` beside the rule id."""
    from mockserver.mcp.protocol import RpcError

    message = rule.message.format(detail=detail or "", **fields) if "{" in rule.message else rule.message
    if data is None and detail and "{detail}" not in rule.message:
        data = {"mockserver": detail, "rule": rule.id}
    return RpcError(rule.code if rule.code is not None else INVALID_REQUEST, message, data)


def render_section() -> str:
    lines = ["## MCP server (`/mcp`, `/mcp/{server}`, `mockserver mcp`)", "",
             f"{len(ALL)} rules. Errors are JSON-RPC error responses (without `id` when the request's id is unknown, as the MCP schema's `JSONRPCErrorResponse` has it); "
             "the status is the streamable-HTTP answer."]
    section = None
    for rule in ALL:
        if rule.section != section:
            section = rule.section
            lines += ["", f"### {section}", "", "| rule | check | answer | HTTP | source |", "|---|---|---|---|---|"]
        answer = f"`{rule.code}` {rule.message}" if rule.code is not None else rule.message or "—"
        cells = [f"`{rule.id}`", rule.check, answer, rule.status, rule.source]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"
