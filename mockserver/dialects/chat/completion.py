"""Chat-completion response bodies (non-streamed), in OpenAI's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.wire.ids import IdSource
from mockserver.wire.usage import completion_tokens, truncate_to_tokens


@dataclass
class ChoiceOut:
    """One assistant message to send: what the engine decided, in wire terms."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {id, name, arguments}
    finish_reason: str = "stop"


def finish_choice(
    content: str | None,
    calls: list[tuple[str | None, str, str]],
    forced_reason: str | None,
    ids: IdSource,
    choice_index: int,
    max_tokens: int | None,
) -> ChoiceOut:
    """Apply OpenAI's rules: tool calls → 'tool_calls'; a text over max_tokens → cut, 'length'."""
    tool_calls = [
        {"id": call_id or ids.call_id(choice_index, k), "name": name, "arguments": arguments}
        for k, (call_id, name, arguments) in enumerate(calls)
    ]
    reason = "tool_calls" if tool_calls else "stop"
    if not tool_calls and content and max_tokens is not None:
        cut = truncate_to_tokens(content, max_tokens)
        if cut != content:
            content, reason = cut, "length"
    return ChoiceOut(content, tool_calls, forced_reason or reason)


def usage_block(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def choice_completion_tokens(choices: list[ChoiceOut]) -> int:
    return sum(
        completion_tokens(c.content, [(t["name"], t["arguments"]) for t in c.tool_calls]) for c in choices
    )


def message_body(choice: ChoiceOut) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": choice.content, "refusal": None, "annotations": []}
    if choice.tool_calls:
        message["tool_calls"] = [
            {"id": t["id"], "type": "function", "function": {"name": t["name"], "arguments": t["arguments"]}}
            for t in choice.tool_calls
        ]
    return message


def completion_body(model: str, choices: list[ChoiceOut], ids: IdSource, prompt_tokens: int) -> dict[str, Any]:
    return {
        "id": ids.completion_id(),
        "object": "chat.completion",
        "created": ids.created(),
        "model": model,
        "choices": [
            {"index": i, "message": message_body(c), "logprobs": None, "finish_reason": c.finish_reason}
            for i, c in enumerate(choices)
        ],
        "usage": usage_block(prompt_tokens, choice_completion_tokens(choices)),
        "service_tier": "default",
        "system_fingerprint": ids.fingerprint(),
    }
