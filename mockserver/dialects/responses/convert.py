"""Responses ``input`` items → the engine's neutral (chat-shaped) messages.

- a string input is one user message; ``instructions`` are a system message in front (they are
  not carried over from a previous response, as OpenAI documents);
- a message item keeps its role; its text parts (``input_text``/``output_text``) become text;
- ``function_call`` items are tool calls of one assistant message: consecutive calls (and the
  assistant text right before them) are one turn of the model;
- a ``function_call_output`` is a tool message answering its ``call_id``;
- other items (reasoning, hosted tool calls, item references) carry nothing the engine reads.
"""

from __future__ import annotations

from typing import Any

TEXT_PARTS = frozenset({"input_text", "output_text", "text"})


def text_parts(content: Any) -> Any:
    """A message's content in the neutral form: the string, or its text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return [{"type": "text", "text": p.get("text", "")} for p in content if isinstance(p, dict) and p.get("type") in TEXT_PARTS]
    return ""


def output_text(output: Any) -> str:
    """A function_call_output's ``output`` (a string or content parts) as text."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "".join(p.get("text", "") for p in output if isinstance(p, dict) and p.get("type") in TEXT_PARTS)
    return ""


def to_messages(items: Any) -> list[dict[str, Any]]:
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[dict[str, Any]] = []
    turn: dict[str, Any] | None = None  # the assistant message that calls may still join
    for item in items or []:
        kind = item.get("type")
        if kind is None or kind == "message":
            message = {"role": item["role"], "content": text_parts(item["content"])}
            messages.append(message)
            turn = message if item["role"] == "assistant" else None
        elif kind == "function_call":
            call = {"id": item["call_id"], "type": "function", "function": {"name": item["name"], "arguments": item["arguments"]}}
            if turn is None:
                turn = {"role": "assistant", "content": None}
                messages.append(turn)
            turn.setdefault("tool_calls", []).append(call)
        elif kind == "function_call_output":
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": output_text(item["output"])})
            turn = None
    return messages


def output_messages(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A response's ``output`` items as the assistant turn they are (for a follow-up)."""
    return to_messages([item for item in output if item.get("type") in ("message", "function_call")])
