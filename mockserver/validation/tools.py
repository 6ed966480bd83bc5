"""Layer 3: declared tools and ``tool_choice``.

A :class:`ToolSet` (names → compiled parameter schemas) is cached by the canonical JSON of the
``tools`` array, so a large schema is checked once, not on every turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from mockserver.wire.lazy import lazy
from typing import Any, Generator, Iterator

from mockserver.validation.problems import empty_array, invalid, invalid_type, invalid_value, missing, tag
from mockserver.validation.schemas import compile_schema, schema_key
from mockserver.validation.strict import strict_problems
from mockserver.wire import jsoncodec
from mockserver.wire.bounded import bounded_cache
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

    @lazy
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


# A checked ToolSet holds about 6-10 times the bytes of its canonical JSON (measured on a
# 2.4 MB array of 10,000 tools and a 200 KB single schema): the estimate takes 8.
TOOLSET_ITEMS = 256
TOOLSET_BYTES = 32 * 1024 * 1024


@bounded_cache(TOOLSET_ITEMS, TOOLSET_BYTES, size=lambda key, flat: 1024 + 8 * len(key))
def _cached(key: str, flat: bool) -> ToolSet:
    result = _build(jsoncodec.loads(key), flat)
    result.key = key
    return result


def _build(tools: Any, flat: bool = False) -> ToolSet:
    result = ToolSet()
    result.problems = list(_check_tools(tools, result.functions, flat))
    return result


def _check_tools(tools: Any, functions: dict[str, Function], flat: bool = False) -> Iterator[APIError]:
    """Problems of the tools array, each tagged with its rule; a tool whose problems a profile
    may accept (name pattern, schema rules, a duplicate…) is still registered."""
    if not isinstance(tools, list):
        yield tag(invalid_type("tools", "an array", tools), "tools.type")
        return
    if not tools:
        yield tag(empty_array("tools"), "tools.empty")
        return
    first_index: dict[str, int] = {}
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            yield tag(invalid_type(where, "an object", tool), "tools.tool_type")
            continue
        kind = tool.get("type")
        if kind is None:
            yield tag(missing(f"{where}.type"), "tools.kind")
            continue
        if flat:
            if not isinstance(kind, str):
                yield tag(invalid_type(f"{where}.type", "a string", kind), "tools.kind")
                continue
            if kind not in ("function", "custom"):
                continue  # a hosted tool (web_search, file_search, mcp, …): declared, never called
            spec, prefix = tool, where
        else:
            if kind not in ("function", "custom"):
                yield tag(invalid_value(f"{where}.type", kind, ["function", "custom"]), "tools.kind")
                continue
            spec = tool.get(kind)
            if spec is None:
                yield tag(missing(f"{where}.{kind}"), "tools.definition")
                continue
            if not isinstance(spec, dict):
                yield tag(invalid_type(f"{where}.{kind}", "an object", spec), "tools.definition")
                continue
            prefix = f"{where}.{kind}"
        if kind == "custom":
            yield tag(invalid_value(f"{where}.type", kind, ["function"]), "tools.custom")
        name = spec.get("name")
        name_param = f"{prefix}.name"
        if name is None:
            yield tag(missing(name_param), "tools.name")
            continue
        if not isinstance(name, str):
            yield tag(invalid_type(name_param, "a string", name), "tools.name")
            continue
        if not NAME_RE.match(name):
            yield tag(invalid(
                name_param,
                f"Invalid '{name_param}': string does not match pattern. Expected a string that "
                "matches the pattern '^[a-zA-Z0-9_-]+$'.",
            ), "tools.name_pattern")
        elif len(name) > NAME_MAX:
            yield tag(invalid(
                name_param,
                f"Invalid '{name_param}': string too long. Expected a string with maximum length "
                f"{NAME_MAX}, but got a string with length {len(name)} instead.",
                "string_above_max_length",
            ), "tools.name_length")
        if name in first_index:
            yield tag(invalid(
                "tools",
                f"Invalid 'tools': duplicate function name '{name}' (tools[{first_index[name]}] and {where}). "
                "Tool names must be unique.",
            ), "tools.name_duplicate")
            if kind != "custom":  # the first declaration is the one that counts; the others are checked
                yield from _check_function(prefix, name, spec, {})  # too (found by bench/fuzz.py: echoed unchecked)
            continue
        first_index[name] = i
        if kind == "custom":
            functions[name] = Function(name, None, None, False)
            continue
        yield from _check_function(prefix, name, spec, functions)


def _check_function(prefix: str, name: str, spec: dict[str, Any], functions: dict[str, Function]) -> Iterator[APIError]:
    """``prefix``: where the function's definition is (``tools[0].function``; flat: ``tools[0]``)."""
    description = spec.get("description")
    if description is not None and not isinstance(description, str):
        yield tag(invalid_type(f"{prefix}.description", "a string", description), "tools.description_type")
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        yield tag(invalid_type(f"{prefix}.strict", "a boolean", strict), "tools.strict_type")
        strict = False
    parameters = spec.get("parameters")
    param = f"{prefix}.parameters"
    if parameters is None:
        functions[name] = Function(name, None, schema_key(EMPTY_OBJECT_SCHEMA), bool(strict))
        return
    if not isinstance(parameters, dict):
        yield tag(invalid_type(param, "an object", parameters), "tools.parameters_type")
        functions[name] = Function(name, None, None, bool(strict))
        return
    problem = _schema_problem(parameters)
    if problem:
        functions[name] = Function(name, parameters, None, bool(strict))  # arguments cannot be checked
        yield tag(_schema_error(name, param, problem), "tools.parameters_schema")
        return
    functions[name] = Function(name, parameters, schema_key(parameters), bool(strict))
    if strict:
        for problem in strict_problems(parameters):
            yield tag(_schema_error(name, param, problem), "tools.strict_schema")
            break


def _schema_error(name: str, param: str, problem: str) -> APIError:
    return APIError(f"Invalid schema for function '{name}': {problem}", param=param, code="invalid_function_parameters")


def _schema_problem(parameters: dict[str, Any]) -> str | None:
    kind = parameters.get("type")
    if kind != "object":
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{kind}\"'."
    compiled = compile_schema(schema_key(parameters))
    if compiled.schema_error:
        return f"not a valid JSON Schema: {compiled.schema_error}"
    return None


# --- tool_choice ----------------------------------------------------------------------------

CHOICES = ["none", "auto", "required"]


@dataclass(frozen=True)
class ToolChoice:
    mode: str  # none | auto | required | function
    function: str | None = None


def check_tool_choice(body: dict[str, Any], tools: ToolSet) -> Iterator[APIError | ToolChoice]:
    """Yields problems (each tagged with its rule), and always last the normalised choice (a
    best guess when there were problems, for profiles that accept them)."""
    choice = body.get("tool_choice")
    has_tools = bool(tools.functions)
    fallback = ToolChoice("auto" if has_tools else "none")
    if choice is None:
        yield fallback
        return
    if isinstance(choice, str):
        if choice not in CHOICES:
            yield tag(invalid_value("tool_choice", choice, CHOICES), "tool_choice.value")
        elif choice != "none" and not has_tools:
            yield tag(_only_with_tools(), "tool_choice.without_tools")
        else:
            fallback = ToolChoice(choice)
        yield fallback
        return
    if not isinstance(choice, dict):
        yield tag(invalid_type("tool_choice", "one of a string or object", choice), "tool_choice.type")
        yield fallback
        return
    kind = choice.get("type")
    if kind is None:
        yield tag(missing("tool_choice.type"), "tool_choice.kind")
    elif kind == "allowed_tools":
        yield tag(invalid_value("tool_choice.type", kind, ["function"]), "tool_choice.allowed_tools_unsupported")
        yield from _allowed_tools(choice.get("allowed_tools"), tools, fallback)
        return
    elif kind not in ("function", "custom"):
        yield tag(invalid_value("tool_choice.type", kind, ["function", "custom", "allowed_tools"]), "tool_choice.kind")
    elif not has_tools:
        yield tag(_only_with_tools(), "tool_choice.without_tools")
    else:
        fallback = yield from _named(choice, kind, tools, fallback)
    yield fallback


def _named(choice: dict[str, Any], kind: str, tools: ToolSet, fallback: ToolChoice) -> Generator[APIError, None, ToolChoice]:
    """Yields the problems of a named choice; returns the choice."""
    function = choice.get(kind)
    if not isinstance(function, dict):
        problem = missing(f"tool_choice.{kind}") if function is None else invalid_type(f"tool_choice.{kind}", "an object", function)
        yield tag(problem, "tool_choice.function")
        return fallback
    name = function.get("name")
    if not isinstance(name, str):
        problem = missing(f"tool_choice.{kind}.name") if name is None else invalid_type(f"tool_choice.{kind}.name", "a string", name)
        yield tag(problem, "tool_choice.function")
        return fallback
    if name not in tools.functions:
        declared = ", ".join(f"'{n}'" for n in tools.functions)
        yield tag(invalid(
            f"tool_choice.{kind}.name",
            f"Invalid value for 'tool_choice': function '{name}' is not declared in 'tools' "
            f"(declared: {declared}).",
        ), "tool_choice.undeclared")
        return fallback
    return ToolChoice("function", name)


def _allowed_tools(spec: Any, tools: ToolSet, fallback: ToolChoice) -> Iterator[APIError | ToolChoice]:
    """``{"type": "allowed_tools", "allowed_tools": {"mode": "auto"|"required", "tools": [...]}}``."""
    param = "tool_choice.allowed_tools"
    rule = "tool_choice.allowed_tools"
    if not isinstance(spec, dict):
        yield tag(missing(param) if spec is None else invalid_type(param, "an object", spec), rule)
        yield fallback
        return
    mode = spec.get("mode")
    if mode not in ("auto", "required"):
        yield tag(missing(f"{param}.mode") if mode is None else invalid_value(f"{param}.mode", mode, ["auto", "required"]), rule)
        yield fallback
        return
    listed = spec.get("tools")
    if not isinstance(listed, list):
        yield tag(missing(f"{param}.tools") if listed is None else invalid_type(f"{param}.tools", "an array", listed), rule)
        yield fallback
        return
    if not tools.functions:
        yield tag(_only_with_tools(), "tool_choice.without_tools")
        yield fallback
        return
    for i, entry in enumerate(listed):
        kind = entry.get("type") if isinstance(entry, dict) else None
        name = (entry.get(kind) or {}).get("name") if isinstance(entry, dict) and isinstance(entry.get(kind), dict) else None
        if not isinstance(name, str) or name not in tools.functions:
            yield tag(invalid(
                f"{param}.tools[{i}]",
                f"Invalid value for '{param}.tools[{i}]': {name!r} is not a tool declared in 'tools'.",
            ), rule)
            yield fallback
            return
    yield ToolChoice(mode)


def _only_with_tools(param: str = "tool_choice") -> APIError:
    return invalid(param, f"Invalid value for '{param}': '{param}' is only allowed when 'tools' are specified.", None)


def check_parallel_tool_calls(body: dict[str, Any], tools: ToolSet) -> Iterator[APIError]:
    if body.get("parallel_tool_calls") is not None and not tools.functions:
        yield tag(_only_with_tools("parallel_tool_calls"), "param.parallel_tool_calls_without_tools")
