"""What every dialect provides, and what it hands to the engine and back.

A dialect is an object with a ``name`` and four jobs (the paths it answers are lines in the route
table, ``mockserver/server/routes.py``):

- :meth:`Dialect.parse`: check the request's shape and its call/result protocol as the named
  provider profile would (its rule book: ``dialects/<name>/rules.py``; raising the provider's
  400 as :class:`~mockserver.wire.errors.APIError`, carrying the warnings found before it), and
  turn it into a :class:`Parsed` request: the engine's conversation (chat-shaped messages, see
  below), the declared tools and ``tool_choice``, and the warnings (sent as ``X-Mock-Warnings``);
- :meth:`Dialect.render`: turn the engine's reply into the dialect's body, or its stream;
- :meth:`Dialect.error_body` / :meth:`Dialect.stream_error`: errors in the dialect's shape;
- :meth:`Dialect.answer_of`: read a body it rendered back as (text, tool calls), for the journal.

The engine's conversation is a list of messages in one neutral form, whatever the dialect:
``{"role": "system"|"user"|"assistant"|"tool", "content": str | [{"type": "text", "text"}],
"tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}],
"tool_call_id"}`` — the matchers, templates and usage estimate read only that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

from mockserver.validation.tools import ToolChoice, ToolSet
from mockserver.wire import jsoncodec, slicedjson
from mockserver.wire.errors import APIError
from mockserver.wire.ids import IdSource
from mockserver.wire.profiles import Profile
from mockserver.wire.sse import Piece
from mockserver.wire.warnings import MockWarning

if TYPE_CHECKING:  # pragma: no cover
    from mockserver.engine.context import Conversation
    from mockserver.engine.respond import RenderedReply
    from mockserver.server.routes import RouteMatch


SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"


@dataclass
class Parsed:
    """A valid request, as the engine sees it."""

    body: dict[str, Any]  # the request as it was sent (templates see it as ``request``)
    model: str
    messages: list[dict[str, Any]]  # the whole conversation, in the neutral form above
    tools: ToolSet
    tool_choice: ToolChoice
    parallel_tool_calls: bool = True
    stream: bool = False
    max_tokens: int | None = None  # the answer's token limit, when the request sets one
    stateful: bool = False  # the answer depends on, or changes, server state: never remembered
    state: Any = None  # whatever else the dialect needs to render (its own business)
    warnings: tuple[MockWarning, ...] = ()  # what the provider accepts but usually means a client bug


@dataclass
class Call:
    """One tool call to send, with its final id."""

    id: str
    name: str
    arguments: str


@dataclass
class RenderInput:
    parsed: Parsed
    conv: "Conversation"
    reply: "RenderedReply"
    ids: IdSource
    profile: Profile
    chunk_chars: int = 0
    fast: bool = False  # no timing, fault or latency to place: streams may merge pieces


@dataclass
class Rendered:
    """A dialect's answer: a body, or the pieces of a stream and what they add up to."""

    body: dict[str, Any] | None = None
    stream: list[Piece] | None = None
    summary: Callable[[], dict[str, Any]] | None = None  # a stream as one body (journal)
    completion_tokens: int = 0  # for the timing of a non-streamed answer
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = SSE_MEDIA_TYPE  # a stream's content-type (SSE, NDJSON, AWS event stream…)


class Dialect(Protocol):
    """A wire dialect. Optional members the server looks for: ``from_config(config)`` (a
    classmethod making the instance), ``auth_error(api_key, headers, route)`` (the dialect's own
    401; else OpenAI's bearer check), ``extra_routes(service)`` (its auxiliary starlette routes:
    model lists, token counts…), ``error_headers(error)``, ``wrong_route(path, error, routed_here)``
    (a 404/405 on a path its clients send, as ``(error, body, headers)`` in its own shape; else
    OpenAI's), ``fault_messages``, ``store``."""

    name: str

    def parse(
        self, body: dict[str, Any], profile: str, *, strict: bool = False, history: bool = True, route: "RouteMatch | None" = None
    ) -> Parsed:
        """``profile``: whose rules judge the request (``openai``, ``vllm``…); ``strict``: warnings
        are errors; ``history=False``: skip the call/result protocol (a first pass whose profile a
        scenario may still change); ``route``: what the request's path and query say (the model
        in a Gemini or Bedrock path, ``alt=sse``…; see mockserver.server.routes).

        A dialect whose answer depends on request headers (Anthropic's ``anthropic-beta``) sets a
        class attribute ``reads_headers = True``: its parse is then also given ``headers=`` (the
        request's headers by lower-case name), and the memo keys its answers by the beta header."""
        ...

    def request_key(self, body: dict[str, Any]) -> bytes: ...

    def render(self, job: RenderInput) -> Rendered: ...

    def error_body(self, profile: Profile, error: APIError) -> dict[str, Any]: ...

    def stream_error(self, profile: Profile, error: APIError, position: int = 0) -> bytes:
        """The event a server error mid-stream is sent as (``position``: events sent before it)."""
        ...

    def answer_of(self, body: dict[str, Any]) -> tuple[str | None, list[Call]]: ...


def request_key(body: dict[str, Any], transport: tuple[str, ...] = ("stream", "stream_options")) -> bytes:
    """What a request's ids are derived from: the body minus how it is delivered (``transport``
    fields, e.g. streamed or not), so both deliveries of one request get the same ids."""
    if any(k in body for k in transport):
        body = {k: v for k, v in body.items() if k not in transport}
    return slicedjson.dumps_sorted(body)  # orjson's bytes; a long conversation in short steps
