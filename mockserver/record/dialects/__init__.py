"""One small adapter per wire dialect: read the conversation out of a request, and the answer out
of a body or a stream (:class:`Reading`). Adding a dialect is adding a module and a line below.

An adapter has a ``name``, the ``paths`` it answers, ``auth`` (the header an injected key goes
in when the client sent none) and:

- ``request(body) -> Request | None``: the conversation (None: not a request of this dialect);
- ``answer(body) -> Reading``: a non-streamed answer;
- ``stream() -> StreamReader``: fed each server-sent event, then ``result() -> Reading``;
- ``summary(reading, model) -> dict``: a streamed answer as one body (the journal's view);
- ``claims(request, response) -> bool``: whether a logged exchange without a path is its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.record.exchange import Answer, Request
from mockserver.record.sse import Event


@dataclass
class Reading:
    """What an answer (body or stream) comes down to."""

    answer: Answer | None  # None: nothing usable (an error event, a broken or empty stream)
    profile: str | None = None  # the provider profile the answer's shape gives away
    answer_id: str | None = None  # the answer's id, when a later request can continue from it
    error: str | None = None  # the error a stream carried instead of an answer
    body: dict[str, Any] | None = None  # the whole answer as one body, when the dialect has one


class StreamReader(Protocol):
    def feed(self, event: Event) -> None: ...

    def result(self) -> Reading: ...


class Adapter(Protocol):
    name: str
    paths: frozenset[str]
    auth: str  # "bearer" or "x-api-key"

    def request(self, body: Any) -> Request | None: ...

    def answer(self, body: Any) -> Reading: ...

    def stream(self) -> StreamReader: ...

    def summary(self, reading: Reading, model: str) -> dict[str, Any]: ...

    def claims(self, request: Any, response: Any) -> bool: ...


def adapters() -> list[Adapter]:
    from mockserver.record.dialects.chat import ChatAdapter
    from mockserver.record.dialects.gemini import GeminiAdapter
    from mockserver.record.dialects.messages import MessagesAdapter
    from mockserver.record.dialects.ollama import OllamaAdapter
    from mockserver.record.dialects.responses import ResponsesAdapter

    return [ChatAdapter(), ResponsesAdapter(), MessagesAdapter(), GeminiAdapter(), OllamaAdapter()]


_ADAPTERS = adapters()
_BY_PATH = {path: adapter for adapter in _ADAPTERS for path in adapter.paths}


def for_path(path: str) -> Adapter | None:
    """The adapter of a request path (with or without the ``/v1`` prefix, or a full URL's path)."""
    path = path.split("?", 1)[0].rstrip("/")
    for candidate in (path, "/v1" + path):
        if candidate in _BY_PATH:
            return _BY_PATH[candidate]
    for known, adapter in _BY_PATH.items():  # e.g. /openai/v1/chat/completions behind a gateway
        if known.startswith("/v1/") and path.endswith(known):
            return adapter
    for adapter in _ADAPTERS:  # paths with parameters (Gemini's carry the model)
        matches = getattr(adapter, "matches", None)
        if matches is not None and matches(path):
            return adapter
    return None


def for_exchange(request: Any, response: Any) -> Adapter | None:
    """The adapter of a logged exchange that does not say its path (response shape first)."""
    if isinstance(response, dict) and ("error" in response or response.get("type") == "error"):
        response = None  # an error body looks alike in every dialect: the request decides
    for adapter in _ADAPTERS:
        if adapter.claims(request, response):
            return adapter
    return None
