"""MCP exchanges in the server's one journal, beside the model's requests and in order.

An entry is written through :meth:`Journal.add` like a dialect's: its ``dialect`` is ``mcp``, its
request the JSON-RPC message, its response the JSON-RPC answer, its scenario and rule the result
rule that answered a ``tools/call``. Readers (the assertions below, the inspector) tell MCP
entries by ``entry.dialect == "mcp"``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from mockserver.server.journal import Recording
from mockserver.wire import jsoncodec

MCP_DIALECT = "mcp"


@dataclass
class _Reply:
    rule: Any  # a ResultRule: scenario, name, location


@dataclass
class McpOutcome:
    """What the journal reads off an answered MCP message (the attributes of a service Outcome)."""

    request: Any
    body: Any
    rule: Any = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    dialect: str = MCP_DIALECT
    warnings: tuple[Any, ...] = ()
    stream: Any = None
    summary: Any = None
    parsed: Any = None

    @property
    def reply(self) -> _Reply | None:
        return _Reply(self.rule) if self.rule is not None else None

    def encoded(self) -> bytes:
        return jsoncodec.dumps(self.body) if self.body is not None else b""


def record(journal: Any, method: str, path: str, headers: Any, raw: bytes | None, started: float, status: int,
           request: Any, body: Any, rule: Any = None, faults: list[dict[str, Any]] | None = None,
           response_headers: dict[str, str] | None = None) -> None:
    if journal is None:
        return
    rec = Recording(method, path, headers, raw, None, started)
    outcome = McpOutcome(request, body, rule, faults or [], response_headers or {})
    journal.add(rec, status, body if body is not None else {}, outcome)


def now() -> float:
    return time.perf_counter()


# --- reading the journal --------------------------------------------------------------------


def mcp_calls(entries: Sequence[Any], name: str | None = None, server: str | None = None) -> list[Any]:
    """The ``tools/call`` entries (optionally of one tool, one server's path) in arrival order."""
    found = []
    for entry in entries:
        if entry.dialect != MCP_DIALECT or not isinstance(entry.request, dict):
            continue
        if entry.request.get("method") != "tools/call":
            continue
        params = entry.request.get("params") or {}
        if name is not None and params.get("name") != name:
            continue
        if server is not None and not entry.path.rstrip("/").endswith(f"/mcp/{server}"):
            continue
        found.append(entry)
    return found


def arguments_of(entry: Any) -> Any:
    return ((entry.request or {}).get("params") or {}).get("arguments") or {}


def result_of(entry: Any) -> Any:
    return (entry.response or {}).get("result")
