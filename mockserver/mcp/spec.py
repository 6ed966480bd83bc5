"""The ``mcp:`` part of a scenario file (format version 2), compiled: a tool server, its tools,
and each tool's result rules (``when: {arguments: …}`` with the engine's text matchers, answers
rendered by the engine's sandboxed templates).

The format schema (``scenario.schema.json``, ``$defs.mcp``) has checked the shapes; this module
compiles regexes and templates and checks what a schema cannot say (a tool's ``inputSchema`` is
a valid JSON Schema, two tools of one server share no name), each problem with its YAML path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from jsonschema import exceptions as js_exceptions

from mockserver.engine.matchers import Difference, SpecError, Text, short
from mockserver.engine.render import RenderError, Template, compile_value, names_in

DEFAULT_SERVER = "default"
MCP_FORMAT_VERSION = 2  # the scenario format version that introduced ``mcp:``


class McpSpecError(Exception):
    def __init__(self, message: str, path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message, self.path = message, path


@dataclass
class ArgumentCheck:
    """One ``when.arguments`` entry: a text matcher for a string value, else JSON equality."""

    name: str
    text: Text | None = None
    value: Any = None

    def test(self, arguments: dict[str, Any]) -> tuple[Difference | None, dict[str, Any]]:
        where = f"arguments.{self.name}"
        if self.name not in arguments:
            return Difference(where, None, "the argument to be present"), {}
        actual = arguments[self.name]
        if self.text is None:
            if actual != self.value or type(actual) is not type(self.value):
                return Difference(where, actual, f"equal to {json.dumps(self.value)}"), {}
            return None, {}
        if not isinstance(actual, str):
            return Difference(where, actual, "a string"), {}
        expected, captures = self.text.test(actual)
        if expected:
            return Difference(where, actual, expected, 1.0), {}
        return None, captures


@dataclass
class Answer:
    """What one call gets: a result (text/content, structuredContent, isError) or a fault."""

    text: Template | None = None
    content: Any = None  # compiled MCP content blocks (templates inside)
    structured: Any = None  # compiled structuredContent
    is_error: bool = False
    latency: float = 0.0
    error: dict[str, Any] | None = None  # fault: a JSON-RPC error {code, message}
    http: dict[str, Any] | None = None  # fault: an HTTP status {status, message}

    @property
    def names(self) -> set[str]:
        return names_in(self.text) | names_in(self.content) | names_in(self.structured)


@dataclass(eq=False)
class ResultRule:
    tool: "McpTool"
    index: int
    name: str
    checks: list[ArgumentCheck]
    answers: list[Answer]  # one, or a sequence (call n of this rule in a session gets answers[n-1], the last repeats)
    line: int | None = None

    @property
    def scenario(self) -> Any:
        return self.tool.scenario

    @property
    def location(self) -> str:
        return f"{self.tool.scenario.file}:{self.line}" if self.line else self.tool.scenario.file

    def match(self, arguments: dict[str, Any]) -> tuple[list[Difference], dict[str, Any]]:
        captures: dict[str, Any] = {}
        misses = []
        for check in self.checks:
            miss, found = check.test(arguments)
            if miss is not None:
                misses.append(miss)
            captures.update(found)
        return misses, captures


@dataclass(eq=False)
class McpTool:
    scenario: Any
    server: str
    name: str
    definition: dict[str, Any]  # what tools/list shows (name, title, description, inputSchema, outputSchema, annotations)
    input_validator: Any
    output_validator: Any = None
    rules: list[ResultRule] = field(default_factory=list)


@dataclass(eq=False)
class McpServerSpec:
    """One scenario file's ``mcp:``: the server it adds tools to, and the tools."""

    server: str
    tools: list[McpTool]
    instructions: str | None = None
    title: str | None = None
    page_size: int | None = None  # tools/list page size (default 50)


def compile_mcp(raw: dict[str, Any], scenario: Any, line_of: Any) -> tuple[McpServerSpec | None, list[McpSpecError]]:
    """Compile a document's ``mcp`` mapping; ``line_of(path)`` finds a YAML line."""
    problems: list[McpSpecError] = []
    server = raw.get("server", DEFAULT_SERVER)
    tools: list[McpTool] = []
    seen: dict[str, int] = {}
    for i, tool_raw in enumerate(raw.get("tools") or []):
        where = ("mcp", "tools", i)
        name = tool_raw["name"]
        if name in seen:
            problems.append(McpSpecError(f"duplicate tool name '{name}' (also mcp.tools[{seen[name]}])", where + ("name",)))
            continue
        seen[name] = i
        try:
            tools.append(_compile_tool(tool_raw, scenario, server, where, line_of))
        except McpSpecError as exc:
            problems.append(exc)
    if problems:
        return None, problems
    return McpServerSpec(server, tools, raw.get("instructions"), raw.get("title"), raw.get("page_size")), []


def _validator(schema: Any, path: tuple[Any, ...]) -> Any:
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except js_exceptions.SchemaError as exc:
        at = "/".join(str(p) for p in exc.absolute_path)
        raise McpSpecError(f"not a valid JSON Schema{f' at {at}' if at else ''}: {exc.message}", path) from None
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _compile_tool(raw: dict[str, Any], scenario: Any, server: str, where: tuple[Any, ...], line_of: Any) -> McpTool:
    definition: dict[str, Any] = {"name": raw["name"]}
    for key in ("title", "description"):
        if key in raw:
            definition[key] = raw[key]
    definition["inputSchema"] = raw.get("inputSchema") or {"type": "object"}
    if "outputSchema" in raw:
        definition["outputSchema"] = raw["outputSchema"]
    if "annotations" in raw:
        definition["annotations"] = raw["annotations"]
    tool = McpTool(
        scenario=scenario,
        server=server,
        name=raw["name"],
        definition=definition,
        input_validator=_validator(definition["inputSchema"], where + ("inputSchema",)),
        output_validator=_validator(raw["outputSchema"], where + ("outputSchema",)) if "outputSchema" in raw else None,
    )
    names: dict[str, int] = {}
    for k, rule_raw in enumerate(raw.get("results") or []):
        rwhere = where + ("results", k)
        name = rule_raw.get("name") or f"{tool.name}.results[{k}]"
        if name in names:
            raise McpSpecError(f"duplicate result name '{name}' (also results[{names[name]}])", rwhere + ("name",))
        names[name] = k
        checks = []
        for arg, spec in ((rule_raw.get("when") or {}).get("arguments") or {}).items():
            cwhere = rwhere + ("when", "arguments", arg)
            if isinstance(spec, (str, dict)):
                try:
                    checks.append(ArgumentCheck(arg, text=Text(spec, plain="equals", path=cwhere)))
                except SpecError as exc:
                    raise McpSpecError(str(exc), exc.path) from None
            else:
                checks.append(ArgumentCheck(arg, value=spec))
        steps = rule_raw["sequence"] if "sequence" in rule_raw else [rule_raw]
        answers = [_answer(step, rwhere + (("sequence", n) if "sequence" in rule_raw else ()), tool)
                   for n, step in enumerate(steps)]
        tool.rules.append(ResultRule(tool, k, name, checks, answers, line_of(rwhere)))
    return tool


def _answer(raw: dict[str, Any], where: tuple[Any, ...], tool: McpTool) -> Answer:
    fault = raw.get("fault") or {}
    http = fault.get("http")
    try:
        answer = Answer(
            text=Template(raw["text"]) if isinstance(raw.get("text"), str) else None,
            content=compile_value(raw["content"]) if "content" in raw else None,
            structured=compile_value(raw["structuredContent"]) if "structuredContent" in raw else None,
            is_error=bool(raw.get("isError", False)),
            latency=float(fault.get("latency", raw.get("latency", 0)) or 0),
            error=dict(fault["error"]) if "error" in fault else None,
            http={"status": http} if isinstance(http, int) else (dict(http) if http else None),
        )
    except RenderError as exc:
        raise McpSpecError(str(exc), where) from None
    if answer.structured is None and answer.text is None and answer.content is None and not (answer.error or answer.http):
        raise McpSpecError("a result needs text, content, structuredContent or a fault", where)
    if tool.output_validator is not None and answer.structured is None and not answer.is_error and not (answer.error or answer.http):
        raise McpSpecError(f"tool '{tool.name}' declares an outputSchema: a result that is not an error needs "
                           "structuredContent (the spec: servers MUST provide structured results that conform to it)", where)
    if answer.structured is not None and _static(answer.structured) and tool.output_validator is not None:
        error = js_exceptions.best_match(tool.output_validator.iter_errors(raw["structuredContent"]))
        if error is not None:
            raise McpSpecError(f"structuredContent does not conform to the tool's outputSchema: {error.message}"
                               f" (at {'/'.join(map(str, error.absolute_path)) or 'the top'})", where + ("structuredContent",))
    return answer


def _static(value: Any) -> bool:
    """Whether a compiled value holds no template that computes anything (it renders as written)."""
    if isinstance(value, Template):
        return value.static
    if isinstance(value, dict):
        return all(_static(v) for v in value.values())
    if isinstance(value, list):
        return all(_static(v) for v in value)
    return True


def describe_miss(misses: list[Difference]) -> str:
    return "; ".join(f"{m.field}: expected {m.expected}, got {short(m.actual)}" for m in misses)
