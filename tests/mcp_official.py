"""Every MCP answer checked against the official MCP schema of its protocol era (the journal holds
each request and its answer): handshake era → 2025-11-25, per-request era → 2026-07-28."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

FIXTURES = Path(__file__).parent / "fixtures"
ERAS = {"2025-11-25": "mcp-2025-11-25-schema.json", "2026-07-28": "mcp-2026-07-28-schema.json"}
RESULTS = {"initialize": "InitializeResult", "ping": "EmptyResult", "tools/list": "ListToolsResult",
           "tools/call": "CallToolResult", "server/discover": "DiscoverResult"}
_VALIDATORS: dict[tuple[str, str], jsonschema.Draft202012Validator] = {}


def validator(era: str, name: str) -> jsonschema.Draft202012Validator:
    key = (era, name)
    if key not in _VALIDATORS:
        document = json.loads((FIXTURES / ERAS[era]).read_text())
        registry = Registry().with_resource(f"urn:mcp-{era}", DRAFT202012.create_resource(document))
        _VALIDATORS[key] = jsonschema.Draft202012Validator({"$ref": f"urn:mcp-{era}#/$defs/{name}"}, registry=registry)
    return _VALIDATORS[key]


def assert_mcp_official(era: str, name: str, instance: Any) -> None:
    error = jsonschema.exceptions.best_match(validator(era, name).iter_errors(instance))
    assert error is None, f"not a valid {name} ({era}): {error.message} at {error.json_path}\n{json.dumps(instance)[:1500]}"


def era_of(request: Any) -> str:
    if isinstance(request, dict):
        meta = (request.get("params") or {}).get("_meta") if isinstance(request.get("params"), dict) else None
        if request.get("method") == "server/discover" or (isinstance(meta, dict) and "io.modelcontextprotocol/protocolVersion" in meta):
            return "2026-07-28"
    return "2025-11-25"


def assert_answer_official(request: Any, body: Any) -> None:
    """One JSON-RPC answer: its envelope, and its result by the request's method."""
    era = era_of(request)
    if "error" in body:
        assert_mcp_official(era, "JSONRPCErrorResponse", body)
        return
    assert_mcp_official(era, "JSONRPCResultResponse", body)
    method = request.get("method")
    if method in RESULTS:
        assert_mcp_official(era, RESULTS[method], body["result"])


def assert_journal_official(entries: Any) -> int:
    """Check every answered MCP entry; returns how many were checked."""
    checked = 0
    for entry in entries:
        if entry.dialect != "mcp" or not entry.response:
            continue
        assert_answer_official(entry.request, entry.response)
        checked += 1
    return checked
