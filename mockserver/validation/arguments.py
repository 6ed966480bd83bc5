"""A tool call's arguments against its function's declared schema (every dialect)."""

from __future__ import annotations

from mockserver.validation.schemas import check_instance, compile_schema
from mockserver.wire import jsoncodec


def json_object_problem(arguments: str) -> str | None:
    """Why ``arguments`` (a JSON text) is not a JSON object, or None."""
    return _json_object(arguments)[1]


def _json_object(arguments: str) -> tuple[object, str | None]:
    """(the parsed value, None), or (None, why ``arguments`` is not a JSON object)."""
    try:
        value = jsoncodec.loads(arguments)
    except (jsoncodec.DecodeError, ValueError) as exc:
        return None, f"not valid JSON ({exc}): {_clip(arguments)}"
    if not isinstance(value, dict):
        return None, f"must be a JSON object, got {_clip(arguments)}"
    return value, None


def arguments_problem(schema_key: str, arguments: str) -> str | None:
    """Why ``arguments`` (a JSON text) is not a valid call of the schema, or None."""
    value, problem = _json_object(arguments)
    if problem:
        return problem
    quick = compile_schema(schema_key).quick
    if quick is not None and quick(value):  # certainly valid: jsonschema only decides the rest
        return None
    problem = check_instance(schema_key, arguments)
    if problem:
        return f"{_clip(arguments)} does not match the function's parameters: {problem}"
    return None


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
