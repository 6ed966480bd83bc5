"""Ollama's native API: ``POST /api/chat`` (tools, streamed by default as NDJSON) and
``POST /api/generate`` (text only: the prompt is the user message), answered from the same
scenarios; ``GET /api/tags``, ``POST /api/show``, ``GET /api/version`` and ``GET /api/ps``
beside them (``routes.py``).

Ollama has no API key; with ``--api-key`` a request without the bearer token gets a 401
``{"error": "unauthorized"}`` (the text Ollama's server gives for its own authorization errors).
Every error is ``{"error": "…"}`` (``server/routes.go``); mock-only errors (no matching rule,
scenario errors) add their ``code`` and details beside it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Callable, Mapping

import jsonschema

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.ollama import models
from mockserver.dialects.ollama.convert import generate_messages, to_messages
from mockserver.dialects.ollama.render import (
    Output, chat_object, created_at, decide, generate_object, message, metrics, tool_call_id,
)
from mockserver.dialects.ollama.embed import embed_routes
from mockserver.dialects.ollama.routes import routes
from mockserver.dialects.ollama.rules import BOOK
from mockserver.dialects.ollama.shape import check_chat, check_generate, format_problem
from mockserver.dialects.ollama.stream import MEDIA_TYPE, build_lines, error_line
from mockserver.validation.problems import tag
from mockserver.validation.rules import Judge
from mockserver.validation.tools import EMPTY_TOOLSET, ToolChoice, tool_set
from mockserver.wire import jsoncodec
from mockserver.wire.auth import auth_error
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.profiles import Profile
from mockserver.wire.sse import Timing
from mockserver.wire.usage import prompt_tokens

GENERATE = "/api/generate"
# the service's text for a stream fault that names none (OpenAI's): Ollama's 500 instead
_OPENAI_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"
# injected HTTP faults, in Ollama's words: a crashed runner (reported in many ollama/ollama issues,
# e.g. #2888, #4464), and server/sched.go ErrMaxQueue for a full queue
FAULT_MESSAGES = {
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
MOCK_CODES = frozenset({"no_matching_rule", "scenario_error", "invalid_mock_header", "invalid_scenario"})


class OllamaDialect:
    name = "ollama"
    fault_messages = FAULT_MESSAGES
    any_content_type = True  # Ollama decodes any body as JSON: `curl -d` sends form-urlencoded

    def __init__(self, timing: Timing | None = None, check_models: bool = True, config: Any = None) -> None:
        self.timing = timing or Timing()
        self.config = config  # read for the seed (it may change at run time): ids of calls sent back without one
        self.check_models = check_models  # off with --upstream: the upstream knows its models
        self._scenarios: Callable[[], Any] | None = None  # the service's scenario set now (set by extra_routes)
        # the models of the last scenario set seen: (that set, its names by full name, whether it names any
        # model itself); one entry, replaced when a reload brings another set
        self._known: tuple[Any, frozenset[str], dict[str, str], bool] | None = None

    @classmethod
    def from_config(cls, config: Any) -> "OllamaDialect":
        return cls(Timing(config.ttft, config.tps, config.jitter), check_models=not config.upstream, config=config)

    def extra_routes(self, service: Any) -> list[Any]:
        self._scenarios = lambda: service.scenarios
        refused = lambda request: self._refused(service.config.api_key, request.headers)  # noqa: E731
        scripted = lambda *args: service.scenarios.embeddings.vector(*args)  # noqa: E731 - the set now (reloads)
        return (routes(lambda: service.scenarios.models(), refused, service.config.max_body_bytes)
                + embed_routes(refused, service.config.max_body_bytes, lambda: service.config.seed, scripted))

    # --- request -----------------------------------------------------------------------------

    def parse(self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: Any = None) -> Parsed:
        generate = _is_generate(body, route)
        judge = Judge(BOOK, profile, strict)
        judge.layer(check_generate(body) if generate else check_chat(body))
        model = self._model(body["model"])
        judge.layer(_format_problems(body.get("format")))
        if generate:
            tools, messages = EMPTY_TOOLSET, generate_messages(body)
        else:
            tools = tool_set(body["tools"]) if body.get("tools") else EMPTY_TOOLSET
            judge.layer(replace(p, rule="ollama.tools_suspicious") for p in tools.problems)
            messages, problems = to_messages(body.get("messages") or [], tools, check=history, id_of=partial(self._issued_id, body))
            if not messages:  # the engine needs a message: an empty user turn stands for none
                messages = [{"role": "user", "content": ""}]
                problems.insert(0, tag(APIError("`messages` is empty: Ollama only loads the model (done_reason \"load\")",
                                                param="messages"), "ollama.messages_empty"))
            judge.layer(problems)
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        limit = options.get("num_predict")
        return Parsed(
            body=body,
            model=model,
            messages=messages,
            tools=tools,
            tool_choice=ToolChoice("auto" if tools.functions else "none"),
            stream=body.get("stream") is not False,  # Ollama streams unless told not to
            max_tokens=limit if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0 else None,
            state=generate,
            warnings=tuple(judge.warnings),
        )

    def _model(self, requested: str) -> str:
        """The scenario model ``requested`` names (``x`` is ``x:latest``); a 404 if none does while
        the scenarios name models (``models:`` or a ``model`` matcher; scenarios that name none
        answer any model, as for the other dialects)."""
        if self._scenarios is None:
            return requested
        scenarios = self._scenarios()
        known = self._known
        if known is None or known[0] is not scenarios:
            names = scenarios.models()
            by_full = {models.full_name(n): n for n in reversed(names)}
            known = self._known = (scenarios, frozenset(names), by_full, any(s.named_models() for s in scenarios.scenarios))
        found = requested if requested in known[1] else known[2].get(models.full_name(requested))
        if found is not None:
            return found
        if self.check_models and known[3]:
            raise tag(APIError(models.not_found_text(requested), param="model", code="model_not_found", status=404),
                      "ollama.model_not_found")
        return requested

    def _issued_id(self, body: dict[str, Any], i: int, k: int) -> str:
        """The id the mock gave call ``k`` of message ``i``: derived, as every id, from the request
        that asked for it (this body with the messages before ``i``) and the seed."""
        seed = getattr(self.config, "seed", 0)
        return tool_call_id(IdSource(self.request_key({**body, "messages": body["messages"][:i]}), seed), k)

    def request_key(self, body: dict[str, Any]) -> bytes:
        return request_key(body, ("stream", "keep_alive"))

    # --- answer ------------------------------------------------------------------------------

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids = job.parsed, job.reply, job.ids
        generate = bool(parsed.state)
        calls = [] if generate else [(c.id or tool_call_id(ids, k), c.name, c.arguments) for k, c in enumerate(reply.tool_calls)]
        output = decide(reply.content, calls, reply.finish_reason, parsed.max_tokens)
        timing = Timing(**reply.timing) if reply.timing else self.timing
        counters = metrics(ids, timing, prompt_tokens({"messages": parsed.messages}, parsed.tools.tokens), output)
        model = parsed.body["model"]
        final = partial(_final, generate, model, created_at(ids, counters["total_duration"]), output, counters)
        if parsed.stream:
            pieces = build_lines(generate, model, ids, output, counters, job.chunk_chars)
            return Rendered(stream=pieces, summary=final, media_type=MEDIA_TYPE)
        return Rendered(body=final(), completion_tokens=output.tokens)

    # --- errors ------------------------------------------------------------------------------

    def _refused(self, expected: str | None, headers: Mapping[str, str]) -> str | None:
        return "unauthorized" if auth_error(expected, headers) is not None else None

    def auth_error(self, expected: str | None, headers: Mapping[str, str], route: Any = None) -> APIError | None:
        if self._refused(expected, headers) is None:
            return None
        return APIError("unauthorized", code="unauthorized", status=401)

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        body: dict[str, Any] = {"error": _ollama_text(error)}
        if error.code in MOCK_CODES:
            body.update({"type": error.type, "code": error.code, **error.extra})
        return body

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        text = FAULT_MESSAGES[500] if error.message == _OPENAI_STREAM_ERROR else error.message
        return error_line(text)

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        if "response" in body:
            return body.get("response"), []
        msg = body.get("message") if isinstance(body.get("message"), dict) else {}
        calls = []
        for call in msg.get("tool_calls") or []:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            text = arguments if isinstance(arguments, str) else jsoncodec.dumps(arguments or {}).decode()
            calls.append(Call(call.get("id", ""), function.get("name", ""), text))
        return msg.get("content"), calls


def _final(generate: bool, model: str, stamp: str, output: Output, counters: dict[str, int]) -> dict[str, Any]:
    if generate:
        return generate_object(model, stamp, output.text, True, output.done_reason, counters)
    return chat_object(model, stamp, message(output.text, output.calls), True, output.done_reason, counters)


def _is_generate(body: dict[str, Any], route: Any) -> bool:
    path = getattr(route, "path", None) or getattr(getattr(route, "route", None), "path", None)
    if isinstance(path, str):
        return path.rstrip("/").endswith(GENERATE)
    return "messages" not in body and "prompt" in body


def _format_problems(fmt: Any) -> list[APIError]:
    problem = format_problem(fmt)
    if problem is not None:
        return [problem]
    if isinstance(fmt, dict):
        try:
            jsonschema.validators.validator_for(fmt, default=jsonschema.Draft202012Validator).check_schema(fmt)
        except jsonschema.SchemaError as exc:
            return [tag(APIError(f"format: not a valid JSON Schema: {exc.message}", param="format"), "ollama.format_schema")]
    return []


def _ollama_text(error: APIError) -> str:
    """The service's own body errors, in Ollama's words where it has them."""
    if error.code == "invalid_json" and error.message.startswith("The request body is empty"):
        return "missing request body"  # ChatHandler: errors.Is(err, io.EOF)
    return error.message


__all__ = ["OllamaDialect"]
