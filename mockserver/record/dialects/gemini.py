"""Google's generateContent (``/v1beta/models/{model}:generateContent``, ``:streamGenerateContent``;
Vertex AI's ``…/publishers/google/models/{model}:…``): ``contents`` in, ``candidates[0]`` out.

The conversation in the neutral form: ``systemInstruction`` a system message; a ``model``
content's text parts its text and its ``functionCall`` parts its calls; a ``user`` content's
``functionResponse`` parts one tool message each (its text as the dialect reads it:
``dialects/gemini/convert.py`` ``response_text``), then its text.
The answer: candidate 0's text parts joined, ``functionCall`` parts as calls, ``finishReason``
mapped (``STOP`` → stop, or tool_calls with calls; ``MAX_TOKENS`` → length; ``SAFETY`` and the
other blocking reasons → content_filter). A stream (``?alt=sse`` events, or the JSON array
without it) is added up response by response. The model is in the path, not the body: the
recorded request names none.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mockserver.dialects.gemini.convert import response_text
from mockserver.record.dialects import Reading
from mockserver.record.exchange import Answer, Call, Message, Request
from mockserver.record.sse import Event

PATH = re.compile(r"^(?:/v1beta1?|/v1)(?:/projects/[^/]+/locations/[^/]+)?(?:/publishers/google)?/models/[^/:]+:"
                  r"(?:generateContent|streamGenerateContent)$")
_STOP = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
         "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter"}


class GeminiAdapter:
    name = "gemini"
    paths: frozenset[str] = frozenset()  # parameterised: see matches()
    auth = "x-goog-api-key"

    @staticmethod
    def matches(path: str) -> bool:
        return PATH.match(path) is not None

    def request(self, body: Any) -> Request | None:
        if not isinstance(body, dict) or not isinstance(body.get("contents"), list):
            return None
        messages: list[Message] = []
        system = body.get("systemInstruction") or body.get("system_instruction")
        if isinstance(system, dict) and _text(system):
            messages.append(Message("system", _text(system)))
        for content in body["contents"]:
            if isinstance(content, dict):
                _add_content(messages, content)
        tools = [f["name"] for t in body.get("tools") or [] if isinstance(t, dict)
                 for f in t.get("functionDeclarations") or [] if isinstance(f, dict) and isinstance(f.get("name"), str)]
        config = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
        forced = isinstance(config, dict) and str(config.get("mode") or "").upper() == "ANY"
        return Request("gemini", "", messages, tools, forced, False)

    def answer(self, body: Any) -> Reading:
        if isinstance(body, list):  # the streamed JSON array (no alt=sse)
            stream = self.stream()
            for item in body:
                stream.add(item)
            return stream.result()
        if not isinstance(body, dict) or not isinstance(body.get("candidates"), list) or not body["candidates"]:
            return Reading(None)
        candidate = body["candidates"][0] if isinstance(body["candidates"][0], dict) else {}
        parts = [p for p in (candidate.get("content") or {}).get("parts") or [] if isinstance(p, dict)]
        calls = tuple(Call(str(p["functionCall"].get("name") or ""), json.dumps(p["functionCall"].get("args") or {}, ensure_ascii=False),
                           str(p["functionCall"].get("id") or "")) for p in parts if isinstance(p.get("functionCall"), dict))
        texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
        content = "".join(texts) if texts or not calls else None
        reason = _STOP.get(str(candidate.get("finishReason") or "STOP"), "stop")
        if reason == "stop" and calls:
            reason = "tool_calls"
        return Reading(Answer(content, calls, reason), body=body)

    def stream(self) -> "GeminiStream":
        return GeminiStream(self)

    def summary(self, reading: Reading, model: str) -> dict[str, Any]:
        return dict(reading.body or {"candidates": []}, stream=True)

    def claims(self, request: Any, response: Any) -> bool:
        if isinstance(response, dict):
            return isinstance(response.get("candidates"), list)
        return isinstance(request, dict) and isinstance(request.get("contents"), list)


class GeminiStream:
    """Adds the streamed responses up into one (text pieces joined, every part kept in order)."""

    def __init__(self, adapter: GeminiAdapter) -> None:
        self.adapter = adapter
        self.parts: list[dict[str, Any]] = []
        self.finish: str | None = None
        self.last: dict[str, Any] | None = None
        self.error: str | None = None

    def feed(self, event: Event) -> None:
        try:
            self.add(json.loads(event.data))
        except ValueError:
            return

    def add(self, item: Any) -> None:
        if not isinstance(item, dict):
            return
        if "error" in item:
            error = item["error"]
            self.error = str(error.get("message") if isinstance(error, dict) else error)
            return
        candidates = item.get("candidates") or []
        if not candidates or not isinstance(candidates[0], dict):
            return
        self.last = item
        self.parts += [p for p in (candidates[0].get("content") or {}).get("parts") or [] if isinstance(p, dict)]
        self.finish = candidates[0].get("finishReason") or self.finish

    def result(self) -> Reading:
        if self.error is not None or self.last is None or self.finish is None:
            return Reading(None, error=self.error)
        text = "".join(p["text"] for p in self.parts if isinstance(p.get("text"), str) and not p.get("thought"))
        parts = ([{"text": text}] if text else []) + [p for p in self.parts if "functionCall" in p]
        body = dict(self.last, candidates=[{"content": {"parts": parts, "role": "model"}, "finishReason": self.finish, "index": 0}])
        return self.adapter.answer(body)


def _text(content: dict[str, Any]) -> str:
    return "\n".join(p["text"] for p in content.get("parts") or []
                     if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought"))


def _add_content(messages: list[Message], content: dict[str, Any]) -> None:
    parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
    if content.get("role") == "model":
        calls = tuple(Call(str(p["functionCall"].get("name") or ""), json.dumps(p["functionCall"].get("args") or {}, ensure_ascii=False))
                      for p in parts if isinstance(p.get("functionCall"), dict))
        text = "".join(p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
        if messages and messages[-1].role == "assistant" and not messages[-1].calls:  # one turn in several contents
            previous = messages.pop()
            text, calls = previous.text + text, previous.calls + calls
        messages.append(Message("assistant", text, calls))
        return
    responses = [p["functionResponse"] for p in parts if isinstance(p.get("functionResponse"), dict)]
    for response in responses:
        messages.append(Message("tool", response_text(response.get("response"), response.get("name"))))
    text = _text(content)
    if text or not responses:
        messages.append(Message("user", text))
