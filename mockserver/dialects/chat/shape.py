"""Layer 2: the request's shape per the OpenAI spec — messages by role, and the parameters.

Every problem names the rule it breaks (``dialects/chat/rules.py`` says, per provider profile,
whether it is a 400, a warning or accepted), so a check goes on after a problem whenever the
request still makes sense without it. Parameters are checked against the official schema.
Unknown top-level fields are accepted: clients send vendor extras.
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.dialects.chat.rules import request_parameter_schemas
from mockserver.validation.params import check_value
from mockserver.validation.problems import empty_array, invalid, invalid_type, invalid_value, missing, tag
from mockserver.validation.tools import NAME_RE
from mockserver.wire import mistral
from mockserver.wire.errors import APIError

ROLES = ["system", "assistant", "user", "function", "tool", "developer"]
PART_TYPES = {
    "system": ["text"],
    "developer": ["text"],
    "user": ["text", "image_url", "input_audio", "file"],
    "assistant": ["text", "refusal"],
    "tool": ["text"],
}
KNOWN_PART_TYPES = ["text", "image_url", "input_audio", "file", "refusal"]
STRING_OR_PARTS = "one of a string or array of objects"
ID_MAX = 40  # tool call ids (reported: "string too long. Expected a string with maximum length 40")


def check_request(body: dict[str, Any]) -> Iterator[APIError]:
    model = body.get("model")
    if model is None:
        yield tag(APIError("you must provide a model parameter"), "request.model_missing")
        return
    if not isinstance(model, str):
        yield tag(invalid_type("model", "a string", model), "request.model_type")
        return
    if "messages" not in body:
        yield tag(missing("messages"), "request.messages_missing")
        return
    messages = body["messages"]
    if not isinstance(messages, list):
        yield tag(invalid_type("messages", "an array", messages), "request.messages_type")
        return
    if not messages:
        yield tag(empty_array("messages"), "request.messages_empty")
        return
    for i, message in enumerate(messages):
        yield from check_message(i, message)
    yield from check_parameters(body)


# --- messages -------------------------------------------------------------------------------


def check_message(i: int, message: Any) -> Iterator[APIError]:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        yield tag(invalid_type(where, "an object", message), "message.type")
        return
    role = message.get("role")
    if role is None:
        yield tag(missing(f"{where}.role"), "message.role_missing")
        return
    if not isinstance(role, str):
        yield tag(invalid_type(f"{where}.role", "a string", role), "message.role_type")
        return
    if role not in ROLES:
        yield tag(invalid_value(f"{where}.role", role, ROLES), "message.role_unknown")
        yield from _check_other_role(where, message)
        return
    name = message.get("name")
    if name is not None and not isinstance(name, str):
        yield tag(invalid_type(f"{where}.name", "a string", name), "message.name_type")
    if role == "assistant":
        yield from _check_assistant(where, message)
    elif role == "function":
        if not isinstance(name, str):
            yield tag(missing(f"{where}.name"), "message.function_name_missing")
        content = message.get("content")
        if content is not None and not isinstance(content, str):
            yield tag(invalid_type(f"{where}.content", "a string", content), "message.function_content_type")
    else:
        if "content" not in message:
            yield tag(missing(f"{where}.content"), "message.content_missing")
        else:
            yield from _check_content(where, role, message["content"], nullable=False)
        if role == "tool":
            yield from _check_tool_call_id(where, message)


def _check_other_role(where: str, message: dict[str, Any]) -> Iterator[APIError]:
    """A role OpenAI does not know (vLLM passes any role to the chat template): the fields it may
    carry keep their types."""
    if "content" in message:
        yield from _check_content(where, "user", message["content"], nullable=True)
    tool_calls = message.get("tool_calls")
    if isinstance(tool_calls, list):
        for k, call in enumerate(tool_calls):
            yield from _check_tool_call(f"{where}.tool_calls[{k}]", call)
    elif tool_calls is not None:
        yield tag(invalid_type(f"{where}.tool_calls", "an array", tool_calls), "assistant.tool_calls_type")
    if message.get("tool_call_id") is not None:
        yield from _check_tool_call_id(where, message)


def _check_tool_call_id(where: str, message: dict[str, Any]) -> Iterator[APIError]:
    tool_call_id = message.get("tool_call_id")
    param = f"{where}.tool_call_id"
    if tool_call_id is None:
        yield tag(missing(param), "message.tool_call_id_missing")
    elif not isinstance(tool_call_id, str):
        yield tag(invalid_type(param, "a string", tool_call_id), "message.tool_call_id_type")
    elif len(tool_call_id) > ID_MAX:
        yield tag(_too_long(param, tool_call_id), "message.tool_call_id_length")


def check_call_ids(messages: list[Any]) -> Iterator[APIError]:
    """Mistral's id rule, message by message: an assistant's call ids, a tool message's
    ``tool_call_id`` (a layer of its own, run only under a profile that refuses such ids)."""
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        for k, call in enumerate(calls if isinstance(calls, list) else ()):
            call_id = call.get("id") if isinstance(call, dict) else None
            if isinstance(call_id, str) and not mistral.valid_id(call_id):
                param = f"messages[{i}].tool_calls[{k}].id"
                yield tag(invalid(param, mistral.id_message(call_id), None), "assistant.tool_call_id_format")
        call_id = message.get("tool_call_id") if message.get("role") == "tool" else None
        if isinstance(call_id, str) and not mistral.valid_id(call_id):
            yield tag(invalid(f"messages[{i}].tool_call_id", mistral.id_message(call_id), None), "message.tool_call_id_format")


def _too_long(param: str, value: str) -> APIError:
    return invalid(
        param,
        f"Invalid '{param}': string too long. Expected a string with maximum length {ID_MAX}, but got a "
        f"string with length {len(value)} instead.",
        "string_above_max_length",
    )


def _check_content(where: str, role: str, content: Any, *, nullable: bool) -> Iterator[APIError]:
    param = f"{where}.content"
    if isinstance(content, str):
        return
    if content is None:
        if not nullable:
            yield tag(invalid_type(param, STRING_OR_PARTS, content), "message.content_type")
        return
    if not isinstance(content, list):
        yield tag(invalid_type(param, STRING_OR_PARTS, content), "message.content_type")
        return
    if not content:
        yield tag(empty_array(param), "message.content_empty")
        return
    allowed = PART_TYPES[role]
    for j, part in enumerate(content):
        yield from _check_part(f"{param}[{j}]", part, allowed)


def _check_part(param: str, part: Any, allowed: list[str]) -> Iterator[APIError]:
    if not isinstance(part, dict):
        yield tag(invalid_type(param, "an object", part), "message.part_type")
        return
    kind = part.get("type")
    if kind is None:
        yield tag(missing(f"{param}.type"), "message.part_kind_missing")
        return
    if kind not in KNOWN_PART_TYPES:
        yield tag(invalid_value(f"{param}.type", kind, allowed), "message.part_kind_unknown")
        return
    if kind not in allowed:
        yield tag(invalid_value(f"{param}.type", kind, allowed), "message.part_kind_role")
    if kind in ("text", "refusal"):
        value = part.get(kind)
        if value is None:
            yield tag(missing(f"{param}.{kind}"), "message.part_text_missing")
        elif not isinstance(value, str):
            yield tag(invalid_type(f"{param}.{kind}", "a string", value), "message.part_text_type")
    elif kind == "image_url":
        yield from (tag(p, "message.part_image") for p in _image_problems(param, part.get("image_url")))
    elif kind == "input_audio":
        yield from (tag(p, "message.part_audio") for p in _audio_problems(param, part.get("input_audio")))
    elif kind == "file":
        file = part.get("file")
        if not isinstance(file, dict):
            problem = missing(f"{param}.file") if file is None else invalid_type(f"{param}.file", "an object", file)
            yield tag(problem, "message.part_file")


def _image_problems(param: str, image: Any) -> Iterator[APIError]:
    if image is None:
        yield missing(f"{param}.image_url")
    elif not isinstance(image, dict):
        yield invalid_type(f"{param}.image_url", "an object", image)
    elif "url" not in image:
        yield missing(f"{param}.image_url.url")
    elif not isinstance(image["url"], str):
        yield invalid_type(f"{param}.image_url.url", "a string", image["url"])
    elif image.get("detail") not in (None, "auto", "low", "high"):
        yield invalid_value(f"{param}.image_url.detail", image["detail"], ["auto", "low", "high"])


def _audio_problems(param: str, audio: Any) -> Iterator[APIError]:
    if not isinstance(audio, dict):
        yield missing(f"{param}.input_audio") if audio is None else invalid_type(f"{param}.input_audio", "an object", audio)
        return
    if not isinstance(audio.get("data"), str):
        yield missing(f"{param}.input_audio.data")
    if audio.get("format") not in ("wav", "mp3"):
        yield invalid_value(f"{param}.input_audio.format", audio.get("format"), ["wav", "mp3"])


def _check_assistant(where: str, message: dict[str, Any]) -> Iterator[APIError]:
    content = message.get("content")
    tool_calls = message.get("tool_calls")
    yield from _check_content(where, "assistant", content, nullable=True)
    refusal = message.get("refusal")
    if refusal is not None and not isinstance(refusal, str):
        yield tag(invalid_type(f"{where}.refusal", "a string", refusal), "assistant.refusal_type")
    if tool_calls is not None:
        if not isinstance(tool_calls, list):
            yield tag(invalid_type(f"{where}.tool_calls", "an array", tool_calls), "assistant.tool_calls_type")
            return
        if tool_calls:
            for k, call in enumerate(tool_calls):
                yield from _check_tool_call(f"{where}.tool_calls[{k}]", call)
            return
        # vLLM drops an empty list (its own answers carry one); OpenAI refuses it
        yield tag(empty_array(f"{where}.tool_calls"), "assistant.tool_calls_empty")
    if content is None and message.get("function_call") is None and refusal is None:
        # OpenAI's wording and param form; the hint is ours.
        yield tag(invalid(
            f"messages.[{where[9:-1]}].content",
            "Invalid value for 'content': expected a string, got null. (An assistant message may "
            f"have null content only when it has 'tool_calls'; see {where}.)",
            None,
        ), "assistant.content_null")


def _check_tool_call(param: str, call: Any) -> Iterator[APIError]:
    if not isinstance(call, dict):
        yield tag(invalid_type(param, "an object", call), "assistant.tool_call_type")
        return
    for key in ("id", "type"):
        if key not in call:
            yield tag(missing(f"{param}.{key}"), "assistant.tool_call_fields")
        elif not isinstance(call[key], str):
            yield tag(invalid_type(f"{param}.{key}", "a string", call[key]), "assistant.tool_call_fields")
    if isinstance(call.get("id"), str) and len(call["id"]) > ID_MAX:
        yield tag(_too_long(f"{param}.id", call["id"]), "assistant.tool_call_id_length")
    kind = call.get("type")
    if isinstance(kind, str) and kind not in ("function", "custom"):
        yield tag(invalid_value(f"{param}.type", kind, ["function", "custom"]), "assistant.tool_call_kind")
        return
    if kind == "custom":
        custom = call.get("custom")
        if not isinstance(custom, dict) or not isinstance(custom.get("name"), str):
            yield tag(missing(f"{param}.custom.name"), "assistant.tool_call_custom_name")
        return
    function = call.get("function")
    if function is None:
        yield tag(missing(f"{param}.function"), "assistant.tool_call_fields")
        return
    if not isinstance(function, dict):
        yield tag(invalid_type(f"{param}.function", "an object", function), "assistant.tool_call_fields")
        return
    for key in ("name", "arguments"):
        if key not in function:
            yield tag(missing(f"{param}.function.{key}"), "assistant.tool_call_fields")
        elif not isinstance(function[key], str):
            yield tag(invalid_type(f"{param}.function.{key}", "a string", function[key]), "assistant.tool_call_fields")
    name = function.get("name")
    if isinstance(name, str) and not NAME_RE.match(name):
        yield tag(invalid(
            f"{param}.function.name",
            f"Invalid '{param}.function.name': string does not match pattern. Expected a string that "
            "matches the pattern '^[a-zA-Z0-9_-]+$'.",
        ), "assistant.tool_call_name_pattern")


# --- parameters -----------------------------------------------------------------------------


def check_parameters(body: dict[str, Any]) -> Iterator[APIError]:
    """Types, values and ranges from the official schema; then the relations between parameters."""
    schemas = request_parameter_schemas()
    for name, value in body.items():
        schema = schemas.get(name)
        if schema is not None and value is not None:
            yield from check_value(schema, value, name, f"param.{name}")
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        yield tag(invalid("top_logprobs", "Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                                          "'top_logprobs' is used."), "param.top_logprobs_without_logprobs")
    if body.get("stream_options") is not None and not body.get("stream"):
        yield tag(invalid("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                          None), "param.stream_options_without_stream")
