"""Google's ``generateContent`` API, as the Gemini API (``/v1beta/models/{model}:generateContent``,
``/v1/…``) and Vertex AI (``/v1/projects/{project}/locations/{location}/publishers/google/models/
{model}:generateContent``, ``/v1beta1/…``) serve it; ``:streamGenerateContent`` streams (SSE with
``?alt=sse``, else a JSON array). The model, the surface and the delivery come from the path and
query (the route table, ``mockserver/server/routes.py``); the body is the
``GenerateContentRequest``. Auxiliary routes (``:countTokens``, ``GET /v1beta/models``) are in
``endpoints.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.dialects.base import Call, Parsed, Rendered, RenderInput, request_key
from mockserver.dialects.gemini import errors, stream
from mockserver.dialects.gemini.convert import call_id, to_messages, turns
from mockserver.dialects.gemini.protocol import check_protocol
from mockserver.dialects.gemini.render import answer, response_body
from mockserver.dialects.gemini.rules import BOOK
from mockserver.dialects.gemini.shape import check_request
from mockserver.dialects.gemini.tools import CallingConfig, calling_config, tool_choice, tool_set
from mockserver.validation.rules import Judge
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError
from mockserver.wire.profiles import Profile
from mockserver.wire.usage import prompt_tokens

DEFAULT_MODEL = "gemini-2.5-flash"
# what the service sends mid-stream when a stream fault names no message (OpenAI's text)
_OPENAI_STREAM_ERROR = "The server had an error while processing your request. Sorry about that!"


# the generateContent methods a path can end with
GOOGLE_METHODS = (":generateContent", ":streamGenerateContent", ":countTokens")


@dataclass(frozen=True)
class Delivery:
    """What the path and query say: the model, Vertex AI or the Gemini API, streamed, SSE."""

    model: str
    vertex: bool
    stream: bool
    sse: bool


def delivery(route: Any) -> Delivery:
    if route is None:
        return Delivery(DEFAULT_MODEL, False, False, False)
    model = route.params.get("model") or DEFAULT_MODEL
    return Delivery(model, "/publishers/" in route.path, route.path.endswith(":streamGenerateContent"),
                    route.query.get("alt") == "sse")


@dataclass(frozen=True)
class State:
    delivery: Delivery
    stops: list[str]
    candidates: int
    prompt_tokens: int


class GeminiDialect:
    name = "gemini"
    fault_messages = errors.FAULT_MESSAGES
    stream_error_takes_route = True

    def parse(self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: Any = None) -> Parsed:
        where = delivery(route)
        judge = Judge(BOOK, profile, strict)
        messages, tools, config = self.conversation(body, judge, where.vertex, history=history)
        generation = body.get("generationConfig") or {}
        max_tokens = generation.get("maxOutputTokens")
        stops = [s for s in generation.get("stopSequences") or [] if s]
        tokens = prompt_tokens({"messages": messages}, tools.tokens)
        return Parsed(
            body=body,
            model=where.model,
            messages=messages,
            tools=tools,
            tool_choice=tool_choice(config, tools),
            stream=where.stream,
            max_tokens=max_tokens,
            state=State(where, stops, generation.get("candidateCount") or 1, tokens),
            warnings=tuple(judge.warnings),
        )

    def conversation(self, body: dict[str, Any], judge: Judge, vertex: bool, history: bool = True,
                     count_only: bool = False) -> tuple[list[dict[str, Any]], ToolSet, CallingConfig]:
        judge.layer(check_request(body, count_only))
        tools = tool_set(body.get("tools"), "vertex" if vertex else "gemini")
        judge.layer(tools.problems)
        config = CallingConfig()
        problems: list[APIError] = []
        for found in calling_config(body, tools):
            if isinstance(found, CallingConfig):
                config = found
            else:
                problems.append(found)
        judge.layer(problems)
        request_turns = turns(body.get("contents") or [])
        if history:
            judge.layer(check_protocol(request_turns, tools))
        system = body.get("systemInstruction", body.get("system_instruction"))
        return to_messages(system, request_turns), tools, config

    def count_tokens(self, body: dict[str, Any], profile: str, vertex: bool) -> dict[str, Any]:
        """``:countTokens``: ``{contents…}`` or (Gemini API) ``{"generateContentRequest": {…}}``,
        checked like a generation request; the estimate ``usageMetadata.promptTokenCount`` reports."""
        inner = body.get("generateContentRequest")
        request = inner if isinstance(inner, dict) else body
        messages, tools, _ = self.conversation(request, Judge(BOOK, profile), vertex, count_only=True)
        total = prompt_tokens({"messages": messages}, tools.tokens)
        return {"totalTokens": total, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}]}

    def request_key(self, body: dict[str, Any]) -> bytes:
        return request_key(body, ())

    def render(self, job: RenderInput) -> Rendered:
        parsed, reply, ids = job.parsed, job.reply, job.ids
        state: State = parsed.state
        where = state.delivery
        calls = [(c.id or "", c.name, c.arguments) for c in reply.tool_calls]
        ans = answer(reply.content, calls, reply.finish_reason, parsed.max_tokens, state.stops, state.prompt_tokens, state.candidates)
        final = response_body(ids, where.model, where.vertex, ans)
        if parsed.stream:
            pieces = stream.build(ids, where.model, where.vertex, ans, where.sse, job.chunk_chars)
            return Rendered(stream=pieces, summary=lambda: final, media_type=stream.SSE_TYPE if where.sse else stream.ARRAY_TYPE)
        return Rendered(body=final, completion_tokens=ans.output.tokens)

    def auth_error(self, expected: str | None, headers: Mapping[str, str], route: Any = None) -> APIError | None:
        query = route.query if route is not None else {}
        return errors.auth_error(expected, headers, query, route is not None and "/publishers/" in route.path)

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]:
        return errors.error_body(error)

    def wrong_route(self, path: str, error: APIError, routed_here: bool) -> tuple[APIError, dict[str, Any], dict[str, str]] | None:
        """…/models/{model}:generateContent whose {model} is no one segment (empty, or with a "/"):
        Google's error envelope, so that google-genai raises its ClientError with the mock's text
        instead of failing to read an OpenAI-shaped body."""
        if path.endswith(GOOGLE_METHODS):
            return error, errors.error_body(error), dict(error.headers)
        return None

    def stream_error(self, profile: Profile, error: APIError, position: int = 0, route: Any = None) -> bytes:
        payload = errors.error_payload(error)
        if error.message == _OPENAI_STREAM_ERROR:
            payload["message"] = errors.FAULT_MESSAGES[500]  # the engine's default (OpenAI's words)
        return stream.error_piece(payload, delivery(route).sse, position)

    def extra_routes(self, service: Any) -> list[Any]:
        from mockserver.dialects.gemini.endpoints import routes

        return routes(self, service)

    @staticmethod
    def answer_of(body: dict[str, Any]) -> tuple[str | None, list[Call]]:
        texts: list[str] = []
        out: list[Call] = []
        candidates = body.get("candidates") or [{}]
        for part in ((candidates[0].get("content") or {}).get("parts")) or []:
            if isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"])
            elif isinstance(part.get("functionCall"), dict):
                call = part["functionCall"]
                args = call.get("args")
                arguments = args if isinstance(args, str) else jsoncodec.dumps(args or {}).decode()
                name = call.get("name", "")
                out.append(Call(call.get("id") or call_id(name, len(out)), name, arguments))
        return ("".join(texts) if texts else None), out


__all__ = ["GeminiDialect"]
