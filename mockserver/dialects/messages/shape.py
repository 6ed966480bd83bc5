"""The Messages API request's shape: top-level parameters, messages and their content blocks,
``system``, ``tools`` and ``tool_choice``, in Anthropic's words (``path: message``, the path
dotted with indexes: ``messages.1.content.0``).

Evidence (user-reported 400 bodies, ``invalid_request_error``):
- "max_tokens: Field required" (immersive-translate/immersive-translate#3993; the same
  pydantic v2 wording as every field error below);
- "tools.N.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"
  (home-assistant/core#147760, netclaw-dev/netclaw#1133, vybestack/llxprt-code#482);
- "tools.N.custom.name: String should have at most 128 characters" (anthropics/claude-code#96152);
  ``model`` has 1 to 256 characters (the official schema's ``Model``), refused in the same words;
- 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter,
  not "system" as an input message role.' (ianarawjo/ChainForge#271);
- "messages.N: all messages must have non-empty content except for the optional final assistant
  message" (anthropics/claude-code#3196, #6774; BerriAI/litellm#2549);
- "messages: text content blocks must be non-empty" (anthropics/claude-code#59812,
  AnswerDotAI/fastllm#44).
Other field errors use pydantic v2's standard texts ("Field required", "Input should be a valid
integer", "Input should be less than or equal to 1", …), which is what those reports show the
API's validation layer is. Consecutive turns of the same role are *not* an error: the API
combines them (anthropic-sdk-python ``message_create_params.py``: "Consecutive `user` or
`assistant` turns in your request will be combined into a single turn."), and an assistant
first message is accepted (anthropics/anthropic-sdk-typescript#622). ``max_tokens: 0`` is valid
("Set to `0` to populate the prompt cache", same file); a float without a fractional part is an
integer (``max_tokens: 1.0``), a fractional one "Input should be a valid integer, got a number
with a fractional part" — pydantic v2's lax mode (``int_from_float``), the layer those texts show. Unknown fields and block types
(``image``, ``document``, ``thinking``, server tool blocks, …) are accepted.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from mockserver.wire.errors import APIError

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
NAME_PATTERN = "^[a-zA-Z0-9_-]{1,128}$"
NAME_MAX = 128
CHOICE_TYPES = ("auto", "any", "tool", "none")


def bad(path: str, message: str) -> APIError:
    return APIError(f"{path}: {message}", param=path)


def required(path: str) -> APIError:
    return bad(path, "Field required")


def _is_int(v: Any) -> bool:
    """An integer as pydantic's lax mode reads one: a float without a fractional part counts
    (``max_tokens: 1.0`` is 1)."""
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _not_int(v: Any) -> str:
    """pydantic v2's texts (``int_type``, ``int_from_float``)."""
    if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")):
        return "Input should be a valid integer, got a number with a fractional part"
    return "Input should be a valid integer"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_request(body: dict[str, Any], count_only: bool = False) -> Iterator[APIError]:
    """``count_only``: ``/v1/messages/count_tokens``, which takes no ``max_tokens``."""
    model = body.get("model")
    if model is None:
        yield required("model")
    elif not isinstance(model, str):
        yield bad("model", "Input should be a valid string")
    elif not 1 <= len(model) <= 256:  # the schema's Model: minLength 1, maxLength 256 (the Message echoes it)
        yield bad("model", "String should have at least 1 character" if not model else "String should have at most 256 characters")
    if not count_only:
        max_tokens = body.get("max_tokens")
        if max_tokens is None:
            yield required("max_tokens")
        elif not _is_int(max_tokens):
            yield bad("max_tokens", _not_int(max_tokens))
        elif max_tokens < 0:
            yield bad("max_tokens", "Input should be greater than or equal to 0")
    yield from _check_parameters(body)
    yield from _check_system(body.get("system"))
    messages = body.get("messages")
    if messages is None:
        yield required("messages")
        return
    if not isinstance(messages, list):
        yield bad("messages", "Input should be a valid list")
        return
    if not messages:
        yield bad("messages", "at least one message is required")
        return
    for i, message in enumerate(messages):
        yield from _check_message(i, message, last=i == len(messages) - 1)


def _check_parameters(body: dict[str, Any]) -> Iterator[APIError]:
    for name, high in (("temperature", 1), ("top_p", 1)):
        value = body.get(name)
        if value is None:
            continue
        if not _is_number(value):
            yield bad(name, "Input should be a valid number")
        elif value < 0:
            yield bad(name, "Input should be greater than or equal to 0")
        elif value > high:
            yield bad(name, f"Input should be less than or equal to {high}")
    top_k = body.get("top_k")
    if top_k is not None and not _is_int(top_k):
        yield bad("top_k", _not_int(top_k))
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        yield bad("stream", "Input should be a valid boolean")
    stops = body.get("stop_sequences")
    if stops is not None:
        if not isinstance(stops, list):
            yield bad("stop_sequences", "Input should be a valid list")
        else:
            for k, stop in enumerate(stops):
                if not isinstance(stop, str):
                    yield bad(f"stop_sequences.{k}", "Input should be a valid string")
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            yield bad("metadata", "Input should be a valid dictionary")
        elif metadata.get("user_id") is not None and not isinstance(metadata["user_id"], str):
            yield bad("metadata.user_id", "Input should be a valid string")


def _check_system(system: Any) -> Iterator[APIError]:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        yield bad("system", "Input should be a valid list")
        return
    for k, block in enumerate(system):
        if not isinstance(block, dict):
            yield bad(f"system.{k}", "Input should be a valid dictionary")
        elif block.get("type") != "text":
            yield bad(f"system.{k}.type", "Input should be 'text'")
        elif not isinstance(block.get("text"), str):
            yield required(f"system.{k}.text") if block.get("text") is None else bad(f"system.{k}.text", "Input should be a valid string")


def _check_message(i: int, message: Any, last: bool) -> Iterator[APIError]:
    where = f"messages.{i}"
    if not isinstance(message, dict):
        yield bad(where, "Input should be a valid dictionary")
        return
    role = message.get("role")
    if role is None:
        yield required(f"{where}.role")
        return
    if role == "system":
        yield bad("messages", 'Unexpected role "system". The Messages API accepts a top-level `system` parameter, '
                              'not "system" as an input message role.')
        return
    if role not in ("user", "assistant"):
        yield bad(f"{where}.role", "Input should be 'user' or 'assistant'")
        return
    if "content" not in message:
        yield required(f"{where}.content")
        return
    content = message["content"]
    if not isinstance(content, (str, list)):
        yield bad(f"{where}.content", "Input should be a valid list")
        return
    if not content and not (last and role == "assistant"):
        yield bad(where, "all messages must have non-empty content except for the optional final assistant message")
        return
    if isinstance(content, str):
        return
    for j, block in enumerate(content):
        yield from check_block(f"{where}.content.{j}", block)


def check_block(where: str, block: Any) -> Iterator[APIError]:
    if not isinstance(block, dict):
        yield bad(where, "Input should be a valid dictionary")
        return
    kind = block.get("type")
    if not isinstance(kind, str):
        yield bad(where, "Unable to extract tag using discriminator 'type'")
        return
    if kind == "text":
        text = block.get("text")
        if not isinstance(text, str):
            yield required(f"{where}.text") if text is None else bad(f"{where}.text", "Input should be a valid string")
        elif not text:
            yield bad("messages", "text content blocks must be non-empty")
    elif kind == "tool_use":
        for key in ("id", "name"):
            if not isinstance(block.get(key), str):
                yield required(f"{where}.{key}") if block.get(key) is None else bad(f"{where}.{key}", "Input should be a valid string")
                return
        if "input" not in block:
            yield required(f"{where}.input")
        elif not isinstance(block["input"], dict):
            yield bad(f"{where}.input", "Input should be a valid dictionary")
    elif kind == "tool_result":
        tool_use_id = block.get("tool_use_id")
        if not isinstance(tool_use_id, str):
            yield required(f"{where}.tool_use_id") if tool_use_id is None else bad(f"{where}.tool_use_id", "Input should be a valid string")
            return
        content = block.get("content")
        if content is not None and not isinstance(content, (str, list)):
            yield bad(f"{where}.content", "Input should be a valid list")
        elif isinstance(content, list):
            for k, inner in enumerate(content):
                yield from check_block(f"{where}.content.{k}", inner)
        is_error = block.get("is_error")
        if is_error is not None and not isinstance(is_error, bool):
            yield bad(f"{where}.is_error", "Input should be a valid boolean")


# --- tools and tool_choice ---------------------------------------------------------------------


def check_tools(tools: Any) -> Iterator[APIError]:
    """The declarations' shape; schema validity is checked when the tool set is built."""
    if tools is None:
        return
    if not isinstance(tools, list):
        yield bad("tools", "Input should be a valid list")
        return
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            yield bad(f"tools.{i}", "Input should be a valid dictionary")
            return
        kind = tool.get("type")
        if kind not in (None, "custom"):
            continue  # a server tool (web_search_…, bash_…, text_editor_…): declared, never called
        where = f"tools.{i}.custom"
        name = tool.get("name")
        if name is None:
            yield required(f"{where}.name")
            return
        if not isinstance(name, str):
            yield bad(f"{where}.name", "Input should be a valid string")
            return
        if len(name) > NAME_MAX:
            yield bad(f"{where}.name", f"String should have at most {NAME_MAX} characters")
            return
        if not NAME_RE.match(name):
            yield bad(f"{where}.name", f"String should match pattern '{NAME_PATTERN}'")
            return
        description = tool.get("description")
        if description is not None and not isinstance(description, str):
            yield bad(f"{where}.description", "Input should be a valid string")
            return
        schema = tool.get("input_schema")
        if schema is None:
            yield required(f"{where}.input_schema")
            return
        if not isinstance(schema, dict):
            yield bad(f"{where}.input_schema", "Input should be a valid dictionary")
            return
        if schema.get("type") != "object":
            yield bad(f"{where}.input_schema.type", "Input should be 'object'")
            return
        if name in seen:
            yield bad("tools", "Tool names must be unique.")
            return
        seen.add(name)


def check_tool_choice(choice: Any, declared: set[str]) -> Iterator[APIError]:
    if choice is None:
        return
    if not isinstance(choice, dict):
        yield bad("tool_choice", "Input should be a valid dictionary")
        return
    kind = choice.get("type")
    if kind not in CHOICE_TYPES:
        if kind is None:
            yield bad("tool_choice", "Unable to extract tag using discriminator 'type'")
        else:
            tags = ", ".join(f"'{t}'" for t in CHOICE_TYPES)
            yield bad("tool_choice", f"Input tag '{kind}' found using 'type' does not match any of the expected tags: {tags}")
        return
    disable = choice.get("disable_parallel_tool_use")
    if disable is not None and not isinstance(disable, bool):
        yield bad("tool_choice.disable_parallel_tool_use", "Input should be a valid boolean")
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            yield required("tool_choice.name") if name is None else bad("tool_choice.name", "Input should be a valid string")
        elif name not in declared:
            # Anthropic rejects a named tool the request does not declare; its exact text was not
            # found in public reports, so this one names the culprit in the same path: message form
            yield bad("tool_choice.name", f"Tool '{name}' not found in provided tools")
