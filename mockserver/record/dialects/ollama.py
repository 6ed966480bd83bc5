"""Ollama's native API (``/api/chat``, ``/api/generate``): messages in, a message (or a
``response`` text) out, streams as NDJSON.

The conversation in the neutral form: the messages as they are (``content`` strings, an
assistant's ``tool_calls`` with object ``arguments``, ``tool`` messages); ``/api/generate`` is
the ``system`` text and the ``prompt``. The answer: the message's content and calls;
``done_reason`` ``length`` → length, else ``tool_calls`` when there are calls, else stop. A stream
is added up line by line (each line a ``done: false`` piece: content appended, calls gathered)
until the ``done: true`` object; an ``{"error"}`` line is an error.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.record.dialects import Reading
from mockserver.record.exchange import Answer, Call, Message, Request
from mockserver.record.sse import Event


class OllamaAdapter:
    name = "ollama"
    paths = frozenset({"/api/chat", "/api/generate"})
    auth = "bearer"

    def request(self, body: Any) -> Request | None:
        if not isinstance(body, dict):
            return None
        streamed = body.get("stream") is not False  # Ollama streams unless told not to
        model = str(body.get("model") or "")
        if isinstance(body.get("prompt"), str) and "messages" not in body:
            messages = [Message("system", body["system"])] if isinstance(body.get("system"), str) and body["system"] else []
            return Request("ollama", model, messages + [Message("user", body["prompt"])], [], False, streamed)
        if not isinstance(body.get("messages"), list):
            return None
        messages = [_message(m) for m in body["messages"] if isinstance(m, dict)]
        tools = [str((t.get("function") or {}).get("name")) for t in body.get("tools") or []
                 if isinstance(t, dict) and isinstance(t.get("function"), dict) and (t.get("function") or {}).get("name")]
        return Request("ollama", model, messages, tools, False, streamed)

    def answer(self, body: Any) -> Reading:
        if not isinstance(body, dict) or body.get("done") is not True:
            return Reading(None)
        if "response" in body and "message" not in body:
            text = body.get("response")
            return Reading(Answer(text if isinstance(text, str) else "", (), _reason(body, ())), body=body)
        message = body.get("message")
        if not isinstance(message, dict):
            return Reading(None)
        calls = tuple(_call(c) for c in message.get("tool_calls") or [] if isinstance(c, dict))
        content = message.get("content") or ""
        return Reading(Answer(content if content or not calls else None, calls, _reason(body, calls)), body=body)

    def stream(self) -> "OllamaStream":
        return OllamaStream(self)

    def summary(self, reading: Reading, model: str) -> dict[str, Any]:
        return dict(reading.body or {"model": model, "message": {"role": "assistant", "content": ""}, "done": True})

    def claims(self, request: Any, response: Any) -> bool:
        if isinstance(response, dict):
            return "done" in response and ("message" in response or "response" in response)
        if isinstance(response, str):
            return '"done":' in response[:4096] and '"created_at"' in response[:4096]
        return False


class OllamaStream:
    """Adds the lines up into the final object (its message holding every piece and call)."""

    def __init__(self, adapter: OllamaAdapter) -> None:
        self.adapter = adapter
        self.content: list[str] = []
        self.calls: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None
        self.error: str | None = None

    def feed(self, event: Event) -> None:
        data = event.json_object()
        if data is None:
            return
        if "error" in data:
            self.error = str(data["error"])
            return
        message = data.get("message") if isinstance(data.get("message"), dict) else None
        if message is not None:
            self.content.append(str(message.get("content") or ""))
            self.calls += [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        elif isinstance(data.get("response"), str):
            self.content.append(data["response"])
        if data.get("done") is True:
            self.final = data

    def result(self) -> Reading:
        if self.error is not None or self.final is None:
            return Reading(None, error=self.error)
        whole = dict(self.final)
        text = "".join(self.content)
        if "message" in whole:
            whole["message"] = {"role": "assistant", "content": text, **({"tool_calls": self.calls} if self.calls else {})}
        else:
            whole["response"] = text
        return self.adapter.answer(whole)


def _message(raw: dict[str, Any]) -> Message:
    calls = tuple(_call(c) for c in raw.get("tool_calls") or [] if isinstance(c, dict))
    content = raw.get("content")
    return Message(str(raw.get("role") or "user"), content if isinstance(content, str) else "", calls)


def _call(call: dict[str, Any]) -> Call:
    function = call.get("function") if isinstance(call.get("function"), dict) else {}
    arguments = function.get("arguments")
    text = arguments if isinstance(arguments, str) else json.dumps(arguments or {}, ensure_ascii=False)
    return Call(str(function.get("name") or ""), text, str(call.get("id") or ""))


def _reason(body: dict[str, Any], calls: tuple[Call, ...]) -> str:
    if body.get("done_reason") == "length":
        return "length"
    return "tool_calls" if calls else "stop"
