"""The Chat Completions dialect: ``POST /v1/chat/completions`` (and ``/chat/completions``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.chat.completion import ChoiceOut, choice_completion_tokens, completion_body, finish_choice, usage_block
from mockserver.dialects.chat.stream import build_stream
from mockserver.dialects.chat.validate import validate_request
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.profiles import OPENAI, Profile, call_id, completion_id, error_body, error_payload, forced_reply, shape_chunk, shape_completion
from mockserver.wire.sse import event
from mockserver.wire.usage import prompt_tokens



class ChatDialect:
    name = "chat"

    def parse(
        self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: Any = None
    ) -> Parsed:
        validated = validate_request(body, profile, strict=strict, history=history)
        return Parsed(
            body=body,
            model=body["model"],
            messages=body["messages"],
            tools=validated.tools,
            tool_choice=validated.tool_choice,
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            stream=bool(body.get("stream")),
            max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
            warnings=validated.warnings,
        )

    def request_key(self, body: dict[str, Any]) -> bytes:
        """What ids are derived from: the request, minus how it is delivered (streamed or not)."""
        return request_key(body)

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids, profile = job.parsed, job.reply, job.ids, job.profile
        body = parsed.body
        content, reason = reply.content, reply.finish_reason
        if reply.tool_calls and parsed.tool_choice.mode in ("required", "function"):
            content, forced_reason = forced_reply(profile, content, parsed.stream)
            reason = reason or forced_reason
        choices: list[ChoiceOut] = []
        for index in range(body.get("n") or 1):
            calls = [(c.id or call_id(profile, ids, index, k, c.name), c.name, c.arguments) for k, c in enumerate(reply.tool_calls)]
            choices.append(finish_choice(content, calls, reason, ids, index, parsed.max_tokens))
        prompt = prompt_tokens(body, parsed.tools.tokens)
        summary = partial(_completion, body, choices, ids, profile, prompt)
        if parsed.stream:
            pieces = _stream(body, choices, ids, profile, prompt, job.chunk_chars, job.fast)
            return Rendered(stream=pieces, summary=summary)
        response = summary()
        return Rendered(body=response, completion_tokens=response["usage"]["completion_tokens"])

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        return error_body(profile, error)

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        return event({"error": error_payload(profile, error)})

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        try:
            message = body["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            return None, []
        calls = []
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            calls.append(Call(call.get("id", ""), function.get("name", ""), function.get("arguments") or ""))
        return message.get("content"), calls


def _completion(body: dict[str, Any], choices: list[ChoiceOut], ids: IdSource, profile: Profile, prompt: int) -> dict[str, Any]:
    """The non-streamed answer, in the profile's shape (also what a stream adds up to)."""
    response = completion_body(body["model"], choices, ids, prompt)
    response["id"] = completion_id(profile, ids)
    return shape_completion(profile, response)


def _stream(
    body: dict[str, Any], choices: list[ChoiceOut], ids: IdSource, profile: Profile, prompt: int, chunk_chars: int, fast: bool
) -> list[Any]:
    header = {
        "id": completion_id(profile, ids),
        "object": "chat.completion.chunk",
        "created": ids.created(),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": ids.fingerprint(),
    }
    usage = None
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = usage_block(prompt, choice_completion_tokens(choices))
    shape = None if profile is OPENAI else partial(shape_chunk, profile)
    return build_stream(header, choices, usage, chunk_chars=chunk_chars, fast=fast, shape=shape)
