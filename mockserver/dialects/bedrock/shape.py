"""The Converse request's shape, field by field, as the service model
(``bedrock-runtime`` 2023-09-30, ``ConverseRequest``) constrains it, in AWS's words.

A constraint of the model (required, length, pattern, enum, range) fails the way every AWS
rest-json service reports it (its validation layer, before Bedrock's own checks): ``1 validation
error detected: Value 'x' at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy
constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`` — list indexes
1-based with ``.member``. Bedrock's own content checks use 0-based paths (``messages.3.content.0``)
and their own sentences, as reported:

- "The text field in the ContentBlock object at messages.3.content.0 is blank. Add text to the
  text field, and try again." (OpenHands/OpenHands#5722);
- "The format of the value at messages.2.content.0.toolResult.content.0.json is invalid. Provide
  a json object for the field and try again." (sigoden/aichat#1550, #1542);
- "The content field at messages.<n>.content.0.toolResult cannot be empty when status value is
  error." (aws-samples/sample-multi-agent-orchestration-chat-on-agentcore#15);
- "The value at toolConfig.tools.7.toolSpec.inputSchema.json.type must be one of the following:
  object." (earendil-works/pi#8279, kirodotdev/Kiro#10270).

Unknown fields and block kinds the model names (image, document, video, audio, cachePoint,
reasoningContent, guardContent, …) are accepted. A JSON value of the wrong type (a string where
the model has a list) has no reported text: the mock names the culprit in the same form.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any, Iterator

from mockserver.wire.errors import APIError

ID_RE = re.compile(r"[a-zA-Z0-9_.:-]+")  # ToolUseId
NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")  # ToolName
ID_MAX = NAME_MAX = 64
ROLES = ("user", "assistant", "system")  # ConversationRole (the model's enum)
STATUSES = ("success", "error")  # ToolResultStatus
IMAGE_FORMATS = ("png", "jpeg", "gif", "webp")
# ConversationalModelId (the model's pattern and length, 1..2048)
MODEL_PATTERN = (
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}/[a-z0-9]{12})"
    r"|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:imported-model/[a-z0-9]{12})"
    r"|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{12}:custom-model-deployment/[a-z0-9]{12})"
    r"|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+)))"
    r"|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|(([0-9a-zA-Z][_-]?)+)|([a-zA-Z0-9-:.]+)"
    r"|(^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?))$"
    r"|(^arn:aws:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-zA-Z0-9-]+$)"
    r"|(^arn:aws(-[^:]+)?:bedrock:([0-9a-z-]{1,20}):([0-9]{12}):(default-)?prompt-router/[a-zA-Z0-9-:.]+$)"
)


@cache
def _model_re() -> re.Pattern[str]:
    return re.compile(MODEL_PATTERN)  # when first needed: compiling it costs ~2 ms of start-up
MODEL_MAX = 2048


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return ""  # structures are not shown ("Value at '…'")


def constraint(value: Any, path: str, rule: str) -> APIError:
    """AWS's generic constraint failure (``path`` in its 1-based ``.member`` form)."""
    shown = _shown(value)
    return APIError(f"1 validation error detected: Value {shown + ' ' if shown else ''}at '{path}' failed to satisfy "
                    f"constraint: {rule}", param=path)


def null(path: str) -> APIError:
    return constraint(None, path, "Member must not be null")


def wrong_type(path: str, expected: str) -> APIError:
    return APIError(f"Malformed input request: the value at {path} must be {expected}.", param=path)


def check_model(model_id: str) -> Iterator[APIError]:
    if len(model_id) > MODEL_MAX:
        yield constraint(model_id, "modelId", f"Member must have length less than or equal to {MODEL_MAX}")
    elif not _model_ok(model_id):
        yield constraint(model_id, "modelId", f"Member must satisfy regular expression pattern: {MODEL_PATTERN}")


@lru_cache(maxsize=256)  # a suite uses a handful of model ids (each at most MODEL_MAX characters)
def _model_ok(model_id: str) -> bool:
    return _model_re().fullmatch(model_id) is not None


def _check_string(value: Any, path: str, pattern: re.Pattern[str], maximum: int) -> Iterator[APIError]:
    if value is None:
        yield null(path)
    elif not isinstance(value, str):
        yield wrong_type(path, "a string")
    elif len(value) < 1:
        yield constraint(value, path, "Member must have length greater than or equal to 1")
    elif len(value) > maximum:
        yield constraint(value, path, f"Member must have length less than or equal to {maximum}")
    elif not pattern.fullmatch(value):
        yield constraint(value, path, f"Member must satisfy regular expression pattern: {pattern.pattern}")


def check_tool_id(value: Any, path: str) -> Iterator[APIError]:
    yield from _check_string(value, path, ID_RE, ID_MAX)


def check_tool_name(value: Any, path: str) -> Iterator[APIError]:
    yield from _check_string(value, path, NAME_RE, NAME_MAX)


def check_request(body: dict[str, Any], count_only: bool = False) -> Iterator[APIError]:
    """The top level, the messages and their blocks (``count_only``: a CountTokens ``converse``
    input, which has no ``inferenceConfig``)."""
    messages = body.get("messages")
    if messages is not None and not isinstance(messages, list):
        yield wrong_type("messages", "a list")
        return
    if not count_only:
        yield from _check_inference(body.get("inferenceConfig"))
    yield from _check_system(body.get("system"))
    for i, message in enumerate(messages or []):
        yield from _check_message(i, message)


def _check_inference(config: Any) -> Iterator[APIError]:
    if config is None:
        return
    if not isinstance(config, dict):
        yield wrong_type("inferenceConfig", "an object")
        return
    max_tokens = config.get("maxTokens")
    if max_tokens is not None:
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
            yield wrong_type("inferenceConfig.maxTokens", "an integer")
        elif max_tokens < 1:
            yield constraint(max_tokens, "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")
    for key in ("temperature", "topP"):
        value = config.get(key)
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            yield wrong_type(f"inferenceConfig.{key}", "a number")
        elif value < 0:
            yield constraint(value, f"inferenceConfig.{key}", "Member must have value greater than or equal to 0")
        elif value > 1:
            yield constraint(value, f"inferenceConfig.{key}", "Member must have value less than or equal to 1")
    stops = config.get("stopSequences")
    if stops is not None:
        if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
            yield wrong_type("inferenceConfig.stopSequences", "a list of strings")
        elif len(stops) > 2500:
            yield constraint(stops, "inferenceConfig.stopSequences", "Member must have length less than or equal to 2500")


def _check_system(system: Any) -> Iterator[APIError]:
    if system is None:
        return
    if not isinstance(system, list):
        yield wrong_type("system", "a list")
        return
    for k, block in enumerate(system):
        if not isinstance(block, dict):
            yield wrong_type(f"system.{k}", "an object")
            return
        text = block.get("text")
        if "text" in block:
            if not isinstance(text, str):
                yield wrong_type(f"system.{k}.text", "a string")
            elif not text:
                yield constraint(text, f"system.{k + 1}.member.text", "Member must have length greater than or equal to 1")


def _check_message(i: int, message: Any) -> Iterator[APIError]:
    where = f"messages.{i + 1}.member"
    if not isinstance(message, dict):
        yield wrong_type(f"messages.{i}", "an object")
        return
    role = message.get("role")
    if role is None:
        yield null(f"{where}.role")
        return
    if role not in ROLES:
        yield constraint(role, f"{where}.role", f"Member must satisfy enum value set: [{', '.join(ROLES)}]")
        return
    content = message.get("content")
    if content is None:
        yield null(f"{where}.content")
        return
    if not isinstance(content, list):
        yield wrong_type(f"messages.{i}.content", "a list")
        return
    for j, block in enumerate(content):
        yield from check_block(i, j, block)


def check_block(i: int, j: int, block: Any) -> Iterator[APIError]:
    here = f"messages.{i}.content.{j}"
    member = f"messages.{i + 1}.member.content.{j + 1}.member"
    if not isinstance(block, dict):
        yield wrong_type(here, "an object")
        return
    if "text" in block:
        text = block["text"]
        if not isinstance(text, str):
            yield wrong_type(f"{here}.text", "a string")
        elif not text.strip():
            yield APIError(f"The text field in the ContentBlock object at {here} is blank. Add text to the text field, and try again.",
                           param=here)
    if "toolUse" in block:
        yield from _check_tool_use(here, member, block["toolUse"])
    if "toolResult" in block:
        yield from _check_tool_result(here, member, block["toolResult"])
    if "image" in block:
        yield from _check_image(f"{member}.image", block["image"], f"{here}.image")


def _check_tool_use(here: str, member: str, use: Any) -> Iterator[APIError]:
    if not isinstance(use, dict):
        yield wrong_type(f"{here}.toolUse", "an object")
        return
    yield from check_tool_id(use.get("toolUseId"), f"{member}.toolUse.toolUseId")
    yield from check_tool_name(use.get("name"), f"{member}.toolUse.name")
    if "input" not in use or use["input"] is None:
        yield null(f"{member}.toolUse.input")
    elif not isinstance(use["input"], dict):
        yield APIError(f"The format of the value at {here}.toolUse.input is invalid. Provide a json object for the field and try again.",
                       param=f"{here}.toolUse.input")


def _check_tool_result(here: str, member: str, result: Any) -> Iterator[APIError]:
    if not isinstance(result, dict):
        yield wrong_type(f"{here}.toolResult", "an object")
        return
    yield from check_tool_id(result.get("toolUseId"), f"{member}.toolResult.toolUseId")
    status = result.get("status")
    if status is not None and status not in STATUSES:
        yield constraint(status, f"{member}.toolResult.status", f"Member must satisfy enum value set: [{', '.join(STATUSES)}]")
        return
    content = result.get("content")
    if content is None:
        yield null(f"{member}.toolResult.content")
        return
    if not isinstance(content, list):
        yield wrong_type(f"{here}.toolResult.content", "a list")
        return
    if not content and status == "error":
        yield APIError(f"The content field at {here}.toolResult cannot be empty when status value is error.", param=f"{here}.toolResult")
        return
    for k, inner in enumerate(content):
        where = f"{here}.toolResult.content.{k}"
        if not isinstance(inner, dict):
            yield wrong_type(where, "an object")
            return
        if "json" in inner and not isinstance(inner["json"], dict):
            yield APIError(f"The format of the value at {where}.json is invalid. Provide a json object for the field and try again.",
                           param=f"{where}.json")
        if "text" in inner and not isinstance(inner["text"], str):
            yield wrong_type(f"{where}.text", "a string")
        if "image" in inner:
            yield from _check_image(f"{member}.toolResult.content.{k + 1}.member.image", inner["image"], f"{where}.image")


def _check_image(member: str, image: Any, here: str) -> Iterator[APIError]:
    if not isinstance(image, dict):
        yield wrong_type(here, "an object")
        return
    kind = image.get("format")
    if kind is None:
        yield null(f"{member}.format")
    elif kind not in IMAGE_FORMATS:
        yield constraint(kind, f"{member}.format", f"Member must satisfy enum value set: [{', '.join(IMAGE_FORMATS)}]")
    elif image.get("source") is None:
        yield null(f"{member}.source")
