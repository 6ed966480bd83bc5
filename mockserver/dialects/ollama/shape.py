"""What Ollama's decoder refuses: Go's ``encoding/json`` into ``api.ChatRequest`` /
``api.GenerateRequest`` (``api/types.go``), then the handlers' own checks (``server/routes.go``).

A value of the wrong JSON type is a 400 with Go's text, e.g. ``json: cannot unmarshal string into
Go struct field ChatRequest.messages of type []api.Message``; ``null`` is always accepted (the
field keeps its zero value) and unknown fields are ignored. Only the fields Ollama declares are
checked, with the Go types it declares them with.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterator

from mockserver.validation.problems import tag
from mockserver.wire.errors import APIError

# Go's names of JSON values in an UnmarshalTypeError
_KINDS = ((bool, "bool"), (str, "string"), ((int, float), "number"), (list, "array"), (dict, "object"))
_SLICES = frozenset({"api.Tools"})  # named slice types
ROLES = ("system", "user", "assistant", "tool")
THINK_LEVELS = ("high", "medium", "low", "max")
# Go's time.ParseDuration: a sequence of decimal numbers with a unit ("300ms", "1.5h", "2h45m")
_DURATION = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*|[-+]?0")


def _kind(value: Any) -> str:
    for types, name in _KINDS:
        if isinstance(value, types):
            return name
    return "null"


def _mismatch(struct: str, field: str, value: Any, go_type: str) -> APIError:
    kind = _kind(value)
    if kind == "number" and go_type == "int":
        kind = f"number {value}"
    return tag(APIError(f"json: cannot unmarshal {kind} into Go struct field {struct}.{field} of type {go_type}",
                        param=field), "ollama.field_type")


def _accepts(go_type: str, value: Any) -> bool:
    """Whether Go decodes ``value`` (not null) into ``go_type``: string, bool, int, an object or an array."""
    if go_type == "string":
        return isinstance(value, str)
    if go_type == "bool":
        return isinstance(value, bool)
    if go_type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if go_type.startswith("[]") or go_type in _SLICES:
        return isinstance(value, list)
    return isinstance(value, dict)


def _typed(struct: str, field: str, value: Any, go_type: str) -> Iterator[APIError]:
    if value is not None and not _accepts(go_type, value):
        yield _mismatch(struct, field, value, go_type)


def _fields(struct: str, prefix: str, obj: dict[str, Any], table: dict[str, str]) -> Iterator[APIError]:
    """The fields of ``obj`` that ``table`` (JSON name → Go type) declares, in ``obj``'s order
    (most requests carry a few of them: only those are looked at)."""
    for key, value in obj.items():
        go_type = table.get(key)
        if go_type is not None and value is not None and not _accepts(go_type, value):
            yield _mismatch(struct, prefix + key, value, go_type)


_COMMON = {"model": "string", "stream": "bool", "options": "map[string]interface {}", "raw": "bool", "truncate": "bool",
           "shift": "bool", "logprobs": "bool", "top_logprobs": "int"}
_CHAT = {"messages": "[]api.Message", "tools": "api.Tools"}
_MESSAGE = {"role": "string", "content": "string", "thinking": "string", "tool_name": "string", "tool_call_id": "string",
            "tool_calls": "[]api.ToolCall"}
_TOOL = {"type": "string", "function": "api.ToolFunction"}
_FUNCTION = {"name": "string", "description": "string", "parameters": "api.ToolFunctionParameters"}
_CALL = {"id": "string", "function": "api.ToolCallFunction"}
_CALL_FUNCTION = {"index": "int", "name": "string"}
_GENERATE = {"prompt": "string", "suffix": "string", "system": "string", "template": "string", "context": "[]int"}


def _images(struct: str, field: str, images: Any) -> Iterator[APIError]:
    """``[]api.ImageData`` ([]byte): base64 strings."""
    yield from _typed(struct, field, images, "[]api.ImageData")
    for image in images if isinstance(images, list) else []:
        if image is None:
            continue
        if not isinstance(image, str):
            yield _mismatch(struct, field, image, "api.ImageData")
            return
        try:
            base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            yield tag(APIError(f"illegal base64 data at input byte {_bad_byte(image)}", param=field), "ollama.field_type")
            return


def _bad_byte(text: str) -> int:
    for i, ch in enumerate(text):
        if not (ch.isascii() and (ch.isalnum() or ch in "+/=")):
            return i
    return len(text) - len(text) % 4


def check_common(body: dict[str, Any], struct: str) -> Iterator[APIError]:
    """The fields both requests share: model, stream, format, options, keep_alive, think."""
    yield from _fields(struct, "", body, _COMMON)
    yield from _think(body.get("think"))
    yield from _keep_alive(body.get("keep_alive"))
    top = body.get("top_logprobs")
    if isinstance(top, int) and not 0 <= top <= 20:
        yield tag(APIError("top_logprobs must be between 0 and 20", param="top_logprobs"), "ollama.top_logprobs_range")
    if not body.get("model"):
        yield tag(APIError("model is required", param="model"), "ollama.model_required")


def _think(think: Any) -> Iterator[APIError]:
    if think is None or isinstance(think, bool):
        return
    if isinstance(think, str):
        if think not in THINK_LEVELS:
            yield tag(APIError(f'invalid think value: "{think}" (must be "high", "medium", "low", "max", true, or false)',
                               param="think"), "ollama.think_invalid")
        return
    yield tag(APIError('think must be a boolean or string ("high", "medium", "low", "max", true, or false)', param="think"),
              "ollama.think_invalid")


def _keep_alive(value: Any) -> Iterator[APIError]:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return
    if isinstance(value, str):
        if not _DURATION.fullmatch(value):
            yield tag(APIError(f'time: invalid duration "{value}"', param="keep_alive"), "ollama.keep_alive_invalid")
        return
    go = {bool: "bool", list: "[]interface {}", dict: "map[string]interface {}"}[type(value)]
    yield tag(APIError(f"Unsupported type: '{go}'", param="keep_alive"), "ollama.keep_alive_invalid")


def check_chat(body: dict[str, Any]) -> Iterator[APIError]:
    """``api.ChatRequest``: the messages and tools as Go decodes them (first problem first)."""
    if _plain_chat(body):
        return iter(())
    return _check_chat(body)


def _plain_chat(body: dict[str, Any]) -> bool:
    """The common request, recognised at a glance (no problem possible): known fields of their
    types, messages of string role and content (tool calls, images… take the full check), tools
    as {type, function: {name, …}} objects, a model, no think/keep_alive/top_logprobs to read."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return False
    for key, value in body.items():
        if key in ("think", "keep_alive", "top_logprobs"):
            return False
        go_type = _COMMON.get(key) or _CHAT.get(key)
        if go_type is not None and value is not None and not _accepts(go_type, value):
            return False
    for message in body.get("messages") or ():
        if type(message) is not dict:
            return False
        for key, value in message.items():
            if key in ("role", "content"):
                if type(value) is not str:
                    return False
            elif key in _MESSAGE or key == "images":
                return False
    for tool in body.get("tools") or ():
        function = tool.get("function") if type(tool) is dict else None
        if type(function) is not dict or type(tool.get("type", "")) is not str or type(function.get("name", "")) is not str:
            return False
        if type(function.get("description", "")) is not str or type(function.get("parameters", {})) is not dict:
            return False
    return True


def _check_chat(body: dict[str, Any]) -> Iterator[APIError]:
    struct = "ChatRequest"
    yield from _fields(struct, "", body, _CHAT)
    for message in body.get("messages") or []:
        if message is None:
            continue
        if not isinstance(message, dict):
            yield _mismatch(struct, "messages", message, "api.Message")
            return
        yield from _fields(struct, "messages.", message, _MESSAGE)
        if "images" in message:
            yield from _images(struct, "messages.images", message["images"])
        if "tool_calls" in message:
            yield from _tool_calls(struct, message["tool_calls"])
    for tool in body.get("tools") or []:
        if tool is not None and not isinstance(tool, dict):
            yield _mismatch(struct, "tools", tool, "api.Tool")
            return
        if isinstance(tool, dict):
            yield from _fields(struct, "tools.", tool, _TOOL)
            function = tool.get("function")
            if isinstance(function, dict):
                yield from _fields(struct, "tools.function.", function, _FUNCTION)
    yield from check_common(body, struct)


def _tool_calls(struct: str, calls: Any) -> Iterator[APIError]:
    for call in calls if isinstance(calls, list) else []:
        if call is None:
            continue
        if not isinstance(call, dict):
            yield _mismatch(struct, "messages.tool_calls", call, "api.ToolCall")
            return
        yield from _fields(struct, "messages.tool_calls.", call, _CALL)
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        yield from _fields(struct, "messages.tool_calls.function.", function, _CALL_FUNCTION)
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, dict):
            # orderedmap's UnmarshalJSON: Go's text for a non-object into a map
            yield tag(APIError(f"json: cannot unmarshal {_kind(arguments)} into Go value of type map[string]interface {{}}",
                               param="messages.tool_calls.function.arguments"), "ollama.field_type")


def check_generate(body: dict[str, Any]) -> Iterator[APIError]:
    """``api.GenerateRequest``: prompt, suffix, system, template, context, images."""
    struct = "GenerateRequest"
    yield from _fields(struct, "", body, _GENERATE)
    yield from _images(struct, "images", body.get("images"))
    yield from check_common(body, struct)


def format_problem(fmt: Any) -> APIError | None:
    """``format``: absent, null, "", "json" or an object (llm/llama_server.go); Ollama sends the
    error through the completion channel without a status: a 500."""
    if fmt is None or fmt == "" or fmt == "json" or isinstance(fmt, dict):
        return None
    from mockserver.wire import jsoncodec

    raw = jsoncodec.dumps(fmt).decode()
    quoted = '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return tag(APIError(f'invalid format: {quoted}; expected "json" or a valid JSON Schema object', param="format",
                        status=500, type="server_error"), "ollama.format_invalid")
