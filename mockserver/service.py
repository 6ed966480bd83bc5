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
from mockserver.wire.completion import ChoiceOut, completion_body, finish_choice
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.usage import prompt_tokens


@dataclass
class Outcome:
    """What one chat request produced: a body to send, and what the journal wants to know."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    request: dict[str, Any] | None = None
    reply: RenderedReply | None = None
    error: APIError | None = None


class MockService:
    def __init__(self, config: Config, scenarios: ScenarioSet) -> None:
        self.config = config
        self.scenarios = scenarios  # replaced whole on reload: readers see one set or the other

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
        if body.get("stream"):
            raise APIError(
                "Streaming ('stream': true) is not supported by this mockserver version.",
                param="stream",
                code="unsupported_value",
            )
        scenarios = self.scenarios  # one set for the whole request, even if a reload swaps it
        conv = Conversation(body, validated.tools, validated.tool_choice, headers)
        reply = respond(scenarios, conv)
        ids = IdSource(jsoncodec.dumps_sorted(body), self.config.seed)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        n = body.get("n") or 1
        choices: list[ChoiceOut] = []
        for index in range(n):
            calls = [(c.id, c.name, c.arguments) for c in reply.tool_calls]
            choices.append(finish_choice(reply.content, calls, reply.finish_reason, ids, index, max_tokens))
        response = completion_body(body["model"], choices, ids, prompt_tokens(body))
        return Outcome(200, response, request=body, reply=reply)
