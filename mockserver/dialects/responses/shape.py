"""The Responses API request's shape: top-level parameters, ``input`` items, ``tool_choice``.

Evidence, besides the official schema (``CreateResponse`` in openai-responses-schemas.json):
- ``max_output_tokens`` below 16: "Invalid 'max_output_tokens': integer below minimum value.
  Expected a value >= 16, but got 5 instead." (code ``integer_below_min_value``; reported in
  UKGovernmentBEIS/inspect_evals#694, earendil-works/pi#6265).
- other ranges and types use OpenAI's standard wording (``validation/problems.py``); ``metadata``
  values are strings (the schema's ``Metadata``: ``additionalProperties: {type: string}``).
Unknown top-level fields and unknown item types (reasoning, web_search_call, …) are accepted.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.validation.problems import invalid, invalid_type, invalid_value, missing, out_of_range
from mockserver.validation.tools import ToolChoice, ToolSet
from mockserver.wire.errors import APIError

ROLES = ["user", "assistant", "system", "developer"]
INPUT_PARTS = ["input_text", "input_image", "input_file", "input_audio"]
OUTPUT_PARTS = ["output_text", "refusal"]
_RANGES: dict[str, tuple[str, Any, Any]] = {
    "temperature": ("number", 0, 2),
    "top_p": ("number", 0, 1),
    "max_output_tokens": ("integer", 16, None),
    "top_logprobs": ("integer", 0, 20),
    "max_tool_calls": ("integer", None, None),  # the schema gives no minimum: only the type is checked
}
# the hosted-tool choices of the schema's ToolChoiceParam (ToolChoiceTypes' enum, ToolChoiceMCP, Specific…Param)
HOSTED_CHOICES = ("file_search", "web_search_preview", "computer", "computer_use_preview", "computer_use",
                  "web_search_preview_2025_03_11", "image_generation", "code_interpreter", "mcp",
                  "programmatic_tool_calling", "apply_patch", "shell")
_BOOLEANS = ("stream", "store", "parallel_tool_calls", "background")
_STRINGS = ("instructions", "previous_response_id", "user", "prompt_cache_key", "safety_identifier")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_request(body: dict[str, Any]) -> Iterator[APIError]:
    model = body.get("model")
    if model is None:
        yield missing("model")
        return
    if not isinstance(model, str):
        yield invalid_type("model", "a string", model)
        return
    yield from check_parameters(body)
    if "input" not in body or body["input"] is None:
        if body.get("previous_response_id") is None and body.get("prompt") is None:
            # (mock) the schema makes `input` optional and no OpenAI text for its absence was
            # found; the mock needs a conversation to match, so it asks for one in OpenAI's
            # standard wording
            yield missing("input")
        return
    items = body["input"]
    if isinstance(items, str):
        return
    if not isinstance(items, list):
        yield invalid_type("input", "one of a string or array of input items", items)
        return
    for i, item in enumerate(items):
        yield from check_item(f"input[{i}]", item)


def check_parameters(body: dict[str, Any]) -> Iterator[APIError]:
    for name, (kind, low, high) in _RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if kind == "integer" and not _is_int(value):
            yield invalid_type(name, "an integer", value)
        elif kind == "number" and not _is_number(value):
            yield invalid_type(name, "a number", value)
        elif (low is not None and value < low) or (high is not None and value > high):
            yield out_of_range(name, value, low=low, high=high, integer=kind == "integer")
    for name in _BOOLEANS:
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            yield invalid_type(name, "a boolean", value)
    for name in _STRINGS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            yield invalid_type(name, "a string", value)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        yield invalid_type("metadata", "an object", metadata)
    elif metadata:  # the schema's Metadata: a map of strings (the Response echoes it, so a non-string would break it)
        yield from (invalid_type(f"metadata.{key}", "a string", value) for key, value in metadata.items() if not isinstance(value, str))
    truncation = body.get("truncation")
    if truncation is not None and truncation not in ("auto", "disabled"):
        yield invalid_value("truncation", truncation, ["auto", "disabled"])
    yield from _check_text(body.get("text"))


def _check_text(text: Any) -> Iterator[APIError]:
    if text is None:
        return
    if not isinstance(text, dict):
        yield invalid_type("text", "an object", text)
        return
    fmt = text.get("format")
    if fmt is None:
        return
    if not isinstance(fmt, dict):
        yield invalid_type("text.format", "an object", fmt)
        return
    kinds = ["text", "json_schema", "json_object"]
    kind = fmt.get("type")
    if kind is None:
        yield missing("text.format.type")
    elif kind not in kinds:
        yield invalid_value("text.format.type", kind, kinds)
    elif kind == "json_schema":
        if not isinstance(fmt.get("name"), str):
            yield missing("text.format.name") if fmt.get("name") is None else invalid_type("text.format.name", "a string", fmt["name"])
        elif not isinstance(fmt.get("schema"), dict):
            yield missing("text.format.schema") if fmt.get("schema") is None else invalid_type("text.format.schema", "an object", fmt["schema"])
        elif fmt.get("strict") is not None and not isinstance(fmt["strict"], bool):
            yield invalid_type("text.format.strict", "a boolean", fmt["strict"])


def check_item(where: str, item: Any) -> Iterator[APIError]:
    if not isinstance(item, dict):
        yield invalid_type(where, "an object", item)
        return
    kind = item.get("type")
    if kind is None or kind == "message":
        yield from _check_message(where, item)
    elif kind == "function_call":
        for key in ("call_id", "name", "arguments"):
            if key not in item:
                yield missing(f"{where}.{key}")
            elif not isinstance(item[key], str):
                yield invalid_type(f"{where}.{key}", "a string", item[key])
    elif kind == "function_call_output":
        call_id = item.get("call_id")
        if call_id is None:
            yield missing(f"{where}.call_id")
        elif not isinstance(call_id, str):
            yield invalid_type(f"{where}.call_id", "a string", call_id)
        output = item.get("output")
        if output is None:
            yield missing(f"{where}.output")
        elif not isinstance(output, (str, list)):
            yield invalid_type(f"{where}.output", "one of a string or array of objects", output)
    elif kind == "item_reference":
        if not isinstance(item.get("id"), str):
            yield missing(f"{where}.id")
    elif not isinstance(kind, str):
        yield invalid_type(f"{where}.type", "a string", kind)


def _check_message(where: str, item: dict[str, Any]) -> Iterator[APIError]:
    role = item.get("role")
    if role is None:
        yield missing(f"{where}.role")
        return
    if role not in ROLES:
        yield invalid_value(f"{where}.role", role, ROLES)
        return
    if "content" not in item:
        yield missing(f"{where}.content")
        return
    content = item["content"]
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        yield invalid_type(f"{where}.content", "one of a string or array of input items", content)
        return
    allowed = OUTPUT_PARTS if role == "assistant" else INPUT_PARTS
    for j, part in enumerate(content):
        param = f"{where}.content[{j}]"
        if not isinstance(part, dict):
            yield invalid_type(param, "an object", part)
            continue
        kind = part.get("type")
        if kind is None:
            yield missing(f"{param}.type")
        elif kind not in allowed:
            yield invalid_value(f"{param}.type", kind, allowed)
        elif kind in ("input_text", "output_text") and not isinstance(part.get("text"), str):
            yield missing(f"{param}.text") if part.get("text") is None else invalid_type(f"{param}.text", "a string", part["text"])


# --- tool_choice ------------------------------------------------------------------------------


def check_tool_choice(choice: Any, tools: ToolSet) -> Iterator[APIError | ToolChoice]:
    """Problems, or last the normalised choice. Hosted-tool choices (``{"type": "file_search"}``)
    are accepted; the mock never calls hosted tools, so they act like ``auto``."""
    has_tools = bool(tools.functions)
    if choice is None:
        yield ToolChoice("auto" if has_tools else "none")
        return
    if isinstance(choice, str):
        options = ["none", "auto", "required"]
        if choice not in options:
            yield invalid_value("tool_choice", choice, options)
            return
        yield ToolChoice(choice if has_tools or choice != "auto" else "none")
        return
    if not isinstance(choice, dict):
        yield invalid_type("tool_choice", "one of a string or object", choice)
        return
    kind = choice.get("type")
    if kind is None:
        yield missing("tool_choice.type")
        return
    if kind in ("function", "custom"):
        name = choice.get("name")
        if not isinstance(name, str):
            yield missing("tool_choice.name") if name is None else invalid_type("tool_choice.name", "a string", name)
            return
        if name not in tools.functions:
            # a named tool the request does not declare: refused as Chat Completions refuses it;
            # the wording is from memory (no user report of it was found), so unverified
            yield invalid("tool_choice", f"Tool choice '{kind}' not found in 'tools' parameter.", None)
            return
        yield ToolChoice("function", name)
        return
    if kind == "allowed_tools":
        mode = choice.get("mode")
        if mode not in ("auto", "required"):
            yield missing("tool_choice.mode") if mode is None else invalid_value("tool_choice.mode", mode, ["auto", "required"])
            return
        listed = choice.get("tools")
        if not isinstance(listed, list):
            yield missing("tool_choice.tools") if listed is None else invalid_type("tool_choice.tools", "an array", listed)
            return
        yield ToolChoice(mode if has_tools else "none")
        return
    if kind not in HOSTED_CHOICES:  # the Response echoes tool_choice: an unknown type would break its schema
        yield invalid_value("tool_choice.type", kind, ["function", "custom", "allowed_tools", *HOSTED_CHOICES])
        return
    label = choice.get("server_label")
    if kind == "mcp" and not isinstance(label, str):
        yield missing("tool_choice.server_label") if label is None else invalid_type("tool_choice.server_label", "a string", label)
        return
    yield ToolChoice("auto" if has_tools else "none")
