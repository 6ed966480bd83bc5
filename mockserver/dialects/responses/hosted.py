"""Hosted tools (web_search, file_search, code_interpreter, mcp, …) checked against the official
``Tool`` schema, so a declaration OpenAI would refuse is refused, and the ones echoed into the
Response body are valid there (issue 31, D3: an unchecked ``{"type": "code_interpreter",
"container": {"type": "auto"}, "allowed_callers": ["x"]}`` made the body fail the schema).

The schema is the ``Tool`` closure of the official Responses OpenAPI, shipped next to this module
(``openai-responses-tools.json``; a test checks it against the full document). A tool is checked
against the ``oneOf`` branch its ``type`` names; problems in OpenAI's standard wording
(``validation/problems.py``), tagged ``tools.hosted_invalid`` (``rules.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mockserver.validation.problems import invalid, invalid_type, invalid_value, missing, tag
from mockserver.wire.errors import APIError

RULE = "tools.hosted_invalid"
_NOUNS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
          "object": "an object", "array": "an array", "null": "null"}
OWN = frozenset({"function"})  # checked by validation/tools.py; a custom tool's description and format are echoed, so checked here too


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    text = resources.files("mockserver.dialects.responses").joinpath("openai-responses-tools.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def branches() -> dict[str, str]:
    """Each tool ``type`` → the name of the schema that describes it."""
    schemas = _document()["components"]["schemas"]
    out: dict[str, str] = {}
    for branch in schemas["Tool"]["oneOf"]:
        name = branch["$ref"].rsplit("/", 1)[-1]
        kind = schemas[name].get("properties", {}).get("type", {})
        for value in kind.get("enum") or [kind.get("const")]:
            if value:
                out[value] = name
    return out


@lru_cache(maxsize=32)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resource("urn:tools", DRAFT202012.create_resource(_document()))
    return jsonschema.Draft202012Validator({"$ref": f"urn:tools#/components/schemas/{name}"}, registry=registry)


def hosted_problems(tools: Any) -> Iterator[APIError]:
    if not isinstance(tools, list):
        return
    for i, tool in enumerate(tools):
        if isinstance(tool, dict) and isinstance(tool.get("type"), str) and tool["type"] not in OWN:
            problem = tool_problem(f"tools[{i}]", tool)
            if problem is not None:
                yield tag(problem, RULE)


def tool_problem(where: str, tool: dict[str, Any]) -> APIError | None:
    kind = tool["type"]
    name = branches().get(kind)
    if name is None:
        return invalid_value(f"{where}.type", kind, sorted(branches()))
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(tool))
    if error is None:
        return None
    path = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    if error.validator == "required":
        field = error.message.split("'")[1] if "'" in error.message else ""
        return missing(f"{path}.{field}" if field else path)
    if error.validator == "enum":
        return invalid_value(path, error.instance, list(error.validator_value))
    if error.validator == "type":
        kinds = [error.validator_value] if isinstance(error.validator_value, str) else list(error.validator_value)
        return invalid_type(path, " or ".join(_NOUNS.get(k, k) for k in kinds), error.instance)
    return invalid(path, f"Invalid '{path}': {error.message}.")


def valid(tool: Any) -> bool:
    """Whether a hosted tool may be echoed into the Response (function and custom tools always are)."""
    if not isinstance(tool, dict) or tool.get("type") in OWN:
        return True
    return isinstance(tool.get("type"), str) and tool_problem("tools[0]", tool) is None
