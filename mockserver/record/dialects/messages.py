"""Anthropic's Messages API (``/v1/messages``): content blocks in and out.

The conversation in the neutral form: ``system`` a system message; a message's ``text`` blocks
its text (joined with newlines); an assistant's ``tool_use`` blocks its calls; a user message's
``tool_result`` blocks one tool message each, then the user's own text (if any) as a user
message. The answer: ``text`` blocks joined, ``tool_use`` blocks as calls, ``stop_reason``
mapped (``end_turn``/``stop_sequence`` → stop, ``tool_use`` → tool_calls, ``max_tokens`` →
length, ``refusal`` → content_filter). A stream (``message_start`` … ``message_stop``) is added
up block by block: ``text_delta`` text appended, ``input_json_delta`` partial JSON appended.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.record.dialects import Reading
from mockserver.record.exchange import Answer, Call, Message, Request
from mockserver.record.sse import Event

_STOP = {"end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop", "tool_use": "tool_calls",
         "max_tokens": "length", "refusal": "content_filter"}


class MessagesAdapter:
    name = "messages"
    paths = frozenset({"/v1/messages", "/messages"})
    auth = "x-api-key"

    def request(self, body: Any) -> Request | None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return None
        messages: list[Message] = []
        system = _text(body.get("system"))
        if system:
            messages.append(Message("system", system))
        for raw in body["messages"]:
            if isinstance(raw, dict):
                _add_message(messages, raw)
        tools = [t["name"] for t in body.get("tools") or [] if isinstance(t, dict) and isinstance(t.get("name"), str)
                 and t.get("type") in (None, "custom")]
        choice = body.get("tool_choice")
        forced = isinstance(choice, dict) and choice.get("type") in ("any", "tool")
        return Request("messages", str(body.get("model") or ""), messages, tools, forced, bool(body.get("stream")))

    def answer(self, body: Any) -> Reading:
        if not isinstance(body, dict) or body.get("type") != "message" or not isinstance(body.get("content"), list):
            return Reading(None)
        texts = [b.get("text", "") for b in body["content"] if isinstance(b, dict) and b.get("type") == "text"]
        calls = [_call(b) for b in body["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
        content = "".join(texts) if texts or not calls else None
        reason = _STOP.get(body.get("stop_reason"), "tool_calls" if calls else "stop")
        return Reading(Answer(content, tuple(calls), reason), body=body)

    def stream(self) -> "MessagesStream":
        return MessagesStream(self)

    def summary(self, reading: Reading, model: str) -> dict[str, Any]:
        return dict(reading.body or {"type": "message", "model": model, "content": []}, stream=True)

    def claims(self, request: Any, response: Any) -> bool:
        if isinstance(response, dict):
            return response.get("type") == "message" and isinstance(response.get("content"), list)
        if isinstance(response, str):
            return "message_start" in response[:4096]
        return isinstance(request, dict) and "messages" in request and "system" in request


class MessagesStream:
    """Rebuilds the final ``message`` body from the events, then reads it like a plain answer."""

    def __init__(self, adapter: MessagesAdapter) -> None:
        self.adapter = adapter
        self.message: dict[str, Any] | None = None
        self.partial_json: dict[int, str] = {}
        self.error: str | None = None
        self.stopped = False

    def feed(self, event: Event) -> None:
        data = event.json_object()
        if data is None:
            return
        kind = data.get("type") or event.name
        if kind == "message_start" and isinstance(data.get("message"), dict):
            self.message = dict(data["message"], content=list(data["message"].get("content") or []))
        elif self.message is None:
            if kind == "error":
                self.error = str((data.get("error") or {}).get("message") or "error")
            return
        elif kind == "content_block_start":
            block = dict(data.get("content_block") or {})
            if block.get("type") == "tool_use":
                block["input"] = {}
            self.message["content"].append(block)
        elif kind == "content_block_delta":
            self._delta(data.get("index", len(self.message["content"]) - 1), data.get("delta") or {})
        elif kind == "content_block_stop":
            self._finish_block(data.get("index", len(self.message["content"]) - 1))
        elif kind == "message_delta":
            self.message.update({k: v for k, v in (data.get("delta") or {}).items() if k in ("stop_reason", "stop_sequence")})
        elif kind == "message_stop":
            self.stopped = True
        elif kind == "error":
            self.error = str((data.get("error") or {}).get("message") or "error")

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        blocks = self.message["content"] if self.message else []
        if not 0 <= index < len(blocks):
            return
        if delta.get("type") == "text_delta":
            blocks[index]["text"] = blocks[index].get("text", "") + str(delta.get("text", ""))
        elif delta.get("type") == "input_json_delta":
            self.partial_json[index] = self.partial_json.get(index, "") + str(delta.get("partial_json", ""))

    def _finish_block(self, index: int) -> None:
        blocks = self.message["content"] if self.message else []
        if index in self.partial_json and 0 <= index < len(blocks):
            try:
                blocks[index]["input"] = json.loads(self.partial_json.pop(index) or "{}")
            except ValueError:
                blocks[index]["input"] = {}

    def result(self) -> Reading:
        if self.error is not None or self.message is None or not self.stopped:
            return Reading(None, error=self.error)
        return self.adapter.answer(self.message)


def _add_message(messages: list[Message], raw: dict[str, Any]) -> None:
    role = str(raw.get("role") or "user")
    content = raw.get("content")
    if isinstance(content, str):
        messages.append(Message(role, content))
        return
    blocks = [b for b in content or [] if isinstance(b, dict)]
    if role == "assistant":
        calls = tuple(_call(b) for b in blocks if b.get("type") == "tool_use")
        messages.append(Message("assistant", _text(blocks), calls))
        return
    for block in blocks:
        if block.get("type") == "tool_result":
            messages.append(Message("tool", _text(block.get("content"))))
    text = _text(blocks)
    if text or not any(b.get("type") == "tool_result" for b in blocks):
        messages.append(Message(role, text))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def _call(block: dict[str, Any]) -> Call:
    return Call(str(block.get("name") or ""), json.dumps(block.get("input") or {}, ensure_ascii=False), str(block.get("id") or ""))
