"""Converse ``system`` + ``messages`` → the engine's neutral (chat-shaped) messages.

- ``system`` text blocks are one system message in front (cachePoint/guardContent carry nothing);
- a user message's ``toolResult`` blocks are tool messages (``tool_call_id`` = ``toolUseId``;
  content: its ``text`` blocks, and each ``json`` block as JSON text; ``status: error`` kept as
  ``is_error``), then its text blocks one user message;
- an assistant message's text blocks are its content, its ``toolUse`` blocks its tool calls
  (``input`` as a JSON text);
- other blocks (image, document, video, reasoningContent, …) carry nothing the engine reads.
"""

from __future__ import annotations

from typing import Any

from mockserver.wire import jsoncodec


def result_text(content: Any) -> str:
    parts: list[str] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if isinstance(block.get("text"), str):
            parts.append(block["text"])
        elif "json" in block:
            parts.append(jsoncodec.dumps(block["json"]).decode())
    return "".join(parts)


def system_message(system: Any) -> dict[str, Any] | None:
    texts = [b["text"] for b in system or [] if isinstance(b, dict) and isinstance(b.get("text"), str)]
    if not texts:
        return None
    return {"role": "system", "content": texts[0] if len(texts) == 1 else [{"type": "text", "text": t} for t in texts]}


def to_messages(system: Any, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    first = system_message(system)
    if first is not None:
        out.append(first)
    for message in messages:
        blocks = [b for b in message["content"] if isinstance(b, dict)]
        texts = [b["text"] for b in blocks if isinstance(b.get("text"), str)]
        if message["role"] == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
            calls = [
                {"id": b["toolUse"]["toolUseId"], "type": "function",
                 "function": {"name": b["toolUse"]["name"], "arguments": jsoncodec.dumps(b["toolUse"]["input"]).decode()}}
                for b in blocks if "toolUse" in b
            ]
            if calls:
                item["tool_calls"] = calls
            out.append(item)
            continue
        results = [b["toolResult"] for b in blocks if "toolResult" in b]
        for result in results:
            tool: dict[str, Any] = {"role": "tool", "tool_call_id": result["toolUseId"], "content": result_text(result.get("content"))}
            if result.get("status") == "error":
                tool["is_error"] = True
            out.append(tool)
        if texts or not results:
            out.append({"role": "user", "content": texts[0] if len(texts) == 1 else [{"type": "text", "text": t} for t in texts]})
    return out
