"""``toolConfig``: the declared tools (``tools[].toolSpec {name, description, inputSchema:
{json}}``; ``systemTool`` and ``cachePoint`` entries are accepted and never called) as the
engine's :class:`ToolSet`, and ``toolChoice`` (``auto`` / ``any`` / ``tool {name}``).

Constraints from the service model (``ToolConfiguration.tools`` at least one, ``ToolName``
1–64 of ``[a-zA-Z0-9_-]+``, ``NonEmptyString`` description, the ``inputSchema`` union) fail in
AWS's generic form (``shape.constraint``). An ``inputSchema.json`` whose root type is not
``object``: "The value at toolConfig.tools.N.toolSpec.inputSchema.json.type must be one of the
following: object." (earendil-works/pi#8279, kirodotdev/Kiro#10270). A ``toolChoice.tool`` naming
no declared tool has no public report: it is refused (the model can only call declared tools)
in the same sentence form, naming the tool (rule ``bedrock.tool_choice_undeclared``).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.dialects.bedrock.shape import check_tool_name, constraint, null, wrong_type
from mockserver.validation.problems import tag
from mockserver.validation.schemas import compile_schema, schema_key
from mockserver.validation.tools import EMPTY_TOOLSET, Function, ToolChoice, ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.bounded import bounded_cache
from mockserver.wire.errors import APIError

CHOICES = ("auto", "any", "tool")


def specs(config: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, toolSpec) of each declared function (``config`` already checked)."""
    if not isinstance(config, dict):
        return []
    return [(i, t["toolSpec"]) for i, t in enumerate(config.get("tools") or []) if isinstance(t, dict) and isinstance(t.get("toolSpec"), dict)]


def check_tool_config(config: Any) -> Iterator[APIError]:
    if config is None:
        return
    if not isinstance(config, dict):
        yield wrong_type("toolConfig", "an object")
        return
    tools = config.get("tools")
    if tools is None:
        yield null("toolConfig.tools")
        return
    if not isinstance(tools, list):
        yield wrong_type("toolConfig.tools", "a list")
        return
    if not tools:
        yield constraint(tools, "toolConfig.tools", "Member must have length greater than or equal to 1")
        return
    for i, tool in enumerate(tools):
        member = f"toolConfig.tools.{i + 1}.member"
        if not isinstance(tool, dict):
            yield wrong_type(f"toolConfig.tools.{i}", "an object")
            return
        spec = tool.get("toolSpec")
        if spec is None:
            continue  # systemTool, cachePoint: declared, never called
        if not isinstance(spec, dict):
            yield wrong_type(f"toolConfig.tools.{i}.toolSpec", "an object")
            return
        yield from check_tool_name(spec.get("name"), f"{member}.toolSpec.name")
        description = spec.get("description")
        if description is not None and (not isinstance(description, str) or not description):
            yield constraint(description, f"{member}.toolSpec.description", "Member must have length greater than or equal to 1")
        schema = spec.get("inputSchema")
        if schema is None:
            yield null(f"{member}.toolSpec.inputSchema")
            return
        if not isinstance(schema, dict) or not isinstance(schema.get("json"), dict):
            yield wrong_type(f"toolConfig.tools.{i}.toolSpec.inputSchema.json", "a JSON object")
            return
        if schema["json"].get("type") != "object":
            where = f"toolConfig.tools.{i}.toolSpec.inputSchema.json.type"
            yield APIError(f"The value at {where} must be one of the following: object.", param=where)
            return
    yield from _check_choice(config.get("toolChoice"), {spec.get("name") for _, spec in specs(config)})


def _check_choice(choice: Any, declared: set[Any]) -> Iterator[APIError]:
    if choice is None:
        return
    if not isinstance(choice, dict) or len(choice) != 1 or next(iter(choice)) not in CHOICES:
        yield wrong_type("toolConfig.toolChoice", "an object with exactly one of auto, any, tool")
        return
    if "tool" in choice:
        spec = choice["tool"]
        name = spec.get("name") if isinstance(spec, dict) else None
        if name is None:
            yield null("toolConfig.toolChoice.tool.name")
            return
        yield from check_tool_name(name, "toolConfig.toolChoice.tool.name")
        if name not in declared:
            shown = ", ".join(sorted(str(n) for n in declared)) or "none"
            yield tag(APIError(
                f"The tool {name} named by toolConfig.toolChoice.tool.name is not defined in toolConfig.tools "
                f"(declared: {shown}).", param="toolConfig.toolChoice.tool.name"), "bedrock.tool_choice_undeclared")


def tool_set(config: Any) -> ToolSet:
    """``config`` already passed :func:`check_tool_config`."""
    found = specs(config)
    if not found:
        return EMPTY_TOOLSET
    return _cached(jsoncodec.dumps_sorted([spec for _, spec in found]).decode())


@bounded_cache(256, 32 * 1024 * 1024, size=lambda key: 1024 + 8 * len(key))
def _cached(key: str) -> ToolSet:
    result = ToolSet(key=key)
    for i, spec in enumerate(jsoncodec.loads(key)):
        schema = spec["inputSchema"]["json"]
        compiled = schema_key(schema)
        if compile_schema(compiled).schema_error:
            where = f"toolConfig.tools.{i}.toolSpec.inputSchema.json"
            result.problems.append(APIError(f"The json schema definition at {where} is invalid.", param=where))
            continue
        result.functions[spec["name"]] = Function(spec["name"], schema, compiled, bool(spec.get("strict")))
    return result


def choice(config: Any, tools: ToolSet) -> ToolChoice:
    """auto → auto, any → required, tool → that function; no tools → none."""
    if not tools.functions:
        return ToolChoice("none")
    spec = config.get("toolChoice") if isinstance(config, dict) else None
    if isinstance(spec, dict) and "any" in spec:
        return ToolChoice("required")
    if isinstance(spec, dict) and "tool" in spec:
        return ToolChoice("function", spec["tool"]["name"])
    return ToolChoice("auto")
