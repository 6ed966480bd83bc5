"""Turning raw request bytes into a JSON object, within size and nesting limits."""

from __future__ import annotations

from typing import Any

from mockserver.wire import jsoncodec, slicedjson
from mockserver.wire.errors import APIError

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_SCENARIO_BYTES = 1024 * 1024  # a scenario posted to /_mock/scenarios


def check_content_type(content_type: str | None) -> None:
    """Absent or JSON content types are accepted; anything else is a 415."""
    if not content_type:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return
    raise APIError(
        f"Unsupported Content-Type {media!r}: the body must be JSON sent with "
        "'Content-Type: application/json' (with curl, add -H 'Content-Type: application/json').",
        code="unsupported_media_type",
        status=415,
    )


def too_large(limit: int, option: str = "--max-body-bytes") -> APIError:
    return APIError(
        f"Request body too large: the limit is {limit} bytes (set {option} to raise it).",
        code="request_too_large",
        status=413,
    )


def _depth_exceeds(value: Any, limit: int) -> bool:
    # plain loops, not generator expressions fed to list.extend: a generator resumed from C never
    # lets the interpreter switch threads, so a 100,000-item list held the GIL for ~200 ms
    stack = [(value, 1)]
    push = stack.append
    containers = (dict, list)
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        deeper = depth + 1
        for child in (node.values() if type(node) is dict else node):
            if type(child) in containers:
                push((child, deeper))
    return False


def parse_json_object(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    if not raw.strip():
        raise APIError(
            "The request body is empty: send a JSON object such as "
            '{"model": "...", "messages": [...]}.',
            code="invalid_json",
        )
    try:
        data = slicedjson.loads(raw) if len(raw) > slicedjson.SLICED_BYTES else None
        if data is None:
            data = jsoncodec.loads(raw)
    except UnicodeDecodeError:
        raise APIError("The request body is not valid UTF-8.", code="invalid_json") from None
    except (jsoncodec.DecodeError, ValueError, RecursionError) as exc:
        detail = str(exc)
        if "recursion" in detail.lower() or "depth limit" in detail.lower():
            raise _too_deep(max_depth) from None
        if "utf-8" in detail.lower() or "utf8" in detail.lower():
            raise APIError("The request body is not valid UTF-8.", code="invalid_json") from None
        raise APIError(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
            "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
            f"sent was not valid JSON.) Parser error: {detail}",
        ) from None
    if not isinstance(data, dict):
        raise APIError(
            f"The request body must be a JSON object, but got {type_name(data)}.",
            code="invalid_json",
        )
    # Depth can only exceed the limit if there are at least that many brackets: a C-speed count
    # spares the walk for ordinary requests.
    if raw.count(b"{") + raw.count(b"[") > max_depth and _depth_exceeds(data, max_depth):
        raise _too_deep(max_depth)
    return data


def _too_deep(limit: int) -> APIError:
    return APIError(
        f"The JSON body is nested more than {limit} levels deep (set --max-depth to raise it).",
        code="invalid_json",
    )


def type_name(value: Any) -> str:
    """OpenAI's names for JSON types in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
