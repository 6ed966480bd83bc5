"""Chat Completions (``/v1/chat/completions``): messages in, ``choices[0]`` out.

Streamed answers are added up the way the openai SDK's ``ChatCompletionStreamState`` does:
``delta.content`` appended, ``delta.tool_calls`` merged by ``index`` (id and name from the first
chunk that has them, ``arguments`` appended), ``finish_reason`` from the chunk that carries it.
Only choice 0 is recorded (the one a client continues).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mockserver.engine.context import text_of
from mockserver.record.dialects import Reading
from mockserver.record.exchange import FINISH_REASONS, Answer, Call, Message, Request
from mockserver.record.sse import Event

# vLLM's answers carry fields no other provider sends (mockserver.wire.profiles, seed 000)
_VLLM_TOP = ("kv_transfer_params", "prompt_logprobs", "prompt_token_ids")
_VLLM_CHOICE = ("stop_reason", "token_ids")
# Vertex AI MaaS completion ids (seed 001): "2025-06-20|13:11:29.240295-07|6.230.75.101|-987540014"
_VERTEX_ID = re.compile(r"^\d{4}-\d{2}-\d{2}\|\d{2}:\d{2}:\d{2}")


class ChatAdapter:
    name = "chat"
    paths = frozenset({"/v1/chat/completions", "/chat/completions"})
    auth = "bearer"

    def request(self, body: Any) -> Request | None:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return None
        messages = [_message(m) for m in body["messages"] if isinstance(m, dict)]
        if not messages:
            return None
        tools = []
        for tool in body.get("tools") or []:
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                tools.append(function["name"])
        choice = body.get("tool_choice")
        forced = choice == "required" or (isinstance(choice, dict) and choice.get("type") == "function")
        return Request("chat", str(body.get("model") or ""), messages, tools, forced, bool(body.get("stream")))

    def answer(self, body: Any) -> Reading:
        try:
            choice = body["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            return Reading(None)
        calls = [_call(c) for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        if not calls and isinstance(message.get("function_call"), dict):  # the legacy single call
            calls = [_call({"function": message["function_call"]})]
        content = message.get("content")
        if not isinstance(content, str):
            content = message.get("refusal") if isinstance(message.get("refusal"), str) else None
        answer = Answer(content, tuple(calls), _finish(choice.get("finish_reason")))
        return Reading(answer, profile=_profile(body, choice, calls), body=body)

    def stream(self) -> "ChatStream":
        return ChatStream()

    def summary(self, reading: Reading, model: str) -> dict[str, Any]:
        answer = reading.answer or Answer("")
        message: dict[str, Any] = {"role": "assistant", "content": answer.content}
        if answer.calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in answer.calls
            ]
        return {"object": "chat.completion", "model": model, "stream": True,
                "choices": [{"index": 0, "message": message, "finish_reason": answer.finish_reason}]}

    def claims(self, request: Any, response: Any) -> bool:
        if isinstance(response, dict):
            return response.get("object") == "chat.completion" or isinstance(response.get("choices"), list)
        if isinstance(response, str):
            return '"chat.completion.chunk"' in response[:4096]
        return isinstance(request, dict) and "messages" in request and "system" not in request


class ChatStream:
    def __init__(self) -> None:
        self.content: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.finish: str | None = None
        self.seen = False
        self.error: str | None = None
        self.profile: str | None = None

    def feed(self, event: Event) -> None:
        if event.data.strip() == "[DONE]":
            return
        try:
            chunk = json.loads(event.data)
        except ValueError:
            return
        if not isinstance(chunk, dict):
            return
        if "error" in chunk:  # an error event mid-stream (OpenAI and vLLM send one)
            error = chunk["error"]
            self.error = error.get("message") if isinstance(error, dict) else str(error)
            return
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            self.seen = True
            self.profile = self.profile or _profile(chunk, choice, [])
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                self.content.append(delta["content"])
            for piece in delta.get("tool_calls") or []:
                slot = self.calls.setdefault(piece.get("index", len(self.calls)), {"id": "", "name": "", "arguments": ""})
                if piece.get("id"):
                    slot["id"] = slot["id"] or piece["id"]
                function = piece.get("function") or {}
                if function.get("name"):
                    slot["name"] = slot["name"] or function["name"]
                if isinstance(function.get("arguments"), str):
                    slot["arguments"] += function["arguments"]
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]

    def result(self) -> Reading:
        if self.error is not None or not self.seen:
            return Reading(None, error=self.error)
        calls = tuple(Call(s["name"], s["arguments"] or "{}", s["id"]) for _, s in sorted(self.calls.items()))
        text = "".join(self.content)
        content = None if calls and not text else text
        profile = self.profile or _profile({}, {}, list(calls))
        return Reading(Answer(content, calls, _finish(self.finish)), profile=profile)


def _message(raw: dict[str, Any]) -> Message:
    calls = tuple(_call(c) for c in raw.get("tool_calls") or [] if isinstance(c, dict))
    if not calls and isinstance(raw.get("function_call"), dict):
        calls = (_call({"function": raw["function_call"]}),)
    return Message(str(raw.get("role") or ""), text_of(raw), calls)


def _call(raw: dict[str, Any]) -> Call:
    function = raw.get("function") or {}
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    return Call(str(function.get("name") or ""), arguments, str(raw.get("id") or ""))


def _finish(reason: Any) -> str | None:
    if reason == "function_call":
        return "tool_calls"
    return reason if reason in FINISH_REASONS else None


def _profile(body: dict[str, Any], choice: dict[str, Any], calls: list[Call]) -> str | None:
    """The mockserver profile whose answers look like this one (None: OpenAI's own shape)."""
    if any(k in body for k in _VLLM_TOP) or any(k in choice for k in _VLLM_CHOICE):
        return "vllm"
    if any(c.id.startswith("chatcmpl-tool-") for c in calls):
        return "vllm"
    if isinstance(body.get("id"), str) and _VERTEX_ID.match(body["id"]):
        return "vertex"
    if calls and all(c.id == c.name for c in calls):  # Vertex AI: the call id is the function name
        return "vertex"
    return None
