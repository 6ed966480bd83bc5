"""The Responses API (``/v1/responses``): input items in, output items out.

The conversation in the neutral form the engine matches on (``dialects/responses/convert.py``):
``instructions`` a system message (this request's own: a follow-up never carries them over); a
``message`` item a message of its role (text parts joined with newlines, as the engine joins
chat text parts); ``function_call`` items calls of the assistant message they follow (a new
assistant message when none precedes them); a ``function_call_output`` a tool message.
``previous_response_id`` continues a stored response: :class:`Request.continues` says which,
and the recorder puts that response's conversation in front.

A stream is read from its last ``response.completed`` / ``response.incomplete`` event, whose
``response`` is the whole answer (the official schema: ``ResponseCompletedEvent``).
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.record.dialects import Reading
from mockserver.record.exchange import Answer, Call, Message, Request
from mockserver.record.sse import Event

_TEXT_PARTS = ("input_text", "output_text", "text")
_INCOMPLETE = {"max_output_tokens": "length", "content_filter": "content_filter"}
_FINAL_EVENTS = ("response.completed", "response.incomplete")


class ResponsesAdapter:
    name = "responses"
    paths = frozenset({"/v1/responses", "/responses"})
    auth = "bearer"

    def request(self, body: Any) -> Request | None:
        if not isinstance(body, dict) or not isinstance(body.get("input"), (str, list)):
            return None
        messages: list[Message] = []
        if isinstance(body.get("instructions"), str) and body["instructions"]:
            messages.append(Message("system", body["instructions"]))
        items = body["input"]
        if isinstance(items, str):
            items = [{"type": "message", "role": "user", "content": items}]
        for item in items:
            if isinstance(item, dict):
                _add_item(messages, item)
        tools = [t["name"] for t in body.get("tools") or []
                 if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("name"), str)]
        choice = body.get("tool_choice")
        forced = choice == "required" or (isinstance(choice, dict) and choice.get("type") == "function")
        previous = body.get("previous_response_id")
        own = 1 if messages and messages[0].role == "system" and "instructions" in body else 0
        return Request("responses", str(body.get("model") or ""), messages, tools, forced, bool(body.get("stream")),
                       continues=previous if isinstance(previous, str) else None, instructions=own)

    def answer(self, body: Any) -> Reading:
        if not isinstance(body, dict) or not isinstance(body.get("output"), list):
            return Reading(None)
        texts: list[str] = []
        calls: list[Call] = []
        has_message = False
        for item in body["output"]:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "message":
                has_message = True
                texts.append("".join(p.get("text", "") for p in item.get("content") or []
                                     if isinstance(p, dict) and p.get("type") == "output_text"))
            elif item.get("type") == "function_call":
                calls.append(_call(item))
        if body.get("status") == "failed":
            error = body.get("error") or {}
            return Reading(None, error=error.get("message") if isinstance(error, dict) else "failed")
        if body.get("status") == "incomplete":
            reason = _INCOMPLETE.get((body.get("incomplete_details") or {}).get("reason"), "length")
        else:
            reason = "tool_calls" if calls else "stop"
        content = "".join(texts) if has_message or not calls else None
        answer_id = body.get("id") if isinstance(body.get("id"), str) else None
        return Reading(Answer(content, tuple(calls), reason), answer_id=answer_id, body=body)

    def stream(self) -> "ResponsesStream":
        return ResponsesStream(self)

    def summary(self, reading: Reading, model: str) -> dict[str, Any]:
        return dict(reading.body or {"object": "response", "model": model, "output": []}, stream=True)

    def claims(self, request: Any, response: Any) -> bool:
        if isinstance(response, dict):
            return response.get("object") == "response" or isinstance(response.get("output"), list)
        if isinstance(response, str):
            return "response.created" in response[:4096] or "response.completed" in response
        return isinstance(request, dict) and "input" in request


class ResponsesStream:
    def __init__(self, adapter: ResponsesAdapter) -> None:
        self.adapter = adapter
        self.final: dict[str, Any] | None = None
        self.error: str | None = None

    def feed(self, event: Event) -> None:
        data = event.json_object()
        if data is None:
            return
        kind = data.get("type") or event.name
        if kind in _FINAL_EVENTS and isinstance(data.get("response"), dict):
            self.final = data["response"]
        elif kind == "response.failed":
            error = (data.get("response") or {}).get("error") or {}
            self.error = error.get("message") if isinstance(error, dict) else "response.failed"
        elif kind == "error":
            self.error = str(data.get("message") or data.get("code") or "error")

    def result(self) -> Reading:
        if self.error is not None or self.final is None:
            return Reading(None, error=self.error)
        return self.adapter.answer(self.final)


def _add_item(messages: list[Message], item: dict[str, Any]) -> None:
    kind = item.get("type", "message" if "role" in item else None)
    if kind == "message":
        messages.append(Message(str(item.get("role") or "user"), _text(item.get("content"))))
    elif kind == "function_call":
        call = _call(item)
        last = messages[-1] if messages else None
        if last is not None and last.role == "assistant":
            messages[-1] = Message("assistant", last.text, last.calls + (call,))
        else:
            messages.append(Message("assistant", "", (call,)))
    elif kind == "function_call_output":
        output = item.get("output")
        if isinstance(output, list):  # parts joined without a separator, as the server reads them
            output = "".join(p.get("text", "") for p in output if isinstance(p, dict) and p.get("type") in _TEXT_PARTS)
        messages.append(Message("tool", output if isinstance(output, str) else ""))
    # reasoning, item_reference, hosted tool calls: not part of what rules match


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in _TEXT_PARTS)
    return ""


def _call(item: dict[str, Any]) -> Call:
    arguments = item.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    return Call(str(item.get("name") or ""), arguments, str(item.get("call_id") or ""))
