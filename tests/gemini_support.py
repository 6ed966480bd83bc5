"""Test helpers for the Gemini dialect: the official Discovery schemas as JSON Schema (every
object closed, so a misspelt field fails), Google's REST error envelope, and httpx transports
that keep every raw response body google-genai receives (each stream event is validated too)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "google-generatecontent-schemas.json"
PREFIX = "GoogleCloudAiplatformV1"
CODES = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
         "PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
         "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"]


def _convert(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return {"$ref": f"#/$defs/{node['$ref']}"}
    kind = node.get("type")
    out: dict[str, Any] = {}
    if kind == "any":
        return {}
    if kind == "object":
        out["type"] = "object"
        if "properties" in node:
            out["properties"] = {k: _convert(v) for k, v in node["properties"].items()}
            out["additionalProperties"] = False
        elif "additionalProperties" in node:
            out["additionalProperties"] = _convert(node["additionalProperties"])
    elif kind == "array":
        out = {"type": "array", "items": _convert(node.get("items", {}))}
    elif kind in ("string", "integer", "number", "boolean"):
        out["type"] = kind
        if "enum" in node:
            out["enum"] = node["enum"]
    return out


@cache
def _defs() -> dict[str, Any]:
    schemas = json.loads(FIXTURE.read_text(encoding="utf-8"))["schemas"]
    return {name: _convert(schema) for name, schema in schemas.items()}


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """``name`` without the ``GoogleCloudAiplatformV1`` prefix (``GenerateContentResponse``)."""
    schema = {"$defs": _defs(), "$ref": f"#/$defs/{PREFIX}{name}"}
    return jsonschema.Draft202012Validator(schema)


ERROR_SCHEMA = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "status"], "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "status": {"enum": CODES},
                       "details": {"type": "array", "items": {"type": "object", "required": ["@type"]}}},
    }},
}


def assert_official(name: str, instance: Any) -> None:
    """``name``: a schema of the Discovery document, or ``"Error"`` (Google's REST error envelope)."""
    check = jsonschema.Draft202012Validator(ERROR_SCHEMA) if name == "Error" else validator(name)
    errors = sorted(check.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)} in {json.dumps(instance)[:400]}"


def events_of(raw: bytes, content_type: str) -> list[Any]:
    """A stream's events: SSE ``data:`` payloads, or the JSON array's elements."""
    if content_type.startswith("text/event-stream"):
        text = raw.decode()
        assert "\r\n\r\n" in text or not text
        return [json.loads(block[len("data: "):]) for block in text.split("\r\n\r\n") if block.strip()]
    return json.loads(raw)


def assert_answer_official(raw: bytes, content_type: str, status: int) -> None:
    """A body or each event of a stream, against the official schemas."""
    if status >= 400:
        assert_official("Error", json.loads(raw))
        return
    if content_type.startswith("text/event-stream") or raw.startswith(b"["):
        items = events_of(raw, content_type)
        assert items, "an empty stream"
        for item in items:
            assert_official("Error" if "error" in item else "GenerateContentResponse", item)
        return
    assert_official("GenerateContentResponse", json.loads(raw))


class Recording(httpx.HTTPTransport):
    """Keeps (path, status, content-type, raw body) of every answer, and checks it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        raw = response.read()
        self.seen.append((request.url.path, response.status_code, response.headers.get("content-type", ""), raw))
        assert_answer_official(raw, response.headers.get("content-type", ""), response.status_code)
        return httpx.Response(response.status_code, headers=response.headers, content=raw, request=request)


class AsyncRecording(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        raw = await response.aread()
        self.seen.append((request.url.path, response.status_code, response.headers.get("content-type", ""), raw))
        assert_answer_official(raw, response.headers.get("content-type", ""), response.status_code)
        return httpx.Response(response.status_code, headers=response.headers, content=raw, request=request)
