"""Layer 3: declared tools and ``tool_choice``.

A :class:`ToolSet` (names → compiled parameter schemas) is cached by the canonical JSON of the
``tools`` array, so a large schema is checked once, not on every turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Iterator

from mockserver.validation.problems import empty_array, invalid, invalid_type, invalid_value, missing
from mockserver.validation.schemas import compile_schema, schema_key
from mockserver.validation.strict import strict_problems
from mockserver.wire import jsoncodec
from mockserver.wire.usage import count_tokens
from mockserver.wire.errors import APIError

import re

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")  # function names (OpenAI's pattern)
NAME_MAX = 64
EMPTY_OBJECT_SCHEMA = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class Function:
    name: str
    parameters: dict[str, Any] | None
    schema_key: str | None
    strict: bool


@dataclass
class ToolSet:
    functions: dict[str, Function] = field(default_factory=dict)
    problems: list[APIError] = field(default_factory=list)
    key: str = ""  # the canonical JSON of the tools array (the cache key)

    @property
    def names(self) -> list[str]:
        return list(self.functions)

    @cached_property
    def tokens(self) -> int:
        """The usage estimate of the declared tools, counted once per distinct tools array."""
        return count_tokens(self.key) if self.key else 0


EMPTY_TOOLSET = ToolSet()


def tool_set(tools: Any, flat: bool = False) -> ToolSet:
    """The declared tools, checked. ``flat``: the Responses API's shape (``{"type": "function",
    "name", "parameters", …}``, hosted tools beside them) instead of Chat Completions' nested one."""
    if tools is None:
        return EMPTY_TOOLSET
    try:
        key = jsoncodec.dumps_sorted(tools).decode()
    except TypeError:  # pragma: no cover - JSON-decoded input always serialises
        return _build(tools, flat)
    return _cached(key, flat)


@lru_cache(maxsize=256)
def _cached(key: str, flat: bool) -> ToolSet:
    result = _build(jsoncodec.loads(key), flat)
    result.key = key
    return result


def _build(tools: Any, flat: bool = False) -> ToolSet:
    result = ToolSet()
    result.problems = list(_check_tools(tools, result.functions, flat))
    return result


def _check_tools(tools: Any, functions: dict[str, Function], flat: bool = False) -> Iterator[APIError]:
    if not isinstance(tools, list):
        yield invalid_type("tools", "an array", tools)
        return
    if not tools:
        yield empty_array("tools")
        return
    first_index: dict[str, int] = {}
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            yield invalid_type(where, "an object", tool)
            continue
        kind = tool.get("type")
        if kind is None:
            yield missing(f"{where}.type")
            continue
        if flat:
            if not isinstance(kind, str):
                yield invalid_type(f"{where}.type", "a string", kind)
                continue
            if kind not in ("function", "custom"):
                continue  # a hosted tool (web_search, file_search, mcp, …): declared, never called
            spec, prefix = tool, where
        else:
            if kind not in ("function", "custom"):
                yield invalid_value(f"{where}.type", kind, ["function", "custom"])
                continue
            spec = tool.get(kind)
            if spec is None:
                yield missing(f"{where}.{kind}")
                continue
            if not isinstance(spec, dict):
                yield invalid_type(f"{where}.{kind}", "an object", spec)
                continue
            prefix = f"{where}.{kind}"
        name = spec.get("name")
        name_param = f"{prefix}.name"
        if name is None:
            yield missing(name_param)
            continue
        if not isinstance(name, str):
            yield invalid_type(name_param, "a string", name)
            continue
        if not NAME_RE.match(name):
            yield invalid(
                name_param,
                f"Invalid '{name_param}': string does not match pattern. Expected a string that "
                "matches the pattern '^[a-zA-Z0-9_-]+$'.",
            )
            continue
        if len(name) > NAME_MAX:
            yield invalid(
                name_param,
                f"Invalid '{name_param}': string too long. Expected a string with maximum length "
                f"{NAME_MAX}, but got a string with length {len(name)} instead.",
                "string_above_max_length",
            )
            continue
        if name in first_index:
            yield invalid(
                "tools",
                f"Invalid 'tools': duplicate function name '{name}' (tools[{first_index[name]}] and {where}). "
                "Tool names must be unique.",
            )
            continue
        first_index[name] = i
        if kind == "custom":
            functions[name] = Function(name, None, None, False)
            continue
        description = spec.get("description")
        if description is not None and not isinstance(description, str):
            yield invalid_type(f"{prefix}.description", "a string", description)
        strict = spec.get("strict")
        if strict is not None and not isinstance(strict, bool):
            yield invalid_type(f"{prefix}.strict", "a boolean", strict)
            strict = False
        parameters = spec.get("parameters")
        param = f"{prefix}.parameters"
        if parameters is None:
            functions[name] = Function(name, None, schema_key(EMPTY_OBJECT_SCHEMA), bool(strict))
            continue
        if not isinstance(parameters, dict):
            yield invalid_type(param, "an object", parameters)
            continue
        problem = _schema_problem(name, parameters, bool(strict))
        if problem:
            yield APIError(
                f"Invalid schema for function '{name}': {problem}",
                param=param,
                code="invalid_function_parameters",
            )
            continue
        functions[name] = Function(name, parameters, schema_key(parameters), bool(strict))


def _schema_problem(name: str, parameters: dict[str, Any], strict: bool) -> str | None:
    kind = parameters.get("type")
    if kind != "object":
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{kind}\"'."
    compiled = compile_schema(schema_key(parameters))
    if compiled.schema_error:
        return f"not a valid JSON Schema: {compiled.schema_error}"
    if strict:
        for problem in strict_problems(parameters):
            return problem
    return None


# --- tool_choice ----------------------------------------------------------------------------

CHOICES = ["none", "auto", "required"]


@dataclass(frozen=True)
class ToolChoice:
    mode: str  # none | auto | required | function
    function: str | None = None


def check_tool_choice(body: dict[str, Any], tools: ToolSet) -> Iterator[APIError | ToolChoice]:
    """Yields problems, and last the normalised choice when there are none."""
    choice = body.get("tool_choice")
    has_tools = bool(tools.functions)
    if choice is None:
        yield ToolChoice("auto" if has_tools else "none")
        return
    if isinstance(choice, str):
        if choice not in CHOICES:
            yield invalid_value("tool_choice", choice, CHOICES)
            return
        if choice == "required" and not has_tools:
            yield _only_with_tools()
            return
        yield ToolChoice(choice)
        return
    if not isinstance(choice, dict):
        yield invalid_type("tool_choice", "one of a string or object", choice)
        return
    kind = choice.get("type")
    if kind is None:
        yield missing("tool_choice.type")
        return
    if kind == "allowed_tools":
        yield from _allowed_tools(choice.get("allowed_tools"), tools)
        return
    if kind not in ("function", "custom"):
        yield invalid_value("tool_choice.type", kind, ["function", "custom", "allowed_tools"])
        return
    if not has_tools:
        yield _only_with_tools()
        return
    function = choice.get(kind)
    if not isinstance(function, dict):
        yield missing(f"tool_choice.{kind}") if function is None else invalid_type(
            f"tool_choice.{kind}", "an object", function
        )
        return
    name = function.get("name")
    if not isinstance(name, str):
        yield missing(f"tool_choice.{kind}.name") if name is None else invalid_type(
            f"tool_choice.{kind}.name", "a string", name
        )
        return
    if name not in tools.functions:
        declared = ", ".join(f"'{n}'" for n in tools.functions)
        yield invalid(
            f"tool_choice.{kind}.name",
            f"Invalid value for 'tool_choice': function '{name}' is not declared in 'tools' "
            f"(declared: {declared}).",
        )
        return
    yield ToolChoice("function", name)


def _allowed_tools(spec: Any, tools: ToolSet) -> Iterator[APIError | ToolChoice]:
    """``{"type": "allowed_tools", "allowed_tools": {"mode": "auto"|"required", "tools": [...]}}``."""
    param = "tool_choice.allowed_tools"
    if not isinstance(spec, dict):
        yield missing(param) if spec is None else invalid_type(param, "an object", spec)
        return
    mode = spec.get("mode")
    if mode not in ("auto", "required"):
        yield missing(f"{param}.mode") if mode is None else invalid_value(f"{param}.mode", mode, ["auto", "required"])
        return
    listed = spec.get("tools")
    if not isinstance(listed, list):
        yield missing(f"{param}.tools") if listed is None else invalid_type(f"{param}.tools", "an array", listed)
        return
    for i, entry in enumerate(listed):
        kind = entry.get("type") if isinstance(entry, dict) else None
        name = (entry.get(kind) or {}).get("name") if isinstance(entry, dict) and isinstance(entry.get(kind), dict) else None
        if not isinstance(name, str) or name not in tools.functions:
            yield invalid(
                f"{param}.tools[{i}]",
                f"Invalid value for '{param}.tools[{i}]': {name!r} is not a tool declared in 'tools'.",
            )
            return
    if not tools.functions:
        yield _only_with_tools()
        return
    yield ToolChoice(mode)


def _only_with_tools(param: str = "tool_choice") -> APIError:
    return invalid(param, f"Invalid value for '{param}': '{param}' is only allowed when 'tools' are specified.", None)


def check_parallel_tool_calls(body: dict[str, Any], tools: ToolSet) -> Iterator[APIError]:
    if body.get("parallel_tool_calls") is not None and not tools.functions:
        yield _only_with_tools("parallel_tool_calls")
