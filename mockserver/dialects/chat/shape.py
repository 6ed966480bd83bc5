"""Layer 2: the request's shape per the OpenAI spec — messages by role and common parameters.

Unknown top-level fields are accepted: clients send vendor extras.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from mockserver.validation.problems import (
    empty_array,
    invalid,
    invalid_type,
    invalid_value,
    missing,
    out_of_range,
)
from mockserver.wire.errors import APIError

from mockserver.validation.policy import STRICT, Policy
from mockserver.validation.tools import NAME_RE

ROLES = ["system", "assistant", "user", "function", "tool", "developer"]
PART_TYPES = {
    "system": ["text"],
    "developer": ["text"],
    "user": ["text", "image_url", "input_audio", "file"],
    "assistant": ["text", "refusal"],
    "tool": ["text"],
}
STRING_OR_PARTS = "one of a string or array of objects"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_request(body: dict[str, Any], policy: Policy = STRICT) -> Iterator[APIError]:
    model = body.get("model")
    if model is None:
        yield APIError("you must provide a model parameter")
        return
    if not isinstance(model, str):
        yield invalid_type("model", "a string", model)
        return
    if "messages" not in body:
        yield missing("messages")
        return
    messages = body["messages"]
    if not isinstance(messages, list):
        yield invalid_type("messages", "an array", messages)
        return
    if not messages:
        yield empty_array("messages")
        return
    for i, message in enumerate(messages):
        yield from check_message(i, message, policy)
    yield from check_parameters(body)


# --- messages -------------------------------------------------------------------------------


def check_message(i: int, message: Any, policy: Policy = STRICT) -> Iterator[APIError]:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        yield invalid_type(where, "an object", message)
        return
    role = message.get("role")
    if role is None:
        yield missing(f"{where}.role")
        return
    if role not in ROLES:
        yield invalid_value(f"{where}.role", role, ROLES)
        return
    name = message.get("name")
    if name is not None and not isinstance(name, str):
        yield invalid_type(f"{where}.name", "a string", name)
    if role == "assistant":
        yield from _check_assistant(where, message, policy)
    elif role == "function":
        if not isinstance(name, str):
            yield missing(f"{where}.name")
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            yield invalid_type(f"{where}.content", "a string", content)
    else:
        if "content" not in message:
            yield missing(f"{where}.content")
            return
        yield from _check_content(where, role, message["content"], nullable=False)
        if role == "tool":
            tool_call_id = message.get("tool_call_id")
            if tool_call_id is None:
                yield missing(f"{where}.tool_call_id")
            elif not isinstance(tool_call_id, str):
                yield invalid_type(f"{where}.tool_call_id", "a string", tool_call_id)


def _check_content(where: str, role: str, content: Any, *, nullable: bool) -> Iterator[APIError]:
    param = f"{where}.content"
    if isinstance(content, str):
        return
    if content is None:
        if not nullable:
            yield invalid_type(param, STRING_OR_PARTS, content)
        return
    if not isinstance(content, list):
        yield invalid_type(param, STRING_OR_PARTS, content)
        return
    if not content:
        yield empty_array(param)
        return
    allowed = PART_TYPES[role]
    for j, part in enumerate(content):
        yield from _check_part(f"{param}[{j}]", part, allowed)


def _check_part(param: str, part: Any, allowed: list[str]) -> Iterator[APIError]:
    if not isinstance(part, dict):
        yield invalid_type(param, "an object", part)
        return
    kind = part.get("type")
    if kind is None:
        yield missing(f"{param}.type")
        return
    if kind not in allowed:
        yield invalid_value(f"{param}.type", kind, allowed)
        return
    if kind in ("text", "refusal"):
        value = part.get(kind)
        if value is None:
            yield missing(f"{param}.{kind}")
        elif not isinstance(value, str):
            yield invalid_type(f"{param}.{kind}", "a string", value)
    elif kind == "image_url":
        image = part.get("image_url")
        if image is None:
            yield missing(f"{param}.image_url")
        elif not isinstance(image, dict):
            yield invalid_type(f"{param}.image_url", "an object", image)
        elif not isinstance(image.get("url"), str):
            yield missing(f"{param}.image_url.url") if "url" not in image else invalid_type(
                f"{param}.image_url.url", "a string", image["url"]
            )
        elif image.get("detail") not in (None, "auto", "low", "high"):
            yield invalid_value(f"{param}.image_url.detail", image["detail"], ["auto", "low", "high"])
    elif kind == "input_audio":
        audio = part.get("input_audio")
        if not isinstance(audio, dict):
            yield missing(f"{param}.input_audio") if audio is None else invalid_type(
                f"{param}.input_audio", "an object", audio
            )
        else:
            if not isinstance(audio.get("data"), str):
                yield missing(f"{param}.input_audio.data")
            if audio.get("format") not in ("wav", "mp3"):
                yield invalid_value(f"{param}.input_audio.format", audio.get("format"), ["wav", "mp3"])
    elif kind == "file":
        file = part.get("file")
        if not isinstance(file, dict):
            yield missing(f"{param}.file") if file is None else invalid_type(f"{param}.file", "an object", file)


def _check_assistant(where: str, message: dict[str, Any], policy: Policy) -> Iterator[APIError]:
    content = message.get("content")
    tool_calls = message.get("tool_calls")
    yield from _check_content(where, "assistant", content, nullable=True)
    refusal = message.get("refusal")
    if refusal is not None and not isinstance(refusal, str):
        yield invalid_type(f"{where}.refusal", "a string", refusal)
    if tool_calls is not None:
        if not isinstance(tool_calls, list):
            yield invalid_type(f"{where}.tool_calls", "an array", tool_calls)
            return
        if not tool_calls:
            if not policy.empty_tool_calls:
                yield empty_array(f"{where}.tool_calls")
            return
        for k, call in enumerate(tool_calls):
            yield from _check_tool_call(f"{where}.tool_calls[{k}]", call)
    elif content is None and message.get("function_call") is None and refusal is None:
        # OpenAI's wording and param form; the hint is ours.
        yield invalid(
            f"messages.[{where[9:-1]}].content",
            "Invalid value for 'content': expected a string, got null. (An assistant message may "
            f"have null content only when it has 'tool_calls'; see {where}.)",
            None,
        )


def _check_tool_call(param: str, call: Any) -> Iterator[APIError]:
    if not isinstance(call, dict):
        yield invalid_type(param, "an object", call)
        return
    for key in ("id", "type"):
        if key not in call:
            yield missing(f"{param}.{key}")
        elif not isinstance(call[key], str):
            yield invalid_type(f"{param}.{key}", "a string", call[key])
    kind = call.get("type")
    if isinstance(kind, str) and kind not in ("function", "custom"):
        yield invalid_value(f"{param}.type", kind, ["function", "custom"])
        return
    if kind == "custom":
        custom = call.get("custom")
        if not isinstance(custom, dict) or not isinstance(custom.get("name"), str):
            yield missing(f"{param}.custom.name")
        return
    function = call.get("function")
    if function is None:
        yield missing(f"{param}.function")
        return
    if not isinstance(function, dict):
        yield invalid_type(f"{param}.function", "an object", function)
        return
    for key in ("name", "arguments"):
        if key not in function:
            yield missing(f"{param}.function.{key}")
        elif not isinstance(function[key], str):
            yield invalid_type(f"{param}.function.{key}", "a string", function[key])
    name = function.get("name")
    if isinstance(name, str) and not NAME_RE.match(name):
        yield invalid(
            f"{param}.function.name",
            f"Invalid '{param}.function.name': string does not match pattern. Expected a string that "
            "matches the pattern '^[a-zA-Z0-9_-]+$'.",
        )


# --- parameters -----------------------------------------------------------------------------

_RANGES: dict[str, tuple[str, Any, Any]] = {
    # name: (kind, low, high)
    "temperature": ("number", 0, 2),
    "top_p": ("number", 0, 1),
    "presence_penalty": ("number", -2, 2),
    "frequency_penalty": ("number", -2, 2),
    "n": ("integer", 1, 128),
    "max_tokens": ("integer", 1, None),
    "max_completion_tokens": ("integer", 1, None),
    "top_logprobs": ("integer", 0, 20),
    "seed": ("integer", None, None),
}
_BOOLEANS = ("stream", "parallel_tool_calls", "logprobs", "store")


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
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str):
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            yield invalid_type("stop", "one of a string or array of strings", stop)
        elif len(stop) > 4:
            yield invalid("stop", f"Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length {len(stop)} instead.", "array_above_max_length")
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        yield invalid("top_logprobs", "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.")
    yield from _check_stream_options(body)
    yield from _check_response_format(body.get("response_format"))


def _check_stream_options(body: dict[str, Any]) -> Iterator[APIError]:
    options = body.get("stream_options")
    if options is None:
        return
    if not isinstance(options, dict):
        yield invalid_type("stream_options", "an object", options)
        return
    if not body.get("stream"):
        yield invalid(
            "stream_options",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            None,
        )
        return
    include = options.get("include_usage")
    if include is not None and not isinstance(include, bool):
        yield invalid_type("stream_options.include_usage", "a boolean", include)


def _check_response_format(fmt: Any) -> Iterator[APIError]:
    if fmt is None:
        return
    if not isinstance(fmt, dict):
        yield invalid_type("response_format", "an object", fmt)
        return
    kind = fmt.get("type")
    supported = ["text", "json_object", "json_schema"]
    if kind is None:
        yield missing("response_format.type")
    elif kind not in supported:
        yield invalid_value("response_format.type", kind, supported)
    elif kind == "json_schema":
        spec = fmt.get("json_schema")
        if spec is None:
            yield missing("response_format.json_schema")
        elif not isinstance(spec, dict):
            yield invalid_type("response_format.json_schema", "an object", spec)
        elif not isinstance(spec.get("name"), str):
            yield missing("response_format.json_schema.name")
