"""Broken tool calls, schema-aware, to test a client's repair logic (``fault.tool_call``).

- ``invalid_json``: the arguments cut in half (never valid JSON);
- ``undeclared_tool``: a name the request does not declare (``<name>_v2``);
- ``missing_required``: the first required parameter left out;
- ``wrong_type``: a parameter of the wrong JSON type, the way models get it wrong — a number as
  a string, an object or array JSON-encoded into a string, a string wrapped in an array.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mockserver.engine.respond import RenderedCall, RenderedReply
from mockserver.validation.arguments import arguments_problem
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError, scenario_error


class BreakError(ValueError):
    """The call cannot be broken this way (e.g. no required parameter to leave out)."""


def break_reply(reply: RenderedReply, kind: str, index: int, tools: ToolSet, rule: str | None) -> RenderedReply:
    """The reply with its tool call ``index`` broken. ``rule``: the label of the rule whose
    ``fault`` asks for it (a scenario error if impossible), or None for the X-Mock-Fault header
    (then the client's mistake, a 400)."""

    def refuse(problem: str) -> APIError:
        if rule is None:
            return APIError(f"X-Mock-Fault {kind}: {problem}.", code="invalid_mock_header")
        return scenario_error(f"fault.tool_call {kind}: {problem}", rule)

    if index >= len(reply.tool_calls):
        raise refuse(f"the reply has {len(reply.tool_calls)} tool call(s), so there is no call {index} to break")
    calls = list(reply.tool_calls)
    target = calls[index]
    try:
        name, arguments = break_call(kind, target.name, target.arguments, tools)
    except BreakError as exc:
        raise refuse(str(exc)) from None
    calls[index] = RenderedCall(name, arguments, target.id)
    return replace(reply, tool_calls=calls)


def break_call(kind: str, name: str, arguments: str, tools: ToolSet) -> tuple[str, str]:
    """(name, arguments) of the broken call."""
    if kind == "invalid_json":
        return name, arguments[: max(1, len(arguments) // 2)]
    if kind == "undeclared_tool":
        broken = f"{name}_v2"
        while broken in tools.functions:
            broken += "_v2"
        return broken, arguments
    declared = tools.functions.get(name)
    schema = declared.parameters if declared is not None else None
    try:
        value = jsoncodec.loads(arguments)
    except (jsoncodec.DecodeError, ValueError):
        raise BreakError(f"the arguments of '{name}' are not JSON to begin with") from None
    if not isinstance(value, dict) or not isinstance(schema, dict):
        raise BreakError(f"'{name}' declares no parameters to break")
    key = declared.schema_key if declared is not None else None
    if kind == "missing_required":
        return name, _missing_required(name, value, schema)
    if kind == "wrong_type":
        return name, _wrong_type(name, value, schema, key)
    raise BreakError(f"unknown tool-call fault {kind!r}")


def _missing_required(name: str, value: dict[str, Any], schema: dict[str, Any]) -> str:
    for field in schema.get("required") or []:
        if field in value:
            return jsoncodec.dumps_str({k: v for k, v in value.items() if k != field})
    raise BreakError(f"'{name}' has no required parameter to leave out")


def _wrong_type(name: str, value: dict[str, Any], schema: dict[str, Any], key: str | None) -> str:
    props = schema.get("properties") or {}
    required = [f for f in schema.get("required") or [] if f in props]
    order = required + [f for f in value if f in props and f not in required] + [f for f in props if f not in value]
    for field in dict.fromkeys(order):
        for wrong in _wrong_values(value.get(field), props[field]):
            text = jsoncodec.dumps_str({**value, field: wrong})
            if key is None or arguments_problem(key, text):
                return text
    raise BreakError(f"'{name}' declares no typed parameter to give a wrong type")


def _wrong_values(current: Any, schema: Any) -> list[Any]:
    kind = schema.get("type") if isinstance(schema, dict) else None
    kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    candidates: list[Any] = []
    if kinds & {"integer", "number"}:
        candidates.append(str(current) if isinstance(current, (int, float)) and not isinstance(current, bool) else "42")
    if "boolean" in kinds:
        candidates.append("true" if current in (True, None) else "false")
    if kinds & {"object", "array"} and current is not None:
        candidates.append(jsoncodec.dumps_str(current))
    if "string" in kinds:
        candidates.append([current] if isinstance(current, str) else [])
    if kinds:
        candidates += ["42", 42, [], {}, True]  # whichever the schema refuses (checked by the caller)
    return candidates
