"""OpenAI's strict-mode (Structured Outputs) rules for a function's ``parameters``.

Messages follow OpenAI's form: ``In context=('properties', 'unit'), 'allOf' is not permitted.``
"""

from __future__ import annotations

from typing import Any, Iterator

# Keywords OpenAI documents as supported in strict schemas.
SUPPORTED = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "anyOf", "$ref", "$defs", "definitions", "description", "title", "default",
        "pattern", "format", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "minItems", "maxItems", "$schema", "$id", "$comment",
    }
)
FORMATS = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"})
MAX_DEPTH = 10
MAX_PROPERTIES = 5000


def _context(path: tuple[str, ...]) -> str:
    return "In context=" + repr(path)


def strict_problems(schema: Any) -> Iterator[str]:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        yield f"{_context(())}, schema must be a JSON Schema of 'type: \"object\"' in strict mode."
        return
    if "anyOf" in schema:
        yield f"{_context(())}, the root schema must not be 'anyOf' in strict mode."
        return
    count = [0]
    yield from _walk(schema, (), 1, count)
    if count[0] > MAX_PROPERTIES:
        yield f"{_context(())}, the schema has {count[0]} properties; strict mode allows at most {MAX_PROPERTIES}."


def _walk(node: Any, path: tuple[str, ...], depth: int, count: list[int]) -> Iterator[str]:
    if isinstance(node, bool) or not isinstance(node, dict):
        return
    for key in node:
        if key not in SUPPORTED:
            yield f"{_context(path)}, '{key}' is not permitted."
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt not in FORMATS:
        yield f"{_context(path)}, format '{fmt}' is not supported; supported formats: {', '.join(sorted(FORMATS))}."
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    properties = node.get("properties")
    if "object" in types or isinstance(properties, dict):
        if depth > MAX_DEPTH:
            yield f"{_context(path)}, objects are nested more than {MAX_DEPTH} levels deep."
        if node.get("additionalProperties") is not False:
            yield f"{_context(path)}, 'additionalProperties' is required to be supplied and to be false."
        props = properties if isinstance(properties, dict) else {}
        count[0] += len(props)
        required = node.get("required")
        missing = [k for k in props if not isinstance(required, list) or k not in required]
        if missing:
            yield (
                f"{_context(path)}, 'required' is required to be supplied and to be an array including "
                f"every key in properties. Missing '{missing[0]}'."
            )
        for name, sub in props.items():
            yield from _walk(sub, path + ("properties", name), depth + 1, count)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _walk(items, path + ("items",), depth, count)
    for keyword in ("anyOf",):
        for k, sub in enumerate(node.get(keyword) or []):
            yield from _walk(sub, path + (keyword, str(k)), depth, count)
    for keyword in ("$defs", "definitions"):
        defs = node.get(keyword)
        if isinstance(defs, dict):
            for name, sub in defs.items():
                yield from _walk(sub, path + (keyword, name), depth, count)
