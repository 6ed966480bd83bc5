"""Messages API ``system`` + ``messages`` → the engine's neutral (chat-shaped) messages.

- consecutive turns of the same role are one turn, as the API combines them;
- ``system`` (a string or text blocks) is a system message in front;
- a user turn's ``tool_result`` blocks are tool messages (``tool_call_id`` = ``tool_use_id``,
  their text content as the content, ``is_error`` kept), then its text blocks one user message;
- an assistant turn's text blocks are its content and its ``tool_use`` blocks its tool calls
  (``input`` as a JSON text);
- other blocks (images, documents, thinking, server tool blocks) carry nothing the engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.wire import jsoncodec


@dataclass
class Turn:
    role: str
    index: int  # the index of its first message in the request (errors name it)
    blocks: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # (message, block, block)


def turns(messages: list[dict[str, Any]]) -> list[Turn]:
    out: list[Turn] = []
    for i, message in enumerate(messages):
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not out or out[-1].role != message["role"]:
            out.append(Turn(message["role"], i))
        out[-1].blocks.extend((i, j, b) for j, b in enumerate(blocks) if isinstance(b, dict))
    return out


def block_text(content: Any) -> str:
    """A ``tool_result``'s content (a string or blocks) as text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def system_message(system: Any) -> dict[str, Any] | None:
    if isinstance(system, str):
        return {"role": "system", "content": system} if system else None
    if isinstance(system, list) and system:
        return {"role": "system", "content": [{"type": "text", "text": b["text"]} for b in system]}
    return None


def to_messages(system: Any, request_turns: list[Turn]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    first = system_message(system)
    if first is not None:
        messages.append(first)
    for turn in request_turns:
        texts = [{"type": "text", "text": b["text"]} for _, _, b in turn.blocks if b.get("type") == "text"]
        if turn.role == "assistant":
            message: dict[str, Any] = {"role": "assistant", "content": _joined(texts)}
            calls = [
                {"id": b["id"], "type": "function", "function": {"name": b["name"], "arguments": jsoncodec.dumps(b["input"]).decode()}}
                for _, _, b in turn.blocks if b.get("type") == "tool_use"
            ]
            if calls:
                message["tool_calls"] = calls
            messages.append(message)
            continue
        results = [b for _, _, b in turn.blocks if b.get("type") == "tool_result"]
        for block in results:
            tool: dict[str, Any] = {"role": "tool", "tool_call_id": block["tool_use_id"], "content": block_text(block.get("content"))}
            if block.get("is_error"):
                tool["is_error"] = True
            messages.append(tool)
        if texts or not results:
            messages.append({"role": "user", "content": texts[0]["text"] if len(texts) == 1 else texts})
    return messages


def _joined(texts: list[dict[str, str]]) -> str | None:
    return "".join(t["text"] for t in texts) if texts else None
