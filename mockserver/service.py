"""The request → response core, independent of the web framework: parse, validate, match,
render, build. The starlette app (``app.py``) only moves bytes in and out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from mockserver.config import Config
from mockserver.engine.context import Conversation
from mockserver.engine.model import ScenarioSet
from mockserver.engine.respond import RenderedReply, respond
from mockserver.validation import validate_request
from mockserver.wire import jsoncodec
from mockserver.wire.body import check_content_type, parse_json_object
from mockserver.wire.completion import ChoiceOut, choice_completion_tokens, completion_body, finish_choice, usage_block
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.sse import Piece, StreamFault, Timing, apply_timing, build_stream
from mockserver.wire.usage import prompt_tokens


@dataclass
class Outcome:
    """What one chat request produced: a body (or stream) to send, and what the journal wants."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    request: dict[str, Any] | None = None
    reply: RenderedReply | None = None
    error: APIError | None = None
    stream: list[Piece] | None = None  # SSE pieces (with their delays) instead of a body
    delay: float = 0.0  # seconds to wait before a non-streamed answer (timing emulation)


class MockService:
    def __init__(self, config: Config, scenarios: ScenarioSet) -> None:
        self.config = config
        self.scenarios = scenarios  # replaced whole on reload: readers see one set or the other
        self.timing = Timing(config.ttft, config.tps, config.jitter)

    def swap_scenarios(self, scenarios: ScenarioSet) -> None:
        self.scenarios = scenarios

    def chat(self, raw: bytes, headers: Mapping[str, str]) -> Outcome:
        body: dict[str, Any] | None = None
        try:
            check_content_type(headers.get("content-type"))
            body = parse_json_object(raw, self.config.max_depth)
            return self._chat(body, headers)
        except APIError as error:
            return Outcome(error.status, error.body(), error.headers, body, error=error)

    def _chat(self, body: dict[str, Any], headers: Mapping[str, str]) -> Outcome:
        validated = validate_request(body)
        scenarios = self.scenarios  # one set for the whole request, even if a reload swaps it
        conv = Conversation(body, validated.tools, validated.tool_choice, headers)
        reply = respond(scenarios, conv)
        ids = IdSource(_request_key(body), self.config.seed)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        calls = [(c.id, c.name, c.arguments) for c in reply.tool_calls]
        choices: list[ChoiceOut] = [
            finish_choice(reply.content, calls, reply.finish_reason, ids, index, max_tokens)
            for index in range(body.get("n") or 1)
        ]
        timing = Timing(**reply.timing) if reply.timing else self.timing
        jitter_seed = int.from_bytes(ids.digest[:8], "big")
        if body.get("stream"):
            fault = (reply.fault or {}).get("stream")
            pieces = self._stream(body, choices, ids, fast=not fault and not timing.active)
            if fault:
                pieces = StreamFault(fault["kind"], fault.get("after", 1), _fault_error(fault)).apply(pieces)
            return Outcome(200, None, request=body, reply=reply, stream=apply_timing(pieces, timing, jitter_seed))
        response = completion_body(body["model"], choices, ids, prompt_tokens(body))
        delay = timing.total(response["usage"]["completion_tokens"], jitter_seed) if timing.active else 0.0
        return Outcome(200, response, request=body, reply=reply, delay=delay)

    def _stream(self, body: dict[str, Any], choices: list[ChoiceOut], ids: IdSource, fast: bool) -> list[Piece]:
        header = {
            "id": ids.completion_id(),
            "object": "chat.completion.chunk",
            "created": ids.created(),
            "model": body["model"],
            "service_tier": "default",
            "system_fingerprint": ids.fingerprint(),
        }
        usage = None
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = usage_block(prompt_tokens(body), choice_completion_tokens(choices))
        return build_stream(header, choices, usage, chunk_chars=self.config.chunk_chars, fast=fast)


_TRANSPORT_FIELDS = ("stream", "stream_options")


def _request_key(body: dict[str, Any]) -> bytes:
    """What ids are derived from: the request, minus how it is delivered (streamed or not)."""
    if any(k in body for k in _TRANSPORT_FIELDS):
        body = {k: v for k, v in body.items() if k not in _TRANSPORT_FIELDS}
    return jsoncodec.dumps_sorted(body)


def _fault_error(fault: dict[str, Any]) -> dict[str, Any] | None:
    if "message" not in fault:
        return None
    return {"message": fault["message"], "type": "server_error", "param": None, "code": None}
