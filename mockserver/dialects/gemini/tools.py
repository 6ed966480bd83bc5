"""``tools[].functionDeclarations`` as the engine's :class:`ToolSet`, and ``toolConfig``.

- a declaration's ``parameters`` (Google's ``Schema``, converted by ``schema.py``) or
  ``parametersJsonSchema`` (a JSON Schema) is what its arguments are checked against;
- the name rule of ``FunctionDeclaration.name`` ("Must start with a letter or an underscore. Must
  be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes"), at most 64 characters on
  the Gemini API (reported: lbjlaq/Antigravity-Manager#1440, kaitranntt/ccs#25, #219,
  google-gemini/gemini-cli#2966) and 128 on Vertex AI (the aiplatform v1 schema's description);
  every bad name is listed in one message, as the API does;
- hosted tools (``googleSearch``, ``codeExecution``, ``urlContext``, …) are declared, never called;
- ``toolConfig.functionCallingConfig``: ``mode`` ``AUTO``/``ANY``/``NONE``/``VALIDATED``;
  "Function calling config is set without function_declarations." (musistudio/claude-code-router#1207,
  AstrBotDevs/AstrBot#7407).
Cached by the canonical JSON of ``tools`` and the surface, like the other dialects' tool sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from mockserver.dialects.gemini.schema import SchemaProblem, to_json_schema
from mockserver.validation.problems import tag
from mockserver.validation.schemas import compile_schema, schema_key
from mockserver.validation.tools import EMPTY_TOOLSET, Function, ToolChoice, ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.bounded import bounded_cache
from mockserver.wire.errors import APIError

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:\-]*$")
NAME_MAX = {"gemini": 64, "vertex": 128}
MODES = ("MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED")
EMPTY_OBJECT = {"type": "object", "properties": {}}


def name_error(surface: str, paths: list[str]) -> APIError:
    limit = NAME_MAX[surface]
    text = (f"Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), "
            f"underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of {limit}.")
    return tag(APIError("".join(f"* GenerateContentRequest.{p}: {text}\n" for p in paths), param=paths[0]),
               "gemini.function_name")


def tool_set(tools: Any, surface: str) -> ToolSet:
    if not tools:
        return EMPTY_TOOLSET
    return _cached(jsoncodec.dumps_sorted(tools).decode(), surface)


@bounded_cache(256, 32 * 1024 * 1024, size=lambda key, surface: 1024 + 8 * len(key))
def _cached(key: str, surface: str) -> ToolSet:
    result = ToolSet(key=key)
    result.problems = list(_build(jsoncodec.loads(key), surface, result.functions))
    return result


def _build(tools: Any, surface: str, functions: dict[str, Function]) -> Iterator[APIError]:
    from mockserver.dialects.gemini.shape import invalid_value  # one module for the shapes' words

    if not isinstance(tools, list):
        yield invalid_value("tools", "type.googleapis.com/google.ai.generativelanguage.v1beta.Tool", tools)
        return
    bad_names: list[str] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            yield invalid_value(f"tools[{i}]", "type.googleapis.com/google.ai.generativelanguage.v1beta.Tool", tool)
            return
        declarations = tool.get("functionDeclarations", tool.get("function_declarations"))
        if declarations is None:
            continue  # a hosted tool: declared, never called
        if not isinstance(declarations, list):
            yield invalid_value(f"tools[{i}].function_declarations", "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionDeclaration", declarations)
            return
        for j, spec in enumerate(declarations):
            where = f"tools[{i}].function_declarations[{j}]"
            if not isinstance(spec, dict):
                yield invalid_value(where, "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionDeclaration", spec)
                return
            name = spec.get("name")
            if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > NAME_MAX[surface]:
                bad_names.append(f"{where}.name")
                continue
            found = _function(where, name, spec)
            if isinstance(found, APIError):
                yield found
                return
            if name in functions:
                yield tag(APIError(f"{where}.name: the function '{name}' is declared twice; the first declaration counts",
                                   param=f"{where}.name"), "gemini.function_duplicate")
                continue
            functions[name] = found
    if bad_names:
        yield name_error(surface, bad_names)


def _function(where: str, name: str, spec: dict[str, Any]) -> Function | APIError:
    google = spec.get("parameters")
    plain = spec.get("parametersJsonSchema", spec.get("parameters_json_schema"))
    if google is not None and plain is not None:
        return APIError(f"* GenerateContentRequest.{where}: parameters and parameters_json_schema cannot both be set\n",
                        param=where)
    if google is None and plain is None:
        return Function(name, EMPTY_OBJECT, schema_key(EMPTY_OBJECT), False)
    if google is not None:
        try:
            schema = to_json_schema(google, f"{where}.parameters")
        except SchemaProblem as problem:
            return APIError(f"* GenerateContentRequest.{problem}\n", param=f"{where}.parameters")
    else:
        if not isinstance(plain, dict):
            return APIError(f"* GenerateContentRequest.{where}.parameters_json_schema: must be a JSON object\n",
                            param=f"{where}.parameters_json_schema")
        schema = plain
    key = schema_key(schema)
    compiled = compile_schema(key)
    if compiled.schema_error:
        return APIError(f"* GenerateContentRequest.{where}.parameters: not a valid schema: {compiled.schema_error}\n",
                        param=f"{where}.parameters")
    return Function(name, schema, key, False)


@dataclass(frozen=True)
class CallingConfig:
    mode: str = "AUTO"
    allowed: tuple[str, ...] = ()


def calling_config(body: dict[str, Any], tools: ToolSet) -> Iterator[APIError | CallingConfig]:
    """Problems of ``toolConfig``, then (always last) the config it sets."""
    from mockserver.dialects.gemini.shape import field_error, invalid_value

    config = body.get("toolConfig", body.get("tool_config"))
    spec = config.get("functionCallingConfig", config.get("function_calling_config")) if isinstance(config, dict) else None
    if spec is None:
        yield CallingConfig()
        return
    if not isinstance(spec, dict):
        yield invalid_value("tool_config.function_calling_config", "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig", spec)
        return
    mode = spec.get("mode") or "AUTO"
    if not isinstance(mode, str) or mode.upper() not in MODES:
        yield invalid_value("tool_config.function_calling_config.mode",
                            "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode", mode)
        return
    mode = mode.upper()
    if not tools.functions:
        yield APIError("Function calling config is set without function_declarations.", param="tool_config")
        return
    allowed = spec.get("allowedFunctionNames", spec.get("allowed_function_names")) or []
    if not isinstance(allowed, list) or not all(isinstance(n, str) for n in allowed):
        yield invalid_value("tool_config.function_calling_config.allowed_function_names", "TYPE_STRING", allowed)
        return
    undeclared = [n for n in allowed if n not in tools.functions]
    if undeclared and mode in ("ANY", "VALIDATED"):
        yield tag(field_error("tool_config.function_calling_config.allowed_function_names",
                              f"function {', '.join(repr(n) for n in undeclared)} is not declared in "
                              "tools[].function_declarations"), "gemini.allowed_undeclared")
    elif allowed and mode not in ("ANY", "VALIDATED"):
        yield tag(APIError(f"allowedFunctionNames is set with mode {mode}: it is only used with ANY (and VALIDATED)",
                           param="tool_config.function_calling_config.allowed_function_names"), "gemini.allowed_without_any")
    yield CallingConfig(mode, tuple(allowed))


def tool_choice(config: CallingConfig, tools: ToolSet) -> ToolChoice:
    """AUTO/VALIDATED → auto, ANY → required (one allowed name → that function), NONE → none."""
    if not tools.functions or config.mode == "NONE":
        return ToolChoice("none")
    if config.mode == "ANY":
        declared = [n for n in config.allowed if n in tools.functions]
        return ToolChoice("function", declared[0]) if len(declared) == 1 else ToolChoice("required")
    return ToolChoice("auto")
