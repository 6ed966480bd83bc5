"""Anthropic's Messages API: ``POST /v1/messages`` (and ``/messages``), and the estimate behind
``POST /v1/messages/count_tokens``.

Headers: ``x-api-key`` (or ``Authorization: Bearer``) is checked against ``--api-key``;
``anthropic-version`` and ``anthropic-beta`` are accepted whatever their value. Every answer and
error carries a ``request-id`` header; errors are in Anthropic's shape (``errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.messages import errors
from mockserver.dialects.messages.convert import to_messages, turns
from mockserver.dialects.messages.fields import betas, check_fields
from mockserver.dialects.messages.protocol import check_protocol
from mockserver.dialects.messages.render import decide, message_object, request_id, tool_use_id
from mockserver.dialects.messages.shape import check_request, check_tool_choice, check_tools
from mockserver.dialects.messages.stream import build_events, error_event
from mockserver.dialects.messages.threads import Thread, ThreadStore, resolve
from mockserver.dialects.messages.tools import tool_set
from mockserver.dialects.messages.rules import BOOK
from mockserver.validation.rules import Judge
from mockserver.validation.tools import ToolChoice, ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError
from mockserver.wire.profiles import Profile
from mockserver.wire.usage import prompt_tokens

# what the service sends mid-stream when a stream fault names no message (OpenAI's text)
_OPENAI_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"


@dataclass
class _State:
    stops: list[str]
    thread: Thread | None = None  # a thread request: its answer is kept in the thread store


class MessagesDialect:
    name = "messages"
    fault_messages = errors.FAULT_MESSAGES
    reads_headers = True  # parse is given the request headers (``anthropic-beta``)

    def __init__(self, store: ThreadStore | None = None) -> None:
        self.store = store if store is not None else ThreadStore()  # message threads (``threads.py``)

    @classmethod
    def from_config(cls, config: Any) -> "MessagesDialect":
        """Threads are bounded like the Responses API's stored responses (``--responses-store-*``)."""
        return cls(ThreadStore(config.responses_store_size, config.responses_store_bytes))

    def parse(self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True,
              route: Any = None, headers: Mapping[str, str] | None = None) -> Parsed:
        judge = Judge(BOOK, profile, strict)
        judge.layer(check_fields(body, betas(headers)))
        thread = resolve(body, self.store) if "thread" in body else None
        request = body if thread is None else {**body, "system": thread.system, "tools": thread.tools, "messages": thread.messages}
        request = {k: v for k, v in request.items() if v is not None or k not in ("system", "tools")}
        messages, tools, choice = self._conversation(request, judge, count_only=False, history=history)
        spec = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
        return Parsed(
            body=body,
            model=body["model"],
            messages=messages,
            tools=tools,
            tool_choice=choice,
            parallel_tool_calls=spec.get("disable_parallel_tool_use") is not True,
            stream=bool(body.get("stream")),
            max_tokens=int(body["max_tokens"]),  # 1.0 is 1 (shape.py)
            stateful=thread is not None,
            state=_State([s for s in body.get("stop_sequences") or [] if s], thread),
            warnings=tuple(judge.warnings),
        )

    def count_tokens(self, body: dict[str, Any], profile: str = "openai") -> dict[str, int]:
        """``POST /v1/messages/count_tokens``: the request checked like a message request (without
        ``max_tokens``; warnings are not reported here), and the estimate ``usage.input_tokens`` reports."""
        messages, tools, _ = self._conversation(body, Judge(BOOK, profile), count_only=True)
        return {"input_tokens": prompt_tokens({"messages": messages}, tools.tokens)}

    def _conversation(
        self, body: dict[str, Any], judge: Judge, count_only: bool, history: bool = True
    ) -> tuple[list[dict[str, Any]], ToolSet, ToolChoice]:
        judge.layer(check_request(body, count_only))
        judge.layer(check_tools(body.get("tools")))
        tools = tool_set(body.get("tools"))
        judge.layer(tools.problems)
        judge.layer(check_tool_choice(body.get("tool_choice"), set(tools.functions)))
        request_turns = turns(body["messages"])
        if history:
            judge.layer(check_protocol(request_turns, tools))
        return to_messages(body.get("system"), request_turns), tools, _choice(body.get("tool_choice"), tools)

    def request_key(self, body: dict[str, Any]) -> bytes:
        return request_key(body, ("stream",))

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids = job.parsed, job.reply, job.ids
        calls = [(c.id or tool_use_id(ids, k), c.name, c.arguments) for k, c in enumerate(reply.tool_calls)]
        state: _State = parsed.state
        output = decide(reply.content, calls, reply.finish_reason, parsed.max_tokens, state.stops)
        input_tokens = prompt_tokens({"messages": parsed.messages}, parsed.tools.tokens)
        final = message_object(ids, parsed.model, output, input_tokens)
        if state.thread is not None and output.stop_reason != "refusal":  # a refused turn is not kept
            self.store.put(final["id"], state.thread, final)
        headers = {"request-id": request_id(ids)}
        if parsed.stream:
            start = message_object(ids, parsed.model, None, input_tokens)
            return Rendered(stream=build_events(start, output, job.chunk_chars), summary=lambda: final, headers=headers)
        return Rendered(body=final, completion_tokens=output.tokens, headers=headers)

    def auth_error(self, expected: str | None, headers: Mapping[str, str], route: Any = None) -> APIError | None:
        return errors.auth_error(expected, headers)

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        return errors.error_body(error)

    def error_headers(self, error: APIError) -> dict[str, str]:
        return {**error.headers, "request-id": errors.request_id_of(error)}

    def wrong_route(self, path: str, error: APIError, routed_here: bool) -> tuple[APIError, dict[str, Any], dict[str, str]] | None:
        """A 404 or 405 on a Messages path (or count_tokens) in Anthropic's shape, with its request-id."""
        if routed_here or path.endswith("/messages/count_tokens"):
            return error, errors.error_body(error), self.error_headers(error)
        return None

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        payload = errors.error_payload(error)
        if error.message == _OPENAI_STREAM_ERROR:
            payload["message"] = errors.FAULT_MESSAGES[500]
        return error_event(payload)

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        texts: list[str] = []
        calls: list[Call] = []
        for block in body.get("content") or []:
            if block.get("type") == "text":
                texts.append(block.get("text", ""))
            elif block.get("type") == "tool_use":
                value = block.get("input")
                arguments = value if isinstance(value, str) else jsoncodec.dumps(value).decode()
                calls.append(Call(block.get("id", ""), block.get("name", ""), arguments))
        return ("".join(texts) if texts else None), calls


def _choice(spec: Any, tools: ToolSet) -> ToolChoice:
    """auto → auto, any → required, tool → that function, none → none (none when nothing is declared)."""
    if not tools.functions:
        return ToolChoice("none")
    kind = spec.get("type") if isinstance(spec, dict) else "auto"
    if kind == "any":
        return ToolChoice("required")
    if kind == "tool":
        return ToolChoice("function", spec["name"])
    return ToolChoice("none" if kind == "none" else "auto")


__all__ = ["MessagesDialect"]
