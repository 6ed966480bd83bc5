"""Declared tools (Anthropic's ``{"name", "description", "input_schema"}``) as the engine's
:class:`ToolSet`, cached by the canonical JSON of the ``tools`` array like the other dialects'.
Server tools (``{"type": "web_search_20250305", …}``) are declared but never called."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mockserver.validation.schemas import compile_schema, schema_key
from mockserver.validation.tools import EMPTY_TOOLSET, Function, ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

# Anthropic's text for an input_schema that is not a valid JSON Schema, as users report it
# (e.g. "tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft
# 2020-12 (https://json-schema.org/draft/2020-12). Learn more about tool use at …")
INVALID_SCHEMA = (
    "JSON schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12). "
    "Learn more about tool use at https://docs.claude.com/en/docs/tool-use."
)


def tool_set(tools: Any) -> ToolSet:
    """``tools`` already passed :func:`~mockserver.dialects.messages.shape.check_tools`."""
    if not tools:
        return EMPTY_TOOLSET
    return _cached(jsoncodec.dumps_sorted(tools).decode())


@lru_cache(maxsize=256)
def _cached(key: str) -> ToolSet:
    result = ToolSet(key=key)
    for i, tool in enumerate(jsoncodec.loads(key)):
        if tool.get("type") not in (None, "custom"):
            continue
        schema = tool["input_schema"]
        compiled_key = schema_key(schema)
        if compile_schema(compiled_key).schema_error:
            result.problems.append(APIError(f"tools.{i}.custom.input_schema: {INVALID_SCHEMA}", param=f"tools.{i}.custom.input_schema"))
            continue
        result.functions[tool["name"]] = Function(tool["name"], schema, compiled_key, False)
    return result
