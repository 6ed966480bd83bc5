"""The ``Response`` object: output items, usage, and the request's fields echoed as OpenAI
echoes them. Every body is valid against the official ``Response`` schema (tested)."""

from __future__ import annotations

from dataclasses import dataclass
from mockserver.wire.lazy import lazy
from typing import Any

from mockserver.dialects.responses.hosted import valid
from mockserver.wire.ids import IdSource
from mockserver.wire.usage import completion_tokens, truncate_to_tokens

ID_LENGTH = 50  # resp_/msg_/fc_ + 50 hex, as OpenAI's


@dataclass
class Output:
    """What the response says, decided: text (with its item id), calls, and the status."""

    text: str | None
    text_id: str
    calls: list[dict[str, Any]]  # {id, call_id, name, arguments}
    status: str = "completed"  # completed | incomplete
    incomplete_reason: str | None = None

    @lazy
    def tokens(self) -> int:
        return completion_tokens(self.text, [(c["name"], c["arguments"]) for c in self.calls])


def decide(ids: IdSource, content: str | None, calls: list[tuple[str, str, str]], finish_reason: str | None, max_tokens: int | None) -> Output:
    """``calls``: (call_id, name, arguments). A text over ``max_output_tokens`` is cut
    (status ``incomplete``, reason ``max_output_tokens``); a rule's ``finish_reason: length`` or
    ``content_filter`` also ends the response incomplete."""
    items = [
        {"id": "fc_" + ids.hex_id(f"fc:{k}", ID_LENGTH), "call_id": call_id, "name": name, "arguments": arguments}
        for k, (call_id, name, arguments) in enumerate(calls)
    ]
    status, reason = "completed", None
    if content and max_tokens is not None and not items:
        cut = truncate_to_tokens(content, max_tokens)
        if cut != content:
            content, status, reason = cut, "incomplete", "max_output_tokens"
    if finish_reason == "length":
        status, reason = "incomplete", "max_output_tokens"
    elif finish_reason == "content_filter":
        status, reason = "incomplete", "content_filter"
    text_id = "msg_" + ids.hex_id("msg", ID_LENGTH) if content else ""
    return Output(content, text_id, items, status, reason)


def message_item(output: Output, text: str | None = None, status: str | None = None) -> dict[str, Any]:
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": output.text if text is None else text}
    return {
        "id": output.text_id,
        "type": "message",
        "status": status or output.status,
        "content": [part],
        "role": "assistant",
    }


def call_item(call: dict[str, Any], arguments: str | None = None, status: str = "completed") -> dict[str, Any]:
    return {
        "id": call["id"],
        "type": "function_call",
        "status": status,
        "arguments": call["arguments"] if arguments is None else arguments,
        "call_id": call["call_id"],
        "name": call["name"],
    }


def output_items(output: Output) -> list[dict[str, Any]]:
    items = [message_item(output)] if output.text else []
    return items + [call_item(c) for c in output.calls]


def usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def echo_tools(tools: Any) -> list[dict[str, Any]]:
    """The declared tools as OpenAI echoes them: function tools with ``strict`` and ``parameters``;
    a hosted tool only when it is valid against the official schema (a profile that accepts an
    invalid one with a warning does not echo it: the body stays valid)."""
    echoed = []
    for tool in tools or []:
        if not valid(tool):
            continue
        if tool.get("type") == "function":
            tool = {
                "type": "function",
                "name": tool["name"],
                "description": tool.get("description"),
                "parameters": tool.get("parameters"),
                "strict": tool.get("strict") is not False,  # OpenAI's default for function tools: true
            }
        echoed.append(tool)
    return echoed


def response_object(
    body: dict[str, Any], model: str, parallel_tool_calls: bool, ids: IdSource, output: Output | None, input_tokens: int
) -> dict[str, Any]:
    """The Response; ``output`` None: the in-progress response a stream starts with."""
    created = ids.created()
    done = output is not None
    status = output.status if output is not None else "in_progress"
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    response = {
        "id": response_id(ids),
        "object": "response",
        "created_at": created,
        "status": status,
        "background": bool(body.get("background") or False),
        "completed_at": created + 1 if done and status == "completed" else None,
        "error": None,
        "incomplete_details": {"reason": output.incomplete_reason} if output is not None and output.incomplete_reason else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": model,
        "output": output_items(output) if output is not None else [],
        "parallel_tool_calls": parallel_tool_calls,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default",
        "store": body.get("store") is not False,
        "temperature": body.get("temperature") if body.get("temperature") is not None else 1.0,
        "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity") or "medium"},
        "tool_choice": body.get("tool_choice") if body.get("tool_choice") is not None else "auto",
        "tools": echo_tools(body.get("tools")),
        "top_logprobs": body.get("top_logprobs") or 0,
        "top_p": body.get("top_p") if body.get("top_p") is not None else 1.0,
        "truncation": body.get("truncation") or "disabled",
        "metadata": body.get("metadata") or {},
    }
    if output is not None:  # an in-progress response has no usage yet (the schema allows no null)
        response["usage"] = usage(input_tokens, output.tokens)
    if isinstance(body.get("user"), str):
        response["user"] = body["user"]
    return response


def response_id(ids: IdSource) -> str:
    return "resp_" + ids.hex_id("response", ID_LENGTH)
