"""Unknown request fields of the Messages API, and the ``anthropic-beta`` header that makes the
beta ones known.

Anthropic's validation layer is pydantic with extra fields forbidden: an unknown field is a 400
``invalid_request_error`` "<path>: Extra inputs are not permitted", at the top level
("response_format: Extra inputs are not permitted", amrit110/oli#7), in a message
("messages.0.name: Extra inputs are not permitted", microsoft/autogen#3034) and in a content
block, whose path carries the block's type as pydantic's tagged unions do
("messages.0.content.0.text.cache_control: Extra inputs are not permitted", reported through
OpenRouter and Bedrock before they took cache_control). Beta fields are unknown without their
beta: "context_management: Extra inputs are not permitted" without the context-management beta,
"tools.3.custom.input_examples: Extra inputs are not permitted" (anthropics/claude-code#11678).

The fields known without a beta: the official request schema's (``anthropic-messages-api.md``)
and anthropic-python 2.17's ``MessageCreateParams``. With any ``anthropic-beta`` header the
fields of its ``BetaMessageCreateParams`` are known too (the mock does not map each field to its
beta), except ``thread``, known only with ``message-threads-2026-08-12`` (``threads.py``).
Only the blocks the mock reads (text, tool_use, tool_result) are checked inside.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from mockserver.validation.problems import tag
from mockserver.wire.errors import APIError

THREADS_BETA = "message-threads-2026-08-12"
GA = frozenset({
    "model", "messages", "max_tokens", "stream", "system", "temperature", "top_k", "top_p", "stop_sequences",
    "metadata", "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers", "cache_control",
    "diagnostics", "inference_geo", "output_config", "speed", "user_profile_id", "workspace_id",
})
BETA = frozenset({"billing_policy", "compaction", "context_management", "fallback_credit_token", "fallbacks"})
MESSAGE = frozenset({"role", "content"})
BLOCKS = {
    "text": frozenset({"type", "text", "cache_control", "citations"}),
    "tool_use": frozenset({"type", "id", "name", "input", "cache_control", "caller", "toolset_name"}),
    "tool_result": frozenset({"type", "tool_use_id", "content", "is_error", "cache_control", "toolset_name"}),
}
RULE = "request.unknown_field"


def betas(headers: Mapping[str, str] | None) -> frozenset[str]:
    """The betas an ``anthropic-beta`` header names (comma-separated)."""
    value = (headers or {}).get("anthropic-beta") or ""
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def known_fields(beta: frozenset[str]) -> frozenset[str]:
    known = GA | BETA if beta else GA
    return known | {"thread"} if THREADS_BETA in beta else known


def extra(path: str) -> APIError:
    return tag(APIError(f"{path}: Extra inputs are not permitted", param=path), RULE)


def check_fields(body: dict[str, Any], beta: frozenset[str]) -> Iterator[APIError]:
    known = known_fields(beta)
    for name in body:
        if name not in known:
            yield extra(name)
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            for name in message:
                if name not in MESSAGE:
                    yield extra(f"messages.{i}.{name}")
            content = message.get("content")
            if isinstance(content, list):
                for j, block in enumerate(content):
                    yield from check_block(f"messages.{i}.content.{j}", block)
    system = body.get("system")
    if isinstance(system, list):
        for k, block in enumerate(system):
            yield from check_block(f"system.{k}", block, tagged=False)


def check_block(where: str, block: Any, tagged: bool = True) -> Iterator[APIError]:
    if not isinstance(block, dict):
        return
    kind = block.get("type")
    allowed = BLOCKS.get(kind) if isinstance(kind, str) else None
    if allowed is None:
        return
    path = f"{where}.{kind}" if tagged else where
    for name in block:
        if name not in allowed:
            yield extra(f"{path}.{name}")
    if kind == "tool_result" and isinstance(block.get("content"), list):
        for k, inner in enumerate(block["content"]):
            yield from check_block(f"{path}.content.{k}", inner)
